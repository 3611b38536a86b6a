"""TensorBoard event files: framing, CRCs, scalar encodings, folder layouts, no TensorFlow."""

from __future__ import annotations

import json
import struct
import subprocess
import sys

import numpy as np
import pytest
from shared_paths import ROOT
from tensorboard.compat.proto import event_pb2, summary_pb2, tensor_pb2

import analysis.readers.errors as reader_errors
from analysis.model import LogReadError
from analysis.readers import load
from analysis.readers.event_decode import tensor_scalar
from analysis.readers.tfrecord import frame_record, masked_crc32c


@pytest.fixture(autouse=True)
def _strict(monkeypatch):
    monkeypatch.setattr(reader_errors, "STRICT", True)


def simple(tag, step, value, wall=1.7e9):
    s = summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag=tag, simple_value=value)])
    return event_pb2.Event(wall_time=wall + step, step=step, summary=s).SerializeToString()


def tensor(tag, step, t, plugin="scalars", wall=1.7e9):
    meta = summary_pb2.SummaryMetadata(
        plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name=plugin)
    )
    v = summary_pb2.Summary.Value(tag=tag, tensor=t, metadata=meta)
    return event_pb2.Event(
        wall_time=wall + step, step=step, summary=summary_pb2.Summary(value=[v])
    ).SerializeToString()


def header():
    return event_pb2.Event(wall_time=1.7e9, file_version="brain.Event:2").SerializeToString()


def write_events(path, events):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"".join(frame_record(e) for e in [header()] + events))
    return path


def test_masked_crc_matches_tensorboards_reference():
    # tensorboard's own (pure-Python) implementation of TFRecord's masked CRC32C
    from tensorboard.compat.tensorflow_stub.pywrap_tensorflow import masked_crc32c as ref

    for data in (b"", b"\x00" * 8, b"hello", bytes(range(256)) * 3):
        assert masked_crc32c(data) == ref(data)
    assert masked_crc32c(b"") == 0xA282EAD8  # crc32c("") = 0, masked = the delta


def test_simple_value_and_tensor_scalars(tmp_path):
    f32 = tensor_pb2.TensorProto(dtype=1, tensor_content=struct.pack("<f", 0.25))
    f64 = tensor_pb2.TensorProto(dtype=2, double_val=[0.125])
    half_bits = int(np.array([0.5], dtype=np.float16).view(np.uint16)[0])
    f16 = tensor_pb2.TensorProto(dtype=19, half_val=[half_bits])
    i64 = tensor_pb2.TensorProto(dtype=9, int64_val=[7])
    hist = tensor_pb2.TensorProto(dtype=2, tensor_content=np.zeros((2, 3)).tobytes())
    hist.tensor_shape.dim.add(size=2)
    hist.tensor_shape.dim.add(size=3)
    events = [
        simple("loss", 0, 1.5),
        simple("loss", 1, 1.25),
        tensor("epoch_loss", 0, f32),
        tensor("d", 0, f64),
        tensor("h", 0, f16),
        tensor("i", 0, i64),
        tensor("weights", 0, hist, plugin="histograms"),
    ]
    p = write_events(tmp_path / "events.out.tfevents.1.host", events)
    (run,) = load(p)
    assert run.series["loss"].value.tolist() == [1.5, 1.25]
    assert run.series["loss"].step.tolist() == [0.0, 1.0]
    assert run.series["loss"].wall_time.tolist() == [1.7e9, 1.7e9 + 1]
    assert run.series["epoch_loss"].value.tolist() == [0.25]
    assert run.series["d"].value.tolist() == [0.125]
    assert run.series["h"].value.tolist() == [0.5]
    assert run.series["i"].value.tolist() == [7.0]
    assert "weights" not in run.series
    assert any("non-scalar" in n for n in run.notes)


def test_tensor_scalar_refuses_non_scalars():
    t = tensor_pb2.TensorProto(dtype=1, float_val=[1.0, 2.0])
    t.tensor_shape.dim.add(size=2)
    assert tensor_scalar(t) is None
    s = tensor_pb2.TensorProto(dtype=7, string_val=[b"x"])
    assert tensor_scalar(s) is None


def test_every_event_kept_no_reservoir(tmp_path):
    # EventAccumulator keeps 1000 scalars per tag by default; we keep all
    p = write_events(
        tmp_path / "run" / "events.out.tfevents.1.h",
        [simple("loss", i, 1.0 / (i + 1)) for i in range(5000)],
    )
    (run,) = load(p.parent)
    assert len(run.series["loss"]) == 5000


def test_truncated_tail_keeps_complete_records(tmp_path):
    p = write_events(
        tmp_path / "events.out.tfevents.1.h", [simple("loss", i, float(i)) for i in range(10)]
    )
    data = p.read_bytes()
    p.write_bytes(data[:-7])  # the last record is cut
    (run,) = load(p)
    assert run.series["loss"].value.tolist() == [float(i) for i in range(9)]
    assert any("ends in the middle of a record" in n for n in run.notes)


def test_corrupt_record_stops_with_a_note(tmp_path):
    recs = [frame_record(e) for e in [header()] + [simple("loss", i, float(i)) for i in range(6)]]
    bad = bytearray(recs[4])
    bad[14] ^= 0xFF  # a data byte: the data CRC no longer matches
    zero = b"\x00" * 64  # a zero-filled tail (a crash while writing)
    p = tmp_path / "events.out.tfevents.2.h"
    p.write_bytes(b"".join(recs[:4]) + bytes(bad) + b"".join(recs[5:]) + zero)
    (run,) = load(p)
    assert run.series["loss"].value.tolist() == [0.0, 1.0, 2.0, 4.0, 5.0]
    assert any("bad data CRC" in n for n in run.notes)
    assert any("damaged record at byte" in n for n in run.notes)


def test_not_an_event_file(tmp_path):
    p = tmp_path / "events.out.tfevents.3.h"
    p.write_bytes(b"\x00" * 100)
    with pytest.raises(LogReadError) as exc:
        load(p)
    assert "\n" not in str(exc.value)


def test_keras_train_validation_layout_and_restart_segments(tmp_path):
    run_dir = tmp_path / "logs" / "fit" / "20240101-1200"
    write_events(
        run_dir / "train" / "events.out.tfevents.1.h",
        [simple("epoch_loss", i, 1.0 - 0.1 * i) for i in range(5)],
    )
    write_events(
        run_dir / "validation" / "events.out.tfevents.1.h",
        [simple("epoch_loss", i, 1.1 - 0.1 * i) for i in range(5)],
    )
    # a resumed run writes a second file into train/ whose steps start again
    write_events(
        run_dir / "train" / "events.out.tfevents.2.h",
        [simple("epoch_loss", i, 0.4 - 0.01 * i) for i in range(3)],
    )
    other = tmp_path / "logs" / "fit" / "20240102-0900"
    write_events(other / "train" / "events.out.tfevents.1.h", [simple("epoch_loss", 0, 2.0)])
    runs = load(tmp_path / "logs" / "fit")
    assert [r.name for r in runs] == ["20240101-1200", "20240102-0900"]
    run = runs[0]
    assert sorted(run.series) == ["train/epoch_loss", "validation/epoch_loss"]
    tr = run.series["train/epoch_loss"]
    assert len(tr) == 8 and tr.segments.tolist() == [0, 5]
    assert run.step_kind == "epoch"
    assert run.segments == 2


def test_reading_events_does_not_import_tensorflow(corpus_dir):
    code = (
        "import sys, json; from analysis.readers import load; "
        f"runs = load({str(corpus_dir / 'tfevents')!r}); "
        "print(json.dumps([len(runs), sorted(m.split('.')[0] for m in sys.modules)]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr[-2000:]
    n, mods = json.loads(out.stdout.strip().splitlines()[-1])
    assert n == 7  # 1 + 3 + 1 + 1 + 1 runs
    assert not {"tensorflow", "keras", "tf_keras", "torch"} & set(mods)


# -- the vectorised decoder agrees with the protobuf classes ---------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from analysis.readers import event_file, tfrecord  # noqa: E402

_value = st.one_of(
    st.tuples(st.just("simple"), st.floats(width=32)),
    st.tuples(
        st.sampled_from(["f32", "f64", "f16", "f32val", "i64"]),
        st.floats(width=16, allow_nan=False),
    ),
)


def _ev(step, wall, tag, kind, v, meta):
    if kind == "simple":
        val = summary_pb2.Summary.Value(tag=tag, simple_value=v)
    else:
        if kind == "f32":
            t = tensor_pb2.TensorProto(dtype=1, tensor_content=struct.pack("<f", v))
        elif kind == "f64":
            t = tensor_pb2.TensorProto(dtype=2, tensor_content=struct.pack("<d", v))
        elif kind == "f16":
            t = tensor_pb2.TensorProto(dtype=19, tensor_content=np.float16(v).tobytes())
        elif kind == "f32val":
            t = tensor_pb2.TensorProto(dtype=1, float_val=[v])
        else:
            t = tensor_pb2.TensorProto(dtype=9, int64_val=[int(v) if np.isfinite(v) else 0])
        t.tensor_shape.SetInParent()
        val = summary_pb2.Summary.Value(tag=tag, tensor=t)
    if meta:
        val.metadata.plugin_data.plugin_name = meta
    return event_pb2.Event(
        wall_time=wall, step=step, summary=summary_pb2.Summary(value=[val])
    ).SerializeToString()


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)  # context() resets it
@given(
    events=st.lists(
        st.tuples(
            st.integers(-5, 2**40),
            st.sampled_from([0.0, 1.7e9, 1.7e9 + 0.25]),
            st.sampled_from(["loss", "val/acc", "x" * 200, "épsilon", "e"]),
            _value,
            st.sampled_from(["", "scalars", "histograms"]),
        ),
        max_size=60,
    ),
    extra=st.booleans(),
)
def test_vectorised_decoder_equals_protobuf(tmp_path_factory, monkeypatch, events, extra):
    recs = [_ev(s, w, tag, k, v, m) for s, w, tag, (k, v), m in events]
    if extra:  # a record of another shape in the middle (two values in one summary)
        two = summary_pb2.Summary(
            value=[
                summary_pb2.Summary.Value(tag="loss", simple_value=1),
                summary_pb2.Summary.Value(tag="e", simple_value=2),
            ]
        )
        recs.insert(len(recs) // 2, event_pb2.Event(step=3, summary=two).SerializeToString())
    d = tmp_path_factory.mktemp("ev")
    p = d / "events.out.tfevents.1.h"
    p.write_bytes(b"".join(frame_record(r) for r in [header()] + recs))

    def read(vectorised: bool):
        r = event_file.EventFileReader(str(p))
        if not vectorised:
            with monkeypatch.context() as m:
                m.setattr(
                    event_file,
                    "decode_scalar_events",
                    lambda u, off, ln: {**real(u, off, ln), "ok": np.zeros(len(off), dtype=bool)},
                )
                r.read()
        else:
            r.read()
        return {k: (t.plugin, [a.tolist() for a in t.arrays()]) for k, t in r.tags.items()}

    real = event_file.decode_scalar_events
    fast, slow = read(True), read(False)
    assert fast.keys() == slow.keys()
    for k in fast:
        assert fast[k][0] == slow[k][0], k
        for a, b in zip(fast[k][1], slow[k][1], strict=True):
            np.testing.assert_array_equal(np.array(a), np.array(b))


def test_vectorised_header_crc_equals_reference():
    rng = np.random.default_rng(0)
    rows = rng.integers(0, 256, size=(50, 8), dtype=np.uint8)
    got = tfrecord.masked_crc32c_rows(rows)
    assert got.tolist() == [masked_crc32c(bytes(r)) for r in rows]
