"""A wrong ``--label`` is a one-line error that lists the columns and suggests the close
one, worded the same by ``analyze --data`` and by the retrain checks.

Inputs: the demo dataset and scikit-learn's digits (64 pixel columns + target).
"""

from __future__ import annotations

import csv

import pytest

from analysis.dataset import check_frame
from analysis.dataset_io import read_dataset
from analysis.model import LogReadError


def test_wrong_label_lists_every_column_and_suggests_the_right_case(demo_dir):
    data = demo_dir / "data.csv"
    with open(data, newline="") as fh:
        cols = next(csv.reader(fh))
    with pytest.raises(LogReadError) as ei:
        read_dataset(data, "Target")
    msg = str(ei.value)
    assert msg.startswith(f"{data}: no column 'Target'; did you mean 'target'? ")
    assert f"({len(cols)} columns: {', '.join(cols)})" in msg
    assert "more" not in msg and "\n" not in msg


def test_wrong_label_on_a_wide_dataset_says_how_many_more(tmp_path):
    from sklearn.datasets import load_digits

    from analysis.dataset_io import MAX_LISTED_COLUMNS

    df = load_digits(as_frame=True).frame  # 64 pixel columns + target
    path = tmp_path / "digits.csv"
    df.to_csv(path, index=False)
    with pytest.raises(LogReadError) as ei:
        read_dataset(path, "Targt")
    msg = str(ei.value)
    n = df.shape[1]
    assert "did you mean 'target'?" in msg
    assert f"({n} columns: " in msg and f", ... and {n - MAX_LISTED_COLUMNS} more)" in msg
    with pytest.raises(ValueError, match="did you mean 'target'"):
        check_frame(df, "TARGET")


def test_wrong_label_wording_matches_retrain(demo_dir, tmp_path):
    # the retrain command checks the same label the same way (retrain.data.check_data)
    from sklearn.datasets import load_digits

    from retrain.data import check_data
    from retrain.errors import RetrainError
    from retrain.spec import DataSpec

    wide = tmp_path / "digits.csv"
    load_digits(as_frame=True).frame.to_csv(wide, index=False)
    for path, label in ((demo_dir / "data.csv", "Target"), (wide, "Targt"), (wide, "zzz")):
        with pytest.raises(RetrainError) as r_err:
            check_data(DataSpec(path=path, label=label))
        with pytest.raises(LogReadError) as a_err:
            read_dataset(path, label)
        assert a_err.value.reason == r_err.value.reason


def test_wrong_label_on_the_command_line(capsys, demo_dir, zoo_dir):
    from analysis.cli import main

    rc = main(
        [
            "--data",
            str(demo_dir / "data.csv"),
            "--label",
            "Target",
            str(zoo_dir / "healthy_wine" / "training.log"),
        ]
    )
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2
    assert any("no column 'Target'; did you mean 'target'? (31 columns:" in e for e in err)
