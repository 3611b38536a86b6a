"""``slow_convergence`` and ``plateau``: is the monitored series still getting better?

The trend detectors (these two and :mod:`~analysis.detectors.overfitting`) read the
analysis points of a view (block means for long series) from the last fresh restart
on (:meth:`analysis.detectors.context.Context.fresh_start`), and count patience in
*evaluations*: with ``validation_freq > 1`` or a Hugging Face ``eval_steps`` grid,
one point is one evaluation, which is what Keras' callbacks count too (they only see
epochs where the monitor was logged).

A series still improving steadily (:mod:`~analysis.detectors.slow_convergence`) is
not on a plateau (:mod:`~analysis.detectors.plateau`), so slow convergence is judged
first and wins.
"""

from __future__ import annotations

from analysis.detectors.context import Context
from analysis.detectors.plateau import judge_plateau
from analysis.detectors.slow_convergence import judge_slow
from analysis.model import Finding


def detect_progress(ctx: Context) -> list[Finding]:
    """Slow convergence, then plateau, on the monitored series (validation losses first).

    Parameters
    ----------
    ctx : Context
        The run being diagnosed. Series an earlier finding explains (overfitting,
        divergence, a loss at exactly 0; every series of a run stuck at chance for the
        plateau) are left out (:meth:`Context.is_superseded`).

    Returns
    -------
    list of Finding
        At most one ``slow_convergence`` or ``plateau`` finding per monitored series
        (:meth:`Context.monitored`; the bounded scores when the run logs no loss).
    """
    out: list[Finding] = []
    monitored = ctx.monitored()
    if not monitored:
        scores = [v for v in ctx.views.values() if v.bounded and v.name not in ctx.duplicates]
        monitored = [v for v in scores if v.role == "val"] or scores
    for view in monitored:
        if view.m == 0:
            continue
        if not ctx.is_superseded("slow_convergence", view.name):
            f = judge_slow(ctx, view)
            if f is not None:
                out.append(f)
                continue
        if ctx.is_superseded("plateau", view.name):
            continue
        f = judge_plateau(ctx, view)
        if f is not None:
            out.append(f)
    return out
