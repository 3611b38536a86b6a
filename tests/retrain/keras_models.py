"""Builds small .keras files for the worker tests, in its own process (keeps TF out of pytest).

Usage: ``python keras_models.py KIND OUT.keras N_FEATURES``; KIND is ``lambda`` (a
Sequential model with a Lambda layer) or ``functional`` (two hidden Dense layers,
one followed by an Activation layer, softmax output over 10 classes).

``python keras_models.py predict MODEL.keras X.npy OUT.npy`` loads a saved model the
way a user would (``keras.saving.load_model``, safe mode) and saves
``model.predict(X)``.
"""

from __future__ import annotations

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def main() -> int:
    import keras

    if sys.argv[1] == "predict":
        import numpy as np

        model = keras.saving.load_model(sys.argv[2])
        np.save(sys.argv[4], model.predict(np.load(sys.argv[3]), verbose=0))
        return 0
    kind, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if kind == "lambda":
        model = keras.Sequential(
            [
                keras.Input((n,)),
                keras.layers.Lambda(lambda t: t * 2.0),
                keras.layers.Dense(8, activation="relu"),
                keras.layers.Dense(1, activation="sigmoid"),
            ]
        )
    elif kind == "functional":
        inp = keras.Input((n,), name="pixels")
        h = keras.layers.Dense(64, activation="relu", name="h1")(inp)
        h = keras.layers.Dense(32, name="h2")(h)
        h = keras.layers.Activation("relu", name="act")(h)
        outp = keras.layers.Dense(10, activation="softmax", name="digit")(h)
        model = keras.Model(inp, outp, name="fn")
    else:
        raise SystemExit(f"unknown kind {kind}")
    model.save(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
