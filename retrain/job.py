"""Controller side of a job, shared by the CLI and the GUI's job runner (no Qt, no TF).

:func:`prepare_job` validates a spec, claims its output folder and writes the
resolved spec there; :func:`worker_command` is how the worker is started;
:func:`record_outcome` makes sure ``metrics.json`` says what happened even when
the worker could not (killed, crashed).
"""

from __future__ import annotations

import json
import os
import signal
import sys
from dataclasses import dataclass, replace
from pathlib import Path

from retrain import outdir
from retrain.spec import Spec, check_inputs, dumps_spec, read_spec

#: The project root (so ``python -m retrain.worker`` also works from a checkout).
ROOT = Path(__file__).resolve().parents[1]


@dataclass
class PreparedJob:
    """A job ready to start: its spec (absolute paths) and its claimed folder.

    Attributes
    ----------
    output_default : bool
        No output folder was given; :func:`retrain.outdir.default_output_dir` chose it.
    output_note : str or None
        Why the default is not under the current directory (it would have been
        inside the dataset's or model's folder).
    """

    spec: Spec
    output: Path
    spec_path: Path
    output_default: bool = False
    output_note: str | None = None

    @property
    def name(self) -> str:
        return self.output.name


def prepare_job(
    spec: Spec | str | os.PathLike, output: str | os.PathLike | None = None
) -> PreparedJob:
    """Validate a spec and its inputs, claim its output folder and write ``spec.toml`` into it.

    Everything that can be checked without training is checked *before* the
    folder is claimed, so a bad spec or input leaves nothing behind: the spec
    (all problems at once), the input files, the label column
    (:func:`retrain.data.check_data`: present, no missing values, at least two
    classes, not continuous), the model file (Lambda layers, custom objects)
    and the model, data and remedies against each other (input shape, output
    units, SMOTE on images): :func:`retrain.preflight.preflight`, which reads a
    CSV's first rows and an ``.npz``'s labels and headers only (no pandas, no
    TensorFlow: cheap enough for the GUI's event loop).

    Parameters
    ----------
    spec : Spec or path-like
        A spec object (from the dialog) or a spec file.
    output : path-like, optional
        Overrides the spec's output folder. Without it and without ``[output]
        dir``: :func:`retrain.outdir.default_output_dir` (``./runs/<stem>-<time>``).

    Returns
    -------
    PreparedJob

    Raises
    ------
    RetrainError
        Invalid spec, missing inputs, a bad label column, a model that does not
        fit the data, or an output folder that is not FitLens' own.
    """
    from retrain.preflight import preflight

    if isinstance(spec, Spec):
        spec = replace(spec)
        if output is not None:
            spec.output_dir = Path(output).expanduser().resolve()
        check_inputs(spec)
    else:
        spec = read_spec(spec, output=output)
    preflight(spec)
    defaulted, note = spec.output_dir is None, None
    if defaulted:
        stem = spec.source.stem if spec.source is not None else "retrain"
        spec.output_dir, note = outdir.default_output_dir(stem, [spec.data.path, spec.model.path])
    out = outdir.claim_output_dir(
        spec.output_dir, protected=[spec.data.path, spec.model.path], accept_prepared=False
    )
    spec.output_dir = out
    path = out / "spec.toml"
    path.write_text(
        dumps_spec(spec, header="Resolved retrain spec of this job (written by FitLens)."),
        encoding="utf-8",
    )
    outdir.set_state(out, "prepared")
    return PreparedJob(spec, out, path, defaulted, note)


def worker_command(spec_path: str | os.PathLike, python: str | None = None) -> list[str]:
    """Command line of the worker for a prepared spec (cancels if its controller dies)."""
    return [python or sys.executable, "-m", "retrain.worker", str(spec_path), "--cancel-on-eof"]


def worker_env(base: dict | None = None) -> dict[str, str]:
    """Environment of the worker: the project importable, TensorFlow's C++ info logs off."""
    env = dict(os.environ if base is None else base)
    pp = env.get("PYTHONPATH", "")
    if str(ROOT) not in pp.split(os.pathsep):
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), pp) if p)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env["PYTHONUNBUFFERED"] = "1"
    return env


def read_metrics(out: str | os.PathLike) -> dict | None:
    """``metrics.json`` of a job folder, or None when absent/unreadable."""
    try:
        d = json.loads((Path(out) / "metrics.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return d if isinstance(d, dict) else None


def describe_exit(exit_code: int | None, signum: int | None, where: str = "") -> str:
    """A worker's end in words: ``"the worker was killed by signal 9 (SIGKILL) during epoch 3/20"``."""
    if signum:
        try:
            name = signal.Signals(signum).name
        except ValueError:
            name = f"signal {signum}"
        text = f"the worker was killed by signal {signum} ({name})"
        if signum == signal.SIGKILL:
            text += ", possibly by the system running out of memory"
    else:
        text = f"the worker exited with status {exit_code} without a result"
    return f"{text} {where}".strip() + "; see worker.log in the job folder"


def record_outcome(
    out: str | os.PathLike,
    status: str,
    reason: str,
    epochs_run: int = 0,
    seconds: float | None = None,
) -> dict:
    """Write ``metrics.json`` for a job the worker could not finish itself.

    A ``metrics.json`` the worker wrote is kept as it is. Otherwise one with
    ``status`` (``failed``/``cancelled``), ``reason`` and ``epochs_run`` is
    written, and the folder's marker updated; the partial ``training.log`` is
    left untouched.

    Returns
    -------
    dict
        The job's metrics (existing or new).
    """
    out = Path(out)
    existing = read_metrics(out)
    if existing is not None and existing.get("status") in ("completed", "cancelled", "failed"):
        return existing
    metrics = {
        "status": status,
        "reason": reason,
        "epochs_run": int(epochs_run),
        "seconds": None if seconds is None else round(float(seconds), 3),
        "val": None,
    }
    try:
        tmp = out / ".metrics.json.tmp"
        tmp.write_text(json.dumps(metrics, indent=1) + "\n", encoding="utf-8")
        os.replace(tmp, out / "metrics.json")
        outdir.set_state(out, status)
    except OSError:
        pass
    return metrics
