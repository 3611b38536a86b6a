"""Rows whose cells do not match the header are not read: ``CSVLogger(append=True)``.

Keras writes the header only into an empty file, so a resumed ``fit()`` that logs other
metrics appends rows of another length under the old names. Such rows are not mapped by
position (that would put values under the wrong names); the note names the lines.
"""

from __future__ import annotations

import pytest

import analysis.readers.errors as reader_errors
from analysis.readers import load


@pytest.fixture(autouse=True)
def _strict(monkeypatch):
    monkeypatch.setattr(reader_errors, "STRICT", True)


APPENDED = (
    "epoch,accuracy,loss,val_accuracy,val_loss\r\n"
    "0,0.6483516693115234,0.6647086143493652,0.7719298005104065,0.5353084802627563\r\n"
    "1,0.800000011920929,0.4648590087890625,0.8947368264198303,0.3903147578239441\r\n"
    "2,0.8835164904594421,0.3529279828071594,0.9385964870452881,0.31030020117759705\r\n"
    "3,0.3384615480899811,0.3895750939846039,1.0483893156051636,0.4385964870452881,"
    "0.7062937021255493,0.8704326152801514\r\n"
    "4,0.47252747416496277,0.6367769837379456,0.7771137356758118,0.6228070259094238,"
    "0.838505208492279,0.6612170934677124\r\n"
    "5,0.6857143044471741,0.8006155490875244,0.594066858291626,0.7894737124443054,"
    "0.9241695404052734,0.5144261717796326\r\n"
)


def test_appended_rows_with_more_cells_are_not_mapped(tmp_path):
    """A second fit with more metrics appended 7-cell rows under a 5-name header: not read."""
    p = tmp_path / "training.log"
    p.write_text(APPENDED, newline="")
    (run,) = load(p)
    assert {k: len(s) for k, s in run.series.items()} == {
        "accuracy": 3,
        "loss": 3,
        "val_accuracy": 3,
        "val_loss": 3,
    }
    assert run.series["val_accuracy"].value.max() < 1.0  # not the second fit's loss (1.048)
    note = next(n for n in run.notes if "not read" in n)
    assert note.startswith("3 row(s) not read (line(s) 5–7): 7 cells where the header has 5")
    assert "CSVLogger(append=True)" in note


def test_rows_with_fewer_cells_are_not_mapped(tmp_path):
    """A second fit that logged fewer metrics: 3-cell rows under a 5-name header."""
    lines = APPENDED.split("\r\n")[:4] + ["3,0.41,0.38", "4,0.39,0.37", "5,0.5,0.3,0.9,0.2", ""]
    p = tmp_path / "training.log"
    p.write_text("\n".join(lines))
    (run,) = load(p)
    assert run.series["loss"].step.tolist() == [0.0, 1.0, 2.0, 5.0]
    assert any(n.startswith("2 row(s) not read (line(s) 5–6): 3 cells") for n in run.notes)


def test_trailing_padding_and_na_extras_are_still_read(tmp_path, corpus_dir):
    """Padding separators (a real log padded with ``,,,``) and extra NA cells are not a
    mismatch."""
    p = tmp_path / "log.csv"
    p.write_text("epoch,loss,val_loss\n0,0.9,0.8,,,\n1,0.8,0.7,NA\n2,0.7,\n")
    (run,) = load(p)
    assert run.series["loss"].value.tolist() == [0.9, 0.8, 0.7]
    assert run.series["val_loss"].value.tolist() == [0.8, 0.7]
    assert not any("not read" in n for n in run.notes)
    runs = load(corpus_dir / "005_allthatjazz_model_history_log.csv")
    assert sum(len(r.series["Loss"]) for r in runs) == 85
