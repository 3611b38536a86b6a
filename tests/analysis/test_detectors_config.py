"""Detector thresholds: documented defaults file, TOML loading, one-line errors, effect on findings."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from analysis import load
from analysis.detectors import (
    DetectorConfig,
    config_from_dict,
    config_to_dict,
    diagnose,
    load_config,
    with_class_info,
)

DEFAULTS = Path(__file__).resolve().parents[2] / "resources" / "detectors.toml"


def test_resource_file_lists_exactly_the_defaults():
    cfg = load_config(DEFAULTS)
    assert cfg == DetectorConfig()
    # every key of every table is written out (commented ones: the two optional class facts)
    text = DEFAULTS.read_text()
    for section, values in config_to_dict(DetectorConfig()).items():
        if not isinstance(values, dict):
            assert f"{section} = " in text
            continue
        assert f"[{section}]" in text
        for key in values:
            assert f"{key} = " in text, f"[{section}] {key} missing from detectors.toml"


def test_partial_file_keeps_other_defaults(tmp_path):
    p = tmp_path / "t.toml"
    p.write_text("[plateau]\npatience = 4\n[overfitting]\nmin_rise = 0.2\n")
    cfg = load_config(p)
    assert cfg.plateau.patience == 4 and cfg.overfitting.min_rise == 0.2
    assert cfg.plateau.min_delta == DetectorConfig().plateau.min_delta
    assert cfg.divergence == DetectorConfig().divergence


@pytest.mark.parametrize(
    "text,needle",
    [
        ("[plateau\n", "invalid TOML"),
        ("[plateau]\npatience = 'ten'\n", "[plateau] patience must be an integer"),
        ("[plateau]\npatiense = 3\n", "unknown key 'patiense' in [plateau]"),
        ("[foo]\nx = 1\n", "unknown key or table 'foo'"),
        ("[overfitting]\nmin_rise = -1\n", "must be a number >= 0"),
        ("[chance]\nn_classes = 1\n", "n_classes must be an integer >= 2"),
        ("plateau = 3\n", "[plateau] must be a table"),
        # zero counts would crash the detectors (a ZeroDivisionError blamed on the log)
        ("[oscillation]\nmax_points = 0\n", "[oscillation] max_points must be an integer >= 1"),
        ("[oscillation]\nmin_swings = 0\n", "[oscillation] min_swings must be an integer >= 1"),
        ("[plateau]\npatience = 0\n", "[plateau] patience must be an integer >= 1"),
        ("[schedule]\nmin_cuts = 0\n", "[schedule] min_cuts must be an integer >= 1"),
        ("[slow_convergence]\nmin_points = 1\n", "min_points must be an integer >= 3"),
    ],
)
def test_bad_toml_is_one_line_value_error(tmp_path, text, needle):
    p = tmp_path / "bad.toml"
    p.write_text(text)
    with pytest.raises(ValueError) as ei:
        load_config(p)
    msg = str(ei.value)
    assert needle in msg and "\n" not in msg


def test_missing_file_is_oserror(tmp_path):
    with pytest.raises(OSError):
        load_config(tmp_path / "nope.toml")


def test_config_is_frozen():
    cfg = DetectorConfig()
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.plateau.patience = 3  # type: ignore[misc]


def test_thresholds_change_the_diagnosis(zoo_dir):
    # overfit_digits_small: val_loss 0.2591 at epoch 8 -> 0.3139 at 149 (+21 %): a warning by
    # default; with critical_rise 0.2 it is critical, with min_rise 0.5 it is not overfitting
    run = load(zoo_dir / "overfit_digits_small" / "training.log")[0]
    sev = {f.kind: f.severity for f in diagnose(run)}
    assert sev["overfitting"] == "warning"
    strict = config_from_dict({"overfitting": {"critical_rise": 0.2}})
    assert {f.kind: f.severity for f in diagnose(run, strict)}["overfitting"] == "critical"
    lax = config_from_dict({"overfitting": {"min_rise": 0.5}})
    assert "overfitting" not in {f.kind for f in diagnose(run, lax)}


def test_class_info_from_the_dataset_is_used(zoo_dir):
    # stuck_majority_imbalanced_l2: val_majority_rate 0.92 (meta.json) -> named in the finding
    run = load(zoo_dir / "stuck_majority_imbalanced_l2" / "training.log")[0]
    cfg = with_class_info(None, 2, 0.92)
    f = next(f for f in diagnose(run, cfg) if f.kind == "stuck_at_chance")
    assert f.evidence["lead"]["majority_rate"] == 0.92
    assert "majority-class rate is 0.92" in f.message
    # values the user set in the config win over the dataset's
    user = config_from_dict({"chance": {"n_classes": 3}})
    assert with_class_info(user, 2, 0.92).chance.n_classes == 3


def test_smallest_accepted_counts_judge_real_runs(zoo_dir):
    """The lowest values the config accepts run on real logs without an exception."""
    cfg = config_from_dict(
        {
            "min_points": 3,
            "plateau": {"patience": 1},
            "slow_convergence": {"min_points": 3},
            "zero_loss": {"min_points": 3},
            "oscillation": {"min_swings": 1, "max_points": 1, "min_points": 3},
            "schedule": {"min_cuts": 1},
            "chance": {"max_start": 0},
        }
    )
    for log in sorted(zoo_dir.glob("*/training.log")):
        (run,) = load(log)
        assert all(f.kind for f in diagnose(run, cfg))
