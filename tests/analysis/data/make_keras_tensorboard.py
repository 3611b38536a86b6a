"""Write the Keras CSVLogger + TensorBoard + history.json fixtures of this folder.

One ``fit()`` logged three ways, as Keras users commonly do (QA report 2, item 2):
``keras.callbacks.CSVLogger`` -> ``training.log``, ``keras.callbacks.TensorBoard`` ->
``logs/`` (``train/`` and ``validation/`` event files), and ``history.history`` dumped
to ``history.json``. Run once with TensorFlow/Keras installed (the FitLens venv has them):

    .venv/bin/python tests/analysis/data/make_keras_tensorboard.py

The analysis tests read the files it writes without importing TensorFlow.
"""

from __future__ import annotations

import json
import os
import shutil
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
from sklearn.datasets import load_breast_cancer, load_digits  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def _fit(out: str, x, y, model, epochs: int, tb_dir: str, extra=()) -> None:
    if os.path.isdir(out):
        shutil.rmtree(out)
    os.makedirs(out)
    xtr, xva, ytr, yva = train_test_split(x, y, test_size=0.3, stratify=y, random_state=0)
    callbacks = [
        *extra,
        keras.callbacks.CSVLogger(os.path.join(out, "training.log")),
        keras.callbacks.TensorBoard(os.path.join(out, tb_dir)),
    ]
    h = model.fit(
        xtr,
        ytr,
        validation_data=(xva, yva),
        epochs=epochs,
        batch_size=32,
        verbose=0,
        callbacks=callbacks,
    )
    with open(os.path.join(out, "history.json"), "w") as fh:
        json.dump({k: [float(v) for v in vs] for k, vs in h.history.items()}, fh)


def main() -> int:
    keras.utils.set_random_seed(0)
    # 1. the standard setup: TensorBoard("logs"); the learning rate only in the event files
    x, y = load_breast_cancer(return_X_y=True)
    x = StandardScaler().fit_transform(x)
    m = keras.Sequential(
        [
            keras.Input((30,)),
            keras.layers.Dense(8, activation="relu"),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )
    m.compile(
        optimizer=keras.optimizers.Adam(1e-2), loss="binary_crossentropy", metrics=["accuracy"]
    )
    _fit(os.path.join(HERE, "keras_csv_tb"), x, y, m, 5, "logs")

    # 2. TensorBoard("logs/fit/<timestamp>") as in the TensorFlow tutorial, with
    #    ReduceLROnPlateau: the learning rate is in training.log too
    x, y = load_digits(return_X_y=True)
    x = x / 16.0
    m = keras.Sequential(
        [
            keras.Input((64,)),
            keras.layers.Dense(16, activation="relu"),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    m.compile(
        optimizer=keras.optimizers.SGD(0.5),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    rlrop = keras.callbacks.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=0, min_delta=0.2)
    _fit(
        os.path.join(HERE, "keras_csv_tb_fit"),
        x,
        y,
        m,
        4,
        os.path.join("logs", "fit", "20250101-120000"),
        extra=(rlrop,),
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
