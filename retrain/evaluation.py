"""Scores of a trained model, and which weights the saved model holds (worker only).

Keras is passed in (the worker imported it); the scores themselves are computed
without TensorFlow by :mod:`retrain.scores` from the model's outputs.
"""

from __future__ import annotations


def forward(keras, model, x, chunk: int = 4096):
    """Model outputs for ``x`` by direct calls (no ``predict``/``evaluate`` tracing: for
    the small validation sets of a retrain that costs more than the computation)."""
    import numpy as np

    outs = [
        keras.ops.convert_to_numpy(model(x[i : i + chunk], training=False))
        for i in range(0, len(x), chunk)
    ]
    return np.concatenate(outs) if outs else np.zeros((0, 1))


def score(keras, model, x_val, y_val, classes, plan) -> dict:
    """The ``val`` block of metrics.json for the model's current weights.

    ``loss`` is what ``model.evaluate`` reports: the cross-entropy plus the
    regularization penalties (``model.losses``, as Keras' ``compute_loss`` adds them);
    ``crossentropy`` is without them.
    """
    from retrain.scores import classification_scores, cross_entropy, predictions, probabilities

    out = forward(keras, model, x_val)
    ce = cross_entropy(y_val, probabilities(out, plan["from_logits"]), len(classes))
    penalty = float(sum(float(keras.ops.convert_to_numpy(v)) for v in model.losses))
    return classification_scores(
        y_val, predictions(out, plan["from_logits"]), classes, loss=ce + penalty, crossentropy=ce
    )


def score_original(keras, spec, ds, plan) -> dict:
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
        val = score(keras, model, x_val, ds.y_val, ds.classes, plan)
    except Exception as exc:  # an old or odd file: the comparison just lacks "before"
        return {"error": f"{type(exc).__name__}: " + " ".join(str(exc).split())[:200]}
    return {
        "what": "the model file as saved, on the same validation rows, features without remedies",
        "val": val,
    }


def check_raw_inputs(keras, saved, model, ds, prep, plan: dict) -> str:
    """Feed the saved model the raw validation rows, encoded as ``preprocessing.json``
    says (:func:`retrain.export.raw_model_input`), and compare its predicted classes
    with those behind the reported scores (the trained model on the prepared rows)."""
    from retrain.export import raw_model_input
    from retrain.scores import predictions

    try:
        got = predictions(
            forward(keras, saved, raw_model_input(ds.x_val, prep)), plan["from_logits"]
        )
        want = predictions(forward(keras, model, prep.x_val), plan["from_logits"])
    except Exception as exc:  # a check must never lose a finished job
        return f"not checked ({type(exc).__name__}: {' '.join(str(exc).split())[:120]})"
    return (
        f"model.keras on the raw validation rows predicts the class behind the reported "
        f"scores for {int((got == want).sum())} of {len(want)} rows"
    )


def weights_note(
    restorer,
    weights_epoch: int,
    epochs_run: int,
    history: dict,
    partial_batches: int | None = None,
    steps: int | None = None,
) -> str:
    """Which epoch's weights ``model.keras`` holds, in words.

    ``restorer`` is the callback that restored the best epoch's weights (EarlyStopping;
    see :func:`retrain.remedies.callbacks.restoring_early_stopping`), or None. Epochs are
    counted from 1 here and in ``weights_epoch`` (as Keras prints
    ``Epoch 3/30``); ``partial_batches`` is the number of batches the last epoch
    ran when a cancel cut it short (of ``steps`` per epoch).
    """
    cut = (
        f"{partial_batches} of {steps} batches of epoch {epochs_run}"
        if partial_batches is not None
        else None
    )
    if restorer is None or restorer.restored_epoch is None:
        if cut is not None:
            why = "cut short by the cancel; its row in training.log is partial"
            return f"weights after {cut} ({why})"
        return f"weights of the last epoch ({epochs_run})"
    best = history.get(restorer.monitor, [])
    i = weights_epoch - 1
    val = best[i] if 0 <= i < len(best) else float("nan")
    trig = (
        "EarlyStopping stopped training"
        if restorer.stopped_epoch > 0
        else "EarlyStopping did not trigger"
    )
    last = f"last epoch {epochs_run}" + (f" (partial: {cut})" if cut is not None else "")
    return f"weights of epoch {weights_epoch} (best {restorer.monitor} {val:.4g}); {trig}; {last}"
