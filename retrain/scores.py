"""Validation scores of a trained classifier (scikit-learn metrics, no TensorFlow)."""

from __future__ import annotations

import numpy as np


def predictions(probs: np.ndarray, from_logits: bool = False) -> np.ndarray:
    """Class index per row from model outputs.

    Parameters
    ----------
    probs : ndarray, shape (n, 1) or (n, K)
        Sigmoid probability (or logit) of class 1, or one score per class.
    from_logits : bool
        Threshold a single output at 0 instead of 0.5.

    Returns
    -------
    ndarray of int64, shape (n,)
    """
    p = np.asarray(probs, dtype=np.float64)
    if p.ndim == 1 or p.shape[1] == 1:
        p = p.reshape(len(p))
        return (p > (0.0 if from_logits else 0.5)).astype(np.int64)
    return p.argmax(axis=1).astype(np.int64)


def probabilities(outputs: np.ndarray, from_logits: bool = False) -> np.ndarray:
    """Model outputs as probabilities: shape (n,) for one sigmoid unit, (n, K) otherwise."""
    z = np.asarray(outputs, dtype=np.float64)
    if z.ndim == 1 or z.shape[1] == 1:
        z = z.reshape(len(z))
        return 1.0 / (1.0 + np.exp(-z)) if from_logits else z
    if from_logits:
        z = np.exp(z - z.max(axis=1, keepdims=True))
        z = z / z.sum(axis=1, keepdims=True)
    return z


def cross_entropy(y_true: np.ndarray, probs: np.ndarray, n_classes: int) -> float:
    """Mean cross-entropy of the predictions (natural log), without any regularization term.

    scikit-learn ``log_loss`` with probabilities clipped as it does; equals Keras'
    ``binary_crossentropy`` / ``sparse_categorical_crossentropy`` up to Keras'
    epsilon clipping (1e-7).
    """
    from sklearn.metrics import log_loss

    p = np.clip(np.asarray(probs, dtype=np.float64), 1e-7, 1 - 1e-7)
    if p.ndim == 2:
        p = p / p.sum(axis=1, keepdims=True)
    return float(log_loss(np.asarray(y_true), p, labels=list(range(n_classes))))


def classification_scores(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    classes: list,
    loss: float | None = None,
    crossentropy: float | None = None,
) -> dict:
    """The ``val`` block of ``metrics.json``.

    Parameters
    ----------
    y_true, y_pred : ndarray of int, shape (n,)
        Class indices.
    classes : list
        Label values, index -> label (keys of ``per_class``).
    loss : float, optional
        The validation loss as Keras computes it (``model.evaluate``; includes
        regularization penalties such as L2).
    crossentropy : float, optional
        The same without penalties (:func:`cross_entropy`).

    Returns
    -------
    dict
        ``loss``, ``crossentropy``, ``accuracy``, ``balanced_accuracy`` (mean per-class recall,
        scikit-learn ``balanced_accuracy_score``; 1/K for a model that predicts
        one class), ``per_class`` (label -> ``precision``, ``recall``, ``f1``,
        ``support``; precision 0 when a class is never predicted),
        ``confusion_matrix`` (rows true, columns predicted, in ``classes`` order),
        ``predicted_counts``, ``n``.
    """
    from sklearn.metrics import (
        accuracy_score,
        balanced_accuracy_score,
        confusion_matrix,
        precision_recall_fscore_support,
    )

    y_true = np.asarray(y_true, dtype=np.int64)
    y_pred = np.asarray(y_pred, dtype=np.int64)
    labels = list(range(len(classes)))
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=0)
    present = sorted(set(y_true.tolist()))
    # balanced accuracy over the classes present in y_true (scikit-learn's definition)
    bal = (
        float(balanced_accuracy_score(y_true, y_pred))
        if len(present) > 1
        else float(np.mean(y_pred == y_true))
    )
    per_class = {
        str(c): {
            "precision": float(p[i]),
            "recall": float(r[i]),
            "f1": float(f[i]),
            "support": int(s[i]),
        }
        for i, c in enumerate(classes)
    }
    return {
        "loss": None if loss is None else float(loss),
        "crossentropy": None if crossentropy is None else float(crossentropy),
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "balanced_accuracy": bal,
        "per_class": per_class,
        "confusion_matrix": confusion_matrix(y_true, y_pred, labels=labels).tolist(),
        "predicted_counts": {str(c): int((y_pred == i).sum()) for i, c in enumerate(classes)},
        "n": int(len(y_true)),
    }
