"""``stuck_at_chance``: the model predicts one class, or guesses.

Five rules, any of which flags the run (CASES.md case 20, corpus 031/036/063):

A. *Frozen accuracy*: an accuracy is constant within ``frozen_tol`` from its
   first evaluations (start within ``max_start``) over at least
   ``frozen_fraction`` of the run, below a perfect score, and the training
   accuracy is not clearly above it. A classifier whose decisions never change
   while the loss moves predicts the same class for every sample; the constant
   is that class's share of the data (the majority-class rate). When the class
   count/majority rate is known (``--data``) it is compared with it.
B. *At chance*: an accuracy stays within ``max(acc_tol, acc_tol_rel/K)`` of
   1/K for the whole run (never rising above it) while the loss of the same
   side is at ln K (the cross-entropy of a uniform guess: 0.6931 for two
   classes) or flat near it. K is the known class count, or inferred from
   the accuracy and checked against the loss.
A'. *Frozen below chance*: an accuracy frozen (as in A) at a value below
   chance — exactly 0 when K is unknown (below 1/K for every K), below
   ``1/K - tol`` when K is known — whatever the training accuracy does. No
   classifier is that bad at a task by learning; it is scored against labels
   that are not the classes it predicts (corpus 049: val_acc exactly 0.0 in all
   30 epochs while train_acc reaches 1.0).
C. *One-class F1 identity*: at an evaluation, a macro-F1 ``F`` and accuracy
   ``a`` satisfy ``F = (2a / (1 + a)) / K`` for an integer ``K >= 2``: exactly
   the macro-F1 of always predicting one class that makes up ``a`` of the data
   (Hugging Face classifiers report both; corpus 063).

D. *Collapse partway*: an accuracy frozen (range within ``frozen_tol``) from
   an evaluation after ``max_start`` to the end (at least ``min_points``
   evaluations), or for ``collapse_share`` of the run, at a level that means
   "the same output for every sample": chance 1/K (K given, or inferred from the
   accuracy and confirmed by the same side's loss at ln K over the stretch, or
   with no loss logged), the known majority-class rate, or (majority rate not
   known) a value the training accuracy froze at too. Not when the training
   accuracy is perfect over the stretch: a model that classifies every training
   sample right does not give every sample one class (QA3: the demo retrained for
   120 epochs, val_accuracy constant at 0.9841 from epoch 85, accuracy 1.0). The message says where it started and what the
   accuracy had reached before ("collapsed to chance from epoch 7 on, after
   reaching 0.2241 at epoch 0"; QA2 #3: digits, SGD(1.5, momentum=0.9),
   val_accuracy exactly 0.1 over epochs 7-39, val_loss 2.32 ≈ ln 10). Not when
   the loss went NaN first (the ``non_finite`` finding reports that collapse)
   or the training accuracy stays ``train_margin`` above. With the class count
   given and no accuracy logged for a side, its loss flat (``loss_flat``) at
   ln K to the end is the same finding.

Runs whose accuracy froze *after* learning at a level that is neither chance
nor one class's share (overfitting runs at 100 % train accuracy, validation
accuracy constant late in training) are not stuck: rule A needs the freeze from
the start, rule B the accuracy never above chance, rule D a chance-like level
and no training accuracy above it.
"""

from __future__ import annotations

import math

import numpy as np

from analysis import kinds, naming
from analysis.detectors.context import Context
from analysis.detectors.stats import med3
from analysis.detectors.views import View
from analysis.detectors.wording import fmt, jnum
from analysis.model import Finding


def _frozen_from(y: np.ndarray, tol: float) -> int:
    """Smallest i such that y[i:] spans at most ``tol`` (len(y)-1 at worst)."""
    sufmax = np.maximum.accumulate(y[::-1])[::-1]
    sufmin = np.minimum.accumulate(y[::-1])[::-1]
    return int(np.argmax((sufmax - sufmin) <= tol))


def _side_loss(ctx: Context, acc: View) -> View | None:
    """The loss of the same side (``val_loss`` for ``val_accuracy``...)."""
    same = [v for v in ctx.of("loss", acc.role) if v.m]
    same = [v for v in same if v.kind == acc.kind] or same
    if not same:
        return None
    base = naming.base_name(acc.name).lower()
    for v in same:  # prefer a plain 'loss' over auxiliary losses
        if naming.base_name(v.name).lower() in ("loss", "epoch_loss") or base in v.name.lower():
            return v
    return same[0]


def guess_classes(ctx: Context, a: float, loss: float | None) -> tuple[int, str] | None:
    """Class count K such that accuracy ``a`` is chance (≈ 1/K).

    Returns (K, how) with how = "given" (``ChanceConfig.n_classes``) or
    "inferred" (from the accuracy; ties broken by the loss ≈ ln K), or None
    when ``a`` is not near any 1/K. See :func:`classes_consistent` for the
    whole range of K an accuracy allows.
    """
    cfg = ctx.cfg.chance
    if cfg.n_classes:
        K = int(cfg.n_classes)
        return (K, "given") if abs(a - 1 / K) <= max(cfg.acc_tol, cfg.acc_tol_rel / K) else None
    if not (0 < a < 0.75):
        return None
    r = 1.0 / a
    cands = [
        K
        for K in {math.floor(r), math.ceil(r)}
        if 2 <= K <= 1000 and abs(a - 1 / K) <= max(cfg.acc_tol, cfg.acc_tol_rel / K)
    ]
    if not cands:
        return None
    cands.sort(key=lambda K: (abs(a * K - 1), abs(loss / math.log(K) - 1) if loss else 0))
    return cands[0], "inferred"


def classes_consistent(ctx: Context, lo: float, hi: float) -> tuple[int, int]:
    """Range of K whose chance 1/K lies in the accuracy's observed band [lo, hi] (rounded)."""
    cfg = ctx.cfg.chance
    if cfg.n_classes:
        return int(cfg.n_classes), int(cfg.n_classes)
    k_lo = max(2, int(round(1.0 / hi))) if hi > 0 else 2
    k_hi = max(k_lo, int(round(1.0 / lo))) if lo > 0 else 1000
    return k_lo, min(k_hi, 1000)


def _loss_note(L: View | None) -> tuple[str, dict]:
    """What the loss of the same side did: first and last logged values (the decision "flat"
    uses the medians of the first and last 3, so one noisy epoch does not decide)."""
    if L is None or L.k == 0:
        return "", {}
    first = float(np.median(L.ya[:3]))
    last = float(np.median(L.ya[-3:]))
    first_q, last_q = float(L.y[0]), float(L.y[-1])
    ev = {
        "loss": L.name,
        "loss_start": first_q,
        "loss_end": last_q,
        "loss_start_median": first,
        "loss_end_median": last,
    }
    if abs(last - first) <= 0.02 * max(abs(first), 1e-12):
        if fmt(first_q) == fmt(last_q):
            return f"{L.name} stays flat at {fmt(last_q)}", ev
        if abs(last_q - first_q) <= 0.02 * max(abs(first_q), 1e-12):
            return f"{L.name} stays flat ({fmt(first_q)} -> {fmt(last_q)})", ev
        return (
            f"{L.name} stays flat (medians of the first and last 3: {fmt(first)} -> "
            f"{fmt(last)}; logged {fmt(first_q)} -> {fmt(last_q)})"
        ), ev
    return f"{L.name} moved {fmt(first_q)} -> {fmt(last_q)}", ev


def _below_chance(ctx: Context, v: View, val: float) -> bool:
    """A frozen accuracy below chance: below 1/K (minus the tolerance) when K is known,
    else exactly 0 (within ``frozen_tol``), which is below 1/K for every K."""
    cfg = ctx.cfg.chance
    if cfg.n_classes:
        K = int(cfg.n_classes)
        return val < 1 / K - max(cfg.acc_tol, cfg.acc_tol_rel / K)
    return val <= cfg.frozen_tol


def _frozen(ctx: Context, v: View) -> dict | None:
    cfg = ctx.cfg.chance
    y = v.ya
    k = len(y)
    s = _frozen_from(y, cfg.frozen_tol)
    n_frozen = k - s
    if s > cfg.max_start or n_frozen < cfg.frozen_fraction * k or n_frozen < cfg.min_points:
        return None
    val = float(np.median(y[s:]))
    if val >= cfg.perfect:
        return None
    below = _below_chance(ctx, v, val)
    tp = ctx.partner(v) if v.role != "train" else None
    tr_max = None
    if tp is not None and tp.bounded and tp.k:
        tr = tp.ya[(tp.xa >= v.xa[s])] if np.any(tp.xa >= v.xa[s]) else tp.ya
        tr_max = float(np.max(tp.y))
        if float(np.median(tr)) > val + cfg.train_margin and not below:
            return None
    L = _side_loss(ctx, v)
    note, lev = _loss_note(L)
    if below:
        return _frozen_below(ctx, v, s, val, tp, tr_max, L, note, lev)
    ev = {
        "rule": "frozen",
        "value": val,
        "range": float(np.ptp(y[s:])),
        "from_x": float(v.xa[s]),
        "frozen_points": int(n_frozen),
        "points": int(k),
        **lev,
    }
    mr = ctx.cfg.chance.majority_rate
    txt = (
        f"{v.name} is frozen at {fmt(val)} (range {fmt(float(np.ptp(y[s:])))}) for "
        f"{n_frozen} of {k} evaluations ({ctx.span(float(v.xa[s]), float(v.xa[-1]), v)})"
        + (f" while {note}" if note else "")
        + f": the decisions never change, so the model gives every sample the same class and "
        f"{fmt(val)} is that class's share of the data (the majority-class rate)"
    )
    if mr is not None:
        ev["majority_rate"] = mr
        txt += f"; the dataset's majority-class rate is {fmt(mr)}"
    K = guess_classes(ctx, val, None)
    if K:
        txt += f"; it is also the chance level 1/{K[0]}"
        ev["n_classes"] = K[0]
    short = f"{v.name} frozen at {fmt(val)} over {ctx.span(float(v.xa[s]), float(v.xa[-1]), v)}" + (
        f" while {note}" if note else ""
    )
    return {
        "view": v,
        "text": txt,
        "short": short,
        "evidence": ev,
        "start": float(v.xa[s]),
        "loss": L,
        "rule": "frozen",
    }


def _frozen_below(
    ctx: Context,
    v: View,
    s: int,
    val: float,
    tp: View | None,
    tr_max: float | None,
    L: View | None,
    note: str,
    lev: dict,
) -> dict:
    """Rule A': an accuracy frozen *below* chance (corpus 049: val_acc exactly 0.0 in all 30
    epochs while train_acc reaches 1.0). No classifier scores below chance by being bad
    at the task; it does when the labels it is scored against are not the classes it
    predicts."""
    k = v.k
    n_frozen = k - s
    where = ctx.span(float(v.xa[s]), float(v.xa[-1]), v)
    exact = val == 0.0
    K = ctx.cfg.chance.n_classes
    txt = (
        f"{v.name} is frozen in {n_frozen} of {k} evaluations ({where})"
        + (
            f" while {tp.name} reaches {fmt(tr_max)}"
            if tp is not None and tr_max is not None
            else ""
        )
        + (f" and {note}" if note else "")
        + (
            "; it is exactly 0.0"
            if exact
            else f"; it is {fmt(val)}, below chance 1/{K} = {fmt(1 / K)}"
            if K
            else f"; it is {fmt(val)}, below 1/K for any class count"
        )
        + ": the validation labels may not match the classes the model predicts "
        "(label encoding / class order)"
    )
    ev = {
        "rule": "below_chance",
        "value": val,
        "range": float(np.ptp(v.ya[s:])),
        "from_x": float(v.xa[s]),
        "frozen_points": int(n_frozen),
        "points": int(k),
        **lev,
    }
    if K:
        ev["n_classes"] = int(K)
    if tp is not None and tr_max is not None:
        ev.update({"train": tp.name, "train_max": tr_max})
    short = f"{v.name} frozen at {fmt(val)} (below chance) over {where}"
    return {
        "view": v,
        "text": txt,
        "short": short,
        "evidence": ev,
        "start": float(v.xa[s]),
        "loss": L,
        "rule": "below_chance",
    }


def _at_chance(ctx: Context, v: View) -> dict | None:
    cfg = ctx.cfg.chance
    y = med3(v.ya)
    a = float(np.median(v.ya))
    L = _side_loss(ctx, v)
    Lmed = float(np.median(L.ya)) if L is not None and L.k else None
    g = guess_classes(ctx, a, Lmed)
    if g is None:
        return None
    K, how = g
    chance = 1.0 / K
    tol = max(cfg.acc_tol, cfg.acc_tol_rel / K)
    if float(np.max(y)) > chance + 2 * tol or float(np.min(y)) < chance - 2 * tol:
        return None
    lnk = math.log(K)
    if v.role != "train":
        tp = ctx.partner(v)
        if tp is not None and tp.bounded and tp.k >= 3:
            if float(np.max(med3(tp.ya))) >= chance + max(cfg.learned_margin, 2 * tol):
                ctx.extra["val_at_chance"] = f"{fmt(a)} ≈ 1/{K}"
                return None
    k_lo, k_hi = classes_consistent(ctx, *np.percentile(v.ya, [10, 90]))
    k_lo, k_hi = min(k_lo, K), max(k_hi, K)
    ev = {
        "rule": "chance",
        "accuracy_median": a,
        "accuracy_range": [float(np.min(v.ya)), float(np.max(v.ya))],
        "chance": chance,
        "n_classes": K,
        "n_classes_from": how,
        "ln_k": lnk,
        "n_classes_range": [k_lo, k_hi],
    }
    one_k = k_lo == k_hi or how == "given"
    k_txt = (
        f"1/{K}"
        if one_k
        else f"1/K for K ≈ {k_lo}-{k_hi} classes (1/{K} = {fmt(chance)} the closest; pass --data or "
        "[chance] n_classes to pin it)"
    )
    ln_txt = (
        f"ln {K} = {fmt(lnk)}" if one_k else f"ln K = {fmt(math.log(k_lo))}-{fmt(math.log(k_hi))}"
    )
    loss_txt = ""
    if L is not None and Lmed is not None:
        first = float(np.median(L.ya[:3]))
        last = float(np.median(L.ya[-3:]))
        flat = abs(last - first) <= 0.1 * max(abs(first), 1e-12)
        at_lnk = abs(Lmed / lnk - 1) <= cfg.loss_tol
        near = (1 - cfg.loss_tol) <= Lmed / lnk <= 1.5
        if not (at_lnk or (flat and near)):
            return None
        ev.update({"loss": L.name, "loss_median": Lmed, "loss_start": first, "loss_end": last})
        if at_lnk:
            loss_txt = (
                f"; {L.name} (median over the run) {fmt(Lmed)} ≈ ln {K} = {fmt(lnk)}, "
                f"the loss of predicting 1/{K} for every class: the model outputs the "
                "same probabilities for every sample"
            )
        else:
            fq, lq = fmt(float(L.y[0])), fmt(float(L.y[-1]))
            med = (
                ""
                if (fmt(first), fmt(last)) == (fq, lq)
                else f", medians of the first and last 3: {fmt(first)} -> {fmt(last)}"
            )
            loss_txt = (
                f"; {L.name} stays flat ({fq} -> {lq}{med}), at or above {ln_txt} "
                "(a uniform guess): nothing has been learned yet"
            )
    txt = (
        f"{v.name} stays at chance for the whole run: median {fmt(a)}, range "
        f"{fmt(float(np.min(v.ya)))}-{fmt(float(np.max(v.ya)))} ≈ "
        + (f"1/{K} = {fmt(chance)}" if k_txt == f"1/{K}" else k_txt)
        + (" (class count given)" if how == "given" else "")
        + loss_txt
    )
    short = f"{v.name} at chance (median {fmt(a)} ≈ {'1/' + str(K) if one_k else '1/K'})" + (
        f", {L.name} median {fmt(Lmed)} vs {ln_txt}" if L is not None and Lmed is not None else ""
    )
    return {
        "view": v,
        "text": txt,
        "short": short,
        "evidence": ev,
        "start": float(v.xa[0]),
        "loss": L,
        "rule": "chance",
    }


def _frozen_stretch(y: np.ndarray, tol: float, cfg) -> tuple[int, int] | None:
    """The frozen stretch rule D judges, as (start, end) indices (end exclusive), or None.

    The frozen tail (:func:`_frozen_from`) when it has at least ``min_points``
    points; else the longest run of points whose range is at most ``tol`` that
    covers at least ``collapse_share`` of the series (a collapse the model
    climbed out of again).
    """
    k = len(y)
    s = _frozen_from(y, tol)
    if k - s >= cfg.min_points:
        return s, k
    if k < 3:
        return None
    breaks = np.flatnonzero(np.abs(np.diff(y)) > tol) + 1
    starts = np.concatenate([[0], breaks])
    ends = np.concatenate([breaks, [k]])
    i = int(np.argmax(ends - starts))
    a, b = int(starts[i]), int(ends[i])
    if b - a < max(cfg.min_points, cfg.collapse_share * k) or np.ptp(y[a:b]) > tol:
        return None
    return a, b


def _collapse(ctx: Context, v: View) -> dict | None:
    """Rule D: an accuracy that froze at chance or at one class's share partway through.

    See the module docstring. None when the freeze starts within ``max_start``
    (rule A's), is not at a level that says "one class for everything", is
    explained by NaN weights (the ``non_finite`` finding reports that collapse),
    or the training accuracy of the same stretch is clearly above it.
    """
    cfg = ctx.cfg.chance
    y, x = v.ya, v.xa
    k = len(y)
    st = _frozen_stretch(y, cfg.frozen_tol, cfg)
    if st is None:
        return None
    s, e = st
    if s <= cfg.max_start:
        return None
    val = float(np.median(y[s:e]))
    if val >= cfg.perfect or _below_chance(ctx, v, val):
        return None
    x0, x1 = float(x[s]), float(x[e - 1])
    dead = ctx.dead_from(v.kind)
    if dead is not None and dead <= float(x[min(s + 1, k - 1)]):
        return None  # NaN weights: the non_finite finding says the accuracy collapsed
    tp = ctx.partner(v) if v.role != "train" else None
    tr_med = None
    tr_frozen = False
    if tp is not None and tp.bounded and tp.k:
        sel = (tp.xa >= x0) & (tp.xa <= x1)
        if np.count_nonzero(sel) >= 2:
            tr = tp.ya[sel]
            tr_med = float(np.median(tr))
            if tr_med > val + cfg.train_margin:
                return None  # training still fits: a validation problem, not a collapse
            tr_frozen = bool(np.ptp(tr) <= cfg.frozen_tol)
            if tr_med >= cfg.perfect:
                return None  # fits every training sample: not one output for everything
    L = _side_loss(ctx, v)
    Lmed = None
    if L is not None and L.k:
        sel = (L.xa >= x0) & (L.xa <= x1)
        if np.count_nonzero(sel):
            Lmed = float(np.median(L.ya[sel]))
    # the level: chance 1/K (K given, or inferred and the loss at ln K), the known
    # majority-class rate, or the training accuracy frozen too (one class for every sample)
    level = how = None
    K = None
    mr = cfg.majority_rate
    g = guess_classes(ctx, val, Lmed)
    at_lnk = False
    if g is not None:
        K = g[0]
        at_lnk = Lmed is not None and abs(Lmed / math.log(K) - 1) <= cfg.loss_tol
        if g[1] == "given" or at_lnk or (L is None and Lmed is None):
            level, how = "chance", g[1]
    if level is None and mr is not None and abs(val - mr) <= cfg.acc_tol:
        level, how = "majority_rate", "given"
    if level is None and tr_frozen and mr is None:
        level, how = "majority_rate", "train_frozen"
    if level is None:
        return None
    before = y[:s]
    ib = int(np.argmax(before))
    top, x_top = float(before[ib]), float(x[ib])
    fell = top - val >= cfg.collapse_drop
    to_end = e == k
    where = f"from {ctx.at(x0, v)} on" if to_end else f"over {ctx.span(x0, x1, v)}"
    what = "collapsed to" if fell else "froze at"
    lvl_txt = "chance" if level == "chance" else "one class's share (the majority-class rate)"
    txt = (
        f"{v.name} {what} {lvl_txt} {where}"
        + (f", after reaching {fmt(top)} at {ctx.at(x_top, v)}" if fell else "")
        + f": it is {fmt(val)} (range {fmt(float(np.ptp(y[s:e])))}) in {e - s} of {k} "
        f"evaluations ({ctx.span(x0, x1, v)})"
    )
    if level == "chance":
        txt += f", 1/{K} = {fmt(1 / K)}" + (
            " (class count given)" if how == "given" else f" (chance for {K} classes)"
        )
    elif how == "given":
        txt += f", the dataset's majority-class rate {fmt(mr)}"
    else:
        txt += f"; {tp.name} froze too (at {fmt(tr_med)})"
    if L is not None and Lmed is not None:
        if K is not None and at_lnk:
            txt += (
                f"; {L.name} stays at {fmt(Lmed)} (median over the same "
                f"{ctx.unit_of(v)}s) ≈ ln {K} = {fmt(math.log(K))}, the loss of a uniform guess"
            )
        else:
            txt += f"; {L.name} median over the same {ctx.unit_of(v)}s {fmt(Lmed)}"
    if tr_med is not None and not (level == "majority_rate" and how == "train_frozen"):
        txt += f"; {tp.name} stays near it (median {fmt(tr_med)} over the same {ctx.unit_of(v)}s)"
    if fell:
        txt += ": the model collapsed and now gives every sample the same prediction"
    else:
        txt += ": the model gives every sample the same prediction"
    if not to_end:
        txt += f"; it moved again afterwards (ended at {fmt(float(v.y[-1]))})"
    ev = {
        "rule": "collapse",
        "value": val,
        "range": float(np.ptp(y[s:e])),
        "from_x": x0,
        "to_x": x1,
        "to_the_end": bool(to_end),
        "frozen_points": int(e - s),
        "points": int(k),
        "before_max": top,
        "before_max_x": x_top,
        "collapsed": bool(fell),
        "level": level,
        "level_from": how,
    }
    if K is not None and level == "chance":
        ev.update({"n_classes": int(K), "chance": 1 / K, "ln_k": math.log(K)})
    if mr is not None:
        ev["majority_rate"] = mr
    if L is not None and Lmed is not None:
        ev.update({"loss": L.name, "loss_median": Lmed, "loss_at_ln_k": bool(at_lnk)})
    if tr_med is not None:
        ev.update({"train": tp.name, "train_median": tr_med, "train_frozen": tr_frozen})
    short = f"{v.name} {what} {fmt(val)} {where}"
    return {
        "view": v,
        "text": txt,
        "short": short,
        "evidence": ev,
        "start": x0,
        "end": x1,
        "loss": L,
        "rule": "collapse",
        "level": level,
    }


def _loss_at_lnk(ctx: Context) -> list[dict]:
    """Rule D for a side that logs no accuracy: its loss flat at ln K to the end, K known.

    With the class count given (``--data``), a cross-entropy that settles at
    ln K (within ``loss_tol``) and stays flat (range at most ``loss_flat`` of its
    level) to the end is a uniform guess for every sample, from wherever that
    starts. Without a known K a loss level alone says nothing (every value above
    ~2 is within 5 % of some ln K), so the rule needs it.
    """
    cfg = ctx.cfg.chance
    if not cfg.n_classes:
        return []
    K = int(cfg.n_classes)
    lnk = math.log(K)
    out = []
    roles_with_acc = {
        v.role for v in ctx.views.values() if naming.is_accuracy(v.name) and v.bounded and v.m
    }
    for L in ctx.of("loss"):
        if L.role in roles_with_acc or L.k < cfg.min_points or L.name.lower().endswith("_step"):
            continue
        if L is not _side_loss(ctx, L):
            continue  # auxiliary loss terms of a multi-loss model
        y, x = L.ya, L.xa
        s = _frozen_from(y, cfg.loss_flat * lnk)
        if len(y) - s < cfg.min_points:
            continue
        med = float(np.median(y[s:]))
        if abs(med / lnk - 1) > cfg.loss_tol:
            continue
        x0, x1 = float(x[s]), float(x[-1])
        before = y[:s]
        low = float(np.min(before)) if len(before) else None
        fell = low is not None and low <= lnk * (1 - 2 * cfg.loss_tol)
        if s <= cfg.max_start:
            head = f"{L.name} stays at ln {K} for the whole run"
        elif fell:
            i = int(np.argmin(before))
            head = (
                f"{L.name} rose back to ln {K} from {ctx.at(x0, L)} on, after reaching "
                f"{fmt(low)} at {ctx.at(float(x[i]), L)}"
            )
        else:
            head = f"{L.name} settled at ln {K} from {ctx.at(x0, L)} on"
        txt = (
            f"{head}: median {fmt(med)} (range {fmt(float(np.ptp(y[s:])))}) over "
            f"{ctx.span(x0, x1, L)} ≈ ln {K} = {fmt(lnk)} (class count given), the "
            f"cross-entropy of predicting 1/{K} for every class: the model outputs the same "
            "probabilities for every sample"
            + (" — it collapsed" if fell and s > cfg.max_start else "")
        )
        ev = {
            "rule": "collapse" if s > cfg.max_start else "chance",
            "loss": L.name,
            "loss_median": med,
            "from_x": x0,
            "to_x": x1,
            "to_the_end": True,
            "n_classes": K,
            "ln_k": lnk,
            "collapsed": bool(fell and s > cfg.max_start),
            "level": "chance",
            "level_from": "given",
            "loss_at_ln_k": True,
        }
        if low is not None:
            ev["before_min"] = low
        out.append(
            {
                "view": L,
                "text": txt,
                "short": f"{L.name} at ln {K} over {ctx.span(x0, x1, L)}",
                "evidence": ev,
                "start": x0,
                "end": x1,
                "loss": L,
                "rule": ev["rule"],
                "level": "chance",
            }
        )
    return out


def _one_class_f1(ctx: Context) -> list[dict]:
    cfg = ctx.cfg.chance
    out = []
    for f1 in ctx.views.values():
        if "f1" not in naming.base_name(f1.name).lower() or f1.m == 0 or f1.name in ctx.duplicates:
            continue
        accs = [
            v
            for v in ctx.views.values()
            if v.role == f1.role
            and naming.is_accuracy(v.name)
            and v.m
            and v.kind == f1.kind
            and v.name not in ctx.duplicates
        ]
        if not accs:
            continue
        acc = accs[0]
        xs, ia, ib = np.intersect1d(acc.x, f1.x, return_indices=True)
        if len(xs) == 0:
            continue
        a = acc.y[ia]
        F = f1.y[ib]
        with np.errstate(divide="ignore", invalid="ignore"):
            p = 2 * a / (1 + a)
            K = np.rint(p / F)
            hit = (K >= 2) & (np.abs(p / K - F) <= cfg.f1_tol * F) & (a >= 0.5)
        idx = np.flatnonzero(hit)
        if len(idx) == 0:
            continue
        i0, i1 = int(idx[0]), int(idx[-1])
        a0, K0 = float(a[i0]), int(K[i0])
        later = acc.y[acc.x > xs[i1]]
        ev = {
            "rule": "one_class_f1",
            "accuracy": acc.name,
            "f1": f1.name,
            "points": [
                {
                    "x": float(xs[i]),
                    "accuracy": float(a[i]),
                    "f1": float(F[i]),
                    "n_classes": int(K[i]),
                }
                for i in idx[:10]
            ],
        }
        txt = (
            f"at {ctx.at(float(xs[i0]), acc)} {acc.name} is {fmt(a0)} with {f1.name} "
            f"{fmt(float(F[i0]))} = (2·{fmt(a0)}/{fmt(1 + a0)})/{K0}: exactly the macro-F1 of "
            f"always predicting one class of {K0}, a class that makes up {a0 * 100:.1f}% of "
            "the evaluation set"
        )
        if len(idx) > 1:
            txt += f" ({len(idx)} evaluations in all, the last at {ctx.at(float(xs[i1]), acc)})"
        beaten = bool(len(later) and float(np.max(later)) > a0)
        if len(later):
            ev["later_max_accuracy"] = float(np.max(later))
            txt += f"; later evaluations reached at most {fmt(float(np.max(later)))}" + (
                " — never better than always predicting that class" if not beaten else ""
            )
        out.append(
            {
                "view": acc,
                "text": txt,
                "short": txt,
                "evidence": ev,
                "start": float(xs[i0]),
                "end": float(xs[i1]),
                "loss": None,
                "rule": "one_class_f1",
                "recovered": beaten,
            }
        )
    return out


def _collapse_causes(ctx: Context, lead: dict) -> list[str]:
    """Ranked causes of a collapse partway through a run (rule D), from what the curves show.

    A network that learned and then outputs one constant has been knocked out of its
    working regime by an update: the classic cause is a learning rate too high for the
    optimizer (SGD with momentum diverging), which also kills ReLU units (a unit whose
    input is negative for every sample outputs 0 and gets no gradient again; Lu et al.,
    "Dying ReLU and Initialization", 2019).
    """
    v: View = lead["view"]
    x0 = lead["start"]
    lr_txt = ""
    lr = ctx.lr_for(v)
    if lr is not None and lr.m:
        at = float(np.interp(x0, lr.x, lr.y))
        lr_txt = f" (learning rate {fmt(at)} at {ctx.at(x0, v)})"
    jump = ""
    L = lead["loss"]
    if L is not None and L.k >= 3:
        before = L.ya[L.xa < x0]
        if len(before) >= 2 and float(np.min(before)) > 0:
            # a rise over the best so far (the first value of a run is where it starts)
            ratio = before[1:] / np.minimum.accumulate(before)[:-1]
            i = int(np.argmax(ratio)) + 1
            if ratio[i - 1] >= 1.2:
                best = float(np.min(before[:i]))
                jump = (
                    f"; {L.name} jumped {fmt(best)} -> {fmt(float(before[i]))} at "
                    f"{ctx.at(float(L.xa[i]), L)} before the freeze"
                )
    causes = [
        "learning rate too high: the updates diverged and knocked the network into a state "
        f"where it outputs the same thing for every input{lr_txt}{jump}",
        "dead ReLUs: after a too-large update every hidden unit's input is negative for all "
        "samples, so the units output 0, no gradient flows back and the output is a constant",
        "exploding gradients without clipping (momentum amplifies one bad step)",
    ]
    if lead["level"] == "majority_rate":
        causes.append(
            "class imbalance: predicting the majority class is a stable place for a "
            "struggling model to fall into"
        )
    return causes


def detect_chance(ctx: Context) -> list[Finding]:
    """Stuck at chance / majority class (rules A, A', B, C, D in the module docstring).

    The finding's ``evidence`` says which: ``rule`` (the lead's rule: ``frozen``,
    ``below_chance``, ``chance``, ``one_class_f1``, ``collapse``), ``level`` (``majority_rate``
    when the model predicts one class, ``chance`` when its accuracy is 1/K,
    ``below_chance``) and ``title`` (words for a heading).
    """
    cfg = ctx.cfg.chance
    hits: list[dict] = []
    for v in ctx.views.values():
        if not (naming.is_accuracy(v.name) and v.bounded) and "auc" not in v.name.lower():
            continue
        if v.name in ctx.duplicates:
            continue
        if v.k < cfg.min_points:
            ctx.skip(v, "stuck_at_chance", f"{v.k} points, need {cfg.min_points}")
            continue
        h = _frozen(ctx, v) if naming.is_accuracy(v.name) else None
        if h is None:
            h = _at_chance(ctx, v)
        if h is None and naming.is_accuracy(v.name):
            h = _collapse(ctx, v)
        if h is not None:
            hits.append(h)
    hits += _one_class_f1(ctx)
    hits += _loss_at_lnk(ctx)
    if not hits:
        return []
    # one finding per run: the validation side leads
    hits.sort(
        key=lambda h: (
            h["rule"] != "below_chance",
            h["view"].role == "train",
            h["rule"] == "one_class_f1",
        )
    )
    lead = hits[0]
    v: View = lead["view"]
    msg = lead["text"]
    if len(hits) > 1:
        msg += ". Also: " + "; ".join(h["short"] for h in hits[1:])
    msg += "."
    # causes, ranked by what the curves show
    L = lead["loss"]
    loss_moving = False
    first_huge = False
    if L is not None and L.k >= 3:
        first = float(np.median(L.ya[:3]))
        last = float(np.median(L.ya[-3:]))
        loss_moving = abs(first - last) > 0.02 * max(abs(first), 1e-12)
    for Lv in ctx.of("loss"):
        if Lv.m >= 3 and Lv.y[0] > 0 and Lv.y[0] >= 100 * max(float(np.median(Lv.y[1:])), 1e-12):
            first_huge = True
    nonfinite_loss = any(
        s.n_nonfinite for n, s in ctx.run.series.items() if naming.family(n) == "loss"
    )
    imbalance = (
        "class imbalance: always predicting the majority class already scores this "
        "accuracy, and the loss can improve without any decision changing"
    )
    causes = []
    if nonfinite_loss:
        causes.append(
            "the weights became NaN (see the non_finite finding): every output is the same"
        )
    if first_huge:
        causes.append(
            "unscaled inputs: the first-epoch loss was orders of magnitude above the "
            "rest, the units saturated and never recovered"
        )
    if lead["rule"] == "collapse":
        causes = _collapse_causes(ctx, lead)
        remedies = ["learning_rate", "gradient_clipping", "reduce_lr_on_plateau", "early_stopping"]
        if lead["level"] == "majority_rate":
            remedies += ["class_weight"]
    elif lead["rule"] == "below_chance":
        causes = [
            "the validation labels are encoded differently from the training labels "
            "(class order, a label encoder fitted separately on each split)",
            "the validation set holds only classes the model never predicts (a split by "
            "class, or labels shifted by one)",
            "the accuracy metric does not match the labels (sparse vs one-hot / "
            "categorical accuracy)",
        ]
        remedies = []
    elif lead["rule"] in ("frozen", "one_class_f1") and loss_moving:
        causes += [
            imbalance,
            "too strong regularisation (large L2) or too small a model: all outputs pulled "
            "to the class prior",
        ]
        causes += ["learning rate too high (saturated or dead units) or too low"]
        remedies = [
            "class_weight",
            "random_oversample",
            "smote",
            "l2",
            "learning_rate",
            "standardize",
        ]
    else:
        causes += [
            "learning rate too high (units saturated, dead ReLUs) or far too low",
            "output layer and loss do not match (e.g. a single-unit softmax, labels not "
            "encoded the way the loss expects)",
        ]
        if not first_huge:
            causes.append("unscaled inputs saturating the activations")
        causes.append(imbalance)
        remedies = ["learning_rate", "standardize", "class_weight", "random_oversample"]
    severity = "critical"
    if lead["rule"] == "collapse" and not lead["evidence"]["to_the_end"]:
        severity = "warning"  # it came back out of it
    if lead["rule"] == "one_class_f1" and lead.get("recovered") and len(hits) == 1:
        severity = "warning"
    if lead["rule"] == "chance" and L is None:
        severity = "warning"  # accuracy alone near 1/K: no loss to confirm
    start = lead["start"]
    end = lead.get("end", float(v.xa[-1]))
    stuck = kinds.get("stuck_at_chance")
    level = lead.get("level") or stuck.levels_by_rule[lead["rule"]]
    title = stuck.title_for(
        level, collapsed=lead["rule"] == "collapse" and lead["evidence"]["collapsed"]
    )
    ev = {"rule": lead["rule"], "level": level, "title": title, "lead": lead["evidence"]}
    if len(hits) > 1:
        ev["also"] = {h["view"].name: h["evidence"] for h in hits[1:]}
    if v.percent:
        ev["percent"] = True
    conf = 0.9 if lead["rule"] in ("frozen", "one_class_f1") else (0.8 if L is not None else 0.5)
    if lead["rule"] == "collapse":
        e = lead["evidence"]
        conf = 0.9 if e.get("loss_at_ln_k") or e["level_from"] == "given" else 0.7
    return [
        ctx.finding(
            "stuck_at_chance",
            severity,
            v.name,
            jnum(start),
            jnum(end),
            msg,
            ev,
            list(dict.fromkeys(causes)),
            remedies,
            conf,
        )
    ]
