"""Rule B: an accuracy at chance 1/K for the whole run while the loss sits at ln K
(see :mod:`analysis.detectors.chance`)."""

from __future__ import annotations

import math

import numpy as np

from analysis.detectors.chance.levels import (
    Hit,
    chance_tolerance,
    classes_consistent,
    guess_classes,
    side_loss,
)
from analysis.detectors.context import Context
from analysis.detectors.stats import med3
from analysis.detectors.views import View
from analysis.detectors.wording import fmt


def _loss_text(
    ctx: Context, loss: View, loss_median: float, n_classes: int, ln_text: str, evidence: dict
) -> str | None:
    """What the loss of the same side says: at ln K (a uniform guess), or flat at or above
    it (nothing learned yet); None when it says neither (the accuracy is not at chance)."""
    cfg = ctx.cfg.chance
    ln_k = math.log(n_classes)
    first = float(np.median(loss.ya[:3]))
    last = float(np.median(loss.ya[-3:]))
    flat = abs(last - first) <= 0.1 * max(abs(first), 1e-12)
    at_ln_k = abs(loss_median / ln_k - 1) <= cfg.loss_tol
    near = (1 - cfg.loss_tol) <= loss_median / ln_k <= 1.5
    if not (at_ln_k or (flat and near)):
        return None
    evidence.update(
        {"loss": loss.name, "loss_median": loss_median, "loss_start": first, "loss_end": last}
    )
    if at_ln_k:
        return (
            f"; {loss.name} (median over the run) {fmt(loss_median)} ≈ ln {n_classes} = "
            f"{fmt(ln_k)}, the loss of predicting 1/{n_classes} for every class: the model "
            "outputs the same probabilities for every sample"
        )
    first_logged, last_logged = fmt(float(loss.y[0])), fmt(float(loss.y[-1]))
    medians = (
        ""
        if (fmt(first), fmt(last)) == (first_logged, last_logged)
        else f", medians of the first and last 3: {fmt(first)} -> {fmt(last)}"
    )
    return (
        f"; {loss.name} stays flat ({first_logged} -> {last_logged}{medians}), at or above "
        f"{ln_text} (a uniform guess): nothing has been learned yet"
    )


def at_chance(ctx: Context, v: View) -> Hit | None:
    """Rule B on accuracy ``v``, or None.

    A validation accuracy at chance while the training accuracy rose well above it is
    not stuck (the model memorises); ``ctx.extra["val_at_chance"]`` then tells the
    overfitting detector, which runs later, that validation never left chance.
    """
    cfg = ctx.cfg.chance
    smoothed = med3(v.ya)
    accuracy = float(np.median(v.ya))
    loss = side_loss(ctx, v)
    loss_median = float(np.median(loss.ya)) if loss is not None and loss.k else None
    classes = guess_classes(ctx, accuracy, loss_median)
    if classes is None:
        return None
    n_classes, how = classes
    chance = 1.0 / n_classes
    tol = chance_tolerance(ctx, n_classes)
    if float(np.max(smoothed)) > chance + 2 * tol or float(np.min(smoothed)) < chance - 2 * tol:
        return None
    ln_k = math.log(n_classes)
    if v.role != "train":
        train = ctx.partner(v)
        if train is not None and train.bounded and train.k >= 3:
            if float(np.max(med3(train.ya))) >= chance + max(cfg.learned_margin, 2 * tol):
                ctx.extra["val_at_chance"] = f"{fmt(accuracy)} ≈ 1/{n_classes}"
                return None
    k_lo, k_hi = classes_consistent(ctx, *np.percentile(v.ya, [10, 90]))
    k_lo, k_hi = min(k_lo, n_classes), max(k_hi, n_classes)
    evidence = {
        "rule": "chance",
        "accuracy_median": accuracy,
        "accuracy_range": [float(np.min(v.ya)), float(np.max(v.ya))],
        "chance": chance,
        "n_classes": n_classes,
        "n_classes_from": how,
        "ln_k": ln_k,
        "n_classes_range": [k_lo, k_hi],
    }
    one_k = k_lo == k_hi or how == "given"
    k_text = (
        f"1/{n_classes}"
        if one_k
        else f"1/K for K ≈ {k_lo}-{k_hi} classes (1/{n_classes} = {fmt(chance)} the closest; "
        "pass --data or [chance] n_classes to pin it)"
    )
    ln_text = (
        f"ln {n_classes} = {fmt(ln_k)}"
        if one_k
        else f"ln K = {fmt(math.log(k_lo))}-{fmt(math.log(k_hi))}"
    )
    loss_text = ""
    if loss is not None and loss_median is not None:
        loss_text = _loss_text(ctx, loss, loss_median, n_classes, ln_text, evidence)
        if loss_text is None:
            return None
    text = (
        f"{v.name} stays at chance for the whole run: median {fmt(accuracy)}, range "
        f"{fmt(float(np.min(v.ya)))}-{fmt(float(np.max(v.ya)))} ≈ "
        + (f"1/{n_classes} = {fmt(chance)}" if k_text == f"1/{n_classes}" else k_text)
        + (" (class count given)" if how == "given" else "")
        + loss_text
    )
    short = (
        f"{v.name} at chance (median {fmt(accuracy)} ≈ "
        f"{'1/' + str(n_classes) if one_k else '1/K'})"
        + (
            f", {loss.name} median {fmt(loss_median)} vs {ln_text}"
            if loss is not None and loss_median is not None
            else ""
        )
    )
    return Hit(v, text, short, evidence, float(v.xa[0]), "chance", loss)
