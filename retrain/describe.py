"""What the data and the remedies of a job did, in words, one line each."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from retrain.remedies.balancing import counts_text, label_counts


@dataclass(frozen=True)
class JobContext:
    """What a remedy's :meth:`~retrain.remedies.base.Remedy.describe` may look at.

    Attributes
    ----------
    spec : retrain.spec.Spec
    ds : retrain.data.TrainingData
        The dataset as split, before remedies.
    prep : retrain.preparation.Prepared
        The arrays after the data remedies.
    """

    spec: Any
    ds: Any
    prep: Any


def describe_actions(spec, ds, prep, model_notes: Sequence[str] = ()) -> list[str]:
    """What the data and the remedies of a job actually did, one line each.

    Shown before training by the CLI (and sent as ``actions`` in the worker's
    ``started`` message): the split and its class counts, then each remedy's own
    lines (:meth:`~retrain.remedies.base.Remedy.describe`) in the order the job
    applies them: data remedies (scaling, resampling with SMOTE's ``k_neighbors`` or
    its fallback, class weights), the encoding of text columns, the model remedies'
    lines (``model_notes``: the layers L2/dropout touched), the optimizer and fit
    settings, the callbacks with their monitor and mode.

    Parameters
    ----------
    spec : retrain.spec.Spec
    ds : retrain.data.TrainingData
        The dataset as split, before remedies.
    prep : retrain.preparation.Prepared
        The result of :func:`retrain.preparation.prepare`.
    model_notes : sequence of str
        Lines about the model (``l2=... on the kernels of ...``), from
        :meth:`~retrain.remedies.base.Remedy.edit_model`.

    Returns
    -------
    list of str
    """
    job = JobContext(spec, ds, prep)
    lines = _data_lines(spec, ds)
    chosen = spec.remedies.by_stage()
    for remedy, value in chosen:
        if remedy.stage == "data":
            lines += remedy.describe(value, job)
    lines += _encoding_lines(ds, prep)
    lines.extend(model_notes)
    for remedy, value in chosen:
        if remedy.stage not in ("data", "model"):
            lines += remedy.describe(value, job)
    if not chosen:
        lines.append("remedies: none (the same training from fresh weights)")
    return lines


def _data_lines(spec, ds) -> list[str]:
    """The split with its class counts, and the dataset's notes."""
    classes = list(ds.classes)
    tr = counts_text(label_counts(ds.y_train), classes)
    va = counts_text(label_counts(ds.y_val), classes)
    if ds.validation == "file":
        how = "validation part from the file (x_val, y_val)"
    else:
        strat = "not stratified" if any("not stratified" in n for n in ds.notes) else "stratified"
        frac = spec.data.validation_split
        how = f"{strat} {1 - frac:.0%}/{frac:.0%} split, seed {spec.train.seed}"
    lines = [
        f"data: train {len(ds.y_train)} rows ({tr}), validation {len(ds.y_val)} rows ({va}); {how}"
    ]
    for note in ds.notes:
        if "not stratified" in note or note.startswith("text columns"):
            continue
        lines.append(f"data: {note}")
    return lines


def _encoding_lines(ds, prep) -> list[str]:
    """The one-hot encoding of text columns (every job does it; not a remedy)."""
    if not ds.categorical:
        return []
    names = prep.feature_names or []
    parts = []
    for c in ds.categorical:
        k = sum(1 for n in names if n.startswith(f"{c}="))
        parts.append(f"{c} -> {k} columns")
    return [
        f"one-hot: text column(s) {', '.join(parts)} (OneHotEncoder fitted on "
        "the training split; a category seen only in validation is all zeros)"
    ]
