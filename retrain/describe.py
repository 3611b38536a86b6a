"""What the data and the remedies of a job did, in words, one line each."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from retrain.preparation import Prepared
from retrain.remedies.balancing import SMOTE_K, label_counts


def counts_text(counts: dict, classes: Sequence) -> str:
    """``0: 250, 1: 41`` with the original class labels."""
    return ", ".join(f"{classes[int(k)]}: {int(n)}" for k, n in sorted(counts.items()))


def describe_actions(spec, ds, prep: Prepared, model_notes: Sequence[str] = ()) -> list[str]:
    """What the data and the remedies of a job actually did, one line each.

    Shown before training by the CLI (and sent as ``actions`` in the worker's
    ``started`` message): the split and its class counts, scaling, resampling
    (with SMOTE's ``k_neighbors`` or its fallback), the encoding of text columns,
    class weights, the layers L2/dropout touched, the optimizer settings and the
    callbacks with their monitor and mode.

    Parameters
    ----------
    spec : retrain.spec.Spec
    ds : retrain.data.Dataset
        The dataset as split, before remedies.
    prep : Prepared
        The result of :func:`prepare`.
    model_notes : sequence of str
        Lines about model remedies (``l2=... on the kernels of ...``).

    Returns
    -------
    list of str
    """
    classes = list(ds.classes)
    lines = []
    n_tr, n_va = len(ds.y_train), len(ds.y_val)
    tr = counts_text(label_counts(ds.y_train), classes)
    va = counts_text(label_counts(ds.y_val), classes)
    if ds.validation == "file":
        how = "validation part from the file (x_val, y_val)"
    else:
        strat = "not stratified" if any("not stratified" in n for n in ds.notes) else "stratified"
        frac = spec.data.validation_split
        how = f"{strat} {1 - frac:.0%}/{frac:.0%} split, seed {spec.train.seed}"
    lines.append(f"data: train {n_tr} rows ({tr}), validation {n_va} rows ({va}); {how}")
    for note in ds.notes:
        if "not stratified" in note or note.startswith("text columns"):
            continue
        lines.append(f"data: {note}")
    r = spec.remedies
    if r.standardize:
        n_num = (
            len([c for c in ds.x_train.columns if c not in set(ds.categorical)])
            if isinstance(ds.x_train, pd.DataFrame)
            else int(np.prod(ds.feature_shape))
        )
        extra = "; text columns left as they are" if ds.categorical else ""
        lines.append(
            f"standardize: StandardScaler fitted on the {n_tr} training rows "
            f"({n_num} features{extra}), applied to training and validation"
        )
    rep = prep.resampling
    if rep is not None:
        used = {
            "random_oversample": "RandomOverSampler",
            "random_undersample": "RandomUnderSampler",
            "smote": "SMOTE",
            "smotenc": "SMOTENC",
            "smoten": "SMOTEN",
            "none": "nothing",
        }.get(rep["method"], rep["method"])
        k = f"(k_neighbors={rep['k_neighbors']})" if rep.get("k_neighbors") else ""
        after = rep.get("counts_after", rep["counts_before"])
        lines.append(
            f"{rep['requested']}: {used}{k} on the training split only: "
            f"{counts_text(rep['counts_before'], classes)} -> "
            f"{counts_text(after, classes)} ({len(prep.y_train)} rows; validation "
            "untouched)"
        )
        before = rep["counts_before"]
        majority = max(before, key=before.get) if before else None
        n_min = min((n for c, n in before.items() if c != majority), default=0)
        if rep["requested"] == "smote" and rep["method"] == "random_oversample":
            lines.append(
                f"smote: fell back to RandomOverSampler: the smallest class has "
                f"{n_min} training row{'s' if n_min != 1 else ''} and SMOTE needs at "
                "least 2 (k_neighbors + 1)"
            )
        elif rep.get("k_neighbors") and rep["k_neighbors"] < SMOTE_K:
            lines.append(
                f"smote: k_neighbors reduced from {SMOTE_K} to {rep['k_neighbors']}: "
                f"the smallest class has {n_min} training rows and k_neighbors="
                f"{SMOTE_K} needs {SMOTE_K + 1}"
            )
        elif rep["method"] == "none" and rep.get("note"):
            lines.append(rep["note"])
        if rep["method"] in ("smotenc", "smoten"):
            cats = ", ".join(ds.categorical)
            lines.append(
                f"smote: {used} so the text column(s) {cats} get real categories "
                "of neighbours, never interpolated values"
            )
    if ds.categorical:
        names = prep.feature_names or []
        parts = []
        for c in ds.categorical:
            k = sum(1 for n in names if n.startswith(f"{c}="))
            parts.append(f"{c} -> {k} columns")
        lines.append(
            f"one-hot: text column(s) {', '.join(parts)} (OneHotEncoder fitted on "
            "the training split; a category seen only in validation is all zeros)"
        )
    if prep.class_weight is not None:
        w = ", ".join(f"{classes[k]}: {v:.4g}" for k, v in sorted(prep.class_weight.items()))
        why = (
            " (after oversampling the classes are balanced, so the weights are ~1)"
            if rep is not None and rep["method"] not in ("random_undersample", "none")
            else ""
        )
        lines.append(
            f"class_weight balanced: {w}, from the {len(prep.y_train)} training labels{why}"
        )
    lines.extend(model_notes)
    if r.learning_rate is not None:
        lines.append(
            f"learning_rate: {spec.learning_rate:g} ({spec.train.optimizer}; "
            f"replaces [train] learning_rate {spec.train.learning_rate:g})"
        )
    if r.gradient_clipping is not None:
        lines.append(
            f"gradient_clipping: clipnorm={r.gradient_clipping:g} on the "
            f"{spec.train.optimizer} optimizer"
        )
    if r.batch_size is not None:
        lines.append(f"batch_size: {spec.batch_size} (replaces {spec.train.batch_size})")
    if r.more_epochs is not None:
        lines.append(f"more_epochs: {spec.train.epochs} + {r.more_epochs} = {spec.epochs} epochs")
    if r.reduce_lr_on_plateau is not None:
        p = r.reduce_lr_on_plateau
        lines.append(
            f"ReduceLROnPlateau: monitor {p.monitor}, mode {p.mode}, factor {p.factor:g}, "
            f"patience {p.patience}, min_delta {p.min_delta:g}"
            + (f", min_lr {p.min_lr:g}" if p.min_lr else "")
            + (f", cooldown {p.cooldown}" if p.cooldown else "")
        )
    if r.early_stopping is not None:
        e = r.early_stopping
        lines.append(
            f"EarlyStopping: monitor {e.monitor}, mode {e.mode}, patience {e.patience}"
            + (f", min_delta {e.min_delta:g}" if e.min_delta else "")
            + (
                ", restore_best_weights (the best epoch's weights are saved)"
                if e.restore_best_weights
                else ", last epoch's weights kept"
            )
        )
    if not r.active():
        lines.append("remedies: none (the same training from fresh weights)")
    return lines
