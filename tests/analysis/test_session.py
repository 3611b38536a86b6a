"""The session layer: read inputs, read each fit once, name runs, judge them with the
detector thresholds and the dataset's class count and majority rate, all at once
(``open_inputs``, the CLI) or one step at a time (``Session``, the window)."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
from shared_paths import ROOT

import analysis
from analysis.detectors import diagnose, load_config, with_class_info
from analysis.judge import open_dataset, read_config
from analysis.model import LogReadError
from analysis.session import Session, open_inputs, read_input

THRESHOLDS = ROOT / "resources" / "detectors.toml"


def _stuck(findings):
    return next(f for f in findings if f.kind == "stuck_at_chance")


def _summary(findings):
    return [(f.run, f.kind, f.severity, f.metric, f.start, f.end, f.message) for f in findings]


# -- the dataset context ------------------------------------------------------------------


def test_the_dataset_names_the_majority_rate_in_stuck_at_chance(demo_dir):
    data = pd.read_csv(demo_dir / "data.csv")
    share = data["target"].value_counts(normalize=True).max()
    with_data = open_inputs([demo_dir / "training.log"], demo_dir / "data.csv", "target")
    without = open_inputs([demo_dir / "training.log"])
    wording = f"the dataset's majority-class rate is {share:.4f}"
    assert wording in _stuck(with_data.findings[0]).message
    assert "the dataset's majority-class rate" not in _stuck(without.findings[0]).message
    evidence = _stuck(with_data.findings[0]).evidence
    assert evidence["level"] == "majority_rate"
    assert evidence["lead"]["majority_rate"] == pytest.approx(share)
    kinds = {f.kind for f in with_data.dataset_findings}
    assert {"unscaled_features", "class_imbalance"} <= kinds
    assert without.dataset_findings == [] and with_data.problems == []


def test_a_dataset_opened_later_rejudges_the_open_runs(demo_dir):
    want = open_inputs([demo_dir / "training.log"], demo_dir / "data.csv", "target")
    session = Session()
    reading = session.read(demo_dir / "training.log")
    session.add(reading)
    assert "majority-class rate is" not in _stuck(session.findings[0]).message
    session.set_dataset(open_dataset(demo_dir / "data.csv", "target"))
    assert session.rejudge() == session.runs
    assert _summary(session.findings[0]) == _summary(want.findings[0])
    assert _summary(session.dataset_findings) == _summary(want.dataset_findings)


def test_a_reading_judged_before_the_dataset_arrived_is_judged_again(demo_dir):
    """A worker thread read the log while the dataset was being opened."""
    want = open_inputs([demo_dir / "training.log"], demo_dir / "data.csv", "target")
    session = Session()
    stale = session.read(demo_dir / "training.log")
    session.set_dataset(open_dataset(demo_dir / "data.csv", "target"))
    change = session.add(stale)
    assert _summary(change.findings[0]) == _summary(want.findings[0])


def test_findings_of_a_judge_no_longer_current_are_dropped(demo_dir):
    session = Session()
    session.add(session.read(demo_dir / "training.log"))
    old_judge, runs = session.judge, session.runs
    results = [old_judge.judge(r) for r in runs]
    session.set_dataset(open_dataset(demo_dir / "data.csv", "target"))
    assert session.accept(old_judge, runs, results) == []
    assert "majority-class rate is" not in _stuck(session.findings[0]).message
    current = session.judge
    assert session.accept(current, runs, [current.judge(r) for r in runs]) == runs
    assert "majority-class rate is" in _stuck(session.findings[0]).message


def test_class_info_comes_from_the_validation_part_of_an_npz(tmp_path, demo_dir):
    data = pd.read_csv(demo_dir / "data.csv")
    y = data.pop("target").to_numpy()
    x = data.to_numpy()
    path = tmp_path / "d.npz"
    import numpy as np

    np.savez(path, x_train=x[:300], y_train=y[:300], x_val=x[300:], y_val=y[300:])
    ctx = open_dataset(path)
    assert ctx.n_classes == 2
    assert ctx.majority_rate == pytest.approx(float(np.mean(y[300:] == 0)))


def test_an_unreadable_dataset_is_one_error_and_the_runs_are_judged_without_it(demo_dir, cases_dir):
    session = open_inputs([demo_dir / "training.log"], cases_dir / "nope.csv", "target")
    assert [p.message for p in session.problems] == [f"{cases_dir / 'nope.csv'}: no such file"]
    assert session.dataset is None and session.dataset_findings == []
    assert _summary(session.findings[0]) == _summary(
        diagnose(analysis.load(str(demo_dir / "training.log"))[0])
    )


# -- thresholds ---------------------------------------------------------------------------


def test_thresholds_change_the_findings_and_the_dataset_checks(tmp_path, demo_dir, zoo_dir):
    strict = tmp_path / "strict.toml"
    strict.write_text("[dataset]\nmild_minority = 0.1\n[overfitting]\ncritical_rise = 1000.0\n")
    log = zoo_dir / "overfit_breast_cancer_small" / "training.log"
    run = analysis.load(str(log))[0]
    default = open_inputs([log], demo_dir / "data.csv", "target")
    session = open_inputs([log], demo_dir / "data.csv", "target", read_config(strict))
    want = diagnose(run, with_class_info(load_config(strict), 2, default.dataset.majority_rate))
    assert _summary(session.findings[0]) == _summary(want)
    assert _summary(session.findings[0]) != _summary(default.findings[0])
    assert "class_imbalance" in {f.kind for f in default.dataset_findings}
    assert "class_imbalance" not in {f.kind for f in session.dataset_findings}


def test_a_config_changed_later_rejudges_runs_and_rechecks_the_dataset(tmp_path, demo_dir):
    strict = tmp_path / "strict.toml"
    strict.write_text("[dataset]\nmild_minority = 0.1\n")
    want = open_inputs(
        [demo_dir / "training.log"], demo_dir / "data.csv", "target", read_config(strict)
    )
    session = open_inputs([demo_dir / "training.log"], demo_dir / "data.csv", "target")
    session.set_config(read_config(strict))
    session.rejudge()
    assert _summary(session.dataset_findings) == _summary(want.dataset_findings)
    assert _summary(session.findings[0]) == _summary(want.findings[0])


@pytest.mark.parametrize(
    "text, why",
    [
        (None, "no such file"),
        ("[plateau]\npatience = 'x'\n", "[plateau] patience"),
        ("[", "invalid TOML"),
    ],
)
def test_a_bad_thresholds_file_is_one_line_naming_it(tmp_path, text, why):
    path = tmp_path / "t.toml"
    if text is not None:
        path.write_text(text)
    with pytest.raises(LogReadError) as ei:
        read_config(path)
    assert ei.value.line().startswith(f"{path}: ") and why in ei.value.line()
    assert "\n" not in ei.value.line()


def test_the_bundled_thresholds_file_reads(demo_dir):
    assert read_config(THRESHOLDS) == load_config(THRESHOLDS)


# -- reading, read once, names ------------------------------------------------------------


def test_inputs_added_one_by_one_give_what_open_inputs_gives(corpus_dir, demo_dir):
    paths = [corpus_dir / "tfevents", demo_dir / "training.log"]
    if not paths[0].is_dir():
        pytest.skip("no TensorBoard folder in the corpus")
    want = open_inputs(paths, demo_dir / "data.csv", "target", read_config(THRESHOLDS))
    session = Session(read_config(THRESHOLDS))
    for p in paths:
        session.reserve(str(p))
    readings = [session.read(p) for p in reversed(paths)]  # finished in another order
    session.set_dataset(open_dataset(demo_dir / "data.csv", "target"))
    for reading in readings:
        session.add(reading)
    assert [r.name for r in session.runs] == [r.name for r in want.runs]
    assert [_summary(f) for f in session.findings] == [_summary(f) for f in want.findings]
    assert session.skipped == want.skipped


def test_runs_of_the_same_name_from_several_inputs_are_told_apart_as_they_arrive(tmp_path, zoo_dir):
    logs = []
    for d in ("a", "b", "c"):
        (tmp_path / d / "exp").mkdir(parents=True)
        logs.append(tmp_path / d / "exp" / "training.log")
        shutil.copy(zoo_dir / "healthy_wine" / "training.log", logs[-1])
    session = Session()
    session.add(session.read(logs[0]))
    assert [r.name for r in session.runs] == ["exp"]
    change = session.add(session.read(logs[1]))
    assert [r.name for r in change.runs] == ["b/exp"]
    assert [r.name for r in change.renamed] == ["a/exp"]
    session.add(session.read(logs[2]))
    assert [r.name for r in session.runs] == ["a/exp", "b/exp", "c/exp"]
    assert [r.name for r in session.runs] == [r.name for r in open_inputs(logs).runs]
    assert all(
        f.run == r.name for r, fs in zip(session.runs, session.findings, strict=True) for f in fs
    )
    session.forget(str(logs[1]))
    renamed = session.forget(str(logs[2]))
    assert [r.name for r in renamed] == [r.name for r in session.runs] == ["exp"]
    assert all(f.run == "exp" for f in session.findings[0])


@pytest.mark.parametrize(
    "name, first, kept",
    [
        ("healthy_wine", "training.log", "training.log"),
        ("healthy_wine", "history.json", "history.json"),
        # history.json adds learning_rate: the fuller log of the fit replaces the first
        ("overfit_adam_high_lr_reduce_lr", "training.log", "history.json"),
    ],
)
def test_one_fit_added_as_two_inputs_is_read_once(zoo_dir, name, first, kept):
    d = zoo_dir / name
    second = "history.json" if first == "training.log" else "training.log"
    session = Session()
    session.add(session.read(d / first))
    change = session.add(session.read(d / second))
    assert [r.source for r in session.runs] == [str(d / kept)]
    (other,) = {first, second} - {kept}
    reason = f"{d / other}: same data as {kept} (one fit logged twice): read once"
    assert [x.reason.message for x in change.dropped] == [reason]
    assert [p.message for p in session.skipped] == [reason]


def test_a_growing_log_is_never_replaced_by_its_twin(zoo_dir):
    d = zoo_dir / "overfit_adam_high_lr_reduce_lr"
    session = Session()
    session.add(session.read(d / "training.log"))
    change = session.add(session.read(d / "history.json"), keep={str(d / "training.log")})
    assert [r.source for r in session.runs] == [str(d / "training.log"), str(d / "history.json")]
    assert change.dropped == []


def test_an_input_read_again_keeps_its_unique_name(tmp_path, zoo_dir):
    logs = []
    for d in ("a", "b"):
        (tmp_path / d / "exp").mkdir(parents=True)
        logs.append(tmp_path / d / "exp" / "training.log")
        shutil.copy(zoo_dir / "healthy_wine" / "training.log", logs[-1])
    session = open_inputs(logs)
    change = session.update(read_input(logs[0], session.judge))
    assert [r.name for r in change.runs] == ["a/exp"] and change.renamed == []
    assert all(f.run == "a/exp" for f in change.findings[0])


def test_unreadable_inputs_are_problems_and_the_rest_is_read(tmp_path, demo_dir):
    bad = tmp_path / "bad.json"
    bad.write_text('{"loss": [1, 2,')
    session = open_inputs([bad, demo_dir / "training.log", tmp_path / "missing.log"])
    reading = read_input(bad, session.judge)
    assert reading.failed and not reading.runs
    assert [r.name for r in session.runs] == ["demo"]
    assert [p.source for p in session.problems] == [str(bad), str(tmp_path / "missing.log")]
    assert all(p.message.startswith(p.source + ": ") for p in session.problems)
