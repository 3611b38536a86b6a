"""The retrain worker process: ``python -m retrain.worker SPEC [--output DIR]``.

The entry point only; the job is :func:`retrain.training.run_job`. The worker is the
only process where FitLens imports TensorFlow. It reads the spec, loads and prepares the
data (remedies on the training split only), rebuilds the model with fresh weights,
trains it and writes into its own output folder:

- ``spec.toml``: the resolved spec (absolute paths, explicit callback modes);
- ``training.log``: ``keras.callbacks.CSVLogger`` (one row per epoch, flushed as it goes);
- ``history.json``: ``history.history`` as plain floats;
- ``model.keras``: the trained model (the best epoch's weights with EarlyStopping); with
  ``standardize`` behind a fixed ``Normalization`` layer holding the scaler's statistics,
  so it takes raw features (:mod:`retrain.export`);
- ``preprocessing.json``: what a Keras input cannot hold: feature columns in order,
  one-hot categories, the scaler's mean/scale, the class labels by output index;
- ``metrics.json``: ``{"status", "epochs_run", "seconds", "val": {...}, "model_input":
  {"kind", "text", "file", "check"}}`` - also for a cancelled or failed job, with ``reason``.
  ``val`` scores the trained model on the prepared validation rows; ``model_input.check``
  says how many of those rows ``model.keras`` fed raw (as ``preprocessing.json`` says)
  predicts the same class for.

Progress goes to stdout as JSON Lines (:mod:`retrain.protocol`). The real stdout
file descriptor is duplicated for the protocol and fd 1 is pointed at stderr
before TensorFlow loads (:class:`retrain.reporter.Channel`), so C++ logging, Keras
progress bars and stray ``print`` calls can never corrupt the stream.

A ``cancel`` line on stdin (``cancel <reason>`` gives the reason), Ctrl+C (SIGINT)
or SIGTERM stops training after the current batch (:mod:`retrain.cancel`,
:mod:`retrain.reporter`); the job is then finished normally with status ``cancelled``
and the reason (``"terminated by SIGTERM"``...). Keras still ends the cut epoch as an
epoch (validation, ``on_epoch_end``): its row in ``training.log``/``history.json``
covers only the batches that ran, and ``metrics.json`` says ``"partial_epoch": true``
with ``partial_epoch_batches`` of ``steps_per_epoch``. A cancel that arrives after an
epoch's last batch (during its validation, or before the next epoch's first batch)
runs no batch of a further epoch, so every row is a whole epoch. ``weights_epoch``
counts from 1, as Keras prints ``Epoch 3/30`` (the ``epoch`` column of
``training.log`` and of the epoch messages counts from 0, as CSVLogger writes it). A
second signal (or SIGTERM after a cancel the worker has not yet acted on) stops it at
once: ``metrics.json`` says cancelled, the partial ``training.log`` stays, no model is
saved. With ``--cancel-on-eof`` (used by the GUI and the CLI) the worker also cancels
when its controller goes away.

The spec, the input files, the label column, the model file and the model,
data and remedies against each other (:mod:`retrain.preflight`, then the exact
shapes once the data is loaded and prepared) are checked before the output folder
is claimed, so a bad input leaves nothing behind (exit 2; an ``error`` message
with ``output`` null). A problem found after that (Keras cannot rebuild the
model, training raises) fails the job: exit 1, ``metrics.json`` says why. Without
``--output`` or ``[output] dir`` the folder is :func:`retrain.outdir.default_output_dir`.

Exit status (:mod:`retrain.protocol`): 0 completed, 3 cancelled, 2 bad spec/input,
1 failed; 130 when interrupted twice before the outcome could be saved.
"""

from __future__ import annotations

import argparse
import os
import sys

from retrain.cancel import CancelRequests, StopNow
from retrain.keras_callbacks import ExtraCallbacks
from retrain.protocol import EXIT_CANCELLED, message
from retrain.reporter import Channel

#: Exit status when a second interrupt arrives while the outcome is being saved.
EXIT_INTERRUPTED = 130


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="python -m retrain.worker",
        description="Run one FitLens retrain job; progress as JSON Lines on stdout.",
    )
    ap.add_argument("spec", help="the retrain spec (TOML, or JSON with the same structure)")
    ap.add_argument("--output", metavar="DIR", help="output folder (overrides [output] dir)")
    ap.add_argument(
        "--cancel-on-eof",
        action="store_true",
        help="cancel when stdin closes (the controlling program went away)",
    )
    return ap


def main(argv: list[str] | None = None, extra_callbacks: ExtraCallbacks | None = None) -> int:
    """Entry point of ``python -m retrain.worker``; returns the exit status.

    ``extra_callbacks(keras, reporter)`` adds Keras callbacks to the fit (see
    :func:`retrain.training.run_job`); the command line never sets it.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    args = build_parser().parse_args(argv)
    channel = Channel()
    cancel = CancelRequests(on_eof=args.cancel_on_eof)
    from retrain.training import run_job

    try:
        return run_job(args.spec, args.output, channel, cancel, extra_callbacks)
    except StopNow as stop:  # while recording another outcome
        reason = f"stopped at once by {stop.how} while saving the job's outcome"
        channel.send(message("error", message=reason, kind="internal"))
        return EXIT_CANCELLED
    except KeyboardInterrupt:
        reason = "interrupted twice; stopped without saving"
        channel.send(message("error", message=reason, kind="internal"))
        return EXIT_INTERRUPTED


def exit_now(code: int) -> None:
    """Leave the process with ``code`` after flushing, skipping the interpreter's teardown
    of TensorFlow's threads (it can hang or abort at exit)."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    exit_now(main())
