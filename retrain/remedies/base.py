"""What a remedy is: its declaration (name, value type, text) and the action of its stage.

A remedy is a subclass of :class:`Remedy` that sets the declared attributes and
overrides the action of its :attr:`~Remedy.stage`; one instance is registered in
:data:`retrain.remedies.REGISTRY`. Actions import TensorFlow, scikit-learn or
imbalanced-learn only inside their bodies, so the GUI can import every remedy for
its texts and value boxes without loading them.

Stages, in the order a job applies them:

``data``
    Arrays of the training split, before training (:meth:`Remedy.apply_to_data`).
``model``
    The model's Keras config before it is built (:meth:`Remedy.edit_model`).
``compile``, ``fit``
    Training settings: learning rate, gradient clipping, epochs, batch size
    (:meth:`Remedy.adjust`; :meth:`Remedy.compile_metrics` adds logged metrics).
``callback``
    Keras callbacks (:meth:`Remedy.callbacks`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from retrain.remedies.values import ValueType

STAGES: tuple[str, ...] = ("data", "model", "compile", "fit", "callback")


@dataclass
class TrainingSettings:
    """The settings a job trains with: ``[train]``'s, then adjusted by the remedies.

    Attributes
    ----------
    optimizer : str
    learning_rate : float
    clipnorm : float or None
        Gradient clipping by norm (``keras.optimizers.Optimizer(clipnorm=...)``).
    epochs, batch_size : int
    """

    optimizer: str
    learning_rate: float
    epochs: int
    batch_size: int
    clipnorm: float | None = None


class Remedy:
    """One remedy, declared once.

    Class attributes (declared by each remedy)
    ------------------------------------------
    name : str
        The key under ``[remedies]`` and the name findings use
        (:attr:`analysis.model.Finding.remedies`).
    title : str
        What the user reads: the findings panel's remedy line and the dialog's check box.
    does : str
        What the job will do, in a few words (after the title in the findings panel,
        the check box's tooltip).
    stage : {"data", "model", "compile", "fit", "callback"}
    value : ValueType
        How the value is written, validated and edited (:mod:`retrain.remedies.values`).
    exclusive : str or None
        At most one remedy of this group in a spec (``"resampling"``).
    alternatives : str or None
        Remedies for the same problem: the dialog pre-ticks only the first a finding names.
    logged_keys : tuple of str
        Keys the job logs in addition when this remedy is on (callbacks may watch them).
    logged_note : str
        What those keys are, for the error when a callback watches one without the remedy.
    default_monitor : str or None
        What callbacks watch by default when this remedy is on (None: ``val_loss``).
    keras_callback : str or None
        Name of the Keras callback a callback-stage remedy adds (the ``started`` message).
    """

    name: str = ""
    title: str = ""
    does: str = ""
    stage: str = "data"
    value: ValueType
    exclusive: str | None = None
    alternatives: str | None = None
    logged_keys: tuple[str, ...] = ()
    logged_note: str = ""
    default_monitor: str | None = None
    keras_callback: str | None = None

    def __repr__(self) -> str:
        return f"<remedy {self.name}>"

    def is_on(self, value: Any) -> bool:
        """True for a value that turns the remedy on (not None, not False)."""
        return value is not None and value is not False

    # -- checks before anything is loaded ----------------------------------------------
    def check_data(self, value: Any, data: Any, source: str) -> None:
        """Refuse data this remedy cannot work on, before the job claims a folder.

        Parameters
        ----------
        data : retrain.preflight.DataShape
            What the model will be fed (exactly, or bounds).
        source : str
            The spec file, named in the error.

        Raises
        ------
        RetrainError
            ``kind="remedy"``.
        """

    # -- actions, by stage ---------------------------------------------------------------
    def apply_to_data(self, prep: Any, value: Any, ds: Any, seed: int) -> None:
        """Data stage: change ``prep`` (a :class:`retrain.preparation.Prepared`) in place.

        ``ds`` is the :class:`retrain.data.TrainingData` as split; ``seed`` the job's seed.
        Only the training split may be resampled; the validation split is only
        transformed with statistics of the training split.
        """

    def edit_model(self, config: dict, value: Any) -> tuple[dict, str]:
        """Model stage: a changed copy of the Keras model config, and what was done in words."""
        return config, ""

    def adjust(self, settings: TrainingSettings, value: Any) -> None:
        """Compile and fit stages: change the training settings in place."""

    def compile_metrics(self, keras: Any, plan: dict, value: Any) -> list:
        """Metrics to compile in addition (they log :attr:`logged_keys`)."""
        return []

    def callbacks(self, keras: Any, value: Any) -> list:
        """Callback stage: the Keras callbacks this remedy adds."""
        return []

    def callback_settings(self, value: Any) -> dict | None:
        """The callback's arguments for the ``started`` message (callback stage)."""
        if self.keras_callback is None:
            return None
        return {"name": self.keras_callback, **asdict(value)}

    # -- what was done ---------------------------------------------------------------------
    def describe(self, value: Any, job: Any) -> list[str]:
        """What the remedy did in this job, one line each (shown before training).

        ``job`` has ``spec``, ``ds`` (the dataset as split) and ``prep`` (the prepared
        arrays). Model-stage remedies say what they did from :meth:`edit_model`, which
        alone knows the layers it changed.
        """
        return []
