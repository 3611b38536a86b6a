"""Retrain spec: what to train, with which remedies, where to write.

A spec is a small TOML file, written by the app and editable by hand::

    [data]
    path = "data.csv"          # CSV with a label column, or .npz (x_train, y_train[, x_val, y_val])
    label = "target"
    validation_split = 0.3     # stratified, seeded; unused when the data has its own validation part

    [model]
    # path = "model.keras"     # a user's model: architecture re-trained from fresh weights
    hidden = [64]              # otherwise the built-in MLP
    activation = "relu"

    [train]
    epochs = 30
    batch_size = 32
    optimizer = "adam"         # "sgd" | "adam" | "rmsprop"
    learning_rate = 0.001
    seed = 1

    [remedies]                 # every key optional; absent = off
    standardize = true
    class_weight = "balanced"
    l2 = 0.01
    early_stopping = { patience = 10 }

    [output]
    dir = "runs/demo-fixed"

Relative paths are relative to the spec file; ``--output`` (relative to the
current directory) overrides ``[output] dir``. Without either, the job folder is
chosen when the job starts (:func:`retrain.outdir.default_output_dir`:
``./runs/<spec stem>-<YYYYmmdd-HHMMSS>``, never inside the dataset's or model's
folder). Every problem is reported as a :class:`~retrain.errors.RetrainError`
whose text is one line naming the file, the key and the reason; a spec with
several problems (unknown keys, bad values) gets them all in one error.
"""

from __future__ import annotations

import difflib
import json
import math
import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from analysis import naming
from analysis.model import REMEDIES
from retrain.errors import RetrainError

OPTIMIZERS: tuple[str, ...] = ("adam", "sgd", "rmsprop")
#: Keras' default learning rate per optimizer (keras.optimizers.Adam/RMSprop: 0.001, SGD: 0.01);
#: what ``learning_rate = true`` in ``[remedies]`` means.
DEFAULT_LEARNING_RATE: dict[str, float] = {"adam": 0.001, "sgd": 0.01, "rmsprop": 0.001}
ACTIVATIONS: tuple[str, ...] = (
    "relu",
    "tanh",
    "sigmoid",
    "elu",
    "selu",
    "gelu",
    "silu",
    "swish",
    "leaky_relu",
    "softplus",
    "linear",
)
DATA_SUFFIXES: tuple[str, ...] = (".csv", ".tsv", ".npz")
RESAMPLERS: tuple[str, ...] = ("random_oversample", "smote", "random_undersample")
#: Keys the retrain worker logs every epoch (it compiles with ``metrics=["accuracy"]``
#: and validates every epoch); monitors of callbacks must be one of them (CASES 24).
LOGGED_KEYS: tuple[str, ...] = ("loss", "accuracy", "val_loss", "val_accuracy")
#: Logged in addition when the ``l2`` remedy is on: the cross-entropy *without* the L2
#: penalty. Keras adds regularization losses to ``loss`` and ``val_loss`` alike, so with
#: L2 ``val_loss`` is not comparable to an unregularized run's and, as the penalty
#: shrinks while weights decay, favours late epochs.
L2_KEYS: tuple[str, ...] = ("crossentropy", "val_crossentropy")


def logged_keys(l2: bool) -> tuple[str, ...]:
    """Keys the worker logs every epoch (:data:`LOGGED_KEYS`, plus :data:`L2_KEYS` with L2)."""
    return LOGGED_KEYS + (L2_KEYS if l2 else ())


#: Common spellings of other Keras versions and what this worker logs instead.
MONITOR_ALIASES: dict[str, str] = {
    "acc": "accuracy",
    "val_acc": "val_accuracy",
    "binary_accuracy": "accuracy",
    "val_binary_accuracy": "val_accuracy",
    "sparse_categorical_accuracy": "accuracy",
    "val_sparse_categorical_accuracy": "val_accuracy",
    "categorical_accuracy": "accuracy",
    "val_categorical_accuracy": "val_accuracy",
}


@dataclass
class DataSpec:
    """``[data]``: the dataset and how validation data is obtained.

    Parameters
    ----------
    path : Path or None
        CSV/TSV file with a label column, or ``.npz`` with ``x_train``, ``y_train``
        and optionally ``x_val``, ``y_val``. Absolute after reading.
    label : str or None
        Label column of a CSV (required there, ignored for ``.npz``).
    validation_split : float
        Fraction in (0, 1) held out for validation, stratified by class and
        seeded with ``[train] seed``; unused when the data has ``x_val``/``y_val``.
    """

    path: Path | None = None
    label: str | None = None
    validation_split: float = 0.2


@dataclass
class ModelSpec:
    """``[model]``: a user's ``.keras`` file, or the built-in MLP.

    Parameters
    ----------
    path : Path or None
        A Keras 3 ``.keras`` file; its architecture is rebuilt from the config
        with fresh weights. None: the built-in MLP.
    hidden : list of int
        Units of the built-in MLP's hidden Dense layers (default one layer of 64).
    activation : str
        Activation of the hidden layers.
    allow_unsafe : bool
        Load a model with ``Lambda`` layers (``safe_mode=False``: runs code stored
        in the file). Off by default.
    """

    path: Path | None = None
    hidden: list[int] = field(default_factory=lambda: [64])
    activation: str = "relu"
    allow_unsafe: bool = False


@dataclass
class TrainSpec:
    """``[train]``: fit settings before remedies."""

    epochs: int = 30
    batch_size: int = 32
    optimizer: str = "adam"
    learning_rate: float = 0.001
    seed: int = 1


@dataclass
class PlateauSpec:
    """``reduce_lr_on_plateau``: keras.callbacks.ReduceLROnPlateau arguments.

    Defaults: ``factor`` 0.2 and ``patience`` 5 as in the issue's example spec
    (Keras' own are 0.1 and 10), ``min_delta`` 1e-4 as Keras. ``mode`` is always
    written explicitly from the monitor's direction (CASES 24: Keras' ``auto``
    treats anything without "acc" in its name as lower-is-better).
    """

    factor: float = 0.2
    patience: int = 5
    monitor: str = "val_loss"
    min_delta: float = 1e-4
    min_lr: float = 0.0
    cooldown: int = 0
    mode: str | None = None


@dataclass
class EarlyStoppingSpec:
    """``early_stopping``: keras.callbacks.EarlyStopping arguments.

    ``monitor`` defaults to ``val_loss``, or to ``val_crossentropy`` when the ``l2``
    remedy is on (see :data:`L2_KEYS`; the same for :class:`PlateauSpec`).
    ``restore_best_weights`` is on by default and the worker restores the best
    epoch's weights at the end of training even when EarlyStopping did not
    trigger (CASES 23; keras-team/keras #12511). ``mode`` as in :class:`PlateauSpec`.
    """

    patience: int = 10
    monitor: str = "val_loss"
    min_delta: float = 0.0
    mode: str | None = None
    restore_best_weights: bool = True


@dataclass
class Remedies:
    """``[remedies]``: every remedy off unless set. Names are :data:`analysis.model.REMEDIES`."""

    standardize: bool = False
    class_weight: str | None = None
    random_oversample: bool = False
    smote: bool = False
    random_undersample: bool = False
    l2: float | None = None
    dropout: float | None = None
    learning_rate: float | None = None
    gradient_clipping: float | None = None
    more_epochs: int | None = None
    batch_size: int | None = None
    reduce_lr_on_plateau: PlateauSpec | None = None
    early_stopping: EarlyStoppingSpec | None = None

    def active(self) -> tuple[str, ...]:
        """Names of the remedies that are on, in :data:`REMEDIES` order."""
        on = []
        for name in REMEDIES:
            v = getattr(self, name, None)
            if v is not None and v is not False:
                on.append(name)
        return tuple(on)

    @property
    def resampler(self) -> str | None:
        """The resampling remedy that is on (at most one), or None."""
        for r in RESAMPLERS:
            if getattr(self, r):
                return r
        return None


@dataclass
class Spec:
    """A whole retrain spec, with paths made absolute.

    Attributes
    ----------
    source : Path or None
        The spec file it was read from (None when built in memory).
    output_dir : Path or None
        Where the job writes; a new or empty folder (see :mod:`retrain.outdir`).
    """

    data: DataSpec = field(default_factory=DataSpec)
    model: ModelSpec = field(default_factory=ModelSpec)
    train: TrainSpec = field(default_factory=TrainSpec)
    remedies: Remedies = field(default_factory=Remedies)
    output_dir: Path | None = None
    source: Path | None = None

    @property
    def epochs(self) -> int:
        """Epochs to run: ``[train] epochs`` plus ``more_epochs``."""
        return self.train.epochs + (self.remedies.more_epochs or 0)

    @property
    def learning_rate(self) -> float:
        """The learning rate used: the ``learning_rate`` remedy, else ``[train]``'s."""
        lr = self.remedies.learning_rate
        return self.train.learning_rate if lr is None else lr

    @property
    def batch_size(self) -> int:
        """The batch size used: the ``batch_size`` remedy, else ``[train]``'s."""
        bs = self.remedies.batch_size
        return self.train.batch_size if bs is None else bs

    @property
    def name(self) -> str:
        """A short job name: the output folder's name, else the spec file's stem."""
        if self.output_dir is not None:
            return self.output_dir.name
        return self.source.stem if self.source else "retrain"


# ---------------------------------------------------------------------------------------
# reading


def read_spec(
    path: str | os.PathLike, output: str | os.PathLike | None = None, check_files: bool = True
) -> Spec:
    """Read and validate a spec file (TOML, or the same structure as JSON).

    Parameters
    ----------
    path : path-like
        The spec file; relative paths inside are relative to its folder.
    output : path-like, optional
        Overrides ``[output] dir``; relative to the current directory.
    check_files : bool
        Also check that the data and model files exist and have a known type.

    Returns
    -------
    Spec
        With absolute paths and :attr:`Spec.source` set. :attr:`Spec.output_dir`
        is None when neither ``output`` nor ``[output] dir`` is given (the job
        chooses it: :func:`retrain.outdir.default_output_dir`).

    Raises
    ------
    RetrainError
        One line naming the file, the key and the reason; every problem of the
        spec at once (:attr:`RetrainError.problems`), then every missing input file.
    """
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise RetrainError(p, exc.strerror or str(exc)) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RetrainError(p, f"not UTF-8 text (byte {exc.start})") from None
    if p.suffix.lower() == ".json":
        try:
            d = json.loads(text)
        except json.JSONDecodeError as exc:
            raise RetrainError(p, f"not valid JSON: {exc.msg}", f"line {exc.lineno}") from None
    else:
        try:
            d = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise RetrainError(p, f"not valid TOML: {exc}") from None
    if not isinstance(d, dict):
        raise RetrainError(p, "the spec must be a table of sections")
    spec = spec_from_dict(d, base=p.resolve().parent, source=str(p))
    spec.source = p.resolve()
    if output is not None:
        spec.output_dir = Path(output).expanduser().resolve()
    if check_files:
        check_inputs(spec)
    return spec


_SECTIONS = ("data", "model", "train", "remedies", "output")


def spec_from_dict(d: dict, base: Path | None = None, source: str = "spec") -> Spec:
    """Build a validated :class:`Spec` from the TOML/JSON structure.

    Parameters
    ----------
    d : dict
        Sections ``data``, ``model``, ``train``, ``remedies``, ``output``.
    base : Path, optional
        Folder relative paths are resolved against (the spec file's folder);
        the current directory when None.
    source : str
        Name used in error messages.

    Raises
    ------
    RetrainError
        Unknown section or key (with the closest known name), wrong type or range,
        two resamplers at once, an unknown or contradictory callback monitor/mode;
        all problems of the spec in one error (:meth:`RetrainError.many`).
    """
    base = Path.cwd() if base is None else base
    v = _Validator(source)
    for key in d:
        if key not in _SECTIONS:
            v.unknown(key, _SECTIONS, "")
    sec = {name: v.table(d, name) for name in _SECTIONS}

    data_d, model_d, train_d, rem_d, out_d = (sec[n] for n in _SECTIONS)
    v.only(data_d, "data", [f.name for f in fields(DataSpec)])
    v.only(model_d, "model", [f.name for f in fields(ModelSpec)])
    v.only(train_d, "train", [f.name for f in fields(TrainSpec)])
    v.only(rem_d, "remedies", [f.name for f in fields(Remedies)])
    v.only(out_d, "output", ["dir"])

    data = DataSpec(
        path=v.path(data_d, "data", "path", base),
        label=v.string(data_d, "data", "label"),
        validation_split=v.number(
            data_d,
            "data",
            "validation_split",
            DataSpec.validation_split,
            lo=0.0,
            hi=1.0,
            lo_open=True,
            hi_open=True,
        ),
    )
    if data.path is None and "path" not in data_d:
        v.fail("missing: the dataset file to train on", "[data] path")

    hidden = model_d.get("hidden", [64])
    if not isinstance(hidden, list) or not all(
        isinstance(h, int) and not isinstance(h, bool) and h > 0 for h in hidden
    ):
        v.fail(f"must be a list of positive integers, got {hidden!r}", "[model] hidden")
        hidden = [64]
    activation = v.string(model_d, "model", "activation") or "relu"
    if activation not in ACTIVATIONS:
        v.unknown(activation, ACTIVATIONS, "[model] activation", what="activation")
        activation = "relu"
    model = ModelSpec(
        path=v.path(model_d, "model", "path", base),
        hidden=list(hidden),
        activation=activation,
        allow_unsafe=v.boolean(model_d, "model", "allow_unsafe", False),
    )

    optimizer = (v.string(train_d, "train", "optimizer") or "adam").lower()
    if optimizer not in OPTIMIZERS:
        v.unknown(optimizer, OPTIMIZERS, "[train] optimizer", what="optimizer")
        optimizer = "adam"
    train = TrainSpec(
        epochs=v.integer(train_d, "train", "epochs", TrainSpec.epochs, lo=1),
        batch_size=v.integer(train_d, "train", "batch_size", TrainSpec.batch_size, lo=1),
        optimizer=optimizer,
        learning_rate=v.number(
            train_d, "train", "learning_rate", TrainSpec.learning_rate, lo=0.0, lo_open=True
        ),
        seed=v.integer(train_d, "train", "seed", TrainSpec.seed, lo=0),
    )
    remedies = _remedies(v, rem_d, train)
    out_dir = v.path(out_d, "output", "dir", base)
    v.check()
    return Spec(data=data, model=model, train=train, remedies=remedies, output_dir=out_dir)


def _remedies(v: _Validator, d: dict, train: TrainSpec) -> Remedies:
    r = Remedies()
    s = "remedies"
    r.standardize = v.boolean(d, s, "standardize", False)
    cw = d.get("class_weight")
    if cw is True or cw == "balanced":
        r.class_weight = "balanced"
    elif cw is not None and cw is not False:
        v.fail(
            f'must be "balanced" (scikit-learn\'s compute_class_weight) or false, got {cw!r}',
            "[remedies] class_weight",
        )
    for name in RESAMPLERS:
        setattr(r, name, v.boolean(d, s, name, False))
    on = [n for n in RESAMPLERS if getattr(r, n)]
    if len(on) > 1:
        v.fail(f"choose one resampling remedy, not {' and '.join(on)}", "[remedies]")
        for name in on[1:]:
            setattr(r, name, False)
    r.l2 = v.optional_number(d, s, "l2", default_if_true=0.01, lo=0.0, lo_open=True)
    r.dropout = v.optional_number(
        d, s, "dropout", default_if_true=0.3, lo=0.0, hi=1.0, lo_open=True, hi_open=True
    )
    r.learning_rate = v.optional_number(
        d,
        s,
        "learning_rate",
        default_if_true=DEFAULT_LEARNING_RATE[train.optimizer],
        lo=0.0,
        lo_open=True,
    )
    r.gradient_clipping = v.optional_number(
        d, s, "gradient_clipping", default_if_true=1.0, lo=0.0, lo_open=True
    )
    me = v.optional_number(d, s, "more_epochs", default_if_true=train.epochs, lo=1, integer=True)
    r.more_epochs = None if me is None else int(me)
    bs = v.optional_number(d, s, "batch_size", default_if_true=None, lo=1, integer=True)
    r.batch_size = None if bs is None else int(bs)

    keys = logged_keys(r.l2 is not None)
    # with L2, val_loss carries the penalty: monitor the plain cross-entropy by default
    default_monitor = "val_crossentropy" if r.l2 is not None else "val_loss"
    rl = d.get("reduce_lr_on_plateau")
    if rl is not None and rl is not False:
        t = {} if rl is True else v.table(d, "reduce_lr_on_plateau", where=f"[{s}]")
        where = "[remedies] reduce_lr_on_plateau"
        v.only(t, where, [f.name for f in fields(PlateauSpec)], raw=True)
        p = PlateauSpec(
            factor=v.number(
                t,
                where,
                "factor",
                PlateauSpec.factor,
                lo=0.0,
                hi=1.0,
                lo_open=True,
                hi_open=True,
                raw=True,
            ),
            patience=v.integer(t, where, "patience", PlateauSpec.patience, lo=0, raw=True),
            monitor=v.string(t, where, "monitor", raw=True) or default_monitor,
            min_delta=v.number(t, where, "min_delta", PlateauSpec.min_delta, lo=0.0, raw=True),
            min_lr=v.number(t, where, "min_lr", PlateauSpec.min_lr, lo=0.0, raw=True),
            cooldown=v.integer(t, where, "cooldown", PlateauSpec.cooldown, lo=0, raw=True),
            mode=v.string(t, where, "mode", raw=True),
        )
        p.monitor, p.mode = v.monitor(p.monitor, p.mode, where, keys)
        r.reduce_lr_on_plateau = p
    es = d.get("early_stopping")
    if es is not None and es is not False:
        t = {} if es is True else v.table(d, "early_stopping", where=f"[{s}]")
        where = "[remedies] early_stopping"
        v.only(t, where, [f.name for f in fields(EarlyStoppingSpec)], raw=True)
        e = EarlyStoppingSpec(
            patience=v.integer(t, where, "patience", EarlyStoppingSpec.patience, lo=0, raw=True),
            monitor=v.string(t, where, "monitor", raw=True) or default_monitor,
            min_delta=v.number(t, where, "min_delta", 0.0, lo=0.0, raw=True),
            mode=v.string(t, where, "mode", raw=True),
            restore_best_weights=v.boolean(t, where, "restore_best_weights", True, raw=True),
        )
        e.monitor, e.mode = v.monitor(e.monitor, e.mode, where, keys)
        r.early_stopping = e
    return r


def check_monitor(
    monitor: str,
    mode: str | None,
    source: str = "spec",
    where: str = "monitor",
    available: tuple[str, ...] = LOGGED_KEYS,
) -> tuple[str, str]:
    """Validate a callback's monitor against the logged keys and make its mode explicit.

    Parameters
    ----------
    monitor : str
        Metric name, e.g. ``"val_loss"``.
    mode : {"min", "max", "auto"} or None
        None/``"auto"`` is replaced by the monitor's direction.
    available : tuple of str
        Keys the training will log (default :data:`LOGGED_KEYS`).

    Returns
    -------
    (monitor, mode)
        ``mode`` is ``"min"`` or ``"max"`` from :func:`analysis.naming.direction`
        (max: acc/auc/f1/precision/recall/kappa/IoU; min: loss/error/mse/mae).

    Raises
    ------
    RetrainError
        The monitor is not logged (with the likely intended name: ``val_acc`` ->
        ``val_accuracy``); Keras would only warn every epoch and never stop
        (CASES 24, keras-team/keras PR #6954). Or ``mode`` contradicts the direction.
    """
    if monitor not in available:
        if monitor in L2_KEYS:
            raise RetrainError(
                source,
                f"monitor {monitor!r} is logged only with the l2 remedy "
                "(it is the loss without the L2 penalty); use 'val_loss'",
                where,
            )
        hint = MONITOR_ALIASES.get(monitor)
        if hint not in available:
            close = difflib.get_close_matches(monitor, available, n=1)
            hint = close[0] if close else None
        msg = f"monitor {monitor!r} is not logged by this training (logged: {', '.join(available)})"
        if hint:
            msg += f"; did you mean {hint!r}?"
        raise RetrainError(source, msg, where)
    direction = naming.direction(monitor)
    if mode in (None, "auto"):
        if direction is None:
            raise RetrainError(
                source,
                f'cannot tell whether {monitor!r} should go up or down; set mode = "min" or "max"',
                where,
            )
        return monitor, direction
    if mode not in ("min", "max"):
        raise RetrainError(source, f'mode must be "min" or "max", got {mode!r}', where)
    if direction is not None and mode != direction:
        better = "lower" if direction == "min" else "higher"
        raise RetrainError(
            source,
            f'mode {mode!r} contradicts {monitor!r} ({better} is better); use mode = "{direction}"',
            where,
        )
    return monitor, mode


def check_inputs(spec: Spec) -> None:
    """Check that the data and model files exist and are of a known type.

    Only file names and types are checked here (no file is read); the label
    column and its values are checked by :func:`retrain.data.check_data`.

    Raises
    ------
    RetrainError
        Naming the spec, the key and what is wrong with the file; the dataset's
        and the model's problems together.
    """
    src = str(spec.source) if spec.source else "spec"
    problems: list[tuple[str, str, str]] = []  # (where, reason, kind)
    p = spec.data.path
    if p is None or not p.is_file():
        what = "is a folder, not a file" if p is not None and p.is_dir() else "not found"
        problems.append(("[data] path", f"dataset file {what}: {p}", "data"))
    elif p.suffix.lower() not in DATA_SUFFIXES:
        problems.append(
            (
                "[data] path",
                f"unsupported dataset type {p.suffix!r} ({p}); use a CSV "
                "with a label column or an .npz with x_train, y_train",
                "data",
            )
        )
    elif p.suffix.lower() in (".csv", ".tsv") and not spec.data.label:
        problems.append(("[data] label", f"missing: the label column of {p.name}", "data"))
    m = spec.model.path
    if m is not None:
        if not m.exists():
            problems.append(("[model] path", f"model file not found: {m}", "model"))
        elif m.is_dir() or m.suffix.lower() != ".keras":
            problems.append(
                (
                    "[model] path",
                    f"only Keras 3 .keras model files are supported "
                    f"({m}; save with model.save('model.keras'))",
                    "model",
                )
            )
    if problems:
        raise RetrainError.many(src, [(w, r) for w, r, _ in problems], kind=problems[0][2])


# ---------------------------------------------------------------------------------------
# writing


def spec_to_dict(spec: Spec, relative_to: Path | None = None) -> dict[str, Any]:
    """The TOML/JSON structure of a spec.

    Parameters
    ----------
    relative_to : Path, optional
        Folder paths are written relative to (the spec file's folder); absolute
        paths when None.
    """

    def rel(p: Path | None) -> str | None:
        if p is None:
            return None
        if relative_to is None:
            return str(p)
        return os.path.relpath(p, relative_to)

    data = {
        "path": rel(spec.data.path),
        "label": spec.data.label,
        "validation_split": spec.data.validation_split,
    }
    model: dict[str, Any] = {"path": rel(spec.model.path)}
    if spec.model.path is None:
        model.update(hidden=list(spec.model.hidden), activation=spec.model.activation)
    if spec.model.allow_unsafe:
        model["allow_unsafe"] = True
    train = {f.name: getattr(spec.train, f.name) for f in fields(TrainSpec)}
    rem: dict[str, Any] = {}
    r = spec.remedies
    for f in fields(Remedies):
        val = getattr(r, f.name)
        if val is None or val is False:
            continue
        if isinstance(val, PlateauSpec | EarlyStoppingSpec):
            val = {g.name: getattr(val, g.name) for g in fields(val)}
        rem[f.name] = val
    out = {"dir": rel(spec.output_dir)} if spec.output_dir is not None else {}
    d = {"data": data, "model": model, "train": train, "remedies": rem, "output": out}
    return _drop_none(d)


def dumps_spec(spec: Spec, relative_to: Path | None = None, header: str | None = None) -> str:
    """The spec as TOML text (see :func:`spec_to_dict` for ``relative_to``)."""
    d = spec_to_dict(spec, relative_to)
    lines = [f"# {ln}" if ln else "#" for ln in (header or "").splitlines()]
    for section in _SECTIONS:
        if lines:
            lines.append("")
        lines.append(f"[{section}]")
        for k, val in d.get(section, {}).items():
            lines.append(f"{k} = {_toml_value(val)}")
    return "\n".join(lines) + "\n"


def write_spec(
    spec: Spec, path: str | os.PathLike, header: str | None = None, absolute: bool = False
) -> Path:
    """Write a spec as TOML, paths relative to the file's folder (or absolute).

    The file is written to a temporary name and renamed, so a reader never sees
    half a spec.

    Raises
    ------
    RetrainError
        When ``path`` is the dataset or the model file, or cannot be written.
    """
    p = Path(path).expanduser().resolve()
    for user_file in (spec.data.path, spec.model.path):
        if user_file is not None and p == Path(user_file).resolve():
            raise RetrainError(p, "refusing to write the spec over the dataset/model file")
    text = dumps_spec(spec, None if absolute else p.parent, header=header)
    tmp = p.with_name(f".{p.name}.tmp{os.getpid()}")
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, p)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise RetrainError(p, exc.strerror or str(exc)) from None
    return p


def with_output(spec: Spec, output_dir: Path) -> Spec:
    """A copy of ``spec`` writing to ``output_dir``."""
    return replace(spec, output_dir=Path(output_dir))


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if not math.isfinite(v):
            raise ValueError(f"non-finite number {v!r} cannot be written to a spec")
        return repr(v)
    if isinstance(v, str | Path):
        return json.dumps(str(v), ensure_ascii=False)
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(x)}" for k, x in v.items()) + " }"
    raise TypeError(f"cannot write {type(v).__name__} to TOML")


def _drop_none(d: Any) -> Any:
    if isinstance(d, dict):
        return {k: _drop_none(v) for k, v in d.items() if v is not None}
    return d


class _Validator:
    """Typed getters that record one-line problems and carry on with the default.

    Every problem of a spec is collected (:meth:`fail`); :meth:`check` raises them
    together as one :class:`RetrainError`, so a user fixes a spec in one pass.
    """

    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[tuple[str | None, str]] = []

    def fail(self, reason: str, where: str | None) -> None:
        self.problems.append((where or None, reason))

    def check(self) -> None:
        """Raise every recorded problem at once (:meth:`RetrainError.many`), in the
        order of the spec's sections."""

        def section(problem: tuple[str | None, str]) -> int:
            where = problem[0] or ""
            for i, name in enumerate(_SECTIONS):
                if where.startswith(f"[{name}]"):
                    return i
            return -1

        if self.problems:
            raise RetrainError.many(self.source, sorted(self.problems, key=section))

    def _where(self, section: str, key: str, raw: bool = False) -> str:
        return f"{section} {key}" if raw else f"[{section}] {key}"

    def unknown(self, key: str, known, where: str, what: str = "key") -> None:
        close = difflib.get_close_matches(str(key), list(known), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else f" (known: {', '.join(known)})"
        self.fail(f"unknown {what} {key!r}{hint}", where)

    def only(self, d: dict, section: str, known: list[str], raw: bool = False) -> None:
        for k in d:
            if k not in known:
                self.unknown(k, known, section if raw else f"[{section}]")

    def table(self, d: dict, key: str, where: str = "") -> dict:
        t = d.get(key, {})
        if not isinstance(t, dict):
            w = f"{where} {key}".strip() if where else f"[{key}]"
            self.fail(f"must be a table, got {t!r}", w)
            return {}
        return t

    def monitor(
        self, monitor: str, mode: str | None, where: str, keys: tuple[str, ...]
    ) -> tuple[str, str]:
        try:
            return check_monitor(monitor, mode, self.source, where, keys)
        except RetrainError as exc:
            self.fail(exc.reason, exc.where)
            return monitor, mode if mode in ("min", "max") else "min"

    def string(self, d: dict, section: str, key: str, raw: bool = False) -> str | None:
        v = d.get(key)
        if v is None:
            return None
        if not isinstance(v, str) or not v.strip():
            self.fail(f"must be a non-empty string, got {v!r}", self._where(section, key, raw))
            return None
        return v

    def boolean(self, d: dict, section: str, key: str, default: bool, raw: bool = False) -> bool:
        v = d.get(key, default)
        if not isinstance(v, bool):
            self.fail(f"must be true or false, got {v!r}", self._where(section, key, raw))
            return default
        return v

    def path(self, d: dict, section: str, key: str, base: Path) -> Path | None:
        v = self.string(d, section, key)
        if v is None:
            return None
        p = Path(v).expanduser()
        return (p if p.is_absolute() else base / p).resolve()

    def number(
        self,
        d: dict,
        section: str,
        key: str,
        default: float,
        lo: float | None = None,
        hi: float | None = None,
        lo_open: bool = False,
        hi_open: bool = False,
        raw: bool = False,
    ) -> float:
        v = d.get(key, default)
        where = self._where(section, key, raw)
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            self.fail(f"must be a number, got {v!r}", where)
            return float(default)
        if not self._range(v, lo, hi, lo_open, hi_open, where):
            return float(default)
        return float(v)

    def integer(
        self,
        d: dict,
        section: str,
        key: str,
        default: int,
        lo: int | None = None,
        raw: bool = False,
    ) -> int:
        v = d.get(key, default)
        where = self._where(section, key, raw)
        if isinstance(v, bool) or not isinstance(v, int):
            self.fail(f"must be an integer, got {v!r}", where)
            return int(default)
        if not self._range(v, lo, None, False, False, where):
            return int(default)
        return int(v)

    def optional_number(
        self,
        d: dict,
        section: str,
        key: str,
        default_if_true: float | None,
        lo: float | None = None,
        hi: float | None = None,
        lo_open: bool = False,
        hi_open: bool = False,
        integer: bool = False,
    ) -> float | None:
        v = d.get(key)
        where = self._where(section, key)
        if v is None or v is False:
            return None
        if v is True:
            if default_if_true is None:
                self.fail("needs a value, not true", where)
            return default_if_true
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            self.fail(f"must be a number or false, got {v!r}", where)
            return None
        if integer and not isinstance(v, int):
            self.fail(f"must be an integer, got {v!r}", where)
            return None
        if not self._range(v, lo, hi, lo_open, hi_open, where):
            return None
        return int(v) if integer else float(v)

    def _range(self, v: float, lo, hi, lo_open: bool, hi_open: bool, where: str) -> bool:
        bad = (lo is not None and (v < lo or (lo_open and v == lo))) or (
            hi is not None and (v > hi or (hi_open and v == hi))
        )
        if bad:
            left = "(" if lo_open else "["
            right = ")" if hi_open else "]"
            rng = f"{left}{'-inf' if lo is None else lo}, {'inf' if hi is None else hi}{right}"
            self.fail(f"must be in {rng}, got {v!r}", where)
        return not bad
