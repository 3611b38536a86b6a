"""Command-line helpers shared by FitLens' commands (no heavy imports)."""

from __future__ import annotations

import argparse
import os
import sys


class OneLineParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose usage errors are one line on stderr, exit status 2.

    argparse's default prints the whole usage block before the error; a CI log
    or a terminal is easier to read with ``prog: error: reason (see --help)``.
    """

    def error(self, message: str):  # noqa: D401 - argparse API
        sys.stderr.write(f"{self.prog}: error: {message} (see {self.prog} --help)\n")
        raise SystemExit(2)


#: Exit status when the reader of stdout went away (``... | head -1``): what a shell
#: reports for a Unix tool ended by SIGPIPE (128 + 13).
EXIT_BROKEN_PIPE = 141


def silence_stdout() -> None:
    """Point file descriptor 1 at ``os.devnull`` after its reader has gone, so that
    Python's flush at exit cannot fail again and print a traceback (the recipe of the
    ``signal`` module's documentation, "Note on SIGPIPE"). Never raises."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass  # no stdout at all (started with fd 1 closed): nothing to flush
