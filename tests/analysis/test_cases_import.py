"""Loading and saving histories: the shared case inputs, each with the value it is known to hold.

Float32 pickles, accuracy and learning-rate key spellings, a second ``fit()`` appended,
repeated headers and restarted epochs, ``validation_freq > 1``, non-finite values, cut
last rows and batch-level running means; the numbers asserted are the ones the case
descriptions state for each input.
"""

from __future__ import annotations

import json
import pickle

import numpy as np
import pytest
from analysis_testutil import run_analyze

import analysis.readers.errors as reader_errors
from analysis import naming
from analysis.model import LogReadError
from analysis.readers import (
    append_runs,
    deaverage_running_mean,
    epoch_end_values,
    history,
    load,
    safe_pickle,
)


@pytest.fixture(autouse=True)
def _strict(monkeypatch):
    monkeypatch.setattr(reader_errors, "STRICT", True)


def one(path, **kw):
    runs = load(path, **kw)
    assert len(runs) == 1
    return runs[0]


# -- numpy float32 history pickle ------------------------------------


def test_float32_pickle_loads_3_epochs(cases_dir):
    run = one(cases_dir / "case_01_float32_history.pkl")
    loss = run.series["loss"]
    assert loss.step.tolist() == [0.0, 1.0, 2.0]
    # float32 values: 0.6931 -> 0.5012 -> 0.4127 within float32 precision
    np.testing.assert_allclose(loss.value, [0.6931, 0.5012, 0.4127], rtol=1e-6)
    assert naming.is_learning_rate("lr")
    np.testing.assert_allclose(run.series["lr"].value, [0.001, 0.001, 0.0005], rtol=1e-6)
    # nb_steps (np.int64 31, 62, 93) is a counter, not a metric
    assert "nb_steps" not in run.series
    assert run.axes["nb_steps"].value.tolist() == [31.0, 62.0, 93.0]
    assert any("restricted unpickler" in n and "can run code" in n for n in run.notes)


def test_export_json_has_plain_numbers(cases_dir):
    out = run_analyze("--json", cases_dir / "case_01_float32_history.pkl")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)  # strict JSON: would fail on float32 objects or NaN
    m = doc["runs"][0]["metrics"]["loss"]
    assert m["n"] == 3
    assert m["first"] == pytest.approx(0.6931, rel=1e-6)
    assert m["last"] == pytest.approx(0.4127, rel=1e-6)


def test_numpy2_pickle_under_numpy1_says_so(cases_dir, monkeypatch):
    monkeypatch.setattr(safe_pickle, "NUMPY_MAJOR", 1)
    with pytest.raises(LogReadError) as exc:
        load(cases_dir / "case_01_float32_history.pkl")
    msg = str(exc.value)
    assert "written with NumPy 2" in msg and "re-export" in msg
    assert "ModuleNotFoundError" not in msg and "\n" not in msg


def test_pickle_never_runs_code(tmp_path):
    marker = tmp_path / "ran"

    class Evil:
        def __reduce__(self):
            import os

            return (os.system, (f"touch {marker}",))

    p = tmp_path / "history.pkl"
    p.write_bytes(pickle.dumps({"loss": [1.0, 0.5], "x": Evil()}))
    with pytest.raises(LogReadError) as exc:
        load(p)
    assert "system" in str(exc.value) and "not allowed" in str(exc.value)
    assert not marker.exists()


# -- acc / accuracy / binary_accuracy --------------------------------


def test_accuracy_key_spellings_give_the_same_panel(cases_dir):
    old = one(cases_dir / "case_03_keys_old_acc.json")
    new = one(cases_dir / "case_03_keys_binary_accuracy.json")
    for run, key in ((old, "acc"), (new, "binary_accuracy")):
        assert naming.is_accuracy(key) and naming.is_accuracy("val_" + key)
        assert (key, "val_" + key) in naming.pairs(run.series)
        assert naming.direction(key) == "max"
        np.testing.assert_allclose(run.series[key].value, [0.55, 0.68, 0.74])
        np.testing.assert_allclose(run.series["val_" + key].value, [0.57, 0.66, 0.70])


# -- lr vs learning_rate ---------------------------------------------


def test_lr_and_learning_rate(cases_dir):
    csv_run = one(cases_dir / "case_04_csvlogger_lr_tfkeras2.csv")
    json_run = one(cases_dir / "case_04_history_learning_rate_keras3.json")
    for run, key in ((csv_run, "lr"), (json_run, "learning_rate")):
        assert naming.family(key) == "lr"
        assert naming.partner(key, run.series) is None  # no "missing val_lr"
        lr = run.series[key]
        # halves 0.001 -> 0.0005 at epoch 4
        change = np.flatnonzero(np.diff(lr.value) != 0) + 1
        assert lr.step[change].tolist() == [4.0]
        assert lr.value[change[0]] == pytest.approx(0.0005)
    for k in ("loss", "accuracy", "val_loss", "val_accuracy"):
        np.testing.assert_array_equal(csv_run.series[k].value, json_run.series[k].value)


# -- fit() twice, overlapping epoch ----------------------------------


def test_append_run_reports_overlap(cases_dir):
    first = one(cases_dir / "case_06_fit1.json")
    second = one(cases_dir / "case_06_fit2_with_epoch.json")
    assert "epoch" not in second.series  # the epoch key is the x axis
    assert second.series["loss"].step.tolist() == [4.0, 5.0, 6.0, 7.0]
    joined = append_runs(first, second)
    loss = joined.series["loss"]
    assert len(loss) == 9
    assert any("second run restarted at epoch 4 — 1 epoch overlaps" in n for n in joined.notes)
    assert joined.meta["overlap"] == 1
    assert joined.segments == 2
    # part 2 drawn at x = 5..8: never two y values at one x
    x = loss.x("step")
    assert x.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]
    assert loss.segments.tolist() == [0, 5]


# -- repeated header ---------------------------------------------------


def test_repeated_header_is_a_boundary_not_data(cases_dir):
    run = one(cases_dir / "case_07_csv_duplicate_header.csv")
    for k in ("accuracy", "loss", "val_accuracy", "val_loss"):
        s = run.series[k]
        assert s.step.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]
        assert s.segments.tolist() == [0, 3]
        assert s.n_finite == 5
    assert run.series["loss"].value.tolist() == [0.66, 0.58, 0.53, 0.49, 0.46]
    assert any("2 header rows" in n for n in run.notes)


def test_later_header_with_other_columns_maps_by_name(tmp_path):
    p = tmp_path / "log.csv"
    p.write_text(
        "epoch,loss,val_loss\n0,0.9,0.8\n1,0.7,0.6\n"
        "epoch,accuracy,loss,val_loss\n2,0.5,0.6,0.55\n3,0.6,0.5,0.5\n"
    )
    run = one(p)
    assert run.series["loss"].value.tolist() == [0.9, 0.7, 0.6, 0.5]
    assert run.series["val_loss"].value.tolist() == [0.8, 0.6, 0.55, 0.5]
    # the new column has no cells in the first block: missing, not zero
    assert run.series["accuracy"].step.tolist() == [2.0, 3.0]


# -- epoch restarts at 0 -----------------------------------------------


def test_epoch_restart_gives_two_segments(cases_dir):
    run = one(cases_dir / "case_08_csv_epoch_restart.csv")
    assert run.segments == 2
    loss = run.series["loss"]
    assert loss.step.tolist() == [0.0, 1.0, 2.0, 0.0, 1.0, 2.0]
    assert loss.x("step").tolist() == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    assert np.all(np.diff(loss.x("step")) > 0)  # never drawn backwards


# -- validation_freq > 1 ------------------------------------------------


def test_csv_na_is_missing_not_nan(cases_dir):
    run = one(cases_dir / "case_10_csv_validation_freq_NA.csv")
    val = run.series["val_loss"]
    assert val.step.tolist() == [2.0, 5.0, 8.0]
    assert val.value.tolist() == [0.74, 0.66, 0.63]
    assert val.n_nonfinite == 0
    assert run.meta["validation_freq"] == 3


def test_json_short_val_list_infers_validation_freq(cases_dir):
    run = one(cases_dir / "case_10_history_validation_freq.json")
    assert run.series["loss"].step.tolist() == list(map(float, range(9)))
    assert run.series["val_loss"].step.tolist() == [2.0, 5.0, 8.0]
    assert run.meta["validation_freq"] == 3
    assert any(
        "val_loss has 3 values for 9 epochs; assumed validation every 3 epochs" in n
        for n in run.notes
    )
    # the user can override the inference
    run2 = one(cases_dir / "case_10_history_validation_freq.json", validation_freq=2)
    assert run2.series["val_loss"].step.tolist() == [1.0, 3.0, 5.0]


def test_all_nan_val_means_no_validation_data(tmp_path):
    p = tmp_path / "log.csv"
    p.write_text("epoch,loss,val_loss\n0,0.9,nan\n1,0.7,nan\n2,0.6,nan\n")
    run = one(p)
    assert run.meta["no_validation"] == ["val_loss"]
    assert any("no validation data" in n and "not a divergence" in n for n in run.notes)


def test_validation_freq_inference_rule():
    # Keras validates after epoch e when (e + 1) % f == 0
    assert history.infer_validation_freq(9, 3) == 3
    assert history.infer_validation_freq(10, 3) == 3
    assert history.infer_validation_freq(10, 5) == 2
    assert history.infer_validation_freq(10, 4) is None  # no f gives 4 of 10
    assert history.infer_validation_freq(5, 4) is None  # an interrupted run, not a frequency


# -- inf / NaN ------------------------------------------------------------


def test_nonfinite_kept_and_counted(cases_dir):
    run = one(cases_dir / "case_11_csv_nan_inf.csv")
    loss = run.series["loss"]
    assert loss.n_finite == 5 and loss.n_nonfinite == 3
    assert np.isinf(loss.value[5]) and np.isnan(loss.value[6:]).all()
    st = loss.stats()
    assert st["last"] == 0.41 and st["max"] == 0.84
    finite = loss.step[np.isfinite(loss.value)]
    assert finite[-1] == 4.0


@pytest.mark.parametrize("last", [b"8,0.3,NA", b"8,0.3,"])
def test_partial_last_row_is_accepted(tmp_path, cases_dir, last):
    """Training stopped mid-epoch: CSVLogger writes the row with its val cells missing
    (``NA`` in Keras 3, empty in Keras 2), here without a final line end: read."""
    p = tmp_path / "log.csv"
    p.write_bytes(
        (cases_dir / "case_11_csv_nan_inf.csv").read_bytes().rstrip(b"\r\n") + b"\n" + last
    )
    run = one(p)
    assert run.series["loss"].step[-1] == 8.0
    assert run.series["loss"].value[-1] == 0.3
    assert len(run.series["val_loss"]) == 8  # the missing cell is not a value
    assert not any("not read" in n for n in run.notes)


def test_cut_last_row_is_not_read(tmp_path, cases_dir):
    """A row cut while being written (fewer cells, no line end) is not a row."""
    p = tmp_path / "log.csv"
    p.write_bytes((cases_dir / "case_11_csv_nan_inf.csv").read_bytes().rstrip(b"\r\n") + b"\n8,0.3")
    run = one(p)
    assert run.series["loss"].step[-1] == 7.0
    assert any("last line (line 10) has no line end" in n for n in run.notes)


# -- batch-level running means -------------------------------------------


def test_batch_running_means(cases_dir):
    run = one(cases_dir / "case_13_batch_logs_running_mean.csv")
    s = run.series["loss_running_mean"]
    assert run.step_kind == "step"
    assert run.meta["running_mean"] == ["loss_running_mean"]
    assert any("running means since the start of each epoch" in n for n in run.notes)
    assert s.epoch.tolist() == [0.0] * 4 + [1.0] * 4 + [2.0] * 4
    ends = epoch_end_values(s)
    assert ends.value.tolist() == [0.78, 0.53, 0.41]
    assert ends.step.tolist() == [0.0, 1.0, 2.0]
    per_batch = deaverage_running_mean(s)
    np.testing.assert_allclose(
        per_batch.value,
        [1.0, 0.8, 0.7, 0.62, 0.6, 0.56, 0.5, 0.46, 0.46, 0.42, 0.4, 0.36],
        atol=2e-6,
    )
