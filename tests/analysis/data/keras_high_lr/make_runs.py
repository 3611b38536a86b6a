"""How the runs in this folder were made (an overfitting mode, not used here, left out).

usage: python make_runs.py MODE OUT   with MODE in {breast_cancer_nan, digits_collapse}

Each run logs one Keras ``fit()`` with ``CSVLogger`` (``training.log``) *and* the
``TensorBoard`` callback (``logs/``), plus ``History`` (``history.json``), the
standard set-up. Not run by the tests (it needs TensorFlow and takes a minute);
the tests read the files it wrote.
"""

import json
import os
import sys

os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import keras  # noqa: E402
from sklearn.datasets import load_breast_cancer, load_digits  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

mode, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
keras.utils.set_random_seed(0)
if mode == "breast_cancer_nan":
    # breast cancer, standardised, SGD with a learning rate of 5.0: the loss explodes and is
    # NaN from epoch 4 on
    X, y = load_breast_cancer(return_X_y=True)
    Xtr, Xva, ytr, yva = train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)
    sc = StandardScaler().fit(Xtr)
    Xtr, Xva = sc.transform(Xtr), sc.transform(Xva)
    m = keras.Sequential(
        [
            keras.Input((30,)),
            keras.layers.Dense(32, activation="relu"),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )
    m.compile(optimizer=keras.optimizers.SGD(5.0), loss="binary_crossentropy", metrics=["accuracy"])
    epochs, bs = 40, 32
elif mode == "digits_collapse":
    # digits / 16, SGD(1.5, momentum=0.9): learns a little, then collapses to chance
    # (val_accuracy exactly 0.1 from epoch 7, val_loss ~ ln 10)
    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    Xtr, Xva, ytr, yva = train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)
    m = keras.Sequential(
        [
            keras.Input((64,)),
            keras.layers.Dense(64, activation="relu"),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    m.compile(
        optimizer=keras.optimizers.SGD(1.5, momentum=0.9),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    epochs, bs = 40, 64
else:
    raise SystemExit(f"unknown mode {mode!r}")
cbs = [
    keras.callbacks.CSVLogger(f"{out}/training.log"),
    keras.callbacks.TensorBoard(f"{out}/logs", write_graph=False),
]
h = m.fit(
    Xtr, ytr, validation_data=(Xva, yva), epochs=epochs, batch_size=bs, verbose=0, callbacks=cbs
)
with open(f"{out}/history.json", "w") as fh:
    json.dump({k: [float(v) for v in vs] for k, vs in h.history.items()}, fh)
