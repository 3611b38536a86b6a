"""Every real log of the shared corpus (real training logs from public projects) read as
its reference file says.

The reference file (``expect.json``) holds, per file and metric, the count of finite values and the
first/last/min/max (two independent readings agreed on them), the number of
segments and, in ``notes``, the decisions (x-axis columns excluded, bookkeeping
keys excluded, duplicate lines dropped...). The same for the five TensorBoard
log folders of the corpus.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys

import pytest
from shared_paths import CORPUS, ROOT

import analysis.readers.errors as reader_errors
from analysis.readers import load

EXPECT = json.loads((CORPUS / "expect.json").read_text()) if CORPUS.is_dir() else []
TF_EXPECT = json.loads((CORPUS / "tfevents" / "expect.json").read_text()) if CORPUS.is_dir() else []


@pytest.fixture(autouse=True)
def _strict(monkeypatch):
    monkeypatch.setattr(reader_errors, "STRICT", True)


def _close(a, b) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def _check(got: dict, want: dict, label: str) -> list[str]:
    problems = []
    if got["n"] != want["n"]:
        problems.append(f"{label}: n {got['n']} != {want['n']}")
    for k in ("first", "last", "min", "max"):
        if not _close(got[k], want[k]):
            problems.append(f"{label}: {k} {got[k]} != {want[k]}")
    if "n_nonfinite" in want and got["n_nonfinite"] != want["n_nonfinite"]:
        problems.append(f"{label}: n_nonfinite {got['n_nonfinite']} != {want['n_nonfinite']}")
    return problems


@pytest.mark.parametrize("entry", EXPECT, ids=[e["id"] for e in EXPECT])
def test_corpus_file_matches_expect(corpus_dir, entry):
    runs = load(corpus_dir / entry["file"])
    got = {}
    for r in runs:
        for name, s in r.series.items():
            got[name] = s.stats()
    # the metrics are exactly the expected ones: axes and bookkeeping keys excluded
    assert set(got) == set(entry["metrics"]), (sorted(got), sorted(entry["metrics"]))
    problems = []
    for name, want in entry["metrics"].items():
        problems += _check(got[name], want, name)
    assert not problems, problems
    segments = max(r.segments for r in runs)
    assert segments == entry["segments"] or segments in entry.get("segments_alt", [])
    assert runs[0].format == entry["format"]
    # every decision a user should see is a note
    assert all(isinstance(n, str) and n for r in runs for n in r.notes)


@pytest.mark.parametrize("entry", TF_EXPECT, ids=[e["id"] for e in TF_EXPECT])
def test_tfevents_folder_matches_expect(corpus_dir, entry):
    runs = load(corpus_dir / "tfevents" / entry["path"])
    got = {}
    for r in runs:
        assert r.format == "tensorboard-events"
        for name, s in list(r.series.items()) + list(r.axes.items()):
            got[f"{r.name}/{name}"] = s
            assert s.wall_time is not None and len(s.wall_time) == len(s)
    problems = []
    for name, want in entry["metrics"].items():
        cand = [g for g in got if g == name or g.endswith("/" + name)]
        assert len(cand) == 1, (name, sorted(got))
        problems += _check(got[cand[0]].stats(), want, name)
    assert not problems, problems


def test_tfevents_keras_layout_is_one_run_with_train_and_val(corpus_dir):
    runs = load(corpus_dir / "tfevents" / "01_keras_imdb")
    assert len(runs) == 1
    from analysis import naming

    assert ("train/epoch_loss", "validation/epoch_loss") in naming.pairs(runs[0].series)


def test_tfevents_sibling_runs_are_separate(corpus_dir):
    runs = load(corpus_dir / "tfevents" / "03_pytorch_lr_sweep" / "runs")
    assert sorted(r.name for r in runs) == [
        "experiment_lr_0.001",
        "experiment_lr_0.01",
        "experiment_lr_0.1",
    ]
    assert all(list(r.series) == ["Train/Loss"] for r in runs)


def test_tfevents_lightning_epoch_tag_is_an_axis(corpus_dir):
    (run,) = load(corpus_dir / "tfevents" / "04_lightning_sketchvlm")
    assert "epoch" in run.axes and "epoch" not in run.series
    # val_loss every 5 epochs at steps 2454..19639 (491 steps per epoch)
    val = run.series["val_loss"]
    assert val.epoch is not None
    assert val.epoch[0] == 4.0 and val.epoch[-1] == 39.0


def test_check_corpus_tool_reads_every_file(corpus_dir):
    """The shared tool (one `main.py analyze --json` per file) agrees, on a sample."""
    tool = corpus_dir.parent / "tools" / "check_corpus.py"
    if not tool.exists():
        pytest.skip("check_corpus.py not found")
    ids = ["005", "013", "014", "021", "033", "046", "052", "065"]
    out = subprocess.run(
        [
            sys.executable,
            str(tool),
            sys.executable,
            str(corpus_dir / "expect.json"),
            str(corpus_dir),
            "--ids",
            *ids,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    last = out.stdout.strip().splitlines()[-1]
    assert last == f"readers: {len(ids)}/{len(ids)} files read right", out.stdout
