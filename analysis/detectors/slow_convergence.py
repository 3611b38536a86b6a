"""``slow_convergence``: the monitored metric was still improving steadily when training ended.

The rule and its thresholds are documented in
:class:`~analysis.detectors.config.SlowConvergenceConfig`: the last
``tail_fraction`` of the run must improve in most of its steps with a significant
least-squares slope; the per-step gains, fitted with a geometric decay, are projected
over ``horizon_fraction`` x the run length, and the projected gain must be a large
enough share of the current level and of the progress made so far.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from analysis.detectors.context import Context
from analysis.detectors.readings import score_companion
from analysis.detectors.stats import ols_slope_t
from analysis.detectors.views import View
from analysis.detectors.wording import fmt, jnum
from analysis.model import Finding


@dataclass(frozen=True)
class _Trend:
    """How the tail of a curve improves and where it would get (see the module doc).

    ``decay`` is the per-point factor of the geometric fit of the gains (1: no sign of
    slowing down); ``gain`` the improvement projected over ``horizon`` more points.
    """

    restart: int
    n: int
    n_tail: int
    x_tail: np.ndarray
    y_tail: np.ndarray
    n_better: int
    improving_share: float
    t_stat: float
    t_toward_better: float
    late_gain: float
    decay: float
    horizon: float
    gain: float
    last: float
    level: float
    progress: float


def _tail_trend(ctx: Context, val: View) -> _Trend | None:
    """The trend of ``val``'s tail, or None when it is not still improving enough to matter."""
    cfg = ctx.cfg.slow_convergence
    restart = ctx.fresh_start(val)
    xs, ys = val.xa[restart:], val.ya[restart:]
    n = len(ys)
    if n < cfg.min_points:
        ctx.skip(val, "slow_convergence", f"{n} points, need {cfg.min_points}")
        return None
    if val.family == "loss" and float(np.min(ys)) < 0:
        return None
    n_tail = min(n, max(cfg.min_tail, math.ceil(cfg.tail_fraction * n)))
    x_tail, y_tail = xs[-n_tail:], ys[-n_tail:]
    step_gains = val.better(y_tail[1:], y_tail[:-1])
    n_better = int(np.count_nonzero(step_gains > 0))
    improving_share = n_better / len(step_gains)
    _, t_stat = ols_slope_t(x_tail, y_tail)
    t_toward_better = t_stat if val.direction == "max" else -t_stat
    if improving_share < cfg.min_improving or t_toward_better < cfg.min_t:
        return None
    half = n_tail // 2
    early_gain = float(val.better(y_tail[half], y_tail[0])) / max(half, 1)
    late_gain = float(val.better(y_tail[-1], y_tail[half])) / max(n_tail - 1 - half, 1)
    if late_gain <= 0:
        return None
    distance = max((n_tail - 1) / 2.0, 1.0)
    decay = min(1.0, (late_gain / early_gain) ** (1.0 / distance)) if early_gain > 0 else 1.0
    horizon = cfg.horizon_fraction * n
    if decay >= 0.9999:
        gain = late_gain * horizon
    else:
        gain = late_gain * decay * (1 - decay**horizon) / (1 - decay)
    last = float(ys[-1])
    level = (1.0 - last) if (val.bounded and val.direction == "max") else abs(last)
    progress = float(val.better(last, float(np.median(ys[:3]))))
    if progress <= 0:
        return None  # worse than where it started: recovering from a jump is not convergence
    enough = (
        gain >= cfg.min_gain_level * level and gain >= cfg.min_gain_progress * progress
    ) or gain >= cfg.strong_gain_progress * progress
    if not enough:
        return None
    return _Trend(
        restart=restart,
        n=n,
        n_tail=n_tail,
        x_tail=x_tail,
        y_tail=y_tail,
        n_better=n_better,
        improving_share=improving_share,
        t_stat=t_stat,
        t_toward_better=t_toward_better,
        late_gain=late_gain,
        decay=decay,
        horizon=horizon,
        gain=gain,
        last=last,
        level=level,
        progress=progress,
    )


def _saturated_score(ctx: Context, val: View) -> tuple[str, float] | None:
    """The accuracy that goes with loss ``val`` when it already ends (nearly) perfect: a
    loss still falling then has nothing left to gain but confidence."""
    score = score_companion(ctx, val) if val.family == "loss" else None
    if score is None or score.m < 3:
        return None
    score_end = float(np.median(score.y[-3:]))
    return (score.name, score_end) if score_end >= ctx.cfg.slow_convergence.saturated else None


def judge_slow(ctx: Context, val: View) -> Finding | None:
    """Slow convergence of ``val`` (see the module doc), or None."""
    cfg = ctx.cfg.slow_convergence
    trend = _tail_trend(ctx, val)
    if trend is None:
        return None
    n_tail, last, gain = trend.n_tail, trend.last, trend.gain
    dx = float(np.median(np.diff(trend.x_tail))) if n_tail > 1 else 1.0
    per_x = trend.late_gain / dx if dx > 0 else trend.late_gain
    more_x = trend.horizon * dx
    if val.direction != "max":
        projected = last - gain
    else:
        projected = min(1.0, last + gain) if val.bounded else last + gain
    gain_of_level = gain / max(trend.level, 1e-12)
    shape = (
        "no sign of slowing down (gains per step stay the same)"
        if trend.decay >= 0.99
        else f"the gains shrink only slowly (x{trend.decay:.3f} per point)"
    )
    unit = ctx.unit_of(val)
    what = "evaluations" if val.role != "train" else "logged values"
    if val.block > 1:
        what = f"block means of {val.block} {what}"
    first_i = trend.restart + trend.n - n_tail
    x0 = val.x_first(first_i) if val.block > 1 else float(trend.x_tail[0])
    x1 = float(val.x[-1]) if val.block > 1 else float(trend.x_tail[-1])
    saturated = _saturated_score(ctx, val)
    msg = (
        f"{val.name} was still improving when training ended: {fmt(float(trend.y_tail[0]))} "
        f"-> {fmt(last)} over the last {n_tail} {what} ({ctx.span(x0, x1, val)}; "
        f"{fmt(per_x)} per {unit}, {trend.n_better} of {n_tail - 1} steps better); {shape}. "
        f"Another {fmt(round(more_x))} {unit}s would likely bring it to about "
        f"{fmt(projected)} ({'-' if val.direction != 'max' else '+'}{fmt(gain)}, "
        f"{gain_of_level * 100:.0f}% of "
        f"{'the current level' if not val.bounded else 'the room left to 1.0'}, "
        f"{gain / trend.progress * 100:.0f}% of the progress made so far)."
    )
    # a warning only when much is still to be gained: a large share of the current level
    # *and* of the progress made so far, with the task score not already saturated
    big = (
        gain >= cfg.warning_gain_level * trend.level
        and gain >= cfg.warning_gain_progress * trend.progress
    )
    severity = "warning" if big and saturated is None else "info"
    if saturated is not None:
        msg += (
            f" {saturated[0]} is already {fmt(saturated[1])} (median of the last 3), so more "
            "epochs would mostly make the model more confident."
        )
    causes = [
        "training stopped before converging (too few epochs)",
        "learning rate too small for this optimizer (progress is slow but steady)",
    ]
    remedies = ["more_epochs", "learning_rate", "reduce_lr_on_plateau"]
    if trend.decay >= 0.99:
        causes.reverse()
        remedies = ["learning_rate", "more_epochs", "reduce_lr_on_plateau"]
    evidence = {
        "tail_points": n_tail,
        "tail_start_x": x0,
        "tail_start": float(trend.y_tail[0]),
        "last": last,
        "last_x": x1,
        "per_x": per_x,
        "improving_steps": round(trend.improving_share, 3),
        "t_stat": jnum(trend.t_stat),
        "decay_q": round(trend.decay, 4),
        "horizon_x": more_x,
        "projected": projected,
        "projected_gain": gain,
        "level": trend.level,
        "progress": trend.progress,
        "gain_of_level": round(gain_of_level, 4),
        "gain_of_progress": round(gain / trend.progress, 4),
    }
    if saturated is not None:
        evidence["saturated_score"] = {"name": saturated[0], "median_last_3": saturated[1]}
    confidence = min(1.0, 0.5 + 0.5 * trend.improving_share * min(1.0, trend.t_toward_better / 10))
    return ctx.finding(
        "slow_convergence", severity, val.name, x0, x1, msg, evidence, causes, remedies, confidence
    )
