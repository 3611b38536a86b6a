"""What a training log's folder says about the run: its retrain spec, dataset and model.

A FitLens retrain spec beside a log (``retrain.toml`` written by a user or by
``resources/make_demo.py``, or ``spec.toml`` that the retrain worker writes into
every job folder) names the dataset, its label column and the model the run was
trained with. The window uses it to run the dataset checks when the log is
opened and to pre-fill the retrain dialog. Without a spec, a single ``.keras``
file beside the log is taken as the run's model.

Pure Python (tomllib); no Qt, no TensorFlow.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

#: Spec file names looked for beside a log, in order.
SPEC_NAMES = ("retrain.toml", "spec.toml")


@dataclass(frozen=True)
class Companion:
    """Files that belong to a log.

    Attributes
    ----------
    spec : Path or None
        The retrain spec beside the log.
    dataset : Path or None
        Its ``[data] path`` (resolved against the spec's folder), when the file exists.
    label : str or None
        Its ``[data] label``.
    model : Path or None
        Its ``[model] path`` when the file exists, else the only ``*.keras`` beside the log.
    """

    spec: Path | None = None
    dataset: Path | None = None
    label: str | None = None
    model: Path | None = None


def companion_of(log_path: str | os.PathLike) -> Companion:
    """Look beside ``log_path`` for a retrain spec and a model file.

    Parameters
    ----------
    log_path : path-like
        A log file (for a folder, the folder itself is searched).

    Returns
    -------
    Companion
        Empty when nothing usable is found; a spec that cannot be parsed is ignored.
    """
    p = Path(log_path)
    folder = p if p.is_dir() else p.parent
    spec = dataset = label = model = None
    for name in SPEC_NAMES:
        cand = folder / name
        if not cand.is_file():
            continue
        try:
            doc = tomllib.loads(cand.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            continue
        data = doc.get("data") if isinstance(doc.get("data"), dict) else {}
        if not data.get("path"):
            continue
        spec = cand
        ds = (folder / str(data["path"])).resolve()
        dataset = ds if ds.is_file() else None
        label = str(data["label"]) if data.get("label") else None
        m = doc.get("model") if isinstance(doc.get("model"), dict) else {}
        if m.get("path"):
            mp = (folder / str(m["path"])).resolve()
            model = mp if mp.is_file() else None
        break
    if model is None and spec is None:
        kerases = sorted(folder.glob("*.keras"))
        if len(kerases) == 1:
            model = kerases[0]
    return Companion(spec=spec, dataset=dataset, label=label, model=model)
