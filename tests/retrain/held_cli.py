"""``main.py retrain ARGS`` whose worker waits at one point: ``held_cli.py ARGS...``.

Runs the real CLI (:func:`retrain.cli.main`) in this process with
:func:`retrain.cli.worker_command` pointed at :mod:`held_worker` (the real worker with a
callback that waits where ``FITLENS_TEST_HOLD`` says), so the CLI's handling of a
cancel, Ctrl+C, SIGTERM or a killed worker is tested mid-epoch.
"""

from __future__ import annotations

import sys
from pathlib import Path

import retrain.cli as cli

HELD_WORKER = Path(__file__).resolve().parent / "held_worker.py"


def _held_worker_command(spec_path, python=None) -> list[str]:
    return [python or sys.executable, str(HELD_WORKER), str(spec_path), "--cancel-on-eof"]


if __name__ == "__main__":
    cli.worker_command = _held_worker_command
    sys.exit(cli.main(sys.argv[1:]))
