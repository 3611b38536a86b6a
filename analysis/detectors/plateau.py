"""``plateau``: the monitored metric has not improved by ``min_delta`` for ``patience`` evaluations.

The rule follows Keras' ``ReduceLROnPlateau``: no improvement by ``min_delta`` for
``patience`` evaluations, with ``min_delta`` raised to the series' noise and to
0.1 % of the best (PyTorch's relative threshold) so the rule is unit-free. Where
the plateau starts is the earliest evaluation the rest of the run never beats by
more than a band (``band_rel`` of the level): a curve creeping down by 0.1 % per ten
epochs is on the plateau it entered. Whether the plateau is normal convergence or a
stall is read off the accuracy pair (:func:`fit_state`). Thresholds and their
sources: :class:`~analysis.detectors.config.PlateauConfig`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from analysis import naming
from analysis.detectors.context import Context
from analysis.detectors.readings import values_at
from analysis.detectors.stats import keras_improvements, noise_sd, rel_noise
from analysis.detectors.views import View
from analysis.detectors.wording import fmt
from analysis.model import Finding


def _score_pair(ctx: Context, val: View) -> tuple[View, View] | None:
    """The (train, val) accuracy-like pair that tells how well the model fits, on ``val``'s axis."""
    cands = [
        (train, score)
        for train, score in ctx.pairs()
        if train.bounded
        and score.bounded
        and score.direction == "max"
        and train.m >= 3
        and score.m >= 3
        and score.kind == val.kind
    ]
    if not cands:
        return None
    cands.sort(key=lambda p: not naming.is_accuracy(p[1].name))
    return cands[0]


def _score_fit_state(
    ctx: Context, train_score: View, val_score: View, x0: float
) -> tuple[str, dict, str]:
    """:func:`fit_state` from an accuracy pair: poor fit, gap, score rising or converged."""
    plateau_cfg = ctx.cfg.plateau
    overfit_cfg = ctx.cfg.overfitting
    train_end = float(np.median(train_score.y[-3:]))
    val_end = float(np.median(val_score.y[-3:]))
    gap = train_end - val_end
    need = overfit_cfg.gap_high if train_end > 0.9 else overfit_cfg.gap_low
    evidence = {
        "train_score": train_score.name,
        "train_score_end": train_end,
        "val_score": val_score.name,
        "val_score_end": val_end,
        "score_gap": round(gap, 4),
    }
    train_last = train_score.value_at(float(train_score.x[-1]))[0]
    val_last = val_score.value_at(float(val_score.x[-1]))[0]
    if train_end < plateau_cfg.poor_fit:
        return (
            "poor_fit",
            evidence,
            f" {train_score.name} ends at only {fmt(train_last)} (median of the last 3: "
            f"{fmt(train_end)}, below {plateau_cfg.poor_fit:g}): the model does not even "
            "fit its training data, so this is a stall, not convergence.",
        )
    # the decisions use the medians of the last 3; the words quote the logged last values,
    # and the medians too where they differ, so every "rose"/"close" agrees with its numbers
    medians = (fmt(train_end), fmt(val_end)) != (fmt(train_last), fmt(val_last))
    if gap >= need:
        return (
            "gap",
            evidence,
            f" {train_score.name} ends at {fmt(train_last)} but {val_score.name} at {fmt(val_last)}"
            + (f" (medians of the last 3: {fmt(train_end)} and {fmt(val_end)})" if medians else "")
            + f": a gap of {fmt(gap)} (AutoTrainer flags {need:g}), so further epochs "
            "only fit the training set.",
        )
    val_at_start = float(val_score.value_at(x0)[0])
    if val_end - val_at_start >= plateau_cfg.score_rise and val_last > val_at_start:
        evidence["val_score_at_start"] = val_at_start
        return (
            "score_rising",
            evidence,
            f" {val_score.name} still rose {fmt(val_at_start)} -> {fmt(val_last)} meanwhile"
            + (f" (median of the last 3: {fmt(val_end)})" if fmt(val_end) != fmt(val_last) else "")
            + ": the loss has levelled off but the task score has not.",
        )
    ends = (
        f"medians of the last 3 {fmt(train_end)} and {fmt(val_end)} (last logged "
        f"{fmt(train_last)} and {fmt(val_last)}), a gap of {fmt(gap)}"
        if medians
        else f"{fmt(train_last)} and {fmt(val_last)}, a gap of {fmt(gap)}"
    )
    return (
        "converged",
        evidence,
        f" {train_score.name} and {val_score.name} end close: {ends}: training and validation levelled "
        "off together, the normal end of training.",
    )


def fit_state(ctx: Context, val: View, x0: float) -> tuple[str, dict, str]:
    """Is a plateau of ``val`` that started at ``x0`` normal convergence? (state, evidence,
    sentence).

    States, checked in this order:

    - ``"poor_fit"``: the training accuracy ends below ``PlateauConfig.poor_fit``:
      the model cannot even fit its training data; the plateau is a stall.
    - ``"gap"``: training minus validation accuracy at the end is at least
      AutoTrainer's threshold (``OverfittingConfig.gap_high`` above 0.9
      training accuracy, else ``gap_low``).
    - ``"score_rising"``: the validation score of the same side still rose by
      ``PlateauConfig.score_rise`` or more over the plateau: the loss plateau is
      a calibration floor, the task is still improving.
    - ``"converged"``: a small gap at a good fit: training and validation
      levelled off together.
    - ``"train_improving"`` / ``"train_flat"``: no accuracy pair; whether the
      training loss still fell by ``min_train_gain`` over the plateau.
    - ``"unknown"``: nothing to compare with.
    """
    pair = _score_pair(ctx, val) if val.role == "val" else None
    if pair is not None:
        return _score_fit_state(ctx, *pair, x0)
    partner = ctx.partner(val) if val.role == "val" else None
    if partner is not None and partner.k >= 3:
        at_start = float(values_at(partner, x0, ctx)[0])
        at_end = float(np.median(partner.ya[-3:]))
        train_gain = float(partner.better(at_end, at_start)) / max(abs(at_start), 1e-12)
        evidence = {"train": partner.name, "train_gain_during": round(train_gain, 4)}
        if train_gain >= ctx.cfg.overfitting.min_train_gain:
            return "train_improving", evidence, ""
        return "train_flat", evidence, ""
    return "unknown", {}, ""


@dataclass(frozen=True)
class _Plateau:
    """Where ``val`` stopped improving (indices into ``x``/``y``, the analysis points
    from the last fresh restart on)."""

    restart: int
    x: np.ndarray
    y: np.ndarray
    last_improvement: int
    wait: int
    patience: int
    min_delta: float
    band: float
    best: float
    start: int
    band_best: int
    x0: float
    x1: float
    x_last_improvement: float
    share_of_run: float

    @property
    def points(self) -> int:
        """Evaluations on the plateau after its first one."""
        return len(self.y) - 1 - self.start


def _find_plateau(ctx: Context, val: View) -> _Plateau | None:
    """The plateau of ``val`` by ReduceLROnPlateau's rule (see the module doc), or None."""
    cfg = ctx.cfg.plateau
    restart = ctx.fresh_start(val)
    xs, ys, segs = val.xa[restart:], val.ya[restart:], val.sega[restart:]
    n = len(ys)
    if n < ctx.cfg.min_points:
        ctx.skip(val, "plateau", f"{n} points, need {ctx.cfg.min_points}")
        return None
    relative_noise = rel_noise(ys, segs) if val.direction != "max" else None
    if relative_noise is not None:  # positive loss: judge improvements relative to the best
        rel = max(cfg.min_delta_rel, cfg.noise_k * relative_noise)
        # min_delta is absolute in Keras; a loss that lives far below it (1e-5) still
        # improving 100-fold is not flat: the absolute floor applies only down to a
        # level where it is min_delta_abs_rel of the best
        min_delta = min(cfg.min_delta, cfg.min_delta_abs_rel * abs(float(np.min(ys))))
    else:
        rel = cfg.min_delta_rel
        min_delta = max(cfg.min_delta, cfg.noise_k * noise_sd(ys, segs))
    last_improvement = keras_improvements(ys, min_delta, val.direction, rel=rel)[-1]
    wait = n - 1 - last_improvement
    min_delta = max(min_delta, rel * abs(float(ys[last_improvement])))
    patience = min(cfg.patience, max(cfg.min_patience, math.ceil(cfg.patience_fraction * n)))
    if wait < patience:
        return None
    best = float(ys[last_improvement])
    # where the plateau starts: the earliest point that the rest of the run never beats by more
    # than the band (min_delta, or band_rel of the level): a curve creeping down by 0.1 % per
    # ten epochs is on the plateau it entered, not still improving
    band = max(min_delta, cfg.band_rel * abs(best))
    if val.direction == "max":
        beaten_by = np.maximum.accumulate(ys[::-1])[::-1] - ys
    else:
        beaten_by = ys - np.minimum.accumulate(ys[::-1])[::-1]
    start = min(int(np.argmax(beaten_by <= band)), last_improvement)
    on_plateau = ys[start:]
    band_best = start + int(
        np.argmin(on_plateau) if val.direction != "max" else np.argmax(on_plateau)
    )
    blocks = val.block > 1
    x0 = val.x_first(restart + start) if blocks else float(xs[start])
    x1 = float(val.x[-1]) if blocks else float(xs[-1])
    x_last_improvement = (
        val.x_first(restart + last_improvement) if blocks else float(xs[last_improvement])
    )
    share_of_run = (x1 - x0) / (x1 - float(xs[0])) if x1 > xs[0] else 1.0
    return _Plateau(
        restart=restart,
        x=xs,
        y=ys,
        last_improvement=last_improvement,
        wait=wait,
        patience=patience,
        min_delta=min_delta,
        band=band,
        best=best,
        start=start,
        band_best=band_best,
        x0=x0,
        x1=x1,
        x_last_improvement=x_last_improvement,
        share_of_run=share_of_run,
    )


def _plateau_text(ctx: Context, val: View, plateau: _Plateau, cuts: list) -> str:
    """Where the plateau started, how long it lasted, its band, and learning-rate cuts."""
    p = plateau
    lo, hi = float(np.min(p.y[p.start :])), float(np.max(p.y[p.start :]))
    what = "evaluations" if val.role != "train" else "logged values"
    if val.block > 1:
        what = f"block means of {val.block} {what}"
    since = "the first evaluation" if p.start == 0 else ctx.at_keras(p.x0, val)
    if p.start == p.last_improvement:
        msg = (
            f"{val.name} has not improved by more than {fmt(p.min_delta)} for {p.wait} {what} "
            f"({ctx.span(p.x0, p.x1, val)}): its last real improvement was at {since} "
            f"({fmt(p.best)}); since then it ranged {fmt(lo)}-{fmt(hi)}."
        )
    else:
        msg = (
            f"{val.name} levelled off at {since} ({fmt(float(p.y[p.start]))}): over the "
            f"remaining {p.points} {what} ({ctx.span(p.x0, p.x1, val)}) it never got more "
            f"than {fmt(p.band)} better ({ctx.cfg.plateau.band_rel * 100:g}% of its level or "
            f"min_delta), ranging {fmt(lo)}-{fmt(hi)} (best {fmt(float(p.y[p.band_best]))} "
            f"at {ctx.at(float(p.x[p.band_best]), val)}); the last improvement by more than "
            f"{fmt(p.min_delta)} was at {ctx.at(p.x_last_improvement, val)} ({fmt(p.best)})."
        )
    if cuts:
        msg += (
            f" The learning rate was cut {len(cuts)} time(s) meanwhile "
            f"({fmt(cuts[0][1])} -> {fmt(cuts[-1][2])}) without effect."
        )
    return msg + _callbacks_text(ctx, val, p)


def _callbacks_text(ctx: Context, val: View, plateau: _Plateau) -> str:
    """Where ReduceLROnPlateau and EarlyStopping would have acted, with Keras' semantics."""
    p = plateau
    n = len(p.y)
    pat = p.patience
    by_band = (
        keras_improvements(p.y, p.band, val.direction)[-1]
        if p.start < p.last_improvement
        else p.last_improvement
    )
    if by_band < p.last_improvement and by_band + pat < n:  # the band as min_delta
        return (
            f" ReduceLROnPlateau(patience={pat}, min_delta={fmt(p.band)}) would have reduced "
            f"the learning rate, and EarlyStopping(patience={pat}, min_delta={fmt(p.band)}) "
            f"stopped training, at {ctx.at(float(p.x[by_band + pat]), val)} (with "
            f"min_delta={fmt(p.min_delta)}: at "
            f"{ctx.at(float(p.x[p.last_improvement + pat]), val)})."
        )
    if p.last_improvement + pat < n:
        return (
            f" ReduceLROnPlateau(patience={pat}) would have reduced the learning rate, and "
            f"EarlyStopping(patience={pat}) stopped training, at "
            f"{ctx.at(float(p.x[p.last_improvement + pat]), val)}."
        )
    return ""


def _little_progress(ctx: Context, val: View) -> bool:
    """The training loss that goes with ``val`` improved by less than 10 % over the whole run."""
    train = ctx.partner(val)
    if train is None or train.k < 3:
        return False
    first = float(np.median(train.ya[:3]))
    last = float(np.median(train.ya[-3:]))
    return float(train.better(last, first)) < 0.1 * max(abs(first), 1e-12)


def _causes(ctx: Context, val: View, state: str) -> tuple[list[str], list[str]]:
    """Ranked causes and remedies for a plateau in fit state ``state``."""
    if state in ("converged", "score_rising"):
        return [
            "normal convergence: training and validation levelled off together near "
            "their best (nothing is wrong; stop earlier to save time)",
            "a smaller learning rate at the end may still gain a little",
        ], ["early_stopping", "reduce_lr_on_plateau"]
    if state == "poor_fit" or (state == "train_flat" and _little_progress(ctx, val)):
        return [
            "underfitting: the training curve stalls too, at a poor level (model too "
            "small, learning rate too low or too high, or unscaled features)",
            "learning rate too high to settle into a better minimum",
        ], ["learning_rate", "reduce_lr_on_plateau", "standardize"]
    if state == "train_flat":
        return [
            "both training and validation curves have levelled off: the model converged "
            "at this learning rate",
            "a smaller learning rate may settle a little lower",
        ], ["reduce_lr_on_plateau", "early_stopping", "learning_rate"]
    causes = [
        "the model has learned what generalises; further epochs only fit the training set",
        "learning rate too high to settle lower (a smaller one may help)",
        "learning rate too low to leave the plateau",
    ]
    if state == "gap":
        return causes, ["early_stopping", "l2", "dropout", "reduce_lr_on_plateau"]
    return causes, ["reduce_lr_on_plateau", "early_stopping", "learning_rate"]


def judge_plateau(ctx: Context, val: View) -> Finding | None:
    """A plateau of ``val`` (see the module doc), or None.

    Severity: ``info`` when the run converged (or its validation score still rises);
    ``warning`` at a poor fit, or when the plateau covers at least half the run and
    two patiences (or the learning rate was cut without effect) and the run did not
    converge; ``info`` otherwise.
    """
    plateau = _find_plateau(ctx, val)
    if plateau is None:
        return None
    p = plateau
    cuts = [cut for cut in ctx.lr_cuts(val.kind) if cut[0] > p.x0]
    msg = _plateau_text(ctx, val, p, cuts)
    state, fit_evidence, fit_words = fit_state(ctx, val, p.x0)
    msg += fit_words
    long = p.share_of_run >= 0.5 and p.points >= 2 * p.patience
    if state in ("converged", "score_rising"):
        severity = "info"
    elif state == "poor_fit":
        severity = "warning"
    else:
        severity = "warning" if long or (cuts and state != "gap") else "info"
    causes, remedies = _causes(ctx, val, state)
    lo, hi = float(np.min(p.y[p.start :])), float(np.max(p.y[p.start :]))
    evidence = {
        "best": p.best,
        "best_x": p.x_last_improvement,
        "start_x": p.x0,
        "start_value": float(p.y[p.start]),
        "band_best": float(p.y[p.band_best]),
        "band_best_x": float(p.x[p.band_best]),
        "evaluations_without_improvement": int(p.wait),
        "plateau_points": int(p.points),
        "patience": int(p.patience),
        "min_delta": float(p.min_delta),
        "band_tolerance": float(p.band),
        "band": [lo, hi],
        "share_of_run": round(p.share_of_run, 3),
        "fit": state,
        **fit_evidence,
        "lr_cuts": [{"x": a, "from": b, "to": d} for a, b, d in cuts],
    }
    confidence = min(1.0, 0.5 + 0.5 * min(1.0, p.points / (2 * p.patience)))
    return ctx.finding(
        "plateau", severity, val.name, p.x0, p.x1, msg, evidence, causes, remedies, confidence
    )
