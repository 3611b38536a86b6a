"""The outcome of reading a file or folder with partial success: runs, errors, skipped."""

from __future__ import annotations

from analysis.model import LogReadError, Run


class LoadOutcome(tuple):
    """``(runs, errors)`` from :func:`load_many`, plus :attr:`skipped`.

    Unpacks as a 2-tuple (``runs, errors = load_many(path)``).

    Attributes
    ----------
    runs : list of Run
    errors : list of LogReadError
        One per log file that could not be read (``str()`` is one line naming the file).
    skipped : list of LogReadError
        What a folder scan passed over, each with its reason: files that were read
        but are not training logs (:class:`~analysis.readers.errors.NotATrainingLog`:
        datasets, settings JSON, text without a numeric table...) and folders that
        were not searched (too deep, symbolic links). Not failures: listed so that
        nothing in a folder is dropped without a word. Files skipped by name (code,
        images, model weights...: :data:`analysis.readers.rules.NOT_LOG_EXTS`) and
        hidden files are not listed.
    """

    skipped: list[LogReadError]

    def __new__(
        cls, runs: list[Run], errors: list[LogReadError], skipped: list[LogReadError] | None = None
    ) -> LoadOutcome:
        self = super().__new__(cls, (runs, errors))
        self.skipped = list(skipped or [])
        return self

    @property
    def runs(self) -> list[Run]:
        return self[0]

    @property
    def errors(self) -> list[LogReadError]:
        return self[1]
