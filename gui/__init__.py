"""FitLens desktop app (PySide6 + pyqtgraph). Never imports TensorFlow or Keras."""
