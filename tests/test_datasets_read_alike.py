"""A dataset file is read the same way by the dataset checks, the retrain preflight and the
retrain worker's data loading: one reader (analysis.dataset_io) for all of them.

The variants are the demo's dataset as spreadsheets save it in other locales: ``;``-separated
(a decimal comma makes ``,`` unusable as the separator), with decimal commas, and Excel's
"Unicode text" (UTF-16, tab-separated). Before the one reader, the retrain dialog's dataset
checks accepted a ``;`` file and Start then refused it (``no column 'target'; did you mean
'a;b;target'?``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.dataset import check_dataset
from analysis.dataset_io import read_dataset, sniff_table
from retrain.data import check_data, load_dataset, read_header
from retrain.preflight import preflight
from retrain.spec import DataSpec, read_spec

VARIANTS = {
    "semicolon": ({"sep": ";"}, "utf-8", ";", "."),
    "semicolon_decimal_comma": ({"sep": ";", "decimal": ","}, "utf-8", ";", ","),
    "utf16_tabs_decimal_comma": ({"sep": "\t", "decimal": ","}, "utf-16", "\t", ","),
}


@pytest.fixture(scope="module")
def demo_frame(demo_dir) -> pd.DataFrame:
    return pd.read_csv(demo_dir / "data.csv")


@pytest.fixture(params=sorted(VARIANTS))
def variant(request, demo_frame, tmp_path):
    options, encoding, sep, decimal = VARIANTS[request.param]
    path = tmp_path / f"{request.param}.csv"
    path.write_text(demo_frame.to_csv(index=False, **options), encoding=encoding)
    return path, sep, decimal


def _summary(findings):
    return [(f.kind, f.severity, f.metric, f.message) for f in findings]


def test_the_format_is_told_from_the_file(variant):
    path, sep, decimal = variant
    fmt = sniff_table(path)
    assert (fmt.sep, fmt.decimal) == (sep, decimal)


def test_the_dataset_checks_read_the_values_of_the_original(variant, demo_dir, demo_frame):
    path, _, _ = variant
    ds = read_dataset(path, "target")
    features = [c for c in demo_frame.columns if c != "target"]
    assert ds.feature_names == features
    np.testing.assert_array_equal(ds.x_train.to_numpy(), demo_frame[features].to_numpy())
    np.testing.assert_array_equal(ds.y_train, demo_frame["target"].to_numpy())
    # the same findings as the original file: no "non-numeric feature" for numbers
    # written with a decimal comma
    assert _summary(check_dataset(path, "target")) == _summary(
        check_dataset(demo_dir / "data.csv", "target")
    )


def test_the_retrain_preflight_sees_the_same_columns_and_classes(variant, demo_frame):
    path, _, _ = variant
    features = [c for c in demo_frame.columns if c != "target"]
    assert read_header(path) == list(demo_frame.columns)
    chk = check_data(DataSpec(path, "target", 0.3))
    assert chk.columns == features and chk.numeric == features and chk.distinct == {}
    assert (chk.rows, chk.complete, chk.n_classes) == (len(demo_frame), True, 2)
    assert chk.width() == (len(features), len(features))


def test_the_retrain_preflight_accepts_the_demo_model_for_it(variant, demo_dir, tmp_path):
    """The demo's model takes 30 inputs: a file read as one column would be refused."""
    path, _, _ = variant
    spec_file = tmp_path / "retrain.toml"
    spec_file.write_text(
        f'[data]\npath = "{path.as_posix()}"\nlabel = "target"\nvalidation_split = 0.3\n'
        f'[model]\npath = "{(demo_dir / "model.keras").as_posix()}"\n'
    )
    chk = preflight(read_spec(spec_file))
    assert len(chk.columns) == 30


def test_the_retrain_worker_loads_the_same_split(variant, demo_dir):
    path, _, _ = variant
    got = load_dataset(DataSpec(path, "target", 0.3), seed=0)
    want = load_dataset(DataSpec(demo_dir / "data.csv", "target", 0.3), seed=0)
    assert list(got.x_train.columns) == list(want.x_train.columns)
    assert got.categorical == want.categorical == []
    pd.testing.assert_frame_equal(got.x_val, want.x_val)
    np.testing.assert_array_equal(got.y_val, want.y_val)
    assert got.classes == want.classes == [0, 1]
