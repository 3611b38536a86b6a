"""Level of detail for long series: spikes survive every level and every zoom (CASES.md 15, 18)."""

from __future__ import annotations

import numpy as np
import pytest
from gui_helpers import read_columns, spec_for, wait_loaded

from gui.lod import FACTOR, LOD_MIN_POINTS, PeakPyramid, _envelope


def _spiky(cases_dir, repeats: int):
    cols = read_columns(cases_dir / "case_15_batch_loss_spike.csv")
    y = np.tile(np.array(cols["loss"]), repeats)
    return np.arange(len(y), dtype=float), y, cols


def test_envelope_keeps_the_one_step_spike(cases_dir):
    x, y, cols = _spiky(cases_dir, 1)
    ex, ey = _envelope(x, y, FACTOR)
    assert len(ey) == 2 * -(-len(y) // FACTOR)
    assert np.all(np.diff(ex) > 0)  # still sorted: clip-to-view stays valid
    i = int(np.argmax(ey))
    assert ey[i] == 9.5 and ex[i] <= 3217 < ex[i] + FACTOR  # "max 9.5 at step 3217"
    assert ey.min() == pytest.approx(min(cols["loss"]))


def test_pyramid_levels_and_choice(cases_dir):
    x, y, _ = _spiky(cases_dir, 200)  # 1,000,000 points, 200 spikes
    p = PeakPyramid(x, y)
    assert len(p.levels) >= 3
    for lx, ly in p.levels:
        assert np.nanmax(ly) == 9.5 and np.all(np.diff(lx) > 0)
    assert p.choose(0, 1e6, 1000) == len(p.levels) - 1  # all visible: coarsest level
    assert p.choose(3000, 3500, 1000) == 0  # 500 points: the data themselves


def test_long_series_drawn_from_a_level_with_every_spike(qtbot, window, cases_dir, tmp_path):
    x, y, _ = _spiky(cases_dir, 200)
    assert len(y) >= LOD_MIN_POINTS
    f = tmp_path / "batch_log.csv"
    f.write_text(
        "step,loss\n" + "\n".join(f"{i},{v}" for i, v in zip(range(len(y)), y, strict=True))
    )
    window.set_smoothing(0.0)
    window.open_paths([str(f)])
    wait_loaded(qtbot, window, 1)
    s = spec_for(window, "loss", "loss")
    assert len(s.data) == len(y)  # every point kept in memory
    p = window.plot_area.plot("loss")
    it = p._items[(s.key, "loss")]
    qtbot.wait(50)
    assert it.level > 0
    dx, dy = it.raw.getData()
    assert len(dy) < 20000 and np.nanmax(dy) == 9.5  # drawn from few points, spikes kept
    window.plot_area.set_x_range(3000, 3500)  # zoomed in: the data themselves
    qtbot.wait(50)
    assert it.level == 0
    dx, dy = it.raw.getData()
    assert np.nanmax(dy) == 9.5 and dx.min() <= 3217 <= dx.max()
