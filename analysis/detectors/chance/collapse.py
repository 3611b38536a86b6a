"""Rule D: an accuracy (or, with the class count given, a loss) that collapsed partway
through a run to a level that means "the same output for every sample" (see
:mod:`analysis.detectors.chance`)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from analysis import naming
from analysis.detectors.chance.levels import (
    Hit,
    below_chance,
    frozen_from,
    guess_classes,
    side_loss,
)
from analysis.detectors.context import Context
from analysis.detectors.views import View
from analysis.detectors.wording import fmt


def _frozen_stretch(ctx: Context, y: np.ndarray, tol: float) -> tuple[int, int] | None:
    """The frozen stretch rule D judges, as (start, end) indices (end exclusive), or None.

    The frozen tail (:func:`~analysis.detectors.chance.levels.frozen_from`) when it has
    at least ``min_points`` points; else the longest run of points whose range is at
    most ``tol`` that covers at least ``collapse_share`` of the series (a collapse the
    model climbed out of again).
    """
    cfg = ctx.cfg.chance
    n = len(y)
    start = frozen_from(y, tol)
    if n - start >= cfg.min_points:
        return start, n
    if n < 3:
        return None
    breaks = np.flatnonzero(np.abs(np.diff(y)) > tol) + 1
    starts = np.concatenate([[0], breaks])
    ends = np.concatenate([breaks, [n]])
    longest = int(np.argmax(ends - starts))
    a, b = int(starts[longest]), int(ends[longest])
    if b - a < max(cfg.min_points, cfg.collapse_share * n) or np.ptp(y[a:b]) > tol:
        return None
    return a, b


@dataclass(frozen=True)
class _Freeze:
    """A frozen stretch of accuracy analysis points ``[start, end)`` at ``value``."""

    start: int
    end: int
    value: float
    x0: float
    x1: float


def _freeze_partway(ctx: Context, v: View) -> _Freeze | None:
    """The stretch where ``v`` froze after ``max_start``, below a perfect score, at or
    above chance, and not because the weights went NaN; else None."""
    cfg = ctx.cfg.chance
    y, x = v.ya, v.xa
    stretch = _frozen_stretch(ctx, y, cfg.frozen_tol)
    if stretch is None:
        return None
    start, end = stretch
    if start <= cfg.max_start:
        return None
    value = float(np.median(y[start:end]))
    if value >= cfg.perfect or below_chance(ctx, value):
        return None
    dead = ctx.dead_from(v.kind)
    if dead is not None and dead <= float(x[min(start + 1, len(y) - 1)]):
        return None  # NaN weights: the non_finite finding says the accuracy collapsed
    return _Freeze(start, end, value, float(x[start]), float(x[end - 1]))


@dataclass(frozen=True)
class _Training:
    """The training accuracy over a frozen stretch (``median`` None: not read there)."""

    view: View | None
    median: float | None = None
    frozen: bool = False


def _training_during(ctx: Context, v: View, freeze: _Freeze) -> _Training | None:
    """The training accuracy over the stretch, or None when it rules a collapse out (clearly
    above the frozen value, or perfect)."""
    cfg = ctx.cfg.chance
    train = ctx.partner(v) if v.role != "train" else None
    if train is None or not train.bounded or not train.k:
        return _Training(train)
    during = (train.xa >= freeze.x0) & (train.xa <= freeze.x1)
    if np.count_nonzero(during) < 2:
        return _Training(train)
    values = train.ya[during]
    median = float(np.median(values))
    if median > freeze.value + cfg.train_margin:
        return None  # training still fits: a validation problem, not a collapse
    if median >= cfg.perfect:
        return None  # fits every training sample: not one output for everything
    return _Training(train, median, bool(np.ptp(values) <= cfg.frozen_tol))


def _loss_median_during(loss: View | None, freeze: _Freeze) -> float | None:
    if loss is None or not loss.k:
        return None
    during = (loss.xa >= freeze.x0) & (loss.xa <= freeze.x1)
    return float(np.median(loss.ya[during])) if np.count_nonzero(during) else None


def _level(
    ctx: Context,
    value: float,
    loss: View | None,
    loss_median: float | None,
    train_frozen: bool,
) -> tuple[str, str, int | None, bool] | None:
    """The level a frozen value means: (level, how it is known, K, loss at ln K), or None.

    Chance 1/K (K given, or inferred with the loss at ln K over the stretch or no loss
    logged), the known majority-class rate, or the training accuracy frozen too (one
    class for every sample).
    """
    cfg = ctx.cfg.chance
    majority_rate = cfg.majority_rate
    classes = guess_classes(ctx, value, loss_median)
    n_classes = None
    loss_at_ln_k = False
    if classes is not None:
        n_classes = classes[0]
        loss_at_ln_k = (
            loss_median is not None and abs(loss_median / math.log(n_classes) - 1) <= cfg.loss_tol
        )
        if classes[1] == "given" or loss_at_ln_k or (loss is None and loss_median is None):
            return "chance", classes[1], n_classes, loss_at_ln_k
    if majority_rate is not None and abs(value - majority_rate) <= cfg.acc_tol:
        return "majority_rate", "given", n_classes, loss_at_ln_k
    if train_frozen and majority_rate is None:
        return "majority_rate", "train_frozen", n_classes, loss_at_ln_k
    return None


def collapse(ctx: Context, v: View) -> Hit | None:
    """Rule D on accuracy ``v``: it froze at chance or at one class's share partway through.

    None when the freeze starts within ``max_start`` (rule A's), is not at a level that
    says "one class for everything", is explained by NaN weights (the ``non_finite``
    finding reports that collapse), or the training accuracy of the same stretch is
    clearly above it.
    """
    freeze = _freeze_partway(ctx, v)
    if freeze is None:
        return None
    training = _training_during(ctx, v, freeze)
    if training is None:
        return None
    loss = side_loss(ctx, v)
    loss_median = _loss_median_during(loss, freeze)
    level = _level(ctx, freeze.value, loss, loss_median, training.frozen)
    if level is None:
        return None
    return _collapse_hit(ctx, v, freeze, level, training, loss, loss_median)


def _collapse_hit(
    ctx: Context,
    v: View,
    freeze: _Freeze,
    level_found: tuple[str, str, int | None, bool],
    training: _Training,
    loss: View | None,
    loss_median: float | None,
) -> Hit:
    """Rule D's words and evidence: where it froze, what it reached before, at which level."""
    cfg = ctx.cfg.chance
    level, how, n_classes, loss_at_ln_k = level_found
    y, x = v.ya, v.xa
    n = len(y)
    start, end, value = freeze.start, freeze.end, freeze.value
    before = y[:start]
    top_i = int(np.argmax(before))
    top, x_top = float(before[top_i]), float(x[top_i])
    fell = top - value >= cfg.collapse_drop
    to_end = end == n
    unit = ctx.unit_of(v)
    where = (
        f"from {ctx.at(freeze.x0, v)} on" if to_end else f"over {ctx.span(freeze.x0, freeze.x1, v)}"
    )
    what = "collapsed to" if fell else "froze at"
    level_text = "chance" if level == "chance" else "one class's share (the majority-class rate)"
    text = (
        f"{v.name} {what} {level_text} {where}"
        + (f", after reaching {fmt(top)} at {ctx.at(x_top, v)}" if fell else "")
        + f": it is {fmt(value)} (range {fmt(float(np.ptp(y[start:end])))}) in {end - start} "
        f"of {n} evaluations ({ctx.span(freeze.x0, freeze.x1, v)})"
    )
    if level == "chance":
        text += f", 1/{n_classes} = {fmt(1 / n_classes)}" + (
            " (class count given)" if how == "given" else f" (chance for {n_classes} classes)"
        )
    elif how == "given":
        text += f", the dataset's majority-class rate {fmt(cfg.majority_rate)}"
    else:
        text += f"; {training.view.name} froze too (at {fmt(training.median)})"
    if loss is not None and loss_median is not None:
        if n_classes is not None and loss_at_ln_k:
            text += (
                f"; {loss.name} stays at {fmt(loss_median)} (median over the same {unit}s) "
                f"≈ ln {n_classes} = {fmt(math.log(n_classes))}, the loss of a uniform guess"
            )
        else:
            text += f"; {loss.name} median over the same {unit}s {fmt(loss_median)}"
    if training.median is not None and not (level == "majority_rate" and how == "train_frozen"):
        text += (
            f"; {training.view.name} stays near it (median {fmt(training.median)} over the "
            f"same {unit}s)"
        )
    if fell:
        text += ": the model collapsed and now gives every sample the same prediction"
    else:
        text += ": the model gives every sample the same prediction"
    if not to_end:
        text += f"; it moved again afterwards (ended at {fmt(float(v.y[-1]))})"
    evidence = {
        "rule": "collapse",
        "value": value,
        "range": float(np.ptp(y[start:end])),
        "from_x": freeze.x0,
        "to_x": freeze.x1,
        "to_the_end": bool(to_end),
        "frozen_points": int(end - start),
        "points": int(n),
        "before_max": top,
        "before_max_x": x_top,
        "collapsed": bool(fell),
        "level": level,
        "level_from": how,
        **_collapse_details(ctx, level_found, training, loss, loss_median),
    }
    short = f"{v.name} {what} {fmt(value)} {where}"
    return Hit(v, text, short, evidence, freeze.x0, "collapse", loss, end=freeze.x1, level=level)


def _collapse_details(
    ctx: Context,
    level_found: tuple[str, str, int | None, bool],
    training: _Training,
    loss: View | None,
    loss_median: float | None,
) -> dict:
    """Rule D's evidence beyond the stretch: the class count, majority rate, loss, training."""
    level, _, n_classes, loss_at_ln_k = level_found
    details: dict = {}
    if n_classes is not None and level == "chance":
        details.update(
            {"n_classes": int(n_classes), "chance": 1 / n_classes, "ln_k": math.log(n_classes)}
        )
    if ctx.cfg.chance.majority_rate is not None:
        details["majority_rate"] = ctx.cfg.chance.majority_rate
    if loss is not None and loss_median is not None:
        details.update(
            {"loss": loss.name, "loss_median": loss_median, "loss_at_ln_k": bool(loss_at_ln_k)}
        )
    if training.median is not None:
        details.update(
            {
                "train": training.view.name,
                "train_median": training.median,
                "train_frozen": training.frozen,
            }
        )
    return details


def loss_at_ln_k(ctx: Context) -> list[Hit]:
    """Rule D for a side that logs no accuracy: its loss flat at ln K to the end, K known.

    With the class count given (``--data``), a cross-entropy that settles at ln K (within
    ``loss_tol``) and stays flat (range at most ``loss_flat`` of its level) to the end is
    a uniform guess for every sample, from wherever that starts. Without a known K a loss
    level alone says nothing (every value above ~2 is within 5 % of some ln K), so the
    rule needs it.
    """
    cfg = ctx.cfg.chance
    if not cfg.n_classes:
        return []
    n_classes = int(cfg.n_classes)
    ln_k = math.log(n_classes)
    roles_with_accuracy = {
        v.role for v in ctx.views.values() if naming.is_accuracy(v.name) and v.bounded and v.m
    }
    hits = []
    for loss in ctx.of("loss"):
        if (
            loss.role in roles_with_accuracy
            or loss.k < cfg.min_points
            or loss.name.lower().endswith("_step")
        ):
            continue
        if loss is not side_loss(ctx, loss):
            continue  # auxiliary loss terms of a multi-loss model
        hit = _loss_hit(ctx, loss, n_classes, ln_k)
        if hit is not None:
            hits.append(hit)
    return hits


def _loss_hit(ctx: Context, loss: View, n_classes: int, ln_k: float) -> Hit | None:
    """:func:`loss_at_ln_k` on one loss."""
    cfg = ctx.cfg.chance
    y, x = loss.ya, loss.xa
    start = frozen_from(y, cfg.loss_flat * ln_k)
    if len(y) - start < cfg.min_points:
        return None
    median = float(np.median(y[start:]))
    if abs(median / ln_k - 1) > cfg.loss_tol:
        return None
    x0, x1 = float(x[start]), float(x[-1])
    before = y[:start]
    low = float(np.min(before)) if len(before) else None
    fell = low is not None and low <= ln_k * (1 - 2 * cfg.loss_tol)
    partway = start > cfg.max_start
    if not partway:
        head = f"{loss.name} stays at ln {n_classes} for the whole run"
    elif fell:
        low_i = int(np.argmin(before))
        head = (
            f"{loss.name} rose back to ln {n_classes} from {ctx.at(x0, loss)} on, after "
            f"reaching {fmt(low)} at {ctx.at(float(x[low_i]), loss)}"
        )
    else:
        head = f"{loss.name} settled at ln {n_classes} from {ctx.at(x0, loss)} on"
    text = (
        f"{head}: median {fmt(median)} (range {fmt(float(np.ptp(y[start:])))}) over "
        f"{ctx.span(x0, x1, loss)} ≈ ln {n_classes} = {fmt(ln_k)} (class count given), the "
        f"cross-entropy of predicting 1/{n_classes} for every class: the model outputs the "
        "same probabilities for every sample" + (" — it collapsed" if fell and partway else "")
    )
    evidence = {
        "rule": "collapse" if partway else "chance",
        "loss": loss.name,
        "loss_median": median,
        "from_x": x0,
        "to_x": x1,
        "to_the_end": True,
        "n_classes": n_classes,
        "ln_k": ln_k,
        "collapsed": bool(fell and partway),
        "level": "chance",
        "level_from": "given",
        "loss_at_ln_k": True,
    }
    if low is not None:
        evidence["before_min"] = low
    short = f"{loss.name} at ln {n_classes} over {ctx.span(x0, x1, loss)}"
    return Hit(loss, text, short, evidence, x0, evidence["rule"], loss, end=x1, level="chance")


def collapse_causes(ctx: Context, lead: Hit) -> list[str]:
    """Ranked causes of a collapse partway through a run (rule D), from what the curves show.

    A network that learned and then outputs one constant has been knocked out of its
    working regime by an update: the classic cause is a learning rate too high for the
    optimizer (SGD with momentum diverging), which also kills ReLU units (a unit whose
    input is negative for every sample outputs 0 and gets no gradient again; Lu et al.,
    "Dying ReLU and Initialization", 2019).
    """
    v = lead.view
    x0 = lead.start
    lr_text = ""
    lr = ctx.lr_for(v)
    if lr is not None and lr.m:
        lr_at = float(np.interp(x0, lr.x, lr.y))
        lr_text = f" (learning rate {fmt(lr_at)} at {ctx.at(x0, v)})"
    jump = ""
    loss = lead.loss
    if loss is not None and loss.k >= 3:
        before = loss.ya[loss.xa < x0]
        if len(before) >= 2 and float(np.min(before)) > 0:
            # a rise over the best so far (the first value of a run is where it starts)
            ratio = before[1:] / np.minimum.accumulate(before)[:-1]
            i = int(np.argmax(ratio)) + 1
            if ratio[i - 1] >= 1.2:
                best = float(np.min(before[:i]))
                jump = (
                    f"; {loss.name} jumped {fmt(best)} -> {fmt(float(before[i]))} at "
                    f"{ctx.at(float(loss.xa[i]), loss)} before the freeze"
                )
    causes = [
        "learning rate too high: the updates diverged and knocked the network into a state "
        f"where it outputs the same thing for every input{lr_text}{jump}",
        "dead ReLUs: after a too-large update every hidden unit's input is negative for all "
        "samples, so the units output 0, no gradient flows back and the output is a constant",
        "exploding gradients without clipping (momentum amplifies one bad step)",
    ]
    if lead.level == "majority_rate":
        causes.append(
            "class imbalance: predicting the majority class is a stable place for a "
            "struggling model to fall into"
        )
    return causes
