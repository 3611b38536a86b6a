"""Speed and memory of the log readers against the libraries a person would use instead.

Targets (issue 3), in one run on the same files (generated in a temp folder):

- a 1,000,000-row x 8-column Keras CSVLogger file: ``analysis.load`` <= 1.3x the time of
  ``pandas.read_csv`` (C engine, defaults);
- a Keras history JSON of 8 x 1,000,000 floats: <= 1.5x ``orjson.loads`` of the file;
- a 100,000-event TensorBoard event file: >= 5x faster than tensorboard's
  ``EventAccumulator`` with ``size_guidance`` 0 (keep every event), i.e. ratio <= 0.2;
- peak memory of each read <= 2x the float64 size of the data it returns.

Each measurement runs in a fresh interpreter (so imports and earlier runs don't blur
the memory figure): a warm-up read of a small file, then the timed reads; the time is
the best of ``REPEAT``, product and baseline alternate. Memory is the peak of the
process's anonymous resident memory (``RssAnon`` from ``/proc/self/status`` sampled every
0.5 ms) above its level before the read: heap and C allocations, not the page cache of
the file being read (pandas memory-maps the file; counting those pages would charge the
file's text, not the reader). Where ``/proc`` is missing, ``tracemalloc`` is used.

Run: ``python bench/bench_readers.py`` (prints one table; exit 1 if a target is missed).
"""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

REPEAT = 3
N_ROWS = 1_000_000
N_EVENTS = 100_000
CSV_COLS = [
    "epoch",
    "accuracy",
    "learning_rate",
    "loss",
    "precision",
    "recall",
    "val_accuracy",
    "val_loss",
]
JSON_KEYS = [
    "loss",
    "accuracy",
    "val_loss",
    "val_accuracy",
    "precision",
    "recall",
    "auc",
    "learning_rate",
]
TAGS = ["loss", "accuracy", "val_loss", "val_accuracy"]


# ---------------------------------------------------------------------------
# inputs
# ---------------------------------------------------------------------------


def make_inputs(d: Path) -> dict[str, Path]:
    import numpy as np
    import orjson
    import pandas as pd
    from tensorboard.compat.proto import event_pb2, summary_pb2, tensor_pb2

    from analysis.readers.tfrecord import frame_record

    rng = np.random.default_rng(0)
    # CSVLogger: epoch first, keys sorted, float32 values printed as float64 reprs
    vals = rng.random((N_ROWS, 7)).astype(np.float32).astype(np.float64)
    df = pd.DataFrame(vals, columns=CSV_COLS[1:])
    df.insert(0, "epoch", np.arange(N_ROWS))
    csv = d / "training.log"
    df.to_csv(csv, index=False)
    # history.history as JSON
    hist = {k: rng.random(N_ROWS).astype(np.float32).astype(np.float64).tolist() for k in JSON_KEYS}
    js = d / "history.json"
    js.write_bytes(orjson.dumps(hist))
    del hist
    # TensorBoard: half simple_value (PyTorch/TF1), half DT_FLOAT tensors (Keras/TF2)
    tb = d / "tb"
    tb.mkdir()
    meta = summary_pb2.SummaryMetadata(
        plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name="scalars")
    )
    recs = [
        frame_record(
            event_pb2.Event(wall_time=1.7e9, file_version="brain.Event:2").SerializeToString()
        )
    ]
    v = rng.random(N_EVENTS).astype(np.float32)
    for i in range(N_EVENTS):
        tag = TAGS[i % 4]
        if i % 2 == 0:
            val = summary_pb2.Summary.Value(tag=tag, simple_value=float(v[i]))
        else:
            val = summary_pb2.Summary.Value(
                tag=tag,
                metadata=meta,
                tensor=tensor_pb2.TensorProto(dtype=1, tensor_content=struct.pack("<f", v[i])),
            )
        ev = event_pb2.Event(
            wall_time=1.7e9 + i * 0.01, step=i // 4, summary=summary_pb2.Summary(value=[val])
        )
        recs.append(frame_record(ev.SerializeToString()))
    (tb / "events.out.tfevents.1700000000.bench.1.0").write_bytes(b"".join(recs))
    # smaller files of the same kind for the warm-up reads (big enough to take the same
    # code paths, so that imports and first-call costs are paid before the measurement)
    small = d / "small"
    small.mkdir()
    df.head(50_000).to_csv(small / "training.log", index=False)
    (small / "history.json").write_bytes(
        orjson.dumps({k: rng.random(60_000).tolist() for k in JSON_KEYS})
    )
    (small / "tb").mkdir()
    (small / "tb" / "events.out.tfevents.1.bench").write_bytes(b"".join(recs[:50]))
    return {"csv": csv, "json": js, "tfevents": tb}


# ---------------------------------------------------------------------------
# one measurement (in a child process)
# ---------------------------------------------------------------------------


class PeakMemory:
    """Peak anonymous RSS above the level at entry (bytes), sampled in a thread."""

    def __init__(self) -> None:
        self.proc = os.path.exists("/proc/self/status")
        self.peak = 0
        self.base = 0
        self._stop = threading.Event()

    @staticmethod
    def _anon() -> int:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("RssAnon:"):
                    return int(line.split()[1]) * 1024
        return 0

    def __enter__(self):
        if not self.proc:
            import tracemalloc

            tracemalloc.start()
            return self
        self.base = self.peak = self._anon()
        self._t = threading.Thread(target=self._run, daemon=True)
        self._t.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._anon())
            time.sleep(0.0005)

    def __exit__(self, *exc) -> None:
        if not self.proc:
            import tracemalloc

            self.peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            return
        self._stop.set()
        self._t.join()
        self.peak = max(self.peak, self._anon())

    @property
    def used(self) -> int:
        return self.peak - self.base


def _reader(kind: str, impl: str):
    """A function reading a path and returning what it read (kept alive while measured)."""
    if impl == "fitlens":
        from analysis.readers import load

        return load
    if kind == "csv":
        import pandas as pd

        return lambda p: pd.read_csv(p, engine="c")
    if kind == "json":
        import orjson

        def read(p):
            with open(p, "rb") as fh:
                return orjson.loads(fh.read())

        return read
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    from tensorboard.backend.event_processing.event_accumulator import (
        DEFAULT_SIZE_GUIDANCE,
        EventAccumulator,
    )

    guidance = {k: 0 for k in DEFAULT_SIZE_GUIDANCE}  # 0 = keep every event

    def read(p):
        ea = EventAccumulator(str(p), size_guidance=guidance)
        ea.Reload()
        return ea

    return read


def measure(kind: str, impl: str, path: str, small: str) -> dict:
    read = _reader(kind, impl)
    read(small)  # warm-up: imports, lazy modules
    with PeakMemory() as mem:
        t = time.perf_counter()
        out = read(path)
        first = time.perf_counter() - t
    del out
    times = [first]
    for _ in range(REPEAT - 1):
        t = time.perf_counter()
        out = read(path)
        times.append(time.perf_counter() - t)
        del out
    return {"times": times, "peak": mem.used}


# ---------------------------------------------------------------------------
# the table
# ---------------------------------------------------------------------------


def _child(kind: str, impl: str, path: Path, small: Path) -> dict:
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH=str(ROOT))
    out = subprocess.run(
        [sys.executable, __file__, "--measure", kind, impl, str(path), str(small)],
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
    )
    if out.returncode != 0:
        raise RuntimeError(f"{kind}/{impl} failed: {out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    rows = []
    with tempfile.TemporaryDirectory(prefix="fitlens-bench-") as tmp:
        d = Path(tmp)
        t = time.perf_counter()
        paths = make_inputs(d)
        print(
            f"inputs generated in {time.perf_counter() - t:.1f} s in {d}: "
            + ", ".join(f"{k} {_size(p) / 2**20:.0f} MB" for k, p in paths.items())
        )
        small = {
            "csv": d / "small" / "training.log",
            "json": d / "small" / "history.json",
            "tfevents": d / "small" / "tb",
        }
        # float64 size of what the product returns (values + x axes)
        data_bytes = {
            "csv": N_ROWS * len(CSV_COLS) * 8,
            "json": N_ROWS * len(JSON_KEYS) * 8,
            "tfevents": N_EVENTS * 3 * 8,
        }
        names = {
            "csv": "CSVLogger 1,000,000 rows x 8 cols",
            "json": "history JSON 8 x 1,000,000 floats",
            "tfevents": "tfevents 100,000 events",
        }
        baseline = {
            "csv": "pandas.read_csv (C engine)",
            "json": "orjson.loads",
            "tfevents": "EventAccumulator(size_guidance 0)",
        }
        target = {"csv": 1.3, "json": 1.5, "tfevents": 0.2}
        for kind in ("csv", "json", "tfevents"):
            res: dict[str, list] = {"fitlens": [], "base": []}
            peaks: dict[str, int] = {}
            for impl in ("fitlens", "base", "fitlens", "base"):  # alternate: same conditions
                r = _child(kind, impl, paths[kind], small[kind])
                res[impl].extend(r["times"])
                peaks[impl] = max(peaks.get(impl, 0), r["peak"])
            ours, base = min(res["fitlens"]), min(res["base"])
            mem_ratio = peaks["fitlens"] / data_bytes[kind]
            rows.append(
                (
                    names[kind],
                    ours,
                    baseline[kind],
                    base,
                    ours / base,
                    target[kind],
                    peaks["fitlens"],
                    peaks["base"],
                    data_bytes[kind],
                    mem_ratio,
                )
            )
    head = (
        f"{'input':36} {'FitLens s':>9}  {'baseline':36} {'base s':>7} {'ratio':>6} "
        f"{'target':>7}  {'FitLens MB':>10} {'base MB':>8} {'data MB':>8} {'mem x':>6} "
        f"{'target':>6}  verdict"
    )
    print(head)
    print("-" * len(head))
    missed = 0
    for name, ours, bname, base, ratio, tgt, peak, bpeak, data, mem in rows:
        ok_t = ratio <= tgt
        ok_m = mem <= 2.0
        missed += (not ok_t) + (not ok_m)
        verdict = (
            "ok"
            if ok_t and ok_m
            else ("slow" if not ok_t else "") + (" memory" if not ok_m else "")
        )
        print(
            f"{name:36} {ours:9.3f}  {bname:36} {base:7.3f} {ratio:6.2f} {'<= ' + str(tgt):>7}"
            f"  {peak / 2**20:10.1f} {bpeak / 2**20:8.1f} {data / 2**20:8.1f} {mem:6.2f} "
            f"{'<= 2':>6}  {verdict}"
        )
    speed = rows[2][3] / rows[2][1]
    print(
        f"(tfevents: FitLens is {speed:.1f}x faster than EventAccumulator; ratio = FitLens time "
        "/ baseline time; memory = peak anonymous RSS of the read above its start)"
    )
    return 1 if missed else 0


def _size(p: Path) -> int:
    if p.is_dir():
        return sum(f.stat().st_size for f in p.rglob("*") if f.is_file())
    return p.stat().st_size


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--measure":
        kind, impl, path, small = sys.argv[2:6]
        print(json.dumps(measure(kind, impl, path, small)))
        sys.exit(0)
    sys.exit(main())
