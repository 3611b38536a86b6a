"""Rule C: a macro-F1 and an accuracy that are exactly those of always predicting one class
(see :mod:`analysis.detectors.chance`).

Always predicting one class that makes up a share ``a`` of K classes scores accuracy
``a`` and, for that class, F1 ``2a / (1 + a)`` (precision ``a``, recall 1); the other
K - 1 classes score 0, so the macro-F1 is ``(2a / (1 + a)) / K``.
"""

from __future__ import annotations

import numpy as np

from analysis import naming
from analysis.detectors.chance.levels import Hit
from analysis.detectors.context import Context
from analysis.detectors.views import View
from analysis.detectors.wording import fmt


def _accuracy_for(ctx: Context, f1: View) -> View | None:
    """The first accuracy of the same side and x kind as ``f1``."""
    accuracies = [
        v
        for v in ctx.views.values()
        if v.role == f1.role
        and naming.is_accuracy(v.name)
        and v.m
        and v.kind == f1.kind
        and v.name not in ctx.duplicates
    ]
    return accuracies[0] if accuracies else None


def _one_class_hit(ctx: Context, acc: View, f1: View) -> Hit | None:
    """Rule C on one accuracy/F1 pair, at the evaluations both logged."""
    xs, acc_i, f1_i = np.intersect1d(acc.x, f1.x, return_indices=True)
    if len(xs) == 0:
        return None
    accuracy = acc.y[acc_i]
    macro_f1 = f1.y[f1_i]
    with np.errstate(divide="ignore", invalid="ignore"):
        one_class_f1 = 2 * accuracy / (1 + accuracy)
        n_classes = np.rint(one_class_f1 / macro_f1)
        match = (
            (n_classes >= 2)
            & (np.abs(one_class_f1 / n_classes - macro_f1) <= ctx.cfg.chance.f1_tol * macro_f1)
            & (accuracy >= 0.5)
        )
    idx = np.flatnonzero(match)
    if len(idx) == 0:
        return None
    first, last = int(idx[0]), int(idx[-1])
    a0, k0 = float(accuracy[first]), int(n_classes[first])
    later = acc.y[acc.x > xs[last]]
    evidence = {
        "rule": "one_class_f1",
        "accuracy": acc.name,
        "f1": f1.name,
        "points": [
            {
                "x": float(xs[i]),
                "accuracy": float(accuracy[i]),
                "f1": float(macro_f1[i]),
                "n_classes": int(n_classes[i]),
            }
            for i in idx[:10]
        ],
    }
    text = (
        f"at {ctx.at(float(xs[first]), acc)} {acc.name} is {fmt(a0)} with {f1.name} "
        f"{fmt(float(macro_f1[first]))} = (2·{fmt(a0)}/{fmt(1 + a0)})/{k0}: exactly the "
        f"macro-F1 of always predicting one class of {k0}, a class that makes up "
        f"{a0 * 100:.1f}% of the evaluation set"
    )
    if len(idx) > 1:
        text += f" ({len(idx)} evaluations in all, the last at {ctx.at(float(xs[last]), acc)})"
    beaten = bool(len(later) and float(np.max(later)) > a0)
    if len(later):
        evidence["later_max_accuracy"] = float(np.max(later))
        text += f"; later evaluations reached at most {fmt(float(np.max(later)))}" + (
            " — never better than always predicting that class" if not beaten else ""
        )
    return Hit(
        acc,
        text,
        text,
        evidence,
        float(xs[first]),
        "one_class_f1",
        None,
        end=float(xs[last]),
        recovered=beaten,
    )


def one_class_f1(ctx: Context) -> list[Hit]:
    """Rule C on every macro-F1 series of the run that has an accuracy beside it."""
    hits = []
    for f1 in ctx.views.values():
        if "f1" not in naming.base_name(f1.name).lower() or f1.m == 0 or f1.name in ctx.duplicates:
            continue
        acc = _accuracy_for(ctx, f1)
        hit = _one_class_hit(ctx, acc, f1) if acc is not None else None
        if hit is not None:
            hits.append(hit)
    return hits
