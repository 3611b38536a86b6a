"""Speed of the detectors: ``diagnose`` on big and Keras-sized runs, against numpy baselines.

Targets (issue 4): all detectors over 10 series x 1,000,000 points in <= 0.5 s; a
Keras-sized run (<= 1,000 epochs) in <= 10 ms. The baseline column is numpy's own
cost of the least any analysis must do: one pass over the same data
(``np.isfinite(v).sum()`` and ``v.sum()`` per series), so the ratio says how many
"passes over the data" the whole diagnosis costs.

Run: ``python bench/bench_detectors.py`` (prints one table; exit 1 if a target is missed).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from analysis.detectors import diagnose  # noqa: E402
from analysis.model import Run, Series  # noqa: E402


def _big_run(n: int = 1_000_000, n_series: int = 10, seed: int = 0) -> Run:
    """A step-level run like a long per-batch log: decaying noisy losses, accuracies, an LR."""
    rng = np.random.default_rng(seed)
    step = np.arange(n, dtype=np.float64)
    t = step / n
    series: dict[str, Series] = {}
    base = 0.2 + 2.0 * np.exp(-5 * t)
    names = [
        "loss",
        "val_loss",
        "accuracy",
        "val_accuracy",
        "learning_rate",
        "aux_loss",
        "val_aux_loss",
        "kl_loss",
        "recon_loss",
        "val_recon_loss",
    ][:n_series]
    for i, name in enumerate(names):
        if "accuracy" in name:
            v = 0.5 + 0.45 * (1 - np.exp(-4 * t)) + rng.normal(0, 0.02, n)
        elif name == "learning_rate":
            v = np.where(t < 0.5, 1e-3, 1e-4)
        else:
            v = base * (1 + 0.1 * i) + rng.normal(0, 0.05, n)
            if name.startswith("val_"):
                v = v + 0.3 * np.maximum(t - 0.6, 0)  # overfits late
        series[name] = Series(name, step, v)
    series["loss"].value[n // 3] = 50.0  # one spike
    series["val_loss"].value[-1000:] = np.nan  # a NaN tail
    return Run("big", "<bench>", "bench", series, step_kind="step")


def _keras_run(epochs: int = 1000, seed: int = 1) -> Run:
    """A CSVLogger-sized run: 4 metrics + learning rate, one value per epoch, overfitting."""
    rng = np.random.default_rng(seed)
    e = np.arange(epochs, dtype=np.float64)
    t = e / epochs
    loss = 0.05 + 2.0 * np.exp(-6 * t) + rng.normal(0, 0.01, epochs)
    val = 0.3 + 2.0 * np.exp(-6 * t) + 0.4 * np.maximum(t - 0.4, 0) + rng.normal(0, 0.01, epochs)
    acc = np.clip(1 - loss / 2.2, 0, 1)
    vacc = np.clip(0.9 - val / 4, 0, 1)
    lr = np.where(t < 0.5, 1e-3, 1e-4)
    s = {
        n: Series(n, e, v)
        for n, v in [
            ("loss", loss),
            ("val_loss", val),
            ("accuracy", acc),
            ("val_accuracy", vacc),
            ("lr", lr),
        ]
    }
    return Run("keras", "<bench>", "keras-csvlogger", s, step_kind="epoch")


def _best(fn, repeat: int) -> float:
    fn()
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def _one_pass(run: Run) -> None:
    for s in run.series.values():
        v = s.value
        int(np.count_nonzero(np.isfinite(v)))
        float(np.nansum(v))


def main() -> int:
    rows = []
    big = _big_run()
    n_big = sum(len(s) for s in big.series.values())
    t_big = _best(lambda: diagnose(big), 5)
    b_big = _best(lambda: _one_pass(big), 5)
    rows.append(("10 series x 1,000,000 points", n_big, t_big, b_big, 0.5))
    kr = _keras_run()
    t_k = _best(lambda: diagnose(kr), 50)
    b_k = _best(lambda: _one_pass(kr), 50)
    rows.append(
        (
            "Keras run, 1,000 epochs x 5 series",
            sum(len(s) for s in kr.series.values()),
            t_k,
            b_k,
            0.010,
        )
    )
    # the real runs: the slowest of the labelled zoo (training.log), for reference
    zoo = ROOT.parent / "shared" / "zoo"
    if zoo.is_dir():
        from analysis import load

        worst = (0.0, 0.0, "", 0)
        for d in sorted(p for p in zoo.iterdir() if (p / "training.log").is_file()):
            run = load(d / "training.log")[0]
            t = _best(lambda run=run: diagnose(run), 20)
            if t > worst[0]:
                worst = (
                    t,
                    _best(lambda run=run: _one_pass(run), 20),
                    d.name,
                    sum(len(s) for s in run.series.values()),
                )
        rows.append((f"slowest zoo run ({worst[2]})", worst[3], worst[0], worst[1], 0.010))
    print(
        f"{'case':<44} {'points':>10} {'diagnose':>11} {'numpy 1 pass':>13} {'ratio':>8} "
        f"{'target':>9}  ok"
    )
    ok_all = True
    for name, pts, t, b, target in rows:
        ok = t <= target
        ok_all &= ok
        print(
            f"{name:<44} {pts:>10,} {t * 1e3:>9.2f}ms {b * 1e3:>11.3f}ms {t / b:>7.0f}x "
            f"{'<=' + format(target * 1e3, 'g') + 'ms':>9}  {'yes' if ok else 'NO'}"
        )
    return 0 if ok_all else 1


if __name__ == "__main__":
    sys.exit(main())
