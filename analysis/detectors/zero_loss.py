"""``suspicious_zero_loss``: a loss that is exactly 0.0 for a stretch, too good to be true.

Cross-entropy reaches exactly 0 only when every sample gets probability 1 for its
label; Keras even clips probabilities to ``1e-7`` so its cross-entropies never log
0.0, and Hugging Face rounds the logged loss to 4 decimals, so a logged 0.0 means
below 5e-5 on every batch. On real data that is a label leak, one-class data or a
loss that is masked away (a Hugging Face fine-tune whose training loss fell 0.85 ->
0.045 in 30 steps was exactly 0.0 in 54 rows from step 970, its eval_loss 2.1e-05).

Rule: at least ``ZeroLossConfig.min_points`` consecutive values of a loss are
exactly 0.0 and none is negative (negative losses are
:func:`~analysis.detectors.divergence.detect_divergence`'s). One ``warning`` per
run naming every such loss.
"""

from __future__ import annotations

import numpy as np

from analysis import kinds, naming
from analysis.detectors.context import Context
from analysis.detectors.views import View
from analysis.detectors.wording import fmt, jnum
from analysis.model import Finding

_CAUSES = [
    "label leak: a feature (or the input text) contains the label, or validation rows "
    "are copies of training rows",
    "one-class data: every sample has the same label (check the class counts)",
    "loss masking: every label position is masked (e.g. -100 everywhere), so the "
    "loss is 0 by construction",
    "the logger rounds (Hugging Face logs 4 decimals: below 5e-5 shows as 0.0) on a "
    "genuinely easy task",
]


def _zero_stretch(v: View, min_points: int) -> dict | None:
    """How loss ``v`` sits at exactly 0.0 (None when no ``min_points`` zeros in a row).

    The longest stretch of consecutive zeros decides: a hinge or triplet loss that is
    0 on an easy batch now and then (7 isolated zeros among 392 values in one
    Lightning log) is no collapse.
    """
    if v.m == 0 or float(np.min(v.y)) < 0:
        return None
    zero = v.y == 0.0
    n_zero = int(np.count_nonzero(zero))
    if n_zero < min_points:
        return None
    edges = np.diff(np.concatenate([[0], zero.astype(np.int8), [0]]))
    run_start, run_end = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    longest = int(np.max(run_end - run_start))
    if longest < min_points:
        return None
    i0 = int(run_start[np.argmax(run_end - run_start)])
    positive = v.y[v.y > 0]
    info = {
        "n_zero": n_zero,
        "longest_run": longest,
        "n": int(v.m),
        "first_zero_x": float(v.x[i0]),
        "zero_to_the_end": bool(zero[i0:].all()),
        "first": float(v.y[0]),
        "last_nonzero": jnum(positive[-1]) if len(positive) else None,
    }
    # how fast it collapsed: where it first fell below a tenth of its first value
    if v.y[0] > 0:
        j = np.flatnonzero(v.y <= 0.1 * v.y[0])
        if len(j):
            info["below_10pct_x"] = float(v.x[j[0]])
            info["below_10pct_value"] = float(v.y[j[0]])
    return info


def _message(ctx: Context, hits: dict[str, dict], names: list[str]) -> str:
    """Where the lead loss sits at 0.0, how fast it got there, and the other zero losses."""
    lead = names[0]
    hit = hits[lead]
    v = ctx.views[lead]
    msg = f"{lead} is exactly 0.0 in {hit['n_zero']} of {hit['n']} logged values, " + (
        f"every one from {ctx.at(hit['first_zero_x'], v)} to the end"
        if hit["zero_to_the_end"]
        else f"{hit['longest_run']} in a row from {ctx.at(hit['first_zero_x'], v)}"
    )
    if "below_10pct_x" in hit:
        msg += (
            f"; it fell from {fmt(hit['first'])} to {fmt(hit['below_10pct_value'])} by "
            f"{ctx.at(hit['below_10pct_x'], v)}"
        )
    if len(names) > 1:
        msg += "; also " + ", ".join(f"{n} ({hits[n]['n_zero']} zeros)" for n in names[1:])
    return msg


def detect_zero_loss(ctx: Context) -> list[Finding]:
    """A loss that is exactly 0.0 for a stretch (see the module doc).

    Parameters
    ----------
    ctx : Context
        The run being diagnosed.

    Returns
    -------
    list of Finding
        At most one ``suspicious_zero_loss`` finding, led by a training loss;
        ``evidence["metrics"]`` holds every zero loss, ``evidence["other_loss"]`` the
        loss of the other side for comparison.
    """
    min_points = ctx.cfg.zero_loss.min_points
    hits = {v.name: hit for v in ctx.of("loss") if (hit := _zero_stretch(v, min_points))}
    if not hits:
        return []
    names = sorted(hits, key=lambda n: (naming.role(n) != "train", -hits[n]["n_zero"]))
    lead = names[0]
    hit = hits[lead]
    v = ctx.views[lead]
    msg = _message(ctx, hits, names)
    others = [w for w in ctx.of("loss") if w.name not in hits and w.role != v.role and w.m]
    evidence: dict = {"metrics": hits}
    if others:
        other = others[0]
        evidence["other_loss"] = {
            "name": other.name,
            "min": float(np.min(other.y)),
            "last": float(other.y[-1]),
        }
        msg += f" ({other.name} {fmt(float(other.y[-1]))})"
    msg += (
        ". A real loss almost never reaches exactly 0: the model is perfectly sure of every "
        "label, which usually means the task became trivial by accident."
    )
    i0 = int(np.searchsorted(v.x, hit["first_zero_x"]))
    x_end = float(v.x[min(i0 + hit["longest_run"] - 1, v.m - 1)])
    severity = kinds.get("suspicious_zero_loss").severity
    return [
        ctx.finding(
            "suspicious_zero_loss",
            severity,
            lead,
            hit["first_zero_x"],
            x_end,
            msg,
            evidence,
            list(_CAUSES),
            [],
            0.8,
        )
    ]
