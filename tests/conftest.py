"""Test-wide set-up: offscreen Qt, shared data paths, QSettings in a temp folder."""

from __future__ import annotations

import os
import sys
from pathlib import Path

# pytest-qt aborts without a display unless a platform is chosen before Qt loads.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Qt's offscreen screen is 800x600 unless configured; the main window fits itself to the
# screen, so tests run on a simulated 1920x1080 desktop (tests of small screens resize).
if os.environ["QT_QPA_PLATFORM"] == "offscreen":
    _screen = Path(__file__).resolve().parent / "desktop_screen.json"
    os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={_screen}"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import pytest  # noqa: E402
from shared_paths import CASES, CORPUS, DEMO, SHARED, ZOO  # noqa: E402, F401


def _need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"shared test data not found at {path}")
    return path


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    return _need(CORPUS)


@pytest.fixture(scope="session")
def zoo_dir() -> Path:
    return _need(ZOO)


@pytest.fixture(scope="session")
def cases_dir() -> Path:
    return _need(CASES)


@pytest.fixture(scope="session")
def demo_dir() -> Path:
    return DEMO


@pytest.fixture(scope="session", autouse=True)
def _tests_leave_the_checkout_as_they_found_it():
    """No test may write into the checkout or beside the demo's files (jobs go to tmp)."""
    watched = (ROOT, DEMO)
    before = {d: set(os.listdir(d)) for d in watched if d.is_dir()}
    yield
    ignore = {".pytest_cache", ".hypothesis", "__pycache__"}
    left = {str(d): sorted(set(os.listdir(d)) - names - ignore) for d, names in before.items()}
    left = {d: names for d, names in left.items() if names}
    assert not left, f"tests left files behind: {left}"
