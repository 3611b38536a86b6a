"""Dialects and formats beyond the corpus files: one small input each, real values checked."""

from __future__ import annotations

import json
import pickle
import shutil

import numpy as np
import pytest

import analysis.readers.errors as reader_errors
from analysis.model import LogReadError
from analysis.readers import load, load_many, sniff
from analysis.readers.table_bulk import FAST_MIN_BYTES
from analysis.readers.table_parse import TableBuilder


@pytest.fixture(autouse=True)
def _strict(monkeypatch):
    monkeypatch.setattr(reader_errors, "STRICT", True)


def one(path, **kw):
    runs = load(path, **kw)
    assert len(runs) == 1
    return runs[0]


def write(tmp_path, name, data):
    p = tmp_path / name
    p.write_bytes(data if isinstance(data, bytes) else data.encode())
    return p


LOG = "epoch,accuracy,loss,val_accuracy,val_loss\n0,0.5,0.9,0.55,0.8\n1,0.6,0.7,0.6,0.75\n"


# -- CSV dialects ----------------------------------------------------------------


@pytest.mark.parametrize("sep", [",", ";", "\t", "|"])
@pytest.mark.parametrize("eol", ["\n", "\r\n", "\r\r\n", "\r"])
def test_csvlogger_separators_and_line_ends(tmp_path, sep, eol):
    text = LOG.replace(",", sep).replace("\n", eol)
    run = one(write(tmp_path, "training.log", text))
    assert run.format == "keras-csvlogger"
    assert run.series["loss"].value.tolist() == [0.9, 0.7]
    assert run.series["val_accuracy"].step.tolist() == [0.0, 1.0]


def test_blank_separated_columns(tmp_path):
    run = one(write(tmp_path, "log.txt", "epoch loss val_loss\n0 0.9 0.8\n1 0.7 0.6\n"))
    assert run.series["val_loss"].value.tolist() == [0.8, 0.6]


def test_na_nan_inf_cells(tmp_path):
    run = one(
        write(
            tmp_path, "l.csv", "epoch,loss,val_loss\n0,nan,NA\n1,inf,\n2,-inf,0.5\n3,Infinity,NaN\n"
        )
    )
    loss = run.series["loss"]
    assert np.isnan(loss.value[0]) and loss.value[1:].tolist() == [np.inf, -np.inf, np.inf]
    val = run.series["val_loss"]
    assert val.step.tolist() == [2.0, 3.0]  # NA and empty are missing, NaN is a value
    assert val.n_nonfinite == 1


def test_list_cells_give_one_series_per_element(tmp_path):
    # Keras CSVLogger writes iterables as "[a, b]"
    run = one(
        write(tmp_path, "l.csv", 'epoch,loss,recall\n0,0.9,"[0.1, 0.2]"\n1,0.8,"[0.3, 0.4]"\n')
    )
    assert run.series["recall[0]"].value.tolist() == [0.1, 0.3]
    assert run.series["recall[1]"].value.tolist() == [0.2, 0.4]
    assert run.series["loss"].value.tolist() == [0.9, 0.8]


def test_decimal_comma_with_semicolons(tmp_path):
    run = one(write(tmp_path, "l.csv", "epoch;loss;val_loss\n0;0,9;0,8\n1;0,7;0,65\n"))
    assert run.series["val_loss"].value.tolist() == [0.8, 0.65]
    assert any("decimal commas" in n for n in run.notes)


def test_title_line_and_padding(tmp_path):
    run = one(write(tmp_path, "l.csv", "my run\nepoch,loss,,,\n0,0.9,,,\n1,0.8,,,\n"))
    assert run.series["loss"].value.tolist() == [0.9, 0.8]
    assert any("1 title/comment text row(s) skipped" in n for n in run.notes)


def test_pandas_index_and_no_epoch(tmp_path):
    idx = one(write(tmp_path, "a.csv", ",loss,val_loss\n0,0.9,0.8\n1,0.7,0.6\n"))
    assert idx.format == "keras-history-csv"
    assert list(idx.series) == ["loss", "val_loss"]
    noep = one(write(tmp_path, "b.csv", "loss,val_loss\n0.9,0.8\n0.7,0.6\n0.6,0.6\n"))
    assert noep.series["loss"].step.tolist() == [0.0, 1.0, 2.0]
    # a stuck run has identical rows: without an x column they are all kept
    stuck = one(write(tmp_path, "c.csv", "loss,acc\n0.7534,0.4992\n0.7534,0.4992\n0.7534,0.4992\n"))
    assert len(stuck.series["loss"]) == 3


def test_text_column_is_dropped_with_a_note(tmp_path):
    run = one(
        write(
            tmp_path, "l.csv", "epoch,time,loss\n0,2024-01-01 10:00,0.9\n1,2024-01-01 10:05,0.8\n"
        )
    )
    assert list(run.series) == ["loss"]
    assert any("'time' is not numeric" in n for n in run.notes)


def test_text_encodings(tmp_path):
    for enc, note in (("utf-16", "UTF-16"), ("utf-8-sig", "BOM")):
        run = one(write(tmp_path, f"l_{enc}.csv", LOG.encode(enc)))
        assert run.series["loss"].value.tolist() == [0.9, 0.7]
        assert any(note in n for n in run.notes)
    latin = one(write(tmp_path, "latin.csv", "epoch,pérdida\n0,0.9\n1,0.8\n".encode("latin-1")))
    assert latin.series["pérdida"].value.tolist() == [0.9, 0.8]
    assert any("Latin-1" in n for n in latin.notes)


def test_header_only_is_a_run_without_points(tmp_path):
    run = one(write(tmp_path, "l.csv", "epoch,loss,val_loss\n"))
    assert {k: len(s) for k, s in run.series.items()} == {"loss": 0, "val_loss": 0}
    assert any("header only" in n for n in run.notes)


def test_table_builder_line_by_line_equals_whole(tmp_path, corpus_dir):
    """Feeding lines one at a time (live logs) gives the same table as all at once."""
    text = (corpus_dir / "005_allthatjazz_model_history_log.csv").read_text()
    lines = text.splitlines()
    whole = TableBuilder("x")
    whole.feed(lines)
    inc = TableBuilder("x")
    for ln in lines:
        inc.feed([ln])
    a, b = whole.table(), inc.table()
    assert a.columns == b.columns and a.boundaries == b.boundaries == [15]
    for c in a.columns:
        np.testing.assert_array_equal(a.values[c], b.values[c])


def test_large_csv_bulk_path_equals_line_parser(tmp_path):
    """A CSVLogger file above FAST_MIN_BYTES (pandas' C parser) reads like the line parser."""
    rng = np.random.default_rng(0)
    n = 40_000
    vals = rng.random((n, 3)).astype(np.float32).astype(np.float64)
    lines = ["epoch,loss,lr,val_loss"] + [
        f"{i},{a!r},{b!r},{c!r}" for i, (a, b, c) in enumerate(vals.tolist())
    ]
    lines[100] = "99,0.5,NA,nan"  # a missing cell and a NaN value
    lines[101] = lines[100]  # a duplicated line (counted once)
    data = ("\n".join(lines) + "\n").encode()
    assert len(data) > FAST_MIN_BYTES
    p = write(tmp_path, "big.log", data)
    run = one(p)
    ref = TableBuilder("x")
    ref.feed(data.decode().splitlines())
    t = ref.table()
    for c in ("loss", "lr", "val_loss"):
        s = run.series[c]
        keep = ~t.missing[c] if t.missing[c] is not None else slice(None)
        np.testing.assert_array_equal(s.value, t.values[c][keep])
    assert len(run.series["loss"]) == n - 1
    assert np.isnan(run.series["val_loss"].value[99])
    assert len(run.series["lr"]) == n - 2
    assert any("1 exact duplicate" in n for n in run.notes)


# -- JSON / pickle / npy -----------------------------------------------------------


HIST = {"loss": [0.9, 0.7, 0.6], "val_loss": [0.8, 0.75, 0.7], "accuracy": [0.5, 0.6, 0.7]}


def test_json_string_holding_the_dict(tmp_path):
    run = one(write(tmp_path, "h.json", json.dumps(json.dumps(HIST))))
    assert run.series["val_loss"].value.tolist() == [0.8, 0.75, 0.7]
    assert any("JSON string" in n for n in run.notes)


def test_json_with_nan_infinity_and_null(tmp_path):
    run = one(write(tmp_path, "h.json", '{"loss": [0.5, NaN, Infinity, null]}'))
    v = run.series["loss"].value
    assert v[0] == 0.5 and np.isnan(v[1]) and np.isinf(v[2]) and np.isnan(v[3])


def test_history_object_fields_and_records(tmp_path):
    run = one(
        write(
            tmp_path,
            "h.json",
            json.dumps({"history": HIST, "epoch": [5, 6, 7], "params": {"epochs": 8}}),
        )
    )
    assert run.series["loss"].step.tolist() == [5.0, 6.0, 7.0]
    recs = [{"epoch": i, "loss": v} for i, v in enumerate(HIST["loss"])]
    run = one(write(tmp_path, "r.json", json.dumps(recs)))
    assert run.series["loss"].value.tolist() == HIST["loss"]
    jl = one(write(tmp_path, "r.jsonl", "\n".join(json.dumps(r) for r in recs)))
    assert jl.series["loss"].step.tolist() == [0.0, 1.0, 2.0]


def test_large_json_streamed_equals_orjson(tmp_path, monkeypatch):
    from analysis.readers import json_stream

    rng = np.random.default_rng(1)
    d = {
        "loss": rng.random(5000).tolist(),
        "val_loss": rng.random(5000).tolist(),
        "best_epoch": 3,
        "note": "x",
    }
    p = write(tmp_path, "h.json", json.dumps(d, indent=2))
    monkeypatch.setattr(json_stream, "STREAM_MIN_BYTES", 1000)
    streamed = json_stream.stream_numeric_dict(str(p), block=4096)
    assert streamed is not None
    np.testing.assert_array_equal(streamed["loss"], d["loss"])
    run = one(p)
    np.testing.assert_array_equal(run.series["val_loss"].value, d["val_loss"])
    assert any("best_epoch=3" in n for n in run.notes)
    # nested objects are not streamed: the ordinary parse takes over
    p2 = write(tmp_path, "h2.json", json.dumps({"history": d}))
    assert json_stream.stream_numeric_dict(str(p2)) is None
    assert len(one(p2).series["loss"]) == 5000


@pytest.mark.parametrize("protocol", [0, 2, 3, 4, 5])
def test_pickle_protocols_with_numpy_values(tmp_path, protocol):
    d = {
        "loss": [np.float32(0.5), np.float32(0.25)],
        "acc": np.array([0.1, 0.2]),
        "lr": [np.float64(1e-3), np.float64(1e-3)],
    }
    p = write(tmp_path, "h.pkl", pickle.dumps(d, protocol=protocol))
    run = one(p)
    assert run.series["loss"].value.tolist() == [0.5, 0.25]
    assert run.series["acc"].value.tolist() == [0.1, 0.2]
    assert run.format == "keras-history-pickle"
    # the sniffer needs no extension for binary pickles
    if protocol >= 2:
        q = write(tmp_path, "trainHistoryDict", pickle.dumps(d, protocol=protocol))
        assert sniff(str(q), q.read_bytes()[:64]) == "pickle"


def test_pickle_of_other_objects_is_refused(tmp_path):
    import collections

    p = write(tmp_path, "h.pkl", pickle.dumps(collections.Counter(a=1)))
    with pytest.raises(LogReadError, match="collections.Counter"):
        load(p)
    # pickle.dump(history) of a keras.callbacks.History object (protocol 0 opcodes)
    p = write(tmp_path, "k.pkl", b"ckeras.callbacks.history\nHistory\n)\x81.")
    with pytest.raises(LogReadError, match="Keras/TensorFlow object"):
        load(p)


def test_npy_object_array_of_dict_and_numeric_npy(tmp_path):
    p = tmp_path / "h.npy"
    np.save(p, HIST, allow_pickle=True)
    run = one(p)
    assert run.series["loss"].value.tolist() == HIST["loss"]
    assert run.format == "keras-history-npy"
    q = tmp_path / "losses.npy"
    np.save(q, np.array([0.9, 0.8, 0.7]))
    assert one(q).series["losses"].value.tolist() == [0.9, 0.8, 0.7]
    z = tmp_path / "h.npz"
    np.savez(z, loss=np.array([0.9, 0.8]), val_loss=np.array([1.0, 0.9]))
    assert one(z).series["val_loss"].value.tolist() == [1.0, 0.9]


# -- HF / Lightning / W&B / TensorBoard exports --------------------------------------


def test_trainer_state_rows(tmp_path):
    state = {
        "global_step": 20,
        "max_steps": 40,
        "log_history": [
            {"epoch": 0.5, "step": 10, "loss": 0.9, "learning_rate": 1e-4, "grad_norm": 2.0},
            {
                "epoch": 0.5,
                "step": 10,
                "eval_loss": 0.8,
                "eval_runtime": 3.2,
                "eval_samples_per_second": 10.0,
            },
            {"epoch": 1.0, "step": 20, "loss": 0.7, "learning_rate": 5e-5, "grad_norm": 1.5},
            {
                "epoch": 1.0,
                "step": 20,
                "train_loss": 0.8,
                "train_runtime": 99.0,
                "total_flos": 1e15,
            },
        ],
    }
    run = one(write(tmp_path, "trainer_state.json", json.dumps(state)))
    assert run.format == "hf-trainer-state"
    assert sorted(run.series) == ["eval_loss", "grad_norm", "learning_rate", "loss"]
    assert run.series["loss"].epoch.tolist() == [0.5, 1.0]
    assert run.series["eval_loss"].step.tolist() == [10.0]
    assert any("mid-run checkpoint" in n for n in run.notes)
    # a checkpoint folder: the latest trainer_state.json is read
    out = tmp_path / "out"
    for step in (10, 20):
        d = out / f"checkpoint-{step}"
        d.mkdir(parents=True)
        st = dict(state, log_history=state["log_history"][: 1 if step == 10 else 3])
        (d / "trainer_state.json").write_text(json.dumps(st))
    run = one(out)
    assert len(run.series["loss"]) == 2 and run.name == "out"


def test_lightning_version_folders(tmp_path, corpus_dir):
    for v in (0, 1):
        d = tmp_path / "lightning_logs" / f"version_{v}"
        d.mkdir(parents=True)
        shutil.copy(corpus_dir / "018_asl_lightning_metrics.csv", d / "metrics.csv")
    runs = load(tmp_path)
    assert [r.name for r in runs] == ["version_0", "version_1"]
    run = runs[0]
    assert run.format == "lightning-csvlogger" and run.step_kind == "step"
    assert len(run.series["train_loss_step"]) == 217
    assert run.series["val_loss"].epoch.tolist() == list(map(float, range(10)))


def test_lightning_lr_rows_get_an_epoch(corpus_dir):
    run = one(corpus_dir / "046_trashproject_lr_lightning_metrics.csv")
    lr = run.series["lr-AdamW"]
    assert not np.isnan(lr.epoch).any()
    assert lr.epoch[0] == 0.0 and lr.epoch[-1] == 9.0


def test_tb_exports_of_one_run_are_merged_in_a_folder(tmp_path, corpus_dir):
    for i in ("010", "011", "012"):
        src = next(corpus_dir.glob(f"{i}_*"))
        shutil.copy(src, tmp_path / src.name.split("_tb_", 1)[1])
    (run,) = load(tmp_path)
    assert sorted(run.series) == ["loss", "val_loss", "val_pred_age_acc"]
    assert run.series["loss"].wall_time is not None


def test_folder_skips_text_that_is_not_a_log_and_refuses_an_empty_one(tmp_path):
    write(tmp_path, "training.log", LOG)
    write(tmp_path, "notes.txt", "just some words\nand more words\n")
    (run,) = load(tmp_path)
    assert run.series["loss"].value.tolist() == [0.9, 0.7]
    # the text file is listed as skipped (not a log), not as an error, and not in a run's notes
    runs, errors = out = load_many(tmp_path)
    assert len(runs) == 1 and errors == []
    assert [(e.source, e.reason) for e in out.skipped] == [
        (str(tmp_path / "notes.txt"), "no numeric rows in 2 line(s) of text: not a training log")
    ]
    assert not any("notes.txt" in n for n in run.notes)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(LogReadError, match="no training logs found"):
        load(empty)


@pytest.mark.parametrize(
    "data,msg",
    [
        (b"", "the file is empty"),
        (b"PK\x03\x04" + b"\x00" * 40, "ZIP archive"),
        (b"\x1f\x8b\x08\x00" + b"\x00" * 20, "gzip"),
        (bytes(range(256)) * 4, "binary data"),
        (b"just words\nmore words\n", "no numeric rows"),
        (b'{"loss": [1, 2', "not valid JSON"),
    ],
)
def test_refusals_are_one_line(tmp_path, data, msg):
    p = write(tmp_path, "x.csv", data)
    with pytest.raises(LogReadError) as exc:
        load(p)
    line = str(exc.value)
    assert msg in line and "\n" not in line and line.startswith(str(p))


def test_missing_path(tmp_path):
    with pytest.raises(LogReadError, match="no such file or folder"):
        load(tmp_path / "nope.csv")


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
    """A real single-run W&B export keeps the full column name as the metric name."""
    (run,) = load(corpus_dir / "014_wandb_sentreorder_val_loss.csv")
    assert list(run.series) == ["fluent-oath-59 - epoch/val_loss"]
    assert len(run.series["fluent-oath-59 - epoch/val_loss"]) == 64
