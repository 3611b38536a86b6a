"""Tag names of the Keras TensorBoard callback: epoch-level tags and the ``logs`` key behind each.

Used by the event-file reader, the TensorBoard CSV/JSON export reader and the check
that a TensorBoard run and a CSVLogger log hold the same ``fit()``.
"""

from __future__ import annotations

import re


def is_epoch_tag(tag: str) -> bool:
    """A tag the Keras TensorBoard callback writes once per epoch, step = epoch index.

    Keras' ``TensorBoard`` callback (TF2 / Keras 3, ``keras/callbacks/tensorboard.py``)
    names epoch-level scalars ``epoch_<metric>`` (``epoch_loss``,
    ``epoch_learning_rate``) and writes them at step = epoch; ``batch_<metric>``
    (``update_freq``) and ``evaluation_<metric>_vs_iterations`` are written at the
    global training step.
    """
    return tag.rsplit("/", 1)[-1].startswith("epoch_")


_EVAL_COPY_RE = re.compile(r"^evaluation_(.+)_vs_iterations$")


def keras_log_key(name: str) -> tuple[str, str] | None:
    """The ``logs`` key of Keras' ``fit()`` behind a series of the Keras TensorBoard callback.

    The callback (``keras/callbacks/tensorboard.py``, Keras 3 and ``tf.keras`` 2)
    writes the epoch ``logs`` that ``CSVLogger`` and ``History`` get: the keys
    without ``val_`` to ``train/epoch_<key>``, the ``val_<key>`` ones to
    ``validation/epoch_<key>``, both at step = epoch index; it adds the optimizer's
    learning rate as ``train/epoch_learning_rate`` (``epoch_lr`` in older
    ``tf.keras``), and ``validation/evaluation_<key>_vs_iterations``: the same
    validation values again at step = the global training step.

    Parameters
    ----------
    name : str
        Series name as read (``<side>/<tag>``, or the bare tag for event files at
        the run folder's top).

    Returns
    -------
    (key, kind) or None
        ``("loss", "epoch")`` for ``train/epoch_loss``, ``("val_loss", "epoch")`` for
        ``validation/epoch_loss``, ``("val_loss", "copy")`` for
        ``validation/evaluation_loss_vs_iterations``; None for any other series
        (``batch_*`` tags, custom summaries, other side folders).
    """
    side, _, tag = name.rpartition("/")
    if side not in ("", "train", "validation"):
        return None
    pre = "val_" if side == "validation" else ""
    if tag.startswith("epoch_") and len(tag) > len("epoch_"):
        return pre + tag[len("epoch_") :], "epoch"
    m = _EVAL_COPY_RE.match(tag)
    if m and side == "validation":
        return "val_" + m.group(1), "copy"
    return None


def mark_step_kinds(series: dict, notes: list[str] | None = None) -> str:
    """The run's ``step_kind`` from its tags; each series' own kind where the run mixes them.

    All tags epoch-level (:func:`is_epoch_tag`): ``"epoch"``. None: ``"step"``
    (TensorBoard's step is the global step as logged). Mixed (the Keras callback
    with ``evaluation_*_vs_iterations`` or ``batch_*`` tags): the run takes the
    kind of most of its series, and every series gets its own
    :attr:`~analysis.model.Series.step_kind`, so that epoch curves are never put
    on one x axis with step curves.
    """
    if not series:
        return "step"
    ep = {k for k in series if is_epoch_tag(k)}
    if not ep:
        return "step"
    if len(ep) == len(series):
        return "epoch"
    run_kind = "epoch" if 2 * len(ep) >= len(series) else "step"
    for k, s in series.items():
        s.step_kind = "epoch" if k in ep else "step"
    if notes is not None:
        other = sorted(k for k in series if k not in ep)
        notes.append(
            f"x axes differ: epoch_* tags are per epoch (step = epoch index), "
            f"{', '.join(other[:4])}{', ...' if len(other) > 4 else ''} per training "
            "step (Keras TensorBoard callback); each series carries its own x kind"
        )
    return run_kind
