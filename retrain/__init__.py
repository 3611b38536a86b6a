"""FitLens retraining: specs, remedies, the worker process and its protocol.

Never imports Qt. TensorFlow/Keras are imported only inside the worker process
(``python -m retrain.worker SPEC``), never at package import.
"""
