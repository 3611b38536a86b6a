"""``non_finite``: NaN/inf values, where they start, how many, what came before.

Rule and sources: any NaN/inf in a metric (Keras ``TerminateOnNaN`` stops on the
first one; AutoTrainer, ICSE 2021, treats a NaN loss as "exploding"). Series whose
first bad value falls at the same x are reported together; the first bad epoch,
whether it was inf or NaN (a loss that overflows to inf before it turns NaN), and
the last finite value before it are given. Critical when a loss or score is
non-finite to the end of the run (training is dead from there), warning for
isolated values (info for other series).
"""

from __future__ import annotations

import numpy as np

from analysis import naming
from analysis.detectors.context import Context
from analysis.detectors.views import View
from analysis.detectors.wording import fmt, fmt_x, jnum
from analysis.model import Finding

#: Which series of a group leads its finding: losses, then scores, then the rest.
_FAMILY_RANK = {"loss": 0, "score": 1, "other": 2, "lr": 3}


def _bad_info(ctx: Context, name: str) -> dict | None:
    """Where and how series ``name`` is non-finite (None when it is finite throughout)."""
    s = ctx.run.series[name]
    v = s.value
    bad = ~np.isfinite(v)
    nb = int(np.count_nonzero(bad))
    if nb == 0:
        return None
    x = s.continuous_step() if s.n_segments > 1 else s.step
    i0 = int(np.argmax(bad))
    isnan = np.isnan(v)
    n_nan = int(np.count_nonzero(isnan))
    first_inf = np.flatnonzero(np.isinf(v))
    first_nan = np.flatnonzero(isnan)
    tail = bool(bad[i0:].all())
    before = np.flatnonzero(~bad[:i0])
    info = {
        "n": int(len(v)),
        "n_nonfinite": nb,
        "n_nan": n_nan,
        "n_inf": nb - n_nan,
        "first_x": float(x[i0]),
        "first_value": "nan" if isnan[i0] else ("inf" if v[i0] > 0 else "-inf"),
        "first_inf_x": float(x[first_inf[0]]) if len(first_inf) else None,
        "first_nan_x": float(x[first_nan[0]]) if len(first_nan) else None,
        "to_the_end": tail,
        "last_finite_x": float(x[before[-1]]) if len(before) else None,
        "last_finite_value": float(v[before[-1]]) if len(before) else None,
    }
    if not tail:
        bad_x = x[bad]
        info["bad_x"] = [float(b) for b in bad_x[:10]]
    return info


def _lr_jump_before(ctx: Context, x0: float, kind: str) -> tuple[float, float, float] | None:
    """A learning-rate increase of at least 2x at or just before ``x0`` (on the ``kind`` axis)."""
    lr = ctx.lr
    if lr is None or lr.m < 2 or lr.kind != kind:
        return None
    y, x = lr.y, lr.x
    with np.errstate(divide="ignore", invalid="ignore"):
        up = np.flatnonzero((y[1:] >= 2 * y[:-1]) & (y[:-1] > 0))
    up = [i for i in up if x[i + 1] <= x0]
    if not up:
        return None
    i = up[-1]
    return float(x[i + 1]), float(y[i]), float(y[i + 1])


def _groups(ctx: Context) -> dict[tuple[float, bool, str], dict[str, dict]]:
    """Non-finite series grouped by (first bad x, non-finite to the end, x kind)."""
    groups: dict[tuple[float, bool, str], dict[str, dict]] = {}
    for name in ctx.run.series:
        if naming.is_counter(name) or ctx.repeated_elsewhere(name):
            continue  # a copy on another x grid is the same NaN, judged once
        info = _bad_info(ctx, name)
        if info is None:
            continue
        kind = ctx.run.step_kind_of(name)
        groups.setdefault((info["first_x"], info["to_the_end"], kind), {})[name] = info
    return groups


def _message(ctx: Context, names: list[str], info: dict, x0: float, to_end: bool) -> str:
    """What the lead series of a group did, in words."""
    lead = names[0]
    lead_view = ctx.views.get(lead)
    where = (
        ctx.at_keras(x0, lead_view) if lead_view is not None and lead_view.m else ctx.at(x0, lead)
    )
    who = (
        ", ".join(names)
        if len(names) <= 4
        else ", ".join(names[:4]) + f" and {len(names) - 4} more"
    )
    if info["n_nonfinite"] == info["n"]:
        return (
            f"{who}: no finite value at all ({info['n_nonfinite']} of {info['n']} are "
            f"{'NaN' if info['n_nan'] else 'inf'}) — the loss is non-finite from the first "
            f"{ctx.unit_of(lead)}, nothing was learned"
        )
    if to_end:
        word = {"nan": "NaN", "inf": "inf", "-inf": "-inf"}[info["first_value"]]
        msg = f"{who}: {word} from {where} to the end"
        if info["first_value"] != "nan" and info["first_nan_x"] is not None:
            msg += f" (NaN from {ctx.at(info['first_nan_x'], lead)})"
        return msg + (
            f", {info['n_nonfinite']} of {info['n']} values; last finite {lead} "
            f"{fmt(info['last_finite_value'])} at {ctx.at(info['last_finite_x'], lead)}"
        )
    points = ", ".join(fmt_x(b) for b in info.get("bad_x", [])[:5])
    return (
        f"{who}: {info['n_nonfinite']} non-finite value(s) ({ctx.unit_of(lead)}s {points}"
        f"{'…' if info['n_nonfinite'] > 5 else ''}), finite again afterwards"
    )


def _accuracies_frozen_after(ctx: Context, x0: float, kind: str) -> dict[str, dict]:
    """Accuracies that fell to a constant from ``x0`` on: NaN outputs give every sample the
    same class."""
    collapsed = {}
    for v in ctx.views.values():
        if not v.bounded or v.m < 3 or v.kind != kind or v.name in ctx.duplicates:
            continue
        after = v.y[v.x >= x0]
        before = v.y[v.x < x0]
        if (
            len(after) >= 2
            and len(before)
            and np.ptp(after) <= 1e-3
            and after[-1] < np.max(before) - 0.05
        ):
            collapsed[v.name] = {"before_max": jnum(np.max(before)), "after": jnum(after[-1])}
    return collapsed


def _grew_before(lead_view: View | None, x0: float) -> bool:
    """The lead loss at least doubled from its lowest value before it went non-finite."""
    if lead_view is None or lead_view.m < 3:
        return False
    before = lead_view.y[lead_view.x < x0]
    return bool(len(before) >= 3 and np.min(before) > 0 and before[-1] >= 2 * np.min(before))


def _causes(
    ctx: Context,
    lead: str,
    info: dict,
    jump: tuple[float, float, float] | None,
    grew: bool,
) -> tuple[list[str], list[str]]:
    """Ranked causes and remedies: non-finite from the start, or after finite values."""
    if info["last_finite_x"] is None:
        return [
            "inputs not scaled (feature values in the thousands or more) or containing NaN/inf",
            "learning rate far too high for the first updates",
            "a loss that computes log(0) or divides by zero (e.g. custom loss, wrong labels)",
        ], ["standardize", "learning_rate", "gradient_clipping"]
    causes: list[str] = []
    if jump:
        causes.append(
            f"the learning rate was raised {fmt(jump[1])} -> {fmt(jump[2])} at "
            f"{ctx.at(jump[0], lead)}, just before"
        )
    if grew or info["first_value"] != "nan":
        causes.append(
            "exploding gradients: the loss grew before it overflowed (learning rate too high)"
        )
    causes += [
        "learning rate too high or a sudden learning-rate jump (exploding gradients)",
        "numerically unsafe loss or metric (log(0), division by zero, float16 overflow)",
        "NaN/inf in some input rows reached in this epoch",
    ]
    return causes, ["learning_rate", "gradient_clipping", "standardize"]


def _severity(family: str, to_end: bool) -> str:
    """Critical for a loss or score non-finite to the end; warning for isolated values or
    another series non-finite to the end; info for isolated values of another series."""
    judged = family in ("loss", "score")
    if to_end:
        return "critical" if judged else "warning"
    return "warning" if judged else "info"


def _group_finding(
    ctx: Context, x0: float, to_end: bool, kind: str, infos: dict[str, dict]
) -> Finding:
    """One finding for the series that went non-finite at ``x0`` (see the module doc)."""
    names = sorted(
        infos,
        key=lambda n: (_FAMILY_RANK.get(naming.family(n), 2), naming.role(n) != "train"),
    )
    lead = names[0]
    info = infos[lead]
    from_start = info["last_finite_x"] is None
    msg = _message(ctx, names, info, x0, to_end)
    all_bad = info["n_nonfinite"] == info["n"]
    collapsed = _accuracies_frozen_after(ctx, x0, kind) if to_end and not all_bad else {}
    if collapsed:
        name, values = next(iter(collapsed.items()))
        msg += (
            f"; {name} collapsed from {fmt(values['before_max'])} to a constant "
            f"{fmt(values['after'])} (NaN outputs: every sample gets the same class)"
        )
    jump = _lr_jump_before(ctx, x0, kind) if not from_start else None
    grew = not from_start and _grew_before(ctx.views.get(lead), x0)
    causes, remedies = _causes(ctx, lead, info, jump, grew)
    evidence: dict = {"metrics": infos}
    if collapsed:
        evidence["collapsed"] = collapsed
    if jump:
        evidence["lr_jump"] = {"x": jump[0], "from": jump[1], "to": jump[2]}
    end = ctx.run.series[lead].continuous_step()[-1] if to_end else x0
    severity = _severity(naming.family(lead), to_end)
    return ctx.finding(
        "non_finite", severity, lead, x0, end, msg, evidence, causes, remedies, confidence=1.0
    )


def detect_non_finite(ctx: Context) -> list[Finding]:
    """NaN/inf values: one finding per group of series that went non-finite at the same x.

    Parameters
    ----------
    ctx : Context
        The run being diagnosed; every series is read as logged (NaN/inf included),
        counters and copies of another series on another x grid left out.

    Returns
    -------
    list of Finding
        Kind ``non_finite``, in order of the first bad x; ``evidence["metrics"]`` holds
        per series the counts, the first bad x and value, and the last finite value.
    """
    groups = _groups(ctx)
    return [
        _group_finding(ctx, x0, to_end, kind, infos)
        for (x0, to_end, kind), infos in sorted(groups.items(), key=lambda kv: kv[0][0])
    ]
