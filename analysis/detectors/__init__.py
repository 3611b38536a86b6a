"""Detectors: pure functions from a :class:`~analysis.model.Run` to :class:`~analysis.model.Finding`.

``diagnose(run, config)`` reads a run like an expert would and returns what is
wrong, where (``start``/``end`` on the series' continuous step axis), with the
numbers (``evidence``), ranked likely ``causes`` and ``remedies`` from the
retrain vocabulary (:data:`analysis.model.REMEDIES`). Kinds:

=========================  ==========================================================
``non_finite``             NaN/inf values, the first epoch they appear, what came before
``divergence``             loss spikes, runaway growth, overflow, unbounded negative loss
``stuck_at_chance``        accuracy frozen at the majority-class rate, pinned at 1/K,
                           frozen below chance, or collapsed to chance partway through
                           (``evidence["level"]``: ``majority_rate``, ``chance``,
                           ``below_chance``; ``evidence["rule"]`` ``collapse`` for the
                           latter; ``evidence["title"]`` words it)
``suspicious_zero_loss``   a loss exactly 0.0 for a stretch (label leak, one-class data,
                           masked loss)
``overfitting``            validation worse than its best while training still improves
``plateau``                no improvement by ``min_delta`` for ``patience`` evaluations
``slow_convergence``       still improving steadily when training ended
``oscillation``            large up-and-down swings for a sustained stretch
                           (a training accuracy only when its loss swings too)
``lr_cut_while_improving`` ReduceLROnPlateau cut the LR although the score improved
``not_judged``             ``info``: what could not be judged, and why
=========================  ==========================================================

Dataset kinds (``class_imbalance``, ``unscaled_features``, ``missing_values``,
``constant_features``, ``train_val_overlap``, ``label_not_categorical``) come
from :mod:`analysis.dataset`.

Design notes
------------
- Numbers in messages are values a person finds in the log: "ended at X
  (epoch N)" is the value logged at epoch N. Where a decision uses a robust
  value (the median of the last 3 evaluations, a running mean of a per-batch
  curve) the message says so separately ("median of the last 3: ...").
- Each series is judged on its own x kind (:meth:`analysis.model.Run.step_kind_of`):
  an epoch-level training curve is never compared index by index with a
  per-step evaluation curve (Keras' TensorBoard callback writes both); a
  step-level partner with an ``epoch`` column is re-indexed by epoch, anything
  else is not paired. A series that repeats another's values (NaN at the same places)
  is judged once, by every detector (:attr:`Context.duplicates`): the same values on
  the same grid (``val_mse`` = ``val_loss``) or on another x kind
  (``evaluation_loss_vs_iterations`` = ``validation/epoch_loss``, QA2 #2) give one
  finding, never a second one of any kind.
- A run that died (a loss NaN/inf to the end, :meth:`Context.dead_from`) is judged on
  what came before: the constant accuracy of a dead network is no oscillation and no
  collapse of its own, and a spike followed only by NaN "went non-finite" (QA2 #9).
- Epochs in messages are the x values of the log: 0-based for Keras
  (CSVLogger / ``History``). Where the exact epoch matters (best epoch,
  first NaN) the message adds what Keras' progress bar printed for it
  ("epoch 5 (0-based; Keras prints 'Epoch 6/15')"). ``start``/``end`` are
  always on :meth:`~analysis.model.Series.continuous_step`.
- What could not be judged is never silent: one ``info`` finding of kind
  ``not_judged`` per run lists, per metric, the checks skipped and why
  (``"overfitting: 3 points, need 5"``). Its ``metric`` is None and its
  ``evidence`` is ``{"metrics": {name: [reason, ...]}}``. All-NaN series get a
  ``non_finite`` finding instead.
- Accuracies in percent (0-100) are judged as fractions; negative losses are
  judged as unbounded when they keep growing in magnitude; per-batch series and
  series longer than ``max_points`` are judged on block means; restarts
  (segments) are respected (no swing or spike across a restart; a fresh
  restart starts the trend analysis anew).
- Thresholds: :class:`DetectorConfig` (frozen dataclasses, documented
  defaults and sources in :mod:`analysis.detectors.config`), loadable from TOML
  with :func:`load_config`; ``resources/detectors.toml`` lists them all.
"""

from __future__ import annotations

import numpy as np

from analysis import kinds
from analysis.detectors.chance import detect_chance
from analysis.detectors.config import (
    ChanceConfig,
    DatasetConfig,
    DetectorConfig,
    DivergenceConfig,
    OscillationConfig,
    OverfittingConfig,
    PlateauConfig,
    ScheduleConfig,
    SlowConvergenceConfig,
    ZeroLossConfig,
    config_from_dict,
    config_to_dict,
    load_config,
    with_class_info,
)
from analysis.detectors.instability import detect_divergence, detect_non_finite, detect_zero_loss
from analysis.detectors.oscillation import detect_oscillation
from analysis.detectors.prep import Context
from analysis.detectors.progress import detect_overfitting, detect_progress
from analysis.detectors.schedule import detect_schedule
from analysis.model import Finding, Run

__all__ = [
    "KINDS",
    "ChanceConfig",
    "DatasetConfig",
    "DetectorConfig",
    "DivergenceConfig",
    "OscillationConfig",
    "OverfittingConfig",
    "PlateauConfig",
    "ScheduleConfig",
    "SlowConvergenceConfig",
    "ZeroLossConfig",
    "config_from_dict",
    "config_to_dict",
    "diagnose",
    "load_config",
    "with_class_info",
]

#: Finding kinds produced by :func:`diagnose`, in the order they are reported
#: within one severity (declared in :data:`analysis.kinds.KINDS`).
KINDS: tuple[str, ...] = kinds.RUN_KINDS

_SEV = {"critical": 0, "warning": 1, "info": 2}


def _link(found: list[Finding]) -> list[Finding]:
    """Let findings of one run inform each other's ranked causes (an expert reads them together).

    - overfitting while the *training* loss oscillates: the learning rate is too high,
      the validation curve drifts with it (zoo ``oscillation_sgd_high_lr``);
    - stuck at chance while the loss still falls steadily but slowly: the learning
      rate is far too low (zoo ``lr_too_low_chance``).
    """
    import dataclasses

    kinds = {f.kind: f for f in found}
    osc = kinds.get("oscillation")
    train_osc = osc is not None and any(
        not m.startswith(("val", "eval", "valid", "test")) for m in osc.evidence.get("metrics", {})
    )
    slow = kinds.get("slow_convergence")
    out = []
    for f in found:
        if f.kind == "overfitting" and train_osc:
            cause = (
                "learning rate too high: the training loss itself oscillates (see the "
                "oscillation finding), so the validation loss drifts up with it"
            )
            f = dataclasses.replace(
                f,
                causes=(cause, *f.causes),
                remedies=tuple(
                    dict.fromkeys((*f.remedies, "learning_rate", "reduce_lr_on_plateau"))
                ),
            )
        if (
            f.kind == "stuck_at_chance"
            and slow is not None
            and slow.evidence.get("decay_q", 0) >= 0.99
        ):
            cause = (
                "learning rate far too low: the loss falls steadily but very slowly (see "
                "the slow_convergence finding)"
            )
            f = dataclasses.replace(
                f,
                causes=(cause, *f.causes),
                remedies=tuple(dict.fromkeys(("learning_rate", *f.remedies))),
            )
        out.append(f)
    return out


def diagnose(run: Run, config: DetectorConfig | None = None) -> list[Finding]:
    """All findings for one run, most severe first.

    Parameters
    ----------
    run : Run
        Any run a reader produced (epoch- or step-level, with restarts, NaN,
        percent accuracies...).
    config : DetectorConfig, optional
        Thresholds; the documented defaults when None.

    Returns
    -------
    list of Finding
        Sorted by severity (critical, warning, info), then by kind (see
        :data:`KINDS`), then by start. Never raises on odd data: series too
        short, constant or all-NaN are reported (``not_judged`` /
        ``non_finite``), not crashed on.
    """
    cfg = config or DetectorConfig()
    # extreme values (1e308, overflowing ratios) only make comparisons false; never warn
    with np.errstate(all="ignore"):
        return _diagnose(run, cfg)


def _diagnose(run: Run, cfg: DetectorConfig) -> list[Finding]:
    ctx = Context.build(run, cfg)
    found: list[Finding] = []
    found += detect_non_finite(ctx)
    div = detect_divergence(ctx)
    found += div
    taken = {
        f.metric for f in div if f.evidence.get("pattern") in ("negative_unbounded", "runaway")
    }
    for f in div:
        if f.evidence.get("pattern") == "negative_unbounded":
            taken |= set(f.evidence.get("metrics", {}))
    stuck = detect_chance(ctx)
    found += stuck
    zero = detect_zero_loss(ctx)
    found += zero
    for f in zero:  # a loss at exactly 0 is explained; it is no plateau or slow convergence
        taken |= set(f.evidence.get("metrics", {}))
    over = detect_overfitting(ctx, taken)
    found += over
    # an overfitting onset below the warning level (an EarlyStopping-sized rise) may
    # also be a plateau; anything stronger explains the series on its own
    taken |= {f.metric for f in over if f.severity != "info"}
    found += detect_progress(ctx, taken, stuck_run=bool(stuck))
    found += detect_oscillation(ctx)
    found += detect_schedule(ctx)
    found = _link(found)
    skipped = {
        m: r
        for m, r in ctx.not_judged.items()
        if ctx.views.get(m) is not None and ctx.views[m].m > 0
    }
    if not ctx.views:
        why = (
            "no loss or score series to judge (only counters or learning rates)"
            if run.series
            else "the run has no metrics"
        )
        skipped = {"(run)": [why]}
    if skipped:
        parts = [f"{m} ({'; '.join(r)})" for m, r in skipped.items()]
        found.append(
            ctx.finding(
                "not_judged",
                "info",
                None,
                None,
                None,
                "could not judge: " + ", ".join(parts),
                {"metrics": skipped},
                [],
                [],
                1.0,
            )
        )
    found.sort(
        key=lambda f: (
            _SEV.get(f.severity, 3),
            kinds.order(f.kind),
            f.start if f.start is not None else float("inf"),
        )
    )
    return found
