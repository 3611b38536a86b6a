"""How runs are judged: detector thresholds and the dataset the runs were trained on.

A :class:`Judge` pairs the thresholds (:class:`analysis.detectors.DetectorConfig`,
read from a TOML file by :func:`read_config`) with a :class:`DatasetContext`
(:func:`open_dataset`: the dataset checks, and the class count and majority rate
handed to the curve detectors, :func:`analysis.detectors.with_class_info`). The
session layer (:mod:`analysis.session`) judges every open run with one judge, so
``analyze`` and the window say the same about the same inputs.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field

from analysis.dataset_io import Dataset
from analysis.detectors.config import DetectorConfig
from analysis.model import Finding, LogReadError, Run


@dataclass(frozen=True)
class Problem:
    """An input, or a file inside one, that could not be read, or was passed over.

    Attributes
    ----------
    source : str
        The file or folder.
    message : str
        One line starting with the path (``"path: place: reason"``).
    """

    source: str
    message: str

    def to_dict(self) -> dict:
        """``{"source", "message"}``, an entry of ``analyze --json``'s ``errors``/``skipped``."""
        return {"source": self.source, "message": self.message}


@dataclass(frozen=True)
class DatasetContext:
    """A dataset the runs were trained on, read once: its findings and class statistics.

    Attributes
    ----------
    source : str
        The dataset file.
    label : str or None
        Its label column (tables).
    contents : Dataset
    config : DetectorConfig or None
        The thresholds its findings were checked with.
    findings : tuple of Finding
        The dataset checks (:func:`analysis.dataset.check_loaded`).
    n_classes : int or None
        Number of classes; None for a regression target.
    majority_rate : float or None
        Share of the most frequent class (validation part when the file has one).
    """

    source: str
    label: str | None
    contents: Dataset = field(repr=False)
    config: DetectorConfig | None
    findings: tuple[Finding, ...]
    n_classes: int | None
    majority_rate: float | None

    def rechecked(self, config: DetectorConfig | None) -> DatasetContext:
        """The same dataset checked with other thresholds."""
        from analysis.dataset import check_loaded

        findings = tuple(check_loaded(self.contents, config))
        return dataclasses.replace(self, config=config, findings=findings)


def open_dataset(
    path: str | os.PathLike, label: str | None = None, config: DetectorConfig | None = None
) -> DatasetContext:
    """Read a dataset (:func:`analysis.dataset_io.read_dataset`) and check it.

    Parameters
    ----------
    path : str or path-like
        A table with a label column, or an ``.npz``.
    label : str, optional
        Label column of a table.
    config : DetectorConfig, optional
        Thresholds of the dataset checks (``config.dataset``).

    Raises
    ------
    LogReadError
        The file cannot be read or checked; one line naming it.
    """
    from analysis.dataset import check_loaded
    from analysis.dataset_io import read_dataset
    from analysis.dataset_labels import dataset_class_info

    path = os.fspath(path)
    try:
        contents = read_dataset(path, label)
        findings = tuple(check_loaded(contents, config))
    except LogReadError:
        raise
    except (OSError, ValueError) as exc:
        raise LogReadError(path, str(exc)) from None
    except Exception as exc:  # a checker bug must not become a traceback
        raise LogReadError(path, f"could not be checked ({type(exc).__name__}: {exc})") from None
    n_classes, majority_rate = dataset_class_info(contents)
    return DatasetContext(path, label, contents, config, findings, n_classes, majority_rate)


def read_config(path: str | os.PathLike) -> DetectorConfig:
    """Detector thresholds from a TOML file (:func:`analysis.detectors.load_config`).

    Raises
    ------
    LogReadError
        The file cannot be opened, or holds invalid TOML, unknown keys or wrong
        types; one line naming the file.
    """
    from analysis.detectors import load_config

    try:
        return load_config(path)
    except (OSError, ValueError) as exc:
        why = "no such file" if isinstance(exc, FileNotFoundError) else exc
        why = getattr(why, "strerror", None) or why  # no "[Errno N]" noise
        raise LogReadError(os.fspath(path), str(why)) from None


@dataclass(frozen=True)
class Judge:
    """How runs are judged: detector thresholds and the dataset context.

    Immutable, so a worker thread can judge with one while the session moves on to
    another; :meth:`Session.accept` drops findings of a judge no longer current.
    """

    config: DetectorConfig | None = None
    dataset: DatasetContext | None = None

    def detector_config(self) -> DetectorConfig | None:
        """The thresholds with the dataset's class count and majority rate filled in."""
        if self.dataset is None:
            return self.config
        from analysis.detectors import with_class_info

        return with_class_info(self.config, self.dataset.n_classes, self.dataset.majority_rate)

    def judge(self, run: Run) -> tuple[list[Finding], Problem | None]:
        """The findings of one run (:func:`analysis.detectors.diagnose`), or none and the
        problem when a detector fails (the run's curves stay usable)."""
        from analysis.detectors import diagnose

        try:
            return list(diagnose(run, self.detector_config())), None
        except Exception as exc:
            why = f"{run.source}: diagnosis failed ({type(exc).__name__}: {exc})"
            return [], Problem(run.source, why)


__all__ = ["DatasetContext", "Judge", "Problem", "open_dataset", "read_config"]
