"""One retrain job, from its spec to the files in its output folder (worker process only).

:func:`run_job` reads the spec, checks everything that can be checked without training
(:mod:`retrain.preflight`, then the exact shapes once the data is loaded and prepared)
before it claims the output folder, so a bad input leaves nothing behind (exit 2, an
``error`` message with ``output`` null). It then imports TensorFlow, builds the model
with fresh weights, applies the remedies (:mod:`retrain.remedies`, stage by stage),
trains with the job's callbacks (:mod:`retrain.keras_callbacks`) and writes the job's
files (see :mod:`retrain.worker`). A problem found after the folder is claimed fails the
job: exit 1, ``metrics.json`` says why. Every outcome is reported on the channel.
"""

from __future__ import annotations

import gc
import json
import math
import os
import sys
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from retrain import outdir
from retrain.cancel import Cancelled, CancelRequests, EpochNotStarted, StopNow
from retrain.errors import RetrainError
from retrain.keras_callbacks import ExtraCallbacks, job_callbacks
from retrain.protocol import (
    EXIT_CANCELLED,
    EXIT_COMPLETED,
    EXIT_FAILED,
    EXIT_INPUT,
    message,
)
from retrain.remedies.balancing import label_counts
from retrain.reporter import Channel, ProgressReporter


@dataclass
class PreparedRun:
    """A job checked and prepared, before TensorFlow is imported.

    Attributes
    ----------
    spec : retrain.spec.Spec
    ds : retrain.data.TrainingData
        The dataset as split.
    prep : retrain.preparation.Prepared
        The arrays after the data remedies.
    config : dict
        The model's Keras config after the model remedies.
    plan : dict
        Loss, output units and ``from_logits`` (:func:`retrain.models.loss_plan`).
    source : str
        The model file, or ``"built-in MLP"``.
    notes, actions : list of str
        Decisions to show, and what the data and remedies did
        (:func:`retrain.describe.describe_actions`).
    """

    spec: Any
    ds: Any
    prep: Any
    config: dict
    plan: dict
    source: str
    notes: list[str]
    actions: list[str]

    @property
    def sample_shape(self) -> tuple[int, ...]:
        return tuple(self.prep.x_train.shape[1:])


def run_job(
    spec_path: str,
    output: str | None,
    channel: Channel,
    cancel: CancelRequests,
    extra_callbacks: ExtraCallbacks | None = None,
) -> int:
    """Run one job; returns the worker's exit status (:data:`retrain.protocol.EXIT_COMPLETED`...).

    Parameters
    ----------
    spec_path : str
        The spec file.
    output : str or None
        ``--output`` (overrides ``[output] dir``).
    channel : Channel
        Where the protocol messages go.
    cancel : CancelRequests
    extra_callbacks : callable, optional
        ``extra_callbacks(keras, reporter) -> callbacks`` added to the fit (an explicit
        hook; the tests use it to wait at a batch until they have sent a cancel).
    """
    return Job(spec_path, output, channel, cancel, extra_callbacks).run()


def configure_tensorflow(seed: int):
    """Import TensorFlow/Keras, set threads and seeds. Returns ``(tf, keras, seconds)``.

    Threads: TensorFlow's own choice (one intra-op thread per core) unless
    ``FITLENS_TF_THREADS`` sets both pools. On a 2-core machine the small models of a
    retrain are bound by Python's per-batch work: one thread and the default gave the
    same fit time (3.84-3.96 s vs 3.96-4.00 s, the demo, 30 epochs).
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


def compile_model(keras, model, spec, plan: dict) -> None:
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


def write_json(path: Path, obj) -> None:
    """``obj`` as indented JSON, written to a temporary name and renamed."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(obj, indent=1, default=float) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def class_counts(y, classes) -> dict[str, int]:
    """``{"0": 250, "1": 41}``: rows per class (original labels as keys)."""
    return {str(classes[k]): n for k, n in label_counts(y).items()}


def callback_settings(spec) -> list[dict]:
    """The callbacks a job trains with, as plain dicts (for the ``started`` message)."""
    out = [remedy.callback_settings(value) for remedy, value in spec.remedies.by_stage("callback")]
    out.append({"name": "CSVLogger", "filename": "training.log"})
    return out


class Job:
    """The state of one job while it runs; :meth:`run` is :func:`run_job`."""

    def __init__(
        self,
        spec_path: str,
        output: str | None,
        channel: Channel,
        cancel: CancelRequests,
        extra_callbacks: ExtraCallbacks | None = None,
    ) -> None:
        self.spec_path = spec_path
        self.output = output
        self.channel = channel
        self.cancel = cancel
        self.extra_callbacks = extra_callbacks
        self.t0 = time.monotonic()
        self.spec = None
        self.out: Path | None = None
        self.reporter: ProgressReporter | None = None
        self.timing: dict[str, float] = {}

    # -- the outcome ------------------------------------------------------------------------
    def run(self) -> int:
        try:
            job = self.prepare()
            defaulted, note = self.claim_folder()
            return self.train(job, defaulted, note)
        except Cancelled:
            return self.cancelled_now(self.cancel.reason or "cancelled")
        except StopNow as stop:
            # the first request (cancel line, Ctrl+C, SIGTERM) did not stop the worker yet
            rep = self.reporter
            where = (
                f" during epoch {rep.epoch + 1}"
                if rep is not None and rep.epochs_run < self.spec.epochs
                else ""
            )
            reason = self.cancel.reason or "cancelled"
            return self.cancelled_now(f"{reason}; then stopped at once by {stop.how}{where}")
        except RetrainError as exc:
            # bad input before the folder was claimed: nothing created, exit 2; found later
            # (Keras cannot rebuild the model...): the job failed, exit 1
            return self.fail(exc.line(), exc.kind, EXIT_INPUT if self.out is None else EXIT_FAILED)
        except MemoryError:
            return self.fail("out of memory", "internal", EXIT_FAILED)
        except Exception as exc:
            traceback.print_exc(file=sys.stderr)
            reason = f"{type(exc).__name__}: " + " ".join(str(exc).split())[:300]
            return self.fail(reason, "internal", EXIT_FAILED)

    @property
    def epochs_run(self) -> int:
        return self.reporter.epochs_run if self.reporter is not None else 0

    @property
    def history(self) -> dict[str, list[float]]:
        return self.reporter.history if self.reporter is not None else {}

    def seconds(self) -> float:
        return round(time.monotonic() - self.t0, 3)

    def fail(self, reason: str, kind: str, code: int) -> int:
        """Report a failed job (and record it in its folder, when claimed)."""
        out = self.out
        self.channel.send(
            message("error", message=reason, kind=kind, output=None if out is None else str(out))
        )
        if out is not None:
            write_json(out / "history.json", self.history)
            write_json(
                out / "metrics.json",
                {
                    "status": "failed",
                    "reason": reason,
                    "epochs_run": self.epochs_run,
                    "seconds": self.seconds(),
                    "val": None,
                },
            )
            outdir.set_state(out, "failed")
        return code

    def cancelled_now(self, reason: str) -> int:
        """Record a job cancelled before it could finish normally (no model saved)."""
        rep, out = self.reporter, self.out
        metrics = {
            "status": "cancelled",
            "reason": reason,
            "epochs_run": self.epochs_run,
            "epochs_planned": None if self.spec is None else self.spec.epochs,
            "seconds": self.seconds(),
            "val": None,
            "partial_epoch": bool(rep is not None and rep.partial),
            "partial_epoch_batches": None if rep is None else rep.partial_batches,
        }
        if out is not None:
            if self.epochs_run:
                write_json(out / "history.json", self.history)
            write_json(out / "metrics.json", metrics)
            outdir.set_state(out, "cancelled")
        self.channel.send(
            message(
                "finished",
                status="cancelled",
                epochs_run=self.epochs_run,
                seconds=metrics["seconds"],
                output=None if out is None else str(out),
                metrics=metrics,
            )
        )
        return EXIT_CANCELLED

    def check_cancel(self) -> None:
        """Raise :class:`~retrain.cancel.Cancelled` when a cancel has arrived."""
        if self.cancel.event.is_set():
            raise Cancelled

    # -- before the folder is claimed ---------------------------------------------------------
    def prepare(self) -> PreparedRun:
        """Read and check the spec, load and prepare the data, plan the model.

        Everything checkable without training is checked here, before a folder is
        claimed: a bad input leaves nothing behind (exit 2).
        """
        from retrain.data import load_dataset
        from retrain.describe import describe_actions
        from retrain.models import loss_plan, mlp_config, output_head
        from retrain.preflight import DataShape, check_fit, model_config, preflight
        from retrain.preparation import prepare
        from retrain.spec import read_spec

        spec = self.spec = read_spec(self.spec_path, output=self.output)
        preflight(spec)
        ds = load_dataset(spec.data, seed=spec.train.seed)
        prep = prepare(ds, spec.remedies, seed=spec.train.seed)
        config, model_notes = model_config(spec)
        shape = tuple(prep.x_train.shape[1:])
        source = str(spec.model.path or "built-in MLP")
        check_fit(
            config, source, DataShape.exact(shape, prep.n_classes, bool(ds.categorical)), spec
        )
        if config is None:
            config = mlp_config(shape, prep.n_classes, spec.model.hidden, spec.model.activation)
        units, activation = output_head(config)
        plan = loss_plan(units, activation, prep.n_classes, source=source)
        for remedy, value in spec.remedies.by_stage("model"):
            config, line = remedy.edit_model(config, value)
            if line:
                model_notes.append(line)
        actions = describe_actions(spec, ds, prep, model_notes)
        self.timing["prepare"] = self.seconds()
        notes = list(prep.notes) + model_notes
        return PreparedRun(spec, ds, prep, config, plan, source, notes, actions)

    def claim_folder(self) -> tuple[bool, str | None]:
        """Claim the output folder and write the resolved spec into it.

        Returns
        -------
        (defaulted, note)
            The worker chose the folder itself (no ``--output``/``[output] dir``), and why.
        """
        from retrain.spec import dumps_spec

        spec = self.spec
        note, defaulted = None, spec.output_dir is None
        if defaulted:
            spec.output_dir, note = outdir.default_output_dir(
                Path(self.spec_path).stem, [spec.data.path, spec.model.path]
            )
        self.check_cancel()
        out = outdir.claim_output_dir(spec.output_dir, protected=[spec.data.path, spec.model.path])
        self.out = spec.output_dir = out
        outdir.set_state(out, "running", pid=os.getpid())
        (out / "spec.toml").write_text(
            dumps_spec(spec, header="Resolved retrain spec of this job (written by FitLens)."),
            encoding="utf-8",
        )
        self.check_cancel()
        return defaulted, note

    # -- training -----------------------------------------------------------------------------
    def train(self, job: PreparedRun, defaulted: bool, note: str | None) -> int:
        """Import TensorFlow, build and compile the model, fit it, save and score it."""
        from retrain.keras_model import build_model

        spec, prep = job.spec, job.prep
        _, keras, self.timing["import_tensorflow"] = configure_tensorflow(spec.train.seed)
        self.check_cancel()
        t_build = time.monotonic()
        model = build_model(job.config, allow_unsafe=spec.model.allow_unsafe, source=job.source)
        compile_model(keras, model, spec, job.plan)
        steps = max(1, math.ceil(len(prep.y_train) / spec.batch_size))
        self.reporter = ProgressReporter(self.channel.send, self.cancel.event, steps, spec.epochs)
        callbacks, restorer = job_callbacks(
            keras, spec, self.out, self.reporter, self.extra_callbacks
        )
        self.send_started(job, model, steps, defaulted, note)
        self.timing["build"] = round(time.monotonic() - t_build, 3)
        fit_error = self.fit(model, job, callbacks)
        write_json(self.out / "history.json", self.history)
        if fit_error is not None:
            reason = f"training stopped with {type(fit_error).__name__}: "
            reason += " ".join(str(fit_error).split())[:300]
            return self.fail(reason, "internal", EXIT_FAILED)
        if self.cancel.event.is_set() and not self.epochs_run:
            # no epoch ran: nothing to save or score, and no empty log left behind (as
            # for a cancel before training began)
            (self.out / "history.json").unlink(missing_ok=True)
            log_file = self.out / "training.log"
            if log_file.exists() and log_file.stat().st_size == 0:
                log_file.unlink()
            raise Cancelled
        return self.finish(keras, model, job, restorer)

    def send_started(self, job: PreparedRun, model, steps: int, defaulted, note) -> None:
        """The ``started`` message: what the job is about to do."""
        spec, prep, out = job.spec, job.prep, self.out
        weights = prep.class_weight
        self.channel.send(
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
                n_train=len(prep.y_train),
                n_val=int(len(prep.y_val)),
                classes=prep.classes,
                class_counts=class_counts(prep.y_train, prep.classes),
                class_counts_val=class_counts(prep.y_val, prep.classes),
                class_weight=None
                if weights is None
                else {str(prep.classes[k]): round(w, 6) for k, w in weights.items()},
                remedies=list(spec.remedies.active()),
                learning_rate=spec.learning_rate,
                optimizer=spec.train.optimizer,
                loss=job.plan["loss"],
                from_logits=job.plan["from_logits"],
                params=int(model.count_params()),
                resampling=prep.resampling,
                notes=job.notes,
                callbacks=callback_settings(spec),
                actions=job.actions,
                model=str(spec.model.path) if spec.model.path else "built-in MLP",
            )
        )

    def fit(self, model, job: PreparedRun, callbacks: list) -> Exception | None:
        """``model.fit``; returns the exception that stopped it (what was logged is kept)."""
        prep, spec = job.prep, job.spec
        # one sigmoid unit: labels as an (n, 1) float column, the output's shape
        one_unit = job.plan["units"] == 1
        y_fit = prep.y_train.astype("float32")[:, None] if one_unit else prep.y_train
        y_val = prep.y_val.astype("float32")[:, None] if one_unit else prep.y_val
        # everything loaded so far (TF, pandas, scikit-learn...) lives until the end: move it
        # out of the garbage collector's scans, which otherwise walk it again and again
        # while Keras allocates Python objects every batch (gc.freeze, CPython >= 3.7)
        gc.collect()
        gc.freeze()
        t_fit = time.monotonic()
        error = None
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
        except Exception as exc:  # keep what was logged; report it
            error = exc
            traceback.print_exc(file=sys.stderr)
        self.timing["fit"] = round(time.monotonic() - t_fit, 3)
        return error

    # -- after training -----------------------------------------------------------------------
    def finish(self, keras, model, job: PreparedRun, restorer) -> int:
        """Save and score the model, write preprocessing.json and metrics.json, report."""
        from retrain.evaluation import score, score_original, weights_note

        spec, rep, out = job.spec, self.reporter, self.out
        cancelled = self.cancel.event.is_set()
        t_save = time.monotonic()
        # 1-based, as Keras prints "Epoch 3/30" and the notes say (training.log's epoch
        # column and the epoch messages count from 0, as CSVLogger does)
        restored = None if restorer is None else restorer.restored_epoch
        weights_epoch = restored + 1 if restored is not None else rep.epochs_run
        model_input = self.save_model(keras, model, job)
        val = score(keras, model, job.prep.x_val, job.prep.y_val, job.prep.classes, job.plan)
        before = None
        if spec.model.path is not None:
            before = score_original(keras, spec, job.ds, job.plan)
        self.timing["save_and_score"] = round(time.monotonic() - t_save, 3)
        status = "cancelled" if cancelled else "completed"
        note = weights_note(
            restorer, weights_epoch, rep.epochs_run, rep.history, rep.partial_batches, rep.steps
        )
        metrics = {
            "status": status,
            "epochs_run": rep.epochs_run,
            "epochs_planned": spec.epochs,
            "seconds": self.seconds(),
            "weights_epoch": weights_epoch,
            "weights_note": note,
            "partial_epoch": rep.partial,
            "partial_epoch_batches": rep.partial_batches,
            "steps_per_epoch": rep.steps,
            "val": val,
            "model_input": model_input,
            "timing": self.timing,
        }
        if before is not None:
            metrics["before"] = before
        if cancelled:
            metrics["reason"] = self.cancel.reason
        write_json(out / "metrics.json", metrics)
        outdir.set_state(out, status)
        self.channel.send(
            message(
                "finished",
                status=status,
                epochs_run=rep.epochs_run,
                seconds=metrics["seconds"],
                output=str(out),
                metrics=metrics,
            )
        )
        return EXIT_CANCELLED if cancelled else EXIT_COMPLETED

    def save_model(self, keras, model, job: PreparedRun) -> dict:
        """Save ``model.keras`` (behind the scaling layer with ``standardize``) and
        ``preprocessing.json``; returns the ``model_input`` block of metrics.json."""
        from retrain.evaluation import check_raw_inputs
        from retrain.export import (
            PREPROCESSING_FILE,
            describe_input,
            model_on_raw_inputs,
            normalization,
            preprocessing_info,
            save_model,
        )

        prep, out = job.prep, self.out
        norm, saved, unscaled = normalization(prep), model, None
        if norm is not None:
            try:
                saved = model_on_raw_inputs(keras, model, norm, job.sample_shape)
            except Exception as exc:  # never lose a trained model over its scaling layer
                traceback.print_exc(file=sys.stderr)
                norm, unscaled = None, f"{type(exc).__name__}: {' '.join(str(exc).split())[:120]}"
        save_model(saved, out / "model.keras")
        info = preprocessing_info(job.spec, job.ds, prep, job.plan, norm)
        model_input = describe_input(job.ds, prep, norm is not None)
        if unscaled is None:
            model_input["check"] = check_raw_inputs(keras, saved, model, job.ds, prep, job.plan)
        else:
            model_input["kind"] = "standardized"
            model_input["text"] = (
                "features standardized with the mean/scale of preprocessing.json first (the "
                f"scaling layer could not be built: {unscaled}); otherwise " + model_input["text"]
            )
        info["model_input"].update(model_input)
        write_json(out / PREPROCESSING_FILE, info)
        return model_input
