"""Dataset checks on the cases' CSVs and scikit-learn's bundled datasets (written to tmp)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn import datasets

from analysis.dataset import check_arrays, check_dataset, check_frame
from analysis.dataset_io import read_dataset
from analysis.dataset_labels import class_info, dataset_class_info, label_looks_continuous
from analysis.model import LogReadError
from retrain.remedies import REGISTRY


def _by_kind(fs):
    out: dict[str, list] = {}
    for f in fs:
        out.setdefault(f.kind, []).append(f)
    return out


def test_case19_tiny_dataset(cases_dir):
    # 40 rows: f1 ~ N(0,1), f2 ~ 100-330, f3 ~ +-0.02; label 31 x 0, 9 x 1
    fs = _by_kind(check_dataset(cases_dir / "case_19_tiny_dataset.csv", "label"))
    imb = fs["class_imbalance"][0]
    assert imb.evidence["counts"] == {"0": 31, "1": 9}
    assert imb.evidence["imbalance_ratio"] == pytest.approx(31 / 9, abs=0.01)
    assert imb.evidence["majority_rate"] == pytest.approx(0.775)
    assert imb.severity == "info"  # 22.5 % minority: "mild" (20-40 %) in Google's guide
    un = fs["unscaled_features"][0]
    assert un.evidence["largest_feature"] == "f2" and un.evidence["smallest_feature"] == "f3"
    assert un.evidence["magnitude_ratio"] > 1000
    assert un.remedies == ("standardize",)
    assert "missing_values" not in fs and "constant_features" not in fs


def test_case27_smote_needs_more_minority_samples(cases_dir):
    # 20 vs 3: SMOTE's default k_neighbors=5 fails; k = min(5, n_min - 1) = 2
    fs = _by_kind(check_dataset(cases_dir / "case_27_smote_few_minority.csv", "label"))
    imb = fs["class_imbalance"][0]
    assert imb.evidence["counts"] == {"0": 20, "1": 3}
    assert imb.severity == "warning"
    assert imb.evidence["smote_k_neighbors"] == 2
    assert "k_neighbors=2" in imb.message and "RandomOverSampler" in imb.message
    assert imb.remedies[:2] == ("class_weight", "random_oversample")
    assert "unscaled_features" not in fs  # x1 0-2.3, x2 0-0.96: already on one scale


def test_case28_text_column(cases_dir):
    # age, city (text), income 31000-61000; 6 vs 2
    fs = _by_kind(check_dataset(cases_dir / "case_28_pandas_text_column.csv", "label"))
    imb = fs["class_imbalance"][0]
    assert "smote" not in imb.remedies  # SMOTE cannot take the text column
    assert "SMOTENC" in imb.message
    unscaled = {f.metric for f in fs["unscaled_features"]}
    assert "income" in unscaled and "city" in unscaled
    big = next(f for f in fs["unscaled_features"] if f.metric == "income")
    assert big.evidence["largest"] == pytest.approx(61000, rel=0.01)


def test_sklearn_breast_cancer_unscaled_and_mildly_imbalanced(tmp_path):
    d = datasets.load_breast_cancer(as_frame=True)
    path = tmp_path / "breast_cancer.csv"
    d.frame.to_csv(path, index=False)
    fs = _by_kind(check_dataset(path, "target"))
    un = fs["unscaled_features"][0]
    assert un.severity == "critical"
    assert un.evidence["largest_feature"] == "worst area"
    imb = fs["class_imbalance"][0]
    assert imb.evidence["counts"] == {"0": 212, "1": 357}
    assert imb.severity == "info"
    assert class_info(d.frame["target"].to_numpy()) == (2, pytest.approx(357 / 569))


def test_sklearn_iris_is_clean(tmp_path):
    d = datasets.load_iris(as_frame=True)
    path = tmp_path / "iris.csv"
    d.frame.to_csv(path, index=False)
    assert check_dataset(path, "target") == []


def test_sklearn_digits_constant_pixels(tmp_path):
    d = datasets.load_digits(as_frame=True)
    path = tmp_path / "digits.csv"
    d.frame.to_csv(path, index=False)
    fs = _by_kind(check_dataset(path, "target"))
    const = fs["constant_features"][0]
    expected = [c for c in d.data.columns if d.data[c].nunique() == 1]
    assert sorted(const.evidence["constant"]) == sorted(expected)
    assert const.severity == "info"


def test_npz_split_overlap_and_images(tmp_path):
    d = datasets.load_digits()
    x = (d.images * 16).astype(np.uint8)[..., None]  # (n, 8, 8, 1) raw "pixels" 0-240
    y = d.target
    x_val = np.concatenate([x[1200:], x[:40]])  # 40 rows copied from training
    y_val = np.concatenate([y[1200:], y[:40]])
    path = tmp_path / "split.npz"
    np.savez(path, x_train=x[:1200], y_train=y[:1200], x_val=x_val, y_val=y_val)
    fs = _by_kind(check_dataset(path, None))
    ov = fs["train_val_overlap"][0]
    dup_in_source = int(
        pd.DataFrame(x[1200:].reshape(len(x) - 1200, -1))
        .merge(pd.DataFrame(x[:1200].reshape(1200, -1)).drop_duplicates())
        .shape[0]
    )
    assert ov.evidence["overlap"] == 40 + dup_in_source
    assert ov.evidence["val_rows"] == len(x_val)
    assert fs["unscaled_features"][0].evidence["largest"] == pytest.approx(240)
    ds = read_dataset(path)
    assert dataset_class_info(ds)[0] == 10


def test_missing_values_and_missing_labels(tmp_path):
    d = datasets.load_wine(as_frame=True)
    df = d.frame.copy()
    df.loc[[3, 7, 11], "alcohol"] = np.nan
    df.loc[5, "target"] = np.nan
    fs = _by_kind(check_frame(df, "target"))
    miss = fs["missing_values"]
    feat = next(f for f in miss if f.metric == "alcohol")
    assert feat.evidence["missing"] == {"alcohol": 3} and feat.severity == "critical"
    assert any(f.evidence.get("label_missing") == 1 for f in miss)


def test_one_hot_labels_and_regression_target():
    d = datasets.load_iris()
    onehot = np.eye(3)[d.target[:120]]  # classes 0/1 fully, class 2 only 20 rows
    fs = check_arrays(d.data[:120], onehot)
    imb = next(f for f in fs if f.kind == "class_imbalance")
    assert imb.evidence["counts"] == {"0": 50, "1": 50, "2": 20}
    reg = datasets.load_diabetes()
    assert not [f for f in check_arrays(reg.data, reg.target) if f.kind == "class_imbalance"]
    assert class_info(reg.target) == (None, None)


def test_remedies_are_from_the_vocabulary(cases_dir):
    for name in (
        "case_19_tiny_dataset.csv",
        "case_27_smote_few_minority.csv",
        "case_28_pandas_text_column.csv",
    ):
        for f in check_dataset(cases_dir / name, "label"):
            assert set(f.remedies) <= set(REGISTRY.names())
            assert f.run == "" and f.start is None


@pytest.mark.parametrize(
    "args,needle",
    [
        (("nope.csv", "label"), "no such file"),
        (
            ("case_19_tiny_dataset.csv", "target"),
            "no column 'target' (4 columns: f1, f2, f3, label)",
        ),
        (("case_19_tiny_dataset.csv", None), "needs --label"),
    ],
)
def test_errors_are_one_line_with_the_file(cases_dir, args, needle):
    path = cases_dir / args[0]
    with pytest.raises(LogReadError) as ei:
        check_dataset(path, args[1])
    line = ei.value.line()
    assert needle in line and str(path) in line and "\n" not in line


def test_npz_without_arrays(tmp_path):
    p = tmp_path / "x.npz"
    np.savez(p, features=np.zeros((3, 2)))
    with pytest.raises(LogReadError, match=r"needs arrays x_train and y_train \(found: features\)"):
        check_dataset(p, None)


def test_frame_without_label_column_is_value_error():
    df = pd.DataFrame({"a": [1, 2]})
    with pytest.raises(ValueError, match="no column 'y'"):
        check_frame(df, "y")


@pytest.mark.parametrize(
    "content,needle",
    [
        (b"a,label\n", "no data rows"),
        (b"\x00\x01\x02label\n", "binary content"),
    ],
)
def test_unusable_csv_is_one_line_error(tmp_path, content, needle):
    p = tmp_path / "d.csv"
    p.write_bytes(content)
    with pytest.raises(LogReadError) as ei:
        check_dataset(p, "label")
    assert needle in ei.value.line() and "\n" not in ei.value.line()


def test_continuous_label_is_not_treated_as_classes(demo_dir):
    # the demo's breast-cancer subset with label mean_radius (a measurement, 335 distinct
    # values in 417 rows) was trained as a 335-class model; the check says it is a regression
    # target and names the column that holds the classes
    fs = check_dataset(demo_dir / "data.csv", "mean_radius")
    f = next(f for f in fs if f.kind == "label_not_categorical")
    assert f.severity == "critical" and f.metric == "mean_radius"
    assert f.evidence["n_unique"] == 335 and f.evidence["rows"] == 417
    assert f.evidence["candidates"] == ["target"]
    assert "regression target" in f.message and "mean_radius" in f.message
    assert not [g for g in fs if g.kind == "class_imbalance"]
    assert class_info(read_dataset(demo_dir / "data.csv", "mean_radius").y_train) == (None, None)
    # the real label of the same file is categorical
    assert not [
        g
        for g in check_dataset(demo_dir / "data.csv", "target")
        if g.kind == "label_not_categorical"
    ]


def test_label_looks_continuous_on_sklearn_targets():
    bc = datasets.load_breast_cancer()
    cont, why = label_looks_continuous(bc.data[:, 0])  # mean radius: 456 distinct floats
    assert cont and why.startswith("456 distinct values among 569 rows, not whole numbers")
    cont, why = label_looks_continuous(datasets.load_diabetes().target)
    assert cont and why.startswith("214 distinct numbers among 442 rows")
    assert label_looks_continuous(bc.target) == (False, "2 distinct values")
    assert label_looks_continuous(datasets.load_digits().target) == (False, "10 distinct values")
    assert label_looks_continuous(np.eye(3)[datasets.load_iris().target]) == (False, "one-hot rows")
    assert label_looks_continuous(np.array(["cat", "dog", "cat"], dtype=object)) == (
        False,
        "text labels",
    )
    # classes stored as floats with a missing label stay classes
    assert label_looks_continuous(np.array([0.0, 1.0, np.nan, 1.0]))[0] is False


def test_npz_with_one_hot_labels_is_read_as_classes(tmp_path, demo_dir):
    """``to_categorical`` labels in an .npz (shape (n, 2)) are classes, not 2n flattened rows."""
    df = pd.read_csv(demo_dir / "data.csv")
    y = df.pop("target").to_numpy().astype(int)
    p = tmp_path / "onehot.npz"
    np.savez(p, x_train=df.to_numpy(), y_train=np.eye(2)[y])
    ds = read_dataset(p)
    assert np.array_equal(ds.y_train, y)
    by_kind = {f.kind: f for f in check_dataset(p, None)}
    assert by_kind["class_imbalance"].evidence["shares"] == pytest.approx(
        {str(k): float(np.mean(y == k)) for k in (0, 1)}, abs=1e-4
    )  # shares are rounded to 4 places in the evidence


@pytest.mark.parametrize("cut", [10, 200, -30])
def test_truncated_npz_is_one_line_error(tmp_path, demo_dir, cut):
    """A truncated .npz is a one-line error, not zipfile.BadZipFile through the CLI."""
    df = pd.read_csv(demo_dir / "data.csv")
    full = tmp_path / "full.npz"
    np.savez(full, x_train=df.drop(columns="target").to_numpy(), y_train=df["target"].to_numpy())
    p = tmp_path / "cut.npz"
    p.write_bytes(full.read_bytes()[:cut])
    with pytest.raises(LogReadError) as ei:
        read_dataset(p)
    assert str(ei.value).startswith(str(p)) and "\n" not in str(ei.value)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8-sig"])
def test_dataset_csv_with_a_bom_is_read(tmp_path, demo_dir, encoding):
    """A UTF-16 dataset CSV (Excel "Unicode text") or one with a BOM is read, not refused as binary."""
    text = (demo_dir / "data.csv").read_text()
    p = tmp_path / "data.csv"
    p.write_text(text, encoding=encoding)
    ds = read_dataset(p, "target")
    want = read_dataset(demo_dir / "data.csv", "target")
    assert list(ds.feature_names) == list(want.feature_names)
    assert np.array_equal(ds.y_train, want.y_train)
