"""Command-line helpers shared by FitLens' commands (no heavy imports)."""

from __future__ import annotations

import argparse
import sys


class OneLineParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose usage errors are one line on stderr, exit status 2.

    argparse's default prints the whole usage block before the error; a CI log
    or a terminal is easier to read with ``prog: error: reason (see --help)``.
    """

    def error(self, message: str):  # noqa: D401 - argparse API
        sys.stderr.write(f"{self.prog}: error: {message} (see {self.prog} --help)\n")
        raise SystemExit(2)
