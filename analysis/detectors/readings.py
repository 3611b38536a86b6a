"""Values read off a curve the way a person would: smoothed for decisions, logged for words.

Shared by the trend detectors (overfitting, plateau, slow convergence): the value of
a curve at an epoch is a running median of 3 for epoch-level series (one noisy
epoch does not decide) and a running mean for per-batch series (one minibatch is
never "the training loss at the best epoch"); the words quote the logged values.
"""

from __future__ import annotations

import os

import numpy as np

from analysis.detectors.context import Context
from analysis.detectors.stats import med3, running_mean
from analysis.detectors.views import View


def _batch_window(ctx: Context, view: View) -> int:
    """Width of the running mean of a per-batch series (``oscillation.batch_block`` at most)."""
    return min(ctx.cfg.oscillation.batch_block, max(3, view.k // 5))


def values_at(view: View, xs, ctx: Context | None = None) -> np.ndarray:
    """The view's smoothed values interpolated at ``xs`` (continuous step).

    Parameters
    ----------
    view : View
    xs : float or array-like of float
        Positions on ``view``'s continuous step axis.
    ctx : Context, optional
        Tells per-batch series (:meth:`Context.is_per_batch`, smoothed by a running
        mean over up to ``oscillation.batch_block`` points) from epoch-level ones
        (running median of 3); without it, the running median of 3.

    Returns
    -------
    ndarray of float64, shape (len(xs),)
    """
    y = view.ya
    if ctx is not None and ctx.is_per_batch(view):
        y = running_mean(y, _batch_window(ctx, view))
    else:
        y = med3(y)
    return np.interp(np.atleast_1d(np.asarray(xs, dtype=float)), view.xa, y)


def train_text(ctx: Context, train: View, x_best: float, x_end: float) -> tuple[float, float, str]:
    """What a person reads off the training curve at ``x_best`` and ``x_end``: (at best,
    at end, how).

    Epoch-level curves: the logged values nearest to those positions, ``how`` empty.
    Per-batch curves (:meth:`Context.is_per_batch`) are quoted as the running mean the
    decision used, and ``how`` says so.
    """
    if ctx.is_per_batch(train):
        window = _batch_window(ctx, train)
        at_best, at_end = (float(v) for v in values_at(train, [x_best, x_end], ctx))
        return at_best, at_end, f" (running mean over {window * train.block} logged values)"
    return train.value_at(x_best)[0], train.value_at(x_end)[0], ""


def score_companion(ctx: Context, val: View) -> View | None:
    """The accuracy-like view that goes with ``val`` (for notes on what the task score did).

    Among the bounded higher-is-better scores of the same side and x kind, the one whose
    name shares the longest prefix with ``val``'s (``fine_tune_val_accuracy`` for
    ``fine_tune_val_loss``), accuracies first.
    """
    cands = [
        v
        for v in ctx.views.values()
        if v.role == val.role
        and v.bounded
        and v.direction == "max"
        and v.m >= 2
        and v.kind == val.kind
        and v.name not in ctx.duplicates
    ]
    if not cands:
        return None

    def common(a: str, b: str) -> int:
        return len(os.path.commonprefix([a.lower(), b.lower()]))

    cands.sort(key=lambda v: (-common(v.name, val.name), "acc" not in v.name.lower()))
    return cands[0]
