"""The detector pipeline: which detector runs when, what it reports, what it supersedes.

:data:`PIPELINE` is the one place that says in which order the detectors read a run.
Each :class:`Step` names its detector (``detect(ctx) -> list[Finding]``), the kinds it
reports (declared in :mod:`analysis.kinds`) and what its findings *supersede*: series
that an earlier finding already explains, so that later steps do not judge them again
for some kinds (a loss falling without bound is no plateau; a run stuck at chance has
no plateau of its own). :func:`run_steps` runs the steps in order, then lets the findings
inform each other's causes (:func:`link`), adds the ``not_judged`` summary and sorts by
severity, then by the registry's kind order.

Adding a detector: its module (``detect_<name>(ctx)``), its kind in
:data:`analysis.kinds.KINDS`, one :class:`Step` line below, its tests.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from analysis import kinds
from analysis.detectors.chance import detect_chance
from analysis.detectors.config import DetectorConfig
from analysis.detectors.context import Context
from analysis.detectors.divergence import detect_divergence
from analysis.detectors.non_finite import detect_non_finite
from analysis.detectors.oscillation import detect_oscillation
from analysis.detectors.overfitting import detect_overfitting
from analysis.detectors.progress import detect_progress
from analysis.detectors.schedule import detect_schedule
from analysis.detectors.zero_loss import detect_zero_loss
from analysis.model import SEVERITIES, Finding, Run

#: The kinds that say how a series trends: an earlier finding that explains a series
#: (a runaway loss, a loss at exactly 0) leaves nothing for them to say.
TREND_KINDS: tuple[str, ...] = ("overfitting", "plateau", "slow_convergence")


@dataclass(frozen=True)
class Supersedes:
    """Series a step's findings explain, which later steps do not judge again for ``kinds``.

    Attributes
    ----------
    kinds : tuple of str
        Kinds of later steps that are not judged on those series.
    series : callable or None
        ``series(finding)`` -> the names of the series that finding explains (empty for
        findings that explain none); None: every series of the run, for every finding.
    """

    kinds: tuple[str, ...]
    series: Callable[[Finding], Iterable[str]] | None = None


@dataclass(frozen=True)
class Step:
    """One detector of the pipeline.

    Attributes
    ----------
    detect : callable
        ``detect(ctx: Context) -> list[Finding]``; may record what it could not judge
        (:meth:`Context.skip`) and consult what earlier steps superseded
        (:meth:`Context.is_superseded`).
    kinds : tuple of str
        The kinds its findings have (each declared in :data:`analysis.kinds.KINDS`).
    supersedes : tuple of Supersedes
        What its findings explain for later steps.
    """

    detect: Callable[[Context], list[Finding]]
    kinds: tuple[str, ...]
    supersedes: tuple[Supersedes, ...] = ()


def _unbounded_or_runaway(f: Finding) -> Iterable[str]:
    """The losses a divergence finding explains: every loss falling without bound, or the
    one that ran away from its best (a spike or an overflow leaves the trend to judge)."""
    pattern = f.evidence.get("pattern")
    if pattern == "negative_unbounded":
        return {f.metric, *f.evidence.get("metrics", {})}
    return {f.metric} if pattern == "runaway" else ()


def _zero_losses(f: Finding) -> Iterable[str]:
    """Every loss at exactly 0: explained, it is no plateau or slow convergence."""
    return f.evidence.get("metrics", {})


def _clear_overfitting(f: Finding) -> Iterable[str]:
    """The monitor of an overfitting finding of warning level or above. An ``info`` onset
    (an EarlyStopping-sized rise) may also be a plateau; anything stronger explains the
    series on its own."""
    return (f.metric,) if f.severity != "info" else ()


#: The detectors, in the order they read a run. Later steps see what earlier ones superseded.
PIPELINE: tuple[Step, ...] = (
    Step(detect_non_finite, ("non_finite",)),
    Step(detect_divergence, ("divergence",), (Supersedes(TREND_KINDS, _unbounded_or_runaway),)),
    # a run stuck at chance has no plateau of its own: its flat loss is part of that finding;
    # a validation accuracy at chance it leaves to overfitting (ctx.extra["val_at_chance"])
    # becomes the first cause of that overfitting, so this step runs before overfitting
    Step(detect_chance, ("stuck_at_chance",), (Supersedes(("plateau",)),)),
    Step(detect_zero_loss, ("suspicious_zero_loss",), (Supersedes(TREND_KINDS, _zero_losses),)),
    Step(
        detect_overfitting,
        ("overfitting",),
        (Supersedes(("plateau", "slow_convergence"), _clear_overfitting),),
    ),
    Step(detect_progress, ("slow_convergence", "plateau")),
    Step(detect_oscillation, ("oscillation",)),
    Step(detect_schedule, ("lr_cut_while_improving",)),
)


def _check_declared(pipeline: tuple[Step, ...]) -> None:
    """Every kind a step reports or supersedes is declared in :mod:`analysis.kinds`."""
    for step in pipeline:
        for name in (*step.kinds, *(k for s in step.supersedes for k in s.kinds)):
            kinds.get(name)  # KeyError names an undeclared kind at import


_check_declared(PIPELINE)


def _supersede(ctx: Context, step: Step, found: list[Finding]) -> None:
    for rule in step.supersedes:
        if rule.series is None:
            if found:
                ctx.supersede(rule.kinds, None)
            continue
        for f in found:
            ctx.supersede(rule.kinds, rule.series(f))


def link(found: list[Finding]) -> list[Finding]:
    """Let findings of one run inform each other's ranked causes (an expert reads them together).

    - overfitting while the *training* loss oscillates: the learning rate is too high,
      the validation curve drifts with it (an SGD run at a learning rate too high shows
      both);
    - stuck at chance while the loss still falls steadily but slowly: the learning
      rate is far too low.
    """
    by_kind = {f.kind: f for f in found}
    oscillation = by_kind.get("oscillation")
    train_oscillates = oscillation is not None and any(
        not m.startswith(("val", "eval", "valid", "test"))
        for m in oscillation.evidence.get("metrics", {})
    )
    slow = by_kind.get("slow_convergence")
    out = []
    for f in found:
        if f.kind == "overfitting" and train_oscillates:
            cause = (
                "learning rate too high: the training loss itself oscillates (see the "
                "oscillation finding), so the validation loss drifts up with it"
            )
            f = dataclasses.replace(
                f,
                causes=(cause, *f.causes),
                remedies=tuple(
                    dict.fromkeys((*f.remedies, "learning_rate", "reduce_lr_on_plateau"))
                ),
            )
        if (
            f.kind == "stuck_at_chance"
            and slow is not None
            and slow.evidence.get("decay_q", 0) >= 0.99
        ):
            cause = (
                "learning rate far too low: the loss falls steadily but very slowly (see "
                "the slow_convergence finding)"
            )
            f = dataclasses.replace(
                f,
                causes=(cause, *f.causes),
                remedies=tuple(dict.fromkeys(("learning_rate", *f.remedies))),
            )
        out.append(f)
    return out


def not_judged(ctx: Context) -> Finding | None:
    """The run's ``not_judged`` summary: per series, the checks skipped and why (or None)."""
    skipped = {
        m: reasons
        for m, reasons in ctx.not_judged.items()
        if ctx.views.get(m) is not None and ctx.views[m].m > 0
    }
    if not ctx.views:
        why = (
            "no loss or score series to judge (only counters or learning rates)"
            if ctx.run.series
            else "the run has no metrics"
        )
        skipped = {"(run)": [why]}
    if not skipped:
        return None
    parts = [f"{m} ({'; '.join(reasons)})" for m, reasons in skipped.items()]
    return ctx.finding(
        "not_judged",
        kinds.get("not_judged").severity,
        None,
        None,
        None,
        "could not judge: " + ", ".join(parts),
        {"metrics": skipped},
        [],
        [],
        1.0,
    )


#: Most severe first.
_SEVERITY_RANK = {s: i for i, s in enumerate(reversed(SEVERITIES))}


def report_order(f: Finding) -> tuple:
    """Sort key: severity (critical first), kind (:data:`analysis.kinds.KINDS`), start."""
    return (
        _SEVERITY_RANK.get(f.severity, 3),
        kinds.order(f.kind),
        f.start if f.start is not None else float("inf"),
    )


def run_steps(run: Run, cfg: DetectorConfig, steps: tuple[Step, ...] = PIPELINE) -> list[Finding]:
    """Every step of ``steps`` on ``run``, linked, summarised and sorted (see module doc)."""
    ctx = Context.build(run, cfg)
    found: list[Finding] = []
    for step in steps:
        step_found = step.detect(ctx)
        _supersede(ctx, step, step_found)
        found += step_found
    found = link(found)
    summary = not_judged(ctx)
    if summary is not None:
        found.append(summary)
    found.sort(key=report_order)
    return found
