"""Fuzzing every reader: any input is read correctly or refused with one clear line.

No other exception (the readers run in strict mode here, so a reader bug shows as
itself instead of being wrapped into a LogReadError), nothing written next to the
input, the input never modified, no code from a pickle ever run.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import pickle
import struct
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shared_paths import CASES, CORPUS
from tensorboard.compat.proto import event_pb2, summary_pb2

import analysis.readers.errors as reader_errors
from analysis.model import LogReadError
from analysis.readers import LogTail, load
from analysis.readers.cells import MISSING_TOKENS
from analysis.readers.columns import axis_kind
from analysis.readers.tfrecord import frame_record

#: Examples per property; FITLENS_FUZZ_EXAMPLES=2000 (and a random seed) for a deeper run.
N_EXAMPLES = int(os.environ.get("FITLENS_FUZZ_EXAMPLES", "100"))
FUZZ = settings(
    max_examples=N_EXAMPLES,
    deadline=None,
    derandomize="FITLENS_FUZZ_EXAMPLES" not in os.environ,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

SOURCES = (
    sorted(
        p
        for p in list(CORPUS.glob("*.*"))
        + list(CASES.glob("case_*"))
        + list(CASES.glob("case_*/**/*"))
        if p.is_file() and p.suffix not in (".tsv", ".md", ".py")
    )
    if CORPUS.is_dir()
    else []
)
SOURCES += sorted(CORPUS.glob("tfevents/**/events.out.tfevents.*")) if CORPUS.is_dir() else []
NAMES = [
    "log.csv",
    "training.log",
    "history.json",
    "history.pkl",
    "h.npy",
    "h.npz",
    "trainHistoryDict",
    "events.out.tfevents.1.host",
    "metrics.csv",
    "x.txt",
]


@pytest.fixture(autouse=True)
def _strict(monkeypatch):
    monkeypatch.setattr(reader_errors, "STRICT", True)


@contextlib.contextmanager
def folder():
    with tempfile.TemporaryDirectory() as d:
        yield Path(d)


def snapshot(d: Path) -> dict:
    return {
        p.relative_to(d).as_posix(): (p.stat().st_size, p.read_bytes() if p.is_file() else None)
        for p in sorted(d.rglob("*"))
    }


def check(path: Path):
    """load() and LogTail on one input: runs or a one-line LogReadError; nothing changed."""
    d = path.parent
    before = snapshot(d)
    try:
        runs = load(path)
    except LogReadError as exc:
        line = str(exc)
        assert "\n" not in line and line.startswith(str(path)), line
        assert exc.reason
        runs = None
    else:
        assert isinstance(runs, list) and runs
        for r in runs:
            assert r.segments >= 1
            for s in r.series.values():
                st_ = s.stats()
                assert st_["n"] + st_["n_nonfinite"] == len(s)
                x = s.x("step")
                assert len(x) == len(s)
                if len(s) > 1:
                    assert np.all(np.diff(x) > 0) or not np.isfinite(x).all()
    tail = LogTail(path)
    tail.poll()
    tail.poll(final=True)
    assert tail.error is None or "\n" not in str(tail.error)
    assert snapshot(d) == before, "the reader wrote or changed files next to the input"
    return runs


# -- random bytes and mutated real logs --------------------------------------------


@FUZZ
@given(data=st.binary(max_size=3000), name=st.sampled_from(NAMES))
def test_random_bytes(data, name):
    with folder() as d:
        p = d / name
        p.write_bytes(data)
        check(p)


def _mutate(data: bytes, kind: int, a: int, b: int, junk: bytes) -> bytes:
    n = len(data)
    a, b = (a % (n + 1)), (b % (n + 1))
    if kind == 0:  # truncated
        return data[:a]
    if kind == 1:  # bytes overwritten
        return data[:a] + junk + data[a + len(junk) :]
    if kind == 2:  # a slice removed
        lo, hi = sorted((a, b))
        return data[:lo] + data[hi:]
    if kind == 3:  # bytes inserted
        return data[:a] + junk + data[a:]
    if kind == 4:  # UTF-8 BOM
        return b"\xef\xbb\xbf" + data
    if kind == 5:  # UTF-16
        try:
            return data.decode("utf-8").encode("utf-16")
        except UnicodeDecodeError:
            return data
    if kind == 6:  # latin-1 column names
        return data.replace(b"loss", "pérdida".encode("latin-1"), 1)
    return data[a:]  # head cut off


@FUZZ
@given(
    src=st.sampled_from(SOURCES) if SOURCES else st.nothing(),
    kind=st.integers(0, 7),
    a=st.integers(0, 1 << 20),
    b=st.integers(0, 1 << 20),
    junk=st.binary(min_size=1, max_size=12),
    keep_name=st.booleans(),
)
def test_mutated_real_logs(src, kind, a, b, junk, keep_name):
    data = _mutate(src.read_bytes(), kind, a, b, junk)
    with folder() as d:
        p = d / (src.name if keep_name else "input.csv")
        p.write_bytes(data)
        check(p)


# -- generated logs are read exactly ------------------------------------------------

_name_chars = st.characters(
    whitelist_categories=("L", "N"), whitelist_characters="_ /-", max_codepoint=0xFF
)
_names = st.lists(
    st.text(_name_chars, min_size=1, max_size=12)
    .map(str.strip)
    .filter(
        lambda s: (
            s
            and axis_kind(s) is None
            and s not in MISSING_TOKENS
            and not s.lstrip("+-").replace(".", "", 1).replace("e", "").isdigit()
            and not s.lower().startswith(("nan", "inf"))
            and "_" not in s[:1]
        )
    ),
    min_size=1,
    max_size=5,
    unique_by=str.lower,
)
_cell = st.one_of(st.floats(allow_nan=True, allow_infinity=True, width=32), st.none())


@FUZZ
@given(
    names=_names,
    rows=st.lists(st.lists(_cell, min_size=5, max_size=5), min_size=1, max_size=30),
    sep=st.sampled_from([",", ";", "\t"]),
    eol=st.sampled_from(["\n", "\r\n", "\r\r\n"]),
    bom=st.booleans(),
    encoding=st.sampled_from(["utf-8", "utf-16", "latin-1"]),
)
def test_generated_csvlogger_read_exactly(names, rows, sep, eol, bom, encoding):
    names = [n for n in names if all(c not in n for c in ',;\t"')]
    if not names or any(n.strip() != n for n in names):
        return
    k = len(names)
    lines = [sep.join(["epoch"] + names)]
    for i, r in enumerate(rows):
        cells = ["NA" if v is None else repr(float(v)) for v in r[:k]]
        lines.append(sep.join([str(i)] + cells))
    text = eol.join(lines) + eol
    data = text.encode(encoding)
    if encoding == "latin-1":
        with contextlib.suppress(UnicodeDecodeError):
            if data.decode("utf-8") != text:
                return  # Latin-1 bytes that are also valid UTF-8 ("Âª"): read as UTF-8
    if bom and encoding == "utf-8":
        data = b"\xef\xbb\xbf" + data
    with folder() as d:
        p = d / "training.log"
        p.write_bytes(data)
        runs = check(p)
        if all(r[j] is None for r in rows for j in range(k)):
            # every metric cell NA: epochs without a single value are no training curve
            assert runs is None, "a log without any value was accepted"
            with pytest.raises(LogReadError, match="no training curves"):
                load(p)
            return
        assert runs is not None, "a well-formed CSVLogger file was refused"
        (run,) = runs
        for j, name in enumerate(names):
            want = [(i, r[j]) for i, r in enumerate(rows) if r[j] is not None]
            if not want:
                assert name not in run.series or len(run.series[name]) == 0
                continue
            s = run.series[name]
            assert s.step.tolist() == [float(i) for i, _ in want]
            got = s.value.tolist()
            for g, (_, w) in zip(got, want, strict=True):
                assert (math.isnan(g) and math.isnan(w)) or g == float(w)


@FUZZ
@given(
    hist=st.dictionaries(
        st.sampled_from(["loss", "val_loss", "accuracy", "val_accuracy", "lr", "auc"]),
        st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=1, max_size=20),
        min_size=1,
    ),
    how=st.sampled_from(["json", "json2", "pickle", "npy"]),
)
def test_generated_history_read_exactly(hist, how):
    with folder() as d:
        if how == "json":
            p = d / "history.json"
            p.write_text(json.dumps(hist))
        elif how == "json2":
            p = d / "history.json"
            p.write_text(json.dumps(json.dumps(hist)))
        elif how == "pickle":
            p = d / "history.pkl"
            p.write_bytes(pickle.dumps({k: [np.float64(x) for x in v] for k, v in hist.items()}))
        else:
            p = d / "history.npy"
            np.save(p, hist, allow_pickle=True)
        (run,) = check(p)
        for k, v in hist.items():
            assert run.series[k].value.tolist() == v


def _event_file(points, cut):
    recs = [
        frame_record(
            event_pb2.Event(wall_time=1.0, file_version="brain.Event:2").SerializeToString()
        )
    ]
    for step, tag, value in points:
        s = summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag=tag, simple_value=value)])
        recs.append(
            frame_record(
                event_pb2.Event(wall_time=2.0 + step, step=step, summary=s).SerializeToString()
            )
        )
    data = b"".join(recs)
    return data[: len(data) - cut] if cut else data, recs


@FUZZ
@given(
    points=st.lists(
        st.tuples(
            st.integers(0, 10**6),
            st.sampled_from(["loss", "acc"]),
            st.floats(width=32, allow_nan=False),
        ),
        max_size=40,
    ),
    cut=st.integers(0, 40),
)
def test_generated_event_files(points, cut):
    data, recs = _event_file(points, cut)
    with folder() as d:
        p = d / "events.out.tfevents.1.host"
        p.write_bytes(data)
        runs = check(p)
        complete = 0  # records fully present (the first is the file version)
        size = 0
        for r in recs:
            size += len(r)
            if size <= len(data):
                complete += 1
        kept = points[: max(complete - 1, 0)]
        if not kept:
            return
        (run,) = runs
        for tag in ("loss", "acc"):
            want = [v for _, t, v in kept if t == tag]
            if want:
                assert run.series[tag].value.tolist() == pytest.approx(want, nan_ok=True)


@FUZZ
@given(
    picks=st.lists(
        st.tuples(
            st.sampled_from(SOURCES) if SOURCES else st.nothing(),
            st.sampled_from(NAMES + ["notes.md", "data.bin", "x.py", "y"]),
            st.integers(0, 7),
            st.integers(0, 1 << 16),
            st.binary(min_size=1, max_size=8),
        ),
        max_size=6,
    ),
    junk=st.lists(st.binary(max_size=400), max_size=3),
)
def test_folders_of_mixed_files(picks, junk):
    """load_many on a folder of (mutated) real logs and junk: runs, one-line errors, or the
    one "no training logs" refusal; every error names a file of the folder; nothing written."""
    from analysis.readers import load_many

    with folder() as d:
        for i, (src, name, kind, a, j) in enumerate(picks):
            sub = d / f"s{i % 3}"
            sub.mkdir(exist_ok=True)
            (sub / name).write_bytes(_mutate(src.read_bytes(), kind, a, a // 2, j))
        for i, data in enumerate(junk):
            (d / f"junk{i}.csv").write_bytes(data)
        before = snapshot(d)
        try:
            out = load_many(d)
        except LogReadError as exc:
            assert "\n" not in str(exc) and str(exc).startswith(str(d))
            assert "no training logs found in this folder" in exc.reason
        else:
            runs, errors = out
            assert runs or errors
            for e in list(errors) + list(out.skipped):
                line = str(e)
                assert "\n" not in line and line.startswith(str(d) + os.sep), line
            for r in runs:
                assert r.source.startswith(str(d))
                for s_ in r.series.values():
                    assert s_.stats()["n"] + s_.n_nonfinite == len(s_)
        assert snapshot(d) == before


# -- inputs at the edges: empty, one huge line, renamed archives, code-running pickles -----


def test_empty_file_and_header_only():
    with folder() as d:
        for name in NAMES:
            p = d / name
            p.write_bytes(b"")
            with pytest.raises(LogReadError, match="empty"):
                load(p)
            check(p)
        p = d / "training.log"
        p.write_text("epoch,loss,val_loss\n")
        (run,) = check(p)
        assert set(run.series) == {"loss", "val_loss"}


def test_five_megabyte_single_line():
    with folder() as d:
        for name, data in (
            ("a.csv", b"0.5," * (5 << 18)),
            ("b.csv", b"x" * (5 << 20)),
            ("c.json", b"[" + b"1.5," * (5 << 18) + b"2]"),
            ("d.json", b'{"loss": [' + b"0.25," * (1 << 20) + b"0.5]}"),
        ):
            p = d / name
            p.write_bytes(data)
            runs = check(p)
            if name == "d.json":
                assert len(runs[0].series["loss"]) == (1 << 20) + 1


def test_zip_renamed_csv_and_folder_without_logs():
    with folder() as d:
        p = d / "log.csv"
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("log.csv", "epoch,loss\n0,1\n")
        p.write_bytes(buf.getvalue())
        with pytest.raises(LogReadError, match="ZIP archive"):
            load(p)
        check(p)
        empty = d / "nothing"
        empty.mkdir()
        (empty / "README.md").write_text("no logs here")
        with pytest.raises(LogReadError, match="no training logs found"):
            load(empty)


@pytest.mark.parametrize(
    "payload",
    [
        b"cos\nsystem\n(S'touch {m}'\ntR.",
        b"cposix\nsystem\n(S'touch {m}'\ntR.",
        b'c__builtin__\neval\n(S\'open("{m}", "w")\'\ntR.',
        b'cbuiltins\nexec\n(S\'open("{m}", "w")\'\ntR.',
        b"csubprocess\ncall\n((S'touch'\nS'{m}'\nltR.",
        b"cnumpy\nload\n(S'{m}'\ntR.",
        b"(dp0\nS'loss'\np1\ncos\nsystem\n(S'touch {m}'\ntRs.",
    ],
)
def test_pickles_that_would_run_code(payload):
    with folder() as d:
        marker = d / "ran"
        p = d / "history.pkl"
        p.write_bytes(payload.replace(b"{m}", str(marker).encode()))
        with pytest.raises(LogReadError) as exc:
            load(p)
        assert "not allowed" in str(exc.value)
        check(p)
        assert not marker.exists()
        # npy object arrays go through the same unpickler
        q = d / "h.npy"
        header = b"{'descr': '|O', 'fortran_order': False, 'shape': (), }"
        header += b" " * (117 - len(header)) + b"\n"
        q.write_bytes(
            b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header + p.read_bytes()
        )
        with pytest.raises(LogReadError, match="not allowed"):
            load(q)
        assert not marker.exists()
