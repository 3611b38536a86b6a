"""Metric naming: train/validation pairs, losses vs scores, learning rates.

Names are kept as logged everywhere; this module only *interprets* them. The
rules follow what the frameworks write:

- Keras ``History`` / ``CSVLogger``: ``X`` and ``val_X`` (``loss``/``val_loss``,
  ``acc``/``val_acc`` in tf.keras < 2.3 and standalone Keras, ``accuracy``,
  ``binary_accuracy``, ``categorical_accuracy``...), ``lr`` (tf.keras 2) or
  ``learning_rate`` (Keras 3) from ``ReduceLROnPlateau``.
- Keras TensorBoard callback: ``train/epoch_loss`` and ``validation/epoch_loss``.
- PyTorch Lightning: ``train_loss``/``val_loss`` with ``_step``/``_epoch``
  variants; ``lr-<Optimizer>`` from ``LearningRateMonitor``.
- Hugging Face ``Trainer``: ``loss`` (train) and ``eval_loss``, ``eval_<metric>``.
- Custom: ``train loss``/``validation loss``, ``train_acc``/``valid_acc``.

Direction of improvement follows Keras' ``mode="auto"`` idea, made explicit:
names containing an accuracy/AUC/F1/precision/recall/IoU/dice-like word are
maximised, names containing loss/error/mse/mae/perplexity/wer/cer are minimised
(see keras-team/keras #11964 for what goes wrong when this is guessed from
"acc" alone).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Literal

Role = Literal["train", "val", "test"]
Family = Literal["loss", "score", "lr", "other"]

# prefixes/suffixes that mark the validation / test / train side; order matters (longest first)
_VAL_PREFIXES = (
    "validation/",
    "validation_",
    "validation ",
    "valid/",
    "valid_",
    "valid ",
    "val/",
    "val_",
    "val ",
    "eval/",
    "eval_",
    "eval ",
    "dev_",
    "dev/",
)
_TEST_PREFIXES = ("test/", "test_", "test ", "avg_test_")
_TRAIN_PREFIXES = ("train/", "train_", "train ", "training_", "training ", "training/")
_SUFFIXES = ("_epoch", "_step")

_LR_RE = re.compile(r"(^|[/_\-\s])(lr|learning[_ ]?rate)($|[/_\-\s])|^lr[-_]", re.IGNORECASE)
_LOSS_RE = re.compile(
    r"loss|error|(^|[_/\s])(mse|mae|rmse|mape|msle|nll|ce|cer|wer|perplexity|ppl|kld|huber|"
    r"crossentropy|hinge)($|[_/\s])",
    re.IGNORECASE,
)
_SCORE_RE = re.compile(
    r"acc|auc|f1|f_1|precision|recall|iou|io_u|dice|jaccard|kappa|bleu|rouge|map|r2|"
    r"sensitivity|specificity|top_?\d|matthews|mcc|score|reward|margin",
    re.IGNORECASE,
)
_ACCURACY_RE = re.compile(
    r"(^|[_/\s])(acc|accuracy|binary_accuracy|categorical_accuracy|"
    r"sparse_categorical_accuracy)($|[_/\s])|accuracy",
    re.IGNORECASE,
)
# bookkeeping counters that are x axes or throughput, never curves to judge. Whole names
# only: Lightning's ``train_loss_step`` / ``acc_epoch`` are metrics, not counters.
_COUNTER_NAMES = frozenset(
    {
        "epoch",
        "epochs",
        "step",
        "steps",
        "global_step",
        "batch",
        "iteration",
        "iter",
        "nb_steps",
        "num_steps",
        "num_tokens",
        "total_flos",
        "runtime",
        "samples_per_second",
        "steps_per_second",
        "time",
        "timestamp",
        "wall_time",
        "walltime",
        "wall time",
        "_timestamp",
        "_runtime",
        "_step",
        "num_input_tokens_seen",
        "tokens_seen",
    }
)
_COUNTER_PREFIXES = (
    "trainer/",
    "train/",
    "eval/",
    "val/",
    "validation/",
    "test/",
    "epoch/",
    "eval_",
    "train_",
    "test_",
    "val_",
    "predict_",
)
# throughput / bookkeeping suffixes of Hugging Face Trainer keys (eval_g0_runtime, ...)
_COUNTER_SUFFIX_RE = re.compile(
    r"(^|[_/])(runtime|samples_per_second|steps_per_second|num_tokens|total_flos|"
    r"num_input_tokens_seen)$",
    re.IGNORECASE,
)


def _strip_prefix(name: str, prefixes: Iterable[str]) -> tuple[str, bool]:
    low = name.lower()
    for p in prefixes:
        if low.startswith(p) and len(name) > len(p):
            return name[len(p) :], True
    return name, False


def role(name: str) -> Role:
    """Which side of training a metric belongs to.

    Parameters
    ----------
    name : str
        Metric name as logged.

    Returns
    -------
    {"train", "val", "test"}
        ``val`` for ``val_*``, ``validation/*``, ``eval_*``, ``valid_*``;
        ``test`` for ``test_*``; ``train`` otherwise.
    """
    tail = name.rsplit(" - ", 1)[-1]  # W&B "<run> - <metric>"
    if tail.lower().startswith("epoch/"):
        tail = tail[6:]
    if _strip_prefix(tail, _VAL_PREFIXES)[1]:
        return "val"
    if _strip_prefix(tail, _TEST_PREFIXES)[1]:
        return "test"
    # fine_tune_val_loss, eval_g0_loss...: a val marker inside the name
    if re.search(r"(^|_)(val|valid|validation|eval)_", tail, re.IGNORECASE):
        return "val"
    return "train"


def base_name(name: str) -> str:
    """The metric without its train/val/test side markers and Lightning suffixes.

    ``val_loss`` -> ``loss``, ``train/epoch_loss`` -> ``epoch_loss``,
    ``validation accuracy`` -> ``accuracy``, ``train_loss_epoch`` -> ``loss``,
    ``eval_wer`` -> ``wer``.
    """
    prefix = ""
    tail = name
    if " - " in tail:
        prefix, tail = tail.rsplit(" - ", 1)
        prefix += " - "
    for marker in ("epoch/",):
        if tail.lower().startswith(marker):
            prefix += tail[: len(marker)]
            tail = tail[len(marker) :]
    tail, _ = _strip_prefix(tail, _VAL_PREFIXES + _TEST_PREFIXES + _TRAIN_PREFIXES)
    tail = re.sub(r"(^|_)(val|valid|validation|eval)_", r"\1", tail, count=1, flags=re.IGNORECASE)
    low = tail.lower()
    for suf in _SUFFIXES:
        if low.endswith(suf) and len(tail) > len(suf):
            tail = tail[: -len(suf)]
            break
    return prefix + tail


def is_learning_rate(name: str) -> bool:
    """True for learning-rate series: ``lr``, ``learning_rate``, ``lr-AdamW``, ``lr/group0``..."""
    return bool(_LR_RE.search(name))


def is_counter(name: str) -> bool:
    """True for bookkeeping columns that are x axes or throughput, not curves.

    ``epoch``, ``step``, ``global_step``, ``nb_steps`` (keras-rl), ``time``; Hugging Face
    ``*_runtime``, ``*_samples_per_second``, ``*_steps_per_second``, ``total_flos``,
    ``num_tokens``; W&B ``_step``/``_runtime``/``_timestamp``. Whole names only (after a
    ``train_``/``eval_``/``trainer/``... prefix): ``train_loss_step`` and ``acc_epoch``
    (Lightning's per-step / per-epoch variants) are metrics.
    """
    low = name.rsplit(" - ", 1)[-1].strip().lower()
    if low in _COUNTER_NAMES:
        return True
    for p in _COUNTER_PREFIXES:
        if low.startswith(p) and low[len(p) :] in _COUNTER_NAMES:
            return True
    return bool(_COUNTER_SUFFIX_RE.search(low))


def is_accuracy(name: str) -> bool:
    """True for accuracy-like metrics (``acc``, ``accuracy``, ``binary_accuracy``, ...)."""
    return bool(_ACCURACY_RE.search(base_name(name)))


def family(name: str) -> Family:
    """Plot family of a metric.

    Returns
    -------
    {"loss", "score", "lr", "other"}
        ``lr`` for learning rates, ``loss`` for lower-is-better metrics,
        ``score`` for higher-is-better metrics, ``other`` when unknown.
    """
    if is_learning_rate(name):
        return "lr"
    b = base_name(name)
    if _LOSS_RE.search(b):
        return "loss"
    if _SCORE_RE.search(b):
        return "score"
    return "other"


def direction(name: str) -> Literal["min", "max"] | None:
    """Whether lower (``"min"``) or higher (``"max"``) is better; None if unknown or an LR."""
    f = family(name)
    return {"loss": "min", "score": "max"}.get(f)


def pairs(names: Iterable[str]) -> list[tuple[str, str]]:
    """Train/validation pairs among the given metric names.

    Parameters
    ----------
    names : iterable of str
        Metric names of one run, as logged.

    Returns
    -------
    list of (train_name, val_name)
        In the order of the validation names. A validation metric pairs with
        the train metric that has the same :func:`base_name`; when several
        train metrics share it, the one logged per epoch is preferred
        (``train_loss_epoch`` over ``train_loss_step``), then the plainest name.
        Hugging Face / Keras ``loss`` pairs with ``eval_loss`` / ``val_loss``.
    """
    names = list(names)
    train: dict[str, list[str]] = {}
    for n in names:
        if role(n) == "train" and not is_learning_rate(n) and not is_counter(n):
            train.setdefault(base_name(n).lower(), []).append(n)
    out: list[tuple[str, str]] = []
    for v in names:
        if role(v) != "val":
            continue
        cands = train.get(base_name(v).lower())
        if not cands:
            continue
        cands = sorted(
            cands,
            key=lambda c: (c.lower().endswith("_step"), not c.lower().endswith("_epoch"), len(c)),
        )
        out.append((cands[0], v))
    return out


def partner(name: str, names: Iterable[str]) -> str | None:
    """The other half of ``name``'s train/validation pair, if any."""
    for t, v in pairs(names):
        if name == t:
            return v
        if name == v:
            return t
    return None
