"""Plain-text report of runs and findings (the readable ``analyze`` output)."""

from __future__ import annotations

import re

from analysis import kinds
from analysis.detectors.wording import fmt_x as format_x
from analysis.model import Finding, Run

#: Reader notes that record a routine reading decision (line endings, which column is
#: the x axis, a format's bookkeeping fields): they stay in the run's tooltip and are not
#: sent to the GUI's Messages panel nor printed by ``analyze`` (text), which are kept for errors,
#: warnings and what the user must know (otherwise every CSVLogger file would add "CRLF line
#: endings" and "x axis column 'epoch' excluded"). Matched case-insensitively against the
#: note's text (the notes the readers in analysis/readers write). A note that matches none of
#: them (validation logged every Nth epoch, duplicate lines dropped, resumed segments, a
#: mid-run checkpoint...) is shown.
ROUTINE_NOTE_PATTERNS: tuple[str, ...] = (
    r"line endings",
    r"^separator ",
    r"\baxis columns? ",
    r"^x axis column",
    r"^x axes differ",
    r"^no x-axis column",
    r"^unnamed pandas index",
    r"is the x axis",
    r"logged epoch counter",
    r"counters kept as axes",
    r"^dict of lists",
    r"^keras history fields",
    r"^log_history:",
    r"bookkeeping keys excluded",
    r"metadata keys excluded",
    r"^final summary row excluded",
    r"^lightning sparse table",
    r"^metric name = ",
    r"^__min/__max copies",
    r"^opened with a restricted unpickler",
    r"^decimal commas",
    r"title/comment text row",
    r"header rows \(repeated headers",
    r"row\(s\) of separators only",
    r"^non-scalar summaries skipped",
    r"^batch-level log",
    r"without an epoch \(learningratemonitor",
)
_ROUTINE_RE = re.compile("|".join(f"(?:{p})" for p in ROUTINE_NOTE_PATTERNS), re.IGNORECASE)


def is_routine_note(note: str) -> bool:
    """True for a reader note that records a routine decision (:data:`ROUTINE_NOTE_PATTERNS`)."""
    return bool(_ROUTINE_RE.search(note))


__all__ = ["format_x", "render_finding", "render_run", "render_text"]

_MARK = {"critical": "✖ CRITICAL", "warning": "▲ WARNING", "info": "● info"}
_COLOR = {"critical": "\033[1;31m", "warning": "\033[33m", "info": "\033[36m"}
_RESET = "\033[0m"


def _fmt(v) -> str:
    if v is None:
        return "—"
    if isinstance(v, int):
        return str(v)
    a = abs(v)
    if a != 0 and (a < 1e-3 or a >= 1e5):
        return f"{v:.3e}"
    return f"{v:.4g}"


def _span(f: Finding, unit: str | None) -> str:
    """``epochs 5-14`` / ``steps 1954500-1999500``: x positions via :func:`format_x`."""
    if f.start is None:
        return ""
    u = unit or "x"
    if f.end is None or f.end == f.start:
        return f"{u} {format_x(f.start)}"
    return f"{u}s {format_x(f.start)}-{format_x(f.end)}"


def render_finding(
    f: Finding, color: bool = False, unit: str | None = None, width: int = 100
) -> str:
    """One finding as a few indented lines.

    Parameters
    ----------
    f : Finding
    color : bool
        ANSI colours for the severity mark (terminals only).
    unit : {"epoch", "step"}, optional
        Word for the span (``epochs 5-14``); the run's ``step_kind``.
    width : int
        Message lines are wrapped to this many columns.

    Returns
    -------
    str
        ``<mark> <kind>  <metric>, <span>  (confidence c)``, the wrapped message,
        numbered likely causes and the remedies, each on its own indented line.
    """
    import textwrap

    mark = _MARK.get(f.severity, f.severity)
    if color:
        mark = f"{_COLOR.get(f.severity, '')}{mark}{_RESET}"
    where = ", ".join(p for p in (f.metric or "", _span(f, unit)) if p)
    head = f"  {mark}  {f.kind}" + (f"  {where}" if where else "")
    if kinds.shows_confidence(f.kind) and f.confidence < 1.0:
        head += f"  (confidence {f.confidence:.2f})"
    lines = [head]
    lines += textwrap.wrap(
        f.message,
        width=width,
        initial_indent="      ",
        subsequent_indent="      ",
        break_on_hyphens=False,
    )
    if f.causes:
        causes = "; ".join(f"{i}) {c}" for i, c in enumerate(f.causes, 1))
        lines += textwrap.wrap(
            "likely causes: " + causes,
            width=width,
            initial_indent="      ",
            subsequent_indent="        ",
            break_on_hyphens=False,
        )
    if f.remedies:
        lines.append("      remedies: " + ", ".join(f.remedies))
    return "\n".join(lines)


def _unit(run: Run, f: Finding) -> str:
    """The x word of a finding's metric (series of one run may count epochs or steps)."""
    if f.metric and f.metric in run.series and hasattr(run, "step_kind_of"):
        return run.step_kind_of(f.metric)
    return run.step_kind


def render_run(run: Run, findings: list[Finding], color: bool = False) -> str:
    """A run's header, its metrics table and its findings."""
    head = f"{run.name}  ({run.format}, {run.source})"
    if color:
        head = f"\033[1m{head}{_RESET}"
    out = [head]
    seg = f", {run.segments} segments" if run.segments > 1 else ""
    out.append(f"  {len(run.series)} metrics, x = {run.step_kind}{seg}")
    if run.series:
        w = max(len(n) for n in run.series)
        out.append(
            f"  {'metric':<{w}}  {'n':>6} {'first':>10} {'last':>10} {'min':>10} {'max':>10}"
        )
        for name, s in run.series.items():
            st = s.stats()
            bad = f"  ({st['n_nonfinite']} NaN/inf)" if st["n_nonfinite"] else ""
            out.append(
                f"  {name:<{w}}  {st['n']:>6} {_fmt(st['first']):>10} {_fmt(st['last']):>10} "
                f"{_fmt(st['min']):>10} {_fmt(st['max']):>10}{bad}"
            )
    for note in run.notes:
        if not is_routine_note(note):  # routine decisions: in --json only
            out.append(f"  note: {note}")
    if findings:
        out.append("  findings:")
        out.extend(render_finding(f, color, unit=_unit(run, f)) for f in findings)
    else:
        out.append("  findings: none")
    return "\n".join(out)


def render_text(
    loaded: list[tuple[Run, list[Finding]]],
    dataset_findings: list[Finding] | None = None,
    color: bool = False,
) -> str:
    """The whole readable report."""
    parts = [render_run(r, f, color) for r, f in loaded]
    if dataset_findings is not None and dataset_findings:
        lines = ["dataset:"] + [render_finding(f, color) for f in dataset_findings]
        parts.append("\n".join(lines))
    return "\n\n".join(parts) + ("\n" if parts else "")
