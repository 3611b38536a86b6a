"""The remedy registry, and a spec's chosen remedies (:class:`Remedies`).

:data:`REGISTRY` holds every remedy in the order the user sees them (the dialog's
rows, :meth:`Remedies.active`); :mod:`retrain.remedies` registers them. The
``[remedies]`` table of a spec is read here, from each remedy's declared value type
(:meth:`Registry.parse`), in stage order so that callbacks know which keys the
other remedies make the job log.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from analysis import naming
from retrain.monitors import LOGGED_KEYS
from retrain.remedies.base import STAGES, Remedy, TrainingSettings
from retrain.remedies.values import SECTION, ParseContext
from retrain.validation import Validator


class Registry:
    """Remedies by name, in registration order."""

    def __init__(self) -> None:
        self._remedies: dict[str, Remedy] = {}

    def register(self, remedy: Remedy) -> Remedy:
        """Add a remedy (at the end of the order).

        Raises
        ------
        ValueError
            The name is taken, or the stage is not one of :data:`~retrain.remedies.base.STAGES`.
        """
        if not remedy.name or remedy.name in self._remedies:
            raise ValueError(f"remedy name {remedy.name!r} is empty or taken")
        if remedy.stage not in STAGES:
            raise ValueError(f"remedy {remedy.name!r}: unknown stage {remedy.stage!r}")
        self._remedies[remedy.name] = remedy
        return remedy

    def unregister(self, name: str) -> None:
        """Remove a remedy (tests register toy remedies and remove them again)."""
        del self._remedies[name]

    def __iter__(self) -> Iterator[Remedy]:
        return iter(list(self._remedies.values()))

    def __len__(self) -> int:
        return len(self._remedies)

    def __contains__(self, name: object) -> bool:
        return name in self._remedies

    def __getitem__(self, name: str) -> Remedy:
        return self._remedies[name]

    def get(self, name: str) -> Remedy | None:
        return self._remedies.get(name)

    def names(self) -> tuple[str, ...]:
        """Every remedy's name, in order."""
        return tuple(self._remedies)

    def by_stage(self) -> list[Remedy]:
        """Every remedy in the order a job applies them (by stage, then registration)."""
        return sorted(self, key=lambda r: STAGES.index(r.stage))

    def logged_with(self) -> dict[str, str]:
        """Keys only some remedy makes the job log: ``{key: "the l2 remedy (...)"}``."""
        out = {}
        for r in self:
            for key in r.logged_keys:
                out[key] = f"the {r.name} remedy" + (f" ({r.logged_note})" if r.logged_note else "")
        return out

    def monitors(self) -> tuple[str, ...]:
        """Validation keys a callback can watch: the job's, and those remedies add."""
        keys = LOGGED_KEYS + tuple(k for r in self for k in r.logged_keys)
        return tuple(k for k in dict.fromkeys(keys) if naming.role(k) == "val")

    def parse(self, table: Mapping, v: Validator, train: Any) -> Remedies:
        """The ``[remedies]`` table of a spec, validated; problems are recorded in ``v``.

        Unknown keys get the closest known name; each value is read by its remedy's
        value type; at most one remedy of an exclusive group stays on.
        """
        table = dict(table)
        v.only(table, SECTION, list(self.names()))
        values: dict[str, Any] = {}
        for remedy in self.by_stage():
            raw = table.get(remedy.name)
            if raw is None or raw is False:
                continue
            value = remedy.value.parse(table, remedy.name, v, self._context(values, train))
            if remedy.is_on(value):
                values[remedy.name] = value
        for group in dict.fromkeys(r.exclusive for r in self if r.exclusive):
            on = [r.name for r in self if r.exclusive == group and r.name in values]
            if len(on) > 1:
                v.fail(f"choose one {group} remedy, not {' and '.join(on)}", f"[{SECTION}]")
                for name in on[1:]:
                    del values[name]
        return Remedies(values, registry=self)

    def _context(self, values: Mapping[str, Any], train: Any) -> ParseContext:
        on = [self[name] for name in values]
        return ParseContext(
            train,
            logged_keys=LOGGED_KEYS + tuple(k for r in on for k in r.logged_keys),
            logged_with=self.logged_with(),
            default_monitor=next((r.default_monitor for r in on if r.default_monitor), "val_loss"),
        )


#: Every remedy FitLens knows (filled by :mod:`retrain.remedies`).
REGISTRY = Registry()


class Remedies:
    """The remedies of a spec that are on, with their values.

    ``Remedies(standardize=True, l2=0.01)``; a value that is off (None/False) is left
    out. A remedy's value reads as an attribute (``remedies.l2``), its ``off`` value
    (None or False) when the remedy is not on.

    Raises
    ------
    TypeError
        A name that is not a registered remedy.
    """

    def __init__(
        self,
        values: Mapping[str, Any] | None = None,
        /,
        *,
        registry: Registry | None = None,
        **named,
    ) -> None:
        reg = REGISTRY if registry is None else registry
        given = {**(values or {}), **named}
        unknown = [n for n in given if n not in reg]
        if unknown:
            raise TypeError(f"unknown remedies: {', '.join(unknown)}")
        self._registry = reg
        self._values = {n: v for n, v in given.items() if reg[n].is_on(v)}

    def __getattr__(self, name: str) -> Any:
        reg = self.__dict__.get("_registry")
        if name.startswith("_") or reg is None or name not in reg:
            raise AttributeError(name)
        return self._values.get(name, reg[name].value.off)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Remedies) and self._values == other._values

    __hash__ = None  # mutable values (callback settings)

    def __repr__(self) -> str:
        return "Remedies(" + ", ".join(f"{n}={v!r}" for n, v in self._values.items()) + ")"

    def __getitem__(self, name: str) -> Any:
        return getattr(self, name)

    def active(self) -> tuple[str, ...]:
        """Names of the remedies that are on, in the registry's order."""
        return tuple(r.name for r in self._registry if r.name in self._values)

    def items(self) -> list[tuple[Remedy, Any]]:
        """``(remedy, value)`` of the remedies that are on, in the registry's order."""
        return [(r, self._values[r.name]) for r in self._registry if r.name in self._values]

    def by_stage(self, stage: str | None = None) -> list[tuple[Remedy, Any]]:
        """``(remedy, value)`` in the order a job applies them; only ``stage`` if given."""
        return [
            (r, self._values[r.name])
            for r in self._registry.by_stage()
            if r.name in self._values and stage in (None, r.stage)
        ]

    def to_spec(self) -> dict[str, Any]:
        """The ``[remedies]`` table (TOML values) of the remedies that are on."""
        return {r.name: r.value.to_spec(v) for r, v in self.items()}

    def logged_keys(self) -> tuple[str, ...]:
        """Keys the job logs with these remedies (:data:`retrain.monitors.LOGGED_KEYS` and more)."""
        return LOGGED_KEYS + tuple(k for r, _ in self.items() for k in r.logged_keys)

    def settings(self, train: Any) -> TrainingSettings:
        """``[train]``'s settings adjusted by the compile- and fit-stage remedies."""
        out = TrainingSettings(train.optimizer, train.learning_rate, train.epochs, train.batch_size)
        for remedy, value in self.by_stage():
            remedy.adjust(out, value)
        return out
