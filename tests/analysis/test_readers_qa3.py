"""QA round 3 reader bugs: bulk path = line parser, cut last lines, append=True rows, W&B runs.

Inputs are generated here in the layouts the QA tester (and Keras/W&B) wrote them:
a CSVLogger file of ``fit(validation_freq=5)`` (``val_loss`` empty in 4 of 5 epochs,
CRLF), a step log evaluated every 1000 steps, a log still being written (last line cut),
a ``CSVLogger(append=True)`` file whose second fit logged more metrics (Keras appends
longer rows under the old header), and a W&B chart export comparing two runs.
"""

from __future__ import annotations

import numpy as np
import pytest

import analysis.readers.errors as reader_errors
from analysis.detectors import diagnose
from analysis.readers import LogTail, load, table_bulk

FAST_OFF = 1 << 62


@pytest.fixture(autouse=True)
def _strict(monkeypatch):
    monkeypatch.setattr(reader_errors, "STRICT", True)


@pytest.fixture
def bulk_calls(monkeypatch):
    """Records what every fast_numeric_csv call returned (None = went to the line parser)."""
    calls = []
    orig = table_bulk.fast_numeric_csv

    def spy(*a, **kw):
        t = orig(*a, **kw)
        calls.append(t)
        return t

    monkeypatch.setattr(table_bulk, "fast_numeric_csv", spy)
    return calls


def _read(path, monkeypatch, threshold):
    monkeypatch.setattr(table_bulk, "FAST_MIN_BYTES", threshold)
    return load(path)


def _same_runs(a, b) -> None:
    assert [r.name for r in a] == [r.name for r in b]
    for ra, rb in zip(a, b, strict=True):
        assert ra.format == rb.format
        assert ra.notes == rb.notes
        assert ra.segments == rb.segments
        assert ra.step_kind == rb.step_kind
        assert ra.meta == rb.meta
        assert list(ra.series) == list(rb.series)
        for name, sa in ra.series.items():
            sb = rb.series[name]
            np.testing.assert_array_equal(sa.step, sb.step, err_msg=name)
            np.testing.assert_array_equal(sa.value, sb.value, err_msg=name)  # NaN == NaN here
            np.testing.assert_array_equal(sa.segments, sb.segments, err_msg=name)
            if sa.epoch is None:
                assert sb.epoch is None
            else:
                np.testing.assert_array_equal(sa.epoch, sb.epoch, err_msg=name)


def _csvlogger_rows(n: int, freq: int = 5, *, val="", seed: int = 0) -> list[str]:
    """CSVLogger of fit(validation_freq=freq): val cells only when (epoch + 1) % freq == 0."""
    rng = np.random.default_rng(seed)
    rows = ["epoch,accuracy,loss,lr,val_accuracy,val_loss"]
    for e in range(n):
        a, lo, va, vl = (float(x) for x in rng.random(4).astype(np.float32))
        if (e + 1) % freq == 0:
            rows.append(f"{e},{a!r},{lo!r},0.001,{va!r},{vl!r}")
        else:
            rows.append(f"{e},{a!r},{lo!r},0.001,{val},{val}")
    return rows


# Each variant: rows of a CSVLogger file with one oddity, and whether pandas' bulk path
# can read it (False: the file goes to the line parser, which decides row by row).
def _variants():
    base = _csvlogger_rows(400)
    v = {}
    v["empty cells"] = (base, True)
    v["NA cells"] = (_csvlogger_rows(400, val="NA"), True)
    r = list(base)
    r[7] = "6,inf,-inf,0.001,,"
    r[8] = "7,0.5,Infinity,0.001,,"
    v["inf cells"] = (r, True)
    r = list(base)
    r[60] = "59,nan,nan,0.001,,"
    v["nan text"] = (r, False)
    r = list(base)
    r[3] = "2,0.5,,0.001,,"  # a missing train cell in the middle
    v["middle empty cell"] = (r, True)
    r = list(base)
    r[201] = r[200]
    v["duplicated line"] = (r, False)
    r = list(base)
    r[300] = "299,0.5,0.4"
    v["short row"] = (r, False)
    r = list(base)
    r[300] = "299,0.5,0.4,0.001,0.6,0.7,0.9"
    v["long row"] = (r, False)
    r = list(base)
    r.insert(250, "")
    v["blank line"] = (r, False)
    r = [ln.replace(",", ";") for ln in base]
    v["semicolons"] = (r, True)
    r = ["," + base[0].split(",", 1)[1]] + [
        f"{i}," + ln.split(",", 1)[1] for i, ln in enumerate(base[1:])
    ]
    v["pandas index column"] = (r, True)
    v["dense"] = (_csvlogger_rows(400, freq=1), True)
    return v


VARIANTS = _variants()


@pytest.mark.parametrize("eol", ["\n", "\r\n"])
@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
@pytest.mark.parametrize("variant", list(VARIANTS))
def test_fast_path_equals_line_parser(tmp_path, monkeypatch, bulk_calls, variant, eol, bom):
    """The bulk path (pandas) and the line parser give the same runs, values, missing
    cells and notes for the same content (QA3 bug 1: empty cells became NaN values)."""
    rows, bulk_ok = VARIANTS[variant]
    p = tmp_path / "training.log"
    p.write_bytes(bom + (eol.join(rows) + eol).encode())
    line = _read(p, monkeypatch, FAST_OFF)
    assert bulk_calls == []
    fast = _read(p, monkeypatch, 0)
    assert len(bulk_calls) == 1 and (bulk_calls[0] is not None) == bulk_ok
    _same_runs(fast, line)
    (run,) = fast
    assert ("CRLF line endings" in run.notes) == (eol == "\r\n")
    assert ("text encoding UTF-8 with BOM (byte-order mark)" in run.notes) == bool(bom)
    if variant in ("empty cells", "NA cells"):
        vl = run.series["val_loss"]
        assert len(vl) == 80 and vl.n_nonfinite == 0
        assert vl.step[:3].tolist() == [4.0, 9.0, 14.0]
        assert run.meta["validation_freq"] == 5


@pytest.mark.parametrize(
    "last",
    [
        "399,0.5,0.4,0.001,0.6,0.7",  # a whole row: read
        "399,0.5,0.4,0.001,,",  # a whole row with empty val cells: read
        "399,0.5,0.4",  # cut inside the row
        "399,0.5,0.4,0.001,0.6,7.1e-",  # cut inside a number
    ],
)
def test_fast_path_equals_line_parser_on_an_unterminated_last_line(
    tmp_path, monkeypatch, bulk_calls, last
):
    rows = _csvlogger_rows(399) + [last]
    p = tmp_path / "training.log"
    p.write_text("\r\n".join(rows), newline="")
    line = _read(p, monkeypatch, FAST_OFF)
    fast = _read(p, monkeypatch, 0)
    _same_runs(fast, line)
    (run,) = fast
    cut = any("has no line end" in n for n in run.notes)
    assert cut == (last.count(",") < 5 or last.endswith("e-"))
    assert run.series["loss"].step[-1] == (398.0 if cut else 399.0)
    assert (bulk_calls[0] is not None) == (not cut)


def test_big_csvlogger_with_validation_freq_is_not_nan(tmp_path, bulk_calls):
    """QA3 repro big_csvlogger.log: > 1 MiB, 32 metrics, val_loss every 5th epoch, CRLF."""
    head = "epoch,loss," + ",".join(f"m{i}" for i in range(30)) + ",val_loss"
    rows = [head]
    for e in range(3000):
        ms = ",".join(f"{0.5 + i / 1000:.12f}" for i in range(30))
        val = f"{1 / (1 + e / 20):.10f}" if (e + 1) % 5 == 0 else ""
        rows.append(f"{e},{1 / (1 + e / 100):.10f},{ms},{val}")
    p = tmp_path / "training.log"
    p.write_bytes(("\r\n".join(rows) + "\r\n").encode())
    assert p.stat().st_size >= table_bulk.FAST_MIN_BYTES
    (run,) = load(p)
    assert bulk_calls and bulk_calls[0] is not None  # pandas' bulk path read it
    vl = run.series["val_loss"]
    assert len(vl) == 600 and vl.n_nonfinite == 0
    assert "CRLF line endings" in run.notes
    assert any("matches fit(validation_freq=5)" in n for n in run.notes)
    assert not [f for f in diagnose(run) if f.kind == "non_finite"]


def test_big_step_log_with_sparse_eval_is_not_nan(tmp_path, bulk_calls):
    """QA3 repro huge.csv: step,loss,val_loss with an eval every 1000 steps."""
    n = 120_000
    steps = np.arange(n)
    loss = 1.0 / (1.0 + steps / 5000.0)
    lines = ["step,loss,val_loss"] + [
        f"{s},{v:.6f},{v + 0.01:.6f}" if s % 1000 == 0 else f"{s},{v:.6f},"
        for s, v in zip(steps.tolist(), loss.tolist(), strict=True)
    ]
    p = tmp_path / "huge.csv"
    p.write_text("\n".join(lines) + "\n")
    assert p.stat().st_size >= table_bulk.FAST_MIN_BYTES
    (run,) = load(p)
    assert bulk_calls and bulk_calls[0] is not None
    vl = run.series["val_loss"]
    assert len(vl) == 120 and vl.n_nonfinite == 0
    assert vl.step[:3].tolist() == [0.0, 1000.0, 2000.0]
    assert len(run.series["loss"]) == n
    assert not [f for f in diagnose(run) if f.kind == "non_finite"]


# -- a last line still being written (QA3 bug 2) -----------------------------------


def _fixed_width_log(n: int) -> list[str]:
    """Like the QA's partial3.log: a logger printing %e, rows ending in a line end."""
    rows = ["epoch,accuracy,loss,val_accuracy,val_loss"]
    for e in range(n):
        a = 0.5 + e / 50
        rows.append(f"{e},{a!r},{0.02 / (e + 1) ** 2:e},{a!r},{0.03 / (e + 1) ** 2:e}")
    return rows


def test_cut_last_line_is_not_read(tmp_path):
    """partial3.log: ``20,0.9,1`` cut out of ``20,0.9,4.535147e-05,...``: not a row, no
    false divergence from a loss of 1."""
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
    """Corpus 007 (and the W&B export 014) end without a newline: their last row counts."""
    (run,) = load(corpus_dir / "007_speechdigit_semicolon_model_history_log.csv")
    assert len(run.series["val_loss"]) == 17
    assert run.series["val_loss"].value[-1] == 0.17382508516311646
    assert not any("has no line end" in n for n in run.notes)


def test_live_tail_waits_for_the_cut_line_then_reads_it(tmp_path):
    p = tmp_path / "training.log"
    rows = _fixed_width_log(20)
    p.write_text("\n".join(rows) + "\n20,0.9,1")
    tail = LogTail(p)
    assert tail.poll()
    assert len(tail.runs[0].series["loss"]) == 20
    with open(p, "a") as fh:
        fh.write(".000000e-06,0.9,2.000000e-06\n")
    assert tail.poll()
    assert tail.runs[0].series["loss"].value[-1] == 1e-06


# -- CSVLogger(append=True) after the metrics changed (QA3 bug 3) ------------------

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
    """Padding separators (corpus 005) and extra NA cells are not a mismatch."""
    p = tmp_path / "log.csv"
    p.write_text("epoch,loss,val_loss\n0,0.9,0.8,,,\n1,0.8,0.7,NA\n2,0.7,\n")
    (run,) = load(p)
    assert run.series["loss"].value.tolist() == [0.9, 0.8, 0.7]
    assert run.series["val_loss"].value.tolist() == [0.8, 0.7]
    assert not any("not read" in n for n in run.notes)
    runs = load(corpus_dir / "005_allthatjazz_model_history_log.csv")
    assert sum(len(r.series["Loss"]) for r in runs) == 85


# -- W&B export of two runs (QA3 bug 4) --------------------------------------------


def test_wandb_export_of_two_runs_gives_two_runs(tmp_path):
    head = (
        '"Step","run-a - val_loss","run-a - val_loss__MIN","run-a - val_loss__MAX",'
        '"run-b - val_loss","run-b - val_loss__MIN","run-b - val_loss__MAX"'
    )
    rows = [head]
    for s in range(30):
        a = 1 / (1 + s / 5)
        b = f"{0.8 - s / 100!r}" if s < 26 else ""
        rows.append(f"{s},{a!r},{a!r},{a!r},{b},{b},{b}")
    p = tmp_path / "wandb_export_2024-05-01T10_00_00.000+02_00.csv"
    p.write_text("\n".join(rows) + "\n")
    runs = load(p)
    assert [r.name for r in runs] == ["run-a", "run-b"]
    assert all(list(r.series) == ["val_loss"] and r.format == "wandb-csv-export" for r in runs)
    a, b = (r.series["val_loss"] for r in runs)
    assert len(a) == 30 and len(b) == 26
    assert a.value[0] == 1.0 and b.value[-1] == 0.8 - 25 / 100
    assert all(any("W&B export of 2 runs ('run-a', 'run-b')" in n for n in r.notes) for r in runs)


def test_wandb_export_of_one_run_keeps_the_column_name(corpus_dir):
    """expect.json names the single-run corpus export's metric by its full column name."""
    (run,) = load(corpus_dir / "014_wandb_sentreorder_val_loss.csv")
    assert list(run.series) == ["fluent-oath-59 - epoch/val_loss"]
    assert len(run.series["fluent-oath-59 - epoch/val_loss"]) == 64


def test_live_tail_of_a_big_log_has_the_notes_of_load(tmp_path, bulk_calls):
    """LogTail starts a > 1 MiB log with the bulk path: same runs and notes as load()."""
    rows = ["epoch,loss,val_loss"] + [
        f"{e},{1 / (e + 1)!r}," + (f"{0.5 / (e + 1)!r}" if (e + 1) % 5 == 0 else "")
        for e in range(60_000)
    ]
    p = tmp_path / "training.log"
    p.write_text("\r\n".join(rows) + "\r\n", newline="")
    assert p.stat().st_size >= table_bulk.FAST_MIN_BYTES
    tail = LogTail(p)
    assert tail.poll()
    assert bulk_calls and bulk_calls[0] is not None
    _same_runs(tail.runs, load(p))
    assert "CRLF line endings" in tail.runs[0].notes
