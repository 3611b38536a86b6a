"""A last line without a line end: read when whole, left for later when it looks cut.

A writer appends a row and then its line end, so the last line of a log still being
written may be half there. The rule (:func:`analysis.readers.table_notes.cut_reason`):
fewer cells than the header, a last cell that is not a whole number, or a fixed-width
number shorter than the rows before.
"""

from __future__ import annotations

import pytest

import analysis.readers.errors as reader_errors
from analysis.detectors import diagnose
from analysis.readers import load


@pytest.fixture(autouse=True)
def _strict(monkeypatch):
    monkeypatch.setattr(reader_errors, "STRICT", True)


def _fixed_width_log(n: int) -> list[str]:
    """A logger printing %e (fixed-width numbers), rows ending in a line end."""
    rows = ["epoch,accuracy,loss,val_accuracy,val_loss"]
    for e in range(n):
        a = 0.5 + e / 50
        rows.append(f"{e},{a!r},{0.02 / (e + 1) ** 2:e},{a!r},{0.03 / (e + 1) ** 2:e}")
    return rows


def test_cut_last_line_is_not_read(tmp_path):
    """``20,0.9,1`` cut out of ``20,0.9,4.535147e-05,...``: not a row, no false divergence
    from a loss of 1."""
    rows = _fixed_width_log(20) + ["20,0.9,1"]
    p = tmp_path / "partial3.log"
    p.write_text("\n".join(rows))
    (run,) = load(p)
    assert len(run.series["loss"]) == 20 and run.series["loss"].value.max() < 0.03
    assert (
        "last line (line 22) has no line end and looks cut (3 of 5 cells) — still being "
        "written? — not read" in run.notes
    )
    assert not [f for f in diagnose(run) if f.kind == "divergence"]


def test_fixed_width_number_cut_short_is_not_read(tmp_path):
    rows = _fixed_width_log(20) + ["20,0.9,4.535147e-05,0.9,6.8"]
    p = tmp_path / "training.log"
    p.write_text("\n".join(rows))
    (run,) = load(p)
    assert len(run.series["val_loss"]) == 20
    assert any("last cell '6.8' shorter than the 12 characters" in n for n in run.notes)


@pytest.mark.parametrize(
    "last, read",
    [
        ("20,0.9,4.535147e-05,0.9,6.802721e-05", True),  # whole, no final newline
        ("20,0.9,4.535147e-05,0.9,NA", True),  # ends in a missing cell
        ("20,0.9,4.535147e-05,0.9,", True),  # an empty cell: cannot be told from a cut
        ("20,0.9,4.535147e-05,0.9,6.", False),
        ("20,0.9,4.535147e-05,0.9,-", False),
        ("20,0.9,4.535147e-05,0.9,Infin", False),
    ],
)
def test_unterminated_last_line_rule(tmp_path, last, read):
    p = tmp_path / "training.log"
    p.write_text("\n".join(_fixed_width_log(20) + [last]))
    (run,) = load(p)
    assert (run.series["loss"].step[-1] == 20.0) == read
    assert any("has no line end" in n for n in run.notes) == (not read)


def test_repr_floats_without_final_newline_are_read(tmp_path, corpus_dir):
    """A real CSVLogger log (semicolons, repr floats) ends without a newline: its last row
    counts."""
    (run,) = load(corpus_dir / "007_speechdigit_semicolon_model_history_log.csv")
    assert len(run.series["val_loss"]) == 17
    assert run.series["val_loss"].value[-1] == 0.17382508516311646
    assert not any("has no line end" in n for n in run.notes)
