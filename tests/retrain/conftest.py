"""Fixtures for the retrain tests: spec files and tiny real datasets."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from retrain_testutil import toml_text


@pytest.fixture
def write_spec_file(tmp_path):
    def write(sections: dict, name: str = "spec.toml", folder: Path | None = None) -> Path:
        p = (folder or tmp_path) / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(toml_text(sections))
        return p

    return write


@pytest.fixture(scope="session")
def digits_small(tmp_path_factory) -> Path:
    """scikit-learn's bundled digits: 150 training rows, 540 validation rows (.npz).

    The setting of the shared zoo's ``overfit_digits_small`` run (a 512-512 MLP on
    150 rows overfits).
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    d = load_digits()
    x, y = (d.data / 16.0).astype("float32"), d.target
    xtr, xr, ytr, yr = train_test_split(x, y, train_size=150, stratify=y, random_state=0)
    xva, _, yva, _ = train_test_split(xr, yr, train_size=540, stratify=yr, random_state=0)
    p = tmp_path_factory.mktemp("digits") / "digits_small.npz"
    np.savez(p, x_train=xtr, y_train=ytr, x_val=xva, y_val=yva)
    return p


@pytest.fixture(scope="session")
def synth_balanced_csv(tmp_path_factory) -> Path:
    """Balanced two-class data like the zoo's ``synth_balanced`` (make_classification), CSV."""
    import pandas as pd
    from sklearn.datasets import make_classification

    x, y = make_classification(n_samples=1200, n_features=20, n_informative=10, random_state=0)
    df = pd.DataFrame(x, columns=[f"f{i}" for i in range(20)])
    df["target"] = y
    p = tmp_path_factory.mktemp("synth") / "synth_balanced.csv"
    df.to_csv(p, index=False)
    return p


@pytest.fixture(scope="session")
def breast_cancer_imbalanced_csv(tmp_path_factory) -> Path:
    """The demo's recipe (resources/make_demo.py): all benign + 60 malignant rows, unscaled."""
    from sklearn.datasets import load_breast_cancer

    b = load_breast_cancer(as_frame=True)
    df = b.frame.copy()
    df.columns = [c.replace(" ", "_") for c in df.columns]
    df["target"] = (b.target == 0).astype(int)
    rng = np.random.default_rng(0)
    mal = np.flatnonzero(df["target"].to_numpy() == 1)
    ben = np.flatnonzero(df["target"].to_numpy() == 0)
    keep = np.sort(np.concatenate([ben, rng.choice(mal, 60, replace=False)]))
    p = tmp_path_factory.mktemp("bc") / "breast_cancer_imbalanced.csv"
    df.iloc[keep].to_csv(p, index=False, float_format="%.6g")
    return p


@pytest.fixture(scope="session")
def breast_cancer_text_csv(tmp_path_factory) -> Path:
    """Breast cancer, unscaled, with a text column and text labels (a pandas user's table).

    Ten of the measurements as they are, ``size`` = the tercile of ``mean area``
    as ``small``/``medium``/``large``, and ``diagnosis`` = ``benign``/``malignant``.
    """
    import pandas as pd
    from sklearn.datasets import load_breast_cancer

    b = load_breast_cancer(as_frame=True)
    df = b.frame.iloc[:, :10].copy()
    df.columns = [c.replace(" ", "_") for c in df.columns]
    df["size"] = pd.qcut(b.frame["mean area"], 3, labels=["small", "medium", "large"]).astype(str)
    df["diagnosis"] = np.where(b.target == 0, "malignant", "benign")
    p = tmp_path_factory.mktemp("bctext") / "breast_cancer_text.csv"
    df.to_csv(p, index=False, float_format="%.6g")
    return p


@pytest.fixture(scope="session")
def digit_images_npz(tmp_path_factory) -> Path:
    """scikit-learn's digits 3, 5 and 8 as raw 8x8x1 images (pixel values 0-16, unscaled),
    with their own validation part; the labels stay 3, 5, 8 (not 0..K-1)."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    d = load_digits()
    keep = np.isin(d.target, (3, 5, 8))
    x = d.images[keep][..., None].astype("float32")
    y = d.target[keep]
    xtr, xva, ytr, yva = train_test_split(x, y, test_size=0.3, stratify=y, random_state=0)
    p = tmp_path_factory.mktemp("digit_images") / "digits_358.npz"
    np.savez(p, x_train=xtr, y_train=ytr, x_val=xva, y_val=yva)
    return p
