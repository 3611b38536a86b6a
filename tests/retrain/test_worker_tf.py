"""The real worker with TensorFlow: tiny data, few epochs, the issue's done-when bars.

Each test runs ``python -m retrain.worker`` in its own process (as the GUI and
CLI do), with TensorFlow's C++ logging fully on (``TF_CPP_MIN_LOG_LEVEL=0``) so
that a clean stdout proves the stream is protected.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from retrain_testutil import ROOT, run_worker, sha256_files

from retrain.models import read_model_config
from retrain.outdir import read_marker

pytestmark = pytest.mark.tf

HERE = Path(__file__).resolve().parent


def _metrics(out: Path) -> dict:
    return json.loads((out / "metrics.json").read_text())


def _history(out: Path) -> dict:
    return json.loads((out / "history.json").read_text())


def _log_rows(out: Path) -> list[str]:
    return (out / "training.log").read_text().splitlines()[1:]


@pytest.fixture
def demo_spec(demo_dir):
    p = demo_dir / "retrain.toml"
    if not p.exists():
        pytest.skip("demo assets not generated yet")
    return p


@pytest.mark.parametrize("resampling", [None, "class_weight", "random_oversample"])
def test_demo_stuck_run_is_fixed(demo_spec, demo_dir, tmp_path, write_spec_file, resampling):
    """Demo: its spec as written (standardize + class_weight + learning_rate 0.001), and at
    the stuck run's own learning rate (0.3) standardize + class_weight or + oversampling."""
    user_files = sha256_files([demo_dir])
    spec = demo_spec
    if resampling:
        import tomllib

        d = tomllib.loads(demo_spec.read_text())
        assert d["train"]["learning_rate"] == 0.3
        d["data"]["path"] = str(demo_dir / d["data"]["path"])
        d["model"]["path"] = str(demo_dir / d["model"]["path"])
        d["remedies"] = {"standardize": True, resampling: True}
        if resampling == "class_weight":
            d["remedies"]["class_weight"] = "balanced"
        d.pop("output", None)
        spec = write_spec_file(d)
    out = tmp_path / "job"
    code, msgs, err, _ = run_worker(spec, out)
    assert code == 0, err[-2000:]
    m = _metrics(out)
    assert m["status"] == "completed" and m["epochs_run"] == 30
    before = m["before"]["val"]["balanced_accuracy"]
    after = m["val"]["balanced_accuracy"]
    print(
        f"demo ({resampling or 'spec as written'}): validation balanced accuracy "
        f"{before:.3f} -> {after:.3f}"
    )
    # the model file as saved predicts the majority class for everyone
    assert before <= 0.55
    assert m["before"]["val"]["predicted_counts"]["1"] == 0
    assert after >= 0.85
    # the protocol: started, 30 epochs, finished; every stdout line was JSON
    types = [x["type"] for x in msgs]
    assert types[0] == "started" and types[-1] == "finished" and types.count("epoch") == 30
    assert msgs[0]["n_val"] == m["val"]["n"] == 126  # 30 % of the demo's 417 rows
    # output folder: the job's files, training.log with one row per epoch
    assert {p.name for p in out.iterdir()} >= {
        "spec.toml",
        "training.log",
        "history.json",
        "model.keras",
        "metrics.json",
    }
    assert len(_log_rows(out)) == 30
    assert sha256_files([demo_dir]) == user_files


def test_imbalanced_unscaled_data_before_and_after(
    breast_cancer_imbalanced_csv, tmp_path, write_spec_file
):
    """The demo's recipe without its files: the stuck run, then the same run with remedies."""
    user_files = sha256_files([breast_cancer_imbalanced_csv])
    base = {
        "data": {
            "path": str(breast_cancer_imbalanced_csv),
            "label": "target",
            "validation_split": 0.3,
        },
        "model": {"hidden": [64]},
        "train": {"epochs": 20, "batch_size": 32, "learning_rate": 0.3, "seed": 0},
    }
    scores = {}
    for name, remedies in (
        ("stuck", {}),
        ("fixed", {"standardize": True, "class_weight": "balanced"}),
    ):
        spec = write_spec_file({**base, "remedies": remedies}, name=f"{name}.toml")
        code, _, err, _ = run_worker(spec, tmp_path / name)
        assert code == 0, err[-2000:]
        scores[name] = _metrics(tmp_path / name)["val"]["balanced_accuracy"]
    print(
        f"breast cancer 14 % minority, unscaled, Adam lr 0.3: balanced accuracy "
        f"{scores['stuck']:.3f} -> {scores['fixed']:.3f}"
    )
    assert scores["stuck"] <= 0.6
    assert scores["fixed"] >= 0.85
    assert sha256_files([breast_cancer_imbalanced_csv]) == user_files


def test_learning_rate_too_high_is_fixed_by_the_learning_rate_remedy(
    synth_balanced_csv, tmp_path, write_spec_file
):
    """Adam lr=2.0 on balanced data sits at 50 % accuracy."""
    base = {
        "data": {"path": str(synth_balanced_csv), "label": "target", "validation_split": 0.3},
        "model": {"hidden": [64, 64]},
        "train": {
            "epochs": 10,
            "batch_size": 32,
            "optimizer": "adam",
            "learning_rate": 2.0,
            "seed": 0,
        },
    }
    res = {}
    for name, remedies in (("lr2", {}), ("fixed", {"learning_rate": 0.001})):
        spec = write_spec_file({**base, "remedies": remedies}, name=f"{name}.toml")
        code, msgs, err, _ = run_worker(spec, tmp_path / name)
        assert code == 0, err[-2000:]
        res[name] = (_history(tmp_path / name), _metrics(tmp_path / name), msgs[0])
    h, m, started = res["lr2"]
    assert started["learning_rate"] == 2.0
    assert max(h["val_accuracy"]) <= 0.6  # chance level for two balanced classes
    h2, m2, started2 = res["fixed"]
    assert started2["learning_rate"] == 0.001
    assert h2["learning_rate"][0] == pytest.approx(0.001)
    print(
        f"lr 2.0: val accuracy {h['val_accuracy'][-1]:.3f}; learning_rate remedy 0.001: "
        f"{h2['val_accuracy'][-1]:.3f} (balanced {m2['val']['balanced_accuracy']:.3f})"
    )
    assert m2["val"]["balanced_accuracy"] >= 0.85


def test_overfitting_run_gets_a_lower_best_validation_loss(digits_small, tmp_path, write_spec_file):
    """digits, 150 training rows, a 512-512 MLP: it overfits."""
    base = {
        "data": {"path": str(digits_small)},
        "model": {"hidden": [512, 512]},
        "train": {"epochs": 40, "batch_size": 16, "learning_rate": 0.001, "seed": 0},
    }
    runs = {}
    for name, remedies in (
        ("plain", {}),
        ("fixed", {"l2": 0.001, "dropout": 0.5, "early_stopping": {"patience": 10}}),
    ):
        spec = write_spec_file({**base, "remedies": remedies}, name=f"{name}.toml")
        code, _, err, _ = run_worker(spec, tmp_path / name)
        assert code == 0, err[-2000:]
        runs[name] = (_history(tmp_path / name), _metrics(tmp_path / name))
    h0, m0 = runs["plain"]
    h1, m1 = runs["fixed"]
    # the plain run overfits: its val_loss ends above its minimum
    assert h0["val_loss"][-1] > min(h0["val_loss"]) * 1.05
    # with L2, Keras' val_loss includes the penalty; val_crossentropy is the same loss
    # without it, i.e. what the plain run's val_loss measures
    best_plain = min(h0["val_loss"])
    best_fixed = min(h1["val_crossentropy"])
    print(
        f"digits overfit: best val_loss {best_plain:.4f} (epoch "
        f"{h0['val_loss'].index(best_plain) + 1}) -> best val_crossentropy {best_fixed:.4f} "
        f"with l2+dropout+early_stopping (val_loss incl. L2 penalty: "
        f"{min(h1['val_loss']):.4f}); stopped after {m1['epochs_run']} epochs"
    )
    assert best_fixed < best_plain
    assert m1["val"]["crossentropy"] < m0["val"]["crossentropy"]
    assert m1["val"]["accuracy"] >= m0["val"]["accuracy"]
    # the saved model holds the best epoch's weights
    assert m1["weights_epoch"] == int(np.argmin(h1["val_crossentropy"])) + 1  # 1-based
    assert m1["val"]["crossentropy"] == pytest.approx(best_fixed, abs=2e-3)


def test_early_stopping_restores_best_weights_even_without_triggering(
    digits_small, tmp_path, write_spec_file
):
    spec = write_spec_file(
        {
            "data": {"path": str(digits_small)},
            "model": {"hidden": [256]},
            "train": {"epochs": 12, "batch_size": 16, "learning_rate": 0.01, "seed": 0},
            "remedies": {"early_stopping": {"patience": 100}},
        }
    )
    out = tmp_path / "job"
    code, _, err, _ = run_worker(spec, out)
    assert code == 0, err[-2000:]
    h, m = _history(out), _metrics(out)
    best = int(np.argmin(h["val_loss"]))
    assert m["epochs_run"] == 12  # EarlyStopping never stopped the run
    assert m["weights_epoch"] == best + 1  # 1-based, as the note and Keras' "Epoch 3/12"
    assert "EarlyStopping did not trigger" in m["weights_note"]
    assert f"weights of epoch {best + 1}" in m["weights_note"]
    # the saved model is the best epoch's: its validation loss is that epoch's logged value
    assert m["val"]["loss"] == pytest.approx(h["val_loss"][best], rel=1e-4)
    if best != 11:
        assert m["val"]["loss"] != pytest.approx(h["val_loss"][-1], rel=1e-4)


def _start(spec: Path, out: Path, hold: str | None = None) -> subprocess.Popen:
    """The real worker; with ``hold="E:S"`` it waits at batch S of epoch E until cancelled
    (:mod:`held_worker`), so a cancel or signal always lands mid-epoch, however fast the
    training or slow the test's reading of its output."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), TF_CPP_MIN_LOG_LEVEL="0")
    worker = ["-m", "retrain.worker"]
    if hold:
        env["FITLENS_TEST_HOLD"] = hold
        worker = [str(HERE / "held_worker.py")]
    return subprocess.Popen(
        [sys.executable, *worker, str(spec), "--output", str(out)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
        cwd=ROOT,
    )


def _until(proc: subprocess.Popen, msgs: list, pred) -> dict:
    """Read messages until ``pred(message)``; fails if the worker ends first."""
    for line in proc.stdout:
        m = json.loads(line)
        msgs.append(m)
        if pred(m):
            return m
    raise AssertionError(f"the worker ended first: {msgs[-3:]}")


def _finish(proc: subprocess.Popen, msgs: list) -> None:
    try:
        rest = proc.communicate(timeout=60)[0]
    finally:
        proc.kill()
    msgs += [json.loads(x) for x in rest.decode().splitlines()]


def test_cancel_mid_epoch_keeps_the_partial_log(digits_small, tmp_path, write_spec_file):
    spec = write_spec_file(
        {
            "data": {"path": str(digits_small)},
            "model": {"hidden": [512, 512]},
            "train": {"epochs": 50, "batch_size": 1, "seed": 0},
        }
    )
    out = tmp_path / "job"
    # the worker waits at batch 10 of the second epoch until the cancel arrives: it cannot
    # finish first (it once did in a loaded full-suite run: exit 0 instead of 3)
    proc = _start(spec, out, hold="1:10")
    msgs: list = []
    m = _until(proc, msgs, lambda m: m["type"] == "batch" and m.get("hold"))
    assert m["epoch"] == 1 and 0 < m["step"] < m["steps"] // 2
    proc.stdin.write(b"cancel\n")
    proc.stdin.flush()
    _finish(proc, msgs)
    assert proc.returncode == 3
    fin = msgs[-1]
    assert fin["type"] == "finished" and fin["status"] == "cancelled"
    m = _metrics(out)
    assert m["status"] == "cancelled" and m["reason"] == "cancelled by the user"
    assert m["partial_epoch"] is True
    assert 2 <= m["epochs_run"] < 50
    # the log keeps every epoch that ran, the cut one included, and nothing else
    rows = _log_rows(out)
    assert len(rows) == m["epochs_run"] == sum(x["type"] == "epoch" for x in msgs)
    assert msgs[-2]["type"] == "epoch" and msgs[-2]["partial"] is True
    assert (out / "model.keras").exists()
    # the cut epoch is said to be partial: batches 0..10 of its 150 ran (batch_size 1)
    assert m["steps_per_epoch"] == 150 and m["partial_epoch_batches"] == 11
    assert m["epochs_run"] == 2 and m["weights_epoch"] == 2  # 1-based, as Keras prints
    assert m["weights_note"] == (
        "weights after 11 of 150 batches of epoch 2 (cut short by the cancel; its row in "
        "training.log is partial)"
    )


@pytest.mark.parametrize("hold", ["1:val", "2:0"])
def test_a_cancel_between_epochs_logs_only_whole_epochs(
    digits_small, tmp_path, write_spec_file, hold
):
    """A cancel arriving after an epoch's last batch (here while Keras validates epoch 2,
    or just before epoch 3's first batch) must not let Keras run one batch of the next
    epoch and log it as a whole epoch: no batch of a further epoch runs, the log holds
    the whole epochs only."""
    spec = write_spec_file(
        {
            "data": {"path": str(digits_small)},
            "model": {"hidden": [64]},
            "train": {"epochs": 50, "batch_size": 16, "seed": 0},
        }
    )
    out = tmp_path / "job"
    proc = _start(spec, out, hold=hold)
    msgs: list = []
    m = _until(proc, msgs, lambda m: m["type"] == "batch" and m.get("hold"))
    assert m["epoch"] == int(hold.split(":")[0])
    assert m["steps"] == 10  # ceil(150 / 16)
    proc.stdin.write(b"cancel\n")
    proc.stdin.flush()
    _finish(proc, msgs)
    assert proc.returncode == 3
    m = _metrics(out)
    assert m["status"] == "cancelled" and m["reason"] == "cancelled by the user"
    assert m["epochs_run"] == 2 and m["partial_epoch"] is False
    assert m["partial_epoch_batches"] is None and m["steps_per_epoch"] == 10
    rows = _log_rows(out)
    assert [r.split(",")[0] for r in rows] == ["0", "1"]
    epochs = [x for x in msgs if x["type"] == "epoch"]
    assert [x["epoch"] for x in epochs] == [0, 1]
    assert not any(x["partial"] for x in epochs)
    h = _history(out)
    assert len(h["loss"]) == 2 and h["loss"] == [x["logs"]["loss"] for x in epochs]
    # model.keras holds the second epoch's weights: its score is that epoch's val_loss
    assert m["weights_epoch"] == 2 and m["weights_note"] == "weights of the last epoch (2)"
    assert m["val"]["n"] == 540
    assert m["val"]["loss"] == pytest.approx(h["val_loss"][-1], rel=1e-4)


def test_sigterm_cancels_cleanly_and_keeps_the_partial_log(digits_small, tmp_path, write_spec_file):
    """`kill -TERM <worker>` cancels: .fitlens-job says so and metrics.json is written."""
    spec = write_spec_file(
        {
            "data": {"path": str(digits_small)},
            "model": {"hidden": [64]},
            "train": {"epochs": 50, "batch_size": 4, "seed": 0},
        }
    )
    out = tmp_path / "job"
    proc = _start(spec, out, hold="1:5")
    msgs: list = []
    started = _until(proc, msgs, lambda m: m["type"] == "started")
    _until(proc, msgs, lambda m: m["type"] == "batch" and m.get("hold"))
    assert read_marker(out)["state"] == "running" and read_marker(out)["pid"] == started["pid"]
    os.kill(started["pid"], signal.SIGTERM)
    _finish(proc, msgs)
    assert proc.returncode == 3
    m = _metrics(out)
    assert m["status"] == "cancelled" and m["reason"] == "terminated by SIGTERM"
    assert m["partial_epoch"] is True and m["epochs_run"] == 2  # epoch 1 done, epoch 2 cut
    assert len(_log_rows(out)) == 2
    assert read_marker(out)["state"] == "cancelled"
    assert msgs[-1]["type"] == "finished" and msgs[-1]["status"] == "cancelled"
    assert (out / "model.keras").exists() and m["val"]["n"] == 540


def test_sigterm_after_an_unanswered_cancel_stops_at_once(digits_small, tmp_path, write_spec_file):
    """The GUI's escalation: cancel, then SIGTERM when the batch does not end in time."""
    spec = write_spec_file(
        {
            "data": {"path": str(digits_small)},
            "model": {"hidden": [64]},
            "train": {"epochs": 50, "batch_size": 4, "seed": 0},
        }
    )
    out = tmp_path / "job"
    proc = _start(spec, out, hold="1:5:busy")  # a batch that does not end by itself
    msgs: list = []
    started = _until(proc, msgs, lambda m: m["type"] == "started")
    _until(proc, msgs, lambda m: m["type"] == "batch" and m.get("hold"))
    proc.stdin.write(b"cancel\n")
    proc.stdin.flush()
    _until(proc, msgs, lambda m: m.get("cancel_seen"))
    os.kill(started["pid"], signal.SIGTERM)
    _finish(proc, msgs)
    assert proc.returncode == 3
    m = _metrics(out)
    assert m["status"] == "cancelled"
    assert m["reason"] == ("cancelled by the user; then stopped at once by SIGTERM during epoch 2")
    assert m["epochs_run"] == 1 and len(_log_rows(out)) == 1  # the cut epoch never ended
    assert m["val"] is None and not (out / "model.keras").exists()
    assert read_marker(out)["state"] == "cancelled"
    assert msgs[-1]["type"] == "finished" and msgs[-1]["metrics"] == m
    assert sorted(p.name for p in out.iterdir()) == [
        ".fitlens-job",
        "history.json",
        "metrics.json",
        "spec.toml",
        "training.log",
    ]


def test_user_model_with_lambda_is_refused(tmp_path, breast_cancer_imbalanced_csv, write_spec_file):
    model = tmp_path / "lambda.keras"
    subprocess.run(
        [sys.executable, str(HERE / "keras_models.py"), "lambda", str(model), "30"],
        check=True,
        capture_output=True,
    )
    spec = write_spec_file(
        {
            "data": {"path": str(breast_cancer_imbalanced_csv), "label": "target"},
            "model": {"path": str(model)},
        }
    )
    before = sha256_files([model])
    out = tmp_path / "job"
    code, msgs, _, _ = run_worker(spec, out)
    # refused before the folder is claimed: exit 2 and nothing created
    assert code == 2
    assert msgs == [
        {
            "type": "error",
            "version": 1,
            "kind": "model",
            "output": None,
            "message": f"{model}: has Lambda layer(s) lambda: loading them runs code stored in "
            "the file, so FitLens refuses (Keras safe_mode); if you trust the file, set "
            "[model] allow_unsafe = true",
        }
    ]
    assert not out.exists()
    assert sha256_files([model]) == before


def test_a_model_keras_cannot_rebuild_fails_the_job_with_exit_1(
    demo_spec, demo_dir, tmp_path, write_spec_file
):
    """Only Keras can tell that it cannot rebuild a model (here a layer class from another
    Keras version): found after the folder is claimed, so the job is "failed" (exit 1), and
    the CLI's message says "failed", as its exit code does."""
    import zipfile

    cfg = read_model_config(demo_dir / "model.keras")
    cfg["config"]["layers"][1]["class_name"] = "DenseV9"
    model = tmp_path / "newer.keras"
    with zipfile.ZipFile(model, "w") as zf:
        zf.writestr("config.json", json.dumps(cfg))
    out = tmp_path / "job"
    spec = write_spec_file(
        {
            "data": {"path": str(demo_dir / "data.csv"), "label": "target"},
            "model": {"path": str(model)},
            "train": {"epochs": 2},
        }
    )
    proc = _cli([str(spec), "--output", str(out)])
    stdout, err = proc.communicate(timeout=120)
    assert proc.returncode == 1, err.decode()[-2000:]
    last = err.decode().strip().splitlines()[-1]
    assert last.startswith(f"fitlens retrain: failed: {model}: Keras could not rebuild the model: ")
    assert "DenseV9" in last and last.endswith(f" ({out})")
    m = _metrics(out)
    assert m["status"] == "failed" and m["reason"] in last
    assert read_marker(out)["state"] == "failed"


def test_functional_user_model_gets_l2_and_dropout(tmp_path, digits_small, write_spec_file):
    model = tmp_path / "fn.keras"
    subprocess.run(
        [sys.executable, str(HERE / "keras_models.py"), "functional", str(model), "64"],
        check=True,
        capture_output=True,
    )
    before = sha256_files([model, digits_small])
    spec = write_spec_file(
        {
            "data": {"path": str(digits_small)},
            "model": {"path": str(model)},
            "train": {"epochs": 3, "batch_size": 32, "seed": 0},
            "remedies": {"l2": 0.0001, "dropout": 0.25},
        }
    )
    out = tmp_path / "job"
    code, msgs, err, _ = run_worker(spec, out)
    assert code == 0, err[-2000:]
    notes = msgs[0]["notes"]
    assert "l2=0.0001 on the kernels of h1, h2, digit" in notes
    assert "dropout=0.25 after h1, h2" in notes
    assert msgs[0]["loss"] == "sparse_categorical_crossentropy"
    cfg = read_model_config(out / "model.keras")
    order = [(ly["class_name"], ly["name"]) for ly in cfg["config"]["layers"]]
    assert order == [
        ("InputLayer", "pixels"),
        ("Dense", "h1"),
        ("Dropout", "h1_dropout"),
        ("Dense", "h2"),
        ("Activation", "act"),
        ("Dropout", "h2_dropout"),
        ("Dense", "digit"),
    ]
    assert sha256_files([model, digits_small]) == before


def test_output_folder_over_user_files_is_refused(breast_cancer_imbalanced_csv, write_spec_file):
    folder = breast_cancer_imbalanced_csv.parent
    before = sha256_files([folder])
    spec = write_spec_file(
        {
            "data": {"path": str(breast_cancer_imbalanced_csv), "label": "target"},
            "output": {"dir": str(folder)},
        },
        folder=folder.parent / "specs",
    )
    code, msgs, _, _ = run_worker(spec)
    assert code == 2
    assert msgs == [
        {
            "type": "error",
            "version": 1,
            "kind": "output",
            "output": None,
            "message": f"{folder}: the output folder contains your file "
            f"{breast_cancer_imbalanced_csv.name}; choose a new folder "
            "for the job's files",
        }
    ]
    assert sha256_files([folder]) == before


# -- the CLI -----------------------------------------------------------------------------


def _cli(args, hold: str | None = None, cwd: Path = ROOT, **kw) -> subprocess.Popen:
    """``main.py retrain ARGS``; with ``hold``, the same CLI (:mod:`held_cli`) running the
    worker of :mod:`held_worker`, which waits there (see :func:`_start`)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    command = [str(ROOT / "main.py"), "retrain"]
    if hold:
        env["FITLENS_TEST_HOLD"] = hold  # passed on to the worker
        command = [str(HERE / "held_cli.py")]
    return subprocess.Popen(
        [sys.executable, *command, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=cwd,
        **kw,
    )


def test_cli_json_and_exit_codes(demo_spec, tmp_path):
    proc = _cli([str(demo_spec), "--output", str(tmp_path / "job"), "--json"])
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err.decode()[-2000:]
    msgs = [json.loads(x) for x in out.decode().splitlines()]
    assert msgs[0]["type"] == "started" and msgs[-1]["type"] == "finished"
    assert msgs[-1]["metrics"]["val"]["balanced_accuracy"] >= 0.85
    # a bad spec: exit 2, one line
    bad = tmp_path / "bad.toml"
    bad.write_text("[data]\npath = 'x.csv'\nlabel = 'y'\n[train]\nepochs = -1\n")
    proc = _cli([str(bad)])
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 2
    assert err.decode().strip().splitlines() == [
        f"fitlens retrain: {bad}: [train] epochs: must be in [1, inf], got -1"
    ]


def test_cli_ctrl_c_cancels_cleanly(digits_small, tmp_path, write_spec_file):
    spec = write_spec_file(
        {
            "data": {"path": str(digits_small)},
            "model": {"hidden": [512, 512]},
            "train": {"epochs": 50, "batch_size": 2, "seed": 0},
        }
    )
    out = tmp_path / "job"
    # a shell starts background jobs with SIGINT ignored, and Python then keeps it ignored:
    # give the CLI the default handler a terminal user's process has, however pytest was run
    proc = _cli(
        [str(spec), "--output", str(out), "--json"],
        hold="1:3",
        start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        for line in proc.stdout:
            if json.loads(line).get("hold"):  # the worker waits in its second epoch
                os.killpg(proc.pid, signal.SIGINT)  # Ctrl+C reaches the whole process group
                break
        _, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 130, err.decode()[-3000:]
    m = _metrics(out)
    # the worker sees Ctrl+C as SIGINT and as the CLI's cancel line, whichever comes first
    assert m["status"] == "cancelled"
    assert m["reason"] in ("interrupted (Ctrl+C)", "cancelled by the user")
    assert len(_log_rows(out)) == m["epochs_run"] >= 1
    assert err.decode().strip().splitlines()[-1].startswith("fitlens retrain: cancelled: ")


def test_cli_worker_killed_gives_failed_with_reason(digits_small, tmp_path, write_spec_file):
    spec = write_spec_file(
        {
            "data": {"path": str(digits_small)},
            "model": {"hidden": [512, 512]},
            "train": {"epochs": 50, "batch_size": 2, "seed": 0},
        }
    )
    out = tmp_path / "job"
    proc = _cli([str(spec), "--output", str(out), "--json"], hold="2:3")
    try:
        pid = None
        for line in proc.stdout:
            m = json.loads(line)
            if m["type"] == "started":
                pid = m["pid"]
            if m.get("hold"):  # the worker waits in its third epoch
                os.kill(pid, signal.SIGKILL)
                break
        _, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 1
    m = _metrics(out)
    assert m["status"] == "failed"
    assert m["reason"].startswith("the worker was killed by signal 9 (SIGKILL)")
    assert len(_log_rows(out)) >= 2  # the partial log is kept
    assert "killed by signal 9" in err.decode().strip().splitlines()[-1]
    time.sleep(0)  # nothing left running: the worker is gone
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_cli_text_mode_says_what_the_remedies_did_and_where_the_job_goes(
    demo_spec, demo_dir, tmp_path
):
    """Text mode prints the job folder (./runs/<stem>-<time>
    under the current folder, nothing in resources/demo) and one line per remedy action."""
    import pandas as pd
    from sklearn.model_selection import train_test_split
    from sklearn.utils.class_weight import compute_class_weight

    user_files = sha256_files([demo_dir])
    proc = _cli([str(demo_spec)], cwd=tmp_path)
    out, err = proc.communicate(timeout=180)
    assert proc.returncode == 0, err.decode()[-2000:]
    lines = out.decode().splitlines()
    folders = list((tmp_path / "runs").iterdir())
    assert len(folders) == 1 and folders[0].name.startswith("retrain-")
    assert lines[0] == f"job folder: {folders[0]} (no output folder given)"
    assert sha256_files([demo_dir]) == user_files
    # what make_demo.py's split gives, computed here
    y = pd.read_csv(demo_dir / "data.csv")["target"].to_numpy()
    y_tr, y_va = train_test_split(y, test_size=0.3, stratify=y, random_state=0)
    counts = [
        ", ".join(f"{c}: {n}" for c, n in enumerate(np.bincount(part))) for part in (y_tr, y_va)
    ]
    w = compute_class_weight("balanced", classes=np.array([0, 1]), y=y_tr)
    first_epoch = next(i for i, ln in enumerate(lines) if ln.startswith("epoch 1/30"))
    assert lines[1].startswith(f"model: {demo_dir / 'model.keras'} (")
    assert lines[2:first_epoch] == [
        f"data: train {len(y_tr)} rows ({counts[0]}), validation {len(y_va)} rows "
        f"({counts[1]}); stratified 70%/30% split, seed 0",
        f"standardize: StandardScaler fitted on the {len(y_tr)} training rows (30 features), "
        "applied to training and validation",
        f"class_weight balanced: 0: {w[0]:.4g}, 1: {w[1]:.4g}, from the {len(y_tr)} training "
        "labels",
        "learning_rate: 0.001 (adam; replaces [train] learning_rate 0.3)",
    ]
    # the end: outcome, before -> after, the saved weights, what model.keras takes
    m = _metrics(folders[0])
    b, a = m["before"]["val"], m["val"]
    end = lines[lines.index(next(ln for ln in lines if ln.startswith("completed: "))) :]
    assert end[0].startswith("completed: 30 epochs in ")
    assert end[0].endswith(
        f"; validation balanced accuracy {a['balanced_accuracy']:.3f}, "
        f"accuracy {a['accuracy']:.3f} -> {folders[0]}"
    )
    assert end[1:] == [
        f"before -> after on the {a['n']} validation rows: balanced accuracy "
        f"{b['balanced_accuracy']:.3f} -> {a['balanced_accuracy']:.3f}, accuracy "
        f"{b['accuracy']:.3f} -> {a['accuracy']:.3f}, loss {b['crossentropy']:.4g} -> "
        f"{a['crossentropy']:.4g}",
        "model.keras holds the weights of the last epoch (30)",
        "model.keras takes: raw numeric features in this column order: mean_radius, "
        "mean_texture, mean_perimeter, mean_area, mean_smoothness, mean_compactness, "
        "mean_concavity, mean_concave_points, ... (30 columns, all listed in preprocessing.json); "
        "the StandardScaler of the training split is inside the model",
    ]
    assert a["balanced_accuracy"] > b["balanced_accuracy"]  # no "not better" hint here


def test_cli_text_mode_says_when_the_retrained_model_is_not_better(
    demo_spec, demo_dir, tmp_path, write_spec_file
):
    """The demo's stuck run retrained without remedies (Adam lr 0.3 on unscaled,
    imbalanced data) stays at the majority class: the CLI says so and what to try."""
    import tomllib

    d = tomllib.loads(demo_spec.read_text())
    d["data"]["path"] = str(demo_dir / d["data"]["path"])
    d["model"]["path"] = str(demo_dir / d["model"]["path"])
    d["train"]["epochs"] = 3
    d["remedies"] = {}
    d.pop("output", None)
    spec = write_spec_file(d)
    out = tmp_path / "job"
    proc = _cli([str(spec), "--output", str(out)])
    stdout, err = proc.communicate(timeout=180)
    assert proc.returncode == 0, err.decode()[-2000:]
    lines = stdout.decode().splitlines()
    m = _metrics(out)
    b, a = m["before"]["val"], m["val"]
    print("\n".join(lines[-4:]))
    assert a["predicted_counts"] == {"0": a["n"], "1": 0}  # the stuck run, again
    assert round(a["balanced_accuracy"], 3) == round(b["balanced_accuracy"], 3) == 0.5
    i = next(i for i, ln in enumerate(lines) if ln.startswith("before -> after"))
    assert lines[i + 1] == (
        f"balanced accuracy 0.500 -> 0.500: not better than the original; the retrained "
        f"model predicts '0' for all {a['n']} validation rows; try standardize, class_weight "
        f"(or random_oversample), a lower learning_rate; see what is still wrong with: "
        f"python main.py analyze {out}/training.log"
    )
    assert lines[i + 2] == "model.keras holds the weights of the last epoch (3)"
    assert lines[i + 3].startswith("model.keras takes: raw numeric features in this column order")
    assert "StandardScaler" not in lines[i + 3]  # no scaling without standardize


def test_cli_text_mode_tells_the_smote_fallback_and_the_one_hot_columns(
    cases_dir, tmp_path, write_spec_file
):
    data = cases_dir / "case_28_pandas_text_column.csv"
    spec = write_spec_file(
        {
            "data": {"path": str(data), "label": "label", "validation_split": 0.25},
            "train": {"epochs": 2, "seed": 1},
            "remedies": {"smote": True},
        }
    )
    proc = _cli([str(spec), "--output", str(tmp_path / "job")])
    out, err = proc.communicate(timeout=180)
    assert proc.returncode == 0, err.decode()[-2000:]
    lines = out.decode().splitlines()
    first_epoch = next(i for i, ln in enumerate(lines) if ln.startswith("epoch 1/2"))
    before = lines[:first_epoch]
    assert lines[0] == f"job folder: {tmp_path / 'job'}"
    assert (
        "smote: fell back to RandomOverSampler: the smallest class has 1 training row and "
        "SMOTE needs at least 2 (k_neighbors + 1)"
    ) in before
    assert any(ln.startswith("one-hot: text column(s) city -> ") for ln in before)


def test_cli_reports_a_worker_ended_by_sigterm_as_cancelled(
    digits_small, tmp_path, write_spec_file
):
    spec = write_spec_file(
        {
            "data": {"path": str(digits_small)},
            "model": {"hidden": [64]},
            "train": {"epochs": 50, "batch_size": 4, "seed": 0},
        }
    )
    out = tmp_path / "job"
    proc = _cli([str(spec), "--output", str(out), "--json"], hold="1:5")
    try:
        pid = None
        for line in proc.stdout:
            m = json.loads(line)
            pid = m.get("pid", pid)
            if m.get("hold"):
                os.kill(pid, signal.SIGTERM)  # `kill -TERM <worker pid>` from a shell
                break
        _, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 3
    assert _metrics(out)["reason"] == "terminated by SIGTERM"
    assert read_marker(out)["state"] == "cancelled"
    assert (
        err.decode()
        .strip()
        .splitlines()[-1]
        .startswith("fitlens retrain: cancelled: terminated by SIGTERM; 2 epochs in ")
    )
