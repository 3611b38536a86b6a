"""Data and model remedies, each on its own (no TensorFlow here)."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest

from retrain.data import load_dataset
from retrain.describe import describe_actions
from retrain.errors import RetrainError
from retrain.models import read_model_config
from retrain.preparation import encode, prepare
from retrain.remedies.balancing import class_weights, resample
from retrain.remedies.regularization import add_dropout, apply_l2
from retrain.remedies.scaling import standardize
from retrain.spec import DataSpec, Remedies, spec_from_dict


def _digest(a) -> str:
    return hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()


def test_standardize_uses_training_statistics_only(cases_dir):
    ds = load_dataset(DataSpec(cases_dir / "case_19_tiny_dataset.csv", "label", 0.25), seed=0)
    xt, xv = standardize(ds.x_train, ds.x_val)
    raw_t = ds.x_train.to_numpy(dtype=float)
    raw_v = ds.x_val.to_numpy(dtype=float)
    mean, std = raw_t.mean(axis=0), raw_t.std(axis=0)
    np.testing.assert_allclose(xt.to_numpy(dtype=float), (raw_t - mean) / std, atol=1e-9)
    np.testing.assert_allclose(xv.to_numpy(dtype=float), (raw_v - mean) / std, atol=1e-9)
    # f2 is ~200 +- 50 in the case: scaled to unit variance on the training rows
    assert abs(raw_t[:, 1].mean()) > 100
    np.testing.assert_allclose(xt.to_numpy(dtype=float).std(axis=0), 1.0, atol=1e-9)
    # the validation rows were not used: their scaled mean is not exactly 0
    assert np.abs(xv.to_numpy(dtype=float).mean(axis=0)).max() > 1e-3
    assert ds.x_train["f2"].iloc[0] == raw_t[0, 1]  # the input was not modified


@pytest.mark.parametrize("method", ["random_oversample", "smote", "random_undersample"])
def test_resampling_never_touches_the_validation_split(breast_cancer_imbalanced_csv, method):
    ds = load_dataset(DataSpec(breast_cancer_imbalanced_csv, "target", 0.3), seed=0)
    val_before = _digest(ds.x_val.to_numpy(dtype=np.float32)), _digest(ds.y_val)
    plain = prepare(ds, Remedies(), seed=0)
    fixed = prepare(ds, Remedies(**{method: True}), seed=0)
    # validation: same rows, same order, same values, same labels
    assert _digest(fixed.x_val) == _digest(plain.x_val)
    assert _digest(fixed.y_val) == _digest(plain.y_val)
    assert (_digest(ds.x_val.to_numpy(dtype=np.float32)), _digest(ds.y_val)) == val_before
    # training: rebalanced
    before = np.bincount(plain.y_train)
    after = np.bincount(fixed.y_train)
    assert before[0] > 5 * before[1]
    assert after[0] == after[1]
    # no validation row leaked into training
    train_rows = {r.tobytes() for r in fixed.x_train}
    assert not any(r.tobytes() in train_rows for r in fixed.x_val)
    if method != "smote":  # random resamplers only repeat or drop training rows
        originals = {r.tobytes() for r in plain.x_train}
        assert train_rows <= originals


def test_smote_k_neighbors_shrinks_with_a_small_minority(cases_dir):
    df = pd.read_csv(cases_dir / "case_27_smote_few_minority.csv")
    x, y = df[["x1", "x2"]].to_numpy(dtype=np.float32), df["label"].to_numpy()
    assert np.bincount(y).tolist() == [20, 3]
    xr, yr, rep = resample("smote", x, y, seed=0)
    assert rep["k_neighbors"] == 2  # min(5, 3 - 1)
    assert np.bincount(yr).tolist() == [20, 20]
    assert "k_neighbors=2" in rep["note"]
    # through the split: 2 minority rows left for training -> k = 1
    ds = load_dataset(DataSpec(cases_dir / "case_27_smote_few_minority.csv", "label", 0.3), seed=0)
    assert np.bincount(ds.y_train).tolist() == [14, 2]
    prep = prepare(ds, Remedies(smote=True), seed=0)
    assert prep.resampling["k_neighbors"] == 1
    assert np.bincount(prep.y_train).tolist() == [14, 14]


def test_smote_falls_back_to_random_oversampling_with_one_minority_sample():
    x = np.arange(22, dtype=np.float32).reshape(11, 2)
    y = np.array([0] * 10 + [1])
    xr, yr, rep = resample("smote", x, y, seed=0)
    assert rep["method"] == "random_oversample"
    assert "needs at least 2" in rep["note"] and "used random_oversample instead" in rep["note"]
    assert np.bincount(yr).tolist() == [10, 10]
    assert all((row == x[10]).all() for row in xr[yr == 1])


def test_smote_uses_smotenc_for_a_text_column(cases_dir):
    df = pd.read_csv(cases_dir / "case_28_pandas_text_column.csv")
    x, y = df.drop(columns="label"), df["label"].to_numpy()
    xr, yr, rep = resample("smote", x, y, categorical=["city"], seed=0)
    assert rep["method"] == "smotenc"
    assert isinstance(xr, pd.DataFrame) and list(xr.columns) == ["age", "city", "income"]
    assert np.bincount(yr).tolist() == [6, 6]
    assert set(xr["city"]) <= set(df["city"])  # only real categories, never interpolated
    # random oversampling keeps the frame and its strings too
    xo, yo, _ = resample("random_oversample", x, y, seed=0)
    assert list(xo.columns) == ["age", "city", "income"] and np.bincount(yo).tolist() == [6, 6]


def test_one_hot_encoding_is_fitted_on_the_training_split(cases_dir):
    ds = load_dataset(DataSpec(cases_dir / "case_28_pandas_text_column.csv", "label", 0.25), seed=0)
    xt, xv, names = encode(ds.x_train, ds.x_val, ds.categorical)
    cities = sorted(set(ds.x_train["city"]))
    assert names == ["age", "income"] + [f"city={c}" for c in cities]
    assert xt.dtype == np.float32 and xt.shape == (len(ds.y_train), 2 + len(cities))
    np.testing.assert_array_equal(xt[:, 2:].sum(axis=1), 1.0)
    # a city seen only in validation becomes all zeros, not an error
    unseen = set(ds.x_val["city"]) - set(cities)
    rows = ds.x_val["city"].isin(unseen).to_numpy()
    assert (xv[rows, 2:] == 0).all()


def test_images_are_oversampled_by_row_and_smote_is_refused(cases_dir):
    x = np.load(cases_dir / "case_25_images_X.npy")
    y = np.load(cases_dir / "case_25_images_y.npy")
    xr, yr, rep = resample("random_oversample", x, y, seed=0)
    assert xr.shape == (16, 4, 4, 1)
    assert np.bincount(yr).tolist() == [8, 8]
    originals = {r.tobytes() for r in x}
    assert all(r.tobytes() in originals for r in xr)  # every new row an exact copy
    with pytest.raises(RetrainError) as ei:
        resample("smote", x, y, seed=0)
    msg = str(ei.value)
    assert "refused for non-tabular input (samples of shape (4, 4, 1))" in msg
    assert "use random_oversample (with augmentation) or class_weight" in msg


def test_random_undersample():
    x = np.arange(40, dtype=np.float32).reshape(20, 2)
    y = np.array([0] * 15 + [1] * 5)
    xr, yr, rep = resample("random_undersample", x, y, seed=0)
    assert np.bincount(yr).tolist() == [5, 5]
    assert rep["counts_before"] == {0: 15, 1: 5} and rep["counts_after"] == {0: 5, 1: 5}


def test_class_weights_balanced_formula(breast_cancer_imbalanced_csv):
    ds = load_dataset(DataSpec(breast_cancer_imbalanced_csv, "target", 0.3), seed=0)
    counts = np.bincount(ds.y_train)
    w = class_weights(ds.y_train, 2)
    n = len(ds.y_train)
    assert w == pytest.approx({0: n / (2 * counts[0]), 1: n / (2 * counts[1])})
    assert w[1] > 5 * w[0]
    assert class_weights(np.array([0, 0, 2]), 3) == pytest.approx({0: 0.75, 1: 1.0, 2: 1.5})


def test_prepare_applies_remedies_in_order(breast_cancer_imbalanced_csv):
    ds = load_dataset(DataSpec(breast_cancer_imbalanced_csv, "target", 0.3), seed=0)
    prep = prepare(
        ds, Remedies(standardize=True, class_weight="balanced", random_oversample=True), seed=0
    )
    assert prep.x_train.dtype == np.float32
    # standardized before oversampling: the scaler saw the original training rows only
    raw = ds.x_train.to_numpy(dtype=np.float64)
    idx_mean = prep.x_train[: len(raw)] * raw.std(axis=0) + raw.mean(axis=0)
    np.testing.assert_allclose(idx_mean[:5], raw[:5], rtol=1e-4, atol=1e-3)
    assert prep.class_weight == pytest.approx({0: 1.0, 1: 1.0})
    assert any("class_weight after oversampling" in n for n in prep.notes)


# -- model remedies on the demo model's config --------------------------------------------


@pytest.fixture
def demo_config(demo_dir):
    path = demo_dir / "model.keras"
    if not path.exists():
        pytest.skip("demo assets not generated yet")
    return read_model_config(path)


def test_l2_on_every_dense_kernel(demo_config):
    cfg, names = apply_l2(demo_config, 0.01)
    assert names == ["hidden", "output"]
    for layer in cfg["config"]["layers"][1:]:
        assert layer["config"]["kernel_regularizer"]["class_name"] == "L2"
        assert layer["config"]["kernel_regularizer"]["config"] == {"l2": 0.01}
    # the input config is untouched
    assert all(
        ly["config"].get("kernel_regularizer") is None for ly in demo_config["config"]["layers"]
    )


def test_dropout_after_hidden_dense_only(demo_config):
    cfg, names = add_dropout(demo_config, 0.3)
    assert names == ["hidden"]
    classes = [(ly["class_name"], ly["config"]["name"]) for ly in cfg["config"]["layers"]]
    assert classes == [
        ("InputLayer", "features"),
        ("Dense", "hidden"),
        ("Dropout", "hidden_dropout"),
        ("Dense", "output"),
    ]
    assert cfg["config"]["layers"][2]["config"]["rate"] == 0.3
    # applying it again sets the rate of the existing Dropout instead of adding another
    again, _ = add_dropout(cfg, 0.5)
    assert [ly["class_name"] for ly in again["config"]["layers"]].count("Dropout") == 1
    assert again["config"]["layers"][2]["config"]["rate"] == 0.5


# -- what the remedies did, in words ---------------------------------------------------------


def _job(path, label, remedies, split=0.3, seed=0):
    spec = spec_from_dict(
        {
            "data": {"path": str(path), "label": label, "validation_split": split},
            "train": {"seed": seed},
            "remedies": remedies,
        }
    )
    ds = load_dataset(spec.data, seed=seed)
    return spec, ds, prepare(ds, spec.remedies, seed=seed)


def _counts(y) -> str:
    return ", ".join(f"{c}: {n}" for c, n in enumerate(np.bincount(y)))


def test_actions_say_what_smote_did_with_a_small_minority(cases_dir):
    spec, ds, prep = _job(
        cases_dir / "case_27_smote_few_minority.csv",
        "label",
        {"smote": True, "standardize": True, "class_weight": "balanced"},
    )
    lines = describe_actions(spec, ds, prep)
    n_min = int(np.bincount(ds.y_train).min())
    assert lines[0] == (
        f"data: train {len(ds.y_train)} rows ({_counts(ds.y_train)}), validation "
        f"{len(ds.y_val)} rows ({_counts(ds.y_val)}); stratified 70%/30% split, "
        "seed 0"
    )
    assert (
        f"standardize: StandardScaler fitted on the {len(ds.y_train)} training rows "
        "(2 features), applied to training and validation"
    ) in lines
    assert (
        f"smote: SMOTE(k_neighbors={n_min - 1}) on the training split only: "
        f"{_counts(ds.y_train)} -> {_counts(prep.y_train)} ({len(prep.y_train)} rows; "
        "validation untouched)"
    ) in lines
    assert (
        f"smote: k_neighbors reduced from 5 to {n_min - 1}: the smallest class has {n_min} "
        "training rows and k_neighbors=5 needs 6"
    ) in lines
    w = class_weights(prep.y_train, 2)
    assert any(
        ln.startswith(
            f"class_weight balanced: 0: {w[0]:.4g}, 1: {w[1]:.4g}, from the "
            f"{len(prep.y_train)} training labels"
        )
        for ln in lines
    )


def test_actions_say_smote_fell_back_or_used_smotenc_and_one_hot(cases_dir):
    seen = set()
    for seed in (0, 1):  # two seeded splits: 2 and 1 minority rows left for training
        spec, ds, prep = _job(
            cases_dir / "case_28_pandas_text_column.csv",
            "label",
            {"smote": True},
            split=0.25,
            seed=seed,
        )
        n_min = int(np.bincount(ds.y_train).min())
        seen.add(n_min)
        lines = describe_actions(spec, ds, prep)
        if n_min == 1:
            assert (
                "smote: fell back to RandomOverSampler: the smallest class has 1 training "
                "row and SMOTE needs at least 2 (k_neighbors + 1)"
            ) in lines
        else:
            assert prep.resampling["method"] == "smotenc"
            assert (
                f"smote: k_neighbors reduced from 5 to {n_min - 1}: the smallest class has "
                f"{n_min} training rows and k_neighbors=5 needs 6"
            ) in lines
            assert (
                "smote: SMOTENC so the text column(s) city get real categories of "
                "neighbours, never interpolated values"
            ) in lines
        cities = ds.x_train["city"].nunique()
        assert any(
            ln.startswith(
                f"one-hot: text column(s) city -> {cities} columns "
                "(OneHotEncoder fitted on the training split"
            )
            for ln in lines
        )
    assert seen == {1, 2}


def test_actions_list_model_remedies_and_callbacks_with_monitor_and_mode(cases_dir):
    spec, ds, prep = _job(
        cases_dir / "case_19_tiny_dataset.csv",
        "label",
        {
            "l2": 0.01,
            "learning_rate": 0.0003,
            "gradient_clipping": 1.0,
            "more_epochs": 10,
            "reduce_lr_on_plateau": {"monitor": "val_accuracy", "patience": 3},
            "early_stopping": {"patience": 7},
        },
        split=0.25,
    )
    lines = describe_actions(spec, ds, prep, ["l2=0.01 on the kernels of hidden_1, output"])
    assert lines[1:] == [
        "l2=0.01 on the kernels of hidden_1, output",
        "learning_rate: 0.0003 (adam; replaces [train] learning_rate 0.001)",
        "gradient_clipping: clipnorm=1 on the adam optimizer",
        "more_epochs: 30 + 10 = 40 epochs",
        # explicit modes from the monitors' directions
        "ReduceLROnPlateau: monitor val_accuracy, mode max, factor 0.2, patience 3, "
        "min_delta 0.0001",
        "EarlyStopping: monitor val_crossentropy, mode min, patience 7, restore_best_weights "
        "(the best epoch's weights are saved)",
    ]
    spec, ds, prep = _job(cases_dir / "case_19_tiny_dataset.csv", "label", {}, split=0.25)
    assert describe_actions(spec, ds, prep)[-1] == (
        "remedies: none (the same training from fresh weights)"
    )
