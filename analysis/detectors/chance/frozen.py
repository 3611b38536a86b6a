"""Rules A and A': an accuracy frozen from its first evaluations, at the majority-class
rate or below chance (see :mod:`analysis.detectors.chance`)."""

from __future__ import annotations

import numpy as np

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


def loss_note(loss: View | None) -> tuple[str, dict]:
    """What the loss of the same side did: first and last logged values (the decision "flat"
    uses the medians of the first and last 3, so one noisy epoch does not decide)."""
    if loss is None or loss.k == 0:
        return "", {}
    first = float(np.median(loss.ya[:3]))
    last = float(np.median(loss.ya[-3:]))
    first_logged, last_logged = float(loss.y[0]), float(loss.y[-1])
    evidence = {
        "loss": loss.name,
        "loss_start": first_logged,
        "loss_end": last_logged,
        "loss_start_median": first,
        "loss_end_median": last,
    }
    if abs(last - first) > 0.02 * max(abs(first), 1e-12):
        return f"{loss.name} moved {fmt(first_logged)} -> {fmt(last_logged)}", evidence
    if fmt(first_logged) == fmt(last_logged):
        return f"{loss.name} stays flat at {fmt(last_logged)}", evidence
    if abs(last_logged - first_logged) <= 0.02 * max(abs(first_logged), 1e-12):
        return f"{loss.name} stays flat ({fmt(first_logged)} -> {fmt(last_logged)})", evidence
    return (
        f"{loss.name} stays flat (medians of the first and last 3: {fmt(first)} -> "
        f"{fmt(last)}; logged {fmt(first_logged)} -> {fmt(last_logged)})"
    ), evidence


def frozen(ctx: Context, v: View) -> Hit | None:
    """Rule A (or A' when the frozen value is below chance) on accuracy ``v``, or None."""
    cfg = ctx.cfg.chance
    y = v.ya
    n = len(y)
    start = frozen_from(y, cfg.frozen_tol)
    n_frozen = n - start
    if start > cfg.max_start or n_frozen < cfg.frozen_fraction * n or n_frozen < cfg.min_points:
        return None
    value = float(np.median(y[start:]))
    if value >= cfg.perfect:
        return None
    below = below_chance(ctx, value)
    train = ctx.partner(v) if v.role != "train" else None
    train_max = None
    if train is not None and train.bounded and train.k:
        later = train.xa >= v.xa[start]
        train_during = train.ya[later] if np.any(later) else train.ya
        train_max = float(np.max(train.y))
        if float(np.median(train_during)) > value + cfg.train_margin and not below:
            return None
    loss = side_loss(ctx, v)
    note, loss_evidence = loss_note(loss)
    if below:
        return _frozen_below(ctx, v, start, value, train, train_max, loss, note, loss_evidence)
    where = ctx.span(float(v.xa[start]), float(v.xa[-1]), v)
    evidence = {
        "rule": "frozen",
        "value": value,
        "range": float(np.ptp(y[start:])),
        "from_x": float(v.xa[start]),
        "frozen_points": int(n_frozen),
        "points": int(n),
        **loss_evidence,
    }
    text = (
        f"{v.name} is frozen at {fmt(value)} (range {fmt(float(np.ptp(y[start:])))}) for "
        f"{n_frozen} of {n} evaluations ({where})"
        + (f" while {note}" if note else "")
        + f": the decisions never change, so the model gives every sample the same class and "
        f"{fmt(value)} is that class's share of the data (the majority-class rate)"
    )
    majority_rate = cfg.majority_rate
    if majority_rate is not None:
        evidence["majority_rate"] = majority_rate
        text += f"; the dataset's majority-class rate is {fmt(majority_rate)}"
    classes = guess_classes(ctx, value, None)
    if classes:
        text += f"; it is also the chance level 1/{classes[0]}"
        evidence["n_classes"] = classes[0]
    short = f"{v.name} frozen at {fmt(value)} over {where}" + (f" while {note}" if note else "")
    return Hit(v, text, short, evidence, float(v.xa[start]), "frozen", loss)


def _frozen_below(
    ctx: Context,
    v: View,
    start: int,
    value: float,
    train: View | None,
    train_max: float | None,
    loss: View | None,
    note: str,
    loss_evidence: dict,
) -> Hit:
    """Rule A': an accuracy frozen *below* chance. No classifier scores below chance by
    being bad at the task; it does when the labels it is scored against are not the
    classes it predicts."""
    n = v.k
    n_frozen = n - start
    where = ctx.span(float(v.xa[start]), float(v.xa[-1]), v)
    n_classes = ctx.cfg.chance.n_classes
    if value == 0.0:
        how_low = "; it is exactly 0.0"
    elif n_classes:
        how_low = f"; it is {fmt(value)}, below chance 1/{n_classes} = {fmt(1 / n_classes)}"
    else:
        how_low = f"; it is {fmt(value)}, below 1/K for any class count"
    text = (
        f"{v.name} is frozen in {n_frozen} of {n} evaluations ({where})"
        + (
            f" while {train.name} reaches {fmt(train_max)}"
            if train is not None and train_max is not None
            else ""
        )
        + (f" and {note}" if note else "")
        + how_low
        + ": the validation labels may not match the classes the model predicts "
        "(label encoding / class order)"
    )
    evidence = {
        "rule": "below_chance",
        "value": value,
        "range": float(np.ptp(v.ya[start:])),
        "from_x": float(v.xa[start]),
        "frozen_points": int(n_frozen),
        "points": int(n),
        **loss_evidence,
    }
    if n_classes:
        evidence["n_classes"] = int(n_classes)
    if train is not None and train_max is not None:
        evidence.update({"train": train.name, "train_max": train_max})
    short = f"{v.name} frozen at {fmt(value)} (below chance) over {where}"
    return Hit(v, text, short, evidence, float(v.xa[start]), "below_chance", loss)
