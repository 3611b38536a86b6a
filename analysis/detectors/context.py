"""The run being diagnosed: its views, pairs, learning rate, wording, and what was not judged.

:class:`Context` holds the :class:`~analysis.detectors.views.View` of every series of
one run (series that repeat another one are marked and judged once), its
learning-rate series, the epoch/step wording of messages, what could not be
judged, and what earlier findings supersede
(:mod:`analysis.detectors.pipeline`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from analysis import naming
from analysis.detectors.config import DetectorConfig
from analysis.detectors.stats import within_segment_diff
from analysis.detectors.views import View, epoch_series, make_view
from analysis.detectors.wording import fmt_x, jnum
from analysis.model import Finding, Run

#: Keras' TensorBoard callback: ``<train|validation>/epoch_<logs key>``.
_TB_KERAS_TAG = re.compile(r"^(train|validation)/epoch_(.+)$")


@dataclass(eq=False)
class Context:
    """One run being diagnosed: its views, wording of x positions, what was not judged."""

    run: Run
    cfg: DetectorConfig
    views: dict[str, View] = field(default_factory=dict)
    lr: View | None = None
    not_judged: dict[str, list[str]] = field(default_factory=dict)
    extra: dict = field(default_factory=dict)
    duplicates: set[str] = field(default_factory=set)
    #: For each name in :attr:`duplicates`, the series it repeats (the one that is judged).
    repeat_of: dict[str, str] = field(default_factory=dict)
    #: Per kind, the series an earlier finding explains (:mod:`analysis.detectors.pipeline`).
    superseded: dict[str, set[str]] = field(default_factory=dict)
    #: Kinds an earlier finding leaves nothing to say about, on every series of the run.
    superseded_everywhere: set[str] = field(default_factory=set)

    @classmethod
    def build(cls, run: Run, cfg: DetectorConfig) -> Context:
        """The views of every series of ``run`` (counters left out, the first finite
        learning rate as :attr:`lr`), with repeated series marked (:func:`mark_repeats`)."""
        ctx = cls(run=run, cfg=cfg)
        for name, s in run.series.items():
            if len(s) == 0 or naming.is_counter(name):
                continue
            kind = run.step_kind_of(name)
            if naming.is_learning_rate(name):
                if ctx.lr is None and s.n_finite:
                    ctx.lr = make_view(s, cfg.max_points, kind)
                continue
            ctx.views[name] = make_view(s, cfg.max_points, kind)
        mark_repeats(ctx)
        return ctx

    def supersede(self, kinds: Iterable[str], names: Iterable[str] | None) -> None:
        """Record that later steps do not judge ``kinds`` on series ``names`` (None: on any)."""
        for kind in kinds:
            if names is None:
                self.superseded_everywhere.add(kind)
            else:
                self.superseded.setdefault(kind, set()).update(names)

    def is_superseded(self, kind: str, name: str) -> bool:
        """True when an earlier finding already explains series ``name`` for ``kind``."""
        return kind in self.superseded_everywhere or name in self.superseded.get(kind, ())

    def repeated_elsewhere(self, name: str) -> bool:
        """True when ``name`` repeats another series' values on another x grid.

        The Keras TensorBoard callback logs ``evaluation_loss_vs_iterations`` with the
        values of ``validation/epoch_loss`` on a step axis; such a copy is judged once,
        on the series it repeats, by every detector. Exact copies on the same grid (two
        all-NaN series of one run) are still named with their twin.
        """
        keep = self.repeat_of.get(name)
        if keep is None:
            return False
        a, b = self.run.series[name], self.run.series[keep]
        return self.run.step_kind_of(name) != self.run.step_kind_of(keep) or not np.array_equal(
            a.step, b.step
        )

    def dead_from(self, kind: str) -> float | None:
        """Where training died on the ``kind`` axis, or None.

        The first x from which some loss of that axis is NaN/inf in every later
        value, after finite ones (the weights became NaN; Keras' ``TerminateOnNaN``
        would have stopped there). What the accuracies do from there on is the
        output of a dead network (a constant), not a swing or a collapse of its own.
        """
        key = ("dead_from", kind)
        if key in self.extra:
            return self.extra[key]
        out = None
        for name, s in self.run.series.items():
            if naming.family(name) != "loss" or self.run.step_kind_of(name) != kind or not len(s):
                continue
            ok = np.isfinite(s.value)
            if ok[-1] or not ok.any():
                continue
            i0 = int(np.flatnonzero(ok)[-1]) + 1
            xs = s.continuous_step() if s.n_segments > 1 else s.step
            out = float(xs[i0]) if out is None else min(out, float(xs[i0]))
        self.extra[key] = out
        return out

    # -- x kinds: never compare an epoch axis with a step axis ------------------
    def aligned(self, partner: View | None, target: View) -> View | None:
        """``partner`` on ``target``'s x axis, or None when the two cannot be compared.

        Same kind: ``partner`` itself. A step-level partner with a logged
        ``epoch`` column is re-indexed by epoch (one mean per epoch) for an
        epoch-level target. Anything else (an epoch-level training curve next
        to a per-step evaluation curve, Keras' TensorBoard callback) is not
        paired: comparing index by index would put epoch 19 next to step 600.
        """
        if partner is None:
            return None
        if partner.kind == target.kind:
            return partner
        key = ("aligned", partner.name, target.kind)
        if key in self.extra:
            return self.extra[key]
        out = None
        s = self.run.series.get(partner.name)
        if target.kind == "epoch" and s is not None:
            es = epoch_series(s)
            if es is not None and len(es) >= 2:
                out = make_view(es, self.cfg.max_points, "epoch")
        self.extra[key] = out
        return out

    # -- choosing series ----------------------------------------------------
    def of(self, family: str | None = None, role: str | None = None) -> list[View]:
        """Views of a family and/or role, in log order (exact duplicates left out)."""
        return [
            v
            for v in self.views.values()
            if (family is None or v.family == family)
            and (role is None or v.role == role)
            and v.name not in self.duplicates
        ]

    def pairs(self) -> list[tuple[View, View]]:
        """(train, val) view pairs, per :func:`analysis.naming.pairs`, on one x axis.

        The training view is :meth:`aligned` to the validation one; pairs whose
        x kinds cannot be reconciled are left out.
        """
        out = []
        for train_name, val_name in naming.pairs(self.views):
            if val_name in self.duplicates:
                continue
            train = self.aligned(self.views[train_name], self.views[val_name])
            if train is not None:
                out.append((train, self.views[val_name]))
        return out

    def partner(self, view: View) -> View | None:
        """The other half of ``view``'s train/validation pair, on ``view``'s x axis (or None)."""
        p = naming.partner(view.name, self.views)
        return self.aligned(self.views.get(p), view) if p else None

    def monitored(self) -> list[View]:
        """The series a Keras user would monitor: validation losses, else training losses.

        Per-batch ``*_step`` series (Lightning) are left out when a per-epoch
        training loss exists; with several loss terms (physics-informed or
        multi-head models) only the main one (``loss``, ``total_loss``,
        ``mean_loss``) is monitored when there is one.
        """
        vals = [v for v in self.of("loss", "val")]
        if vals:
            return self._main(vals)
        train = [v for v in self.of("loss", "train")]
        per_epoch = [v for v in train if not v.name.lower().endswith("_step")] or train
        return self._main(per_epoch)

    @staticmethod
    def _main(views: list[View]) -> list[View]:
        main = [
            v
            for v in views
            if naming.base_name(v.name).lower().split("/")[-1]
            in ("loss", "epoch_loss", "total_loss", "mean_loss", "train_loss")
        ]
        return main or views

    def main_train_loss(self, target: View | None = None) -> View | None:
        """The run's training loss (``loss``, ``train_loss_epoch``...), if any.

        With ``target``, the training loss on ``target``'s x axis
        (:meth:`aligned`), or None when none can be compared with it.
        """
        train = [v for v in self.of("loss", "train") if v.m]
        if not train:
            return None
        per_epoch = [v for v in train if not v.name.lower().endswith("_step")] or train
        if target is None:
            return self._main(per_epoch)[0]
        ranked = self._main(per_epoch) + [v for v in per_epoch if v not in self._main(per_epoch)]
        for v in ranked:
            a = self.aligned(v, target)
            if a is not None:
                return a
        return None

    def is_per_batch(self, v: View) -> bool:
        """A training series logged per batch (or every few steps), noisy by nature.

        ``*_step``/``batch`` names (Lightning, Keras batch logs), series the
        reader marked as running means (``run.meta["running_mean"]``), and in
        step-level runs (Hugging Face, Lightning, TensorBoard) a training
        series with at least twice as many points as the evaluations, or with
        100 or more points when there is no evaluation series.
        """
        low = v.name.lower()
        if low.endswith("_step") or "batch" in low:
            return True
        if v.name in (getattr(self.run, "meta", None) or {}).get("running_mean", ()):
            return True  # Keras batch logs: running means since the epoch start
        if v.kind != "step" or v.role != "train":
            return False
        n_val = max(
            (w.m for w in self.views.values() if w.role == "val" and w.kind == v.kind), default=0
        )
        return v.m >= 2 * n_val if n_val else v.m >= 100

    def skip(self, view: View, what: str, why: str) -> None:
        """Record that ``what`` could not be judged on ``view`` and why."""
        self.not_judged.setdefault(view.name, [])
        entry = f"{what}: {why}"
        if entry not in self.not_judged[view.name]:
            self.not_judged[view.name].append(entry)

    # -- wording ------------------------------------------------------------------
    @property
    def unit(self) -> str:
        """Word for the run's x axis (``"epoch"``/``"step"``); per series see :meth:`unit_of`."""
        return "epoch" if self.run.step_kind == "epoch" else "step"

    def unit_of(self, v: View | str | None) -> str:
        """Word for the x axis of one series (its own step kind, else the run's)."""
        if v is None:
            return self.unit
        kind = v.kind if isinstance(v, View) else self.run.step_kind_of(v)
        return "epoch" if kind == "epoch" else "step"

    def monitor(self, name: str) -> str:
        """The name a Keras callback's ``monitor=`` takes for series ``name``.

        The Keras TensorBoard callback writes ``logs["val_loss"]`` as tag
        ``epoch_loss`` in ``validation/`` (``loss`` in ``train/``); the callback
        watches the ``logs`` key, so ``validation/epoch_loss`` -> ``val_loss``.
        Other names are the logs' keys already (CSVLogger, History, Lightning).
        """
        m = _TB_KERAS_TAG.match(name)
        if m is None:
            return name
        return ("val_" if m.group(1) == "validation" else "") + m.group(2)

    def at(self, x: float, v: View | str | None = None) -> str:
        """``"epoch 5"`` / ``"step 1035"`` for a continuous-step x of series ``v``."""
        return f"{self.unit_of(v)} {fmt_x(x)}"

    def at_keras(self, x: float, view: View) -> str:
        """Like :meth:`at`, with the 1-based epoch Keras' progress bar printed for it.

        CSVLogger and ``History`` count epochs from 0; Keras' progress bar shows
        ``Epoch 1/N`` for epoch 0. The hint is only added for 0-based epoch logs.
        """
        s = self.at(x, view)
        series = self.run.series.get(view.name)
        if series is not None and series.n_segments > 1:
            # restarts are drawn one after the other: x counts across segments; say
            # where that is in the file (Keras' "Epoch i/N" is per fit, not meaningful here)
            cont = series.continuous_step()
            i = int(np.searchsorted(cont, x))
            if i < len(cont) and cont[i] == x:
                seg = int(np.searchsorted(series.segments, i, side="right"))
                logged = fmt_x(float(series.step[i]))
                return f"{s} (segment {seg} of {series.n_segments}, logged as {logged})"
            return s
        if view.kind != "epoch" or not float(x).is_integer() or view.x[0] != 0:
            return s
        last = series.continuous_step()[-1] if series is not None else view.x[-1]
        total = int(last) + 1
        return f"{s} (0-based; Keras prints 'Epoch {int(x) + 1}/{total}')"

    def span(self, a: float, b: float, v: View | str | None = None) -> str:
        """``"epochs 5-14"`` (or one position when ``a == b``) on series ``v``'s axis."""
        if a == b:
            return self.at(a, v)
        return f"{self.unit_of(v)}s {fmt_x(a)}-{fmt_x(b)}"

    def finding(
        self,
        kind: str,
        severity: str,
        metric: str | None,
        start,
        end,
        message: str,
        evidence: dict,
        causes,
        remedies,
        confidence: float,
    ) -> Finding:
        return Finding(
            kind=kind,
            severity=severity,
            run=self.run.name,
            metric=metric,
            start=jnum(start),
            end=jnum(end),
            message=message,
            evidence=evidence,
            causes=tuple(causes),
            remedies=tuple(remedies),
            confidence=round(float(min(1.0, max(0.0, confidence))), 2),
        )

    def fresh_start(self, v: View) -> int:
        """Index into ``v``'s analysis points where the last fresh restart begins (0 if none).

        A segment is a fresh restart when its first value is worse than the end
        of the previous segment by more than half of that segment's progress (a
        new run from scratch, e.g. CSVLogger ``append=True`` without
        ``initial_epoch`` after re-creating the model), and it has at least
        ``min_points`` points. A resumed run continues where it was and keeps
        the whole history.
        """
        if v.k == 0 or v.sega[-1] == v.sega[0]:
            return 0
        starts = np.flatnonzero(np.diff(v.sega) != 0) + 1
        fresh = 0
        prev = 0
        for s in starts:
            seg_prev = v.ya[prev:s]
            if len(seg_prev) >= 2 and v.k - s >= self.cfg.min_points:
                progress = float(np.ptp(seg_prev))
                worse = float(v.better(seg_prev[-1], v.ya[s]))
                if progress > 0 and worse > 0.5 * progress:
                    fresh = int(s)
            prev = s
        return fresh

    # -- learning-rate facts -----------------------------------------------------
    def lr_for(self, v: View) -> View | None:
        """The learning-rate view when it shares ``v``'s x kind (else None: not comparable)."""
        return self.lr if self.lr is not None and self.lr.kind == v.kind else None

    def lr_cuts(self, kind: str | None = None) -> list[tuple[float, float, float]]:
        """Step cuts of the learning rate as (x, lr before, lr after).

        With ``kind``, none unless the learning rate is logged on that x kind.

        Only for a piecewise-constant logged LR (most consecutive values
        equal), cuts by at least 10 % and all by the same factor (+-10 %), as
        ReduceLROnPlateau and step schedules make them; a decaying schedule
        (linear, cosine, even when stepped per epoch) has no "cuts".
        """
        if self.lr is None or self.lr.m < 2 or (kind is not None and self.lr.kind != kind):
            return []
        y = self.lr.y
        d = within_segment_diff(y, self.lr.seg)
        if np.count_nonzero(d == 0) < 0.5 * len(d):
            return []  # a continuous schedule (linear/cosine decay), not step cuts
        with np.errstate(invalid="ignore", divide="ignore"):
            idx = np.flatnonzero((d < 0) & (y[1:] <= y[:-1] * 0.9))
            ratios = y[idx + 1] / y[idx]
        if len(idx) > 1 and np.any(np.abs(ratios / np.median(ratios) - 1) > 0.1):
            return []  # cuts of varying factor: a decaying schedule, not ReduceLROnPlateau
        return [(float(self.lr.x[i + 1]), float(y[i]), float(y[i + 1])) for i in idx]


def mark_repeats(ctx: Context) -> None:
    """Mark the series of ``ctx`` that repeat another one, so every detector judges them once.

    A repeat holds the same logged values, NaN/inf at the same places (``val_mse`` ==
    ``val_loss``, ``avg_test_*`` == ``test_*``, and the Keras TensorBoard callback's
    ``evaluation_loss_vs_iterations``, which holds the values of ``validation/epoch_loss``
    on a step axis); a repeat of a run that went NaN is the same NaN, while two series
    that only share their finite values are not the same series. Which copy is kept:
    the first on the same grid; on another x kind, the copy on the run's most common
    kind; else the copy whose x grid more series share (``validation/epoch_loss``, on
    the epochs of ``train/epoch_loss``, over ``evaluation_loss_vs_iterations`` when no
    reader marked the kinds). Fills :attr:`Context.duplicates` and
    :attr:`Context.repeat_of`.
    """
    step_kinds = [v.kind for v in ctx.views.values()]
    usual = max(("epoch", "step"), key=lambda k: (step_kinds.count(k), k == "epoch"))

    def shared(v: View) -> int:
        return sum(
            1 for w in ctx.views.values() if w is not v and w.m == v.m and np.array_equal(w.x, v.x)
        )

    seen: dict[tuple[int, int, bytes], str] = {}
    for name, v in ctx.views.items():
        key = (v.n, v.m, v.y[:64].tobytes())
        first = seen.get(key)
        if first is None or not np.array_equal(
            ctx.run.series[first].value, ctx.run.series[name].value, equal_nan=True
        ):
            seen.setdefault(key, name)
            continue
        earlier = ctx.views[first]
        drop = None
        if np.array_equal(earlier.x, v.x):
            drop = name
        elif v.m < 2:
            continue  # no finite values to tell a repeat from two dead series on two grids
        elif earlier.kind != v.kind:
            drop = first if (earlier.kind != usual and v.kind == usual) else name
        elif v.m >= ctx.cfg.min_points:
            drop = first if shared(v) > shared(earlier) else name
        if drop is None:
            continue
        keep = name if drop == first else first
        ctx.duplicates.add(drop)
        ctx.repeat_of[drop] = keep
        for repeat, kept in list(ctx.repeat_of.items()):  # earlier repeats of the dropped one
            if kept == drop:
                ctx.repeat_of[repeat] = keep
        if keep == name:
            seen[key] = name
