"""What a retrain job logs every epoch, and the checks of a callback's ``monitor`` and ``mode``.

Keras' ``ReduceLROnPlateau`` and ``EarlyStopping`` watch one logged key. A key that is
never logged makes Keras warn every epoch and never act (keras-team/keras PR #6954),
and ``mode="auto"`` guesses the direction from the name (anything without "acc" is
taken as lower-is-better), so the spec reader checks the key and writes the mode
explicitly.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping

from analysis import naming
from retrain.errors import RetrainError

#: Keys the retrain worker logs every epoch (it compiles with an ``accuracy`` metric and
#: validates every epoch); monitors of callbacks must be one of them, or one a remedy
#: adds (:attr:`retrain.remedies.base.Remedy.logged_keys`).
LOGGED_KEYS: tuple[str, ...] = ("loss", "accuracy", "val_loss", "val_accuracy")

#: Common spellings of other Keras versions and what this worker logs instead.
MONITOR_ALIASES: dict[str, str] = {
    "acc": "accuracy",
    "val_acc": "val_accuracy",
    "binary_accuracy": "accuracy",
    "val_binary_accuracy": "val_accuracy",
    "sparse_categorical_accuracy": "accuracy",
    "val_sparse_categorical_accuracy": "val_accuracy",
    "categorical_accuracy": "accuracy",
    "val_categorical_accuracy": "val_accuracy",
}


def check_monitor(
    monitor: str,
    mode: str | None,
    source: str = "spec",
    where: str = "monitor",
    available: tuple[str, ...] = LOGGED_KEYS,
    logged_with: Mapping[str, str] | None = None,
) -> tuple[str, str]:
    """Validate a callback's monitor against the logged keys and make its mode explicit.

    Parameters
    ----------
    monitor : str
        Metric name, e.g. ``"val_loss"``.
    mode : {"min", "max", "auto"} or None
        None/``"auto"`` is replaced by the monitor's direction.
    source, where : str
        File and key named in the error.
    available : tuple of str
        Keys the training will log (default :data:`LOGGED_KEYS`).
    logged_with : mapping of str to str, optional
        Keys that only some remedy makes the job log, and which remedy that is, in
        words (``"the l2 remedy (it is the loss without the L2 penalty)"``).

    Returns
    -------
    (monitor, mode)
        ``mode`` is ``"min"`` or ``"max"`` from :func:`analysis.naming.direction`
        (max: acc/auc/f1/precision/recall/kappa/IoU; min: loss/error/mse/mae).

    Raises
    ------
    RetrainError
        The monitor is not logged (with the likely intended name: ``val_acc`` ->
        ``val_accuracy``); Keras would only warn every epoch and never stop
        (keras-team/keras PR #6954). Or ``mode`` contradicts the direction.
    """
    if monitor not in available:
        only_with = (logged_with or {}).get(monitor)
        if only_with:
            raise RetrainError(
                source,
                f"monitor {monitor!r} is logged only with {only_with}; use 'val_loss'",
                where,
            )
        hint = MONITOR_ALIASES.get(monitor)
        if hint not in available:
            close = difflib.get_close_matches(monitor, available, n=1)
            hint = close[0] if close else None
        msg = f"monitor {monitor!r} is not logged by this training (logged: {', '.join(available)})"
        if hint:
            msg += f"; did you mean {hint!r}?"
        raise RetrainError(source, msg, where)
    direction = naming.direction(monitor)
    if mode in (None, "auto"):
        if direction is None:
            raise RetrainError(
                source,
                f'cannot tell whether {monitor!r} should go up or down; set mode = "min" or "max"',
                where,
            )
        return monitor, direction
    if mode not in ("min", "max"):
        raise RetrainError(source, f'mode must be "min" or "max", got {mode!r}', where)
    if direction is not None and mode != direction:
        better = "lower" if direction == "min" else "higher"
        raise RetrainError(
            source,
            f'mode {mode!r} contradicts {monitor!r} ({better} is better); use mode = "{direction}"',
            where,
        )
    return monitor, mode
