"""The kind registry (:mod:`analysis.kinds`) is the one list of finding kinds.

Every kind the detectors and the dataset checks report on real inputs is declared, with a
severity the declaration allows; the README names exactly the declared kinds; titles and
report order come from the registry.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from shared_paths import ROOT

from analysis import kinds, load
from analysis.dataset import check_arrays
from analysis.detectors import KINDS, diagnose
from analysis.model import Finding, LogReadError
from analysis.report import render_finding


def _real_findings(zoo_dir, corpus_dir, cases_dir):
    paths = sorted(zoo_dir.glob("*/training.log")) + sorted(zoo_dir.glob("*/history.json"))
    paths += sorted(p for p in corpus_dir.iterdir() if p.name[:3].isdigit())
    paths += sorted(cases_dir.glob("case_*.csv")) + sorted(cases_dir.glob("case_*.json"))
    for path in paths:
        try:
            runs = load(path)
        except LogReadError:
            continue
        for run in runs:
            yield from diagnose(run)


def test_every_reported_kind_is_declared_with_an_allowed_severity(zoo_dir, corpus_dir, cases_dir):
    seen: dict[str, set[str]] = {}
    for f in _real_findings(zoo_dir, corpus_dir, cases_dir):
        kind = kinds.get(f.kind)
        assert kind.source != "dataset", f.kind
        assert f.severity in kind.severities, (f.kind, f.severity, f.message)
        seen.setdefault(f.kind, set()).add(f.severity)
    # the real inputs exercise every curve kind, so the check above means something
    assert set(seen) == set(kinds.RUN_KINDS), set(kinds.RUN_KINDS) - set(seen)
    # a kind that always has one severity is reported with its default
    for name, severities in seen.items():
        if len(kinds.get(name).severities) == 1:
            assert severities == {kinds.get(name).severity}, name


def test_every_dataset_kind_is_declared():
    rng = np.random.default_rng(0)
    n = 200
    x = pd.DataFrame(
        {
            "area": rng.normal(5e4, 1e4, n),  # unscaled next to the others
            "ratio": rng.normal(0.5, 0.1, n),
            "const": np.ones(n),
            "gap": np.where(np.arange(n) % 10 == 0, np.nan, 1.0) * rng.normal(1, 0.1, n),
        }
    )
    y = (np.arange(n) % 20 == 0).astype(int)  # 5 % minority
    found = check_arrays(x, y, x.iloc[:50], y[:50])
    found += check_arrays(x, rng.normal(0, 1, n))  # a regression target as the label
    reported = {f.kind for f in found}
    assert reported == set(kinds.DATASET_KINDS)
    for f in found:
        assert f.severity in kinds.get(f.kind).severities, (f.kind, f.severity)


def test_the_readme_names_exactly_the_declared_kinds():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    para = text[text.index("Findings (`kind`)") :]
    para = para[: para.index("Each has a")]
    assert set(re.findall(r"`([a-z_]+)`", para)) - {"kind"} == set(kinds.BY_NAME)


def test_diagnose_reports_the_run_kinds_in_registry_order():
    assert KINDS == kinds.RUN_KINDS
    assert KINDS[-1] == "not_judged"  # the summary of what was not judged comes last
    assert [kinds.order(k) for k in KINDS] == sorted(kinds.order(k) for k in KINDS)
    assert kinds.order("no_such_kind") > kinds.order("label_not_categorical")


def test_titles_come_from_the_registry():
    assert kinds.title("non_finite") == "NaN / inf values"
    assert kinds.title("train_val_overlap") == "Train/validation overlap"
    assert kinds.title("some_new_kind") == "Some new kind"
    stuck = kinds.get("stuck_at_chance")
    assert stuck.title_for("chance", collapsed=True) == "Collapsed to chance"
    assert stuck.title_for("below_chance", collapsed=True) == "Accuracy frozen below chance"
    bare = Finding("stuck_at_chance", "critical", "r", "val_acc", 0, 9, "m", {"rule": "chance"})
    assert kinds.finding_title(bare) == "Stuck at chance"
    own = Finding("stuck_at_chance", "critical", "r", "val_acc", 0, 9, "m", {"title": " T "})
    assert kinds.finding_title(own) == "T"
    plain = Finding("plateau", "info", "r", "val_loss", 0, 9, "m", {"title": "ignored"})
    assert kinds.finding_title(plain) == "Plateau"


@pytest.mark.parametrize(("kind", "shown"), [("not_judged", False), ("plateau", True)])
def test_the_text_report_shows_a_confidence_for_findings_not_for_notes(kind, shown):
    f = Finding(kind, "info", "r", "val_loss", 0, 9, "m", {}, confidence=0.5)
    assert ("(confidence 0.50)" in render_finding(f)) is shown
