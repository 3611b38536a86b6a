"""Plot-ready arrays for one metric of one run (pure numpy: no Qt here).

The plot widgets never touch a :class:`~analysis.model.Series` directly: they
draw :class:`CurveData`, which fixes the rules a curve must obey before
pyqtgraph sees it (``../shared/cases/CASES.md``):

- x comes from :meth:`Series.x` in the chosen mode; restarts are resolved by
  ``continuous_step`` so a curve never runs backwards (case 8);
- points whose x is NaN are dropped; ``increasing`` says whether the x that is
  left is strictly increasing, the condition for pyqtgraph's clip-to-view
  (case 17);
- smoothing is computed on the full-resolution values, before any
  downsampling, and never for learning rates or series shorter than
  :data:`analysis.smoothing.MIN_POINTS` (case 14);
- values are kept as logged (NaN/inf too): the plot shows the finite part.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from analysis import naming
from analysis.model import Run, Series
from analysis.smoothing import smooth

#: x-axis modes offered by the GUI. ``auto`` is the axis the log was written in.
X_MODES: tuple[str, ...] = ("auto", "epoch", "step", "wall_time")
X_MODE_LABELS: dict[str, str] = {
    "auto": "As logged",
    "epoch": "Epoch",
    "step": "Step",
    "wall_time": "Wall time",
}


@dataclass(eq=False)
class CurveData:
    """One metric of one run, ready to draw.

    Attributes
    ----------
    metric : str
        Metric name as logged.
    role, family : str
        From :mod:`analysis.naming` (``train``/``val``/``test``;
        ``loss``/``score``/``lr``/``other``).
    x : ndarray of float64, shape (m,)
        x values in ``x_mode`` (NaN x dropped).
    y : ndarray of float64, shape (m,)
        Raw values as logged (NaN/inf kept).
    step : ndarray of float64, shape (m,)
        Continuous step of each kept point (the unit of :class:`Finding` spans).
    smoothed : ndarray of float64, shape (m,), or None
        EMA-smoothed values, None when the curve is not smoothed.
    x_mode : str
        The mode actually used (``epoch``, ``step`` or ``wall_time``).
    fallback : bool
        True when the requested mode was not available for this series.
    increasing : bool
        True when ``x`` is strictly increasing (clip-to-view is safe).
    restarts : ndarray of float64
        x positions where a new segment (resumed run) starts.
    smoothing_on : bool
        True when smoothing was asked for (even if this series was left raw
        because it is constant, too short or a learning rate).
    requested : str
        The x mode asked for (see ``fallback``).
    """

    metric: str
    role: str
    family: str
    x: np.ndarray
    y: np.ndarray
    step: np.ndarray
    smoothed: np.ndarray | None
    x_mode: str
    fallback: bool
    increasing: bool
    restarts: np.ndarray = field(default_factory=lambda: np.zeros(0))
    smoothing_on: bool = False
    requested: str = "auto"
    cache: dict = field(default_factory=dict, repr=False)  # views' derived data (LOD pyramids)

    def __len__(self) -> int:
        return len(self.x)

    @property
    def shown(self) -> np.ndarray:
        """The emphasised line: smoothed values if smoothed, else raw."""
        return self.y if self.smoothed is None else self.smoothed

    def index_at(self, xq: float) -> int | None:
        """Index of the point nearest to ``xq`` on the x axis, None if empty."""
        n = len(self.x)
        if n == 0 or not np.isfinite(xq):
            return None
        if self.increasing:
            i = int(np.searchsorted(self.x, xq))
            if i <= 0:
                return 0
            if i >= n:
                return n - 1
            return i if abs(self.x[i] - xq) < abs(xq - self.x[i - 1]) else i - 1
        return int(np.nanargmin(np.abs(self.x - xq)))

    def step_to_x(self, step: float) -> float:
        """Map a continuous step (finding span unit) to this curve's x axis."""
        if len(self.x) == 0:
            return float(step)
        if len(self.x) == 1:
            return float(self.x[0])
        return float(np.interp(step, self.step, self.x))

    def best(self) -> tuple[float, float] | None:
        """(x, y) of the minimum finite raw value, None if no finite value."""
        finite = np.isfinite(self.y)
        if not finite.any():
            return None
        i = int(np.flatnonzero(finite)[np.argmin(self.y[finite])])
        return float(self.x[i]), float(self.y[i])

    def n_nonpositive(self) -> int:
        """Finite values <= 0 (they have no place on a log axis)."""
        y = self.y[np.isfinite(self.y)]
        return int(np.count_nonzero(y <= 0))


#: Base names that keep the run's own colour and line when a run has several metrics in
#: one plot (the metric compile() reports first in Keras, Lightning's mean).
PRIMARY_BASES = frozenset({"loss", "epoch_loss", "mean_loss", "accuracy", "acc", "epoch_accuracy"})


def series_variants(metrics) -> dict[str, tuple[int, int]]:
    """Style index of each metric of one run among the metrics it shares a plot with.

    Parameters
    ----------
    metrics : iterable of str
        Every series name of the run (hidden ones too, so a metric keeps its style
        when others are hidden).

    Returns
    -------
    dict
        ``{metric: (variant, n)}``: metrics of one family (one plot) are numbered by
        base name (``dice_coef`` and ``val_dice_coef`` share a number: the shade names
        the metric, solid/dashed the role), primary names (:data:`PRIMARY_BASES`) first,
        then alphabetically; ``n`` is the number of base names in that family.
        Variant 0 is drawn in the run's colour, the others in shades of it
        (:func:`gui.theme.variant_color`, :func:`gui.theme.dash_pattern`).
    """
    by_family: dict[str, set[str]] = {}
    names = list(metrics)
    for m in names:
        by_family.setdefault(naming.family(m), set()).add(naming.base_name(m).lower())
    order: dict[str, dict[str, int]] = {}
    for fam, bases in by_family.items():
        ranked = sorted(bases, key=lambda b: (b not in PRIMARY_BASES, b))
        order[fam] = {b: i for i, b in enumerate(ranked)}
    out: dict[str, tuple[int, int]] = {}
    for m in names:
        fam = naming.family(m)
        out[m] = (order[fam][naming.base_name(m).lower()], len(order[fam]))
    return out


def run_t0(run: Run) -> float | None:
    """Earliest finite wall time of a run (seconds since the Unix epoch), None if unknown."""
    t0 = None
    for s in run.series.values():
        if s.wall_time is not None and np.isfinite(s.wall_time).any():
            m = float(np.nanmin(s.wall_time))
            t0 = m if t0 is None else min(t0, m)
    return t0


def available_modes(run: Run) -> set[str]:
    """x modes this run can be drawn in without falling back."""
    modes = {"auto", run.step_kind}
    modes.update(run.step_kind_of(m) for m in run.series)
    if run.has_epoch():
        modes.add("epoch")
    if run.has_wall_time():
        modes.add("wall_time")
    return modes


#: Axis kinds a view can use, in the order ties are broken ("As logged" prefers epochs).
AXIS_KINDS: tuple[str, ...] = ("epoch", "step", "wall_time")
#: Why a series cannot be placed on an axis kind (notices name it).
MISSING_TEXT: dict[str, str] = {
    "epoch": "logged per step, no epoch in the log",
    "step": "logged per epoch, no step in the log",
    "wall_time": "no wall time in the log",
}


def placeable(run: Run, name: str, kind: str) -> bool:
    """Whether series ``name`` of ``run`` has x values of this axis kind.

    Parameters
    ----------
    run : Run
    name : str
        Key of ``run.series``.
    kind : {"epoch", "step", "wall_time"}

    Returns
    -------
    bool
        ``epoch``: the series counts epochs (:meth:`Run.step_kind_of`) or carries
        :attr:`Series.epoch` (Lightning, Hugging Face). ``step``: it counts global
        steps. ``wall_time``: it has at least one finite wall time.
    """
    s = run.series[name]
    natural = run.step_kind_of(name)
    if kind == "epoch":
        return natural == "epoch" or s.epoch is not None
    if kind == "step":
        return natural == "step"
    if kind == "wall_time":
        return s.wall_time is not None and bool(np.isfinite(s.wall_time).any())
    raise ValueError(f"unknown axis kind {kind!r}; expected one of {AXIS_KINDS}")


def choose_axis(curves: list[tuple[Run, str]], mode: str) -> tuple[str, bool]:
    """The one x-axis kind of a view (all plots share their x axis).

    Parameters
    ----------
    curves : list of (Run, series name)
        Every curve the view would draw.
    mode : {"auto", "epoch", "step", "wall_time"}
        The user's choice.

    Returns
    -------
    kind : {"epoch", "step", "wall_time"}
    fell_back : bool
        True when ``mode`` asked for a kind no curve has (the view then uses
        the ``auto`` choice and says so).

    Notes
    -----
    ``auto`` ("As logged"): when every curve counts the same thing, that is the
    axis. When they differ (the Keras TensorBoard callback writes ``epoch_*``
    tags per epoch and ``evaluation_*_vs_iterations`` per step in one run; or a
    Keras CSVLogger run is compared with a Lightning run), the kind that can
    place the most curves wins, epochs on a tie. Lightning and Hugging Face
    series carry their epoch, so they join an epoch axis. Curves that cannot be
    placed are left out with a notice rather than drawn against the wrong unit
    (a 25-epoch run squashed at x≈0 of a 10,000-step axis).
    """
    if mode not in X_MODES:
        raise ValueError(f"unknown x mode {mode!r}; expected one of {X_MODES}")
    if not curves:
        return ("epoch" if mode == "auto" else mode), False
    if mode != "auto":
        if any(placeable(r, m, mode) for r, m in curves):
            return mode, False
        return choose_axis(curves, "auto")[0], True
    natural = {r.step_kind_of(m) for r, m in curves}
    if len(natural) == 1:
        return natural.pop(), False
    counts = {k: sum(placeable(r, m, k) for r, m in curves) for k in ("epoch", "step")}
    return max(("epoch", "step"), key=lambda k: (counts[k], k == "epoch")), False


def x_for(
    run: Run, s: Series, mode: str, cstep: np.ndarray | None = None, t0: float | None = None
) -> tuple[np.ndarray, str, bool]:
    """x values of a series in a mode.

    Parameters
    ----------
    run : Run
    s : Series
    mode : {"auto", "epoch", "step", "wall_time"}
    cstep : ndarray, optional
        ``s.continuous_step()`` if already computed (it is a copy of 8 bytes per point).
    t0 : float, optional
        Run start for wall time (so all series of a run share one origin).

    Returns
    -------
    x : ndarray of float64, shape (n,)
    used : str
        Mode actually used (``epoch``, ``step`` or ``wall_time``).
    fallback : bool
        True when ``mode`` was not available and the logged axis was used.
    """
    if mode not in X_MODES:
        raise ValueError(f"unknown x mode {mode!r}; expected one of {X_MODES}")
    c = s.continuous_step() if cstep is None else cstep
    natural = run.step_kind_of(s.name) if s.name in run.series else run.step_kind
    if mode == "auto":
        return c, natural, False
    if mode == "epoch":
        if s.epoch is not None:
            return s.epoch, "epoch", False
        if natural == "epoch":
            return c, "epoch", False
        return c, natural, True
    if mode == "step":
        if natural == "step":
            return c, "step", False
        return c, natural, True
    # wall_time
    if s.wall_time is not None and np.isfinite(s.wall_time).any():
        origin = t0 if t0 is not None else float(np.nanmin(s.wall_time))
        return s.wall_time - origin, "wall_time", False
    return c, natural, True


def make_curve(
    run: Run,
    metric: str,
    mode: str = "auto",
    weight: float = 0.0,
    smooth_lr: bool = False,
    t0: float | None = None,
    smoothed_cache: dict | None = None,
    log_y: bool = False,
) -> CurveData:
    """Build the plot arrays for one metric.

    Parameters
    ----------
    run : Run
    metric : str
        Key of ``run.series``.
    mode : str
        x mode (see :data:`X_MODES`).
    weight : float
        EMA smoothing weight in [0, 1); 0 draws the raw curve only.
    smooth_lr : bool
        Smooth learning-rate series too (off by default: smoothing hides LR
        steps, tensorflow/tensorboard PR #4963).
    t0 : float, optional
        Run start time for wall-time x.
    smoothed_cache : dict, optional
        ``{(id(series), len(series), weight, log_y): ndarray}``, so moving the
        x mode does not re-smooth a million points.
    log_y : bool
        The curve is drawn on a log y axis: smooth in log space
        (:func:`analysis.smoothing.smooth` with ``log=True``).

    Returns
    -------
    CurveData
    """
    s = run.series[metric]
    fam = naming.family(metric)
    rl = naming.role(metric)
    # one segment: the logged steps already increase; share the array (8 bytes a point)
    cstep = s.step if s.n_segments <= 1 else s.continuous_step()
    x, used, fallback = x_for(run, s, mode, cstep, t0)
    y = s.value
    sm = None
    if weight > 0 and (fam != "lr" or smooth_lr):
        key = (id(s), len(s), round(float(weight), 4), bool(log_y))
        if smoothed_cache is not None and key in smoothed_cache:
            sm = smoothed_cache[key]
        else:
            full = smooth(y, weight, log=log_y)
            sm = None if np.array_equal(full, y, equal_nan=True) else full
            if smoothed_cache is not None:
                smoothed_cache[key] = sm
    restarts = np.zeros(0)
    if s.n_segments > 1:
        restarts = x[s.segments[1:]]
        restarts = restarts[~np.isnan(restarts)]
    keep = ~np.isnan(x)
    if not keep.all():
        x, y, cstep = x[keep], y[keep], cstep[keep]
        sm = None if sm is None else sm[keep]
    increasing = bool(len(x) < 2 or np.all(np.diff(x) > 0))
    return CurveData(
        metric=metric,
        role=rl,
        family=fam,
        x=x,
        y=y,
        step=cstep,
        smoothed=sm,
        x_mode=used,
        fallback=fallback,
        increasing=increasing,
        restarts=restarts,
        smoothing_on=weight > 0,
        requested=mode,
    )


def visible_rows(curves: list[tuple[str, CurveData]], x0: float, x1: float):
    """Rows ``(run, metric, x_mode, x, value, smoothed)`` of points with x in [x0, x1].

    Parameters
    ----------
    curves : list of (run display name, CurveData)
    x0, x1 : float
        Visible x range (inclusive).

    Yields
    ------
    tuple
        One row per point; ``smoothed`` is None when the curve is not smoothed.
    """
    for name, c in curves:
        m = (c.x >= x0) & (c.x <= x1)
        idx = np.flatnonzero(m)
        sm = c.smoothed
        for i in idx:
            yield (
                name,
                c.metric,
                c.x_mode,
                float(c.x[i]),
                float(c.y[i]),
                None if sm is None else float(sm[i]),
            )
