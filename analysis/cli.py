"""``python main.py analyze``: read logs, report metrics and findings, gate CI.

Exit codes: 0 everything read (and no finding at/above ``--fail-on``);
1 a finding at or above ``--fail-on``; 2 usage error or an input that could not
be read, also a log file inside a folder (the other inputs are still reported).
Never a traceback.

Folders (:func:`analysis.readers.load_many`): every readable log is a run; each log
file that could not be read is one line on stderr and one ``errors`` entry; files
that are not training logs (datasets, settings JSON, text...) are listed as
``skipped`` (JSON key ``skipped``, stderr lines starting ``skipped:``) without
failing the command.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys

from analysis import report
from analysis.cli_common import EXIT_BROKEN_PIPE, OneLineParser, silence_stdout
from analysis.judge import Problem, read_config
from analysis.model import SEVERITIES, Finding, LogReadError, Run
from analysis.session import Session, open_inputs

JSON_VERSION = 1


def build_parser() -> argparse.ArgumentParser:
    p = OneLineParser(
        prog="fitlens analyze",
        description="Read training logs and say what went wrong, with evidence.",
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="log files or folders")
    p.add_argument(
        "--json", action="store_true", help="print one JSON document on stdout (version 1 schema)"
    )
    p.add_argument(
        "--fail-on",
        choices=("warning", "critical"),
        default=None,
        help="exit 1 when a finding at or above this severity exists",
    )
    p.add_argument(
        "--config",
        metavar="FILE.toml",
        default=None,
        help="detector thresholds (see resources/detectors.toml)",
    )
    p.add_argument(
        "--data",
        metavar="PATH",
        default=None,
        help="dataset (CSV with a label column, or .npz) for the dataset checks",
    )
    p.add_argument("--label", metavar="COLUMN", default=None, help="label column of --data (CSV)")
    p.add_argument("--no-color", action="store_true", help="no ANSI colours in the text report")
    return p


def _clean(o):
    """Make a value strict-JSON: NaN/inf -> None, numpy scalars -> Python."""
    if isinstance(o, dict):
        return {str(k): _clean(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [_clean(v) for v in o]
    if hasattr(o, "item") and not isinstance(o, (str, bytes)):
        try:
            o = o.item()
        except (ValueError, AttributeError):
            pass
    if isinstance(o, float) and not math.isfinite(o):
        return None
    return o


def run_to_dict(run: Run, findings: list[Finding]) -> dict:
    """The JSON object of one run (``runs[i]`` of ``analyze --json``)."""
    return {
        "name": run.name,
        "source": run.source,
        "format": run.format,
        "segments": int(run.segments),
        "step_kind": run.step_kind,
        "notes": list(run.notes),
        "metrics": {name: s.stats() for name, s in run.series.items()},
        "findings": [f.to_dict() for f in findings],
    }


#: Files listed one per line under "skipped:" on stderr; the rest are counted
#: (``--json`` has every one in ``skipped``).
MAX_SKIPPED_LINES = 8


def main(argv: list[str] | None = None) -> int:
    """``fitlens analyze``: exit 0 (read), 1 (``--fail-on`` met), 2 (unreadable input).

    A closed stdout (``| head``) ends the command quietly with :data:`EXIT_BROKEN_PIPE`
    (:func:`analysis.cli_common.silence_stdout`).
    """
    try:
        code = _main(argv)
        sys.stdout.flush()
        return code
    except BrokenPipeError:
        silence_stdout()
        return EXIT_BROKEN_PIPE


def _write(text: str, chunk: int = 8192) -> None:
    """Write to stdout in pieces and flush each: one large write that the pipe takes
    only partly ends without ``BrokenPipeError`` when the reader has gone (the command
    would exit 0 instead of 141 under ``| head -c 10``); a small one raises it."""
    for i in range(0, len(text), chunk):
        sys.stdout.write(text[i : i + chunk])
        sys.stdout.flush()


def _main(argv: list[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if (args.data is None) != (args.label is None) and not (
        args.data and args.data.lower().endswith(".npz")
    ):
        parser.error("--data and --label go together (--label may be left out for .npz)")

    config = None
    if args.config:
        try:
            config = read_config(args.config)
        except LogReadError as exc:
            print(f"fitlens analyze: {exc.line()}", file=sys.stderr)
            return 2
    session = open_inputs(args.paths, args.data or None, args.label, config)
    if args.json:
        _write(json.dumps(_clean(_json_document(args, session)), allow_nan=False) + "\n")
    else:
        color = sys.stdout.isatty() and not args.no_color and "NO_COLOR" not in os.environ
        loaded = list(zip(session.runs, session.findings, strict=True))
        _write(report.render_text(loaded, session.dataset_findings, color=color))
    _print_skipped(session.skipped)
    problems = session.problems
    for p in problems:
        print(p.message, file=sys.stderr)
    if problems:
        return 2
    if args.fail_on:
        floor = SEVERITIES.index(args.fail_on)
        found = [*session.dataset_findings, *(f for fs in session.findings for f in fs)]
        if any(SEVERITIES.index(f.severity) >= floor for f in found):
            return 1
    return 0


def _json_document(args: argparse.Namespace, session: Session) -> dict:
    """The ``--json`` document (version 1 schema)."""
    doc = {
        "version": JSON_VERSION,
        "runs": [run_to_dict(r, fs) for r, fs in zip(session.runs, session.findings, strict=True)],
        "errors": [p.to_dict() for p in session.problems],
        "skipped": [p.to_dict() for p in session.skipped],
    }
    if args.data:
        doc["dataset"] = {
            "source": os.fspath(args.data),
            "findings": [f.to_dict() for f in session.dataset_findings],
        }
    return doc


def _print_skipped(skipped: list[Problem]) -> None:
    """Folder-level notes (files over the cap, links not followed) first, then at most
    :data:`MAX_SKIPPED_LINES` files, on stderr; a zoo-like folder has a meta.json per run."""
    skipped = sorted(skipped, key=lambda p: not os.path.isdir(p.source))
    for p in skipped[:MAX_SKIPPED_LINES]:
        print(f"skipped: {p.message}", file=sys.stderr)
    if len(skipped) > MAX_SKIPPED_LINES:
        more = len(skipped) - MAX_SKIPPED_LINES
        print(f"skipped: ... and {more} more file(s) (--json lists every one)", file=sys.stderr)
