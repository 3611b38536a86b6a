"""Detectors: pure functions from a :class:`~analysis.model.Run` to :class:`~analysis.model.Finding`.

``diagnose(run, config)`` reads a run like an expert would and returns what is
wrong, where (``start``/``end`` on the series' continuous step axis), with the
numbers (``evidence``), ranked likely ``causes`` and ``remedies`` from the
retrain vocabulary (:data:`analysis.model.REMEDIES`). The kinds it reports, with
what each claims, are declared in :data:`analysis.kinds.KINDS`; the detectors
that make them, in the order they read a run and with what each one's findings
supersede, in :data:`analysis.detectors.pipeline.PIPELINE`. A ``stuck_at_chance``
finding says which level it is stuck at in ``evidence["level"]``
(``majority_rate``, ``chance``, ``below_chance``), by which rule in
``evidence["rule"]`` (``collapse`` for a collapse partway through) and words it
in ``evidence["title"]``.

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
  (``evaluation_loss_vs_iterations`` = ``validation/epoch_loss``, which Keras'
  TensorBoard callback writes beside each other) give one finding, never a second
  one of any kind.
- A run that died (a loss NaN/inf to the end, :meth:`Context.dead_from`) is judged on
  what came before: the constant accuracy of a dead network is no oscillation and no
  collapse of its own, and a spike followed only by NaN "went non-finite".
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
  with :func:`load_config` (:mod:`analysis.detectors.config_file`);
  ``resources/detectors.toml`` lists them all.
"""

from __future__ import annotations

import numpy as np

from analysis import kinds
from analysis.detectors import pipeline
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
    with_class_info,
)
from analysis.detectors.config_file import config_from_dict, config_to_dict, load_config
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
        The findings of every step of :data:`analysis.detectors.pipeline.PIPELINE`,
        sorted by severity (critical, warning, info), then by kind (see
        :data:`KINDS`), then by start. Never raises on odd data: series too
        short, constant or all-NaN are reported (``not_judged`` /
        ``non_finite``), not crashed on.
    """
    cfg = config or DetectorConfig()
    # extreme values (1e308, overflowing ratios) only make comparisons false; never warn
    with np.errstate(all="ignore"):
        return pipeline.run_steps(run, cfg)
