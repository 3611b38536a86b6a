"""The format router: each format recognised from a file and from the folder above it, an
unknown file refused with its one-line reason, a new format registered by one line."""

from __future__ import annotations

import json
import pickle
import struct

import numpy as np
import pytest
from tensorboard.compat.proto import event_pb2, summary_pb2

import analysis.readers.errors as reader_errors
from analysis.model import LogReadError, Run
from analysis.readers import load, load_many, route, sniff
from analysis.readers.errors import NotATrainingLog
from analysis.readers.files import HEAD_BYTES
from analysis.readers.formats import FileInput, LogFormat
from analysis.readers.series_build import finish_run, make_series
from analysis.readers.tfrecord import frame_record


@pytest.fixture(autouse=True)
def _strict(monkeypatch):
    monkeypatch.setattr(reader_errors, "STRICT", True)


LOSS = [0.9, 0.7, 0.6, 0.55]
VAL_LOSS = [1.0, 0.8, 0.75, 0.74]


def _events() -> bytes:
    header = event_pb2.Event(wall_time=1.7e9, file_version="brain.Event:2").SerializeToString()
    records = [header]
    for epoch, (loss, val) in enumerate(zip(LOSS, VAL_LOSS, strict=True)):
        values = [
            summary_pb2.Summary.Value(tag="epoch_loss", simple_value=loss),
            summary_pb2.Summary.Value(tag="epoch_val_loss", simple_value=val),
        ]
        ev = event_pb2.Event(
            wall_time=1.7e9 + epoch, step=epoch, summary=summary_pb2.Summary(value=values)
        )
        records.append(ev.SerializeToString())
    return b"".join(frame_record(r) for r in records)


def _history() -> dict:
    return {"loss": LOSS, "val_loss": VAL_LOSS}


def _npy(path) -> None:
    np.save(path, np.array(_history(), dtype=object), allow_pickle=True)


def _npz(path) -> None:
    np.savez(path, loss=np.array(LOSS), val_loss=np.array(VAL_LOSS))


def _csv(header: str, rows: list[str]) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def _trainer_state() -> bytes:
    rows = [
        {"loss": v, "learning_rate": 1e-4, "epoch": i / 2, "step": 10 * (i + 1)}
        for i, v in enumerate(LOSS)
    ]
    rows.append({"eval_loss": 0.8, "epoch": 2.0, "step": 40})
    return json.dumps({"global_step": 40, "max_steps": 40, "log_history": rows}).encode()


# name -> (file name, content or writer, sniffed file-level format, Run.format)
CASES = {
    "tfevents": (
        "events.out.tfevents.1700000000.host",
        _events(),
        "tfevents",
        "tensorboard-events",
    ),
    "npy": ("history.npy", _npy, "npy", "keras-history-npy"),
    "npz": ("history.npz", _npz, "npz", "keras-history-npy"),
    "pickle": (
        "trainHistoryDict",
        pickle.dumps(_history(), protocol=4),
        "pickle",
        "keras-history-pickle",
    ),
    "json": ("history.json", json.dumps(_history()).encode(), "json", "keras-history-json"),
    "hf-trainer-state": ("trainer_state.json", _trainer_state(), "json", "hf-trainer-state"),
    "json-records": (
        "log.jsonl",
        "\n".join(json.dumps({"step": i, "loss": v}) for i, v in enumerate(LOSS)).encode(),
        "json",
        "json-records",
    ),
    "tensorboard-json": (
        "run-.-tag-epoch_loss.json",
        json.dumps([[1.7e9 + i, i, v] for i, v in enumerate(LOSS)]).encode(),
        "json",
        "tensorboard-json",
    ),
    "keras-csvlogger": (
        "training.log",
        _csv(
            "epoch,loss,val_loss",
            [f"{i},{a},{b}" for i, (a, b) in enumerate(zip(LOSS, VAL_LOSS, strict=True))],
        ),
        "table",
        "keras-csvlogger",
    ),
    "tensorboard-csv": (
        "run-.-tag-epoch_loss.csv",
        _csv("Wall time,Step,Value", [f"{1.7e9 + i},{i},{v}" for i, v in enumerate(LOSS)]),
        "table",
        "tensorboard-csv",
    ),
    "wandb-csv-export": (
        "wandb_export.csv",
        _csv('"Step","run-a - loss"', [f'"{i}","{v}"' for i, v in enumerate(LOSS)]),
        "table",
        "wandb-csv-export",
    ),
    "lightning-csvlogger": (
        "metrics.csv",
        _csv(
            "epoch,step,train_loss,val_loss",
            [f"{i},{10 * i},{v}," for i, v in enumerate(LOSS)] + ["3,30,,0.7"],
        ),
        "table",
        "lightning-csvlogger",
    ),
}


def _write(folder, name: str, content):
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    if callable(content):
        content(path)
    else:
        path.write_bytes(content)
    return path


@pytest.mark.parametrize("case", list(CASES))
def test_each_format_is_recognised_from_a_file_and_from_its_folder(tmp_path, case):
    name, content, file_level, run_format = CASES[case]
    folder = tmp_path / "exp" / ("version_0" if case == "lightning-csvlogger" else "run")
    path = _write(folder, name, content)
    assert sniff(str(path), path.read_bytes()[:HEAD_BYTES]) == file_level
    alone = load(path)
    assert [r.format for r in alone] == [run_format]
    assert min(len(s) for s in alone[0].series.values()) >= 1
    # the folder above it: the folder scan asks the router and gets the same reader
    runs, errors = load_many(tmp_path / "exp")
    assert errors == []
    assert [r.format for r in runs] == [run_format]
    assert runs[0].series.keys() == alone[0].series.keys()
    for key, s in runs[0].series.items():
        np.testing.assert_array_equal(s.value, alone[0].series[key].value)


def test_event_files_are_claimed_by_their_folder_layout(tmp_path):
    """Event files in train/ and validation/ of one run folder are one run (the layout of
    the TensorBoard format), whatever else is in the folder."""
    run = tmp_path / "logs" / "fit" / "20240101-000000"
    for side in ("train", "validation"):
        _write(run / side, "events.out.tfevents.1700000000.host.v2", _events())
    _write(tmp_path, "training.log", CASES["keras-csvlogger"][1])
    claim = route.folder_claim(str(run / "train" / "events.out.tfevents.1700000000.host.v2"))
    assert claim is not None and claim[0].name == "tensorboard-run-folders"
    runs, errors = load_many(tmp_path)
    assert errors == []
    tb = next(r for r in runs if r.format == "tensorboard-events")
    assert sorted(tb.series) == [
        "train/epoch_loss",
        "train/epoch_val_loss",
        "validation/epoch_loss",
        "validation/epoch_val_loss",
    ]


@pytest.mark.parametrize(
    "path, layout",
    [
        ("out/checkpoint-500/trainer_state.json", "hf-output-folders"),
        ("out/trainer_state.json", "hf-output-folders"),
        ("lightning_logs/version_3/metrics.csv", "lightning-version-folders"),
        ("logs/train/events.out.tfevents.1.host.v2", "tensorboard-run-folders"),
        ("logs/train/metrics.csv", None),
        ("out/history.json", None),
    ],
)
def test_folder_claims_by_path(path, layout):
    claim = route.folder_claim(path)
    assert (claim[0].name if claim else None) == layout


def test_claimed_name_overrides_the_name_rules():
    """An event file is read whatever its extension; the same extension elsewhere is refused."""
    assert route.refusal_by_name("logs/events.out.tfevents.1.host.pb") is None
    assert route.refusal_by_name("export/model.pb") == (
        "model weights or a checkpoint (.pb), not a training log"
    )


@pytest.mark.parametrize(
    "name, data, kind, reason, refusal",
    [
        (
            "blob.log",
            bytes(range(256)) * 8,
            "binary",
            "binary data, not a text log (unknown format)",
            LogReadError,
        ),
        (
            "a.log",
            b"PK\x03\x04rest",
            "zip",
            "a ZIP archive (renamed .zip/.xlsx/.npz?), not a training log",
            LogReadError,
        ),
        (
            "a.log",
            b"\x1f\x8b\x08\x00rest",
            "gzip",
            "gzip-compressed: decompress it first",
            LogReadError,
        ),
        ("a.log", b"", "empty", "the file is empty", NotATrainingLog),
        ("a.log", b"  \n\n\t\n", "blank", "the file is empty", NotATrainingLog),
    ],
)
def test_unknown_content_is_refused_with_one_line(tmp_path, name, data, kind, reason, refusal):
    p = tmp_path / name
    p.write_bytes(data)
    assert sniff(str(p), data[:HEAD_BYTES]) == kind
    with pytest.raises(LogReadError) as exc:
        load(p)
    assert type(exc.value) is refusal
    assert str(exc.value) == f"{p}: {reason}"
    assert "\n" not in str(exc.value)


def test_a_file_refused_by_name_is_not_read(tmp_path):
    p = tmp_path / "train.py"
    p.write_text("0,1\n1,2\n")
    with pytest.raises(NotATrainingLog) as exc:
        load(p)
    assert str(exc.value) == f"{p}: Python source code (.py), not a training log"


def test_registry_lists_each_format_once_in_trial_order():
    names = [f.name for f in route.FORMATS]
    assert len(names) == len(set(names))
    assert all(f.level in ("file", "value", "table") and f.describes for f in route.FORMATS)
    assert [f.name for f in route.formats("table")] == [
        "tensorboard-csv",
        "wandb-csv-export",
        "lightning-csvlogger",
        "keras-csvlogger",
    ]
    assert [f.name for f in route.formats("value")] == [
        "hf-trainer-state",
        "tensorboard-json",
        "json-records",
        "keras-history",
        "keras-history-array",
    ]
    file_level = [f.name for f in route.formats("file")]
    assert file_level[0] == "empty" and file_level[-1] == "table"
    assert file_level.index("npz") < file_level.index("zip")
    assert file_level.index("pickle") < file_level.index("binary") < file_level.index("json")
    assert route.format_named("tfevents").folder.name == "tensorboard-run-folders"


# -- a new format, registered by one line -------------------------------------------------


def _is_toy(file: FileInput) -> bool:
    return file.head.startswith(b"TOYLOG")


def _read_toy(file: FileInput) -> list[Run]:
    """``TOYLOG`` then ``step value`` lines: one series ``loss``."""
    rows = [ln.split() for ln in file.head.decode().splitlines()[1:] if ln.strip()]
    step = np.array([float(a) for a, _ in rows])
    value = np.array([float(b) for _, b in rows])
    series = {"loss": make_series("loss", step, value)}
    return [finish_run(Run(name=file.name, source=file.path, format="toy-log", series=series))]


TOY = LogFormat("toy-log", "file", _is_toy, _read_toy, 100, "a toy format for the router tests")


def test_a_new_file_format_is_registered_by_one_line(tmp_path, monkeypatch):
    p = tmp_path / "exp" / "run1.toy"
    p.parent.mkdir()
    p.write_bytes(b"TOYLOG\n0 0.9\n1 0.7\n2 0.6\n")
    with pytest.raises(LogReadError):
        load(p)  # not known yet: read as a table of blank-separated columns and refused
    monkeypatch.setattr(route, "FORMATS", [*route.FORMATS, TOY])
    assert sniff(str(p), p.read_bytes()) == "toy-log"
    (run,) = load(p)
    assert run.format == "toy-log" and run.name == "run1"
    assert run.series["loss"].value.tolist() == [0.9, 0.7, 0.6]
    runs, errors = load_many(tmp_path / "exp")
    assert errors == [] and [r.format for r in runs] == ["toy-log"]


def _read_toy_table(table, source, name, notes) -> list[Run]:
    series = {
        "toy_metric": make_series("toy_metric", np.arange(table.nrows), table.values["toy_metric"])
    }
    return [Run(name=name, source=source, format="toy-table", series=series, notes=notes)]


def test_a_new_table_dialect_is_tried_before_the_csvlogger_reader(tmp_path, monkeypatch):
    p = tmp_path / "toy.csv"
    p.write_text("toy_metric;other\n1,5;2\n2,5;3\n")
    assert load(p)[0].format == "custom-csv"
    toy = LogFormat(
        "toy-table", "table", lambda t: "toy_metric" in t.columns, _read_toy_table, 50, "toy"
    )
    monkeypatch.setattr(route, "FORMATS", [*route.FORMATS, toy])
    (run,) = load(p)
    assert run.format == "toy-table"
    assert run.series["toy_metric"].value.tolist() == [1.5, 2.5]  # decimal commas, as parsed
    assert "separator ';'" in run.notes


def test_a_new_value_shape_is_read_from_json_and_pickle(tmp_path, monkeypatch):
    def is_curve_list(obj, value_input):
        return isinstance(obj, dict) and obj.get("kind") == "curves"

    def read_curve_list(obj, value_input):
        value = np.asarray(obj["loss"], dtype=np.float64)
        series = {"loss": make_series("loss", np.arange(len(value)), value)}
        fmt = f"curves-{value_input.container}"
        return [Run(name=value_input.name, source=value_input.source, format=fmt, series=series)]

    toy = LogFormat("curves", "value", is_curve_list, read_curve_list, 100, "toy")
    monkeypatch.setattr(route, "FORMATS", [*route.FORMATS, toy])
    doc = {"kind": "curves", "loss": LOSS}
    (tmp_path / "c.json").write_text(json.dumps(doc))
    (tmp_path / "c.pkl").write_bytes(pickle.dumps(doc))
    assert load(tmp_path / "c.json")[0].format == "curves-json"
    assert load(tmp_path / "c.pkl")[0].format == "curves-pickle"


def test_value_wrappers_are_unwrapped_before_the_formats(tmp_path):
    """A JSON string holding the history and a dict of histories reach the history reader."""
    (tmp_path / "twice.json").write_text(json.dumps(json.dumps(_history())))
    (run,) = load(tmp_path / "twice.json")
    assert run.format == "keras-history-json"
    assert "a JSON string holding the history (json.dumps applied twice)" in run.notes
    (tmp_path / "both.json").write_text(json.dumps({"adam": _history(), "sgd": _history()}))
    assert [r.name for r in load(tmp_path / "both.json")] == ["adam", "sgd"]


def test_struct_packing_of_the_event_file_is_the_tfrecord_framing():
    """The router recognises event files by their first record's length CRC."""
    data = _events()
    (length,) = struct.unpack_from("<Q", data, 0)
    assert 12 + length + 4 <= len(data)
    assert route.format_named("tfevents").recognises(FileInput("x", data[:HEAD_BYTES]))
    assert not route.format_named("tfevents").recognises(FileInput("x", b"epoch,loss\n0,1\n"))
