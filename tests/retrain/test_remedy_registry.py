"""The remedy registry: each remedy declared once, the spec reader and writer generated from it."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from toy_remedy import registered_toy

from retrain.errors import RetrainError
from retrain.remedies import REGISTRY, STAGES, Remedies
from retrain.remedies.values import Choice, Number, Switch, Table
from retrain.spec import dumps_spec, spec_from_dict

ROOT = Path(__file__).resolve().parents[2]
NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def _strings(node: ast.AST) -> set[str]:
    return {
        n.value
        for n in ast.walk(node)
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and NAME.match(n.value)
    }


def _is_remedies(target: ast.AST) -> bool:
    name = target.id if isinstance(target, ast.Name) else getattr(target, "attr", "")
    return "remed" in name.lower()


def remedy_names_in_analysis() -> dict[str, set[str]]:
    """Every name the analysis layer puts in a finding's ``remedies``, by file.

    Read from the source: values assigned to a variable or attribute named like
    ``remedies`` (``=``, ``+=``, ``.append``/``.extend``/``.insert``) and values of a
    ``remedies=`` keyword argument.
    """
    out: dict[str, set[str]] = {}
    for path in sorted((ROOT / "analysis").rglob("*.py")):
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Assign) and any(_is_remedies(t) for t in node.targets):
                found |= _strings(node.value)
            elif isinstance(node, ast.AugAssign | ast.AnnAssign) and _is_remedies(node.target):
                found |= _strings(node.value) if node.value is not None else set()
            elif isinstance(node, ast.keyword) and node.arg == "remedies":
                found |= _strings(node.value)
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("append", "extend", "insert")
                and _is_remedies(node.func.value)
            ):
                found |= set().union(*(_strings(a) for a in node.args))
        if found:
            out[str(path.relative_to(ROOT))] = found
    return out


def test_every_remedy_a_detector_or_dataset_check_names_is_registered():
    by_file = remedy_names_in_analysis()
    named = set().union(*by_file.values())
    # the scan sees the detectors and the dataset checks (a broken scan finds nothing)
    assert any("detectors" in f for f in by_file) and any("dataset" in f for f in by_file)
    assert {"class_weight", "learning_rate", "early_stopping", "gradient_clipping"} <= named
    unknown = {f: sorted(n - set(REGISTRY.names())) for f, n in by_file.items()}
    assert not {f: n for f, n in unknown.items() if n}, unknown


def test_every_remedy_is_declared_completely():
    assert {
        "standardize",
        "random_oversample",
        "smote",
        "random_undersample",
        "class_weight",
        "l2",
        "dropout",
        "learning_rate",
        "reduce_lr_on_plateau",
        "early_stopping",
        "more_epochs",
        "gradient_clipping",
        "batch_size",
    } <= set(REGISTRY.names())
    for r in REGISTRY:
        assert NAME.match(r.name), r
        assert r.title and r.does and r.title != r.does, r
        assert r.stage in STAGES, r
        assert isinstance(r.value, Switch | Choice | Number | Table), r
        if r.stage == "callback":
            assert r.keras_callback, r
    # the order the dialog and `active()` use
    assert REGISTRY.names()[:5] == (
        "standardize",
        "random_oversample",
        "smote",
        "random_undersample",
        "class_weight",
    )


def test_the_spec_writer_and_reader_round_trip_every_remedy(tmp_path):
    (tmp_path / "d.csv").write_text("a,y\n1,0\n2,1\n")
    table = {
        "standardize": True,
        "smote": True,
        "class_weight": "balanced",
        "l2": 0.02,
        "dropout": 0.4,
        "learning_rate": 0.0005,
        "reduce_lr_on_plateau": {"factor": 0.5, "patience": 2, "monitor": "val_accuracy"},
        "early_stopping": True,
        "more_epochs": 5,
        "gradient_clipping": 2.0,
        "batch_size": 16,
    }
    d = {"data": {"path": str(tmp_path / "d.csv"), "label": "y"}, "remedies": table}
    spec = spec_from_dict(d)
    assert set(spec.remedies.active()) == set(table)
    # callbacks watch the L2-free cross-entropy by default, with an explicit mode
    assert spec.remedies.early_stopping.monitor == "val_crossentropy"
    assert spec.remedies.reduce_lr_on_plateau.mode == "max"
    assert (spec.epochs, spec.batch_size, spec.learning_rate) == (35, 16, 0.0005)
    assert spec.settings.clipnorm == 2.0
    import tomllib

    again = spec_from_dict(tomllib.loads(dumps_spec(spec)))
    assert again.remedies == spec.remedies


def test_remedies_read_as_attributes_with_their_off_values():
    r = Remedies(l2=0.01, standardize=False)
    assert r.active() == ("l2",) and r.l2 == 0.01
    assert r.standardize is False and r.dropout is None and r.early_stopping is None
    assert r == Remedies({"l2": 0.01})
    with pytest.raises(TypeError, match="unknown remedies: l3"):
        Remedies(l3=0.01)
    with pytest.raises(AttributeError):
        r.not_a_remedy  # noqa: B018


def test_a_callback_watching_a_key_only_l2_logs_is_refused_without_l2(tmp_path):
    d = {
        "data": {"path": "d.csv", "label": "y"},
        "remedies": {"early_stopping": {"monitor": "val_crossentropy"}},
    }
    with pytest.raises(RetrainError) as ei:
        spec_from_dict(d, base=tmp_path)
    assert ei.value.problems == [
        (
            "[remedies] early_stopping",
            "monitor 'val_crossentropy' is logged only with the l2 remedy (it is the loss "
            "without the L2 penalty); use 'val_loss'",
        )
    ]


def test_a_registered_toy_remedy_is_read_written_and_validated_by_the_spec(tmp_path):
    d = {"data": {"path": "d.csv", "label": "y"}, "remedies": {"toy_label_smoothing": 0.2}}
    with pytest.raises(RetrainError, match="unknown key 'toy_label_smoothing'"):
        spec_from_dict(d, base=tmp_path)
    with registered_toy():
        spec = spec_from_dict(d, base=tmp_path)
        assert spec.remedies.active() == ("toy_label_smoothing",)
        assert spec.remedies.toy_label_smoothing == 0.2
        assert "toy_label_smoothing = 0.2" in dumps_spec(spec)
        d["remedies"]["toy_label_smoothing"] = True  # the declared default
        assert spec_from_dict(d, base=tmp_path).remedies.toy_label_smoothing == 0.1
        d["remedies"] = {"toy_label_smothing": 0.7}
        with pytest.raises(RetrainError) as ei:
            spec_from_dict(d, base=tmp_path)
        assert "did you mean 'toy_label_smoothing'?" in str(ei.value)
        d["remedies"] = {"toy_label_smoothing": 0.7}
        with pytest.raises(RetrainError, match=r"toy_label_smoothing: must be in \(0.0, 0.5\]"):
            spec_from_dict(d, base=tmp_path)
    assert "toy_label_smoothing" not in REGISTRY


def test_a_registered_toy_remedy_says_what_it_did(cases_dir):
    from retrain.data import load_dataset
    from retrain.describe import describe_actions
    from retrain.preparation import prepare

    with registered_toy():
        spec = spec_from_dict(
            {
                "data": {"path": str(cases_dir / "case_19_tiny_dataset.csv"), "label": "label"},
                "remedies": {"toy_label_smoothing": 0.2, "more_epochs": 3},
            }
        )
        ds = load_dataset(spec.data, seed=spec.train.seed)
        lines = describe_actions(spec, ds, prepare(ds, spec.remedies, seed=1))
    # fit-stage remedies in registry order: more_epochs, then the toy registered last
    assert lines[-2:] == ["more_epochs: 30 + 3 = 33 epochs", "toy_label_smoothing: 0.2"]
