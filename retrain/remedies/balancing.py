"""Class-balancing remedies: resampling of the training split and balanced class weights.

- :func:`resample` - imbalanced-learn's ``RandomOverSampler``, ``SMOTE`` /
  ``SMOTENC`` / ``SMOTEN`` or ``RandomUnderSampler`` on the training split, after
  the validation split (imbalanced-learn user guide, "Common pitfalls and
  recommended practices": resample inside the training fold only).
- :func:`class_weights` - scikit-learn's ``compute_class_weight("balanced")``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from retrain.errors import RetrainError
from retrain.remedies.base import Remedy
from retrain.remedies.values import Choice, Switch

#: SMOTE's default number of neighbours (imbalanced-learn ``SMOTE(k_neighbors=5)``).
SMOTE_K = 5
#: The imbalanced-learn class behind each ``method`` of a resampling report.
SAMPLER_CLASSES: dict[str, str] = {
    "random_oversample": "RandomOverSampler",
    "random_undersample": "RandomUnderSampler",
    "smote": "SMOTE",
    "smotenc": "SMOTENC",
    "smoten": "SMOTEN",
    "none": "nothing",
}


def resample(
    method: str, x, y: np.ndarray, categorical: Sequence[str] = (), seed: int = 1
) -> tuple[object, np.ndarray, dict]:
    """Resample the *training* split with imbalanced-learn.

    Parameters
    ----------
    method : {"random_oversample", "smote", "random_undersample"}
    x : DataFrame or ndarray, shape (n, ...)
        Training features. Random over/under-sampling works on any shape: it
        draws row indices (``sample_indices_``) and takes those rows, which is
        the flatten -> resample -> reshape of imbalanced-learn #966 without
        copying the data twice. SMOTE needs a 2-D table.
    y : ndarray of int, shape (n,)
    categorical : sequence of str
        Text columns of a DataFrame: SMOTE becomes ``SMOTENC`` (``SMOTEN`` when
        every column is categorical) so no category is interpolated
        (imbalanced-learn #193).
    seed : int
        ``random_state``.

    Returns
    -------
    (x, y, report)
        ``report``: ``method`` (what was used), ``requested``, ``k_neighbors``,
        ``counts_before``/``counts_after`` (class index -> rows), ``note``.

    Raises
    ------
    RetrainError
        SMOTE on input with more than two dimensions (images): interpolating raw
        pixels makes unrealistic samples (smote_variants #13); use
        random_oversample (with augmentation) or class_weight instead.

    Notes
    -----
    SMOTE interpolates between a minority sample and one of its ``k_neighbors``
    nearest minority neighbours, so a class needs ``k_neighbors + 1`` samples
    (imbalanced-learn #572). ``k_neighbors = min(5, n_min - 1)`` with
    ``n_min`` the smallest class to be oversampled in the training split; with
    ``n_min < 2`` there is no neighbour at all and RandomOverSampler is used instead.
    """
    import pandas as pd

    y = np.asarray(y)
    before = label_counts(y)
    report: dict = {
        "requested": method,
        "method": method,
        "k_neighbors": None,
        "counts_before": before,
        "note": None,
    }
    if method not in ("random_oversample", "smote", "random_undersample"):
        raise RetrainError(None, f"unknown resampling method {method!r}", kind="remedy")
    if len(before) < 2:
        report.update(
            method="none",
            counts_after=before,
            note=f"{method}: only one class in the training split; not resampled",
        )
        return x, y, report
    if method == "smote":
        if not isinstance(x, pd.DataFrame) and np.ndim(x) > 2:
            raise RetrainError(
                None,
                f"refused for non-tabular input (samples of shape "
                f"{tuple(np.shape(x)[1:])}): interpolating raw pixels makes "
                "unrealistic samples; use random_oversample (with augmentation) "
                "or class_weight instead",
                "[remedies] smote",
                kind="remedy",
            )
        majority = max(before, key=before.get)
        n_min = min(n for c, n in before.items() if c != majority)
        if n_min >= 2:
            return _smote(x, y, n_min, categorical, seed, report)
        report.update(
            method="random_oversample",
            note=f"smote: the smallest class has {n_min} sample in the training "
            "split and SMOTE needs at least 2 (k_neighbors + 1); used "
            "random_oversample instead",
        )
        method = "random_oversample"
    return _random_resample(method, x, y, seed, report)


def _smote(x, y: np.ndarray, n_min: int, categorical: Sequence[str], seed: int, report: dict):
    """SMOTE with ``k_neighbors = min(5, n_min - 1)``; SMOTENC/SMOTEN with text columns."""
    import pandas as pd
    from imblearn.over_sampling import SMOTE, SMOTEN, SMOTENC

    k = min(SMOTE_K, n_min - 1)
    report["k_neighbors"] = k
    if k < SMOTE_K:
        report["note"] = (
            f"smote: k_neighbors={k} (the smallest class has {n_min} "
            "samples in the training split; the default 5 needs 6)"
        )
    cats = [c for c in categorical if isinstance(x, pd.DataFrame) and c in x.columns]
    if cats and len(cats) == x.shape[1]:
        sampler = SMOTEN(k_neighbors=k, random_state=seed)
        report["method"] = "smoten"
    elif cats:
        sampler = SMOTENC(categorical_features=cats, k_neighbors=k, random_state=seed)
        report["method"] = "smotenc"
    else:
        sampler = SMOTE(k_neighbors=k, random_state=seed)
    x_res, y_res = sampler.fit_resample(x, y)
    if isinstance(x_res, pd.DataFrame):
        x_res = x_res.reset_index(drop=True)
    else:
        x_res = np.asarray(x_res, dtype=np.float32)
    report["counts_after"] = label_counts(y_res)
    return x_res, np.asarray(y_res), report


def _random_resample(method: str, x, y: np.ndarray, seed: int, report: dict):
    """Random over- or undersampling by row indices (any sample shape)."""
    import pandas as pd
    from imblearn.over_sampling import RandomOverSampler
    from imblearn.under_sampling import RandomUnderSampler

    cls = RandomOverSampler if method == "random_oversample" else RandomUnderSampler
    sampler = cls(random_state=seed)
    sampler.fit_resample(np.zeros((len(y), 1)), y)
    idx = np.asarray(sampler.sample_indices_)
    x_res = x.iloc[idx].reset_index(drop=True) if isinstance(x, pd.DataFrame) else x[idx]
    y_res = y[idx]
    report["counts_after"] = label_counts(y_res)
    return x_res, y_res, report


def counts_text(counts: dict, classes: Sequence) -> str:
    """``0: 250, 1: 41`` with the original class labels."""
    return ", ".join(f"{classes[int(k)]}: {int(n)}" for k, n in sorted(counts.items()))


def label_counts(y: np.ndarray) -> dict[int, int]:
    """Rows per class index: ``{0: 250, 1: 41}``."""
    vals, counts = np.unique(np.asarray(y), return_counts=True)
    return {int(v): int(c) for v, c in zip(vals, counts, strict=True)}


def class_weights(y: np.ndarray, n_classes: int) -> dict[int, float]:
    """Keras ``class_weight`` from scikit-learn's ``compute_class_weight("balanced")``.

    Parameters
    ----------
    y : ndarray of int, shape (n,)
        Training labels (class indices).
    n_classes : int

    Returns
    -------
    dict of int to float
        ``n_samples / (n_present_classes * count(c))`` per present class (King &
        Zeng 2001 via scikit-learn); classes absent from ``y`` get 1.0.
    """
    from sklearn.utils.class_weight import compute_class_weight

    y = np.asarray(y)
    present = np.unique(y)
    w = compute_class_weight("balanced", classes=present, y=y)
    out = {c: 1.0 for c in range(n_classes)}
    out.update({int(c): float(v) for c, v in zip(present, w, strict=True)})
    return out


class Resampler(Remedy):
    """A resampling remedy: imbalanced-learn on the training split (:func:`resample`)."""

    stage = "data"
    value = Switch()
    exclusive = "resampling"
    alternatives = "class balance"

    def apply_to_data(self, prep, value, ds, seed):
        prep.x_train, prep.y_train, prep.resampling = resample(
            self.name, prep.x_train, prep.y_train, categorical=ds.categorical, seed=seed
        )
        if prep.resampling.get("note"):
            prep.notes.append(prep.resampling["note"])

    def describe(self, value, job):
        """The sampler used, the class counts before and after, SMOTE's neighbours."""
        rep, classes = job.prep.resampling, job.ds.classes
        if rep is None:
            return []
        used = SAMPLER_CLASSES.get(rep["method"], rep["method"])
        k = f"(k_neighbors={rep['k_neighbors']})" if rep.get("k_neighbors") else ""
        after = rep.get("counts_after", rep["counts_before"])
        lines = [
            f"{rep['requested']}: {used}{k} on the training split only: "
            f"{counts_text(rep['counts_before'], classes)} -> "
            f"{counts_text(after, classes)} ({len(job.prep.y_train)} rows; validation "
            "untouched)"
        ]
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
            lines.append(
                f"smote: {used} so the text column(s) {', '.join(job.ds.categorical)} get "
                "real categories of neighbours, never interpolated values"
            )
        return lines


class RandomOversample(Resampler):
    name = "random_oversample"
    title = "Random oversampling"
    does = "repeat minority-class rows of the training split (imbalanced-learn)"


class Smote(Resampler):
    name = "smote"
    title = "SMOTE oversampling"
    does = "add synthetic minority-class rows to the training split (imbalanced-learn)"

    def check_data(self, value, data, source):
        """Refuse samples with more than one axis (images): interpolating raw pixels makes
        unrealistic samples (smote_variants #13)."""
        if data.rank > 1:
            raise RetrainError(
                source,
                f"refused for non-tabular input (samples of shape {tuple(data.shape)}): "
                "interpolating raw pixels makes unrealistic samples; use random_oversample "
                "(with augmentation) or class_weight instead",
                "[remedies] smote",
                kind="remedy",
            )


class RandomUndersample(Resampler):
    name = "random_undersample"
    title = "Random undersampling"
    does = "drop majority-class rows of the training split (imbalanced-learn)"


class ClassWeight(Remedy):
    """``class_weight = "balanced"``: Keras ``class_weight`` from :func:`class_weights`."""

    name = "class_weight"
    title = "Class weights (balanced)"
    does = "weight the loss by inverse class frequency"
    stage = "data"
    value = Choice(("balanced",), "scikit-learn's compute_class_weight")
    alternatives = "class balance"

    def apply_to_data(self, prep, value, ds, seed):
        prep.class_weight = class_weights(prep.y_train, len(ds.classes))
        if prep.resampling is not None and prep.resampling["method"] != "random_undersample":
            prep.notes.append(
                "class_weight after oversampling: the classes are already balanced, "
                "so the weights are close to 1"
            )

    def describe(self, value, job):
        prep, classes = job.prep, job.ds.classes
        if prep.class_weight is None:
            return []
        w = ", ".join(f"{classes[k]}: {v:.4g}" for k, v in sorted(prep.class_weight.items()))
        rep = prep.resampling
        why = (
            " (after oversampling the classes are balanced, so the weights are ~1)"
            if rep is not None and rep["method"] not in ("random_undersample", "none")
            else ""
        )
        return [f"class_weight balanced: {w}, from the {len(prep.y_train)} training labels{why}"]


RANDOM_OVERSAMPLE = RandomOversample()
SMOTE = Smote()
RANDOM_UNDERSAMPLE = RandomUndersample()
CLASS_WEIGHT = ClassWeight()
