"""``main.py retrain`` refusing bad input before anything is created (no TensorFlow needed)."""

from __future__ import annotations

import os
import subprocess
import sys

import pandas as pd
from retrain_testutil import ROOT, sha256_files


def _cli(args, cwd) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "retrain", *args],
        capture_output=True,
        env=env,
        cwd=cwd,
        timeout=120,
    )


def test_a_continuous_label_is_refused_with_one_line_and_no_job_folder(
    demo_dir, tmp_path, write_spec_file
):
    """QA 9: label = "mean_radius" trained a 335-class model and exited 0."""
    data = demo_dir / "data.csv"
    user_files = sha256_files([demo_dir])
    spec = write_spec_file(
        {"data": {"path": str(data), "label": "mean_radius"}, "train": {"epochs": 2}}
    )
    res = _cli([str(spec)], cwd=tmp_path)
    assert res.returncode == 2
    assert res.stdout == b""
    n = pd.read_csv(data)["mean_radius"].nunique()
    err = res.stderr.decode().splitlines()
    assert len(err) == 1
    assert err[0].startswith(
        f"fitlens retrain: {data}: column 'mean_radius': the label looks "
        f"continuous: {n} distinct values among 417 rows, not whole numbers"
    )
    assert err[0].endswith(
        "; FitLens retrains classifiers, so choose a column of class labels "
        "(columns that look like classes: 'target')"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["spec.toml"]  # no runs/ folder
    assert sha256_files([demo_dir]) == user_files


def test_spec_typos_and_a_wrong_label_leave_nothing_behind(demo_dir, tmp_path, write_spec_file):
    out = tmp_path / "job"
    spec = write_spec_file(
        {
            "data": {"path": str(demo_dir / "data.csv"), "label": "Target"},
            "train": {"epoch": 3, "batch_size": 0},
            "output": {"dir": str(out)},
        }
    )
    res = _cli([str(spec)], cwd=tmp_path)
    assert res.returncode == 2
    assert res.stderr.decode().splitlines() == [
        f"fitlens retrain: {spec}: 2 problems: [train]: unknown key 'epoch'; did you mean "
        "'epochs'? | [train] batch_size: must be in [1, inf], got 0"
    ]
    spec.write_text(spec.read_text().replace("epoch = 3\nbatch_size = 0\n", ""))
    res = _cli([str(spec)], cwd=tmp_path)
    assert res.returncode == 2
    err = res.stderr.decode().splitlines()
    assert len(err) == 1 and "no column 'Target'; did you mean 'target'? (31 columns: " in err[0]
    assert not out.exists()
