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
from analysis.model import SEVERITIES, Finding, LogReadError, Run

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


def _add_once(run: Run, kept: list[Run], skipped: list[dict]) -> None:
    """Add ``run`` unless another file of its folder given on the command line already
    holds its data (``training.log`` and ``history.json`` of one fit: read once, as in a
    folder); a new run holding an earlier one's data replaces it."""
    from analysis.readers.folder import read_once_reason, same_fit_twin

    twin = same_fit_twin(run, kept)
    if twin is not None:
        skipped.append({"source": run.source, "message": f"{run.source}: {read_once_reason(twin)}"})
        return
    for old in [k for k in kept if same_fit_twin(k, [run]) is not None]:
        kept.remove(old)
        skipped.append({"source": old.source, "message": f"{old.source}: {read_once_reason(run)}"})
    kept.append(run)


def _write(text: str, chunk: int = 8192) -> None:
    """Write to stdout in pieces and flush each: one large write that the pipe takes
    only partly ends without ``BrokenPipeError`` when the reader has gone (QA4: exit 0
    instead of 141 under ``| head -c 10``); a small one raises it."""
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

    from analysis.detectors import diagnose, load_config

    config = None
    if args.config:
        try:
            config = load_config(args.config)
        except (OSError, ValueError) as exc:
            why = "no such file" if isinstance(exc, FileNotFoundError) else exc
            why = getattr(why, "strerror", None) or why  # no "[Errno N]" noise
            print(f"fitlens analyze: {args.config}: {why}", file=sys.stderr)
            return 2

    runs_out: list[dict] = []
    errors: list[dict] = []
    all_findings: list[Finding] = []
    loaded: list[tuple[Run, list[Finding]]] = []

    # the dataset first: its class count and majority rate help judge "stuck at chance"
    dataset_findings: list[Finding] = []
    if args.data:
        from analysis.dataset import check_loaded
        from analysis.dataset_io import read_dataset
        from analysis.dataset_labels import dataset_class_info
        from analysis.detectors import with_class_info

        try:
            ds = read_dataset(args.data, args.label)
            dataset_findings = check_loaded(ds, config)
            config = with_class_info(config, *dataset_class_info(ds))
        except LogReadError as exc:
            errors.append({"source": exc.source, "message": exc.line()})
        except (OSError, ValueError) as exc:
            errors.append({"source": args.data, "message": f"{args.data}: {exc}"})
        except Exception as exc:  # a checker bug must not become a traceback
            why = f"could not be checked ({type(exc).__name__}: {exc})"
            errors.append({"source": args.data, "message": f"{args.data}: {why}"})
        all_findings.extend(dataset_findings)

    from analysis import load_many
    from analysis.readers import unique_run_names

    skipped: list[dict] = []
    all_runs: list[Run] = []
    for path in args.paths:
        try:
            outcome = load_many(path)
        except LogReadError as exc:
            errors.append({"source": exc.source, "message": exc.line()})
            continue
        except Exception as exc:  # a reader bug must not become a traceback
            errors.append(
                {
                    "source": path,
                    "message": f"{path}: could not be read ({type(exc).__name__}: {exc})",
                }
            )
            continue
        runs, file_errors = outcome
        # files of a folder that could not be read: one error each (exit 2)
        errors.extend({"source": e.source, "message": e.line()} for e in file_errors)
        # files of a folder that are not training logs: listed, not failures
        skipped.extend(
            {"source": e.source, "message": e.line()} for e in getattr(outcome, "skipped", ())
        )
        for run in runs:
            _add_once(run, all_runs, skipped)

    # two inputs whose runs got the same name (a/run/training.log, b/run/training.log):
    # the folder above goes in front, so findings and reports name distinct runs
    unique_run_names(all_runs)
    for run in all_runs:
        try:
            found = diagnose(run, config)
        except Exception as exc:
            found = []
            errors.append(
                {
                    "source": run.source,
                    "message": f"{run.source}: diagnosis failed ({type(exc).__name__}: {exc})",
                }
            )
        loaded.append((run, found))
        all_findings.extend(found)
        runs_out.append(run_to_dict(run, found))

    if args.json:
        doc = {"version": JSON_VERSION, "runs": runs_out, "errors": errors, "skipped": skipped}
        if args.data:
            doc["dataset"] = {
                "source": os.fspath(args.data),
                "findings": [f.to_dict() for f in dataset_findings],
            }
        _write(json.dumps(_clean(doc), allow_nan=False) + "\n")
    else:
        color = sys.stdout.isatty() and not args.no_color and "NO_COLOR" not in os.environ
        _write(report.render_text(loaded, dataset_findings, color=color))

    # folder-level notes (files over the cap, links not followed) first, then at most
    # MAX_SKIPPED_LINES files; a zoo-like folder has a meta.json per run
    skipped.sort(key=lambda e: not os.path.isdir(e["source"]))
    for e in skipped[:MAX_SKIPPED_LINES]:
        print(f"skipped: {e['message']}", file=sys.stderr)
    if len(skipped) > MAX_SKIPPED_LINES:
        more = len(skipped) - MAX_SKIPPED_LINES
        print(f"skipped: ... and {more} more file(s) (--json lists every one)", file=sys.stderr)
    for e in errors:
        print(e["message"], file=sys.stderr)
    if errors:
        return 2
    if args.fail_on:
        floor = SEVERITIES.index(args.fail_on)
        if any(SEVERITIES.index(f.severity) >= floor for f in all_findings):
            return 1
    return 0
