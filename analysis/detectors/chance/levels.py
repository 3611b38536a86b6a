"""What the chance rules share: the class count an accuracy implies, the loss of the same
side, frozen stretches, and the :class:`Hit` each rule returns."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from analysis import naming
from analysis.detectors.context import Context
from analysis.detectors.views import View


@dataclass(frozen=True)
class Hit:
    """One rule's evidence that a series is stuck.

    Attributes
    ----------
    view : View
        The accuracy (or, rule D without an accuracy, the loss) that is stuck.
    text : str
        The sentence that leads the finding's message when this hit leads.
    short : str
        The sentence added after "Also:" when another hit leads.
    evidence : dict
        The rule's numbers (``evidence["lead"]`` / ``evidence["also"]`` of the finding).
    start : float
        Where the stuck stretch starts (continuous step).
    rule : {"frozen", "below_chance", "chance", "one_class_f1", "collapse"}
    loss : View or None
        The loss of the same side, when one was read.
    end : float or None
        Where the stretch ends; None: the end of ``view``.
    level : {"majority_rate", "chance"} or None
        The level it is stuck at, when the rule decides it (rule D); otherwise the
        rule implies it (:attr:`analysis.kinds.Kind.levels_by_rule`).
    recovered : bool
        Rule C: a later evaluation beat the one-class score.
    """

    view: View
    text: str
    short: str
    evidence: dict
    start: float
    rule: str
    loss: View | None
    end: float | None = None
    level: str | None = None
    recovered: bool = False


def frozen_from(y: np.ndarray, tol: float) -> int:
    """Smallest i such that y[i:] spans at most ``tol`` (len(y)-1 at worst)."""
    sufmax = np.maximum.accumulate(y[::-1])[::-1]
    sufmin = np.minimum.accumulate(y[::-1])[::-1]
    return int(np.argmax((sufmax - sufmin) <= tol))


def side_loss(ctx: Context, acc: View) -> View | None:
    """The loss of the same side (``val_loss`` for ``val_accuracy``...)."""
    same = [v for v in ctx.of("loss", acc.role) if v.m]
    same = [v for v in same if v.kind == acc.kind] or same
    if not same:
        return None
    base = naming.base_name(acc.name).lower()
    for v in same:  # prefer a plain 'loss' over auxiliary losses
        if naming.base_name(v.name).lower() in ("loss", "epoch_loss") or base in v.name.lower():
            return v
    return same[0]


def chance_tolerance(ctx: Context, n_classes: int) -> float:
    """How far an accuracy may be from 1/K and still count as chance."""
    cfg = ctx.cfg.chance
    return max(cfg.acc_tol, cfg.acc_tol_rel / n_classes)


def guess_classes(ctx: Context, a: float, loss: float | None) -> tuple[int, str] | None:
    """Class count K such that accuracy ``a`` is chance (≈ 1/K).

    Returns (K, how) with how = "given" (``ChanceConfig.n_classes``) or
    "inferred" (from the accuracy; ties broken by the loss ≈ ln K), or None
    when ``a`` is not near any 1/K. See :func:`classes_consistent` for the
    whole range of K an accuracy allows.
    """
    cfg = ctx.cfg.chance
    if cfg.n_classes:
        n_classes = int(cfg.n_classes)
        near = abs(a - 1 / n_classes) <= chance_tolerance(ctx, n_classes)
        return (n_classes, "given") if near else None
    if not (0 < a < 0.75):
        return None
    r = 1.0 / a
    cands = [
        k
        for k in {math.floor(r), math.ceil(r)}
        if 2 <= k <= 1000 and abs(a - 1 / k) <= chance_tolerance(ctx, k)
    ]
    if not cands:
        return None
    cands.sort(key=lambda k: (abs(a * k - 1), abs(loss / math.log(k) - 1) if loss else 0))
    return cands[0], "inferred"


def classes_consistent(ctx: Context, lo: float, hi: float) -> tuple[int, int]:
    """Range of K whose chance 1/K lies in the accuracy's observed band [lo, hi] (rounded)."""
    cfg = ctx.cfg.chance
    if cfg.n_classes:
        return int(cfg.n_classes), int(cfg.n_classes)
    k_lo = max(2, int(round(1.0 / hi))) if hi > 0 else 2
    k_hi = max(k_lo, int(round(1.0 / lo))) if lo > 0 else 1000
    return k_lo, min(k_hi, 1000)


def below_chance(ctx: Context, value: float) -> bool:
    """A frozen accuracy below chance: below 1/K (minus the tolerance) when K is known,
    else exactly 0 (within ``frozen_tol``), which is below 1/K for every K."""
    cfg = ctx.cfg.chance
    if cfg.n_classes:
        n_classes = int(cfg.n_classes)
        return value < 1 / n_classes - chance_tolerance(ctx, n_classes)
    return value <= cfg.frozen_tol
