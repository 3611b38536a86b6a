"""``analyze``: findings in the text report and the JSON, ``--fail-on``, ``--data/--label``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from analysis.cli import main

ROOT = Path(__file__).resolve().parents[2]


def _json(capsys, argv):
    rc = main(["--json", *argv])
    return rc, json.loads(capsys.readouterr().out)


def test_text_report_marks_severity_without_colour_when_piped(capsys, zoo_dir):
    rc = main([str(zoo_dir / "nan_after_lr_jump" / "training.log")])
    out = capsys.readouterr().out
    assert rc == 0
    assert "✖ CRITICAL  non_finite  loss, epochs 15-29" in out
    assert "likely causes: 1) " in out and "remedies: learning_rate" in out
    assert "\033[" not in out  # not a terminal: no ANSI colours


def test_colour_on_a_terminal(zoo_dir):
    # a pseudo-terminal makes stdout a tty
    import os
    import pty

    master, slave = pty.openpty()
    p = subprocess.run(
        [
            sys.executable,
            "main.py",
            "analyze",
            str(zoo_dir / "stuck_at_50_adam_lr_2" / "training.log"),
        ],
        cwd=ROOT,
        stdout=slave,
        stderr=subprocess.PIPE,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    out = b"".join(chunks).decode()
    assert p.returncode == 0
    assert "\033[1;31m✖ CRITICAL\033[0m  stuck_at_chance" in out


def test_json_findings_per_run(capsys, zoo_dir):
    rc, doc = _json(capsys, [str(zoo_dir / "overfit_breast_cancer_small" / "history.json")])
    assert rc == 0 and doc["version"] == 1
    f = next(f for f in doc["runs"][0]["findings"] if f["kind"] == "overfitting")
    assert f["metric"] == "val_loss" and f["start"] == 3 and f["severity"] == "critical"
    assert f["evidence"]["best"] == pytest.approx(0.1527, abs=1e-4)
    assert f["remedies"][0] == "early_stopping"


@pytest.mark.parametrize(
    "run,level,rc",
    [
        ("healthy_breast_cancer", "warning", 0),  # no finding at all
        ("overfit_digits_small", "critical", 0),  # a warning only
        ("overfit_digits_small", "warning", 1),
        ("nan_from_start_unscaled", "critical", 1),
    ],
)
def test_fail_on(capsys, zoo_dir, run, level, rc):
    assert main(["--fail-on", level, str(zoo_dir / run / "training.log")]) == rc
    capsys.readouterr()


def test_data_and_label_add_dataset_findings(capsys, zoo_dir, cases_dir):
    rc, doc = _json(
        capsys,
        [
            "--data",
            str(cases_dir / "case_27_smote_few_minority.csv"),
            "--label",
            "label",
            str(zoo_dir / "healthy_wine" / "training.log"),
        ],
    )
    assert rc == 0
    kinds = [f["kind"] for f in doc["dataset"]["findings"]]
    assert kinds == ["class_imbalance"]
    assert doc["dataset"]["findings"][0]["evidence"]["counts"] == {"0": 20, "1": 3}


def test_dataset_findings_count_for_fail_on(capsys, cases_dir, zoo_dir):
    # case 19's f2/f3 magnitudes are >1e4 apart: a critical dataset finding, healthy run
    argv = [
        "--fail-on",
        "critical",
        "--data",
        str(cases_dir / "case_19_tiny_dataset.csv"),
        "--label",
        "label",
        str(zoo_dir / "healthy_breast_cancer" / "training.log"),
    ]
    assert main(argv) == 1
    out = capsys.readouterr().out
    assert "dataset:" in out and "unscaled_features" in out


def test_continuous_label_fails_the_gate(capsys, demo_dir):
    # `analyze --data data.csv --label mean_radius` must not pass silently: mean_radius is
    # a measurement (335 distinct values), not a class column
    rc, doc = _json(
        capsys,
        [
            "--fail-on",
            "critical",
            "--data",
            str(demo_dir / "data.csv"),
            "--label",
            "mean_radius",
            str(demo_dir / "training.log"),
        ],
    )
    assert rc == 1
    first = doc["dataset"]["findings"][0]
    assert first["kind"] == "label_not_categorical" and first["severity"] == "critical"
    assert first["metric"] == "mean_radius" and first["evidence"]["candidates"] == ["target"]


def test_dataset_class_info_reaches_the_chance_detector(capsys, tmp_path, zoo_dir):
    # a dataset whose validation split is 92 % one class, like stuck_majority_imbalanced_l2's
    import numpy as np

    y_val = np.array([0] * 92 + [1] * 8)
    p = tmp_path / "d.npz"
    np.savez(
        p,
        x_train=np.random.default_rng(0).normal(size=(100, 3)),
        y_train=y_val,
        x_val=np.random.default_rng(1).normal(size=(100, 3)),
        y_val=y_val,
    )
    rc, doc = _json(
        capsys, ["--data", str(p), str(zoo_dir / "stuck_majority_imbalanced_l2" / "training.log")]
    )
    f = next(f for f in doc["runs"][0]["findings"] if f["kind"] == "stuck_at_chance")
    assert f["evidence"]["lead"]["majority_rate"] == pytest.approx(0.92)


def test_bad_dataset_is_a_one_line_error(capsys, cases_dir, zoo_dir):
    rc = main(
        [
            "--data",
            str(cases_dir / "case_19_tiny_dataset.csv"),
            "--label",
            "nope",
            str(zoo_dir / "healthy_wine" / "training.log"),
        ]
    )
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2
    assert len(err) == 1 and "no column 'nope'" in err[0]
