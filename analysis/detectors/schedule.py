"""``lr_cut_while_improving``: ReduceLROnPlateau cut the learning rate while the metric improved.

keras-team/keras #11964, tensorflow/addons #1865: with
``mode='auto'``, Keras 3's ReduceLROnPlateau maximises a monitor only when its
name contains "acc"; ``val_f1_metric``, ``val_auc`` or a Cohen kappa are then
treated as lower-is-better, and every improvement looks like a plateau: the LR
is cut every ``patience`` epochs while the score keeps rising.

Rule: the logged learning rate is piecewise constant with at least
``min_cuts`` step cuts, and at (nearly) every cut some higher-is-better
validation score had just set a new best (at the evaluation before the cut).
"""

from __future__ import annotations

import numpy as np

from analysis import kinds
from analysis.detectors.context import Context
from analysis.detectors.wording import fmt, fmt_x
from analysis.model import Finding


def detect_schedule(ctx: Context) -> list[Finding]:
    """LR cuts that coincide with new bests of a higher-is-better validation score."""
    cfg = ctx.cfg.schedule
    cuts = ctx.lr_cuts()
    if len(cuts) < cfg.min_cuts:
        return []
    out: list[Finding] = []
    for v in ctx.views.values():
        if v.name in ctx.duplicates:
            continue  # judged once, on the series it repeats
        if v.direction != "max" or v.role != "val" or v.m < 3 or v.kind != ctx.lr.kind:
            continue  # an LR logged per step is not matched with a score logged per epoch
        cummax = np.maximum.accumulate(v.y)
        new_best = np.zeros(v.m, dtype=bool)
        new_best[0] = True
        new_best[1:] = v.y[1:] > cummax[:-1]
        improving = []
        for x_cut, _, _ in cuts:
            j = int(np.searchsorted(v.x, x_cut)) - 1  # the evaluation before the cut
            if j >= 1 and new_best[j]:
                improving.append((x_cut, j))
        if len(improving) < cfg.min_improving_cuts * len(cuts):
            continue
        at_cut = []
        for x_cut, _ in improving:
            jj = int(np.searchsorted(v.x, x_cut))
            at_cut.append(float(v.y[min(jj, v.m - 1)]))
        xs = ", ".join(fmt_x(x) for x, _ in improving)
        vals = ", ".join(fmt(a) for a in at_cut)
        has_acc = "acc" in v.name.lower()
        msg = (
            f"the learning rate was cut at {ctx.unit_of(v)}s {xs} ({fmt(cuts[0][1])} -> "
            f"{fmt(cuts[-1][2])}) although {v.name} improved every time ({vals}): "
            "ReduceLROnPlateau treated it as lower-is-better"
            + ("" if has_acc else " (mode='auto' maximises only names containing 'acc')")
            + "; set mode='max' for this monitor."
        )
        evidence = {
            "monitor_guess": v.name,
            "cuts": [{"x": a, "from": b, "to": c} for a, b, c in cuts],
            "values_at_cuts": at_cut,
        }
        out.append(
            ctx.finding(
                "lr_cut_while_improving",
                kinds.get("lr_cut_while_improving").severity,
                v.name,
                cuts[0][0],
                cuts[-1][0],
                msg,
                evidence,
                [
                    f"ReduceLROnPlateau(monitor='{ctx.monitor(v.name)}', mode='auto' or 'min') on a higher-is-better "
                    "metric",
                    "the callback monitors a different metric than the one that improves",
                ],
                ["reduce_lr_on_plateau", "learning_rate"],
                confidence=0.8,
            )
        )
        break
    return out
