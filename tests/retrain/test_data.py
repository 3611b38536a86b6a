"""Dataset loading: CSV with a label column, .npz, the stratified seeded split, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.dataset_io import MAX_LISTED_COLUMNS
from retrain.data import (
    check_data,
    label_looks_continuous,
    load_dataset,
    read_header,
)
from retrain.errors import RetrainError
from retrain.spec import DataSpec


def test_case_19_csv_split_is_stratified_and_seeded(cases_dir):
    path = cases_dir / "case_19_tiny_dataset.csv"
    df = pd.read_csv(path)
    ds = load_dataset(DataSpec(path, "label", 0.25), seed=0)
    assert list(ds.x_train.columns) == ["f1", "f2", "f3"]
    assert len(ds.y_train) + len(ds.y_val) == len(df) == 40
    assert len(ds.y_val) == 10  # ceil(0.25 * 40), as train_test_split
    # stratified: each class keeps its share in both parts (to within one row)
    counts = df["label"].value_counts().sort_index().to_numpy()
    val_counts = np.bincount(ds.y_val, minlength=2)
    assert np.all(np.abs(val_counts - counts * 0.25) <= 1)
    # seeded: the same split twice, a different one with another seed
    again = load_dataset(DataSpec(path, "label", 0.25), seed=0)
    other = load_dataset(DataSpec(path, "label", 0.25), seed=1)
    assert ds.x_val.equals(again.x_val)
    assert not ds.x_val.equals(other.x_val)
    # every row ends up in exactly one part
    both = pd.concat([ds.x_train, ds.x_val])
    assert sorted(both["f2"].round(2)) == sorted(df["f2"].round(2))


def test_demo_split_is_the_one_make_demo_used(demo_dir):
    """resources/make_demo.py split with train_test_split(stratify=y, random_state=0)."""
    from sklearn.model_selection import train_test_split

    path = demo_dir / "data.csv"
    if not path.exists():
        pytest.skip("demo assets not generated yet")
    df = pd.read_csv(path)
    x = df.drop(columns="target").to_numpy(dtype="float32")
    y = df["target"].to_numpy()
    _, x_va, _, y_va = train_test_split(x, y, test_size=0.3, stratify=y, random_state=0)
    ds = load_dataset(DataSpec(path, "target", 0.3), seed=0)
    np.testing.assert_array_equal(ds.x_val.to_numpy(dtype="float32"), x_va)
    np.testing.assert_array_equal(np.asarray(ds.classes)[ds.y_val], y_va)
    assert ds.classes == [0, 1]


def test_case_28_text_column_is_kept_as_category(cases_dir):
    ds = load_dataset(DataSpec(cases_dir / "case_28_pandas_text_column.csv", "label", 0.25), seed=0)
    assert ds.categorical == ["city"]
    assert list(ds.x_train.columns) == ["age", "city", "income"]
    assert set(ds.x_train["city"]) <= {"north", "south", "east", "west"}
    assert any("city" in n for n in ds.notes)


def test_npz_with_its_own_validation_part_and_one_hot_labels(tmp_path):
    rng = np.random.default_rng(0)
    y = np.eye(3)[rng.integers(0, 3, 30)]
    p = tmp_path / "d.npz"
    np.savez(
        p,
        x_train=rng.normal(size=(30, 4)),
        y_train=y,
        x_val=rng.normal(size=(9, 4)),
        y_val=np.eye(3)[[0, 1, 2] * 3],
    )
    ds = load_dataset(DataSpec(p, None, 0.5))
    assert ds.validation == "file"
    assert ds.x_train.dtype == np.float32 and ds.x_train.shape == (30, 4)
    assert ds.y_val.tolist() == [0, 1, 2] * 3
    assert "one-hot labels converted to class indices" in ds.notes


def test_case_25_image_tensors_load_as_4d(cases_dir, tmp_path):
    x = np.load(cases_dir / "case_25_images_X.npy")
    y = np.load(cases_dir / "case_25_images_y.npy")
    p = tmp_path / "images.npz"
    np.savez(p, x_train=x, y_train=y)
    ds = load_dataset(DataSpec(p, None, 0.2), seed=0)
    assert ds.feature_shape == (4, 4, 1)
    assert not ds.is_tabular
    assert len(ds.y_train) + len(ds.y_val) == 10


@pytest.mark.parametrize(
    "content, needle",
    [
        ("a,b\n1,2\n", "no column 'target' (2 columns: a, b)"),
        ("a,targte\n1,0\n2,1\n", "did you mean 'targte'?"),
        ("a,target\n1,0\n,1\n3,1\n", "missing values in 'a' (1)"),
        ("a,target\n1,0\n2,\n", "1 rows have no label (line 3...)"),
        ("a,target\n1,0\n2,0\n3,0\n", "only one class"),
        ("", "the file is empty"),
    ],
)
def test_bad_csv_gives_one_line(tmp_path, content, needle):
    p = tmp_path / "d.csv"
    p.write_text(content)
    with pytest.raises(RetrainError) as ei:
        load_dataset(DataSpec(p, "target", 0.3))
    assert needle in str(ei.value)
    assert str(ei.value).startswith(str(p))
    assert "\n" not in str(ei.value)


def test_npz_problems(tmp_path):
    p = tmp_path / "d.npz"
    np.savez(p, x=np.zeros((4, 2)), y=np.zeros(4))
    with pytest.raises(RetrainError, match="needs arrays x_train and y_train .found: x, y."):
        load_dataset(DataSpec(p))
    np.savez(p, x_train=np.array([{"a": 1}] * 4, dtype=object), y_train=np.arange(4) % 2)
    with pytest.raises(RetrainError, match="pickled object arrays"):
        load_dataset(DataSpec(p))
    np.savez(p, x_train=np.full((4, 2), np.nan), y_train=np.arange(4) % 2)
    with pytest.raises(RetrainError, match="x_train: 8 NaN/inf values"):
        load_dataset(DataSpec(p))


def test_tiny_class_falls_back_to_an_unstratified_split(tmp_path):
    p = tmp_path / "d.csv"
    p.write_text("a,target\n" + "".join(f"{i},0\n" for i in range(9)) + "9,1\n")
    ds = load_dataset(DataSpec(p, "target", 0.3), seed=0)
    assert any("not stratified" in n for n in ds.notes)
    assert len(ds.y_val) == 3


def test_read_header(cases_dir):
    assert read_header(cases_dir / "case_28_pandas_text_column.csv") == [
        "age",
        "city",
        "income",
        "label",
    ]


# -- continuous labels ------------------------------------------------------------------------


def test_a_continuous_label_is_refused_before_training(demo_dir):
    """label = "mean_radius" (a measurement) is refused in one line instead of training a
    335-class model."""
    path = demo_dir / "data.csv"
    df = pd.read_csv(path)
    distinct, rows = df["mean_radius"].nunique(), len(df)
    assert distinct > 0.5 * rows  # a measurement, not classes
    for call in (load_dataset, check_data):
        with pytest.raises(RetrainError) as ei:
            call(DataSpec(path, "mean_radius", 0.3))
        msg = str(ei.value)
        assert "\n" not in msg
        assert msg.startswith(
            f"{path}: column 'mean_radius': the label looks continuous: "
            f"{distinct} distinct values among {rows} rows, not whole numbers"
        )
        # the one integer column of the demo is offered instead
        assert msg.endswith("(columns that look like classes: 'target')")
        assert ei.value.kind == "data"


def test_integer_coded_and_text_labels_stay_categorical(demo_dir, cases_dir):
    df = pd.read_csv(demo_dir / "data.csv")
    assert label_looks_continuous(df["target"].to_numpy()) == (False, "")
    # integer codes stored as floats (a label column with a missing value, filled)
    assert not label_looks_continuous(df["target"].to_numpy(dtype=float))[0]
    # many integer classes are still classes (digits: 10; 200 integer codes in 400 rows)
    assert not label_looks_continuous(np.arange(400) % 200)[0]
    assert not label_looks_continuous(np.arange(400, dtype=float) % 200)[0]
    # text labels, however many
    assert not label_looks_continuous(np.array([f"c{i}" for i in range(300)], dtype=object))[0]
    # few distinct float values (half-steps of a rating) are classes too
    assert not label_looks_continuous(np.tile([0.5, 1.5, 2.5], 100))[0]
    # every float column of the demo is continuous
    for c in df.columns.drop("target"):
        assert label_looks_continuous(df[c].to_numpy())[0], c
    path = cases_dir / "case_28_pandas_text_column.csv"
    ds = load_dataset(DataSpec(path, "city", 0.25), seed=0)
    assert ds.classes == sorted(pd.read_csv(path)["city"].unique())


def test_continuous_labels_in_an_npz_are_refused(tmp_path):
    from sklearn.datasets import load_diabetes

    x, y = load_diabetes(return_X_y=True, scaled=False)
    p = tmp_path / "reg.npz"
    np.savez(p, x_train=x, y_train=y / 7.0)  # a regression target with fractions
    with pytest.raises(
        RetrainError,
        match=r"y_train: the labels look continuous: "
        rf"{len(np.unique(y))} distinct values among {len(y)} rows",
    ):
        check_data(DataSpec(p))
    with pytest.raises(RetrainError, match="labels look continuous"):
        load_dataset(DataSpec(p))


# -- the label-not-found error ------------------------------------------------------------------


def test_a_wrong_label_lists_every_column_and_suggests_the_case_insensitive_match(demo_dir):
    path = demo_dir / "data.csv"
    cols = read_header(path)
    with pytest.raises(RetrainError) as ei:
        check_data(DataSpec(path, "Target", 0.3))
    msg = str(ei.value)
    assert f"no column 'Target'; did you mean 'target'? ({len(cols)} columns: " in msg
    assert msg.endswith(", ".join(cols) + ")")  # all 31, 'target' last
    with pytest.raises(RetrainError, match="did you mean 'worst_radius'"):
        check_data(DataSpec(path, "worst radius", 0.3))


def test_a_wrong_label_in_a_wide_file_says_how_many_more(tmp_path):
    n = MAX_LISTED_COLUMNS + 17
    p = tmp_path / "wide.csv"
    p.write_text(",".join(f"f{i}" for i in range(n)) + ",label\n" + ",".join(["1"] * (n + 1)))
    with pytest.raises(RetrainError) as ei:
        check_data(DataSpec(p, "LABEL", 0.3))
    msg = str(ei.value)
    assert "did you mean 'label'?" in msg
    assert msg.endswith(f"f{MAX_LISTED_COLUMNS - 1}, ... and {n + 1 - MAX_LISTED_COLUMNS} more)")
