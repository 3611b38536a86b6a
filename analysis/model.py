"""The run model: what every reader produces and every detector and view consumes.

A :class:`Run` is one training run (one log file, or one TensorBoard run folder).
It holds one :class:`Series` per logged metric, keyed by the name *as logged*
(``val_loss``, ``train/epoch_loss``, ``lr-AdamW``...). Naming knowledge (which
metric pairs with which, losses vs scores, learning rates) lives in
:mod:`analysis.naming`; the model only stores what the log said.

Conventions
-----------
- ``step`` is the x value as logged: the epoch index for epoch-level logs
  (Keras CSVLogger / ``history.history``, 0-based as Keras writes it), the global
  step for step-level logs (TensorBoard, Lightning, Hugging Face). Its meaning is
  given by :attr:`Run.step_kind` (``"epoch"`` or ``"step"``).
- ``value`` is float64 with NaN/inf kept exactly as logged. Missing cells
  (``NA``, empty) are *not* values: they are simply absent from the series.
- ``segments`` holds the start index of each segment. A new segment starts where
  the logged step does not increase (a resumed CSVLogger run whose epoch restarts
  at 0, a second ``fit()`` call, several runs written into one TensorBoard tag).
  :meth:`Series.x` gives a strictly increasing x for plotting and analysis: each
  segment is shifted to continue after the previous one, so a curve is never
  drawn backwards.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

StepKind = Literal["epoch", "step"]
XMode = Literal["step", "epoch", "wall_time"]


@dataclass(eq=False)
class Series:
    """One metric of one run.

    Parameters
    ----------
    name : str
        Metric name exactly as logged.
    step : ndarray of float64, shape (n,)
        x value per point as logged (epoch index or global step; may be
        fractional for Hugging Face epochs). Not necessarily increasing across
        segments.
    value : ndarray of float64, shape (n,)
        Metric values, NaN/inf kept.
    wall_time : ndarray of float64, shape (n,), optional
        Seconds since the Unix epoch when the point was logged, if known.
    epoch : ndarray of float64, shape (n,), optional
        Epoch per point when the log carries it separately from ``step``
        (Lightning, Hugging Face: fractional epochs).
    segments : ndarray of int64, shape (k,)
        Start index of each segment; ``segments[0] == 0`` for a non-empty series.
    """

    name: str
    step: np.ndarray
    value: np.ndarray
    wall_time: np.ndarray | None = None
    epoch: np.ndarray | None = None
    segments: np.ndarray = field(default_factory=lambda: np.zeros(1, dtype=np.int64))
    #: What ``step`` counts for this series when it differs from its run's
    #: :attr:`Run.step_kind` (the Keras TensorBoard callback writes ``epoch_*``
    #: tags per epoch and ``evaluation_*_vs_iterations`` per training step in the
    #: same run); None = the run's. Use :meth:`Run.step_kind_of`.
    step_kind: StepKind | None = None

    def __post_init__(self) -> None:
        self.step = np.asarray(self.step, dtype=np.float64)
        self.value = np.asarray(self.value, dtype=np.float64)
        if self.step.shape != self.value.shape or self.step.ndim != 1:
            raise ValueError(
                f"series {self.name!r}: step {self.step.shape} and value {self.value.shape} "
                "must be 1-D and of equal length"
            )
        if self.wall_time is not None:
            self.wall_time = np.asarray(self.wall_time, dtype=np.float64)
        if self.epoch is not None:
            self.epoch = np.asarray(self.epoch, dtype=np.float64)
        segs = np.asarray(self.segments, dtype=np.int64)
        if len(self.value) == 0:
            segs = np.zeros(0, dtype=np.int64)
        elif len(segs) == 0 or segs[0] != 0:
            segs = np.concatenate([[0], segs[segs > 0]]).astype(np.int64)
        self.segments = segs

    # -- basic facts -------------------------------------------------------
    def __len__(self) -> int:
        return len(self.value)

    @property
    def finite(self) -> np.ndarray:
        """Boolean mask of finite values, shape (n,)."""
        return np.isfinite(self.value)

    @property
    def n_finite(self) -> int:
        """Number of finite values."""
        return int(np.count_nonzero(self.finite))

    @property
    def n_nonfinite(self) -> int:
        """Number of NaN/inf values (kept as logged, never dropped)."""
        return len(self.value) - self.n_finite

    @property
    def n_segments(self) -> int:
        """Number of segments (1 for an uninterrupted run, 0 when empty)."""
        return len(self.segments)

    def stats(self) -> dict[str, float | int | None]:
        """Summary over finite values: ``n``, ``n_nonfinite``, ``first``, ``last``, ``min``, ``max``.

        ``first``/``last`` are the first and last *finite* values in log order;
        they are ``None`` when the series has no finite value.
        """
        v = self.value[self.finite]
        if len(v) == 0:
            return {
                "n": 0,
                "n_nonfinite": self.n_nonfinite,
                "first": None,
                "last": None,
                "min": None,
                "max": None,
            }
        return {
            "n": int(len(v)),
            "n_nonfinite": self.n_nonfinite,
            "first": float(v[0]),
            "last": float(v[-1]),
            "min": float(v.min()),
            "max": float(v.max()),
        }

    # -- x axes --------------------------------------------------------------
    def continuous_step(self) -> np.ndarray:
        """Steps made strictly increasing across segments, shape (n,).

        Each segment after the first is shifted so that it starts one unit
        (one epoch, or the segment's own typical step spacing) after the end of
        the previous segment. Within a segment the logged steps are kept.
        Example: CSVLogger epochs ``0,1,2,0,1,2`` (a resumed run without
        ``initial_epoch``) become ``0..5``.
        """
        s = self.step.copy()
        if self.n_segments <= 1:
            return s
        bounds = list(self.segments) + [len(s)]
        offset = 0.0
        prev_end = None
        for a, b in zip(bounds[:-1], bounds[1:], strict=True):
            seg = self.step[a:b]
            if prev_end is not None and len(seg):
                gap = _typical_spacing(seg)
                offset = prev_end + gap - seg[0]
            s[a:b] = seg + offset
            if len(seg):
                prev_end = s[b - 1]
        return s

    def x(self, mode: XMode = "step") -> np.ndarray | None:
        """x values for plotting in the given mode, strictly increasing within the series.

        Parameters
        ----------
        mode : {"step", "epoch", "wall_time"}
            ``"step"``: :meth:`continuous_step`. ``"epoch"``: the logged epoch
            column when present, else the step (epoch-level logs). ``"wall_time"``:
            seconds since the first logged point of this series.

        Returns
        -------
        ndarray of float64, shape (n,), or None when the mode is not available.
        """
        if mode == "step":
            return self.continuous_step()
        if mode == "epoch":
            return None if self.epoch is None else self.epoch
        if mode == "wall_time":
            if self.wall_time is None or not np.isfinite(self.wall_time).any():
                return None
            return self.wall_time - np.nanmin(self.wall_time)
        raise ValueError(f"unknown x mode {mode!r}")

    def slice(self, start: int, stop: int | None = None) -> Series:
        """A copy of points ``[start:stop]`` (segments re-based)."""
        stop = len(self) if stop is None else stop
        segs = self.segments[(self.segments >= start) & (self.segments < stop)] - start
        return Series(
            name=self.name,
            step=self.step[start:stop],
            value=self.value[start:stop],
            wall_time=None if self.wall_time is None else self.wall_time[start:stop],
            epoch=None if self.epoch is None else self.epoch[start:stop],
            segments=segs,
            step_kind=self.step_kind,
        )


def _typical_spacing(seg: np.ndarray) -> float:
    if len(seg) < 2:
        return 1.0
    d = np.diff(seg)
    d = d[d > 0]
    return float(np.median(d)) if len(d) else 1.0


def segment_starts(step: np.ndarray) -> np.ndarray:
    """Start indices of segments: 0 and every index where the step does not increase.

    Parameters
    ----------
    step : ndarray, shape (n,)

    Returns
    -------
    ndarray of int64, shape (k,)
    """
    step = np.asarray(step, dtype=np.float64)
    if len(step) == 0:
        return np.zeros(0, dtype=np.int64)
    back = np.flatnonzero(np.diff(step) <= 0) + 1
    return np.concatenate([[0], back]).astype(np.int64)


@dataclass(eq=False)
class Run:
    """One training run.

    Parameters
    ----------
    name : str
        Display name, the one the CLI, the JSON report and the window show (file stem,
        or the folder for generic file names such as ``training.log``; W&B run name,
        TensorBoard run dir...; rules in :mod:`analysis.readers.names`).
    source : str
        Path the run was read from.
    format : str
        Reader that produced it (``keras-csvlogger``, ``keras-history-json``,
        ``tensorboard-events``, ``lightning-csv``, ``hf-trainer-state``...).
    series : dict of str to Series
        Metrics keyed by the name as logged, in log order.
    step_kind : {"epoch", "step"}
        What :attr:`Series.step` counts.
    notes : list of str
        Decisions a reader took that a user should be able to see (columns
        treated as x axes, duplicate lines dropped, inferred validation
        frequency...).
    segments : int
        Number of segments of the run (restarts or appended runs), at least 1.
    axes : dict of str to Series
        x-axis series the log carried as values but that are not metrics
        (Lightning's ``epoch`` scalar in TensorBoard files). Kept so a view can
        use them as an axis; never diagnosed.
    meta : dict
        Facts a reader inferred, for other parts to use (JSON-serialisable):
        ``validation_freq`` (int, inferred from shorter ``val_*`` lists),
        ``running_mean`` (list of series names logged as running means since
        the epoch start, Keras batch-level logs), ``no_validation`` (val series
        that are NaN in every row), ``key_groups`` (prefixes of fits stored in
        one history dict), ``run_boundaries`` (point index per series where an
        appended run starts).
    """

    name: str
    source: str
    format: str
    series: dict[str, Series] = field(default_factory=dict)
    step_kind: StepKind = "epoch"
    notes: list[str] = field(default_factory=list)
    segments: int = 1
    axes: dict[str, Series] = field(default_factory=dict)
    meta: dict = field(default_factory=dict)

    def __getitem__(self, name: str) -> Series:
        return self.series[name]

    def __contains__(self, name: str) -> bool:
        return name in self.series

    @property
    def metrics(self) -> list[str]:
        """Metric names in log order."""
        return list(self.series)

    def step_kind_of(self, name: str) -> StepKind:
        """What the steps of series ``name`` count: its own kind, else the run's."""
        s = self.series.get(name)
        return (s.step_kind if s is not None and s.step_kind else None) or self.step_kind

    def has_wall_time(self) -> bool:
        return any(s.wall_time is not None for s in self.series.values())

    def has_epoch(self) -> bool:
        return self.step_kind == "epoch" or any(s.epoch is not None for s in self.series.values())


Severity = Literal["info", "warning", "critical"]
SEVERITIES: tuple[str, ...] = ("info", "warning", "critical")


@dataclass(frozen=True)
class Finding:
    """One diagnosis: what is wrong, where, with the numbers behind it.

    Parameters
    ----------
    kind : str
        Code from the finding vocabulary, declared with its title, default
        severity and what it claims in :data:`analysis.kinds.KINDS`. Part of
        the JSON interface.
    severity : {"info", "warning", "critical"}
    run : str
        Name of the run (empty for dataset findings).
    metric : str or None
        The series the finding is about (None for dataset findings).
    start, end : float or None
        Span on the metric's x axis (continuous step) the finding covers.
    message : str
        Plain-words explanation with the numbers.
    evidence : dict
        Numbers a person can check against the curve (JSON-serialisable).
    causes : tuple of str
        Likely causes, most likely first.
    remedies : tuple of str
        Names of retrain remedies (the keys under a retrain spec's ``[remedies]``,
        declared in ``retrain.remedies``; the analysis layer names them by string).
    confidence : float
        0-1, how sure the detector is.
    """

    kind: str
    severity: Severity
    run: str
    metric: str | None
    start: float | None
    end: float | None
    message: str
    evidence: dict = field(default_factory=dict)
    causes: tuple[str, ...] = ()
    remedies: tuple[str, ...] = ()
    confidence: float = 1.0

    def to_dict(self) -> dict:
        """JSON-ready dict (the ``findings`` entries of ``analyze --json``)."""
        return {
            "kind": self.kind,
            "severity": self.severity,
            "run": self.run,
            "metric": self.metric,
            "start": self.start,
            "end": self.end,
            "message": self.message,
            "evidence": self.evidence,
            "causes": list(self.causes),
            "remedies": list(self.remedies),
            "confidence": self.confidence,
        }


class LogReadError(Exception):
    """A log could not be read. ``str(err)`` is one line: path, place, reason.

    Parameters
    ----------
    source : str
        Path of the input.
    reason : str
        Why it could not be read, in plain words.
    where : str, optional
        Line number, byte offset or key where the problem is (``"line 12"``,
        ``"byte 4096"``).
    """

    def __init__(self, source: str, reason: str, where: str | None = None) -> None:
        self.source = str(source)
        self.reason = " ".join(str(reason).split())
        self.where = where
        super().__init__(self.line())

    def line(self) -> str:
        loc = f"{self.source}: {self.where}" if self.where else self.source
        return f"{loc}: {self.reason}"
