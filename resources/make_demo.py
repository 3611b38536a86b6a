"""Build FitLens' demo: a small imbalanced dataset and a run that gets stuck on it.

The story the demo tells is the product's: a Dense(64, relu) -> Dense(1, sigmoid)
classifier trained with Adam reports a respectable-looking accuracy that never
moves -- it is exactly the majority-class rate, and balanced accuracy is 0.5: the
model predicts "benign" for everyone. The features are unscaled (tumour area is
in the hundreds to thousands, smoothness around 0.1) and the learning rate is too
high for them, so the first epoch's huge gradients kill the ReLUs and the output
collapses to the class prior. Standardising the features and weighting the
classes fixes it (see retrain.toml).

Data: scikit-learn's bundled Wisconsin breast-cancer data (no download), with
``target = 1`` for malignant. All 357 benign rows are kept and 60 of the 212
malignant rows are drawn at random (seed 0), giving 417 rows with a 14.4 %
minority class (imbalance ratio 5.95 : 1).

Run ``python resources/make_demo.py`` from the repository root to regenerate
``resources/demo/`` (about 10 s on a CPU). The script checks that the run really
is stuck and fails otherwise. TensorFlow/Keras are needed (the project's
dependencies).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

HERE = Path(__file__).resolve().parent
OUT = HERE / "demo"

SEED = 0
N_MALIGNANT = 60
VALIDATION_SPLIT = 0.3
EPOCHS = 30
BATCH_SIZE = 32
LEARNING_RATE = 0.3  # far too high for unscaled features: the run collapses to the prior

RETRAIN_SPEC = """\
# Retrain spec for the demo run (FitLens). Paths are relative to this file.
# `python main.py retrain resources/demo/retrain.toml` writes the job to
# ./runs/retrain-<date>-<time> under the current folder (or: --output DIR).

[data]
path = "data.csv"
label = "target"
validation_split = 0.3     # stratified, seeded: the same split the stuck run used

[model]
path = "model.keras"       # the stuck model: its architecture is retrained from fresh weights

[train]
epochs = 30
batch_size = 32
optimizer = "adam"
learning_rate = 0.3        # as in the stuck run
seed = 0

[remedies]
standardize = true         # unscaled_features: tumour area ~10^3 vs smoothness ~10^-1
class_weight = "balanced"  # class_imbalance: 14 % malignant
learning_rate = 0.001      # 0.3 is far too high: with the two remedies above alone the
                           # model learns (balanced accuracy ~0.96) but val_loss diverges
"""


def build_dataset():
    """The demo dataset as a DataFrame with a ``target`` column (1 = malignant)."""
    import numpy as np
    from sklearn.datasets import load_breast_cancer

    bunch = load_breast_cancer(as_frame=True)
    df = bunch.frame.copy()
    df.columns = [c.replace(" ", "_") for c in df.columns]
    df["target"] = (bunch.target == 0).astype(int)  # sklearn: 0 = malignant
    rng = np.random.default_rng(SEED)
    malignant = np.flatnonzero(df["target"].to_numpy() == 1)
    benign = np.flatnonzero(df["target"].to_numpy() == 0)
    keep = np.sort(np.concatenate([benign, rng.choice(malignant, N_MALIGNANT, replace=False)]))
    return df.iloc[keep].reset_index(drop=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=OUT, help="output folder (default resources/demo)")
    args = ap.parse_args(argv)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)

    import keras
    import tensorflow as tf
    from sklearn.metrics import balanced_accuracy_score
    from sklearn.model_selection import train_test_split

    df = build_dataset()
    df.to_csv(out / "data.csv", index=False, float_format="%.6g")

    x = df.drop(columns="target").to_numpy(dtype="float32")
    y = df["target"].to_numpy()
    x_tr, x_va, y_tr, y_va = train_test_split(
        x, y, test_size=VALIDATION_SPLIT, stratify=y, random_state=SEED
    )

    keras.utils.set_random_seed(SEED)
    tf.config.experimental.enable_op_determinism()
    model = keras.Sequential(
        [
            keras.Input(shape=(x.shape[1],), name="features"),
            keras.layers.Dense(64, activation="relu", name="hidden"),
            keras.layers.Dense(1, activation="sigmoid", name="output"),
        ],
        name="seed_mlp",
    )
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=LEARNING_RATE),
        loss="binary_crossentropy",
        metrics=["accuracy"],
    )
    log_path = out / "training.log"
    if log_path.exists():
        log_path.unlink()
    history = model.fit(
        x_tr,
        y_tr,
        validation_data=(x_va, y_va),
        epochs=EPOCHS,
        batch_size=BATCH_SIZE,
        verbose=0,
        callbacks=[keras.callbacks.CSVLogger(str(log_path))],
    )
    model.save(out / "model.keras")
    hist = {k: [float(v) for v in vals] for k, vals in history.history.items()}
    (out / "history.json").write_text(json.dumps(hist, indent=1) + "\n")
    (out / "retrain.toml").write_text(RETRAIN_SPEC)

    pred = (model.predict(x_va, verbose=0)[:, 0] > 0.5).astype(int)
    bal = balanced_accuracy_score(y_va, pred)
    majority = float(1 - y_va.mean())
    summary = {
        "rows": int(len(df)),
        "features": int(x.shape[1]),
        "minority_share": round(float(y.mean()), 4),
        "val_majority_rate": round(majority, 4),
        "final_val_accuracy": round(hist["val_accuracy"][-1], 4),
        "val_balanced_accuracy": round(float(bal), 4),
    }
    print(json.dumps(summary))
    stuck = abs(hist["val_accuracy"][-1] - majority) < 1e-6 and abs(bal - 0.5) < 1e-9
    if not stuck:
        print(
            "make_demo: the run did not get stuck at the majority rate; "
            "the demo would not tell its story",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
