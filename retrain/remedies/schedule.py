"""Fit-stage remedies: more epochs, another batch size."""

from __future__ import annotations

from retrain.remedies.base import Remedy
from retrain.remedies.values import Number


class MoreEpochs(Remedy):
    """``more_epochs = 30``: added to ``[train] epochs``; ``true`` means as many again."""

    name = "more_epochs"
    title = "More epochs"
    does = "train for more epochs"
    stage = "fit"
    value = Number(
        lo=1, integer=True, default=lambda train: train.epochs, editor=(1, 100_000, 0, 1)
    )

    def adjust(self, settings, value):
        settings.epochs += value

    def describe(self, value, job):
        return [f"more_epochs: {job.spec.train.epochs} + {value} = {job.spec.epochs} epochs"]


class BatchSize(Remedy):
    """``batch_size = 64``: replaces ``[train] batch_size`` (a value is needed)."""

    name = "batch_size"
    title = "Batch size"
    does = "train with another batch size"
    stage = "fit"
    value = Number(lo=1, integer=True, editor=(1, 1_000_000, 0, 1), suggested=64)

    def adjust(self, settings, value):
        settings.batch_size = value

    def describe(self, value, job):
        return [f"batch_size: {value} (replaces {job.spec.train.batch_size})"]


MORE_EPOCHS = MoreEpochs()
BATCH_SIZE = BatchSize()
