"""The retrain worker process: ``python -m retrain.worker SPEC [--output DIR]``.

The only place FitLens imports TensorFlow. It reads the spec, loads and prepares
the data (remedies on the training split only), rebuilds the model with fresh
weights, trains it and writes into its own output folder:

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
before TensorFlow loads, so C++ logging, Keras progress bars and stray
``print`` calls can never corrupt the stream.

A ``cancel`` line on stdin (``cancel <reason>`` gives the reason), Ctrl+C (SIGINT)
or SIGTERM stops training after the current batch (``model.stop_training``, which
Keras 3 checks after every batch and after the callbacks' ``on_epoch_end``); the
job is then finished normally with status ``cancelled`` and the reason
(``"terminated by SIGTERM"``...). Keras still ends the cut epoch as an epoch
(validation, ``on_epoch_end``): its row in ``training.log``/``history.json`` covers
only the batches that ran, and ``metrics.json`` says ``"partial_epoch": true`` with
``partial_epoch_batches`` of ``steps_per_epoch``. A cancel that arrives after an
epoch's last batch (during its validation, or before the next epoch's first batch)
runs no batch of a further epoch, so every row is a whole epoch. ``weights_epoch``
counts from 1, as Keras prints ``Epoch 3/30`` (the ``epoch`` column of
``training.log`` and of the epoch messages counts from 0, as CSVLogger writes it). A second signal (or SIGTERM after a cancel the
worker has not yet acted on) stops it at once: ``metrics.json`` says cancelled,
the partial ``training.log`` stays, no model is saved. With ``--cancel-on-eof``
(used by the GUI and the CLI) the worker also cancels when its controller goes away.

The spec, the input files, the label column, the model file and the model,
data and remedies against each other (:mod:`retrain.preflight`, then the exact
shapes once the data is loaded and prepared) are checked before the output folder
is claimed, so a bad input leaves nothing behind (exit 2; an ``error`` message
with ``output`` null). A problem found after that (Keras cannot rebuild the
model, training raises) fails the job: exit 1, ``metrics.json`` says why. Without
``--output`` or ``[output] dir`` the folder is :func:`retrain.outdir.default_output_dir`.

Exit status: 0 completed, 3 cancelled, 2 bad spec/input, 1 failed.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import sys
import time
import traceback
from pathlib import Path

from retrain.cancel import Cancelled, CancelRequests, EpochNotStarted, StopNow
from retrain.keras_callbacks import ExtraCallbacks, job_callbacks
from retrain.reporter import Channel, ProgressReporter

EXIT_COMPLETED, EXIT_FAILED, EXIT_INPUT, EXIT_CANCELLED = 0, 1, 2, 3


def _configure_tensorflow(seed: int):
    """Import TensorFlow/Keras, set threads and seeds. Returns ``(tf, keras, seconds)``.

    Threads: TensorFlow's own choice (one intra-op thread per core) unless
    ``FITLENS_TF_THREADS`` sets both pools. On the 2-core machine this was built on,
    the small models of a retrain are bound by Python's per-batch work: one thread
    and the default gave the same fit time (3.84-3.96 s vs 3.96-4.00 s, demo, 30 epochs).
    """
    t = time.monotonic()
    import keras
    import tensorflow as tf

    secs = round(time.monotonic() - t, 3)
    threads = int(os.environ.get("FITLENS_TF_THREADS", "0") or 0)
    if threads > 0:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
    # python, numpy and TF seeds (keras.utils.set_random_seed); initialisers and
    # shuffling are then repeatable
    keras.utils.set_random_seed(seed)
    return tf, keras, secs


def _compile(keras, model, spec, plan: dict):
    """Compile with the job's optimizer settings (after the remedies), the loss of the
    loss plan, an ``accuracy`` metric and the metrics remedies add."""
    from retrain.optimizers import build_optimizer

    settings = spec.settings
    logits = plan["from_logits"]
    if plan["loss"] == "binary_crossentropy":
        loss = keras.losses.BinaryCrossentropy(from_logits=logits)
        metrics = [keras.metrics.BinaryAccuracy(name="accuracy", threshold=0.0 if logits else 0.5)]
    else:
        loss = keras.losses.SparseCategoricalCrossentropy(from_logits=logits)
        metrics = [keras.metrics.SparseCategoricalAccuracy(name="accuracy")]
    for remedy, value in spec.remedies.by_stage():
        metrics += remedy.compile_metrics(keras, plan, value)
    optimizer = build_optimizer(
        keras, settings.optimizer, settings.learning_rate, settings.clipnorm
    )
    model.compile(optimizer=optimizer, loss=loss, metrics=metrics)


def _write_json(path: Path, obj) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(obj, indent=1, default=float) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def run(
    spec_path: str,
    output: str | None,
    channel: Channel,
    cancel: CancelRequests,
    extra_callbacks: ExtraCallbacks | None = None,
) -> int:
    """Run one job; returns the exit status. Every outcome is reported on ``channel``."""
    from retrain import outdir
    from retrain.data import load_dataset
    from retrain.describe import describe_actions
    from retrain.errors import RetrainError
    from retrain.export import (
        PREPROCESSING_FILE,
        describe_input,
        normalization,
        preprocessing_info,
    )
    from retrain.models import build_model, loss_plan, mlp_config, output_head
    from retrain.preflight import DataShape, check_fit, model_config, preflight
    from retrain.preparation import prepare
    from retrain.protocol import message
    from retrain.spec import dumps_spec, read_spec

    t0 = time.monotonic()
    out: Path | None = None
    progress: ProgressReporter | None = None
    timing: dict[str, float] = {}

    def epochs_run() -> int:
        return progress.epochs_run if progress is not None else 0

    def history() -> dict[str, list[float]]:
        return progress.history if progress is not None else {}

    def fail(reason: str, kind: str, code: int) -> int:
        channel.send(
            message("error", message=reason, kind=kind, output=None if out is None else str(out))
        )
        if out is not None:
            _write_json(out / "history.json", history())
            _write_json(
                out / "metrics.json",
                {
                    "status": "failed",
                    "reason": reason,
                    "epochs_run": epochs_run(),
                    "seconds": round(time.monotonic() - t0, 3),
                    "val": None,
                },
            )
            outdir.set_state(out, "failed")
        return code

    def cancelled_now(reason: str) -> int:
        """Record a job cancelled before it could finish normally (no model saved)."""
        metrics = {
            "status": "cancelled",
            "reason": reason,
            "epochs_run": epochs_run(),
            "epochs_planned": None if spec is None else spec.epochs,
            "seconds": round(time.monotonic() - t0, 3),
            "val": None,
            "partial_epoch": bool(progress is not None and progress.partial),
            "partial_epoch_batches": None if progress is None else progress.partial_batches,
        }
        if out is not None:
            if epochs_run():
                _write_json(out / "history.json", history())
            _write_json(out / "metrics.json", metrics)
            outdir.set_state(out, "cancelled")
        channel.send(
            message(
                "finished",
                status="cancelled",
                epochs_run=epochs_run(),
                seconds=metrics["seconds"],
                output=None if out is None else str(out),
                metrics=metrics,
            )
        )
        return EXIT_CANCELLED

    spec = None
    try:
        spec = read_spec(spec_path, output=output)
        # everything checkable without training is checked before a folder is claimed:
        # a bad input leaves nothing behind (exit 2); afterwards a problem is "failed"
        preflight(spec)
        ds = load_dataset(spec.data, seed=spec.train.seed)
        prep = prepare(ds, spec.remedies, seed=spec.train.seed)
        notes = list(prep.notes)
        cfg, model_notes = model_config(spec)
        sample_shape = tuple(prep.x_train.shape[1:])
        source = str(spec.model.path or "built-in MLP")
        check_fit(
            cfg, source, DataShape.exact(sample_shape, prep.n_classes, bool(ds.categorical)), spec
        )
        if cfg is None:
            cfg = mlp_config(sample_shape, prep.n_classes, spec.model.hidden, spec.model.activation)
        units, act = output_head(cfg)
        plan = loss_plan(units, act, prep.n_classes, source=source)
        for remedy, value in spec.remedies.by_stage("model"):
            cfg, line = remedy.edit_model(cfg, value)
            if line:
                model_notes.append(line)
        notes += model_notes
        actions = describe_actions(spec, ds, prep, model_notes)
        timing["prepare"] = round(time.monotonic() - t0, 3)
        note, defaulted = None, spec.output_dir is None
        if defaulted:
            spec.output_dir, note = outdir.default_output_dir(
                Path(spec_path).stem, [spec.data.path, spec.model.path]
            )
        if cancel.event.is_set():
            raise Cancelled
        out = outdir.claim_output_dir(spec.output_dir, protected=[spec.data.path, spec.model.path])
        outdir.set_state(out, "running", pid=os.getpid())
        spec.output_dir = out
        (out / "spec.toml").write_text(
            dumps_spec(spec, header="Resolved retrain spec of this job (written by FitLens)."),
            encoding="utf-8",
        )
        if cancel.event.is_set():
            raise Cancelled
        tf, keras, timing["import_tensorflow"] = _configure_tensorflow(spec.train.seed)
        if cancel.event.is_set():
            raise Cancelled
        t_build = time.monotonic()
        model = build_model(cfg, allow_unsafe=spec.model.allow_unsafe, source=source)
        _compile(keras, model, spec, plan)
        n_train = len(prep.y_train)
        steps = max(1, math.ceil(n_train / spec.batch_size))
        progress = ProgressReporter(channel.send, cancel.event, steps, spec.epochs)
        callbacks, es = job_callbacks(keras, spec, out, progress, extra_callbacks)
        # one sigmoid unit: labels as an (n, 1) float column, the output's shape
        y_fit = prep.y_train.astype("float32")[:, None] if plan["units"] == 1 else prep.y_train
        y_val = prep.y_val.astype("float32")[:, None] if plan["units"] == 1 else prep.y_val
        channel.send(
            message(
                "started",
                pid=os.getpid(),
                output=str(out),
                spec=str(out / "spec.toml"),
                output_default=defaulted,
                output_note=note,
                epochs=spec.epochs,
                steps_per_epoch=steps,
                batch_size=spec.batch_size,
                n_train=n_train,
                n_val=int(len(prep.y_val)),
                classes=prep.classes,
                class_counts=_class_counts(prep.y_train, prep.classes),
                class_counts_val=_class_counts(prep.y_val, prep.classes),
                class_weight=None
                if prep.class_weight is None
                else {str(prep.classes[k]): round(w, 6) for k, w in prep.class_weight.items()},
                remedies=list(spec.remedies.active()),
                learning_rate=spec.learning_rate,
                optimizer=spec.train.optimizer,
                loss=plan["loss"],
                from_logits=plan["from_logits"],
                params=int(model.count_params()),
                resampling=prep.resampling,
                notes=notes,
                callbacks=_callback_settings(spec),
                actions=actions,
                model=str(spec.model.path) if spec.model.path else "built-in MLP",
            )
        )
        timing["build"] = round(time.monotonic() - t_build, 3)
        # everything loaded so far (TF, pandas, scikit-learn...) lives until the end: move it
        # out of the garbage collector's scans, which otherwise walk it again and again
        # while Keras allocates Python objects every batch (gc.freeze, CPython >= 3.7)
        gc.collect()
        gc.freeze()
        t_fit = time.monotonic()
        fit_error = None
        try:
            try:
                model.fit(
                    prep.x_train,
                    y_fit,
                    batch_size=spec.batch_size,
                    epochs=spec.epochs,
                    validation_data=(prep.x_val, y_val),
                    class_weight=prep.class_weight,
                    callbacks=callbacks,
                    verbose=0,
                    shuffle=True,
                )
            except EpochNotStarted:
                # cancelled before an epoch's first batch: what Keras does after its
                # epoch loop (CSVLogger closes its file, EarlyStopping restores the
                # best weights); the weights are those of the last whole epoch
                for cb in callbacks:
                    cb.on_train_end()
        except Exception as exc:  # keep what was logged; report below
            fit_error = exc
            traceback.print_exc(file=sys.stderr)
        timing["fit"] = round(time.monotonic() - t_fit, 3)
        _write_json(out / "history.json", history())
        if fit_error is not None:
            return fail(
                f"training stopped with {type(fit_error).__name__}: "
                + " ".join(str(fit_error).split())[:300],
                "internal",
                EXIT_FAILED,
            )
        cancelled = cancel.event.is_set()
        if cancelled and not progress.epochs_run:
            # no epoch ran: nothing to save or score, and no empty log left behind (as
            # for a cancel before training began)
            (out / "history.json").unlink(missing_ok=True)
            log_file = out / "training.log"
            if log_file.exists() and log_file.stat().st_size == 0:
                log_file.unlink()
            raise Cancelled
        t_save = time.monotonic()
        # 1-based, as Keras prints "Epoch 3/30" and the notes say (training.log's epoch
        # column and the epoch messages count from 0, as CSVLogger does)
        restored = None if es is None else es.restored_epoch
        weights_epoch = restored + 1 if restored is not None else progress.epochs_run
        norm, saved, unscaled = normalization(prep), model, None
        if norm is not None:
            try:
                saved = _with_scaling(keras, model, norm, sample_shape)
            except Exception as exc:  # never lose a trained model over its scaling layer
                traceback.print_exc(file=sys.stderr)
                norm, unscaled = None, f"{type(exc).__name__}: {' '.join(str(exc).split())[:120]}"
        _save_model(saved, out / "model.keras")
        val = _score(keras, model, prep.x_val, prep.y_val, prep.classes, plan)
        info = preprocessing_info(spec, ds, prep, plan, norm)
        model_input = describe_input(ds, prep, norm is not None)
        if unscaled is None:
            model_input["check"] = _check_raw_inputs(keras, saved, model, ds, prep, plan)
        else:
            model_input["kind"] = "standardized"
            model_input["text"] = (
                "features standardized with the mean/scale of preprocessing.json first (the "
                f"scaling layer could not be built: {unscaled}); otherwise " + model_input["text"]
            )
        info["model_input"].update(model_input)
        _write_json(out / PREPROCESSING_FILE, info)
        before = None
        if spec.model.path is not None:
            before = _score_original(keras, spec, ds, plan)
        timing["save_and_score"] = round(time.monotonic() - t_save, 3)
        status = "cancelled" if cancelled else "completed"
        metrics = {
            "status": status,
            "epochs_run": progress.epochs_run,
            "epochs_planned": spec.epochs,
            "seconds": round(time.monotonic() - t0, 3),
            "weights_epoch": weights_epoch,
            "weights_note": _weights_note(
                es, weights_epoch, progress.epochs_run, history(), progress.partial_batches, steps
            ),
            "partial_epoch": progress.partial,
            "partial_epoch_batches": progress.partial_batches,
            "steps_per_epoch": steps,
            "val": val,
            "model_input": model_input,
            "timing": timing,
        }
        if before is not None:
            metrics["before"] = before
        if cancelled:
            metrics["reason"] = cancel.reason
        _write_json(out / "metrics.json", metrics)
        outdir.set_state(out, status)
        channel.send(
            message(
                "finished",
                status=status,
                epochs_run=progress.epochs_run,
                seconds=metrics["seconds"],
                output=str(out),
                metrics=metrics,
            )
        )
        return EXIT_CANCELLED if cancelled else EXIT_COMPLETED
    except Cancelled:
        return cancelled_now(cancel.reason or "cancelled")
    except StopNow as stop:
        # the first request (cancel line, Ctrl+C, SIGTERM) did not stop the worker yet
        where = (
            f" during epoch {progress.epoch + 1}"
            if progress is not None and spec is not None and progress.epochs_run < spec.epochs
            else ""
        )
        return cancelled_now(
            f"{cancel.reason or 'cancelled'}; then stopped at once by {stop.how}{where}"
        )
    except RetrainError as exc:
        # bad input before the folder was claimed: nothing created, exit 2; found later
        # (Keras cannot rebuild the model...): the job failed, exit 1
        return fail(exc.line(), exc.kind, EXIT_INPUT if out is None else EXIT_FAILED)
    except MemoryError:
        return fail("out of memory", "internal", EXIT_FAILED)
    except Exception as exc:
        traceback.print_exc(file=sys.stderr)
        return fail(
            f"{type(exc).__name__}: " + " ".join(str(exc).split())[:300], "internal", EXIT_FAILED
        )


def _class_counts(y, classes) -> dict[str, int]:
    """``{"0": 250, "1": 41}``: rows per class (original labels as keys)."""
    vals, counts = _bincount(y)
    return {str(classes[int(k)]): int(v) for k, v in zip(vals, counts, strict=True)}


def _callback_settings(spec) -> list[dict]:
    """The callbacks a job trains with, as plain dicts (for the ``started`` message)."""
    out = [remedy.callback_settings(value) for remedy, value in spec.remedies.by_stage("callback")]
    out.append({"name": "CSVLogger", "filename": "training.log"})
    return out


def _save_model(model, path: Path) -> None:
    """``model.save`` to a temporary name, then rename: never half a ``model.keras``."""
    tmp = path.with_name(f".{path.stem}.tmp{os.getpid()}.keras")
    try:
        model.save(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def _with_scaling(keras, model, norm: dict, sample_shape: tuple[int, ...]):
    """``Input -> Normalization(mean, variance) -> model``: the model on raw inputs.

    The layer holds the job's ``StandardScaler`` statistics as constants
    (``keras.layers.Normalization`` with ``mean``/``variance`` given is never
    adapted and has no trainable weight); :func:`retrain.export.normalization`
    gives its arguments.
    """
    layer = keras.layers.Normalization(
        axis=norm["axis"], mean=norm["mean"], variance=norm["variance"], name=norm["name"]
    )
    layer.trainable = False
    inp = keras.Input(shape=sample_shape, name="features" if model.name != "features" else "x")
    return keras.Model(inp, model(layer(inp)), name=f"{model.name}_on_raw_inputs")


def _check_raw_inputs(keras, saved, model, ds, prep, plan: dict) -> str:
    """Feed the saved model the raw validation rows, encoded as ``preprocessing.json``
    says (:func:`retrain.export.raw_model_input`), and compare its predicted classes
    with those behind the reported scores (the trained model on the prepared rows)."""
    from retrain.export import raw_model_input
    from retrain.scores import predictions

    try:
        got = predictions(
            _forward(keras, saved, raw_model_input(ds.x_val, prep)), plan["from_logits"]
        )
        want = predictions(_forward(keras, model, prep.x_val), plan["from_logits"])
    except Exception as exc:  # a check must never lose a finished job
        return f"not checked ({type(exc).__name__}: {' '.join(str(exc).split())[:120]})"
    return (
        f"model.keras on the raw validation rows predicts the class behind the reported "
        f"scores for {int((got == want).sum())} of {len(want)} rows"
    )


def _forward(keras, model, x, chunk: int = 4096):
    """Model outputs for ``x`` by direct calls (no ``predict``/``evaluate`` tracing: for
    the small validation sets of a retrain that costs more than the computation)."""
    import numpy as np

    outs = [
        keras.ops.convert_to_numpy(model(x[i : i + chunk], training=False))
        for i in range(0, len(x), chunk)
    ]
    return np.concatenate(outs) if outs else np.zeros((0, 1))


def _score(keras, model, x_val, y_val, classes, plan) -> dict:
    """The ``val`` block of metrics.json for the model's current weights.

    ``loss`` is what ``model.evaluate`` reports: the cross-entropy plus the
    regularization penalties (``model.losses``, as Keras' ``compute_loss`` adds them);
    ``crossentropy`` is without them.
    """
    from retrain.scores import classification_scores, cross_entropy, predictions, probabilities

    out = _forward(keras, model, x_val)
    ce = cross_entropy(y_val, probabilities(out, plan["from_logits"]), len(classes))
    penalty = float(sum(float(keras.ops.convert_to_numpy(v)) for v in model.losses))
    return classification_scores(
        y_val, predictions(out, plan["from_logits"]), classes, loss=ce + penalty, crossentropy=ce
    )


def _score_original(keras, spec, ds, plan) -> dict:
    """Scores of the user's model file *as saved* on the same validation rows.

    The features get no remedy (no scaling), only the encoding needed to feed
    the model, i.e. the model is judged as it was trained. This is the "before"
    of the before/after summary; a failure to load is reported, not raised.
    """
    from retrain.preparation import encode

    try:
        _, x_val, _ = encode(ds.x_train, ds.x_val, ds.categorical)
        model = keras.saving.load_model(
            spec.model.path, compile=False, safe_mode=not spec.model.allow_unsafe
        )
        val = _score(keras, model, x_val, ds.y_val, ds.classes, plan)
    except Exception as exc:  # an old or odd file: the comparison just lacks "before"
        return {"error": f"{type(exc).__name__}: " + " ".join(str(exc).split())[:200]}
    return {
        "what": "the model file as saved, on the same validation rows, features without remedies",
        "val": val,
    }


def _bincount(y):
    import numpy as np

    vals, counts = np.unique(y, return_counts=True)
    return vals.tolist(), counts.tolist()


def _weights_note(
    es,
    weights_epoch: int,
    epochs_run: int,
    history: dict,
    partial_batches: int | None = None,
    steps: int | None = None,
) -> str:
    """Which epoch's weights ``model.keras`` holds, in words (CASES 23).

    Epochs are counted from 1 here and in ``weights_epoch`` (as Keras prints
    ``Epoch 3/30``); ``partial_batches`` is the number of batches the last epoch
    ran when a cancel cut it short (of ``steps`` per epoch).
    """
    cut = (
        f"{partial_batches} of {steps} batches of epoch {epochs_run}"
        if partial_batches is not None
        else None
    )
    if es is None or es.restored_epoch is None:
        if cut is not None:
            why = "cut short by the cancel; its row in training.log is partial"
            return f"weights after {cut} ({why})"
        return f"weights of the last epoch ({epochs_run})"
    best = history.get(es.monitor, [])
    i = weights_epoch - 1
    val = best[i] if 0 <= i < len(best) else float("nan")
    trig = (
        "EarlyStopping stopped training"
        if es.stopped_epoch > 0
        else "EarlyStopping did not trigger"
    )
    last = f"last epoch {epochs_run}" + (f" (partial: {cut})" if cut is not None else "")
    return f"weights of epoch {weights_epoch} (best {es.monitor} {val:.4g}); {trig}; {last}"


def main(argv: list[str] | None = None, extra_callbacks: ExtraCallbacks | None = None) -> int:
    """Entry point of ``python -m retrain.worker``; returns the exit status.

    ``extra_callbacks(keras, reporter)`` adds Keras callbacks to the fit, run before the
    progress callback (an explicit hook: the tests wait at a batch with it until they
    have sent a cancel); the command line never sets it.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
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
    args = ap.parse_args(argv)
    channel = Channel()
    cancel = CancelRequests(on_eof=args.cancel_on_eof)
    try:
        return run(args.spec, args.output, channel, cancel, extra_callbacks)
    except StopNow as stop:  # while recording another outcome
        channel.send(
            {
                "type": "error",
                "version": 1,
                "message": f"stopped at once by {stop.how} while saving the job's outcome",
                "kind": "internal",
            }
        )
        return EXIT_CANCELLED
    except KeyboardInterrupt:
        channel.send(
            {
                "type": "error",
                "version": 1,
                "message": "interrupted twice; stopped without saving",
                "kind": "internal",
            }
        )
        return 130


def exit_now(code: int) -> None:
    """Leave the process with ``code`` after flushing, skipping the interpreter's teardown
    of TensorFlow's threads (it can hang or abort at exit)."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    exit_now(main())
