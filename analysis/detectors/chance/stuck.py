"""One ``stuck_at_chance`` finding per run from the hits of the chance rules: which leads,
the ranked causes, the severity, the title (see :mod:`analysis.detectors.chance`)."""

from __future__ import annotations

import numpy as np

from analysis import kinds, naming
from analysis.detectors.chance.at_chance import at_chance
from analysis.detectors.chance.collapse import collapse, collapse_causes, loss_at_ln_k
from analysis.detectors.chance.frozen import frozen
from analysis.detectors.chance.levels import Hit
from analysis.detectors.chance.one_class_f1 import one_class_f1
from analysis.detectors.context import Context
from analysis.detectors.wording import jnum
from analysis.model import Finding

_IMBALANCE = (
    "class imbalance: always predicting the majority class already scores this "
    "accuracy, and the loss can improve without any decision changing"
)


def _hits(ctx: Context) -> list[Hit]:
    """Every rule's hits: per accuracy (or AUC) rule A, else B, else D; then C and D on
    losses."""
    cfg = ctx.cfg.chance
    hits: list[Hit] = []
    for v in ctx.views.values():
        is_accuracy = naming.is_accuracy(v.name)
        if not (is_accuracy and v.bounded) and "auc" not in v.name.lower():
            continue
        if v.name in ctx.duplicates:
            continue
        if v.k < cfg.min_points:
            ctx.skip(v, "stuck_at_chance", f"{v.k} points, need {cfg.min_points}")
            continue
        hit = frozen(ctx, v) if is_accuracy else None
        if hit is None:
            hit = at_chance(ctx, v)
        if hit is None and is_accuracy:
            hit = collapse(ctx, v)
        if hit is not None:
            hits.append(hit)
    return hits + one_class_f1(ctx) + loss_at_ln_k(ctx)


def _loss_moving(lead: Hit) -> bool:
    """The lead's loss moved by more than 2 % (medians of the first and last 3)."""
    loss = lead.loss
    if loss is None or loss.k < 3:
        return False
    first = float(np.median(loss.ya[:3]))
    last = float(np.median(loss.ya[-3:]))
    return abs(first - last) > 0.02 * max(abs(first), 1e-12)


def _first_loss_huge(ctx: Context) -> bool:
    """Some loss started at 100x or more its later median: the inputs were not scaled."""
    return any(
        v.m >= 3 and v.y[0] > 0 and v.y[0] >= 100 * max(float(np.median(v.y[1:])), 1e-12)
        for v in ctx.of("loss")
    )


def _causes(ctx: Context, lead: Hit) -> tuple[list[str], list[str]]:
    """Ranked causes and remedies, by the lead's rule and what the curves show."""
    if lead.rule == "collapse":
        remedies = ["learning_rate", "gradient_clipping", "reduce_lr_on_plateau", "early_stopping"]
        if lead.level == "majority_rate":
            remedies += ["class_weight"]
        return collapse_causes(ctx, lead), remedies
    if lead.rule == "below_chance":
        return [
            "the validation labels are encoded differently from the training labels "
            "(class order, a label encoder fitted separately on each split)",
            "the validation set holds only classes the model never predicts (a split by "
            "class, or labels shifted by one)",
            "the accuracy metric does not match the labels (sparse vs one-hot / "
            "categorical accuracy)",
        ], []
    first_huge = _first_loss_huge(ctx)
    causes = []
    if any(s.n_nonfinite for n, s in ctx.run.series.items() if naming.family(n) == "loss"):
        causes.append(
            "the weights became NaN (see the non_finite finding): every output is the same"
        )
    if first_huge:
        causes.append(
            "unscaled inputs: the first-epoch loss was orders of magnitude above the "
            "rest, the units saturated and never recovered"
        )
    if lead.rule in ("frozen", "one_class_f1") and _loss_moving(lead):
        causes += [
            _IMBALANCE,
            "too strong regularisation (large L2) or too small a model: all outputs pulled "
            "to the class prior",
            "learning rate too high (saturated or dead units) or too low",
        ]
        return causes, [
            "class_weight",
            "random_oversample",
            "smote",
            "l2",
            "learning_rate",
            "standardize",
        ]
    causes += [
        "learning rate too high (units saturated, dead ReLUs) or far too low",
        "output layer and loss do not match (e.g. a single-unit softmax, labels not "
        "encoded the way the loss expects)",
    ]
    if not first_huge:
        causes.append("unscaled inputs saturating the activations")
    causes.append(_IMBALANCE)
    return causes, ["learning_rate", "standardize", "class_weight", "random_oversample"]


def _severity(lead: Hit, n_hits: int) -> str:
    """Critical, unless the run came back out of a collapse, a one-class F1 was beaten
    later (and nothing else is stuck), or an accuracy near 1/K has no loss to confirm it."""
    if lead.rule == "collapse" and not lead.evidence["to_the_end"]:
        return "warning"
    if lead.rule == "one_class_f1" and lead.recovered and n_hits == 1:
        return "warning"
    if lead.rule == "chance" and lead.loss is None:
        return "warning"
    return "critical"


def _confidence(lead: Hit) -> float:
    if lead.rule == "collapse":
        lead_evidence = lead.evidence
        given = lead_evidence.get("loss_at_ln_k") or lead_evidence["level_from"] == "given"
        return 0.9 if given else 0.7
    if lead.rule in ("frozen", "one_class_f1"):
        return 0.9
    return 0.8 if lead.loss is not None else 0.5


def detect_chance(ctx: Context) -> list[Finding]:
    """Stuck at chance / majority class (rules A, A', B, C, D of :mod:`analysis.detectors.chance`).

    Parameters
    ----------
    ctx : Context
        The run being diagnosed (accuracies, AUCs, macro-F1s and their losses).

    Returns
    -------
    list of Finding
        At most one ``stuck_at_chance`` finding per run; a hit below chance leads, then
        the validation side. Its ``evidence`` says which rule: ``rule`` (the lead's:
        ``frozen``, ``below_chance``, ``chance``, ``one_class_f1``, ``collapse``),
        ``level`` (``majority_rate`` when the model predicts one class, ``chance`` when
        its accuracy is 1/K, ``below_chance``), ``title`` (the heading, from
        :data:`analysis.kinds.KINDS`), ``lead`` and ``also`` (each hit's numbers).
    """
    hits = _hits(ctx)
    if not hits:
        return []
    # one finding per run: the validation side leads
    hits.sort(
        key=lambda h: (h.rule != "below_chance", h.view.role == "train", h.rule == "one_class_f1")
    )
    lead = hits[0]
    v = lead.view
    msg = lead.text
    if len(hits) > 1:
        msg += ". Also: " + "; ".join(h.short for h in hits[1:])
    msg += "."
    causes, remedies = _causes(ctx, lead)
    end = lead.end if lead.end is not None else float(v.xa[-1])
    stuck = kinds.get("stuck_at_chance")
    level = lead.level or stuck.levels_by_rule[lead.rule]
    title = stuck.title_for(level, collapsed=lead.rule == "collapse" and lead.evidence["collapsed"])
    evidence = {"rule": lead.rule, "level": level, "title": title, "lead": lead.evidence}
    if len(hits) > 1:
        evidence["also"] = {h.view.name: h.evidence for h in hits[1:]}
    if v.percent:
        evidence["percent"] = True
    return [
        ctx.finding(
            "stuck_at_chance",
            _severity(lead, len(hits)),
            v.name,
            jnum(lead.start),
            jnum(end),
            msg,
            evidence,
            list(dict.fromkeys(causes)),
            remedies,
            _confidence(lead),
        )
    ]
