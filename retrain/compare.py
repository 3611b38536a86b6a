"""Before/after comparison of a retrained run (pure Python over the run model).

:func:`compare_runs` takes the original run and the retrained one (two
:class:`~analysis.model.Run`), their findings, and optionally the job's
``metrics.json``, and says what changed: the final and best value of every
validation metric (best by the metric's direction, :func:`analysis.naming.direction`),
balanced accuracy, which findings disappeared, which remain and which are new,
and which dataset findings the chosen remedies address.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from analysis import naming
from analysis.model import Finding, Run


@dataclass(frozen=True)
class MetricChange:
    """One validation metric before and after.

    ``*_best_epoch`` is the 1-based position of the best finite value (epoch
    for epoch logs). ``improved`` compares the best values in the metric's
    direction (None when either side is missing or the direction is unknown).
    """

    name: str
    direction: str | None
    before_final: float | None
    before_best: float | None
    before_best_epoch: int | None
    after_final: float | None
    after_best: float | None
    after_best_epoch: int | None
    improved: bool | None


@dataclass(frozen=True)
class Comparison:
    """What a retrain changed. See :func:`compare_runs`."""

    metrics: tuple[MetricChange, ...]
    balanced_accuracy_before: float | None
    balanced_accuracy_after: float | None
    disappeared: tuple[Finding, ...]
    remained: tuple[tuple[Finding, Finding], ...]
    new: tuple[Finding, ...]
    addressed: tuple[tuple[Finding, tuple[str, ...]], ...]
    status: str | None = None
    weights_note: str | None = None
    #: What the job's ``model.keras`` takes as input (``metrics.json`` ``model_input``
    #: text: raw features in column order, or one-hot encoded per preprocessing.json).
    model_input: str | None = None

    def metric(self, name: str) -> MetricChange | None:
        for m in self.metrics:
            if m.name == name:
                return m
        return None

    def lines(self) -> list[str]:
        """The comparison as short lines of text (for a panel or a terminal)."""
        out = []
        if self.status:
            out.append(f"status: {self.status}")
        b, a = self.balanced_accuracy_before, self.balanced_accuracy_after
        if a is not None:
            out.append(
                f"balanced accuracy: {_f(b)} -> {_f(a)}"
                if b is not None
                else f"balanced accuracy: {_f(a)}"
            )
        for m in self.metrics:
            arrow = {True: " (better)", False: " (worse)"}.get(m.improved, "")
            out.append(
                f"{m.name}: final {_f(m.before_final)} -> {_f(m.after_final)}; best "
                f"{_f(m.before_best)}{_at(m.before_best_epoch)} -> "
                f"{_f(m.after_best)}{_at(m.after_best_epoch)}{arrow}"
            )
        if self.weights_note:
            out.append(f"saved model: {self.weights_note}")
        if self.model_input:
            out.append(f"model.keras takes: {self.model_input}")
        for f in self.disappeared:
            out.append(f"gone: {f.kind}" + (f" ({f.metric})" if f.metric else ""))
        for f, _ in self.remained:
            out.append(f"remains: {f.kind}" + (f" ({f.metric})" if f.metric else ""))
        for f in self.new:
            out.append(f"new: {f.kind}" + (f" ({f.metric})" if f.metric else ""))
        for f, rem in self.addressed:
            out.append(f"dataset: {f.kind} addressed by {', '.join(rem)}")
        return out


def _f(v: float | None) -> str:
    return "--" if v is None or not math.isfinite(v) else f"{v:.4g}"


def _at(epoch: int | None) -> str:
    return "" if epoch is None else f" @{epoch}"


def _val_metrics(run: Run | None) -> list[str]:
    if run is None:
        return []
    return [
        n
        for n in run.metrics
        if naming.role(n) == "val" and not naming.is_counter(n) and not naming.is_learning_rate(n)
    ]


def _canonical(name: str) -> str:
    """``val_acc`` and ``val_accuracy`` compare as the same metric (Keras 2.3 renamed
    ``acc`` to ``accuracy``)."""
    base = naming.base_name(name).lower()
    if naming.is_accuracy(name) and "top" not in base:
        base = "accuracy"
    return f"{naming.role(name)}:{base}"


def summarize(run: Run | None, name: str | None) -> tuple[float | None, float | None, int | None]:
    """``(final, best, best_epoch)`` of a series (finite values; best by its direction).

    Returns ``(None, None, None)`` when the run has no such series or no finite value.
    """
    if run is None or name is None or name not in run:
        return None, None, None
    v = run[name].value
    fin = np.flatnonzero(np.isfinite(v))
    if len(fin) == 0:
        return None, None, None
    final = float(v[fin[-1]])
    d = naming.direction(name)
    if d is None:
        return final, None, None
    i = fin[int(np.argmin(v[fin]) if d == "min" else np.argmax(v[fin]))]
    return final, float(v[i]), int(i) + 1


def _key(f: Finding) -> tuple[str, str]:
    return f.kind, "" if f.metric is None else _canonical(f.metric)


def compare_runs(
    before: Run | None,
    after: Run,
    findings_before: Iterable[Finding] = (),
    findings_after: Iterable[Finding] = (),
    metrics_after: Mapping | None = None,
    remedies: Sequence[str] = (),
    balanced_accuracy_before: float | None = None,
) -> Comparison:
    """Compare the original run with the retrained one.

    Parameters
    ----------
    before : Run or None
        The original run (None when retraining from scratch without a log).
    after : Run
        The retrained run (its ``training.log``).
    findings_before, findings_after : iterable of Finding
        Diagnoses of both runs. Dataset findings (``metric`` None) of
        ``findings_before`` are reported as *addressed* when one of their remedies
        was applied, never as disappeared (the dataset did not change).
    metrics_after : mapping, optional
        The job's ``metrics.json``: balanced accuracy, status, saved weights.
    remedies : sequence of str
        The remedies the job applied.
    balanced_accuracy_before : float, optional
        Balanced accuracy of the original model on the same validation rows;
        taken from ``metrics_after["before"]`` when not given.

    Returns
    -------
    Comparison
        Findings are matched by kind and metric (``val_acc`` = ``val_accuracy``).
    """
    names: list[str] = []
    seen: set[str] = set()
    for n in _val_metrics(before) + _val_metrics(after):
        c = _canonical(n)
        if c not in seen:
            seen.add(c)
            names.append(n)
    names.sort(key=lambda n: naming.family(n) != "loss")  # losses first, then scores
    changes = []
    for n in names:
        bname = next((m for m in _val_metrics(before) if _canonical(m) == _canonical(n)), None)
        aname = next((m for m in _val_metrics(after) if _canonical(m) == _canonical(n)), None)
        bf, bb, be = summarize(before, bname)
        af, ab, ae = summarize(after, aname)
        d = naming.direction(n)
        improved = None
        if bb is not None and ab is not None and d is not None and ab != bb:
            improved = ab < bb if d == "min" else ab > bb
        changes.append(MetricChange(aname or n, d, bf, bb, be, af, ab, ae, improved))

    fb = list(findings_before)
    fa = list(findings_after)
    run_fb = [f for f in fb if f.metric is not None]
    data_fb = [f for f in fb if f.metric is None]
    after_keys: dict[tuple[str, str], Finding] = {}
    for f in fa:
        after_keys.setdefault(_key(f), f)
    after_kinds = {f.kind: f for f in fa}
    disappeared, remained, used = [], [], set()
    for f in run_fb:
        g = after_keys.get(_key(f)) or after_kinds.get(f.kind)
        if g is None:
            disappeared.append(f)
        else:
            remained.append((f, g))
            used.add(id(g))
    before_kinds = {f.kind for f in run_fb}
    new = [
        g for g in fa if id(g) not in used and g.metric is not None and g.kind not in before_kinds
    ]
    applied = set(remedies)
    addressed = [
        (f, tuple(r for r in f.remedies if r in applied))
        for f in data_fb
        if applied & set(f.remedies)
    ]

    m = metrics_after or {}
    val = m.get("val") or {}
    bal_after = val.get("balanced_accuracy")
    if balanced_accuracy_before is None:
        balanced_accuracy_before = ((m.get("before") or {}).get("val") or {}).get(
            "balanced_accuracy"
        )
    return Comparison(
        tuple(changes),
        balanced_accuracy_before,
        bal_after,
        tuple(disappeared),
        tuple(remained),
        tuple(new),
        tuple(addressed),
        m.get("status"),
        m.get("weights_note"),
        (m.get("model_input") or {}).get("text"),
    )
