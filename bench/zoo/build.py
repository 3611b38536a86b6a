"""Data, models, optimizers and callbacks of the zoo's trainings (TensorFlow imported lazily).

Every builder takes the plain-dict description stored in ``meta.json`` (``data``, ``model``,
``optimizer``, ``learning_rate``, ``schedule``, ``callbacks``, ``callback_args``) and the
run's seed, so a run is rebuilt from its ``meta.json`` alone.

Datasets are the ones bundled with scikit-learn (``load_breast_cancer``, ``load_digits``,
``load_wine``, ``load_iris``, ``load_diabetes``), ``make_classification`` /
``make_moons`` variants, and a synthetic sequence task (``seq``: does a noisy 32-step series
hold a sine burst?). Features are standardised on the training split unless
``data["scale"]`` is False (the classic unscaled-input mistake); ``data["mult"]`` multiplies
them afterwards (inputs of magnitude 1e6 overflow a linear network).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

#: Share of each dataset held out for validation (``train_test_split(test_size=...)``).
VAL_FRACTION = 0.3

#: Datasets bundled with scikit-learn (``sklearn.datasets.load_<name>``): class count, or
#: None for a regression target.
BUNDLED = {"breast_cancer": 2, "digits": 10, "wine": 3, "iris": 3, "diabetes": None}


@dataclass
class Split:
    """One dataset split: arrays and what the metadata needs to know about them."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    n_classes: int | None  # None: regression

    @property
    def val_majority_rate(self) -> float | None:
        """Share of the most frequent class in the validation split (None for regression)."""
        if self.n_classes is None:
            return None
        counts = np.bincount(self.y_val.astype(int), minlength=self.n_classes)
        return float(counts.max() / counts.sum())


def _raw_dataset(data: dict, seed: int) -> tuple[np.ndarray, np.ndarray, int | None]:
    """Features, labels and class count (None: regression) of a named dataset."""
    from sklearn import datasets

    name = data["name"]
    if name in BUNDLED:
        x, y = getattr(datasets, f"load_{name}")(return_X_y=True)
        n_classes = BUNDLED[name]
        return x, (y if n_classes else y.astype(np.float64)), n_classes
    if name.startswith("synth"):
        minority = data.get("minority")
        weights = None if minority is None else [1.0 - minority, minority]
        x, y = datasets.make_classification(
            n_samples=data.get("n_samples", 4000),
            n_features=20,
            n_informative=10,
            n_redundant=4,
            class_sep=data.get("class_sep", 1.0),
            flip_y=0.01,
            weights=weights,
            random_state=seed,
        )
        return x, y, 2
    if name == "moons":
        x, y = datasets.make_moons(
            n_samples=data.get("n_samples", 2000), noise=data.get("noise", 0.25), random_state=seed
        )
        return x, y, 2
    if name == "seq":
        return (*_sequence_task(data.get("n_samples", 2000), seed), 2)
    raise ValueError(f"unknown dataset {name!r}")


def _sequence_task(n: int, seed: int, length: int = 32) -> tuple[np.ndarray, np.ndarray]:
    """Noisy series of ``length`` steps; label 1 when an 8-step sine burst is hidden in it."""
    rng = np.random.default_rng(seed)
    x = rng.normal(0.0, 1.0, (n, length))
    y = rng.integers(0, 2, n)
    burst = 2.0 * np.sin(np.linspace(0, 2 * np.pi, 8))
    for i in np.flatnonzero(y):
        at = rng.integers(0, length - 8)
        x[i, at : at + 8] += burst
    return x, y


def make_split(data: dict, seed: int) -> Split:
    """Split, subsample, scale, shuffle labels and reshape a dataset as ``data`` says.

    ``data`` keys: ``name``; optional ``n_train`` (keep this many training rows),
    ``n_val`` (this many validation rows), ``scale`` (default True), ``mult``, ``offset`` (added after scaling: raw
    readings far from zero),
    ``shuffle_labels`` (permute the training labels: nothing left to learn),
    ``scale_target`` (regression: standardise y, default True), ``image`` (digits as
    8x8x1 images), ``minority``/``class_sep``/``noise``/``n_samples`` for generated data.
    """
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    x, y, n_classes = _raw_dataset(data, seed)
    stratify = y if n_classes is not None else None
    test_size = data.get("n_val", VAL_FRACTION)
    x_tr, x_va, y_tr, y_va = train_test_split(
        x, y, test_size=test_size, random_state=seed, stratify=stratify
    )
    if "n_train" in data:
        keep = np.random.default_rng(seed).permutation(len(x_tr))[: data["n_train"]]
        x_tr, y_tr = x_tr[keep], y_tr[keep]
    if data.get("scale", True):
        scaler = StandardScaler().fit(x_tr)
        x_tr, x_va = scaler.transform(x_tr), scaler.transform(x_va)
    if "mult" in data:
        x_tr, x_va = x_tr * data["mult"], x_va * data["mult"]
    if "offset" in data:
        x_tr, x_va = x_tr + data["offset"], x_va + data["offset"]
    if n_classes is None and data.get("scale_target", True):
        mean, std = y_tr.mean(), y_tr.std()
        y_tr, y_va = (y_tr - mean) / std, (y_va - mean) / std
    if data.get("shuffle_labels"):
        y_tr = np.random.default_rng(seed + 1000).permutation(y_tr)
    if data.get("image"):
        x_tr, x_va = x_tr.reshape(-1, 8, 8, 1), x_va.reshape(-1, 8, 8, 1)
    if data["name"] == "seq":
        x_tr, x_va = x_tr[..., None], x_va[..., None]
    as32 = [a.astype(np.float32) for a in (x_tr, y_tr, x_va, y_va)]
    return Split(*as32, n_classes=n_classes)


def build_model(model: dict, split: Split):
    """A Keras model to compile: ``model["arch"]`` ``mlp`` (default), ``cnn``, ``conv1d`` or
    ``lstm``; ``hidden`` layer widths, ``act``, ``dropout``, ``l2`` (on every Dense kernel)."""
    import keras
    from keras import layers

    reg = keras.regularizers.L2(model["l2"]) if model.get("l2") else None
    act = model.get("act", "relu")
    arch = model.get("arch", "mlp")
    stack = [keras.Input(split.x_train.shape[1:])]
    if arch == "cnn":
        stack += [
            layers.Conv2D(model.get("filters", 8), 3, padding="same", activation=act),
            layers.MaxPooling2D(2),
            layers.Conv2D(2 * model.get("filters", 8), 3, padding="same", activation=act),
            layers.Flatten(),
        ]
    elif arch == "conv1d":
        stack += [
            layers.Conv1D(model.get("filters", 16), 5, activation=act),
            layers.GlobalMaxPooling1D(),
        ]
    elif arch == "lstm":
        stack += [layers.LSTM(model.get("units", 16))]
    for width in model.get("hidden", []):
        stack.append(layers.Dense(width, activation=act, kernel_regularizer=reg))
        if model.get("dropout"):
            stack.append(layers.Dropout(model["dropout"]))
    if split.n_classes is None:
        stack.append(layers.Dense(1, kernel_regularizer=reg))
    elif split.n_classes == 2 and not model.get("softmax_binary"):
        stack.append(layers.Dense(1, activation="sigmoid", kernel_regularizer=reg))
    else:
        stack.append(layers.Dense(split.n_classes, activation="softmax", kernel_regularizer=reg))
    return keras.Sequential(stack)


def loss_and_metrics(run: dict, split: Split) -> tuple[str, list]:
    """The loss and metrics to compile with.

    ``run["metric"] == "categorical_accuracy_on_int_labels"`` is the broken metric:
    integer labels scored by ``keras.metrics.CategoricalAccuracy`` (meant for one-hot
    labels), logged under the name ``accuracy``. With ``sparse_categorical_crossentropy``
    the loss still trains the model, while the metric compares the argmax of a (n, 1)
    label column (always 0) with the prediction: it reads the share of predictions of
    class 0, near 1/K, whatever the model learned.
    """
    import keras

    if split.n_classes is None:
        return "mse", ["mae"]
    binary = split.n_classes == 2 and not run["model"].get("softmax_binary")
    loss = "binary_crossentropy" if binary else "sparse_categorical_crossentropy"
    if run.get("metric") == "categorical_accuracy_on_int_labels":
        return loss, [keras.metrics.CategoricalAccuracy(name="accuracy")]
    return loss, ["accuracy"]


def _schedule(run: dict, steps_per_epoch: int):
    """The optimizer's learning rate: a float, or a ``LearningRateSchedule`` object."""
    import keras

    lr = run["learning_rate"]
    kind = run.get("schedule")
    total = run["epochs"] * steps_per_epoch
    if kind is None:
        return lr
    if kind == "exponential_decay":
        rate = run["schedule_args"]["decay_rate"]
        every = run["schedule_args"].get("decay_epochs", 1) * steps_per_epoch
        return keras.optimizers.schedules.ExponentialDecay(lr, every, rate)
    if kind == "cosine_decay":
        alpha = run.get("schedule_args", {}).get("alpha", 0.0)
        return keras.optimizers.schedules.CosineDecay(lr, total, alpha=alpha)
    raise ValueError(f"unknown schedule {kind!r}")


def build_optimizer(run: dict, steps_per_epoch: int):
    """``sgd``, ``sgd_momentum`` (0.9), ``adam`` or ``rmsprop`` at the run's learning rate."""
    import keras

    lr = _schedule(run, steps_per_epoch)
    name = run["optimizer"]
    if name == "sgd":
        return keras.optimizers.SGD(lr)
    if name == "sgd_momentum":
        return keras.optimizers.SGD(lr, momentum=0.9)
    if name == "adam":
        return keras.optimizers.Adam(lr)
    if name == "rmsprop":
        return keras.optimizers.RMSprop(lr)
    raise ValueError(f"unknown optimizer {name!r}")


def lr_at_epoch(name: str, args: dict, base: float, epochs: int):
    """The per-epoch schedule function for ``keras.callbacks.LearningRateScheduler``.

    - ``warmup``: linear from ``base / warmup_epochs`` to ``base`` over ``warmup_epochs``
      (Goyal et al. 2017, "Accurate, Large Minibatch SGD"), then constant, or cosine to
      0 when ``args["then"] == "cosine"`` (Loshchilov & Hutter 2017, SGDR).
    - ``step_decay``: ``base * drop ** (epoch // every)``.
    - ``lr_jump``: ``base`` until ``at``, then ``base * factor``.
    """
    if name == "warmup":
        warm = args["warmup_epochs"]

        def warmup(epoch: int) -> float:
            if epoch < warm:
                return base * (epoch + 1) / warm
            if args.get("then") == "cosine":
                done = (epoch - warm) / max(1, epochs - warm)
                return base * 0.5 * (1 + math.cos(math.pi * done))
            return base

        return warmup
    if name == "step_decay":
        return lambda epoch: base * args["drop"] ** (epoch // args["every"])
    if name == "lr_jump":
        return lambda epoch: base * (args["factor"] if epoch >= args["at"] else 1.0)
    raise ValueError(f"unknown schedule callback {name!r}")


def build_callbacks(run: dict, log_path: str) -> list:
    """The run's callbacks, then ``CSVLogger(log_path)`` last so it sees every logged value.

    ``early_stopping`` (monitor ``val_loss``, ``restore_best_weights=True``),
    ``reduce_lr`` (``ReduceLROnPlateau`` on ``val_loss``), ``warmup``, ``step_decay`` and
    ``lr_jump`` (``LearningRateScheduler``, which logs ``learning_rate`` each epoch as
    Keras 3 does), and for a schedule object the same ``learning_rate`` column from
    :class:`LearningRateLogger`.
    """
    import keras

    cbs = []
    args = run.get("callback_args", {})
    for name in run.get("callbacks", []):
        if name == "early_stopping":
            cbs.append(
                keras.callbacks.EarlyStopping(
                    monitor="val_loss",
                    patience=args["early_stopping"]["patience"],
                    restore_best_weights=True,
                )
            )
        elif name == "reduce_lr":
            a = args.get("reduce_lr", {})
            cbs.append(
                keras.callbacks.ReduceLROnPlateau(
                    monitor="val_loss",
                    factor=a.get("factor", 0.5),
                    patience=a.get("patience", 3),
                    min_lr=a.get("min_lr", 0.0),
                )
            )
        elif name in ("warmup", "step_decay", "lr_jump"):
            fn = lr_at_epoch(name, args[name], run["learning_rate"], run["epochs"])
            cbs.append(keras.callbacks.LearningRateScheduler(fn))
        else:
            raise ValueError(f"unknown callback {name!r}")
    if run.get("schedule"):
        cbs.append(LearningRateLogger())
    cbs.append(keras.callbacks.CSVLogger(log_path))
    return cbs


def _learning_rate_logger_class():
    import keras

    class _LearningRateLogger(keras.callbacks.Callback):
        """Log ``learning_rate`` at each epoch's end when the optimizer follows a schedule
        object (Keras 3 logs it only for ``LearningRateScheduler``/``ReduceLROnPlateau``):
        the rate the schedule gives at the optimizer's current iteration."""

        def on_epoch_end(self, epoch, logs=None):
            if logs is not None:
                logs["learning_rate"] = float(np.asarray(self.model.optimizer.learning_rate))

    return _LearningRateLogger


def LearningRateLogger():  # noqa: N802 - reads like the class it builds
    """A Keras callback logging the scheduled learning rate (built lazily: Keras on demand)."""
    return _learning_rate_logger_class()()
