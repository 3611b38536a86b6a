"""How a remedy's value is written in a spec, validated, and edited in the retrain dialog.

Every remedy declares one value type; the spec reader, the spec writer and the
retrain dialog are generated from it:

- :class:`Switch`: on or off (``standardize = true``);
- :class:`Choice`: one of a few words, ``true`` meaning the first
  (``class_weight = "balanced"``);
- :class:`Number`: a number in a range, ``true`` meaning the documented default
  (``l2 = 0.01``, ``l2 = true``);
- :class:`Table`: the arguments of a Keras callback as an inline table, each key
  declared with :func:`param` on a dataclass
  (``early_stopping = { patience = 10 }``, ``early_stopping = true``).

An absent key or ``false`` is off. The dialog's value boxes are :class:`Editor`
descriptions (no Qt here); the GUI builds its widgets from them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

from retrain.monitors import LOGGED_KEYS
from retrain.validation import Validator

#: The section remedies are read from.
SECTION = "remedies"


@dataclass(frozen=True)
class Editor:
    """One value box of the retrain dialog, described without Qt.

    Attributes
    ----------
    kind : {"float", "int", "choice"}
        A decimal spin box, an integer spin box or a drop-down list.
    value : float, int or str
        Shown before the user edits it.
    minimum, maximum : float
        Range of a spin box (finite: the spec's own range may be open or unbounded).
    decimals : int
        Digits after the point of a decimal spin box.
    step : float
        Single step of a spin box.
    choices : tuple of str
        Items of a drop-down list.
    unset : str or None
        The item of a drop-down list that leaves the key out of the spec
        (``"default"``: the remedy decides).
    tooltip : str
    """

    kind: str
    value: float | int | str = 0
    minimum: float = 0
    maximum: float = 0
    decimals: int = 0
    step: float = 1
    choices: tuple[str, ...] = ()
    unset: str | None = None
    tooltip: str = ""


@dataclass(frozen=True)
class ParseContext:
    """What a remedy's value may depend on while ``[remedies]`` is read.

    Attributes
    ----------
    train : retrain.spec.TrainSpec
        The ``[train]`` section (``learning_rate = true`` means the optimizer's default).
    logged_keys : tuple of str
        Keys the job will log (:data:`retrain.monitors.LOGGED_KEYS` plus those of the
        remedies already read), for callback monitors.
    logged_with : mapping of str to str
        Keys only some remedy logs, and which one (see :func:`retrain.monitors.check_monitor`).
    default_monitor : str
        The monitor of a callback that names none.
    """

    train: Any
    logged_keys: tuple[str, ...] = LOGGED_KEYS
    logged_with: Mapping[str, str] = dataclasses.field(default_factory=dict)
    default_monitor: str = "val_loss"


class ValueType:
    """Base of the value types: how one remedy's value is read, written and edited."""

    #: The value of a remedy that is off.
    off: Any = None
    #: The proposed value depends on the ``[train]`` section (the dialog updates it).
    follows_train: bool = False

    def parse(self, table: dict, name: str, v: Validator, ctx: ParseContext) -> Any:
        """The value of ``table[name]`` (present, not ``false``); problems go to ``v``."""
        raise NotImplementedError

    def to_spec(self, value: Any) -> Any:
        """The TOML value written for ``value``."""
        return value

    def editors(self, train: Any, monitors: Sequence[str]) -> list[Editor]:
        """The dialog's value boxes; ``monitors``: keys a callback may watch."""
        return []

    def from_editors(self, values: Sequence[Any]) -> Any:
        """The TOML value the dialog writes from its boxes' values."""
        raise NotImplementedError

    def to_editors(self, value: Any) -> list[Any]:
        """What the dialog's boxes show for a spec's value."""
        return []


class Switch(ValueType):
    """On or off: ``name = true``."""

    off = False

    def parse(self, table, name, v, ctx):
        return v.boolean(table, SECTION, name, False)

    def from_editors(self, values):
        return True


@dataclass(frozen=True)
class Choice(ValueType):
    """One of ``choices``; ``true`` means the first.

    Attributes
    ----------
    choices : tuple of str
    meaning : str
        What the words mean, named in the error (``"scikit-learn's compute_class_weight"``).
    """

    choices: tuple[str, ...]
    meaning: str = ""

    def parse(self, table, name, v, ctx):
        raw = table[name]
        if raw is True:
            return self.choices[0]
        if isinstance(raw, str) and raw in self.choices:
            return raw
        words = " or ".join(f'"{c}"' for c in self.choices)
        why = f" ({self.meaning})" if self.meaning else ""
        v.fail(f"must be {words}{why} or false, got {raw!r}", f"[{SECTION}] {name}")
        return None

    def from_editors(self, values):
        return values[0] if values else self.choices[0]

    def editors(self, train, monitors):
        if len(self.choices) < 2:
            return []
        return [Editor("choice", self.choices[0], choices=self.choices)]

    def to_editors(self, value):
        return [value] if len(self.choices) > 1 else []


@dataclass(frozen=True)
class Number(ValueType):
    """A number in a range; ``true`` means :attr:`default`.

    Attributes
    ----------
    lo, hi : float or None
        The valid range (None: unbounded); ``lo_open``/``hi_open`` exclude the bound.
    integer : bool
        Whole numbers only.
    default : float, callable or None
        What ``true`` means; a callable gets the ``[train]`` section (``more_epochs =
        true``: as many again). None: ``true`` is refused, a value is needed.
    editor : (minimum, maximum, decimals, step)
        The dialog's spin box.
    suggested : float or None
        Shown in the dialog when there is no :attr:`default`.
    """

    lo: float | None = None
    hi: float | None = None
    lo_open: bool = False
    hi_open: bool = False
    integer: bool = False
    default: float | Callable[[Any], float] | None = None
    editor: tuple[float, float, int, float] = (0.0, 1.0, 2, 0.1)
    suggested: float | None = None

    @property
    def follows_train(self) -> bool:
        return callable(self.default)

    def default_for(self, train: Any) -> float | None:
        """What ``true`` means for this ``[train]`` section."""
        return self.default(train) if callable(self.default) else self.default

    def parse(self, table, name, v, ctx):
        value = v.optional_number(
            table,
            SECTION,
            name,
            default_if_true=self.default_for(ctx.train),
            lo=self.lo,
            hi=self.hi,
            lo_open=self.lo_open,
            hi_open=self.hi_open,
            integer=self.integer,
        )
        if value is None:
            return None
        return int(value) if self.integer else value

    def editors(self, train, monitors):
        lo, hi, decimals, step = self.editor
        value = self.default_for(train)
        value = self.suggested if value is None else value
        kind = "int" if self.integer else "float"
        return [Editor(kind, value, lo, hi, 0 if self.integer else decimals, step)]

    def from_editors(self, values):
        return values[0]

    def to_editors(self, value):
        return [value]


@dataclass(frozen=True)
class Param:
    """One key of a :class:`Table` value (declared with :func:`param`).

    Attributes
    ----------
    kind : {"float", "int", "bool", "str", "monitor"}
        ``monitor``: a logged key, checked with the table's ``mode`` by
        :func:`retrain.monitors.check_monitor`; absent means the context's default.
    lo, hi, lo_open, hi_open
        Valid range of a number (``hi`` only for floats).
    editor : Editor or None
        Shown in the dialog (``kind="monitor"`` editors become a list of the
        monitors with a ``"default"`` item).
    """

    kind: str
    lo: float | None = None
    hi: float | None = None
    lo_open: bool = False
    hi_open: bool = False
    editor: Editor | None = None


def param(default: Any, kind: str, **declared: Any) -> Any:
    """A dataclass field of a :class:`Table` value with its :class:`Param` declaration."""
    return field(default=default, metadata={"param": Param(kind, **declared)})


@dataclass(frozen=True)
class Table(ValueType):
    """The arguments of a Keras callback: an inline table; ``true`` means every default.

    Attributes
    ----------
    spec_class : type
        A dataclass whose fields are declared with :func:`param`.
    """

    spec_class: type

    def parse(self, table, name, v, ctx):
        where = f"[{SECTION}] {name}"
        raw = table[name]
        given = {} if raw is True else v.table(table, name, where=f"[{SECTION}]")
        params = fields(self.spec_class)
        v.only(given, where, [f.name for f in params], raw=True)
        values = {f.name: self._read(given, f, where, v, ctx) for f in params}
        value = self.spec_class(**values)
        if "monitor" in values:
            value.monitor, value.mode = v.monitor(
                value.monitor, value.mode, where, ctx.logged_keys, ctx.logged_with
            )
        return value

    @staticmethod
    def _read(given: dict, f: dataclasses.Field, where: str, v: Validator, ctx: ParseContext):
        p: Param = f.metadata["param"]
        if p.kind == "float":
            bounds = dict(lo=p.lo, hi=p.hi, lo_open=p.lo_open, hi_open=p.hi_open)
            return v.number(given, where, f.name, f.default, raw=True, **bounds)
        if p.kind == "int":
            return v.integer(given, where, f.name, f.default, lo=p.lo, raw=True)
        if p.kind == "bool":
            return v.boolean(given, where, f.name, f.default, raw=True)
        if p.kind == "monitor":
            return v.string(given, where, f.name, raw=True) or ctx.default_monitor
        return v.string(given, where, f.name, raw=True)

    def _edited(self) -> list[dataclasses.Field]:
        return [f for f in fields(self.spec_class) if f.metadata["param"].editor is not None]

    def to_spec(self, value):
        return {f.name: getattr(value, f.name) for f in fields(value)}

    def editors(self, train, monitors):
        out = []
        for f in self._edited():
            ed: Editor = f.metadata["param"].editor
            if ed.kind == "monitor":
                ed = Editor("choice", "default", choices=("default", *monitors), unset="default")
            else:
                ed = dataclasses.replace(ed, value=f.default)
            out.append(dataclasses.replace(ed, tooltip=f.name))
        return out

    def from_editors(self, values):
        out = {}
        for f, value in zip(self._edited(), values, strict=True):
            ed: Editor = f.metadata["param"].editor
            if ed.kind == "monitor" and value == "default":
                continue
            out[f.name] = round(value, ed.decimals) if ed.kind == "float" else value
        return out

    def to_editors(self, value):
        return [getattr(value, f.name) for f in self._edited()]
