"""FitLens analysis: log readers, the run model, metric naming, detectors, reports.

Pure Python over numpy/pandas: never imports Qt, pyqtgraph, TensorFlow or Keras.
"""

from __future__ import annotations

from analysis.model import Finding, LogReadError, Run, Series
from analysis.readers import load, load_many

__all__ = ["Finding", "LogReadError", "Run", "Series", "load", "load_many"]
