"""``non_finite`` and ``divergence``: NaN/inf values, loss spikes, runaway and unbounded losses.

Rules and sources
-----------------
- ``non_finite``: any NaN/inf in a metric (Keras ``TerminateOnNaN`` stops on the
  first one; AutoTrainer ICSE'21 treats a NaN loss as "exploding"). Series whose
  first bad value falls at the same x are reported together; the first bad
  epoch, whether it was inf or NaN, and the last finite value before it are
  given (CASES.md case 11). Critical when a loss or score is non-finite to the
  end of the run (training is dead from there), warning for isolated values.
- ``divergence``:

  * unbounded negative loss: a loss that is negative and whose magnitude grows
    by ``neg_growth`` x is falling without bound (cross-entropy and MSE are
    never negative; corpus file 003 goes -3.4e4 -> -6.5e7). A "loss going down"
    rule would call it healthy.
  * runaway growth: the training loss ends at least ``growth_factor`` x its best
    and above where it started (TFCheck/TheDeepChecker "loss exploding").
  * overflow: a loss that turns +inf (CASES.md case 11).
  * spikes: a value above ``spike_factor`` x the median of the values before it
    (CASES.md case 15, TensorBoard #6796); a warning when the loss came back,
    critical when it never did. The first point of a run or of a restarted
    segment is never a spike (a high initial loss is where training starts).
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from analysis import naming
from analysis.detectors.context import Context
from analysis.detectors.stats import within_segment_diff
from analysis.detectors.views import View
from analysis.detectors.wording import fmt, fmt_x, jnum
from analysis.model import Finding

# -- non_finite -------------------------------------------------------------------


def _bad_info(ctx: Context, name: str) -> dict | None:
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


def detect_non_finite(ctx: Context) -> list[Finding]:
    """NaN/inf values: where they start, how many, what came before (see module doc)."""
    groups: dict[tuple[float, bool, str], dict[str, dict]] = {}
    for name in ctx.run.series:
        if naming.is_counter(name) or ctx.repeated_elsewhere(name):
            continue  # a copy on another x grid is the same NaN (judged once, QA2 #2)
        info = _bad_info(ctx, name)
        if info is None:
            continue
        kind = ctx.run.step_kind_of(name)
        groups.setdefault((info["first_x"], info["to_the_end"], kind), {})[name] = info
    out: list[Finding] = []
    for (x0, tail, kind), infos in sorted(groups.items(), key=lambda kv: kv[0][0]):
        names = list(infos)
        # the most important series first: losses, then scores, then the rest
        rank = {"loss": 0, "score": 1, "other": 2, "lr": 3}
        names.sort(key=lambda n: (rank.get(naming.family(n), 2), naming.role(n) != "train"))
        lead = names[0]
        li = infos[lead]
        fam = naming.family(lead)
        all_bad = li["n_nonfinite"] == li["n"]
        from_start = li["last_finite_x"] is None
        lead_view = ctx.views.get(lead)
        where0 = (
            ctx.at_keras(x0, lead_view)
            if lead_view is not None and lead_view.m
            else ctx.at(x0, lead)
        )
        who = (
            ", ".join(names)
            if len(names) <= 4
            else ", ".join(names[:4]) + f" and {len(names) - 4} more"
        )
        if all_bad:
            msg = (
                f"{who}: no finite value at all ({li['n_nonfinite']} of {li['n']} are "
                f"{'NaN' if li['n_nan'] else 'inf'}) — the loss is non-finite from the first "
                f"{ctx.unit_of(lead)}, nothing was learned"
            )
        elif tail:
            kindword = {"nan": "NaN", "inf": "inf", "-inf": "-inf"}[li["first_value"]]
            msg = f"{who}: {kindword} from {where0} to the end"
            if li["first_value"] != "nan" and li["first_nan_x"] is not None:
                msg += f" (NaN from {ctx.at(li['first_nan_x'], lead)})"
            msg += (
                f", {li['n_nonfinite']} of {li['n']} values; last finite {lead} "
                f"{fmt(li['last_finite_value'])} at {ctx.at(li['last_finite_x'], lead)}"
            )
        else:
            pts = ", ".join(fmt_x(b) for b in li.get("bad_x", [])[:5])
            msg = (
                f"{who}: {li['n_nonfinite']} non-finite value(s) ({ctx.unit_of(lead)}s {pts}"
                f"{'…' if li['n_nonfinite'] > 5 else ''}), finite again afterwards"
            )
        # what happened to the accuracies after the first bad value
        collapse = {}
        if tail and not all_bad:
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
                    collapse[v.name] = {
                        "before_max": jnum(np.max(before)),
                        "after": jnum(after[-1]),
                    }
            if collapse:
                n0, c0 = next(iter(collapse.items()))
                msg += (
                    f"; {n0} collapsed from {fmt(c0['before_max'])} to a constant "
                    f"{fmt(c0['after'])} (NaN outputs: every sample gets the same class)"
                )
        # growth before the NaN?
        grew = False
        if not from_start and lead_view is not None and lead_view.m >= 3:
            before = lead_view.y[lead_view.x < x0]
            if len(before) >= 3 and np.min(before) > 0 and before[-1] >= 2 * np.min(before):
                grew = True
        jump = _lr_jump_before(ctx, x0, kind) if not from_start else None
        causes: list[str] = []
        if from_start:
            causes = [
                "inputs not scaled (feature values in the thousands or more) or containing NaN/inf",
                "learning rate far too high for the first updates",
                "a loss that computes log(0) or divides by zero (e.g. custom loss, wrong labels)",
            ]
            remedies = ["standardize", "learning_rate", "gradient_clipping"]
        else:
            if jump:
                causes.append(
                    f"the learning rate was raised {fmt(jump[1])} -> {fmt(jump[2])} at "
                    f"{ctx.at(jump[0], lead)}, just before"
                )
            if grew or li["first_value"] != "nan":
                causes.append(
                    "exploding gradients: the loss grew before it overflowed "
                    "(learning rate too high)"
                )
            causes += [
                "learning rate too high or a sudden learning-rate jump (exploding gradients)",
                "numerically unsafe loss or metric (log(0), division by zero, float16 overflow)",
                "NaN/inf in some input rows reached in this epoch",
            ]
            remedies = ["learning_rate", "gradient_clipping", "standardize"]
        severity = "critical" if (tail and fam in ("loss", "score")) else "warning"
        if fam not in ("loss", "score") and not tail:
            severity = "info"
        evidence = {"metrics": infos}
        if collapse:
            evidence["collapsed"] = collapse
        if jump:
            evidence["lr_jump"] = {"x": jump[0], "from": jump[1], "to": jump[2]}
        end = ctx.run.series[lead].continuous_step()[-1] if tail else x0
        out.append(
            ctx.finding(
                "non_finite",
                severity,
                lead,
                x0,
                end,
                msg,
                evidence,
                causes,
                remedies,
                confidence=1.0,
            )
        )
    return out


# -- divergence -------------------------------------------------------------------


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
    loss overflowed and training died there (QA2 #9: a too-high learning rate, NaN from
    epoch 4 to the end of 40).
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


def detect_divergence(ctx: Context) -> list[Finding]:
    """Unbounded negative losses, runaway growth, overflow to inf, loss spikes."""
    cfg = ctx.cfg.divergence
    out: list[Finding] = []
    losses = ctx.of("loss")
    has_train_loss = any(v.role == "train" for v in losses)

    # 1. negative and unbounded (grouped: one finding for all such losses)
    neg: dict[str, dict] = {}
    for v in losses:
        if v.m < 3 or v.y[-1] >= 0:
            continue
        negs = v.y[v.y < 0]
        growth = abs(v.y[-1]) / max(abs(negs[0]), 1e-300)
        d = within_segment_diff(v.ya, v.sega)
        d = d[np.isfinite(d)]
        falling = len(d) > 0 and np.count_nonzero(d < 0) >= 0.7 * len(d)
        if growth >= cfg.neg_growth and falling:
            neg[v.name] = {
                "first": jnum(v.y[0]),
                "last": jnum(v.y[-1]),
                "growth": round(float(growth), 1),
                "falling_steps": round(float(np.count_nonzero(d < 0) / len(d)), 2),
            }
    if neg:
        names = list(neg)
        names.sort(key=lambda n: naming.role(n) != "train")
        lead = names[0]
        e = neg[lead]
        v = ctx.views[lead]
        others = "; ".join(
            f"{n} {fmt(neg[n]['first'])} -> {fmt(neg[n]['last'])}" for n in names[1:]
        )
        msg = (
            f"{lead} is negative and falling without bound: {fmt(e['first'])} at "
            f"{ctx.at(v.x[0], v)} -> {fmt(e['last'])} at {ctx.at(v.x[-1], v)} "
            f"({fmt(e['growth'])}x larger in magnitude)"
            + (f"; also {others}" if others else "")
            + ". A cross-entropy or MSE loss is never negative: the objective is unbounded, "
            "so 'loss going down' here is not learning"
        )
        out.append(
            ctx.finding(
                "divergence",
                "critical",
                lead,
                v.x[0],
                v.x[-1],
                msg,
                {"pattern": "negative_unbounded", "metrics": neg},
                [
                    "labels outside what the loss expects (e.g. binary_crossentropy with labels not "
                    "in {0, 1}, or targets not one-hot)",
                    "a custom loss with the wrong sign or an unbounded term (log of a density, "
                    "negative log-likelihood without a floor)",
                    "final activation does not match the loss (linear output into a "
                    "probability loss)",
                ],
                ["standardize", "learning_rate"],
                confidence=0.95,
            )
        )
    taken = set(neg)

    for v in losses:
        if v.name in taken or v.m < 3:
            continue
        # 2. runaway growth: training losses (or losses of a run without a training loss)
        if v.role == "train" or not has_train_loss:
            s0 = ctx.fresh_start(v)
            ya = v.ya[s0:]
            if len(ya) >= ctx.cfg.min_points and np.min(ya) > 0:
                ib = int(np.argmin(ya))
                best = float(ya[ib])
                end = float(np.median(ya[-3:]))  # the decision: robust to one last value
                start = float(np.median(ya[:3]))
                after = ya[ib:]
                if (
                    end >= cfg.growth_factor * best
                    and end > start
                    and len(after) >= 3
                    and end >= 0.5 * float(np.max(after))
                ):
                    xa = v.xa[s0:]
                    last, x_last = float(v.y[-1]), float(v.x[-1])
                    first = float(ya[0])
                    xb = v.x_first(s0 + ib) if v.block > 1 else float(xa[ib])
                    robust = (
                        f"; median of the last 3: {fmt(end)}, {fmt(end / best)}x"
                        if fmt(end) != fmt(last)
                        else ""
                    )
                    x_first = float(v.x[0]) if s0 == 0 else float(xa[0])
                    msg = (
                        f"{v.name} runs away: best {fmt(best)} at {ctx.at(xb, v)}, then grows "
                        f"to {fmt(last)} at {ctx.at(x_last, v)} ({fmt(last / best)}x the best"
                        f"{robust}), above where it started ({fmt(first)} at "
                        f"{ctx.at(x_first, v)})"
                    )
                    out.append(
                        ctx.finding(
                            "divergence",
                            "critical",
                            v.name,
                            xb,
                            x_last,
                            msg,
                            {
                                "pattern": "runaway",
                                "best": best,
                                "best_x": xb,
                                "end": last,
                                "end_x": x_last,
                                "end_median": end,
                                "start": first,
                                "start_median": start,
                                "growth": round(end / best, 2),
                            },
                            [
                                "learning rate too high: updates overshoot and the loss climbs",
                                "exploding gradients (deep or recurrent network without clipping)",
                                "unscaled inputs",
                            ],
                            [
                                "learning_rate",
                                "gradient_clipping",
                                "reduce_lr_on_plateau",
                                "standardize",
                            ],
                            confidence=0.85,
                        )
                    )
                    taken.add(v.name)
                    continue
        # 3. spikes
        sp = _spikes(ctx, v)
        if sp:
            t = sp["top"][0]
            sev = "critical" if sp["stayed_up"] else "warning"
            where = ctx.at(t["x"], v)
            msg = (
                f"{v.name} spiked to {fmt(t['value'])} at {where}, {fmt(t['ratio'])}x the median "
                f"{fmt(t['baseline'])} of the values before it"
            )
            if sp["count"] > 1:
                msg += f" ({sp['count']} spikes in all)"
            dead = _dead_after(ctx, v.name, sp["last_x"])
            if dead is not None:
                sev = "critical"
                sp["nonfinite_after"] = dead
                msg += (
                    f"; then it went {dead['what']} from {ctx.at(dead['x'], v)} to the end (see "
                    "the non_finite finding): it never came back down"
                )
            elif sp["all_recovered"]:
                msg += "; it came back down afterwards"
            elif t["lowest_after"] is None:
                msg += "; it is the last value logged, so whether it came back down is unknown"
            elif sp["stayed_up"]:
                msg += "; it stayed up (the last spike never came back down half-way)"
            else:
                msg += (
                    f"; it came back down only partly (lowest afterwards {fmt(t['lowest_after'])})"
                )
            causes = [
                "learning rate too high for some batches (exploding gradients)",
                "a bad or mislabelled batch, or outliers in the inputs",
                "too small a batch size (noisy gradient estimates)",
            ]
            if v.role == "val":
                causes = [
                    "an unstable model state at that epoch (learning rate too high)",
                    "a small or unrepresentative validation set",
                    "BatchNorm statistics disturbed by small batches",
                ]
            if dead is not None:
                causes = [
                    "learning rate too high: the updates blew the weights up (exploding "
                    "gradients) until the loss overflowed to NaN",
                    "no gradient clipping on a model or loss prone to exploding gradients",
                    "unscaled inputs amplifying the first updates",
                ]
            out.append(
                ctx.finding(
                    "divergence",
                    sev,
                    v.name,
                    t["x"],
                    t["x"],
                    msg,
                    {"pattern": "spike", **sp},
                    causes,
                    ["gradient_clipping", "learning_rate", "batch_size"],
                    confidence=min(1.0, 0.5 + 0.05 * t["ratio"]),
                )
            )
    # 4. overflow to +inf (CASES.md case 11): the loss went to inf from finite values
    for name, s in ctx.run.series.items():
        if naming.family(name) != "loss" or name in taken or name in ctx.duplicates:
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
        out.append(
            ctx.finding(
                "divergence",
                "critical",
                name,
                x[i],
                x[-1],
                msg,
                {
                    "pattern": "overflow",
                    "inf_x": float(x[i]),
                    "last_finite": float(v[fin[-1]]),
                    "last_finite_x": float(x[fin[-1]]),
                },
                [
                    "learning rate too high (exploding gradients)",
                    "unscaled inputs",
                    "numerically unsafe loss (log(0), exp overflow)",
                ],
                ["learning_rate", "gradient_clipping", "standardize"],
                confidence=0.9,
            )
        )
    return out


# -- suspicious_zero_loss ---------------------------------------------------------------


def detect_zero_loss(ctx: Context) -> list[Finding]:
    """A loss that is exactly 0.0 for a stretch: a collapse too good to be true.

    Cross-entropy reaches exactly 0 only when every sample gets probability 1 for
    its label; Keras even clips probabilities to ``1e-7`` so its cross-entropies
    never log 0.0, and Hugging Face rounds the logged loss to 4 decimals, so a
    logged 0.0 means below 5e-5 on every batch. On real data that is a label
    leak, one-class data or a loss that is masked away (corpus 062: training
    loss 0.85 -> 0.045 in 30 steps and exactly 0.0 in 54 rows from step 970,
    eval_loss 2.1e-05). Rule: at least ``ZeroLossConfig.min_points`` consecutive
    values of a loss are exactly 0.0 and none is negative (negative losses are
    :func:`detect_divergence`'s). One ``warning`` per run naming every such loss.
    """
    c = ctx.cfg.zero_loss
    hits: dict[str, dict] = {}
    for v in ctx.of("loss"):
        if v.m == 0 or float(np.min(v.y)) < 0:
            continue
        zero = v.y == 0.0
        nz = int(np.count_nonzero(zero))
        if nz < c.min_points:
            continue
        # the longest stretch of consecutive zeros: a hinge/triplet loss that is 0 on an easy
        # batch now and then (corpus tfevents/04: 7 isolated zeros among 392) is no collapse
        edges = np.diff(np.concatenate([[0], zero.astype(np.int8), [0]]))
        run_start, run_end = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
        longest = int(np.max(run_end - run_start))
        if longest < c.min_points:
            continue
        i0 = int(run_start[np.argmax(run_end - run_start)])
        pos = v.y[v.y > 0]
        info = {
            "n_zero": nz,
            "longest_run": longest,
            "n": int(v.m),
            "first_zero_x": float(v.x[i0]),
            "zero_to_the_end": bool(zero[i0:].all()),
            "first": float(v.y[0]),
            "last_nonzero": jnum(pos[-1]) if len(pos) else None,
        }
        # how fast it collapsed: where it first fell below a tenth of its first value
        if v.y[0] > 0:
            j = np.flatnonzero(v.y <= 0.1 * v.y[0])
            if len(j):
                info["below_10pct_x"] = float(v.x[j[0]])
                info["below_10pct_value"] = float(v.y[j[0]])
        hits[v.name] = info
    if not hits:
        return []
    names = sorted(hits, key=lambda n: (naming.role(n) != "train", -hits[n]["n_zero"]))
    lead = names[0]
    h = hits[lead]
    v = ctx.views[lead]
    msg = f"{lead} is exactly 0.0 in {h['n_zero']} of {h['n']} logged values, " + (
        f"every one from {ctx.at(h['first_zero_x'], v)} to the end"
        if h["zero_to_the_end"]
        else f"{h['longest_run']} in a row from {ctx.at(h['first_zero_x'], v)}"
    )
    if "below_10pct_x" in h:
        msg += (
            f"; it fell from {fmt(h['first'])} to {fmt(h['below_10pct_value'])} by "
            f"{ctx.at(h['below_10pct_x'], v)}"
        )
    if len(names) > 1:
        msg += "; also " + ", ".join(f"{n} ({hits[n]['n_zero']} zeros)" for n in names[1:])
    others = [w for w in ctx.of("loss") if w.name not in hits and w.role != v.role and w.m]
    ev: dict = {"metrics": hits}
    if others:
        o = others[0]
        ev["other_loss"] = {"name": o.name, "min": float(np.min(o.y)), "last": float(o.y[-1])}
        msg += f" ({o.name} {fmt(float(o.y[-1]))})"
    msg += (
        ". A real loss almost never reaches exactly 0: the model is perfectly sure of every "
        "label, which usually means the task became trivial by accident."
    )
    causes = [
        "label leak: a feature (or the input text) contains the label, or validation rows "
        "are copies of training rows",
        "one-class data: every sample has the same label (check the class counts)",
        "loss masking: every label position is masked (e.g. -100 everywhere), so the "
        "loss is 0 by construction",
        "the logger rounds (Hugging Face logs 4 decimals: below 5e-5 shows as 0.0) on a "
        "genuinely easy task",
    ]
    i0 = int(np.searchsorted(v.x, h["first_zero_x"]))
    x_end = float(v.x[min(i0 + h["longest_run"] - 1, v.m - 1)])
    return [
        ctx.finding(
            "suspicious_zero_loss",
            "warning",
            lead,
            h["first_zero_x"],
            x_end,
            msg,
            ev,
            causes,
            [],
            0.8,
        )
    ]
