"""``overfitting``, ``plateau`` and ``slow_convergence``: is the run still getting better, and where?

All three read the analysis points of a view (block means for long series) from
the last fresh restart on (:meth:`analysis.detectors.context.Context.fresh_start`),
and count patience in *evaluations*: with ``validation_freq > 1`` or a Hugging
Face ``eval_steps`` grid, one point is one evaluation, which is what Keras'
callbacks count too (they only see epochs where the monitor was logged).

- ``overfitting`` follows EarlyStopping: the best evaluation is the last one
  that beat the best so far by more than ``min_delta``; the validation loss must
  then stay un-improved for ``patience`` evaluations, end at least ``min_rise``
  above the best (median of the last ``end_points`` values), while the training
  loss of the same run keeps falling by at least ``min_train_gain``. Reported:
  the best epoch (what ``restore_best_weights=True`` keeps), where EarlyStopping
  would have stopped, how much worse the end is, the widening gap, and what the
  validation accuracy did meanwhile (CASES.md case 22). Without a loss pair the
  same test runs on score pairs (accuracy) with an absolute drop.
- ``slow_convergence``: see :class:`~analysis.detectors.config.SlowConvergenceConfig`.
- ``plateau`` follows ReduceLROnPlateau: no improvement by ``min_delta`` for
  ``patience`` evaluations, with ``min_delta`` raised to the series' noise and
  to 0.1 % of the best (PyTorch's relative threshold) so the rule is unit-free
  (documented in :class:`~analysis.detectors.config.PlateauConfig`). A series
  still improving steadily (slow convergence) is not on a plateau.
"""

from __future__ import annotations

import math
import os

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from analysis import naming
from analysis.detectors.context import Context
from analysis.detectors.stats import keras_improvements, noise_sd, ols_slope_t, rel_noise
from analysis.detectors.views import View
from analysis.detectors.wording import fmt, jnum, pct
from analysis.model import Finding


def _med3(y: np.ndarray) -> np.ndarray:
    """Running median of 3 (ends kept): removes single-point noise before interpolation."""
    if len(y) < 3:
        return y
    out = y.copy()
    out[1:-1] = np.median(sliding_window_view(y, 3), axis=1)
    return out


def _running_mean(y: np.ndarray, w: int) -> np.ndarray:
    """Centred running mean of width ``w`` (shrinking at the ends), vectorised with cumsum."""
    k = len(y)
    if w <= 1 or k < 3:
        return y
    h = w // 2
    c = np.concatenate([[0.0], np.cumsum(y)])
    lo = np.clip(np.arange(k) - h, 0, k)
    hi = np.clip(np.arange(k) + h + 1, 0, k)
    return (c[hi] - c[lo]) / (hi - lo)


def _values_at(view: View, xs, ctx: Context | None = None) -> np.ndarray:
    """The view's smoothed values interpolated at ``xs`` (continuous step).

    Epoch-level series get a running median of 3 (one noisy epoch does not
    decide); per-batch series (:meth:`Context.is_per_batch`) a running mean over
    ``oscillation.batch_block`` points, so a single minibatch is never "the
    training loss at the best epoch".
    """
    y = view.ya
    if ctx is not None and ctx.is_per_batch(view):
        y = _running_mean(y, min(ctx.cfg.oscillation.batch_block, max(3, view.k // 5)))
    else:
        y = _med3(y)
    return np.interp(np.atleast_1d(np.asarray(xs, dtype=float)), view.xa, y)


def _score_companion(ctx: Context, val: View) -> View | None:
    """The validation accuracy-like view that goes with ``val`` (for the over-confidence note).

    Among the bounded scores of the same side and x kind, the one whose name
    shares the longest prefix with ``val``'s (``fine_tune_val_accuracy`` for
    ``fine_tune_val_loss``), accuracies first.
    """
    cands = [
        v
        for v in ctx.views.values()
        if v.role == val.role
        and v.bounded
        and v.direction == "max"
        and v.m >= 2
        and v.kind == val.kind
        and v.name not in ctx.duplicates
    ]
    if not cands:
        return None

    def common(a: str, b: str) -> int:
        return len(os.path.commonprefix([a.lower(), b.lower()]))

    cands.sort(key=lambda v: (-common(v.name, val.name), "acc" not in v.name.lower()))
    return cands[0]


def _train_text(ctx: Context, T: View, xb: float, xe: float) -> tuple[float, float, str]:
    """What a person reads off the training curve at ``xb`` and ``xe``: (at best, at end, how).

    Epoch-level curves: the logged values nearest to those positions. Per-batch
    curves (:meth:`Context.is_per_batch`) are quoted as the running mean the
    decision used, and the text says so (one minibatch is never "the training
    loss at the best epoch").
    """
    if ctx.is_per_batch(T):
        w = min(ctx.cfg.oscillation.batch_block, max(3, T.k // 5))
        tb, te = (float(v) for v in _values_at(T, [xb, xe], ctx))
        return tb, te, f" (running mean over {w * T.block} logged values)"
    return T.value_at(xb)[0], T.value_at(xe)[0], ""


def _judge_overfit(
    ctx: Context, T: View | None, V: View, other_axis: View | None = None
) -> Finding | None:
    cfg = ctx.cfg.overfitting
    s0 = ctx.fresh_start(V)
    xv, yv = V.xa[s0:], V.ya[s0:]
    k = len(yv)
    if k < ctx.cfg.min_points:
        ctx.skip(V, "overfitting", f"{k} points, need {ctx.cfg.min_points}")
        return None
    is_loss = V.direction != "max"
    imp = keras_improvements(yv, cfg.min_delta, V.direction)
    b = imp[-1]
    best = float(yv[b])
    after = k - 1 - b
    if after < cfg.patience:
        return None
    e = max(1, min(cfg.end_points, after))
    end_med = float(np.median(yv[-e:]))  # the decision: one noisy last epoch does not decide
    last, x_last = float(V.y[-1]), float(V.x[-1])  # what the table shows at the end
    if is_loss:
        if best <= 0:
            return None
        rise = (end_med - best) / best
        rise_last = (last - best) / best
        # significance against the curve's noise uses the best's neighbourhood (median of 3),
        # so the deepest dip of a noisy curve is not taken as its level
        best_s = float(np.median(yv[b - 1 : b + 2])) if 0 < b < k - 1 else best
        if rise < cfg.min_rise or (end_med - best_s) <= cfg.noise_k * noise_sd(yv, V.sega[s0:]):
            return None
        ipk = b + int(np.argmax(yv[b:]))
    else:
        rise = best - end_med
        rise_last = best - last
        best_s = float(np.median(yv[b - 1 : b + 2])) if 0 < b < k - 1 else best
        if best_s - end_med < cfg.score_min_drop or (best_s - end_med) <= cfg.noise_k * noise_sd(
            yv, V.sega[s0:]
        ):
            return None
        ipk = b + int(np.argmin(yv[b:]))
    xb = float(xv[b])
    if V.block > 1:
        xb = V.x_first(s0 + b)
    ev: dict = {
        "monitor": V.name,
        "best": best,
        "best_x": xb,
        "end": last,
        "end_x": x_last,
        "end_median": end_med,
        "end_points": int(e),
        "worst": float(yv[ipk]),
        "worst_x": float(xv[ipk]),
        ("rise" if is_loss else "drop"): round(float(rise_last), 4),
        ("rise_median" if is_loss else "drop_median"): round(float(rise), 4),
        "evaluations_after_best": int(after),
    }
    stop_i = b + cfg.patience
    x_stop = float(xv[stop_i]) if stop_i < k else None
    ev["early_stopping"] = {
        "patience": cfg.patience,
        "min_delta": cfg.min_delta,
        "stop_x": x_stop,
        "restored_x": xb,
    }
    train_txt = ""
    gap_txt = ""
    flat_train = False
    if T is not None:
        # the decision: smoothed training values (running median / mean), robust to one epoch
        tb = float(_values_at(T, xb, ctx)[0])
        te = float(np.median(_values_at(T, xv[-e:], ctx)))
        # the text: values a person finds in the table
        tb_q, te_q, how = _train_text(ctx, T, xb, x_last)
        # a noisy training curve: the logged values at those two epochs may not show what the
        # smoothed curve does; then the smoothed values lead and the logged ones are given too
        noisy = ""
        if not how and (fmt(tb_q), fmt(te_q)) != (fmt(tb), fmt(te)):
            agree = (
                (tb_q - te_q) / max(abs(tb_q), 1e-12) >= cfg.min_train_gain
                if is_loss
                else te_q - tb_q >= 0.01
            )
            if not agree:
                noisy = (
                    f" (running median of 3 at {ctx.at(xb, T)}, median of the last {e}; "
                    f"the curve is noisy: logged {fmt(tb_q)} and {fmt(te_q)} there)"
                )
                tb_q, te_q = tb, te
        if is_loss:
            gain = (tb - te) / max(abs(tb), 1e-12)
            gain_q = (tb_q - te_q) / max(abs(tb_q), 1e-12)
            if gain >= cfg.min_train_gain:
                train_txt = (
                    f" while {T.name}{how} kept falling {fmt(tb_q)} -> {fmt(te_q)} "
                    f"({pct(-gain_q)}){noisy}"
                )
            elif rise >= cfg.critical_rise and gain >= -cfg.flat_train_tol:
                tb_q, te_q = tb, te  # "about where it was" is a statement about the smoothed curve
                train_txt = (
                    f" while {T.name}{how} stayed about where it was ({fmt(tb)} -> "
                    f"{fmt(te)}{', smoothed' if not how else ''}): the generalisation "
                    "gap opened without the training loss improving"
                )
                flat_train = True
            else:
                return None
        else:
            gain = te - tb
            if gain < 0.01 and te < ctx.cfg.chance.perfect:
                return None
            if te_q > tb_q and fmt(te_q) != fmt(tb_q):
                train_txt = f" while {T.name}{how} kept rising {fmt(tb_q)} -> {fmt(te_q)}{noisy}"
            else:  # a training score already at the top (1.0) stays there
                train_txt = (
                    f" while {T.name}{how} stayed at {fmt(te_q)} ({fmt(tb_q)} at the best "
                    f"{ctx.unit_of(V)}){noisy}"
                )
        ev.update(
            {
                "train": T.name,
                "train_at_best": tb_q,
                "train_end": te_q,
                "train_gain": round(float(gain), 4),
            }
        )
        if naming.partner(V.name, ctx.views) == T.name:  # same metric: the gap means something
            gap_b = (best - tb_q) if is_loss else (tb_q - best)
            gap_e = (last - te_q) if is_loss else (te_q - last)
            ev.update({"gap_at_best": gap_b, "gap_end": gap_e})
            if gap_e > gap_b:
                gap_txt = f"; the gap widened {fmt(gap_b)} -> {fmt(gap_e)}"
    word = "higher" if is_loss else "lower"
    if is_loss:
        ended = f"{pct(rise_last)} {word} at {fmt(last)}"
        robust = f"median of the last {e}: {fmt(end_med)}, {pct(rise)}"
    else:
        ended = f"{fmt(rise_last)} lower at {fmt(last)}"
        robust = f"median of the last {e}: {fmt(end_med)}, {fmt(rise)} lower"
    robust = f"; {robust}" if e > 1 and fmt(end_med) != fmt(last) else ""
    blocks = f" (block means of {V.block} values)" if V.block > 1 else ""
    msg = (
        f"{V.name}{blocks} was best at {ctx.at_keras(xb, V)} ({fmt(best)}) and ended "
        f"{ended} ({ctx.at(x_last, V)}{robust}; worst {fmt(float(yv[ipk]))} at "
        f"{ctx.at(float(xv[ipk]), V)}){train_txt}{gap_txt}."
    )
    # what the validation accuracy did meanwhile (CASES.md case 22)
    comp = _score_companion(ctx, V) if is_loss else None
    if comp is not None:
        ab = float(_values_at(comp, xb, ctx)[0])
        ae = float(np.median(comp.y[comp.x >= xv[-e]])) if np.any(comp.x >= xv[-e]) else ab
        ab_q, ae_q = comp.value_at(xb)[0], comp.value_at(x_last)[0]
        ev["val_score"] = {
            "name": comp.name,
            "at_best": ab_q,
            "end": ae_q,
            "at_best_smoothed": ab,
            "end_median": ae,
        }
        if ae > ab + 0.005 and ae_q > ab_q:
            msg += (
                f" {comp.name} still crept up {fmt(ab_q)} -> {fmt(ae_q)}: the model grows "
                "over-confident on the samples it gets wrong (loss rises, accuracy does not fall)."
            )
        elif ae < ab - 0.005 and ae_q < ab_q:
            msg += f" {comp.name} fell too, {fmt(ab_q)} -> {fmt(ae_q)}."
    if x_stop is not None:
        msg += (
            f" EarlyStopping(monitor='{ctx.monitor(V.name)}', patience={cfg.patience}, "
            f"restore_best_weights=True) would have stopped at {ctx.at(x_stop, V)} and kept "
            f"{ctx.at(xb, V)}."
        )
    causes = [
        "model too large for the amount of training data: it memorises the training set",
        "too little regularisation (no L2 weight penalty or dropout)",
        "trained too long without early stopping",
    ]
    chance = ctx.extra.get("val_at_chance")
    if chance and T is not None:
        causes.insert(
            0,
            f"validation accuracy stays at chance ({chance}): the labels may "
            "carry no signal the model can learn, so it memorises noise",
        )
        msg += f" Validation accuracy never left chance ({chance})."
    if T is None and other_axis is not None:
        msg += (
            f" {other_axis.name} is logged per {other_axis.kind} and {V.name} per {V.kind}, "
            "so the two are not compared point by point; a validation loss rising after "
            "its best usually means overfitting."
        )
        ev["unpaired_train"] = {"name": other_axis.name, "kind": other_axis.kind}
    elif T is None:
        msg += (
            " This log has no training curve to confirm that training still improved; a "
            "validation loss rising after its best usually means overfitting."
        )
    if is_loss:
        sev = (
            "critical"
            if rise >= cfg.critical_rise
            else "warning"
            if rise >= cfg.warning_rise
            else "info"
        )
    else:
        sev = "critical" if rise >= 0.1 else "warning"
    if (T is None or flat_train) and sev == "critical":
        sev = "warning"
    conf = min(1.0, 0.55 + (rise if is_loss else 3 * rise) + (0.1 if gap_txt else 0.0)) * (
        1.0 if T is not None else 0.6
    )
    return ctx.finding(
        "overfitting",
        sev,
        V.name,
        xb,
        x_last,
        msg,
        ev,
        causes,
        ["early_stopping", "l2", "dropout"],
        conf,
    )


def _judge_gap(ctx: Context, T: View, V: View) -> Finding | None:
    """AutoTrainer's generalisation-gap rule on a score pair, with a widening gap."""
    cfg = ctx.cfg.overfitting
    s0 = ctx.fresh_start(V)  # after a fresh restart, the best of the earlier attempt is not "best"
    if V.k - s0 < ctx.cfg.min_points or T.k < ctx.cfg.min_points:
        return None
    imp = keras_improvements(V.ya[s0:], 0.0, "max")
    b = s0 + imp[-1]
    xb = float(V.xa[b])
    e = min(cfg.end_points, V.k)
    ve = float(np.median(V.ya[-e:]))
    te = float(np.median(_values_at(T, V.xa[-e:], ctx)))
    tb = float(_values_at(T, xb, ctx)[0])
    gap_e = te - ve
    gap_b = tb - float(V.ya[b])
    need = cfg.gap_high if te > 0.9 else cfg.gap_low
    if gap_e < need or gap_e < gap_b + cfg.gap_widen or V.k - 1 - b < cfg.patience:
        return None
    x_last = float(V.x[-1])
    ve_q = float(V.y[-1])
    tb_q, te_q, how = _train_text(ctx, T, xb, x_last)
    gap_q = te_q - ve_q
    drop = float(V.ya[b]) - ve
    robust = (
        f"; medians of the last {e}: {fmt(te)} and {fmt(ve)}, a gap of {fmt(gap_e)}"
        if e > 1 and (fmt(te) != fmt(te_q) or fmt(ve) != fmt(ve_q))
        else ""
    )
    msg = (
        f"{T.name}{how} ends at {fmt(te_q)} but {V.name} at {fmt(ve_q)} "
        f"({ctx.at(x_last, V)}): a gap of {fmt(gap_q)} "
        f"(AutoTrainer flags {need:g} or more{robust}), widening from {fmt(gap_b)} at the best "
        f"{V.name} {fmt(float(V.ya[b]))} ({ctx.at_keras(xb, V)})"
        + (f", after which {V.name} fell by {fmt(drop)}" if drop > 0.005 else "")
        + ". The model fits the training data far better than data it has not seen."
    )
    sev = "critical" if (gap_e >= 0.3 and drop >= 0.1) else "warning"
    ev = {
        "rule": "gap",
        "train": T.name,
        "monitor": V.name,
        "train_end": te_q,
        "val_end": ve_q,
        "train_end_median": te,
        "val_end_median": ve,
        "end_x": x_last,
        "gap_end": gap_e,
        "gap_at_best": gap_b,
        "best": float(V.ya[b]),
        "best_x": xb,
        "drop": drop,
    }
    causes = [
        "model too large for the amount of training data: it memorises the training set",
        "too little regularisation (no L2 weight penalty or dropout)",
        "training and validation data differ (distribution shift, leakage in training)",
    ]
    return ctx.finding(
        "overfitting",
        sev,
        V.name,
        xb,
        x_last,
        msg,
        ev,
        causes,
        ["early_stopping", "l2", "dropout"],
        min(1.0, 0.5 + gap_e),
    )


def detect_overfitting(ctx: Context) -> list[Finding]:
    """Overfitting on every validation loss (paired or alone), then on score pairs.

    Score pairs (accuracy) are judged when no loss-based finding was made: a
    validation score that fell from its best while the training score rose, or
    AutoTrainer's widening generalisation gap. A validation series identical to
    one already judged (``val_mse`` duplicating ``val_loss``) is skipped
    (:attr:`Context.duplicates`), and so is one an earlier finding explains
    (:meth:`Context.is_superseded`).
    """
    out: list[Finding] = []
    loss_pairs = [(t, v) for t, v in ctx.pairs() if v.family == "loss" and t.family == "loss"]
    paired = {v.name for _, v in loss_pairs}
    cands: list[tuple[View | None, View]] = list(loss_pairs)
    # an evaluation loss without a same-named training partner (eval_wer, eval_g0_loss)
    # is compared with the run's training loss: it is the same model being trained
    cands += [
        (ctx.main_train_loss(target=v), v) for v in ctx.of("loss", "val") if v.name not in paired
    ]
    for T, V in cands:
        if ctx.is_superseded("overfitting", V.name) or V.m == 0:
            continue
        if T is not None and T.m < 2:
            T = None  # a training curve with no finite values cannot be compared
        other = ctx.main_train_loss() if T is None else None
        f = _judge_overfit(ctx, T, V, other if other is not None and other.m >= 2 else None)
        if f is not None:
            out.append(f)
    if out:
        return out
    for T, V in ctx.pairs():
        if not (V.bounded and T.bounded) or ctx.is_superseded("overfitting", V.name):
            continue
        if V.m == 0 or T.m < 2:
            continue
        f = _judge_overfit(ctx, T, V)
        if f is None and naming.is_accuracy(V.name):
            f = _judge_gap(ctx, T, V)
        if f is not None:
            out.append(f)
    return out


# -- slow convergence ----------------------------------------------------------------


def _judge_slow(ctx: Context, V: View) -> Finding | None:
    c = ctx.cfg.slow_convergence
    s0 = ctx.fresh_start(V)
    xa, ya = V.xa[s0:], V.ya[s0:]
    k = len(ya)
    if k < c.min_points:
        ctx.skip(V, "slow_convergence", f"{k} points, need {c.min_points}")
        return None
    if V.family == "loss" and float(np.min(ya)) < 0:
        return None
    W = min(k, max(c.min_tail, math.ceil(c.tail_fraction * k)))
    xt, yt = xa[-W:], ya[-W:]
    g = V.better(yt[1:], yt[:-1])
    n_better = int(np.count_nonzero(g > 0))
    frac = n_better / len(g)
    slope, t = ols_slope_t(xt, yt)
    t_dir = t if V.direction == "max" else -t
    if frac < c.min_improving or t_dir < c.min_t:
        return None
    h = W // 2
    g1 = float(V.better(yt[h], yt[0])) / max(h, 1)
    g2 = float(V.better(yt[-1], yt[h])) / max(W - 1 - h, 1)
    if g2 <= 0:
        return None
    dist = max((W - 1) / 2.0, 1.0)
    q = min(1.0, (g2 / g1) ** (1.0 / dist)) if g1 > 0 else 1.0
    H = c.horizon_fraction * k
    gain = g2 * H if q >= 0.9999 else g2 * q * (1 - q**H) / (1 - q)
    last = float(ya[-1])
    level = (1.0 - last) if (V.bounded and V.direction == "max") else abs(last)
    start_level = float(np.median(ya[:3]))
    progress = float(V.better(last, start_level))
    if progress <= 0:
        return None  # worse than where it started: recovering from a jump is not convergence
    ok = (
        gain >= c.min_gain_level * level and gain >= c.min_gain_progress * progress
    ) or gain >= c.strong_gain_progress * progress
    if not ok:
        return None
    dx = float(np.median(np.diff(xt))) if W > 1 else 1.0
    per_x = g2 / dx if dx > 0 else g2
    more_x = H * dx
    proj = (
        last - gain if V.direction != "max" else min(1.0, last + gain) if V.bounded else last + gain
    )
    rel = gain / max(level, 1e-12)
    shape = (
        "no sign of slowing down (gains per step stay the same)"
        if q >= 0.99
        else f"the gains shrink only slowly (x{q:.3f} per point)"
    )
    unit = ctx.unit_of(V)
    what = "evaluations" if V.role != "train" else "logged values"
    if V.block > 1:
        what = f"block means of {V.block} {what}"
    x0 = V.x_first(s0 + k - W) if V.block > 1 else float(xt[0])
    x1 = float(V.x[-1]) if V.block > 1 else float(xt[-1])
    # a loss still falling while its accuracy is already (nearly) perfect has nothing left to gain
    comp = _score_companion(ctx, V) if V.family == "loss" else None
    sat = None
    if comp is not None and comp.m >= 3:
        ce = float(np.median(comp.y[-3:]))
        if ce >= c.saturated:
            sat = (comp.name, ce)
    msg = (
        f"{V.name} was still improving when training ended: {fmt(float(yt[0]))} -> {fmt(last)} "
        f"over the last {W} {what} ({ctx.span(x0, x1, V)}; "
        f"{fmt(per_x)} per {unit}, {n_better} of {W - 1} steps better); {shape}. "
        f"Another {fmt(round(more_x))} {unit}s would likely bring it to about {fmt(proj)} "
        f"({'-' if V.direction != 'max' else '+'}{fmt(gain)}, {rel * 100:.0f}% of "
        f"{'the current level' if not V.bounded else 'the room left to 1.0'}, "
        f"{gain / progress * 100:.0f}% of the progress made so far)."
    )
    # a warning only when much is still to be gained: a large share of the current level
    # *and* of the progress made so far, with the task score not already saturated
    big = gain >= c.warning_gain_level * level and gain >= c.warning_gain_progress * progress
    sev = "warning" if big and sat is None else "info"
    if sat is not None:
        msg += (
            f" {sat[0]} is already {fmt(sat[1])} (median of the last 3), so more epochs "
            "would mostly make the model more confident."
        )
    causes = [
        "training stopped before converging (too few epochs)",
        "learning rate too small for this optimizer (progress is slow but steady)",
    ]
    remedies = ["more_epochs", "learning_rate", "reduce_lr_on_plateau"]
    if q >= 0.99:
        causes.reverse()
        remedies = ["learning_rate", "more_epochs", "reduce_lr_on_plateau"]
    ev = {
        "tail_points": W,
        "tail_start_x": x0,
        "tail_start": float(yt[0]),
        "last": last,
        "last_x": x1,
        "per_x": per_x,
        "improving_steps": round(frac, 3),
        "t_stat": jnum(t),
        "decay_q": round(q, 4),
        "horizon_x": more_x,
        "projected": proj,
        "projected_gain": gain,
        "level": level,
        "progress": progress,
        "gain_of_level": round(rel, 4),
        "gain_of_progress": round(gain / progress, 4),
    }
    if sat is not None:
        ev["saturated_score"] = {"name": sat[0], "median_last_3": sat[1]}
    conf = min(1.0, 0.5 + 0.5 * frac * min(1.0, t_dir / 10))
    return ctx.finding("slow_convergence", sev, V.name, x0, x1, msg, ev, causes, remedies, conf)


# -- plateau -----------------------------------------------------------------------------


def _score_pair(ctx: Context, V: View) -> tuple[View, View] | None:
    """The (train, val) accuracy-like pair that tells how well the model fits, on ``V``'s axis."""
    cands = [
        (T, W)
        for T, W in ctx.pairs()
        if T.bounded
        and W.bounded
        and W.direction == "max"
        and T.m >= 3
        and W.m >= 3
        and W.kind == V.kind
    ]
    if not cands:
        return None
    cands.sort(key=lambda p: not naming.is_accuracy(p[1].name))
    return cands[0]


def _fit_state(ctx: Context, V: View, x0: float) -> tuple[str, dict, str]:
    """Is a plateau that started at ``x0`` normal convergence? (state, evidence, sentence).

    States, checked in this order:

    - ``"poor_fit"``: the training accuracy ends below ``PlateauConfig.poor_fit``:
      the model cannot even fit its training data; the plateau is a stall.
    - ``"gap"``: training minus validation accuracy at the end is at least
      AutoTrainer's threshold (``OverfittingConfig.gap_high`` above 0.9
      training accuracy, else ``gap_low``).
    - ``"score_rising"``: the validation score of the same side still rose by
      ``PlateauConfig.score_rise`` or more over the plateau: the loss plateau is
      a calibration floor, the task is still improving (corpus 046).
    - ``"converged"``: a small gap at a good fit: training and validation
      levelled off together.
    - ``"train_improving"`` / ``"train_flat"``: no accuracy pair; whether the
      training loss still fell by ``min_train_gain`` over the plateau.
    - ``"unknown"``: nothing to compare with.
    """
    c = ctx.cfg.plateau
    oc = ctx.cfg.overfitting
    ev: dict = {}
    pair = _score_pair(ctx, V) if V.role == "val" else None
    if pair is not None:
        TS, VS = pair
        te = float(np.median(TS.y[-3:]))
        ve = float(np.median(VS.y[-3:]))
        gap = te - ve
        need = oc.gap_high if te > 0.9 else oc.gap_low
        ev = {
            "train_score": TS.name,
            "train_score_end": te,
            "val_score": VS.name,
            "val_score_end": ve,
            "score_gap": round(gap, 4),
        }
        tq, vq = TS.value_at(float(TS.x[-1]))[0], VS.value_at(float(VS.x[-1]))[0]
        if te < c.poor_fit:
            return (
                "poor_fit",
                ev,
                (
                    f" {TS.name} ends at only {fmt(tq)} (median of the last 3: "
                    f"{fmt(te)}, below {c.poor_fit:g}): the model does not even "
                    "fit its training data, so this is a stall, not convergence."
                ),
            )
        # the decisions use the medians of the last 3; the words quote the logged last values,
        # and the medians too where they differ, so every "rose"/"close" agrees with its numbers
        meds = (fmt(te), fmt(ve)) != (fmt(tq), fmt(vq))
        if gap >= need:
            return (
                "gap",
                ev,
                (
                    f" {TS.name} ends at {fmt(tq)} but {VS.name} at {fmt(vq)}"
                    + (f" (medians of the last 3: {fmt(te)} and {fmt(ve)})" if meds else "")
                    + f": a gap of {fmt(gap)} (AutoTrainer flags {need:g}), so further epochs "
                    "only fit the training set."
                ),
            )
        va = float(VS.value_at(x0)[0])
        if ve - va >= c.score_rise and vq > va:
            ev["val_score_at_start"] = va
            return (
                "score_rising",
                ev,
                (
                    f" {VS.name} still rose {fmt(va)} -> {fmt(vq)} meanwhile"
                    + (f" (median of the last 3: {fmt(ve)})" if fmt(ve) != fmt(vq) else "")
                    + ": the loss has levelled off but the task score has not."
                ),
            )
        return (
            "converged",
            ev,
            (
                f" {TS.name} and {VS.name} end close: "
                + (
                    f"medians of the last 3 {fmt(te)} and {fmt(ve)} (last logged {fmt(tq)} and "
                    f"{fmt(vq)}), a gap of {fmt(gap)}"
                    if meds
                    else f"{fmt(tq)} and {fmt(vq)}, a gap of {fmt(gap)}"
                )
                + ": training and validation levelled off together, the normal end of training."
            ),
        )
    partner = ctx.partner(V) if V.role == "val" else None
    if partner is not None and partner.k >= 3:
        tb = float(_values_at(partner, x0, ctx)[0])
        te = float(np.median(partner.ya[-3:]))
        tgain = float(partner.better(te, tb)) / max(abs(tb), 1e-12)
        ev = {"train": partner.name, "train_gain_during": round(tgain, 4)}
        if tgain >= oc.min_train_gain:
            return "train_improving", ev, ""
        return "train_flat", ev, ""
    return "unknown", ev, ""


def _judge_plateau(ctx: Context, V: View) -> Finding | None:
    c = ctx.cfg.plateau
    s0 = ctx.fresh_start(V)
    xa, ya, sega = V.xa[s0:], V.ya[s0:], V.sega[s0:]
    k = len(ya)
    if k < ctx.cfg.min_points:
        ctx.skip(V, "plateau", f"{k} points, need {ctx.cfg.min_points}")
        return None
    rn = rel_noise(ya, sega) if V.direction != "max" else None
    if rn is not None:  # positive loss: judge improvements relative to the best
        rel = max(c.min_delta_rel, c.noise_k * rn)
        # min_delta is absolute in Keras; a loss that lives far below it (1e-5) still
        # improving 100-fold is not flat: the absolute floor applies only down to a
        # level where it is min_delta_abs_rel of the best (QA3 #14)
        delta = min(c.min_delta, c.min_delta_abs_rel * abs(float(np.min(ya))))
    else:
        rel = c.min_delta_rel
        delta = max(c.min_delta, c.noise_k * noise_sd(ya, sega))
    imp = keras_improvements(ya, delta, V.direction, rel=rel)
    li = imp[-1]
    wait = k - 1 - li
    delta = max(delta, rel * abs(float(ya[li])))
    pat = min(c.patience, max(c.min_patience, math.ceil(c.patience_fraction * k)))
    if wait < pat:
        return None
    best = float(ya[li])
    # where the plateau starts: the earliest point that the rest of the run never beats by more
    # than the band (min_delta, or band_rel of the level): a curve creeping down by 0.1 % per
    # ten epochs is on the plateau it entered, not still improving (corpus 042)
    band = max(delta, c.band_rel * abs(best))
    if V.direction == "max":
        rest = np.maximum.accumulate(ya[::-1])[::-1] - ya
    else:
        rest = ya - np.minimum.accumulate(ya[::-1])[::-1]
    ps = min(int(np.argmax(rest <= band)), li)
    span_pts = k - 1 - ps
    lo, hi = float(np.min(ya[ps:])), float(np.max(ya[ps:]))
    ibest = ps + int(np.argmin(ya[ps:]) if V.direction != "max" else np.argmax(ya[ps:]))
    x0 = V.x_first(s0 + ps) if V.block > 1 else float(xa[ps])
    x1 = float(V.x[-1]) if V.block > 1 else float(xa[-1])
    xl = V.x_first(s0 + li) if V.block > 1 else float(xa[li])
    frac_run = (x1 - x0) / (x1 - float(xa[0])) if x1 > xa[0] else 1.0
    cuts = [cu for cu in ctx.lr_cuts(V.kind) if cu[0] > x0]
    what = "evaluations" if V.role != "train" else "logged values"
    if V.block > 1:
        what = f"block means of {V.block} {what}"
    since = "the first evaluation" if ps == 0 else ctx.at_keras(x0, V)
    if ps == li:
        msg = (
            f"{V.name} has not improved by more than {fmt(delta)} for {wait} {what} "
            f"({ctx.span(x0, x1, V)}): its last real improvement was at {since} "
            f"({fmt(best)}); since then it ranged {fmt(lo)}-{fmt(hi)}."
        )
    else:
        msg = (
            f"{V.name} levelled off at {since} ({fmt(float(ya[ps]))}): over the remaining "
            f"{span_pts} {what} ({ctx.span(x0, x1, V)}) it never got more than {fmt(band)} "
            f"better ({c.band_rel * 100:g}% of its level or min_delta), ranging "
            f"{fmt(lo)}-{fmt(hi)} (best {fmt(float(ya[ibest]))} at "
            f"{ctx.at(float(xa[ibest]), V)}); the last improvement by more than "
            f"{fmt(delta)} was at {ctx.at(xl, V)} ({fmt(best)})."
        )
    if cuts:
        msg += (
            f" The learning rate was cut {len(cuts)} time(s) meanwhile "
            f"({fmt(cuts[0][1])} -> {fmt(cuts[-1][2])}) without effect."
        )
    lb = keras_improvements(ya, band, V.direction)[-1] if ps < li else li
    if lb < li and lb + pat < k:  # Keras' own semantics with the band as min_delta
        msg += (
            f" ReduceLROnPlateau(patience={pat}, min_delta={fmt(band)}) would have reduced "
            f"the learning rate, and EarlyStopping(patience={pat}, min_delta={fmt(band)}) "
            f"stopped training, at {ctx.at(float(xa[lb + pat]), V)} (with "
            f"min_delta={fmt(delta)}: at {ctx.at(float(xa[li + pat]), V)})."
        )
    elif li + pat < k:
        msg += (
            f" ReduceLROnPlateau(patience={pat}) would have reduced the learning rate, and "
            f"EarlyStopping(patience={pat}) stopped training, at "
            f"{ctx.at(float(xa[li + pat]), V)}."
        )
    state, fit_ev, fit_txt = _fit_state(ctx, V, x0)
    msg += fit_txt
    long = frac_run >= 0.5 and span_pts >= 2 * pat
    if state in ("converged", "score_rising"):
        sev = "info"
    elif state == "poor_fit":
        sev = "warning"
    else:
        sev = "warning" if long or (cuts and state != "gap") else "info"
    if state in ("converged", "score_rising"):
        causes = [
            "normal convergence: training and validation levelled off together near "
            "their best (nothing is wrong; stop earlier to save time)",
            "a smaller learning rate at the end may still gain a little",
        ]
        remedies = ["early_stopping", "reduce_lr_on_plateau"]
    elif state == "poor_fit" or (state == "train_flat" and _little_progress(ctx, V)):
        causes = [
            "underfitting: the training curve stalls too, at a poor level (model too "
            "small, learning rate too low or too high, or unscaled features)",
            "learning rate too high to settle into a better minimum",
        ]
        remedies = ["learning_rate", "reduce_lr_on_plateau", "standardize"]
    elif state == "train_flat":
        causes = [
            "both training and validation curves have levelled off: the model converged "
            "at this learning rate",
            "a smaller learning rate may settle a little lower",
        ]
        remedies = ["reduce_lr_on_plateau", "early_stopping", "learning_rate"]
    else:
        causes = [
            "the model has learned what generalises; further epochs only fit the training set",
            "learning rate too high to settle lower (a smaller one may help)",
            "learning rate too low to leave the plateau",
        ]
        remedies = ["reduce_lr_on_plateau", "early_stopping", "learning_rate"]
        if state == "gap":
            remedies = ["early_stopping", "l2", "dropout", "reduce_lr_on_plateau"]
    ev = {
        "best": best,
        "best_x": xl,
        "start_x": x0,
        "start_value": float(ya[ps]),
        "band_best": float(ya[ibest]),
        "band_best_x": float(xa[ibest]),
        "evaluations_without_improvement": int(wait),
        "plateau_points": int(span_pts),
        "patience": int(pat),
        "min_delta": float(delta),
        "band_tolerance": float(band),
        "band": [lo, hi],
        "share_of_run": round(frac_run, 3),
        "fit": state,
        **fit_ev,
        "lr_cuts": [{"x": a, "from": b, "to": d} for a, b, d in cuts],
    }
    conf = min(1.0, 0.5 + 0.5 * min(1.0, span_pts / (2 * pat)))
    return ctx.finding("plateau", sev, V.name, x0, x1, msg, ev, causes, remedies, conf)


def _little_progress(ctx: Context, V: View) -> bool:
    """The training loss that goes with ``V`` improved by less than 10 % over the whole run."""
    T = ctx.partner(V)
    if T is None or T.k < 3:
        return False
    first = float(np.median(T.ya[:3]))
    last = float(np.median(T.ya[-3:]))
    return float(T.better(last, first)) < 0.1 * max(abs(first), 1e-12)


def detect_progress(ctx: Context) -> list[Finding]:
    """Slow convergence, then plateau, on the monitored series (validation losses first).

    A series still improving steadily is not on a plateau, so a slow-convergence
    finding wins over a plateau on the same series. Series an earlier finding
    explains (overfitting, divergence, a loss at exactly 0; a run stuck at chance
    for the plateau) are left out (:meth:`Context.is_superseded`).
    """
    out: list[Finding] = []
    mons = ctx.monitored()
    if not mons:
        scores = [v for v in ctx.views.values() if v.bounded and v.name not in ctx.duplicates]
        mons = [v for v in scores if v.role == "val"] or scores
    for V in mons:
        if V.m == 0:
            continue
        if not ctx.is_superseded("slow_convergence", V.name):
            f = _judge_slow(ctx, V)
            if f is not None:
                out.append(f)
                continue
        if ctx.is_superseded("plateau", V.name):
            continue
        f = _judge_plateau(ctx, V)
        if f is not None:
            out.append(f)
    return out
