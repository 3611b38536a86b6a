"""What every detector needs from a run: finite points on a continuous x, block means, robust stats.

A :class:`View` is one series prepared once per diagnosis:

- ``x``/``y``: the finite points on the continuous step axis
  (:meth:`analysis.model.Series.continuous_step`: restarts shifted so x always
  increases), NaN/inf left out (the non-finite detector reads them from the
  series itself);
- accuracies logged in percent (0-100) are divided by 100 so every rule works
  on fractions (``percent=True`` says so);
- ``xa``/``ya``: the series the trend detectors judge: the finite points
  themselves, or, for series longer than ``max_points``, block means of
  ``block`` consecutive points that never straddle a segment boundary. Block
  means keep every detector vectorised and O(n) with a small constant, and
  average minibatch noise out of per-batch series.

:class:`Context` holds the views of one run, its learning-rate series, the
epoch/step wording of messages, and the list of what could not be judged.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from analysis import naming
from analysis.detectors.config import DetectorConfig
from analysis.model import Finding, Run, Series

#: Keras' TensorBoard callback: ``<train|validation>/epoch_<logs key>``.
_TB_KERAS_TAG = re.compile(r"^(train|validation)/epoch_(.+)$")

_BOUNDED_RE = re.compile(
    r"acc|auc|f1|f_1|precision|recall|iou|io_u|dice|jaccard|sensitivity|specificity",
    re.IGNORECASE,
)


def is_bounded_score(name: str) -> bool:
    """True for scores that live in [0, 1] (or 0-100 when logged in percent)."""
    return naming.family(name) == "score" and bool(_BOUNDED_RE.search(naming.base_name(name)))


@dataclass(eq=False)
class View:
    """One series prepared for the detectors (see the module docstring).

    Attributes
    ----------
    name : str
        Metric name as logged.
    role : {"train", "val", "test"}
    family : {"loss", "score", "lr", "other"}
    direction : {"min", "max"} or None
    bounded : bool
        A score in [0, 1] (accuracy, AUC, F1...).
    percent : bool
        The log had it in percent; ``y`` is divided by 100.
    x, y : ndarray of float64, shape (m,)
        Finite points, continuous step axis.
    seg : ndarray of int64, shape (m,)
        Segment number of each finite point.
    n : int
        All points including NaN/inf.
    xa, ya : ndarray of float64, shape (k,)
        Points the trend detectors judge (``x``/``y`` or block means).
    sega : ndarray of int64, shape (k,)
        Segment number of each analysis point.
    block : int
        Finite points per analysis point (1 when not reduced).
    starts : ndarray of int64, shape (k,)
        Index into ``x``/``y`` of each analysis point's first finite point.
    kind : {"epoch", "step"}
        What ``x`` counts (:meth:`analysis.model.Run.step_kind_of`): series of
        one run may differ (the Keras TensorBoard callback writes ``epoch_*``
        per epoch and ``evaluation_*_vs_iterations`` per step). Series of
        different kinds are never compared point by point.
    """

    name: str
    role: str
    family: str
    direction: str | None
    bounded: bool
    percent: bool
    x: np.ndarray
    y: np.ndarray
    seg: np.ndarray
    n: int
    xa: np.ndarray
    ya: np.ndarray
    sega: np.ndarray
    block: int
    starts: np.ndarray
    kind: str = "epoch"

    @property
    def m(self) -> int:
        """Number of finite points."""
        return len(self.y)

    @property
    def k(self) -> int:
        """Number of analysis points."""
        return len(self.ya)

    def better(self, a: np.ndarray | float, b: np.ndarray | float):
        """How much ``a`` is better than ``b`` (positive = better) in this metric's direction."""
        return (b - a) if self.direction != "max" else (a - b)

    def x_first(self, i: int) -> float:
        """Logged x of the first point of analysis point ``i`` (a real step, never a block mean)."""
        return float(self.x[int(self.starts[i])])

    def x_last(self, i: int) -> float:
        """Logged x of the last point of analysis point ``i``."""
        nxt = int(self.starts[i + 1]) if i + 1 < self.k else self.m
        return float(self.x[nxt - 1])

    def value_at(self, x: float) -> tuple[float, float]:
        """The logged value nearest to ``x`` and its x, as a person reads it off the table."""
        j = int(np.searchsorted(self.x, x))
        if j >= self.m or (j > 0 and abs(self.x[j - 1] - x) <= abs(self.x[j] - x)):
            j -= 1
        j = max(j, 0)
        return float(self.y[j]), float(self.x[j])


def block_reduce(x: np.ndarray, y: np.ndarray, seg: np.ndarray, block: int):
    """Means of ``block`` consecutive points, never across a segment boundary.

    Parameters
    ----------
    x, y : ndarray of float64, shape (m,)
    seg : ndarray of int64, shape (m,)
        Segment number per point (non-decreasing).
    block : int
        Points per block (the last block of a segment may be shorter).

    Returns
    -------
    xb, yb : ndarray of float64, shape (k,)
    segb : ndarray of int64, shape (k,)
    starts : ndarray of int64, shape (k,)
        Index of each block's first point.
    """
    m = len(y)
    if block <= 1 or m == 0:
        return x, y, seg, np.arange(m, dtype=np.int64)
    seg_starts = np.flatnonzero(np.diff(seg)) + 1
    starts = np.union1d(np.arange(0, m, block, dtype=np.int64), seg_starts.astype(np.int64))
    counts = np.diff(np.append(starts, m)).astype(np.float64)
    xb = np.add.reduceat(x, starts) / counts
    yb = np.add.reduceat(y, starts) / counts
    return xb, yb, seg[starts], starts


def make_view(series: Series, max_points: int, kind: str = "epoch") -> View:
    """Prepare one series (see :class:`View`); ``kind`` is what its steps count."""
    name = series.name
    fam = naming.family(name)
    value = series.value
    finite = np.isfinite(value)
    all_finite = bool(finite.all())
    y = value if all_finite else value[finite]
    x_all = series.continuous_step() if series.n_segments > 1 else series.step
    x = x_all if all_finite else x_all[finite]
    if series.n_segments > 1:
        mark = np.zeros(len(value), dtype=np.int64)
        mark[series.segments[1:]] = 1
        seg_all = np.cumsum(mark)
        seg = seg_all if all_finite else seg_all[finite]
    else:
        seg = np.zeros(len(y), dtype=np.int64)
    bounded = is_bounded_score(name)
    percent = False
    if bounded and len(y):
        lo, hi = float(y.min()), float(y.max())
        if hi > 1.5 and hi <= 100.5 and lo >= 0:
            y = y / 100.0
            percent = True
    block = max(1, math.ceil(len(y) / max_points)) if len(y) > max_points else 1
    xa, ya, sega, starts = block_reduce(x, y, seg, block)
    return View(
        name=name,
        role=naming.role(name),
        family=fam,
        direction=naming.direction(name),
        bounded=bounded,
        percent=percent,
        x=x,
        y=y,
        seg=seg,
        n=len(value),
        xa=xa,
        ya=ya,
        sega=sega,
        block=block,
        starts=starts,
        kind=kind,
    )


def epoch_series(series: Series) -> Series | None:
    """``series`` re-indexed by its logged epoch column (one mean value per epoch), or None.

    Used to compare a step-level series with an epoch-level one (Lightning and
    Hugging Face logs carry an ``epoch`` per point). Points with the same
    epoch (per-batch values of one epoch) are averaged; NaN/inf are left out.
    """
    if series.epoch is None or len(series) == 0:
        return None
    ep = series.epoch
    ok = np.isfinite(ep) & np.isfinite(series.value)
    if not ok.any():
        return None
    ep, val = ep[ok], series.value[ok]
    if len(ep) > 1 and np.any(np.diff(ep) <= 0):
        uniq, inv = np.unique(ep, return_inverse=True)
        sums = np.bincount(inv, weights=val)
        val = sums / np.bincount(inv)
        ep = uniq
    return Series(series.name, ep, val, step_kind="epoch")


# -- robust statistics --------------------------------------------------------


def within_segment_diff(y: np.ndarray, seg: np.ndarray) -> np.ndarray:
    """First differences with those across segment boundaries set to NaN, shape (m-1,)."""
    d = np.diff(y)
    if len(seg) > 1 and seg[-1] != seg[0]:
        d = d.astype(np.float64, copy=True)
        d[np.diff(seg) != 0] = np.nan
    return d


def _mad_sd(d: np.ndarray) -> float:
    d = d[np.isfinite(d)]
    if len(d) < 2:
        return 0.0
    return float(1.4826 * np.median(np.abs(d - np.median(d))))


def noise_sd(y: np.ndarray, seg: np.ndarray | None = None) -> float:
    """Point-to-point noise of a curve: 1.4826 x MAD of its second differences / sqrt(6).

    Second differences cancel a trend *and* its steady curvature (a loss
    decaying like an exponential has large first differences early and small
    ones late, which would read as noise); for white noise of s.d. sigma they
    have s.d. sigma x sqrt(6). MAD keeps single spikes out. Differences across
    segment boundaries are ignored. Returns 0.0 for fewer than 4 points.
    """
    if len(y) < 4:
        return 0.0
    d = np.diff(y) if seg is None else within_segment_diff(y, seg)
    return _mad_sd(np.diff(d)) / math.sqrt(6.0)


def rel_noise(y: np.ndarray, seg: np.ndarray | None = None) -> float | None:
    """Relative noise of a positive series: :func:`noise_sd` of ``log(y)``.

    The right scale for losses that fall over several decades (an absolute
    noise would be dominated by the first epochs): 0.05 means about +-5 % from
    one point to the next. None when the series is not strictly positive or
    has fewer than 4 points.
    """
    if len(y) < 4 or float(np.min(y)) <= 0:
        return None
    return noise_sd(np.log(y), seg)


def robust_range(y: np.ndarray, lo: float = 1.0, hi: float = 99.0) -> float:
    """Spread between two percentiles (p1-p99 by default); 0.0 when empty."""
    if len(y) == 0:
        return 0.0
    a, b = np.percentile(y, [lo, hi])
    return float(b - a)


def keras_improvements(
    y: np.ndarray, min_delta: float, direction: str | None, rel: float = 0.0
) -> list[int]:
    """Indices where a Keras callback would record a new best.

    EarlyStopping / ReduceLROnPlateau semantics: the first value is the first
    best; a later value is an improvement when it beats the current best by
    more than ``min_delta`` (``current < best - min_delta`` in ``min`` mode).
    The loop is sequential by nature (``best`` only moves on an improvement);
    it runs over at most ``max_points`` analysis points.

    Parameters
    ----------
    y : ndarray, shape (k,)
    min_delta : float
        Absolute, >= 0.
    direction : {"min", "max"} or None
        None is treated as ``min``.
    rel : float
        Relative threshold as in PyTorch's ``threshold_mode='rel'``: an
        improvement must also beat the best by ``rel * |best|``.

    Returns
    -------
    list of int
        Non-empty when ``y`` is non-empty; the last entry is the last improvement.
    """
    if len(y) == 0:
        return []
    vals = (-y if direction == "max" else y).tolist()
    best = vals[0]
    out = [0]
    if rel <= 0:
        for i in range(1, len(vals)):
            v = vals[i]
            if v < best - min_delta:
                best = v
                out.append(i)
        return out
    for i in range(1, len(vals)):
        v = vals[i]
        if v < best - max(min_delta, rel * abs(best)):
            best = v
            out.append(i)
    return out


def ols_slope_t(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Least-squares slope of y on x and its t statistic (inf for a perfect line)."""
    n = len(x)
    if n < 3:
        return 0.0, 0.0
    xm = x - x.mean()
    sxx = float(xm @ xm)
    if sxx == 0:
        return 0.0, 0.0
    slope = float(xm @ (y - y.mean())) / sxx
    resid = y - y.mean() - slope * xm
    s2 = float(resid @ resid) / (n - 2)
    scale = float(np.abs(y).max())
    if not math.isfinite(s2) or not math.isfinite(scale):
        return slope, 0.0
    if s2 <= 1e-30 * max(1.0, scale) * max(1.0, scale):  # float *, never ** (OverflowError)
        return slope, (math.inf if slope > 0 else -math.inf if slope < 0 else 0.0)
    return slope, slope / math.sqrt(s2 / sxx)


def fmt_x(x: float | None) -> str:
    """An x position (epoch or step) as a person writes it.

    Integral values without decimals (``1954500``, ``14``); fractional ones
    with 4 significant digits below 1,000 (Hugging Face epochs ``2.346``) and
    rounded to the nearest integer above (a step is never read to a fraction).
    """
    if x is None:
        return "n/a"
    x = float(x)
    if not math.isfinite(x):
        return str(x)
    if x.is_integer() or abs(x) >= 1000:
        return str(int(round(x)))
    return f"{x:.4g}"


def fmt(v: float | None) -> str:
    """A number the way a person reads it off a curve: 4 significant digits."""
    if v is None:
        return "n/a"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    v = float(v)
    if not math.isfinite(v):
        return str(v)
    a = abs(v)
    if a != 0 and (a < 1e-3 or a >= 1e6):
        return f"{v:.3g}"
    return f"{v:.4g}"


def pct(r: float) -> str:
    """A ratio as a signed percentage: 0.213 -> '+21%'."""
    if not math.isfinite(r):
        return "n/a"
    return f"{r * 100:+.0f}%" if abs(r) >= 0.1 else f"{r * 100:+.1f}%"


def jnum(v):
    """A JSON-ready number: Python float/int, NaN/inf -> None."""
    if v is None:
        return None
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    v = float(v)
    return v if math.isfinite(v) else None


# -- the run context -------------------------------------------------------------


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
        # series that repeat another one exactly (val_mse == val_loss, avg_test_* == test_*,
        # and the Keras TensorBoard callback's evaluation_loss_vs_iterations, which holds the
        # values of validation/epoch_loss on a step axis)
        # values on another x axis: the copy on the run's most common kind is kept, else the
        # copy whose x grid more series share (validation/epoch_loss, on the epochs of
        # train/epoch_loss, over evaluation_loss_vs_iterations, when no reader marked the kinds)
        kinds = [v.kind for v in ctx.views.values()]
        usual = max(("epoch", "step"), key=lambda k: (kinds.count(k), k == "epoch"))

        def shared(v: View) -> int:
            return sum(
                1
                for w in ctx.views.values()
                if w is not v and w.m == v.m and np.array_equal(w.x, v.x)
            )

        # the whole logged series must match (NaN/inf at the same places): a repeat of a run
        # that went NaN is the same NaN (QA2 #2), while two series that only share their
        # finite values are not the same series
        seen: dict[tuple[int, int, bytes], str] = {}
        for name, v in ctx.views.items():
            key = (v.n, v.m, v.y[:64].tobytes())
            first = seen.get(key)
            if first is None or not np.array_equal(
                run.series[first].value, run.series[name].value, equal_nan=True
            ):
                seen.setdefault(key, name)
                continue
            f = ctx.views[first]
            drop = None
            if np.array_equal(f.x, v.x):
                drop = name
            elif v.m < 2:
                continue  # no finite values to tell a repeat from two dead series on two grids
            elif f.kind != v.kind:
                drop = first if (f.kind != usual and v.kind == usual) else name
            elif v.m >= cfg.min_points:
                drop = first if shared(v) > shared(f) else name
            if drop is None:
                continue
            keep = name if drop == first else first
            ctx.duplicates.add(drop)
            ctx.repeat_of[drop] = keep
            for d, k in list(ctx.repeat_of.items()):  # earlier repeats of the dropped one
                if k == drop:
                    ctx.repeat_of[d] = keep
            if keep == name:
                seen[key] = name
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
        on the series it repeats, by every detector (QA2 #2). Exact copies on the same
        grid (two all-NaN series of one run) are still named with their twin.
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
        for t, v in naming.pairs(self.views):
            if v in self.duplicates:
                continue
            T = self.aligned(self.views[t], self.views[v])
            if T is not None:
                out.append((T, self.views[v]))
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
            return True  # Keras batch logs: running means since the epoch start (CASES.md 13)
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
