"""``oscillation``: a metric swings up and down in large steps for a sustained stretch.

See :class:`~analysis.detectors.config.OscillationConfig` for the rule and its
sources (AutoTrainer's "unstable training": accuracy maxima/minima at least
``zeta = 0.03`` apart in at least ``eta = 20 %`` of the epochs). FitLens'
additions keep noise from passing as oscillation:

- a swing must go *and come back* (the smaller of the two legs counts);
- losses are judged against both their local level and their whole range, so
  the wiggles of a converged loss (0.02 +- 0.005 after falling from 2.0) are not
  swings;
- long or per-batch series are judged on block means (minibatch noise averages
  out), and moves across segment boundaries are ignored (restarts, and the
  saw-tooth of running means that restart every epoch in a Keras batch log);
- a training accuracy (or other bounded score) counts only when the training
  loss on the same axis oscillates too, or there is none: the optimiser follows
  the loss, and an accuracy zig-zagging by 0.03-0.05 over a smoothly falling
  loss is the accuracy's graininess, not instability.

All vectorised: one pass of differences, a sliding-window median for the level
and a convolution to count swings per window.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from analysis import kinds
from analysis.detectors.context import Context
from analysis.detectors.stats import within_segment_diff
from analysis.detectors.views import View, block_reduce
from analysis.detectors.wording import fmt
from analysis.model import Finding


def frozen_tail(y: np.ndarray, tol: float) -> int | None:
    """First index of the longest tail of ``y`` whose range is at most ``tol``, or None
    when the last 3 points already span more (no frozen tail worth the name).

    Grows the tail window by doubling from the end, so the cost is proportional to the
    frozen stretch, not to the series (a per-batch series of 1,000,000 points with a
    moving tail costs three comparisons).
    """
    k = len(y)
    if k < 3 or np.ptp(y[-3:]) > tol:
        return None
    w = 3
    while w < k:
        w2 = min(k, 2 * w)
        if np.ptp(y[-w2:]) > tol:
            break
        w = w2
    else:
        return 0
    t = y[-w2:]
    sufmax = np.maximum.accumulate(t[::-1])[::-1]
    sufmin = np.minimum.accumulate(t[::-1])[::-1]
    return k - w2 + int(np.argmax((sufmax - sufmin) <= tol))


def _moving_end(ctx: Context, v: View) -> tuple[int, str]:
    """How many of ``v``'s finite points the rule judges, and why it stops early ("" if not).

    Points from the epoch a loss went NaN/inf for good are left out (the accuracy of a
    dead network is a constant, not a swing), and so is a frozen tail: a stretch to the
    end within :attr:`ChanceConfig.frozen_tol` (relative to the level for losses) of at
    least 3 points; its first point is kept, so the fall into it still counts as one leg
    (a training accuracy at 0.3719 in 36 of 40 epochs, after the loss went NaN, is no
    oscillation).
    """
    end, why = v.m, ""
    dead = ctx.dead_from(v.kind)
    if dead is not None:
        j = int(np.searchsorted(v.x, dead, side="left"))
        if j < end:
            end, why = j, f"before the loss went non-finite at {ctx.at(dead, v)}"
    y = v.y[:end]
    tol = ctx.cfg.chance.frozen_tol
    if not v.bounded and len(y):
        tol *= abs(float(np.median(y[-3:])))  # relative to the level the loss froze at
    s0 = frozen_tail(y, tol)
    if s0 is not None and len(y) - s0 >= 3:
        end = s0 + 1
        why = f"before it froze at {fmt(float(y[s0]))} from {ctx.at(float(v.x[s0]), v)}"
    return end, why


def _series_for(ctx: Context, v: View):
    """(x, y, seg, block, starts, why, end) the oscillation rule judges for this view.

    ``starts`` (None when not reduced) is the index into ``v.x`` of each block's
    first point, so spans are reported on logged steps, never on block means. Only
    the part that still moves is judged (:func:`_moving_end`; ``why`` says where it
    stops, "" for the whole series; ``end`` the finite points judged).
    """
    cfg = ctx.cfg.oscillation
    end, why = _moving_end(ctx, v)
    x, y, seg = v.x[:end], v.y[:end], v.seg[:end]
    block = 1
    if end > cfg.max_points:
        block = math.ceil(end / cfg.max_points)
    if ctx.is_per_batch(v):
        block = max(block, cfg.batch_block)
    if block == 1:
        return x, y, seg, 1, None, why, end
    xb, yb, sb, starts = block_reduce(x, y, seg, block)
    return xb, yb, sb, block, starts, why, end


def _rolling_median(y: np.ndarray, w: int) -> np.ndarray:
    """Centred running median of odd width ``w`` (edges use the nearest full window)."""
    k = len(y)
    if k < w:
        return np.full(k, float(np.median(y)))
    med = np.median(sliding_window_view(y, w), axis=1)
    h = w // 2
    return np.concatenate([np.full(h, med[0]), med, np.full(k - len(med) - h, med[-1])])


def swings(y: np.ndarray, seg: np.ndarray, thr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Large swings: turning points whose smaller leg is at least ``thr``.

    The series is cut into legs between consecutive turning points (local
    maxima/minima, flat steps ignored), as AutoTrainer pairs maxima with
    minima. A turning point's swing is the smaller of the leg into it and the
    leg out of it, so a bump that rises over three epochs and falls over two
    counts once with its full height, and a one-sided trend never counts.

    Parameters
    ----------
    y : ndarray, shape (k,)
    seg : ndarray of int, shape (k,)
        Segment per point; legs across a boundary never count.
    thr : ndarray, shape (k,)
        Threshold per point.

    Returns
    -------
    big : ndarray of bool, shape (k,)
        True at turning points that are large swings.
    amp : ndarray of float, shape (k,)
        Size of the swing at each turning point (0 elsewhere).
    """
    k = len(y)
    big = np.zeros(k, dtype=bool)
    amp = np.zeros(k)
    if k < 3:
        return big, amp
    d = within_segment_diff(y, seg)
    nz = np.flatnonzero(np.isfinite(d) & (d != 0))
    if len(nz) < 2:
        return big, amp
    sgn = np.sign(d[nz])
    change = np.flatnonzero(sgn[1:] != sgn[:-1]) + 1
    turning = nz[change]  # the point where the later leg starts is the extremum
    ends = np.concatenate([[0], turning, [k - 1]])
    legs = np.diff(y[ends])
    legs[seg[ends[1:]] != seg[ends[:-1]]] = 0.0
    if len(ends) < 3:
        return big, amp
    smaller_leg = np.minimum(np.abs(legs[:-1]), np.abs(legs[1:]))
    inner = ends[1:-1]
    amp[inner] = smaller_leg
    big[inner] = smaller_leg >= thr[inner]
    return big, amp


def _thresholds(ctx: Context, v: View, y: np.ndarray) -> tuple[np.ndarray, str]:
    """The swing size each point must reach, and how it was set (in words)."""
    cfg = ctx.cfg.oscillation
    train = v.role == "train"
    n = len(y)
    if v.bounded:
        swing = cfg.score_swing if train else cfg.val_score_swing
        return np.full(n, swing), f"{swing:g} absolute"
    window = min(cfg.window, n)
    odd_window = window if window % 2 else window - 1
    level = np.abs(_rolling_median(y, max(odd_window, 3)))
    spread = float(np.subtract(*np.percentile(y, [98, 2])))
    rel_level = cfg.rel_level if train else cfg.val_rel_level
    threshold = np.maximum(rel_level * level, cfg.rel_range * spread)
    threshold = np.maximum(threshold, 1e-12)
    return threshold, f"{rel_level:g} x level and {cfg.rel_range:g} x range"


def _densest_cluster(ctx: Context, large: np.ndarray) -> np.ndarray | None:
    """The largest cluster of large swings (indices) at most ``window`` points apart that
    holds ``min_swings`` of them at ``min_density`` or more; None when there is none."""
    cfg = ctx.cfg.oscillation
    cut = np.flatnonzero(np.diff(large) > cfg.window) + 1
    best = None
    for group in np.split(large, cut):
        span = int(group[-1]) - int(group[0]) + 1
        density = len(group) / max(span, 1)
        if len(group) >= cfg.min_swings and density >= cfg.min_density:
            if best is None or len(group) > len(best):
                best = group
    return best


def _judge(ctx: Context, v: View) -> dict | None:
    """The oscillating stretch of ``v``: where, how many swings, how large; or None."""
    cfg = ctx.cfg.oscillation
    x, y, seg, block, starts, why, end = _series_for(ctx, v)
    n = len(y)
    if n < cfg.min_points and why.startswith("before it froze"):
        return None  # judged: a frozen curve does not swing (rule D / stuck_at_chance say why)
    if n < cfg.min_points:
        ctx.skip(
            v,
            "oscillation",
            f"{n} points{' (block means)' if block > 1 else ''}"
            f"{' ' + why if why else ''}, need {cfg.min_points}",
        )
        return None
    threshold, scale_text = _thresholds(ctx, v, y)
    is_large, amplitude = swings(y, seg, threshold)
    large = np.flatnonzero(is_large)
    if len(large) < cfg.min_swings:
        return None
    cluster = _densest_cluster(ctx, large)
    if cluster is None:
        return None
    # the stretch runs from the turning point before the first swing to the one after the last
    turning = np.flatnonzero(amplitude > 0)
    before = turning[turning < int(cluster[0])]
    after = turning[turning > int(cluster[-1])]
    first = int(before[-1]) if len(before) else 0
    last = int(after[0]) if len(after) else n - 1
    sizes = amplitude[cluster]
    steps = within_segment_diff(y[first : last + 1], seg[first : last + 1])
    steps = steps[np.isfinite(steps) & (steps != 0)]
    flips = float(np.mean(steps[1:] * steps[:-1] < 0)) if len(steps) > 1 else 0.0
    if starts is None:
        x0, x1 = float(x[first]), float(x[last])
    else:  # spans on logged steps, never on block means
        x0 = float(v.x[starts[first]])
        x1 = float(v.x[(starts[last + 1] if last + 1 < len(starts) else end) - 1])
    return {
        "view": v,
        "x0": x0,
        "x1": x1,
        "swings": int(len(cluster)),
        "points": int(last - first + 1),
        "median_swing": float(np.median(sizes)),
        "max_swing": float(np.max(sizes)),
        "strength": float(np.median(sizes / threshold[cluster])) * len(cluster),
        "flip_rate": round(flips, 3),
        "block": int(block),
        "threshold": scale_text,
        "lo": float(np.min(y[first : last + 1])),
        "hi": float(np.max(y[first : last + 1])),
    }


def _without_grainy_training_scores(ctx: Context, hits: list[dict]) -> list[dict]:
    """Leave out training scores that zig-zag while the training loss of the same axis does
    not: that is the accuracy's own graininess (a thresholded, discontinuous function of
    the weights), not an unstable optimiser; the loss is what the optimiser follows."""
    loss_swings = {(h["view"].role, h["view"].kind) for h in hits if h["view"].family == "loss"}
    train_losses = {
        v.kind for v in ctx.of("loss", "train") if v.m >= ctx.cfg.oscillation.min_points
    }
    return [
        h
        for h in hits
        if not (
            h["view"].bounded
            and h["view"].role == "train"
            and h["view"].kind in train_losses
            and ("train", h["view"].kind) not in loss_swings
        )
    ]


def _message(ctx: Context, hits: list[dict]) -> str:
    """The strongest oscillation in numbers, and the other series that oscillate."""
    lead = hits[0]
    v = lead["view"]
    per = "evaluations" if v.role != "train" else "logged values"
    if lead["block"] > 1:
        per = f"block means of {lead['block']} {per}"
    msg = (
        f"{v.name} swings up and down between {fmt(lead['lo'])} and {fmt(lead['hi'])} over "
        f"{ctx.span(lead['x0'], lead['x1'], v)}: {lead['swings']} large swings (peaks or troughs) "
        f"in {lead['points']} {per} (median swing {fmt(lead['median_swing'])}, largest "
        f"{fmt(lead['max_swing'])}; direction flips in {lead['flip_rate'] * 100:.0f}% of steps)"
    )
    others = ", ".join(h["view"].name for h in hits[1:])
    if others:
        msg += f"; also oscillating: {others}"
    return msg + "."


_EVIDENCE_KEYS = (
    "x0",
    "x1",
    "swings",
    "points",
    "median_swing",
    "max_swing",
    "flip_rate",
    "block",
    "threshold",
    "lo",
    "hi",
)


def detect_oscillation(ctx: Context) -> list[Finding]:
    """One finding per run naming every oscillating loss/score, the strongest first.

    Parameters
    ----------
    ctx : Context
        The run being diagnosed (losses and bounded scores; unbounded scores such as
        DPO rewards or margins have no scale to judge swings by).

    Returns
    -------
    list of Finding
        At most one ``oscillation`` finding; ``evidence["metrics"]`` holds, per
        oscillating series, its stretch, swings and threshold.
    """
    hits = []
    for v in ctx.views.values():
        if not (v.family == "loss" or v.bounded) or v.m == 0 or v.name in ctx.duplicates:
            continue
        hit = _judge(ctx, v)
        if hit is not None:
            hits.append(hit)
    hits = _without_grainy_training_scores(ctx, hits)
    if not hits:
        return []
    hits.sort(key=lambda h: -h["strength"])
    lead = hits[0]
    msg = _message(ctx, hits)
    if {h["view"].role for h in hits} == {"val"}:
        msg += " The training curves are smooth: the swings come from evaluation."
        causes = [
            "a small or unrepresentative validation set (each sample moves the score a lot)",
            "learning rate too high: each epoch lands the weights somewhere else",
            "BatchNorm statistics that differ between training and evaluation (small batches)",
        ]
        remedies = ["learning_rate", "reduce_lr_on_plateau", "batch_size"]
    else:
        causes = [
            "learning rate too high: updates overshoot the minimum",
            "batch size too small (noisy gradients)",
            "no learning-rate decay once the loss stops falling",
        ]
        remedies = ["learning_rate", "reduce_lr_on_plateau", "batch_size", "gradient_clipping"]
    evidence = {"metrics": {h["view"].name: {k: h[k] for k in _EVIDENCE_KEYS} for h in hits}}
    confidence = min(1.0, 0.5 + 0.1 * lead["swings"] / max(1, lead["points"] / 10))
    return [
        ctx.finding(
            "oscillation",
            kinds.get("oscillation").severity,
            lead["view"].name,
            lead["x0"],
            lead["x1"],
            msg,
            evidence,
            causes,
            remedies,
            confidence,
        )
    ]
