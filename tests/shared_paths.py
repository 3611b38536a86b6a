"""Where the tests find the checkout and the shared real inputs.

Test modules import these as ``from shared_paths import CORPUS`` (not from ``conftest``:
every test folder has a ``conftest`` module, so ``from conftest import ...`` picks
whichever was imported first when several folders run in one pytest call).
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _find_shared() -> Path:
    """The shared real inputs: $FITLENS_SHARED, ../shared beside the checkout, or /work/shared."""
    for cand in (os.environ.get("FITLENS_SHARED"), ROOT.parent / "shared", "/work/shared"):
        if cand and (Path(cand) / "corpus").is_dir():
            return Path(cand)
    return ROOT.parent / "shared"


SHARED = _find_shared()
CORPUS = SHARED / "corpus"
ZOO = SHARED / "zoo"
CASES = SHARED / "cases"
DEMO = ROOT / "resources" / "demo"
