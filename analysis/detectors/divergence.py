"""``divergence``: unbounded negative losses, runaway growth, loss spikes, overflow to inf.

Rules and sources
-----------------
- unbounded negative loss: a loss that is negative and whose magnitude grows by
  ``neg_growth`` x is falling without bound (cross-entropy and MSE are never
  negative; a binary cross-entropy fed labels outside {0, 1} went -3.4e4 ->
  -6.5e7 in one real log). A "loss going down" rule would call it healthy.
- runaway growth: the training loss ends at least ``growth_factor`` x its best
  and above where it started (TFCheck/TheDeepChecker "loss exploding").
- spikes: a value above ``spike_factor`` x the median of the values before it
  (TensorBoard's reading of a loss spike, tensorflow/tensorboard #6796); a
  warning when the loss came back, critical when it never did. The first point
  of a run or of a restarted segment is never a spike (a high initial loss is
  where training starts).
- overflow: a loss that turns +inf from finite values.

Thresholds: :class:`~analysis.detectors.config.DivergenceConfig`.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from analysis import naming
from analysis.detectors.context import Context
from analysis.detectors.stats import within_segment_diff
from analysis.detectors.views import View
from analysis.detectors.wording import fmt, jnum
from analysis.model import Finding

# -- spikes -----------------------------------------------------------------------


def _backward_median(y: np.ndarray, w: int, seg: np.ndarray | None = None) -> np.ndarray:
    """base[i] = median of the up to ``w`` values before i in the same segment; NaN at segment starts.

    Vectorised (sliding window) for points with ``w`` predecessors in their
    segment; the few points right after a segment start are done one by one.
    """
    k = len(y)
    base = np.full(k, np.nan)
    if k < 2:
        return base
    if k > w:
        win = sliding_window_view(y[:-1], w)  # windows y[j:j+w] for j = 0..k-1-w
        base[w:] = np.median(win, axis=1)
    if seg is None:
        seg = np.zeros(k, dtype=np.int64)
    starts = np.concatenate([[0], np.flatnonzero(np.diff(seg) != 0) + 1])
    seg_start = starts[np.searchsorted(starts, np.arange(k), side="right") - 1]
    redo = np.flatnonzero(np.arange(k) - w < seg_start)
    for i in redo:
        a = seg_start[i]
        base[i] = np.median(y[a:i]) if i > a else np.nan
    return base


def _block_max(v: View) -> tuple[np.ndarray, np.ndarray]:
    """Per analysis point: the largest value in its block and that value's index in ``v.y``."""
    if v.block == 1:
        return v.ya, np.arange(v.k)
    mx = np.maximum.reduceat(v.y, v.starts)
    # index of the max inside each block: first position where y equals its block max
    ends = np.append(v.starts[1:], v.m)
    idx = np.empty(v.k, dtype=np.int64)
    # vectorised: mark y == broadcast block max, take the first mark per block
    owner = np.repeat(np.arange(v.k), ends - v.starts)
    hit = np.flatnonzero(v.y == mx[owner])
    first = np.unique(owner[hit], return_index=True)[1]
    idx[:] = hit[first] if len(first) == v.k else v.starts
    return mx, idx


def _spikes(ctx: Context, v: View) -> dict | None:
    cfg = ctx.cfg.divergence
    if v.k < 3:
        return None
    peak, pidx = _block_max(v)
    base = _backward_median(v.ya, cfg.spike_window, v.sega)
    scale = float(np.median(np.abs(v.ya)))
    floor = max(
        0.1 * (scale if scale > 0 else float(np.mean(np.abs(v.ya)))),
        0.05 * float(np.subtract(*np.percentile(v.ya, [99, 1]))),
    )
    ref = np.maximum(np.abs(base), floor)
    with np.errstate(invalid="ignore"):
        is_spike = (peak - base) > (cfg.spike_factor - 1.0) * ref
    is_spike[0] = False
    newseg = np.flatnonzero(np.diff(v.sega) != 0) + 1
    is_spike[newseg] = False
    is_spike &= np.isfinite(base)
    idx = np.flatnonzero(is_spike)
    if len(idx) == 0:
        return None
    # recovery: the lowest later analysis point, against the baseline and the peak
    sufmin = np.minimum.accumulate(v.ya[::-1])[::-1]
    later = np.append(sufmin[1:], np.inf)[idx]
    recovered = later <= cfg.recover_factor * np.maximum(base[idx], floor)
    stayed_up = ~np.isfinite(later) | (later > base[idx] + 0.5 * (peak[idx] - base[idx]))
    ratio = peak[idx] / ref[idx]
    order = np.argsort(-ratio)
    top = [
        {
            "x": float(v.x[pidx[i]]),
            "value": float(peak[i]),
            "baseline": float(base[i]),
            "ratio": round(float(peak[i] / ref[i]), 1),
            "recovered": bool(rec),
            "lowest_after": jnum(lo),
            "stayed_up": bool(up),
        }
        for i, rec, lo, up in zip(
            idx[order][:5],
            recovered[order][:5],
            later[order][:5],
            stayed_up[order][:5],
            strict=True,
        )
    ]
    return {
        "count": int(len(idx)),
        "last_x": float(v.x[pidx[idx[-1]]]),
        "top": top,
        "all_recovered": bool(recovered.all()),
        "stayed_up": bool(stayed_up[-1] and np.isfinite(later[-1])),
    }


def _dead_after(ctx: Context, name: str, x: float) -> dict | None:
    """How series ``name`` ended after ``x`` when every later value is NaN/inf, else None.

    A spike followed only by non-finite values did not "come back down partly": the
    loss overflowed and training died there (a learning rate far too high: NaN from
    the fifth epoch to the end of the run).
    """
    s = ctx.run.series[name]
    xs = s.continuous_step() if s.n_segments > 1 else s.step
    later = s.value[xs > x]
    if len(later) == 0 or np.isfinite(later).any():
        return None
    first = later[0]
    return {
        "x": float(xs[xs > x][0]),
        "what": "NaN" if np.isnan(later).any() else ("inf" if first > 0 else "-inf"),
        "values": int(len(later)),
    }


def _spike_text(ctx: Context, v: View, spikes: dict, dead: dict | None) -> str:
    """The largest spike, how many there were, and whether the loss came back down."""
    top = spikes["top"][0]
    msg = (
        f"{v.name} spiked to {fmt(top['value'])} at {ctx.at(top['x'], v)}, "
        f"{fmt(top['ratio'])}x the median {fmt(top['baseline'])} of the values before it"
    )
    if spikes["count"] > 1:
        msg += f" ({spikes['count']} spikes in all)"
    if dead is not None:
        return msg + (
            f"; then it went {dead['what']} from {ctx.at(dead['x'], v)} to the end (see "
            "the non_finite finding): it never came back down"
        )
    if spikes["all_recovered"]:
        return msg + "; it came back down afterwards"
    if top["lowest_after"] is None:
        return msg + "; it is the last value logged, so whether it came back down is unknown"
    if spikes["stayed_up"]:
        return msg + "; it stayed up (the last spike never came back down half-way)"
    return msg + f"; it came back down only partly (lowest afterwards {fmt(top['lowest_after'])})"


def _spike_causes(v: View, dead: dict | None) -> list[str]:
    """Ranked causes of spikes in a training loss, a validation loss, or before NaN."""
    if dead is not None:
        return [
            "learning rate too high: the updates blew the weights up (exploding "
            "gradients) until the loss overflowed to NaN",
            "no gradient clipping on a model or loss prone to exploding gradients",
            "unscaled inputs amplifying the first updates",
        ]
    if v.role == "val":
        return [
            "an unstable model state at that epoch (learning rate too high)",
            "a small or unrepresentative validation set",
            "BatchNorm statistics disturbed by small batches",
        ]
    return [
        "learning rate too high for some batches (exploding gradients)",
        "a bad or mislabelled batch, or outliers in the inputs",
        "too small a batch size (noisy gradient estimates)",
    ]


def _spike_finding(ctx: Context, v: View) -> Finding | None:
    """Spikes of loss ``v``: critical when the loss stayed up or went NaN, else a warning."""
    spikes = _spikes(ctx, v)
    if not spikes:
        return None
    top = spikes["top"][0]
    severity = "critical" if spikes["stayed_up"] else "warning"
    dead = _dead_after(ctx, v.name, spikes["last_x"])
    msg = _spike_text(ctx, v, spikes, dead)
    if dead is not None:
        severity = "critical"
        spikes["nonfinite_after"] = dead
    return ctx.finding(
        "divergence",
        severity,
        v.name,
        top["x"],
        top["x"],
        msg,
        {"pattern": "spike", **spikes},
        _spike_causes(v, dead),
        ["gradient_clipping", "learning_rate", "batch_size"],
        confidence=min(1.0, 0.5 + 0.05 * top["ratio"]),
    )


# -- unbounded negative losses, runaway growth, overflow ---------------------------------


def _unbounded_losses(ctx: Context, losses: list[View]) -> dict[str, dict]:
    """Per loss that is negative and falling without bound: first/last value, growth."""
    cfg = ctx.cfg.divergence
    unbounded: dict[str, dict] = {}
    for v in losses:
        if v.m < 3 or v.y[-1] >= 0:
            continue
        negatives = v.y[v.y < 0]
        growth = abs(v.y[-1]) / max(abs(negatives[0]), 1e-300)
        steps = within_segment_diff(v.ya, v.sega)
        steps = steps[np.isfinite(steps)]
        falling = len(steps) > 0 and np.count_nonzero(steps < 0) >= 0.7 * len(steps)
        if growth >= cfg.neg_growth and falling:
            unbounded[v.name] = {
                "first": jnum(v.y[0]),
                "last": jnum(v.y[-1]),
                "growth": round(float(growth), 1),
                "falling_steps": round(float(np.count_nonzero(steps < 0) / len(steps)), 2),
            }
    return unbounded


def _unbounded_finding(ctx: Context, unbounded: dict[str, dict]) -> Finding:
    """One critical finding for every loss falling without bound, a training loss leading."""
    names = sorted(unbounded, key=lambda n: naming.role(n) != "train")
    lead = names[0]
    lead_values = unbounded[lead]
    v = ctx.views[lead]
    others = "; ".join(
        f"{n} {fmt(unbounded[n]['first'])} -> {fmt(unbounded[n]['last'])}" for n in names[1:]
    )
    msg = (
        f"{lead} is negative and falling without bound: {fmt(lead_values['first'])} at "
        f"{ctx.at(v.x[0], v)} -> {fmt(lead_values['last'])} at {ctx.at(v.x[-1], v)} "
        f"({fmt(lead_values['growth'])}x larger in magnitude)"
        + (f"; also {others}" if others else "")
        + ". A cross-entropy or MSE loss is never negative: the objective is unbounded, "
        "so 'loss going down' here is not learning"
    )
    return ctx.finding(
        "divergence",
        "critical",
        lead,
        v.x[0],
        v.x[-1],
        msg,
        {"pattern": "negative_unbounded", "metrics": unbounded},
        [
            "labels outside what the loss expects (e.g. binary_crossentropy with labels not "
            "in {0, 1}, or targets not one-hot)",
            "a custom loss with the wrong sign or an unbounded term (log of a density, "
            "negative log-likelihood without a floor)",
            "final activation does not match the loss (linear output into a probability loss)",
        ],
        ["standardize", "learning_rate"],
        confidence=0.95,
    )


def _runaway(ctx: Context, v: View) -> Finding | None:
    """Loss ``v`` ends ``growth_factor`` x its best and above where it started (from the
    last fresh restart on); the decision uses the medians of the first and last 3."""
    cfg = ctx.cfg.divergence
    restart = ctx.fresh_start(v)
    ya = v.ya[restart:]
    if len(ya) < ctx.cfg.min_points or np.min(ya) <= 0:
        return None
    best_i = int(np.argmin(ya))
    best = float(ya[best_i])
    end = float(np.median(ya[-3:]))  # the decision: robust to one last value
    start = float(np.median(ya[:3]))
    after = ya[best_i:]
    if not (
        end >= cfg.growth_factor * best
        and end > start
        and len(after) >= 3
        and end >= 0.5 * float(np.max(after))
    ):
        return None
    xa = v.xa[restart:]
    last, x_last = float(v.y[-1]), float(v.x[-1])
    first = float(ya[0])
    x_best = v.x_first(restart + best_i) if v.block > 1 else float(xa[best_i])
    robust = (
        f"; median of the last 3: {fmt(end)}, {fmt(end / best)}x" if fmt(end) != fmt(last) else ""
    )
    x_first = float(v.x[0]) if restart == 0 else float(xa[0])
    msg = (
        f"{v.name} runs away: best {fmt(best)} at {ctx.at(x_best, v)}, then grows "
        f"to {fmt(last)} at {ctx.at(x_last, v)} ({fmt(last / best)}x the best"
        f"{robust}), above where it started ({fmt(first)} at {ctx.at(x_first, v)})"
    )
    evidence = {
        "pattern": "runaway",
        "best": best,
        "best_x": x_best,
        "end": last,
        "end_x": x_last,
        "end_median": end,
        "start": first,
        "start_median": start,
        "growth": round(end / best, 2),
    }
    return ctx.finding(
        "divergence",
        "critical",
        v.name,
        x_best,
        x_last,
        msg,
        evidence,
        [
            "learning rate too high: updates overshoot and the loss climbs",
            "exploding gradients (deep or recurrent network without clipping)",
            "unscaled inputs",
        ],
        ["learning_rate", "gradient_clipping", "reduce_lr_on_plateau", "standardize"],
        confidence=0.85,
    )


def _overflows(ctx: Context, explained: set[str]) -> list[Finding]:
    """Losses that went to +inf from finite values (not those already explained)."""
    out = []
    for name, s in ctx.run.series.items():
        if naming.family(name) != "loss" or name in explained or name in ctx.duplicates:
            continue
        v = s.value
        pinf = np.isposinf(v)
        if not pinf.any():
            continue
        i = int(np.argmax(pinf))
        fin = np.flatnonzero(np.isfinite(v[:i]))
        if len(fin) == 0:
            continue
        x = s.continuous_step()
        msg = (
            f"{name} overflowed to inf at {ctx.at(x[i], name)} (last finite "
            f"{fmt(v[fin[-1]])} at {ctx.at(x[fin[-1]], name)}): the loss exploded"
        )
        evidence = {
            "pattern": "overflow",
            "inf_x": float(x[i]),
            "last_finite": float(v[fin[-1]]),
            "last_finite_x": float(x[fin[-1]]),
        }
        causes = [
            "learning rate too high (exploding gradients)",
            "unscaled inputs",
            "numerically unsafe loss (log(0), exp overflow)",
        ]
        out.append(
            ctx.finding(
                "divergence",
                "critical",
                name,
                x[i],
                x[-1],
                msg,
                evidence,
                causes,
                ["learning_rate", "gradient_clipping", "standardize"],
                confidence=0.9,
            )
        )
    return out


def detect_divergence(ctx: Context) -> list[Finding]:
    """Unbounded negative losses, runaway growth, loss spikes, overflow to inf.

    Parameters
    ----------
    ctx : Context
        The run being diagnosed.

    Returns
    -------
    list of Finding
        Kind ``divergence``; ``evidence["pattern"]`` says which rule of the module doc
        (``negative_unbounded``, ``runaway``, ``spike``, ``overflow``). One finding for
        all unbounded losses, then per loss a runaway (training losses, or any loss of a
        run without one) or its spikes, then the overflows of losses not explained yet.
    """
    losses = ctx.of("loss")
    out: list[Finding] = []
    unbounded = _unbounded_losses(ctx, losses)
    if unbounded:
        out.append(_unbounded_finding(ctx, unbounded))
    explained = set(unbounded)
    has_train_loss = any(v.role == "train" for v in losses)
    for v in losses:
        if v.name in explained or v.m < 3:
            continue
        if v.role == "train" or not has_train_loss:
            runaway = _runaway(ctx, v)
            if runaway is not None:
                out.append(runaway)
                explained.add(v.name)
                continue
        spike = _spike_finding(ctx, v)
        if spike is not None:
            out.append(spike)
    return out + _overflows(ctx, explained)
