"""Finding kinds: each one declared once, with its title, default severity and what it claims.

:attr:`analysis.model.Finding.kind` is part of the JSON interface (``analyze --json``).
Everything that lists kinds reads them from :data:`KINDS`: the order
:func:`analysis.detectors.diagnose` reports findings in (within one severity), the
titles the GUI shows (:mod:`gui.findings_panel`, the plot's span labels), the text
report (:mod:`analysis.report`) and the tests that keep the README's list honest.

Adding a kind: one :class:`Kind` entry below, in the place it should be reported
(curve kinds before the ``not_judged`` summary; dataset kinds last).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

from analysis.model import Finding, Severity

Source = Literal["curves", "diagnosis", "dataset"]


@dataclass(frozen=True, eq=False)
class Kind:
    """One finding kind.

    Attributes
    ----------
    name : str
        The code in :attr:`analysis.model.Finding.kind` (JSON, CLI, tests).
    title : str
        What a person reads as the finding's heading (GUI list, details, plot labels).
    severity : {"info", "warning", "critical"}
        The severity a finding of this kind gets unless its evidence raises or lowers
        it (the detector's docstring gives the rule).
    severities : tuple of str
        Every severity the evidence can give it.
    claims : str
        One line: what a finding of this kind says about the run or the data.
    source : {"curves", "diagnosis", "dataset"}
        ``curves``: a detector of :mod:`analysis.detectors` read it off the logged
        series; ``diagnosis``: a note about the diagnosis itself (what could not be
        judged), shown without a confidence; ``dataset``: a check of
        :mod:`analysis.dataset` on the data file (``--data``).
    titles : Mapping[str, str]
        Headings made specific by the evidence, keyed by ``evidence["level"]``
        (``collapsed:<level>`` when the detector says the curve fell into that level
        from above); see :func:`finding_title`.
    levels_by_rule : Mapping[str, str]
        For findings without ``evidence["level"]``: the level that the detector's
        ``evidence["rule"]`` implies.
    """

    name: str
    title: str
    severity: Severity
    severities: tuple[Severity, ...]
    claims: str
    source: Source = "curves"
    titles: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    levels_by_rule: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    def title_for(self, level: str, collapsed: bool = False) -> str:
        """The heading for a finding at ``level`` (``collapsed``: it fell into it from above)."""
        if collapsed and f"collapsed:{level}" in self.titles:
            return self.titles[f"collapsed:{level}"]
        return self.titles.get(level, self.title)


_ALL: tuple[Severity, ...] = ("info", "warning", "critical")

#: Every finding kind, in the order findings of one severity are reported.
KINDS: tuple[Kind, ...] = (
    Kind(
        "non_finite",
        "NaN / inf values",
        "critical",
        _ALL,
        "a metric holds NaN/inf values: where they start, how many, what came before",
    ),
    Kind(
        "divergence",
        "Divergence",
        "critical",
        ("warning", "critical"),
        "a loss spikes, runs away from its best, overflows, or falls without bound below 0",
    ),
    Kind(
        "stuck_at_chance",
        "Stuck at chance",
        "critical",
        ("warning", "critical"),
        "the model predicts one class for every sample, or guesses: accuracy frozen at the "
        "majority-class rate, pinned at 1/K, frozen below chance, or collapsed partway",
        titles=MappingProxyType(
            {
                "majority_rate": "Stuck at the majority-class rate",
                "chance": "Stuck at chance",
                "below_chance": "Accuracy frozen below chance",
                "collapsed:majority_rate": "Collapsed to the majority-class rate",
                "collapsed:chance": "Collapsed to chance",
            }
        ),
        levels_by_rule=MappingProxyType(
            {
                "frozen": "majority_rate",
                "one_class_f1": "majority_rate",
                "chance": "chance",
                "below_chance": "below_chance",
            }
        ),
    ),
    Kind(
        "suspicious_zero_loss",
        "Suspicious zero loss",
        "warning",
        ("warning",),
        "a loss is exactly 0.0 for a stretch: a label leak, one-class data or a masked loss",
    ),
    Kind(
        "overfitting",
        "Overfitting",
        "warning",
        _ALL,
        "validation got worse than its best while training still improved",
    ),
    Kind(
        "oscillation",
        "Oscillation",
        "warning",
        ("warning",),
        "a loss or score swings up and down in large steps for a sustained stretch",
    ),
    Kind(
        "plateau",
        "Plateau",
        "warning",
        ("info", "warning"),
        "the monitored metric has not improved by min_delta for patience evaluations",
    ),
    Kind(
        "slow_convergence",
        "Slow convergence",
        "info",
        ("info", "warning"),
        "the metric was still improving steadily when training ended",
    ),
    Kind(
        "lr_cut_while_improving",
        "Lr cut while improving",
        "warning",
        ("warning",),
        "ReduceLROnPlateau cut the learning rate although the monitored score improved",
    ),
    Kind(
        "not_judged",
        "Not judged",
        "info",
        ("info",),
        "what could not be judged on which series, and why",
        source="diagnosis",
    ),
    Kind(
        "class_imbalance",
        "Class imbalance",
        "warning",
        _ALL,
        "one class is much rarer than a balanced share (or the labels hold a single class)",
        source="dataset",
    ),
    Kind(
        "unscaled_features",
        "Unscaled features",
        "warning",
        _ALL,
        "feature scales differ by orders of magnitude, are large, or are not numeric",
        source="dataset",
    ),
    Kind(
        "missing_values",
        "Missing values",
        "critical",
        ("critical",),
        "features or labels have missing values (a NaN input makes the loss NaN)",
        source="dataset",
    ),
    Kind(
        "constant_features",
        "Constant features",
        "info",
        ("info", "warning"),
        "features that never change and carry no information",
        source="dataset",
    ),
    Kind(
        "train_val_overlap",
        "Train/validation overlap",
        "warning",
        ("warning", "critical"),
        "validation rows also appear, identical, in the training data (leakage)",
        source="dataset",
    ),
    Kind(
        "label_not_categorical",
        "Label not categorical",
        "critical",
        ("critical",),
        "the label column looks like a regression target, not classes",
        source="dataset",
    ),
)

BY_NAME: Mapping[str, Kind] = MappingProxyType({k.name: k for k in KINDS})

#: Names of the kinds :func:`analysis.detectors.diagnose` can report, in report order.
RUN_KINDS: tuple[str, ...] = tuple(k.name for k in KINDS if k.source != "dataset")

#: Names of the kinds the dataset checks (:mod:`analysis.dataset`) can report.
DATASET_KINDS: tuple[str, ...] = tuple(k.name for k in KINDS if k.source == "dataset")


def get(name: str) -> Kind:
    """The declared kind ``name``.

    Raises
    ------
    KeyError
        ``name`` is not declared in :data:`KINDS`.
    """
    return BY_NAME[name]


def order(name: str) -> int:
    """Position of kind ``name`` in :data:`KINDS` (99 for an unknown kind: reported last)."""
    kind = BY_NAME.get(name)
    return KINDS.index(kind) if kind is not None else 99


def title(name: str) -> str:
    """The heading of kind ``name``; an undeclared kind in words (``some_kind`` -> ``Some kind``)."""
    kind = BY_NAME.get(name)
    return kind.title if kind is not None else name.replace("_", " ").capitalize()


def finding_title(f: Finding) -> str:
    """The heading of one finding: its kind's title, made specific by its evidence.

    The detector's own ``evidence["title"]`` when it wrote one; else the kind's title for
    ``evidence["level"]``, or for the level that ``evidence["rule"]`` (or
    ``evidence["lead"]["rule"]``) implies (:attr:`Kind.levels_by_rule`); else the kind's
    title. A ``stuck_at_chance`` finding whose frozen accuracy is the majority-class rate
    reads "Stuck at the majority-class rate".
    """
    kind = BY_NAME.get(f.kind)
    if kind is None or not kind.titles:
        return title(f.kind)
    ev = f.evidence if isinstance(f.evidence, dict) else {}
    own = ev.get("title")
    if isinstance(own, str) and own.strip():
        return own.strip()
    lead = ev.get("lead") if isinstance(ev.get("lead"), dict) else {}
    level = ev.get("level") or kind.levels_by_rule.get(ev.get("rule") or lead.get("rule"))
    if level in kind.titles:
        return kind.titles[level]
    return kind.title


def shows_confidence(name: str) -> bool:
    """False for notes about the diagnosis itself (``not_judged``), which carry no confidence."""
    kind = BY_NAME.get(name)
    return kind is None or kind.source != "diagnosis"
