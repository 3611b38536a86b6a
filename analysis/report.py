"""Plain-text report of runs and findings (the readable ``analyze`` output)."""

from __future__ import annotations

from analysis.model import Finding, Run

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


def render_finding(f: Finding, color: bool = False) -> str:
    """One finding as a few indented lines: severity, message, causes, remedies."""
    mark = _MARK.get(f.severity, f.severity)
    if color:
        mark = f"{_COLOR.get(f.severity, '')}{mark}{_RESET}"
    lines = [f"  {mark} [{f.kind}] {f.message}"]
    if f.causes:
        lines.append("      likely causes: " + "; ".join(f.causes))
    if f.remedies:
        lines.append("      remedies: " + ", ".join(f.remedies))
    return "\n".join(lines)


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
        out.append(f"  {'metric':<{w}}  {'n':>6} {'first':>10} {'last':>10} {'min':>10} {'max':>10}")
        for name, s in run.series.items():
            st = s.stats()
            bad = f"  ({st['n_nonfinite']} NaN/inf)" if st["n_nonfinite"] else ""
            out.append(
                f"  {name:<{w}}  {st['n']:>6} {_fmt(st['first']):>10} {_fmt(st['last']):>10} "
                f"{_fmt(st['min']):>10} {_fmt(st['max']):>10}{bad}"
            )
    for note in run.notes:
        out.append(f"  note: {note}")
    if findings:
        out.append("  findings:")
        out.extend(render_finding(f, color) for f in findings)
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
