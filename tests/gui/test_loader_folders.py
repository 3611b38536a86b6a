"""The window's loader reads folders with analysis.load_many: each unreadable file says why.

QA report 1, item 5: a file that could not be read inside a folder gave no message, and its
"Permission denied" note was attached to another file's run.
"""

from __future__ import annotations

import shutil

from gui.loader import load_path


def test_folder_with_a_damaged_log_shows_that_files_reason(tmp_path, corpus_dir, zoo_dir):
    shutil.copy(corpus_dir / "030_dm2020_overfit_training_log.csv", tmp_path / "training.log")
    raw = (corpus_dir / "050_facerecog_overfit_training_history.json").read_bytes()
    bad = tmp_path / "history.json"
    bad.write_bytes(raw[:100])  # cut off mid-write
    shutil.copy(zoo_dir / "healthy_wine" / "meta.json", tmp_path / "meta.json")
    res = load_path(str(tmp_path))
    assert res.error is None
    # a generic log name directly in the opened folder: the run is named after the folder
    assert [r.name for r in res.runs] == [tmp_path.name]
    assert len(res.runs[0].series["val_loss"]) == 25
    errors = [t for lvl, t in res.messages if lvl == "error"]
    assert len(errors) == 1 and errors[0].startswith(f"{bad}: ") and "not valid JSON" in errors[0]
    skipped = [t for lvl, t in res.messages if lvl == "info" and t.startswith("skipped: ")]
    assert skipped == [
        f"skipped: {tmp_path / 'meta.json'}: no training curves: every list in "
        "the dict is empty (keys: scenario, seed, data, model, optimizer, "
        "learning_rate, epochs, batch_size, ...)"
    ]
    # the damaged file's reason is not attached to the run that was read
    assert not any("history.json" in n for n in res.runs[0].notes)


def test_single_unreadable_file_is_the_result_error(tmp_path, cases_dir):
    res = load_path(str(cases_dir / "case_19_tiny_dataset.csv"))
    assert not res.runs
    assert res.error.startswith(str(cases_dir / "case_19_tiny_dataset.csv"))
    assert "looks like a dataset" in res.error
    assert not [t for lvl, t in res.messages if lvl == "error"]


def test_folder_of_only_damaged_logs_is_an_error_with_each_reason(tmp_path, corpus_dir):
    raw = (corpus_dir / "026_fashionmnist_model_history.json").read_bytes()
    for name in ("a.json", "b.json"):
        (tmp_path / name).write_bytes(raw[:50])
    res = load_path(str(tmp_path))
    assert not res.runs
    assert res.error == (
        f"{tmp_path}: no readable training log in this folder (2 log file(s) could not be read)"
    )
    errors = [t for lvl, t in res.messages if lvl == "error"]
    assert [e.split(":")[0] for e in errors] == [str(tmp_path / "a.json"), str(tmp_path / "b.json")]
