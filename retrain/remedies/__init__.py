"""Every remedy of a retrain job, declared once and registered here.

A remedy (:class:`~retrain.remedies.base.Remedy`) declares its name (the key under
``[remedies]`` and the name findings use), its value type with default and range,
the text a user reads and the action of its stage. The spec reader, the spec
writer, the text of what a job did, the findings panel's remedy lines and the
retrain dialog's check boxes and value boxes are all generated from
:data:`REGISTRY`. Families:

- :mod:`~retrain.remedies.scaling`: ``standardize``;
- :mod:`~retrain.remedies.balancing`: ``random_oversample``, ``smote``,
  ``random_undersample``, ``class_weight``;
- :mod:`~retrain.remedies.regularization`: ``l2``, ``dropout``;
- :mod:`~retrain.remedies.optimizer`: ``learning_rate``, ``gradient_clipping``;
- :mod:`~retrain.remedies.callbacks`: ``reduce_lr_on_plateau``, ``early_stopping``;
- :mod:`~retrain.remedies.schedule`: ``more_epochs``, ``batch_size``.

Adding a remedy: a module (or a class in its family's module) with a
:class:`~retrain.remedies.base.Remedy` subclass, one ``REGISTRY.register`` line
below (its place in the list is its place in the dialog), and its tests.

Importing this package loads neither TensorFlow nor scikit-learn, imbalanced-learn
or pandas: actions import them when they run.
"""

from __future__ import annotations

from retrain.remedies import balancing, callbacks, optimizer, regularization, scaling, schedule
from retrain.remedies.base import STAGES, Remedy, TrainingSettings
from retrain.remedies.registry import REGISTRY, Registry, Remedies

REGISTRY.register(scaling.STANDARDIZE)
REGISTRY.register(balancing.RANDOM_OVERSAMPLE)
REGISTRY.register(balancing.SMOTE)
REGISTRY.register(balancing.RANDOM_UNDERSAMPLE)
REGISTRY.register(balancing.CLASS_WEIGHT)
REGISTRY.register(regularization.L2_REGULARIZATION)
REGISTRY.register(regularization.DROPOUT)
REGISTRY.register(optimizer.LEARNING_RATE)
REGISTRY.register(callbacks.REDUCE_LR_ON_PLATEAU)
REGISTRY.register(callbacks.EARLY_STOPPING)
REGISTRY.register(schedule.MORE_EPOCHS)
REGISTRY.register(optimizer.GRADIENT_CLIPPING)
REGISTRY.register(schedule.BATCH_SIZE)

__all__ = ["REGISTRY", "STAGES", "Registry", "Remedies", "Remedy", "TrainingSettings"]
