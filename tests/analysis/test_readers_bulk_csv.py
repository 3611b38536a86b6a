"""Large CSV logs read in bulk by pandas give what the line parser gives, cell for cell.

Inputs are generated here in the layouts Keras writes: a CSVLogger file of
``fit(validation_freq=5)`` (``val_loss`` empty in 4 of 5 epochs, CRLF), variants with one
oddity each (NA cells, ``nan`` text, a duplicated line, short and long rows, a blank
line, semicolons, a pandas index column), a step log evaluated every 1000 steps, and a
live log followed with :class:`~analysis.readers.LogTail`.
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
    cells and notes for the same content (an empty cell is missing, never a NaN value)."""
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
    """A CSVLogger file > 1 MiB, 32 metrics, val_loss every 5th epoch, CRLF: no NaN values."""
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
    """A step log > 1 MiB (step,loss,val_loss) with an eval every 1000 steps: no NaN values."""
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
