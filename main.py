"""FitLens entry point: parses arguments and dispatches. No logic of its own."""

from __future__ import annotations

import argparse
import sys

__version__ = "0.1.0"

COMMANDS = """\
commands (each has its own --help):
  analyze [--json] [--fail-on LEVEL] [--config FILE.toml] [--data PATH --label COLUMN] PATH ...
                        read logs, print their metrics and what went wrong
                        (exit 0 ok, 1 a finding at/above --fail-on, 2 an input unreadable)
  retrain SPEC.toml [--output DIR] [--json]
                        retrain a model with remedies in a worker process
                        (exit 0 completed, non-zero with a one-line reason otherwise)

examples:
  python main.py --demo
  python main.py training.log history.json runs/
  python main.py --config my_thresholds.toml runs/
  python main.py analyze --json --fail-on warning training.log
  python main.py retrain resources/demo/retrain.toml --output runs/demo-fixed
"""


def build_parser() -> argparse.ArgumentParser:
    """Parser of the GUI mode; the subcommands build their own parsers."""
    from analysis.cli_common import OneLineParser

    p = OneLineParser(
        prog="fitlens",
        description="FitLens: open training logs, see the curves, find out what went wrong, "
        "retrain with remedies.",
        epilog=COMMANDS,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="log files or folders to open (CSVLogger, history JSON/pickle/.npy, "
        "TensorBoard, Lightning, Hugging Face, W&B and plain CSV)",
    )
    p.add_argument("--demo", action="store_true", help="open the bundled demo run and dataset")
    p.add_argument(
        "--config",
        metavar="FILE.toml",
        default=None,
        help="detector thresholds, as for analyze (see resources/detectors.toml)",
    )
    p.add_argument(
        "--screenshot",
        metavar="FILE.png",
        help="render the main window offscreen once everything is loaded, write the PNG and exit",
    )
    p.add_argument("--version", action="version", version=f"FitLens {__version__}")
    return p


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "analyze":
        from analysis.cli import main as analyze_main

        return analyze_main(argv[1:])
    if argv and argv[0] == "retrain":
        from retrain.cli import main as retrain_main

        return retrain_main(argv[1:])
    args = build_parser().parse_args(argv)
    if args.screenshot and not args.screenshot.lower().endswith(".png"):
        build_parser().error(f"--screenshot: {args.screenshot!r} must end in .png")
    from gui.app import run_app

    return run_app(paths=args.paths, demo=args.demo, screenshot=args.screenshot, config=args.config)


if __name__ == "__main__":
    sys.exit(main())
