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

import json
import math
import os
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from retrain.errors import RetrainError
from retrain.optimizers import OPTIMIZERS
from retrain.remedies import REGISTRY, Remedies, TrainingSettings
from retrain.validation import Validator

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
    def settings(self) -> TrainingSettings:
        """``[train]``'s settings adjusted by the remedies (learning rate, epochs...)."""
        return self.remedies.settings(self.train)

    @property
    def epochs(self) -> int:
        """Epochs to run: ``[train] epochs`` plus ``more_epochs``."""
        return self.settings.epochs

    @property
    def learning_rate(self) -> float:
        """The learning rate used: the ``learning_rate`` remedy, else ``[train]``'s."""
        return self.settings.learning_rate

    @property
    def batch_size(self) -> int:
        """The batch size used: the ``batch_size`` remedy, else ``[train]``'s."""
        return self.settings.batch_size

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
        Unknown section or key (with the closest known name), wrong type or range
        (remedies: as each declares, :mod:`retrain.remedies`), two resamplers at once,
        an unknown or contradictory callback monitor/mode; all problems of the spec in
        one error (:meth:`RetrainError.many`).
    """
    base = Path.cwd() if base is None else base
    v = Validator(source, _SECTIONS)
    for key in d:
        if key not in _SECTIONS:
            v.unknown(key, _SECTIONS, "")
    sec = {name: v.table(d, name) for name in _SECTIONS}

    data_d, model_d, train_d, rem_d, out_d = (sec[n] for n in _SECTIONS)
    v.only(data_d, "data", [f.name for f in fields(DataSpec)])
    v.only(model_d, "model", [f.name for f in fields(ModelSpec)])
    v.only(train_d, "train", [f.name for f in fields(TrainSpec)])
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
    remedies = REGISTRY.parse(rem_d, v, train)
    out_dir = v.path(out_d, "output", "dir", base)
    v.check()
    return Spec(data=data, model=model, train=train, remedies=remedies, output_dir=out_dir)


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
    rem = spec.remedies.to_spec()
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
