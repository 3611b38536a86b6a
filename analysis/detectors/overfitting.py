"""``overfitting``: validation worse than its best while training still improves.

The rule follows Keras' ``EarlyStopping``: the best evaluation is the last one that
beat the best so far by more than ``min_delta``; the validation loss must then stay
un-improved for ``patience`` evaluations and end at least ``min_rise`` above the best
(median of the last ``end_points`` values, and more than ``noise_k`` x its noise),
while the training loss of the same run keeps falling by at least
``min_train_gain``. Reported: the best epoch (what ``restore_best_weights=True``
keeps), where EarlyStopping would have stopped, how much worse the end is, the
widening gap, and what the validation accuracy did meanwhile (a validation loss that
rises while the accuracy still creeps up is over-confidence on the samples it gets
wrong). Without a loss pair the same test runs on score pairs (accuracy) with an
absolute drop, and AutoTrainer's generalisation-gap rule (Zhang et al., ICSE 2021)
catches a widening gap the losses are too noisy to show.

Thresholds: :class:`~analysis.detectors.config.OverfittingConfig`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analysis import naming
from analysis.detectors.context import Context
from analysis.detectors.readings import score_companion, train_text, values_at
from analysis.detectors.stats import keras_improvements, noise_sd
from analysis.detectors.views import View
from analysis.detectors.wording import fmt, pct
from analysis.model import Finding

_CAUSES = [
    "model too large for the amount of training data: it memorises the training set",
    "too little regularisation (no L2 weight penalty or dropout)",
]
_REMEDIES = ["early_stopping", "l2", "dropout"]


@dataclass(frozen=True)
class _Turn:
    """Where a validation curve turned: its best evaluation and how much worse it ended.

    Indices are into ``x``/``y``, the analysis points from the last fresh restart on.
    ``rise`` is relative to the best for a loss and an absolute drop for a score; it is
    measured on the median of the last ``n_end`` values (``rise_last``: on the last one).
    """

    restart: int
    x: np.ndarray
    y: np.ndarray
    is_loss: bool
    best_i: int
    best: float
    x_best: float
    after: int
    n_end: int
    end_median: float
    last: float
    x_last: float
    rise: float
    rise_last: float
    worst_i: int
    x_stop: float | None


def _find_turn(ctx: Context, val: View) -> _Turn | None:
    """The EarlyStopping reading of ``val``, or None when it did not get clearly worse."""
    cfg = ctx.cfg.overfitting
    restart = ctx.fresh_start(val)
    xs, ys = val.xa[restart:], val.ya[restart:]
    n = len(ys)
    if n < ctx.cfg.min_points:
        ctx.skip(val, "overfitting", f"{n} points, need {ctx.cfg.min_points}")
        return None
    is_loss = val.direction != "max"
    best_i = keras_improvements(ys, cfg.min_delta, val.direction)[-1]
    best = float(ys[best_i])
    after = n - 1 - best_i
    if after < cfg.patience:
        return None
    n_end = max(1, min(cfg.end_points, after))
    end_median = float(np.median(ys[-n_end:]))  # the decision: one noisy last epoch does not
    last, x_last = float(val.y[-1]), float(val.x[-1])  # what the table shows at the end
    # significance against the curve's noise uses the best's neighbourhood (median of 3),
    # so the deepest dip of a noisy curve is not taken as its level
    best_level = float(np.median(ys[best_i - 1 : best_i + 2])) if 0 < best_i < n - 1 else best
    if is_loss:
        if best <= 0:
            return None
        rise = (end_median - best) / best
        rise_last = (last - best) / best
        if rise < cfg.min_rise or (end_median - best_level) <= cfg.noise_k * noise_sd(
            ys, val.sega[restart:]
        ):
            return None
        worst_i = best_i + int(np.argmax(ys[best_i:]))
    else:
        rise = best - end_median
        rise_last = best - last
        drop = best_level - end_median
        if drop < cfg.score_min_drop or drop <= cfg.noise_k * noise_sd(ys, val.sega[restart:]):
            return None
        worst_i = best_i + int(np.argmin(ys[best_i:]))
    x_best = val.x_first(restart + best_i) if val.block > 1 else float(xs[best_i])
    stop_i = best_i + cfg.patience
    return _Turn(
        restart=restart,
        x=xs,
        y=ys,
        is_loss=is_loss,
        best_i=best_i,
        best=best,
        x_best=x_best,
        after=after,
        n_end=n_end,
        end_median=end_median,
        last=last,
        x_last=x_last,
        rise=rise,
        rise_last=rise_last,
        worst_i=worst_i,
        x_stop=float(xs[stop_i]) if stop_i < n else None,
    )


def _turn_evidence(ctx: Context, val: View, turn: _Turn) -> dict:
    cfg = ctx.cfg.overfitting
    rise_key = "rise" if turn.is_loss else "drop"
    return {
        "monitor": val.name,
        "best": turn.best,
        "best_x": turn.x_best,
        "end": turn.last,
        "end_x": turn.x_last,
        "end_median": turn.end_median,
        "end_points": int(turn.n_end),
        "worst": float(turn.y[turn.worst_i]),
        "worst_x": float(turn.x[turn.worst_i]),
        rise_key: round(float(turn.rise_last), 4),
        f"{rise_key}_median": round(float(turn.rise), 4),
        "evaluations_after_best": int(turn.after),
        "early_stopping": {
            "patience": cfg.patience,
            "min_delta": cfg.min_delta,
            "stop_x": turn.x_stop,
            "restored_x": turn.x_best,
        },
    }


def _train_values(
    ctx: Context, train: View, turn: _Turn
) -> tuple[float, float, float, float, str, str]:
    """The training curve at the best and at the end: smoothed (the decision) and as
    quoted (logged values, or the smoothed ones when the noisy logged values disagree).

    Returns (smoothed at best, smoothed at end, quoted at best, quoted at end, how the
    quoted values were read, a note on a noisy curve).
    """
    cfg = ctx.cfg.overfitting
    at_best = float(values_at(train, turn.x_best, ctx)[0])
    at_end = float(np.median(values_at(train, turn.x[-turn.n_end :], ctx)))
    quoted_best, quoted_end, how = train_text(ctx, train, turn.x_best, turn.x_last)
    noisy = ""
    if not how and (fmt(quoted_best), fmt(quoted_end)) != (fmt(at_best), fmt(at_end)):
        agree = (
            (quoted_best - quoted_end) / max(abs(quoted_best), 1e-12) >= cfg.min_train_gain
            if turn.is_loss
            else quoted_end - quoted_best >= 0.01
        )
        if not agree:
            noisy = (
                f" (running median of 3 at {ctx.at(turn.x_best, train)}, median of the last "
                f"{turn.n_end}; the curve is noisy: logged {fmt(quoted_best)} and "
                f"{fmt(quoted_end)} there)"
            )
            quoted_best, quoted_end = at_best, at_end
    return at_best, at_end, quoted_best, quoted_end, how, noisy


def _training_side(
    ctx: Context, train: View, val: View, turn: _Turn, evidence: dict
) -> tuple[str, str, bool] | None:
    """What the training curve did after the best evaluation, in words: (training text,
    gap text, training stayed flat), or None when it did not improve (no overfitting).
    Adds the training values and the gap to ``evidence``."""
    cfg = ctx.cfg.overfitting
    at_best, at_end, quoted_best, quoted_end, how, noisy = _train_values(ctx, train, turn)
    flat_train = False
    if turn.is_loss:
        gain = (at_best - at_end) / max(abs(at_best), 1e-12)
        quoted_gain = (quoted_best - quoted_end) / max(abs(quoted_best), 1e-12)
        if gain >= cfg.min_train_gain:
            words = (
                f" while {train.name}{how} kept falling {fmt(quoted_best)} -> "
                f"{fmt(quoted_end)} ({pct(-quoted_gain)}){noisy}"
            )
        elif turn.rise >= cfg.critical_rise and gain >= -cfg.flat_train_tol:
            # "about where it was" is a statement about the smoothed curve
            quoted_best, quoted_end = at_best, at_end
            words = (
                f" while {train.name}{how} stayed about where it was ({fmt(at_best)} -> "
                f"{fmt(at_end)}{', smoothed' if not how else ''}): the generalisation "
                "gap opened without the training loss improving"
            )
            flat_train = True
        else:
            return None
    else:
        gain = at_end - at_best
        if gain < 0.01 and at_end < ctx.cfg.chance.perfect:
            return None
        if quoted_end > quoted_best and fmt(quoted_end) != fmt(quoted_best):
            words = (
                f" while {train.name}{how} kept rising {fmt(quoted_best)} -> "
                f"{fmt(quoted_end)}{noisy}"
            )
        else:  # a training score already at the top (1.0) stays there
            words = (
                f" while {train.name}{how} stayed at {fmt(quoted_end)} ({fmt(quoted_best)} at "
                f"the best {ctx.unit_of(val)}){noisy}"
            )
    evidence.update(
        {
            "train": train.name,
            "train_at_best": quoted_best,
            "train_end": quoted_end,
            "train_gain": round(float(gain), 4),
        }
    )
    gap_words = ""
    if naming.partner(val.name, ctx.views) == train.name:  # same metric: the gap means something
        gap_at_best = (turn.best - quoted_best) if turn.is_loss else (quoted_best - turn.best)
        gap_end = (turn.last - quoted_end) if turn.is_loss else (quoted_end - turn.last)
        evidence.update({"gap_at_best": gap_at_best, "gap_end": gap_end})
        if gap_end > gap_at_best:
            gap_words = f"; the gap widened {fmt(gap_at_best)} -> {fmt(gap_end)}"
    return words, gap_words, flat_train


def _turn_text(ctx: Context, val: View, turn: _Turn) -> str:
    """Where ``val`` was best, how it ended (logged, and the median that decided), its worst."""
    if turn.is_loss:
        ended = f"{pct(turn.rise_last)} higher at {fmt(turn.last)}"
        robust = f"median of the last {turn.n_end}: {fmt(turn.end_median)}, {pct(turn.rise)}"
    else:
        ended = f"{fmt(turn.rise_last)} lower at {fmt(turn.last)}"
        robust = f"median of the last {turn.n_end}: {fmt(turn.end_median)}, {fmt(turn.rise)} lower"
    robust = f"; {robust}" if turn.n_end > 1 and fmt(turn.end_median) != fmt(turn.last) else ""
    blocks = f" (block means of {val.block} values)" if val.block > 1 else ""
    worst, x_worst = float(turn.y[turn.worst_i]), float(turn.x[turn.worst_i])
    return (
        f"{val.name}{blocks} was best at {ctx.at_keras(turn.x_best, val)} ({fmt(turn.best)}) "
        f"and ended {ended} ({ctx.at(turn.x_last, val)}{robust}; worst {fmt(worst)} at "
        f"{ctx.at(x_worst, val)})"
    )


def _val_score_text(ctx: Context, val: View, turn: _Turn, evidence: dict) -> str:
    """What the validation accuracy did while the validation loss rose ("" when none)."""
    score = score_companion(ctx, val) if turn.is_loss else None
    if score is None:
        return ""
    x_end_start = turn.x[-turn.n_end]
    at_best = float(values_at(score, turn.x_best, ctx)[0])
    later = score.x >= x_end_start
    at_end = float(np.median(score.y[later])) if np.any(later) else at_best
    quoted_best, quoted_end = score.value_at(turn.x_best)[0], score.value_at(turn.x_last)[0]
    evidence["val_score"] = {
        "name": score.name,
        "at_best": quoted_best,
        "end": quoted_end,
        "at_best_smoothed": at_best,
        "end_median": at_end,
    }
    if at_end > at_best + 0.005 and quoted_end > quoted_best:
        return (
            f" {score.name} still crept up {fmt(quoted_best)} -> {fmt(quoted_end)}: the model "
            "grows over-confident on the samples it gets wrong (loss rises, accuracy does "
            "not fall)."
        )
    if at_end < at_best - 0.005 and quoted_end < quoted_best:
        return f" {score.name} fell too, {fmt(quoted_best)} -> {fmt(quoted_end)}."
    return ""


def _severity(ctx: Context, turn: _Turn, confirmed: bool) -> str:
    """By how much the validation side got worse; never critical unless a training curve
    confirms that training still improved (``confirmed``)."""
    cfg = ctx.cfg.overfitting
    if turn.is_loss:
        severity = (
            "critical"
            if turn.rise >= cfg.critical_rise
            else "warning"
            if turn.rise >= cfg.warning_rise
            else "info"
        )
    else:
        severity = "critical" if turn.rise >= 0.1 else "warning"
    return "warning" if severity == "critical" and not confirmed else severity


def _judge_overfit(
    ctx: Context, train: View | None, val: View, other_axis: View | None = None
) -> Finding | None:
    """Overfitting of ``val`` against ``train`` (None: no training curve to compare with;
    ``other_axis``: the run's training loss, logged on another x kind)."""
    cfg = ctx.cfg.overfitting
    turn = _find_turn(ctx, val)
    if turn is None:
        return None
    evidence = _turn_evidence(ctx, val, turn)
    train_words = gap_words = ""
    flat_train = False
    if train is not None:
        side = _training_side(ctx, train, val, turn, evidence)
        if side is None:
            return None
        train_words, gap_words, flat_train = side
    msg = _turn_text(ctx, val, turn) + f"{train_words}{gap_words}."
    msg += _val_score_text(ctx, val, turn, evidence)
    if turn.x_stop is not None:
        msg += (
            f" EarlyStopping(monitor='{ctx.monitor(val.name)}', patience={cfg.patience}, "
            f"restore_best_weights=True) would have stopped at {ctx.at(turn.x_stop, val)} and "
            f"kept {ctx.at(turn.x_best, val)}."
        )
    causes = [*_CAUSES, "trained too long without early stopping"]
    chance = ctx.extra.get("val_at_chance")
    if chance and train is not None:
        causes.insert(
            0,
            f"validation accuracy stays at chance ({chance}): the labels may "
            "carry no signal the model can learn, so it memorises noise",
        )
        msg += f" Validation accuracy never left chance ({chance})."
    if train is None and other_axis is not None:
        msg += (
            f" {other_axis.name} is logged per {other_axis.kind} and {val.name} per "
            f"{val.kind}, so the two are not compared point by point; a validation loss "
            "rising after its best usually means overfitting."
        )
        evidence["unpaired_train"] = {"name": other_axis.name, "kind": other_axis.kind}
    elif train is None:
        msg += (
            " This log has no training curve to confirm that training still improved; a "
            "validation loss rising after its best usually means overfitting."
        )
    severity = _severity(ctx, turn, confirmed=train is not None and not flat_train)
    rise_weight = turn.rise if turn.is_loss else 3 * turn.rise
    confidence = min(1.0, 0.55 + rise_weight + (0.1 if gap_words else 0.0)) * (
        1.0 if train is not None else 0.6
    )
    return ctx.finding(
        "overfitting",
        severity,
        val.name,
        turn.x_best,
        turn.x_last,
        msg,
        evidence,
        causes,
        _REMEDIES,
        confidence,
    )


def _judge_gap(ctx: Context, train: View, val: View) -> Finding | None:
    """AutoTrainer's generalisation-gap rule on an accuracy pair, with a widening gap.

    Training minus validation accuracy at the end (medians of the last ``end_points``)
    of at least ``gap_high`` (training accuracy above 0.9) or ``gap_low``, widened by
    ``gap_widen`` since the best validation accuracy, ``patience`` evaluations ago or more.
    """
    cfg = ctx.cfg.overfitting
    # after a fresh restart, the best of the earlier attempt is not "best"
    restart = ctx.fresh_start(val)
    if val.k - restart < ctx.cfg.min_points or train.k < ctx.cfg.min_points:
        return None
    best_i = restart + keras_improvements(val.ya[restart:], 0.0, "max")[-1]
    best = float(val.ya[best_i])
    x_best = float(val.xa[best_i])
    n_end = min(cfg.end_points, val.k)
    val_end = float(np.median(val.ya[-n_end:]))
    train_end = float(np.median(values_at(train, val.xa[-n_end:], ctx)))
    train_at_best = float(values_at(train, x_best, ctx)[0])
    gap_end = train_end - val_end
    gap_at_best = train_at_best - best
    need = cfg.gap_high if train_end > 0.9 else cfg.gap_low
    if gap_end < need or gap_end < gap_at_best + cfg.gap_widen or val.k - 1 - best_i < cfg.patience:
        return None
    x_last = float(val.x[-1])
    val_last = float(val.y[-1])
    _, train_last, how = train_text(ctx, train, x_best, x_last)
    drop = best - val_end
    robust = (
        f"; medians of the last {n_end}: {fmt(train_end)} and {fmt(val_end)}, a gap of "
        f"{fmt(gap_end)}"
        if n_end > 1 and (fmt(train_end) != fmt(train_last) or fmt(val_end) != fmt(val_last))
        else ""
    )
    msg = (
        f"{train.name}{how} ends at {fmt(train_last)} but {val.name} at {fmt(val_last)} "
        f"({ctx.at(x_last, val)}): a gap of {fmt(train_last - val_last)} "
        f"(AutoTrainer flags {need:g} or more{robust}), widening from {fmt(gap_at_best)} at "
        f"the best {val.name} {fmt(best)} ({ctx.at_keras(x_best, val)})"
        + (f", after which {val.name} fell by {fmt(drop)}" if drop > 0.005 else "")
        + ". The model fits the training data far better than data it has not seen."
    )
    severity = "critical" if (gap_end >= 0.3 and drop >= 0.1) else "warning"
    evidence = {
        "rule": "gap",
        "train": train.name,
        "monitor": val.name,
        "train_end": train_last,
        "val_end": val_last,
        "train_end_median": train_end,
        "val_end_median": val_end,
        "end_x": x_last,
        "gap_end": gap_end,
        "gap_at_best": gap_at_best,
        "best": best,
        "best_x": x_best,
        "drop": drop,
    }
    causes = [
        *_CAUSES,
        "training and validation data differ (distribution shift, leakage in training)",
    ]
    return ctx.finding(
        "overfitting",
        severity,
        val.name,
        x_best,
        x_last,
        msg,
        evidence,
        causes,
        _REMEDIES,
        min(1.0, 0.5 + gap_end),
    )


def detect_overfitting(ctx: Context) -> list[Finding]:
    """Overfitting on every validation loss (paired or alone), then on score pairs.

    Score pairs (accuracy) are judged when no loss-based finding was made: a
    validation score that fell from its best while the training score rose, or
    AutoTrainer's widening generalisation gap. A validation series identical to
    one already judged (``val_mse`` duplicating ``val_loss``) is skipped
    (:attr:`Context.duplicates`), and so is one an earlier finding explains
    (:meth:`Context.is_superseded`).

    Parameters
    ----------
    ctx : Context
        The run being diagnosed.

    Returns
    -------
    list of Finding
        Kind ``overfitting``, one per validation series that overfits.
    """
    out: list[Finding] = []
    loss_pairs = [(t, v) for t, v in ctx.pairs() if v.family == "loss" and t.family == "loss"]
    paired = {v.name for _, v in loss_pairs}
    cands: list[tuple[View | None, View]] = list(loss_pairs)
    # an evaluation loss without a same-named training partner (eval_wer, eval_g0_loss)
    # is compared with the run's training loss: it is the same model being trained
    cands += [
        (ctx.main_train_loss(target=v), v) for v in ctx.of("loss", "val") if v.name not in paired
    ]
    for train, val in cands:
        if ctx.is_superseded("overfitting", val.name) or val.m == 0:
            continue
        if train is not None and train.m < 2:
            train = None  # a training curve with no finite values cannot be compared
        other = ctx.main_train_loss() if train is None else None
        f = _judge_overfit(ctx, train, val, other if other is not None and other.m >= 2 else None)
        if f is not None:
            out.append(f)
    if out:
        return out
    for train, val in ctx.pairs():
        if not (val.bounded and train.bounded) or ctx.is_superseded("overfitting", val.name):
            continue
        if val.m == 0 or train.m < 2:
            continue
        f = _judge_overfit(ctx, train, val)
        if f is None and naming.is_accuracy(val.name):
            f = _judge_gap(ctx, train, val)
        if f is not None:
            out.append(f)
    return out
