"""Generate the labelled zoo: real Keras 3 trainings with known faults, and their contact sheets.

Each (scenario, seed) of :mod:`scenarios` is trained once with TensorFlow on one CPU thread
and written to ``runs/<scenario>_s<seed>/``:

- ``training.log``: ``keras.callbacks.CSVLogger`` output (epochs 0-based);
- ``history.json``: ``history.history`` as plain floats (NaN written as ``NaN``);
- ``meta.json``: the recipe (``data``, ``model``, ``optimizer``, ``learning_rate``,
  ``epochs``, ``batch_size``, ``callbacks``...), ``n_classes``, ``val_majority_rate``
  (share of the most frequent class in the validation split), ``n_train``, ``n_val``,
  ``seconds``, ``expect`` (``must``/``must_any``/``must_not`` over finding kinds) and
  ``split`` (``tune`` or ``holdout``, rule in :mod:`scenarios`).

A run is deterministic per seed (``keras.utils.set_random_seed`` and
``tf.config.experimental.enable_op_determinism``, one thread); another CPU or TensorFlow
build can still round differently, which is why the labels were checked on the plots of
the committed runs, not of a rerun.

Usage (from the project root; not part of the tests or CI, about 30 minutes on 2 cores)::

    nice -n 19 .venv/bin/python bench/zoo/make_zoo.py [--jobs 2] [--only REGEX] [--force]
    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/zoo/make_zoo.py --sheets bench/zoo/sheets

Existing runs are kept unless ``--force``; ``--relabel`` rewrites only the ``expect`` and
``split`` of every ``meta.json`` from :mod:`scenarios` (after a relabel). ``--sheets DIR``
draws every run (9 per PNG, see :mod:`sheets`) instead of training.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import scenarios  # noqa: E402

RUNS = HERE / "runs"


def run_dir(scenario: dict, seed: int, root: Path = RUNS) -> Path:
    return root / f"{scenario['scenario']}_s{seed}"


def _limit_threads() -> None:
    """One OpenMP/TensorFlow thread per process: the machine's cores are shared."""
    os.environ["OMP_NUM_THREADS"] = "1"
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    tf.config.experimental.enable_op_determinism()


def _plain(values) -> list[float]:
    """History values as plain Python floats (NaN and inf kept)."""
    return [float(v) for v in values]


def _meta(scenario: dict, seed: int, split, history: dict, seconds: float) -> dict:
    """``meta.json`` of one run, in the shared zoo's shape plus ``split``."""
    recipe = {k: v for k, v in scenario.items() if k not in ("scenario", "expect")}
    majority = split.val_majority_rate
    return {
        "scenario": scenario["scenario"],
        "seed": seed,
        **recipe,
        "n_classes": split.n_classes,
        "val_majority_rate": majority,
        "n_train": int(len(split.x_train)),
        "n_val": int(len(split.x_val)),
        "epochs_run": len(next(iter(history.values()))),
        "seconds": round(seconds, 1),
        "expect": scenarios.labels_of(scenario, seed),
        "split": scenarios.split_of(scenario, seed),
    }


def train(scenario: dict, seed: int, out: Path) -> float:
    """Train one run, write its three files into ``out``; returns the seconds it took."""
    import keras
    from build import build_callbacks, build_model, build_optimizer, loss_and_metrics, make_split

    keras.utils.set_random_seed(seed)
    split = make_split(scenario["data"], seed)
    model = build_model(scenario["model"], split)
    steps = math.ceil(len(split.x_train) / scenario["batch_size"])
    loss, metrics = loss_and_metrics(scenario, split)
    model.compile(optimizer=build_optimizer(scenario, steps), loss=loss, metrics=metrics)
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    hist = model.fit(
        split.x_train,
        split.y_train,
        validation_data=(split.x_val, split.y_val),
        epochs=scenario["epochs"],
        batch_size=scenario["batch_size"],
        callbacks=build_callbacks(scenario, str(out / "training.log")),
        verbose=0,
    )
    seconds = time.perf_counter() - start
    history = {k: _plain(v) for k, v in hist.history.items()}
    (out / "history.json").write_text(json.dumps(history) + "\n")
    meta = _meta(scenario, seed, split, history, seconds)
    (out / "meta.json").write_text(json.dumps(meta, indent=1) + "\n")
    keras.backend.clear_session()
    return seconds


def _selected(only: str | None) -> list[tuple[dict, int]]:
    chosen = scenarios.runs()
    if only:
        pattern = re.compile(only)
        chosen = [(sc, s) for sc, s in chosen if pattern.search(run_dir(sc, s).name)]
    return chosen


def generate(only: str | None, force: bool, shard: tuple[int, int]) -> int:
    """Train the selected runs of this shard that are not on disk yet (all with ``force``)."""
    _limit_threads()
    index, count = shard
    todo = [
        (sc, s)
        for i, (sc, s) in enumerate(_selected(only))
        if i % count == index and (force or not (run_dir(sc, s) / "meta.json").is_file())
    ]
    for n, (sc, seed) in enumerate(todo, 1):
        out = run_dir(sc, seed)
        seconds = train(sc, seed, out)
        print(f"[{index}/{count}] {n}/{len(todo)} {out.name}: {seconds:.1f}s", flush=True)
    return 0


def relabel() -> int:
    """Rewrite ``expect`` and ``split`` of every generated run from :mod:`scenarios`;
    remove the folders of dropped runs."""
    by_name = {sc["scenario"]: sc for sc in scenarios.SCENARIOS}
    for meta_path in sorted(RUNS.glob("*/meta.json")):
        meta = json.loads(meta_path.read_text())
        scenario, seed = by_name.get(meta["scenario"]), meta["seed"]
        if scenario is None or (meta["scenario"], seed) in scenarios.DROPPED:
            for f in meta_path.parent.iterdir():
                f.unlink()
            meta_path.parent.rmdir()
            print(f"removed {meta_path.parent.name}")
            continue
        meta["expect"] = scenarios.labels_of(scenario, seed)
        meta["split"] = scenarios.split_of(scenario, seed)
        meta_path.write_text(json.dumps(meta, indent=1) + "\n")
    return 0


def _spawn(jobs: int, only: str | None, force: bool) -> int:
    """Run ``jobs`` shards as child processes (each with one TensorFlow thread)."""
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    base = [sys.executable, str(Path(__file__).resolve())]
    extra = (["--only", only] if only else []) + (["--force"] if force else [])
    procs = [
        subprocess.Popen([*base, "--shard", f"{i}/{jobs}", *extra], env=env) for i in range(jobs)
    ]
    return max(p.wait() for p in procs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=1, help="training processes (at most 2 here)")
    parser.add_argument("--shard", default="0/1", help="K/N: train every N-th run from the K-th")
    parser.add_argument("--only", help="regular expression on the run folder name")
    parser.add_argument("--force", action="store_true", help="retrain runs already on disk")
    parser.add_argument("--relabel", action="store_true", help="rewrite expect/split only")
    parser.add_argument("--sheets", type=Path, help="draw contact sheets into this folder")
    args = parser.parse_args(argv)
    if args.sheets:
        from sheets import write_sheets

        for path in write_sheets(RUNS, args.sheets, args.only):
            print(path)
        return 0
    if args.relabel:
        return relabel()
    if args.jobs > 1:
        return _spawn(args.jobs, args.only, args.force)
    index, count = (int(p) for p in args.shard.split("/"))
    return generate(args.only, args.force, (index, count))


if __name__ == "__main__":
    sys.exit(main())
