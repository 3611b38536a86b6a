"""Detector thresholds: frozen dataclasses with documented defaults.

Every threshold names where it comes from. The sources:

- Keras ``EarlyStopping`` (``min_delta=0``, ``patience``; a value counts as an
  improvement when ``current < best - min_delta``; training stops at
  ``best_epoch + patience``) and ``ReduceLROnPlateau`` (``patience=10``,
  ``min_delta=1e-4``, ``factor=0.1``): keras/src/callbacks/early_stopping.py and
  reduce_lr_on_plateau.py (Keras 3). The Keras guide's EarlyStopping example uses
  ``patience=3``.
- AutoTrainer (Zhang et al., ICSE 2021, "AUTOTRAINER: An Automatic DNN Training
  Problem Detection and Repair System"; ``utils/monitor.py``): unstable training =
  accuracy local maxima/minima differing by ``zeta=0.03`` in at least
  ``eta=20 %`` of the epochs; NaN loss or ``val_loss >= 1e5`` = exploding;
  train/validation accuracy gap >= 0.07 (train > 0.9) or >= 0.1 = "test not well".
- TFCheck (Ben Braiek & Khomh, QRS 2019) and its successor TheDeepChecker, and
  UMLAUT (Schoop, Huang & Hartmann, CHI 2021): loss not decreasing,
  loss exploding, NaN, unnormalised inputs (features outside roughly [-1, 1] /
  very different ranges), validation accuracy above training accuracy.
- TensorBoard's own reading of a loss spike: tensorflow/tensorboard #6796 (a
  spike is a value above 10x the median around it).
- Google's "Imbalanced data" guide (developers.google.com/machine-learning/data-prep):
  minority share 20-40 % mild, 1-20 % moderate, < 1 % extreme.
- imbalanced-learn's SMOTE: ``k_neighbors=5`` needs at least 6 minority samples
  (with fewer, ``SMOTE.fit_resample`` raises "Expected n_neighbors <= n_samples").

Loading them from TOML: :mod:`analysis.detectors.config_file`
(``resources/detectors.toml`` lists every key with its default).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field


@dataclass(frozen=True)
class OverfittingConfig:
    """Validation side worse than its best while the training side still improves.

    Attributes
    ----------
    patience : int
        Evaluations after the best one without improvement before judging
        (EarlyStopping ``patience``; the Keras guide's example uses 3).
    min_delta : float
        EarlyStopping ``min_delta``: an improvement must beat the best by more
        than this (absolute, in the metric's unit). Keras default 0.
    min_rise : float
        How much worse than its best the validation loss must end, relative to
        ``|best|`` (0.05 = 5 %). Below it the tail is a plateau, not overfitting.
    warning_rise, critical_rise : float
        Relative rise at which the finding becomes a warning / critical (below
        ``warning_rise`` it is ``info``: an onset that EarlyStopping would catch).
    min_train_gain : float
        The training loss must fall by at least this fraction after the best
        validation epoch (otherwise the validation rise is not overfitting)...
    flat_train_tol : float
        ...unless the validation loss rose by ``critical_rise`` or more while
        the training loss got at most this fraction worse: a validation loss
        that doubles while training stays where it was is still a widening
        generalisation gap (reported as a warning).
    score_min_drop : float
        For score pairs (accuracy...): absolute drop of the validation score
        from its best (median of the best and its two neighbours) while the
        training score still rises.
    gap_high, gap_low : float
        AutoTrainer's "test not well": training minus validation accuracy of at
        least ``gap_high`` when training accuracy is above 0.9, else ``gap_low``;
        with the gap widened by at least ``gap_widen`` since the best validation
        score this is overfitting even when the losses are too noisy to tell.
    noise_k : float
        The validation loss must end more than ``noise_k`` x its point-to-point
        noise (:func:`analysis.detectors.stats.noise_sd`) above its best (median
        of the best and its neighbours), so the deepest dip of a noisy curve is
        not mistaken for a turn.
    end_points : int
        The end level is the median of the last ``end_points`` values, so one
        noisy last epoch does not decide.
    """

    patience: int = 3
    min_delta: float = 0.0
    min_rise: float = 0.05
    warning_rise: float = 0.10
    critical_rise: float = 0.50
    min_train_gain: float = 0.05
    flat_train_tol: float = 0.25
    score_min_drop: float = 0.03
    gap_high: float = 0.07
    gap_low: float = 0.10
    gap_widen: float = 0.05
    noise_k: float = 2.0
    end_points: int = 3


@dataclass(frozen=True)
class PlateauConfig:
    """The monitored metric has not improved by ``min_delta`` for ``patience`` evaluations.

    Attributes
    ----------
    patience : int
        ReduceLROnPlateau default (10 epochs). For short runs the patience used
        is ``min(patience, max(min_patience, ceil(patience_fraction * n)))``.
    min_patience : int
        Smallest patience used on short runs.
    patience_fraction : float
        Patience as a fraction of the run length for short runs.
    min_delta : float
        ReduceLROnPlateau default ``1e-4`` (absolute).
    min_delta_rel : float
        ``min_delta`` is at least this fraction of the current best, as in
        PyTorch's ``ReduceLROnPlateau(threshold_mode='rel')`` (whose default is
        1e-4; FitLens uses 1e-3 = 0.1 %). Unit-free: a loss of 3,000 and a loss
        of 0.3 are judged alike, and a loss falling over twelve decades never
        looks flat.
    min_delta_abs_rel : float
        For a positive loss, the absolute ``min_delta`` is capped at this
        fraction of the lowest value (FitLens extension): a loss living at 1e-5
        that still falls 100-fold is not "not improving by 1e-4" (Keras'
        absolute threshold assumes losses of order 0.01-10). 0.01 leaves every
        loss above 0.01 judged by Keras' ``min_delta``.
    noise_k : float
        FitLens extension: ``min_delta`` is at least ``noise_k`` times the
        point-to-point noise (:func:`analysis.detectors.stats.noise_sd`, relative
        for positive losses), so a noisy plateau whose noise sets a new record
        now and then still counts as a plateau.
    band_rel : float
        Where the plateau *starts* (FitLens heuristic): the earliest evaluation
        that the rest of the run never beats by more than ``band_rel`` x the
        level (or ``min_delta``, if larger). A validation loss that creeps
        from 1.0757 to 1.0683 over 150 epochs after its fast phase entered its
        plateau at the start of that stretch, not at its last
        0.1 % record.
    poor_fit : float
        The plateau is a stall, not convergence, when the training accuracy
        ends below this (FitLens heuristic: the model cannot fit its own
        training data: stalled real runs end at 0.55 and 0.63, a healthy one at
        0.80).
    score_rise : float
        A validation-loss plateau while the validation accuracy still rises by
        at least this (absolute) is a calibration floor, not a stall (a real run:
        val_loss flat at 1.23 while val_acc rose 0.971 -> 0.984).

    Severity: ``info`` when the run converged (an accuracy pair with a gap
    below AutoTrainer's ``gap_high``/``gap_low`` at a training accuracy of at
    least ``poor_fit``, or a validation score still rising); ``warning`` at a
    poor fit, or when the plateau covers at least half the run and two
    patiences (or the learning rate was cut without effect) and the run did
    not converge.
    """

    patience: int = 10
    min_patience: int = 3
    patience_fraction: float = 0.25
    min_delta: float = 1e-4
    min_delta_rel: float = 0.001
    min_delta_abs_rel: float = 0.01
    noise_k: float = 1.0
    band_rel: float = 0.01
    poor_fit: float = 0.7
    score_rise: float = 0.01


@dataclass(frozen=True)
class SlowConvergenceConfig:
    """Still improving steadily when training ended.

    The last ``tail_fraction`` of the run (at least ``min_tail`` points) must
    improve in at least ``min_improving`` of its steps with a significant slope
    (t <= ``-min_t``). The per-step gains are fitted with a geometric decay
    ``d_k = d_0 q^k`` (q = 1: no sign of slowing down) and projected over
    ``horizon_fraction`` x the run length. It is slow convergence when that
    projected gain is at least ``min_gain_level`` of the current level and
    ``min_gain_progress`` of the progress made so far, or at least
    ``strong_gain_progress`` of the progress made so far (linear crawl at a tiny
    learning rate).

    Attributes
    ----------
    tail_fraction, min_tail, min_improving, min_t, horizon_fraction,
    min_gain_level, min_gain_progress, strong_gain_progress, min_points
        See above. ``min_points``: shorter series are not judged.
    warning_gain_level, warning_gain_progress : float
        A ``warning`` (rather than ``info``) needs a projected gain of at least
        ``warning_gain_level`` of the current level *and*
        ``warning_gain_progress`` of the progress made so far: a 10-epoch run
        whose val_loss still falls 0.159 -> 0.121 but has already made 80 % of
        its progress is fine as it is.
    saturated : float
        ...and never when the accuracy of the same side already ends at or
        above this (median of the last 3): the loss can only become more
        confident (a val_acc of 1.0).
    """

    tail_fraction: float = 0.2
    min_tail: int = 5
    min_improving: float = 0.7
    min_t: float = 3.0
    horizon_fraction: float = 0.5
    min_gain_level: float = 0.10
    min_gain_progress: float = 0.02
    strong_gain_progress: float = 0.10
    warning_gain_level: float = 0.25
    warning_gain_progress: float = 0.25
    saturated: float = 0.99
    min_points: int = 8


@dataclass(frozen=True)
class DivergenceConfig:
    """Loss spikes, runaway growth, unbounded negative losses.

    Attributes
    ----------
    spike_factor : float
        A point is a spike when it exceeds ``spike_factor`` x the median of the
        ``spike_window`` values before it (TensorBoard's reading of a spike,
        tensorflow/tensorboard #6796: above 10x the median).
    spike_window : int
        Values before a point that form its baseline.
    recover_factor : float
        A spike has recovered when a later value is below ``recover_factor`` x
        the baseline.
    growth_factor : float
        Runaway growth: the training loss ends at least ``growth_factor`` x its
        best and above where it started.
    neg_growth : float
        A loss that is negative and whose magnitude grows by this factor is
        unbounded (a cross-entropy or MSE can never be negative).
    """

    spike_factor: float = 10.0
    spike_window: int = 5
    recover_factor: float = 2.0
    growth_factor: float = 2.0
    neg_growth: float = 10.0


@dataclass(frozen=True)
class ZeroLossConfig:
    """A loss exactly 0.0 for a stretch (``suspicious_zero_loss``).

    Attributes
    ----------
    min_points : int
        At least this many consecutive logged values of a loss are exactly
        0.0 (isolated zeros of a hinge or triplet loss on easy batches are
        normal). Keras clips probabilities to 1e-7 (its cross-entropies never
        log 0.0) and Hugging Face rounds the logged loss to 4 decimals, so even
        one 0.0 is rare; three rule out a single rounding accident (a real
        Hugging Face log with a collapsed loss has 54).
    """

    min_points: int = 3


@dataclass(frozen=True)
class OscillationConfig:
    """Large up-and-down swings for a sustained stretch.

    A swing is a local extremum; its size is the smaller of the move into it
    and the move out of it (a zig-zag that goes and comes back). A swing is
    large when its size is at least

    - for scores in [0, 1] (accuracy, F1...): ``score_swing`` absolute
      (AutoTrainer's ``zeta = 0.03``; FitLens uses the smaller of the two legs,
      which is stricter than AutoTrainer's peak-to-trough);
    - for losses and other metrics: ``rel_level`` x the local level (median
      of the window) and ``rel_range`` x the series' range (p2-p98), both, so
      wiggles of a loss that has long converged are not swings;
    - validation/test curves also carry the sampling noise of the evaluation
      set (one binomial s.d. of accuracy at p = 0.5 on 200 samples is 0.035),
      so their swings must reach ``val_score_swing`` / ``val_rel_level``
      (large jumps such as 0.39 <-> 0.93 of a real validation accuracy) to count.

    Swings are measured between turning points (AutoTrainer pairs local maxima
    with minima), so a bump over several epochs counts with its full height.
    It is oscillation when a cluster of large swings, each at most ``window``
    points from the next, holds at least ``min_swings`` of them and they are at
    least ``min_density`` of the cluster's points (AutoTrainer's ``eta = 0.2``).
    Series longer than ``max_points``, and per-batch series (``*_step``, ``batch`` in the name) in blocks of at
    least ``batch_block`` points, are judged on block means: the minibatch
    noise averages out and only swings of the epoch-level curve remain.
    Differences across segment boundaries (restarts, and the running means of a
    Keras batch log that restart each epoch) are never swings.
    """

    window: int = 10
    min_swings: int = 3
    min_density: float = 0.2
    score_swing: float = 0.03
    rel_level: float = 0.10
    rel_range: float = 0.10
    val_score_swing: float = 0.10
    val_rel_level: float = 0.25
    max_points: int = 500
    batch_block: int = 20
    min_points: int = 6


@dataclass(frozen=True)
class ChanceConfig:
    """Accuracy pinned at chance (1/K) or frozen at the majority-class rate.

    Attributes
    ----------
    n_classes : int or None
        Number of classes when known (from ``--data`` or the retrain dialog);
        otherwise K is inferred from the accuracy (≈ 1/K) and the loss (≈ ln K).
    majority_rate : float or None
        Share of the most frequent class when known.
    frozen_tol : float
        An accuracy is frozen when its range over the stretch is at most this
        (1e-4 = one sample in 10,000; float32 noise is ~1e-7).
    frozen_fraction : float
        The frozen stretch covers at least this share of the run...
    max_start : int
        ...and starts within the first ``max_start`` evaluations (rule A: a
        model that predicts one class does so from the first epochs). A freeze
        that starts later is judged by rule D (collapse), which also needs the
        frozen level to be chance or one class's share.
    collapse_share : float
        Rule D: a frozen stretch that does not last to the end must cover at
        least this share of the run (one that lasts to the end needs
        ``min_points`` evaluations: the model that training ended with is dead).
    collapse_drop : float
        Rule D: the accuracy had been at least this much above the frozen level
        before it froze for the finding to say "collapsed after reaching ..."
        (digits trained with SGD(1.5, momentum=0.9): val_accuracy exactly 0.1000
        from epoch 7 to 39 after 0.2241 at epoch 0).
    perfect : float
        Accuracies frozen at or above this are a perfect fit, not chance.
    train_margin : float
        A frozen validation accuracy is not "stuck" when the training accuracy
        of the same run is clearly above it (memorising, not predicting one class).
    learned_margin : float
        Rule B: a validation accuracy at chance is not "stuck" when the
        training accuracy rose this far above chance (the model memorises; the
        overfitting finding says that validation never left chance).
    acc_tol : float
        |accuracy - 1/K| at most ``max(acc_tol, acc_tol_rel / K)`` counts as chance.
    acc_tol_rel : float
        See ``acc_tol``.
    loss_tol : float
        |loss / ln K - 1| at most this counts as "loss at ln K"
        (0.6931 = ln 2 for two classes).
    loss_flat : float
        Rule D without an accuracy (class count known): a loss whose range to
        the end is at most this share of ln K is flat there (the digits run above:
        val_loss 2.318-2.337 over epochs 7-39, 0.8 % of ln 10).
    f1_tol : float
        Relative tolerance of the macro-F1 identity of a one-class predictor,
        ``F1 = (2a / (1 + a)) / K`` (Hugging Face classifiers log both).
    min_points : int
        Shorter accuracy series are not judged.
    """

    n_classes: int | None = None
    majority_rate: float | None = None
    frozen_tol: float = 1e-4
    frozen_fraction: float = 0.8
    max_start: int = 2
    collapse_share: float = 0.5
    collapse_drop: float = 0.05
    perfect: float = 0.999
    train_margin: float = 0.03
    learned_margin: float = 0.2
    acc_tol: float = 0.03
    acc_tol_rel: float = 0.15
    loss_tol: float = 0.05
    loss_flat: float = 0.01
    f1_tol: float = 0.01
    min_points: int = 4


@dataclass(frozen=True)
class ScheduleConfig:
    """Learning rate cut although the metric was improving (ReduceLROnPlateau in
    ``mode='auto'`` on a score without "acc" in its name).

    Attributes
    ----------
    min_cuts : int
        At least this many learning-rate reductions...
    min_improving_cuts : float
        ...of which at least this share happened while some validation score
        (higher is better) had just set a new best: ReduceLROnPlateau treated
        it as lower-is-better (``mode='auto'`` on a name without "acc").
    """

    min_cuts: int = 2
    min_improving_cuts: float = 0.99


@dataclass(frozen=True)
class DatasetConfig:
    """Dataset checks (``--data``).

    Attributes
    ----------
    mild_minority, moderate_minority, extreme_minority : float
        Minority-class share relative to a balanced share ``1/K`` below which
        the imbalance is mild (info) / moderate (warning) / extreme (critical):
        for two classes 40 %, 20 % and 1 % of the rows (Google's imbalanced-data
        guide).
    smote_k : int
        imbalanced-learn SMOTE's default ``k_neighbors``; fewer than ``k + 1``
        minority samples break it (``SMOTE.fit_resample`` raises).
    scale_ratio : float
        Feature standard deviations more than this factor apart (two orders of
        magnitude) are unscaled (UMLAUT / LeCun et al. "Efficient BackProp":
        inputs should have similar variance).
    large_magnitude : float
        A feature whose typical magnitude (median |x| or std) is at least this is
        unscaled on its own (raw pixel values 0-255, incomes, areas).
    max_rows : int
        Larger datasets are checked on an evenly spaced sample of this many rows
        (missing values and overlap are always counted on all rows).
    """

    mild_minority: float = 0.8
    moderate_minority: float = 0.4
    extreme_minority: float = 0.02
    smote_k: int = 5
    scale_ratio: float = 100.0
    large_magnitude: float = 100.0
    max_rows: int = 200_000


@dataclass(frozen=True)
class DetectorConfig:
    """Thresholds of all detectors.

    Attributes
    ----------
    min_points : int
        Series with fewer finite points are not judged for trends (overfitting,
        plateau, slow convergence, oscillation); an ``info`` finding of kind
        ``not_judged`` says so.
    max_points : int
        Longer series are reduced to this many block means before trend
        analysis (vectorised; spikes and NaN are still found on every point).
    """

    min_points: int = 5
    max_points: int = 2000
    overfitting: OverfittingConfig = field(default_factory=OverfittingConfig)
    plateau: PlateauConfig = field(default_factory=PlateauConfig)
    slow_convergence: SlowConvergenceConfig = field(default_factory=SlowConvergenceConfig)
    divergence: DivergenceConfig = field(default_factory=DivergenceConfig)
    zero_loss: ZeroLossConfig = field(default_factory=ZeroLossConfig)
    oscillation: OscillationConfig = field(default_factory=OscillationConfig)
    chance: ChanceConfig = field(default_factory=ChanceConfig)
    schedule: ScheduleConfig = field(default_factory=ScheduleConfig)
    dataset: DatasetConfig = field(default_factory=DatasetConfig)


def with_class_info(
    cfg: DetectorConfig | None, n_classes: int | None, majority_rate: float | None
) -> DetectorConfig:
    """A copy of ``cfg`` whose chance detector knows the class count and majority rate.

    Values already set in the config win (the user wrote them on purpose).
    """
    cfg = cfg or DetectorConfig()
    ch = cfg.chance
    ch = dataclasses.replace(
        ch,
        n_classes=ch.n_classes if ch.n_classes is not None else n_classes,
        majority_rate=ch.majority_rate if ch.majority_rate is not None else majority_rate,
    )
    return dataclasses.replace(cfg, chance=ch)
