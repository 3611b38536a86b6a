"""``main.py retrain ARGS`` with :mod:`fake_worker` as its worker: ``fake_cli.py ARGS...``.

Runs the real CLI (:func:`retrain.cli.main`) in this process, with
:func:`retrain.cli.worker_command` pointed at ``fake_worker.py``, so the CLI's own
handling of signals, closed pipes and exit codes can be tested without TensorFlow.
The fake worker is set up through its environment variables (``FAKE_MODE``...).
"""

from __future__ import annotations

import sys

from retrain_testutil import FAKE_WORKER

import retrain.cli as cli


def _fake_worker_command(spec_path, python=None) -> list[str]:
    return [python or sys.executable, str(FAKE_WORKER), str(spec_path), "--cancel-on-eof"]


if __name__ == "__main__":
    cli.worker_command = _fake_worker_command
    sys.exit(cli.main(sys.argv[1:]))
