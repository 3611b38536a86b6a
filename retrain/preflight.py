"""Checks of a retrain job that need no TensorFlow, run before its output folder is claimed.

A job is refused (exit 2, nothing created) for everything that can be known from
the spec, the model's ``config.json`` and a cheap look at the dataset:

- the model file: Lambda layers without ``allow_unsafe``, custom objects,
  subclassed models (:func:`retrain.models.check_model`; the ``.keras`` file is a
  zip whose ``config.json`` is read without Keras);
- the model against the data: the shape of one input sample (the model's
  ``InputLayer``) against the data's features after one-hot encoding, and the
  output units against the classes (:func:`retrain.models.loss_plan`);
- remedies against the data: SMOTE on samples with more than one axis (images).

:func:`preflight` works from :func:`retrain.data.check_data` (a CSV's header and
first rows read with the ``csv`` module, an ``.npz``'s labels and array headers),
so the GUI can call it on its event loop. Counts it cannot know exactly (the
one-hot width of a text column depends on the categories of the training split)
are bounds: only a certain mismatch is refused here. The worker runs the same
:func:`check_fit` with the exact shapes once the data is loaded, still before
it claims a folder.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from retrain.data import DataCheck, check_data
from retrain.errors import RetrainError
from retrain.models import check_model, input_shape, loss_plan, output_head, strip_standardizer
from retrain.spec import Spec


@dataclass(frozen=True)
class DataShape:
    """What the model will be fed, exactly or as bounds.

    Attributes
    ----------
    rank : int
        Axes of one sample (1 for a table).
    shape : tuple of int or None
        Exact shape of one sample after encoding, when known.
    width : (int, int or None)
        Bounds on the number of inputs of a table sample when ``shape`` is not
        known (``None``: no upper bound).
    classes : (int, int or None)
        Bounds on the number of classes (equal when exact).
    one_hot : bool
        Text columns are one-hot encoded (named in messages).
    """

    rank: int
    shape: tuple[int, ...] | None
    width: tuple[int, int | None]
    classes: tuple[int, int | None]
    one_hot: bool = False

    @classmethod
    def exact(cls, sample_shape: tuple[int, ...], n_classes: int, one_hot: bool = False):
        """The shape of prepared arrays (``x_train.shape[1:]``) and their class count."""
        shape = tuple(int(n) for n in sample_shape)
        w = math.prod(shape)
        return cls(len(shape), shape, (w, w), (n_classes, n_classes), one_hot)

    @classmethod
    def from_check(cls, chk: DataCheck) -> DataShape:
        """Bounds from :func:`retrain.data.check_data`."""
        classes = (chk.n_classes, chk.n_classes if chk.complete else None)
        if chk.kind == "arrays":
            if chk.sample_shape is None:
                return cls(0, None, (0, None), classes)
            return cls.exact(chk.sample_shape, chk.n_classes)._replace_classes(classes)
        lo, hi = chk.width()
        text = [c for c in chk.columns if c not in set(chk.numeric)]
        shape = (lo,) if hi == lo and not text else None
        return cls(1, shape, (lo, hi), classes, one_hot=bool(text))

    def _replace_classes(self, classes: tuple[int, int | None]) -> DataShape:
        return DataShape(self.rank, self.shape, self.width, classes, self.one_hot)


def _shape_text(shape) -> str:
    return str(tuple(shape))


def check_fit(config: dict | None, source: str, data: DataShape, spec: Spec) -> None:
    """Refuse a model, data and remedies that certainly do not fit together.

    Parameters
    ----------
    config : dict or None
        The user's model config (None: the built-in MLP, which is built for the data).
    source : str
        File named in the messages (the model file).
    data : DataShape
    spec : Spec
        For the remedies and the spec file's name.

    Raises
    ------
    RetrainError
        ``kind="model"``: input shape or output units do not match the data;
        ``kind="remedy"``: a remedy refuses the data
        (:meth:`retrain.remedies.base.Remedy.check_data`; SMOTE on samples with more
        than one axis).
    """
    for remedy, value in spec.remedies.items():
        remedy.check_data(value, data, str(spec.source or "spec"))
    if config is None:
        return
    want = input_shape(config)
    if want is not None and data.rank:
        after = " after one-hot encoding" if data.one_hot else ""
        msg = f"the model expects samples of shape {_shape_text(want)} but the data gives "
        if len(want) != data.rank:
            got = _shape_text(data.shape) if data.shape else f"rows of {data.width[0]}+ features"
            raise RetrainError(source, msg + got + after, kind="model")
        if data.shape is not None:
            if any(w is not None and w != s for w, s in zip(want, data.shape, strict=True)):
                raise RetrainError(source, msg + _shape_text(data.shape) + after, kind="model")
        elif want[0] is not None:
            lo, hi = data.width
            if want[0] < lo:
                raise RetrainError(
                    source,
                    msg + f"at least {lo} features ({lo} columns besides the label)",
                    kind="model",
                )
            if hi is not None and want[0] > hi:
                raise RetrainError(
                    source,
                    msg + f"at most {hi} features after one-hot encoding of its text columns",
                    kind="model",
                )
    units, act = output_head(config)
    lo, hi = data.classes
    if hi == lo and lo:
        loss_plan(units, act, lo, source=source)
        return
    if units is None:
        return
    if units == 1:
        loss_plan(1, act, 2, source=source)  # a single softmax unit is wrong for any data
    most = 2 if units == 1 else units
    if lo > most:
        raise RetrainError(
            source,
            f"the model {'has one output unit' if units == 1 else f'outputs {units} units'} "
            f"but the data has at least {lo} classes",
            kind="model",
        )


def model_config(spec: Spec) -> tuple[dict | None, list[str]]:
    """The user's model config as it will be rebuilt, checked (no TensorFlow).

    With ``standardize``, a model saved by an earlier job with its scaling layer
    in front (:func:`retrain.models.strip_standardizer`) is retrained without
    that layer; this job's statistics replace it.

    Returns
    -------
    (config or None, notes)
        None for the built-in MLP.

    Raises
    ------
    RetrainError
        See :func:`retrain.models.check_model`.
    """
    if spec.model.path is None:
        return None, []
    cfg = check_model(spec.model.path, allow_unsafe=spec.model.allow_unsafe)
    if spec.remedies.standardize:
        cfg, stripped = strip_standardizer(cfg)
        if stripped:
            return cfg, [
                "standardize: the model's scaling layer from an earlier FitLens job is "
                "replaced by this job's (fitted on its training split)"
            ]
    return cfg, []


def preflight(spec: Spec) -> DataCheck:
    """Every check of a job that needs neither TensorFlow nor the whole dataset.

    Parameters
    ----------
    spec : Spec
        A validated spec (:func:`retrain.spec.read_spec`).

    Returns
    -------
    DataCheck
        What :func:`retrain.data.check_data` learned.

    Raises
    ------
    RetrainError
        The label column (:func:`retrain.data.check_data`), the model file
        (:func:`model_config`), the model against the data or a remedy against
        the data (:func:`check_fit`), a validation split that leaves no rows.
    """
    chk = check_data(spec.data)
    if chk.complete and not chk.has_validation and chk.rows:
        n, frac = chk.rows, spec.data.validation_split
        n_val = int(math.ceil(frac * n))
        if n_val < 1 or n - n_val < 1:
            raise RetrainError(
                chk.path, f"{n} rows cannot be split {1 - frac:.0%}/{frac:.0%}", kind="data"
            )
    cfg, _ = model_config(spec)
    check_fit(cfg, str(spec.model.path or "built-in MLP"), DataShape.from_check(chk), spec)
    return chk
