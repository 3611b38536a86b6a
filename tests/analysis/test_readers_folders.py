"""Folders of mixed logs, partial success (load_many), and inputs that are not training logs.

Each on real inputs (the shared corpus of logs, labelled Keras runs, cases): a folder with
TensorBoard files and other logs loses none of them; unreadable
files inside a folder are reported one by one; TensorBoard CSV/JSON exports of several
runs in one folder keep every value; files that are not training logs are refused instead
of giving runs without data; per-series x kinds; FIFOs; the Lightning format label.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest
from analysis_testutil import ROOT
from analysis_testutil import run_analyze as analyze

import analysis
import analysis.readers.errors as reader_errors
from analysis.model import LogReadError
from analysis.readers import LogTail, NotATrainingLog, load, load_many


@pytest.fixture(autouse=True)
def _strict(monkeypatch):
    monkeypatch.setattr(reader_errors, "STRICT", True)


@pytest.fixture(scope="module")
def expect(corpus_dir):
    return {e["file"]: e for e in json.loads((corpus_dir / "expect.json").read_text())}


def stats_by_metric(runs):
    return {(r.source, name): s.stats() for r in runs for name, s in r.series.items()}


# -- 1. a folder holds any mix of logs ----------------------------------------------


def test_corpus_folder_gives_every_log_and_every_tensorboard_run(corpus_dir, expect):
    """A folder of 55 logs and 7 TensorBoard runs gives every one of them, not the TensorBoard
    runs only."""
    out = load_many(corpus_dir)
    runs, errors = out
    assert errors == []
    by_source = {}
    for r in runs:
        by_source.setdefault(r.source, []).append(r)
    # every file of the reference list is a run of its own, with its expected values
    # 065 is 013's TensorBoard tag downloaded as JSON instead of CSV: the same points,
    # read once (013 is the run; 065 is listed as skipped, "one fit logged twice")
    for fname, e in expect.items():
        if fname.startswith("065_"):
            fname = next(k for k in expect if k.startswith("013_"))
        got = by_source.get(str(corpus_dir / fname))
        assert got, f"{fname} not read"
        for name, want in e["metrics"].items():
            (s,) = [r.series[name] for r in got if name in r.series]
            st = s.stats()
            assert st["n"] == want["n"] and st["last"] == pytest.approx(want["last"], rel=1e-9)
    tb = [r for r in runs if r.format == "tensorboard-events"]
    assert sorted(r.name for r in tb) == [
        "tfevents/01_keras_imdb/archive/logs/imdb-model-1690485351",
        "tfevents/03_pytorch_lr_sweep/runs/experiment_lr_0.001",
        "tfevents/03_pytorch_lr_sweep/runs/experiment_lr_0.01",
        "tfevents/03_pytorch_lr_sweep/runs/experiment_lr_0.1",
        "tfevents/04_lightning_sketchvlm",
        "tfevents/05_tf1_filewriter_batch/notebooks/log_dir",
        "tfevents/06_keras_tf1_epoch/notebooks/logs",
    ]
    # the Keras train/ + validation/ layout stays one run
    keras = next(r for r in tb if "01_keras_imdb" in r.name)
    assert {"train/epoch_loss", "validation/epoch_loss"} <= set(keras.series)
    assert len(runs) == len(expect) - 1 + 7
    # the reference files next to the logs are not logs: listed as skipped, with a reason
    assert sorted(os.path.relpath(e.source, corpus_dir) for e in out.skipped) == [
        "065_ocr_tb_run-.-tag-loss.json",
        "MANIFEST.tsv",
        "expect.json",
        "tfevents/MANIFEST.tsv",
        "tfevents/expect.json",
    ]
    dup = next(e for e in out.skipped if e.source.endswith("065_ocr_tb_run-.-tag-loss.json"))
    assert "same data as 013_ocr_tb_run-.-tag-loss.csv" in dup.reason
    assert all("not a training log" in e.reason for e in out.skipped if e is not dup)


def test_analyze_corpus_folder_cli(corpus_dir, expect):
    out = analyze("--json", corpus_dir)
    assert out.returncode == 0, out.stderr[-400:]
    doc = json.loads(out.stdout)
    assert len(doc["runs"]) == len(expect) - 1 + 7 and doc["errors"] == []
    assert len(doc["skipped"]) == 5
    assert sum(line.startswith("skipped: ") for line in out.stderr.splitlines()) == 5


def test_keras_folder_with_tensorboard_logs_reads_every_log(tmp_path, zoo_dir, corpus_dir):
    """training.log + history.json + logs/ (TensorBoard) are all read, so `--fail-on
    critical` on the folder fails where the training.log alone fails."""
    src = zoo_dir / "nan_after_lr_jump"
    for f in ("training.log", "history.json", "meta.json"):
        shutil.copy(src / f, tmp_path / f)
    shutil.copytree(
        corpus_dir / "tfevents" / "01_keras_imdb" / "archive" / "logs", tmp_path / "logs"
    )
    runs, errors = out = load_many(tmp_path)
    assert errors == []
    # history.json has every series of training.log plus learning_rate: the fit is read once
    # (named after the folder: "history" does not tell runs apart); the IMDB TensorBoard run
    # is another fit (other values): kept
    assert sorted((r.name, r.format) for r in runs) == [
        ("logs/imdb-model-1690485351", "tensorboard-events"),
        (tmp_path.name, "keras-history-json"),
    ]
    assert sorted(os.path.basename(e.source) for e in out.skipped) == [
        "meta.json",
        "training.log",
    ]
    alone = analyze("--fail-on", "critical", src / "training.log")
    folder = analyze("--fail-on", "critical", tmp_path)
    assert alone.returncode == 1
    assert folder.returncode == 1, folder.stderr


def test_zoo_folder_gives_no_meta_runs(zoo_dir):
    """A folder of labelled runs gives no "meta" runs (meta.json is not a history)."""
    runs, errors = out = load_many(zoo_dir)
    scenarios = sorted(p.name for p in zoo_dir.iterdir() if p.is_dir())
    assert errors == []

    # one run per scenario: training.log and history.json hold the same fit (read once;
    # where history.json has more keys, e.g. learning_rate, it is the one kept)
    def kept(s: str) -> str:
        keys = set(json.loads((zoo_dir / s / "history.json").read_text()))
        header = (zoo_dir / s / "training.log").read_text().splitlines()[0].split(",")
        return "history.json" if len(keys) > len(set(header) - {"epoch"}) else "training.log"

    # generic file names (training.log, history.json) -> the scenario folder's name
    assert sorted(r.name for r in runs) == scenarios
    assert sorted((r.name, os.path.basename(r.source)) for r in runs) == [
        (s, kept(s)) for s in scenarios
    ]
    assert {kept(s) for s in scenarios} == {"history.json", "training.log"}
    assert not any("meta" in r.name for r in runs)
    assert sorted(e.source for e in out.skipped if e.source.endswith("meta.json")) == sorted(
        str(zoo_dir / s / "meta.json") for s in scenarios
    )
    for s in scenarios:
        run = next(r for r in runs if r.name == s)
        want = np.loadtxt(zoo_dir / s / "training.log", delimiter=",", skiprows=1, ndmin=2)
        assert len(run.series["loss"]) == len(want)


# -- 2. load_many: partial success ---------------------------------------------------


def test_load_many_file_and_folder_contract(tmp_path, corpus_dir, cases_dir):
    good = corpus_dir / "002_akboles_training.log"
    runs, errors = load_many(good)
    assert [r.name for r in runs] == ["002_akboles_training"] and errors == []
    runs, errors = load_many(tmp_path / "nope.csv")
    assert runs == [] and [e.reason for e in errors] == ["no such file or folder"]
    # a folder: the readable logs, one error per unreadable log file, naming that file
    shutil.copy(good, tmp_path / "training.log")
    raw = (corpus_dir / "026_fashionmnist_model_history.json").read_bytes()
    (tmp_path / "history.json").write_bytes(raw[: len(raw) // 2])  # cut off mid-write
    zipped = tmp_path / "log.csv"
    zipped.write_bytes(b"PK\x03\x04" + (cases_dir / "case_08_csv_epoch_restart.csv").read_bytes())
    runs, errors = load_many(tmp_path)
    assert [r.name for r in runs] == [tmp_path.name]  # training.log: named after its folder
    assert len(runs[0].series["loss"]) == 10
    assert [e.source for e in errors] == [str(tmp_path / "history.json"), str(zipped)]
    assert "not valid JSON" in errors[0].line() and "ZIP archive" in errors[1].line()
    assert all(str(e).startswith(e.source) for e in errors)
    # ... and never in another run's notes
    assert not any("history.json" in n or "log.csv" in n for n in runs[0].notes)
    # load(): the runs; raises only when nothing could be read
    assert [r.name for r in load(tmp_path)] == [tmp_path.name]
    os.remove(tmp_path / "training.log")
    runs, errors = load_many(tmp_path)
    assert runs == [] and len(errors) == 2
    with pytest.raises(LogReadError, match="no readable training log in this folder"):
        load(tmp_path)
    assert analysis.load_many is load_many


def test_folder_without_logs_is_refused(tmp_path, zoo_dir):
    (tmp_path / "readme.txt").write_text("hi\n")
    shutil.copy(zoo_dir / "healthy_wine" / "meta.json", tmp_path / "meta.json")
    with pytest.raises(LogReadError, match="no training logs found in this folder"):
        load_many(tmp_path)
    out = analyze("--json", tmp_path)
    assert out.returncode == 2
    doc = json.loads(out.stdout)
    assert (
        doc["runs"] == [] and "no training logs found in this folder" in doc["errors"][0]["message"]
    )


def test_cli_folder_with_a_damaged_log_exits_2_with_one_line(tmp_path, corpus_dir):
    shutil.copy(corpus_dir / "030_dm2020_overfit_training_log.csv", tmp_path / "a.csv")
    raw = (corpus_dir / "050_facerecog_overfit_training_history.json").read_bytes()
    bad = tmp_path / "b.json"
    bad.write_bytes(raw[:100])
    out = analyze("--json", tmp_path)
    assert out.returncode == 2
    doc = json.loads(out.stdout)
    assert [r["name"] for r in doc["runs"]] == ["a"]
    assert [e["source"] for e in doc["errors"]] == [str(bad)]
    (line,) = out.stderr.strip().splitlines()
    assert line.startswith(f"{bad}: ") and "not valid JSON" in line
    assert not any("b.json" in n for n in doc["runs"][0]["notes"])


def test_unreadable_file_in_a_folder_is_one_error_line(corpus_dir):
    """A file without read permission is one error line (exit status 2), not a note on
    another file's run."""
    d = Path(tempfile.mkdtemp(prefix="fitlens-perm-"))
    try:
        os.chmod(d, 0o755)
        shutil.copy(corpus_dir / "002_akboles_training.log", d / "a.log")
        shutil.copy(corpus_dir / "001_akboles_speaker250_training.log", d / "noperm.log")
        os.chmod(d / "a.log", 0o644)
        os.chmod(d / "noperm.log", 0o000)
        if os.geteuid() != 0:
            runs, errors = load_many(d)
            assert [r.name for r in runs] == ["a"]
            assert [e.line() for e in errors] == [f"{d / 'noperm.log'}: Permission denied"]
            return
        if not shutil.which("setpriv"):
            pytest.skip("running as root without setpriv: cannot drop the permission")
        out = subprocess.run(
            [
                "setpriv",
                "--reuid=65534",
                "--regid=65534",
                "--clear-groups",
                sys.executable,
                "main.py",
                "analyze",
                "--json",
                str(d),
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if out.returncode not in (0, 2) or not out.stdout.startswith("{"):
            pytest.skip(f"cannot run as an unprivileged user here: {out.stderr[-200:]}")
        assert out.returncode == 2
        doc = json.loads(out.stdout)
        assert [r["name"] for r in doc["runs"]] == ["a"]
        assert doc["errors"] == [
            {"source": str(d / "noperm.log"), "message": f"{d / 'noperm.log'}: Permission denied"}
        ]
        assert out.stderr.strip().splitlines() == [f"{d / 'noperm.log'}: Permission denied"]
        assert not any("noperm" in n for n in doc["runs"][0]["notes"])
    finally:
        shutil.rmtree(d, ignore_errors=True)


# -- 3. TensorBoard CSV/JSON exports of several runs in one folder ------------------


TB_EXPORTS = ("010", "011", "012", "013", "058", "059", "065")


def test_tensorboard_exports_of_several_runs_keep_every_value(tmp_path, corpus_dir, expect):
    """7 exports (5 tagged `loss`) of several runs are not merged into one run: every value
    is kept."""
    files = [next(corpus_dir.glob(f"{i}_*")) for i in TB_EXPORTS]
    for f in files:
        shutil.copy(f, tmp_path / f.name)
    out = load_many(tmp_path)
    runs = out[0]
    # 065 is 013 downloaded as JSON: the same points, read once and listed as skipped
    assert len(runs) == 6
    assert [os.path.basename(e.source) for e in out.skipped] == [files[-1].name]
    for f in files[:-1]:
        e = expect[f.name]
        (run,) = [r for r in runs if r.source == str(tmp_path / f.name)]
        assert run.segments == e["segments"]
        for name, want in e["metrics"].items():
            st = run.series[name].stats()
            assert st["n"] == want["n"]
            for k in ("first", "last", "min", "max"):
                assert st[k] == pytest.approx(want[k], rel=1e-9)
    assert sum(len(s) for r in runs for s in r.series.values()) == sum(
        w["n"] for f in files[:-1] for w in expect[f.name]["metrics"].values()
    )


def test_tensorboard_exports_merge_only_without_conflict(tmp_path, corpus_dir, expect):
    """Names as TensorBoard gives them (run "." for all): one run per tag set, or one per file."""
    src = {i: next(corpus_dir.glob(f"{i}_*")) for i in TB_EXPORTS}
    one = tmp_path / "one"
    one.mkdir()
    # one run's download: loss + val_loss + val_pred_age_acc -> merged, one series per tag
    for i in ("010", "011", "012"):
        shutil.copy(src[i], one / src[i].name.split("_tb_", 1)[1])
    (run,) = load(one)
    assert sorted(run.series) == ["loss", "val_loss", "val_pred_age_acc"]
    assert all(len(s) == 30 for s in run.series.values())
    # the same tag exported as CSV and JSON with identical values (013/065): read once
    same = tmp_path / "same"
    same.mkdir()
    shutil.copy(src["013"], same / "run-.-tag-loss.csv")
    shutil.copy(src["065"], same / "run-.-tag-loss.json")
    (run,) = load(same)
    assert len(run.series["loss"]) == 1000 and run.segments == 4
    assert any("identical values" in n for n in run.notes)
    # the same tag with different values (010 vs 065): not merged, each file its own run
    clash = tmp_path / "clash"
    clash.mkdir()
    shutil.copy(src["010"], clash / "run-.-tag-loss.csv")
    shutil.copy(src["065"], clash / "run-.-tag-loss.json")
    shutil.copy(src["011"], clash / "run-.-tag-val_loss.csv")
    runs = load(clash)
    assert len(runs) == 3
    n = {os.path.basename(r.source): len(r.series[next(iter(r.series))]) for r in runs}
    assert n == {
        "run-.-tag-loss.csv": 30,
        "run-.-tag-loss.json": 1000,
        "run-.-tag-val_loss.csv": 30,
    }
    assert {r.segments for r in runs if r.source.endswith(".json")} == {4}
    assert all(any("not merged" in x for x in r.notes) for r in runs)


# -- 4. inputs that are not training logs are refused --------------------------------


def refused(path, match):
    with pytest.raises(NotATrainingLog, match=match) as exc:
        load(path)
    line = str(exc.value)
    assert "\n" not in line and line.startswith(str(path))
    return line


def test_python_source_is_refused(tmp_path, cases_dir):
    """A Python script is refused, not read as 12 "column N" metrics."""
    src = cases_dir / "case_17_clip_to_view_repro.py"
    refused(src, r"Python source code \(\.py\), not a training log")
    copy = tmp_path / "repro.txt"  # the same text under a log-like name: refused by content
    shutil.copy(src, copy)
    refused(copy, "Python source code, not a training log")
    out = analyze(src)
    assert out.returncode == 2 and out.stdout.count("column") == 0


def test_metadata_json_is_refused(zoo_dir, cases_dir):
    refused(
        zoo_dir / "healthy_wine" / "meta.json",
        "no training curves: every list in the dict is empty",
    )
    refused(cases_dir / "case_19_retrain_job.json", "no list of numbers in the dict")
    refused(cases_dir / "case_24_callback_config.json", "none of them a training history")


def test_records_without_curves_are_refused(corpus_dir):
    refused(corpus_dir / "expect.json", "records without an epoch/step key or a metric-named key")


def test_datasets_are_refused(cases_dir, demo_dir):
    line = refused(cases_dir / "case_19_tiny_dataset.csv", "looks like a dataset")
    assert "use --data/--label" in line and "'label'" in line
    refused(cases_dir / "case_27_smote_few_minority.csv", "looks like a dataset")
    if (demo_dir / "data.csv").exists():
        refused(demo_dir / "data.csv", "a label column 'target'")
    refused(cases_dir / "case_25_images_X.npy", r"shape \(10, 4, 4, 1\) \(images")
    refused(cases_dir / "case_25_images_y.npy", "whole numbers")
    out = analyze(cases_dir / "case_19_tiny_dataset.csv")
    assert out.returncode == 2 and "oscillation" not in out.stdout


def test_features_with_pandas_numeric_header_are_refused(tmp_path, corpus_dir, expect):
    """Wine's 13 features saved by pandas without column names (header 0..12) are not a
    13-metric log. Single-column DVC files and headerless TensorBoard JSON exports still
    read."""
    pd = pytest.importorskip("pandas")
    from sklearn.datasets import load_wine

    x, _ = load_wine(return_X_y=True)
    plain = tmp_path / "features.csv"
    pd.DataFrame(x).to_csv(plain, index=False)
    indexed = tmp_path / "features_index.csv"
    pd.DataFrame(x).to_csv(indexed)
    assert plain.read_text().splitlines()[0] == ",".join(map(str, range(13)))
    assert indexed.read_text().splitlines()[0] == "," + ",".join(map(str, range(13)))
    for f in (plain, indexed):
        line = refused(f, "header 0, 1, ..., 12 is pandas' default column numbering")
        assert line.startswith(f"{f}: line 1: ") and "not a training log" in line
    out = analyze(plain)
    assert out.returncode == 2 and out.stderr.count("\n") == 1
    # in a folder: listed as skipped, the log beside it is read
    shutil.copy(corpus_dir / "016_basicasr_val_loss_single_column.csv", tmp_path / "val_loss.csv")
    got = load_many(tmp_path)
    assert [list(r.series) for r in got.runs] == [["val_loss"]]
    assert sorted(os.path.basename(e.source) for e in got.skipped) == [
        "features.csv",
        "features_index.csv",
    ]
    for i in ("016", "017", "065"):
        f = next(corpus_dir.glob(f"{i}_*"))
        assert set(load(f)[0].series) == set(expect[f.name]["metrics"])


def test_logs_that_look_a_bit_like_datasets_still_read(corpus_dir, expect):
    """Single-column DVC files, pandas histories and custom CSVs are logs."""
    for i in ("016", "017", "044", "047", "048", "054", "055"):
        f = next(corpus_dir.glob(f"{i}_*"))
        runs = load(f)
        assert set(runs[0].series) == set(expect[f.name]["metrics"])


def test_object_npy_and_empty_histories_are_refused(tmp_path, corpus_dir):
    p = tmp_path / "names.npy"
    np.save(p, np.array(["loss", "accuracy", None], dtype=object), allow_pickle=True)
    refused(p, "neither numbers nor records")
    h = json.loads((corpus_dir / "026_fashionmnist_model_history.json").read_text())
    q = tmp_path / "history.json"
    q.write_text(json.dumps({k: [] for k in h}))
    refused(q, "no training curves")
    # epochs whose every metric cell is NA: no curve either
    r = tmp_path / "training.log"
    r.write_text("epoch,loss,val_loss\n0,NA,NA\n1,NA,NA\n")
    refused(r, "no training curves")


def test_header_only_logs_and_other_header_only_text(tmp_path, corpus_dir):
    header = (corpus_dir / "030_dm2020_overfit_training_log.csv").read_text().splitlines()[0]
    live = tmp_path / "training_log.csv"
    live.write_text(header + "\n")  # a live CSVLogger before its first epoch
    (run,) = load(live)
    assert set(run.series) == {"accuracy", "loss", "val_accuracy", "val_loss"}
    assert all(len(s) == 0 for s in run.series.values())
    assert any("empty live run" in n for n in run.notes)
    other = tmp_path / "people.csv"
    other.write_text("name,city,street\n")
    refused(other, "names are not those of a training log")
    ds = tmp_path / "data.csv"
    ds.write_text("f1,f2,f3,label\n")
    refused(ds, "looks like a dataset")
    # one number without a header (a .pid or exit-code file in a job folder): no curve;
    # several are a headerless single-column log
    pid = tmp_path / "worker.txt"
    pid.write_text("16082\n")
    refused(pid, "one line of numbers without a header")
    vals = (corpus_dir / "017_basicasr_loss_single_column.csv").read_text().splitlines()[1:]
    col = tmp_path / "losses.txt"
    col.write_text("\n".join(vals) + "\n")
    (run,) = load(col)
    assert len(run.series["column 1"]) == 50


# -- 5. per-series x kinds -------------------------------------------------------------


def test_keras_tensorboard_epoch_and_step_tags_carry_their_kind(corpus_dir):
    (run,) = load(corpus_dir / "tfevents" / "01_keras_imdb")
    kinds = {k: run.step_kind_of(k) for k in run.series}
    assert kinds == {
        "train/epoch_loss": "epoch",
        "train/epoch_accuracy": "epoch",
        "validation/epoch_loss": "epoch",
        "validation/epoch_accuracy": "epoch",
        "validation/evaluation_loss_vs_iterations": "step",
        "validation/evaluation_accuracy_vs_iterations": "step",
    }
    assert run.step_kind == "epoch"
    # the epoch curves count 0..19; the per-iteration ones count training steps 30..600
    assert run.series["train/epoch_loss"].step[-1] == 19
    assert run.series["validation/evaluation_loss_vs_iterations"].step[-1] == 600
    # a run of one kind only keeps the run's kind (no per-series marks)
    (lr,) = load(corpus_dir / "tfevents" / "03_pytorch_lr_sweep" / "runs" / "experiment_lr_0.1")
    assert lr.step_kind == "step" and all(s.step_kind is None for s in lr.series.values())


@pytest.mark.parametrize(
    "fid,kind",
    [
        ("001", "epoch"),
        ("018", "step"),
        ("020", "step"),
        ("014", "step"),
        ("010", "step"),
        ("026", "epoch"),
        ("033", "epoch"),
        ("047", "epoch"),
    ],
)
def test_run_step_kind_per_format(corpus_dir, fid, kind):
    (run,) = load(next(corpus_dir.glob(f"{fid}_*")))
    assert run.step_kind == kind
    if fid in ("018", "020"):  # Lightning / HF: step = global step, epoch per point
        assert all(s.epoch is not None for s in run.series.values())


# -- 6. non-regular files -------------------------------------------------------------


def test_fifo_is_refused_at_once(tmp_path, corpus_dir):
    """`analyze` on a FIFO is refused at once instead of blocking."""
    fifo = tmp_path / "training.log"
    os.mkfifo(fifo)
    with pytest.raises(LogReadError, match=r"named pipe \(FIFO\), not a regular file"):
        load(fifo)
    tail = LogTail(fifo)
    assert tail.poll() is False and "named pipe" in str(tail.error)
    shutil.copy(corpus_dir / "002_akboles_training.log", tmp_path / "good.log")
    runs, errors = load_many(tmp_path)
    assert [r.name for r in runs] == ["good"]
    assert [e.source for e in errors] == [str(fifo)]
    out = analyze(fifo, timeout=60)
    assert out.returncode == 2
    assert out.stderr.strip() == (
        f"{fifo}: a named pipe (FIFO), not a regular file: refused "
        "(reading it could block or never end)"
    )


# -- 7. format labels -------------------------------------------------------------------


def test_plain_csv_with_step_and_epoch_is_not_lightning(tmp_path, corpus_dir):
    """A plain CSV (step,epoch,loss,accuracy) is custom-csv, not lightning-csvlogger."""
    src = np.genfromtxt(corpus_dir / "002_akboles_training.log", delimiter=",", names=True)
    p = tmp_path / "train.csv"
    rows = [
        f"{i * 50},{int(e)},{float(loss)!r},{float(acc)!r}"
        for i, (e, loss, acc) in enumerate(zip(src["epoch"], src["loss"], src["acc"], strict=True))
    ]
    p.write_text("step,epoch,loss,accuracy\n" + "\n".join(rows) + "\n")
    (run,) = load(p)
    assert run.format == "custom-csv"
    assert run.step_kind == "step" and run.series["loss"].epoch.tolist() == src["epoch"].tolist()
    assert run.series["loss"].value.tolist() == src["loss"].tolist()
    for fid in ("018", "019", "045", "046", "057"):
        (run,) = load(next(corpus_dir.glob(f"{fid}_*")))
        assert run.format == "lightning-csvlogger"


def test_one_fit_logged_twice_is_read_once(zoo_dir, demo_dir):
    """training.log (CSVLogger) and history.json (history.history) of the same fit side by
    side: one run, the other file listed as skipped; the run with more series wins."""
    from analysis.readers import load_many

    runs, errors = load_many(str(demo_dir))
    assert errors == []
    assert [os.path.basename(r.source) for r in runs] == ["training.log"]
    # nan_after_lr_jump: history.json also has learning_rate, so it is the one kept
    runs, _ = load_many(str(zoo_dir / "nan_after_lr_jump"))
    assert [os.path.basename(r.source) for r in runs] == ["history.json"]
    assert "learning_rate" in runs[0].series
    out = load_many(str(zoo_dir))
    assert len(out[0]) == 16
    assert sum("one fit logged twice" in e.line() for e in out.skipped) == 16
