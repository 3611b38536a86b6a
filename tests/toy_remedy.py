"""A toy remedy registered for one test: the spec reader, writer and dialog must see it.

``with registered_toy() as toy:`` adds :class:`LabelSmoothing` (a fit-stage remedy
with a number in (0, 0.5]) at the end of :data:`retrain.remedies.REGISTRY` and
removes it afterwards. Nothing outside this module and its registration names it,
which is the point: adding a remedy must touch only its own module.
"""

from __future__ import annotations

from contextlib import contextmanager

from retrain.remedies import REGISTRY
from retrain.remedies.base import Remedy
from retrain.remedies.values import Number


class LabelSmoothing(Remedy):
    name = "toy_label_smoothing"
    title = "Label smoothing (toy)"
    does = "soften the one-hot targets"
    stage = "fit"
    value = Number(lo=0.0, hi=0.5, lo_open=True, default=0.1, editor=(0.01, 0.5, 2, 0.01))

    def describe(self, value, job):
        return [f"{self.name}: {value:g}"]


@contextmanager
def registered_toy():
    toy = REGISTRY.register(LabelSmoothing())
    try:
        yield toy
    finally:
        REGISTRY.unregister(toy.name)
