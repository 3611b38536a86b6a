"""Optimizer remedies (compile stage): another learning rate, gradient clipping."""

from __future__ import annotations

from retrain.optimizers import DEFAULT_LEARNING_RATE
from retrain.remedies.base import Remedy
from retrain.remedies.values import Number


class LearningRate(Remedy):
    """``learning_rate = 0.0003``: replaces ``[train] learning_rate``; ``true`` means
    Keras' default for the optimizer (:data:`retrain.optimizers.DEFAULT_LEARNING_RATE`)."""

    name = "learning_rate"
    title = "Learning rate"
    does = "train with another learning rate (usually a lower one)"
    stage = "compile"
    value = Number(
        lo=0.0,
        lo_open=True,
        default=lambda train: DEFAULT_LEARNING_RATE[train.optimizer],
        editor=(1e-7, 10.0, 7, 0.0001),
    )

    def adjust(self, settings, value):
        settings.learning_rate = value

    def describe(self, value, job):
        train = job.spec.train
        return [
            f"learning_rate: {value:g} ({train.optimizer}; "
            f"replaces [train] learning_rate {train.learning_rate:g})"
        ]


class GradientClipping(Remedy):
    """``gradient_clipping = 1.0``: the optimizer clips each gradient to this L2 norm
    (``clipnorm``; Pascanu et al. 2013, "On the difficulty of training recurrent
    neural networks")."""

    name = "gradient_clipping"
    title = "Gradient clipping"
    does = "clip the gradient norm (clipnorm)"
    stage = "compile"
    value = Number(lo=0.0, lo_open=True, default=1.0, editor=(1e-4, 1e4, 4, 0.1))

    def adjust(self, settings, value):
        settings.clipnorm = value

    def describe(self, value, job):
        return [
            f"gradient_clipping: clipnorm={value:g} on the {job.spec.train.optimizer} optimizer"
        ]


LEARNING_RATE = LearningRate()
GRADIENT_CLIPPING = GradientClipping()
