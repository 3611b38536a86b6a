"""Remedies of a retrain job, one module per family.

- :mod:`retrain.remedies.scaling`: ``standardize``;
- :mod:`retrain.remedies.balancing`: resampling of the training split and class weights;
- :mod:`retrain.remedies.regularization`: L2 and dropout on a model's Keras config.

Optimizer and callback remedies (learning rate, gradient clipping, ReduceLROnPlateau,
EarlyStopping, more epochs, batch size) are settings the worker applies.
"""
