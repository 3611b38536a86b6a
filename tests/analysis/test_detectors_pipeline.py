"""The declared detector pipeline: steps report their declared kinds, supersede what they
explain, and a new step is one more line."""

from __future__ import annotations

import dataclasses

import pytest

from analysis import kinds, load
from analysis.detectors import DetectorConfig, diagnose
from analysis.detectors.context import Context
from analysis.detectors.pipeline import PIPELINE, Step, Supersedes, _check_declared, run_steps
from analysis.model import LogReadError


def _runs(zoo_dir, corpus_dir, cases_dir):
    paths = sorted(zoo_dir.glob("*/training.log"))
    paths += sorted(p for p in corpus_dir.iterdir() if p.name[:3].isdigit())
    paths += sorted(cases_dir.glob("case_*.csv")) + sorted(cases_dir.glob("case_*.json"))
    for path in paths:
        try:
            yield from load(path)
        except LogReadError:
            continue


def test_each_step_reports_only_the_kinds_it_declares(zoo_dir, corpus_dir, cases_dir):
    made: set[str] = set()
    for run in _runs(zoo_dir, corpus_dir, cases_dir):
        ctx = Context.build(run, DetectorConfig())
        for step in PIPELINE:
            found = step.detect(ctx)
            assert {f.kind for f in found} <= set(step.kinds), (run.name, step.detect.__name__)
            made |= {f.kind for f in found}
    declared = {k for step in PIPELINE for k in step.kinds}
    assert made == declared  # every step's kinds are seen on real runs
    assert declared | {"not_judged"} == set(kinds.RUN_KINDS)


def test_diagnose_is_the_pipeline(zoo_dir):
    (run,) = load(zoo_dir / "overfit_digits_small" / "training.log")
    assert diagnose(run) == run_steps(run, DetectorConfig())


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("overfit_digits_small", "overfitting"),  # a clear overfitting is no plateau too
        ("stuck_at_50_adam_lr_2", "stuck_at_chance"),  # nor is the flat loss of a stuck run
        ("stuck_majority_unscaled_sgd", "stuck_at_chance"),
    ],
)
def test_a_finding_supersedes_the_plateau_it_explains(zoo_dir, name, kind):
    (run,) = load(zoo_dir / name / "training.log")
    with_rules = run_steps(run, DetectorConfig())
    without = run_steps(
        run, DetectorConfig(), tuple(dataclasses.replace(s, supersedes=()) for s in PIPELINE)
    )
    assert kind in [f.kind for f in with_rules]
    assert "plateau" not in [f.kind for f in with_rules]
    assert ("plateau", "val_loss") in [(f.kind, f.metric) for f in without]


def test_a_new_step_is_one_more_line(zoo_dir):
    (run,) = load(zoo_dir / "healthy_wine" / "training.log")

    def detect_note(ctx):
        v = ctx.views["val_loss"]
        f = ctx.finding("plateau", "critical", v.name, v.x[0], v.x[-1], "m", {}, [], [], 1.0)
        return [f]

    def judge_after(ctx):
        assert ctx.is_superseded("oscillation", "val_loss")
        assert not ctx.is_superseded("oscillation", "loss")
        return []

    steps = (
        Step(detect_note, ("plateau",), (Supersedes(("oscillation",), lambda f: [f.metric]),)),
        *PIPELINE,
        Step(judge_after, ()),
    )
    found = run_steps(run, DetectorConfig(), steps)
    assert (found[0].kind, found[0].severity) == ("plateau", "critical")  # sorted in
    assert found[1:] == diagnose(run)


def test_an_undeclared_kind_is_refused():
    with pytest.raises(KeyError, match="no_such_kind"):
        _check_declared((Step(lambda ctx: [], ("no_such_kind",)),))
    with pytest.raises(KeyError, match="other_kind"):
        _check_declared((Step(lambda ctx: [], ("plateau",), (Supersedes(("other_kind",)),)),))
