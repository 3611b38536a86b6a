"""The one path from inputs to findings, shared by ``analyze`` and the window.

Open inputs -> read each file or folder (:func:`analysis.readers.load_many`) -> read
each fit once (a ``training.log`` and a ``history.json`` of one ``fit()`` given as two
inputs: :func:`analysis.readers.folder.same_fit_twin`) -> name runs uniquely across
inputs (:func:`analysis.readers.unique_run_names`) -> judge every run with the same
detector thresholds and dataset context (class count and majority rate of the dataset,
:func:`analysis.detectors.with_class_info`) -> findings.

:func:`open_inputs` does it all at once (``python main.py analyze``). The window does
it one input at a time through a :class:`Session`:

- :meth:`Session.read` in a worker thread (it reads and diagnoses, and changes nothing
  in the session); :func:`judge_runs` for runs read another way (a live log's tail);
- :meth:`Session.add` (a new input: read once, names, findings) and
  :meth:`Session.update` (an open input read again: reload, live growth) on the
  thread that owns the session;
- :meth:`Session.set_dataset` and :meth:`Session.set_config` change how runs are
  judged; :meth:`Session.rejudge` (or :meth:`Session.accept` with the findings of a
  :class:`~analysis.judge.Judge` run in a worker thread) re-judges the open runs.

Pure Python: no Qt, no threads of its own.
"""

from __future__ import annotations

import dataclasses
import os
import time
from dataclasses import dataclass, field

from analysis.detectors.config import DetectorConfig
from analysis.judge import DatasetContext, Judge, Problem, open_dataset
from analysis.model import Finding, LogReadError, Run

# -- reading --------------------------------------------------------------------------


@dataclass
class Reading:
    """One input read and judged (what :meth:`Session.read` hands to :meth:`Session.add`).

    Attributes
    ----------
    path : str
        The file or folder.
    judge : Judge
        What the findings were judged with.
    runs : list of Run
        Every run read, with the readers' names.
    findings : list of list of Finding
        Per run.
    problems : list of Problem or None
        Per run: a detector that failed.
    errors : list of Problem
        Files that could not be read (the input itself, or log files of a folder).
    skipped : list of Problem
        Files of a folder that are not training logs (listed, not failures).
    failed : bool
        The input as a whole could not be read (no run).
    seconds : float
        Time taken.
    """

    path: str
    judge: Judge
    runs: list[Run] = field(default_factory=list)
    findings: list[list[Finding]] = field(default_factory=list)
    problems: list[Problem | None] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    skipped: list[Problem] = field(default_factory=list)
    failed: bool = False
    seconds: float = 0.0


def judge_runs(path: str, runs: list[Run], judge: Judge) -> Reading:
    """A :class:`Reading` of runs already read (a live log's new tail), judged."""
    started = time.perf_counter()
    reading = Reading(path, judge, runs=list(runs))
    for run in reading.runs:
        found, problem = judge.judge(run)
        reading.findings.append(found)
        reading.problems.append(problem)
    reading.seconds = time.perf_counter() - started
    return reading


def read_input(path: str | os.PathLike, judge: Judge) -> Reading:
    """Read one file or folder (:func:`analysis.readers.load_many`) and judge its runs.

    Never raises: an input that cannot be read is a :attr:`Reading.errors` entry
    (``failed``); a reader bug is reported the same way, never as a traceback.
    """
    from analysis.readers import load_many

    path = os.fspath(path)
    started = time.perf_counter()
    try:
        outcome = load_many(path)
    except LogReadError as exc:
        return Reading(path, judge, errors=[Problem(exc.source, exc.line())], failed=True)
    except Exception as exc:  # a reader bug must not become a traceback
        why = f"{path}: could not be read ({type(exc).__name__}: {exc})"
        return Reading(path, judge, errors=[Problem(path, why)], failed=True)
    runs, file_errors = outcome
    reading = judge_runs(path, list(runs), judge)
    reading.errors = [Problem(e.source, e.line()) for e in file_errors]
    reading.skipped = [Problem(e.source, e.line()) for e in getattr(outcome, "skipped", ())]
    reading.failed = not runs and bool(file_errors)
    reading.seconds = time.perf_counter() - started
    return reading


# -- the session ------------------------------------------------------------------------


@dataclass(eq=False)
class _Entry:
    run: Run
    reader_name: str
    findings: list[Finding]
    problem: Problem | None


@dataclass(frozen=True)
class Dropped:
    """A run passed over because another input holds the same fit (read once).

    Attributes
    ----------
    path : str
        The input it came from.
    run : Run
    reason : Problem
        ``"<file>: same data as <kept file> (one fit logged twice): read once"``.
    """

    path: str
    run: Run
    reason: Problem


@dataclass
class Change:
    """What :meth:`Session.add` or :meth:`Session.update` did to the open runs.

    Attributes
    ----------
    path : str
        The input added or read again.
    runs : list of Run
        Its runs now (uniquely named), and their findings and detector problems.
    findings : list of list of Finding
    problems : list of Problem
    dropped : list of Dropped
        Runs passed over: of this input (another input already holds their fit)
        or of other inputs (this one holds their fit with more metrics).
    renamed : list of Run
        Runs of other inputs whose name changed (a run of the same name arrived).
    """

    path: str
    runs: list[Run] = field(default_factory=list)
    findings: list[list[Finding]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    dropped: list[Dropped] = field(default_factory=list)
    renamed: list[Run] = field(default_factory=list)


class Session:
    """The open inputs, their runs and findings, judged with one :class:`Judge`.

    Parameters
    ----------
    config : DetectorConfig, optional
        Detector thresholds (None: the documented defaults).
    dataset : DatasetContext, optional
        The dataset the runs were trained on (:func:`open_dataset`).

    Not thread-safe: one thread owns it; only :meth:`read` may run elsewhere.
    """

    def __init__(
        self, config: DetectorConfig | None = None, dataset: DatasetContext | None = None
    ) -> None:
        self.judge = Judge(config, dataset)
        self._inputs: dict[str, list[_Entry]] = {}
        #: Dataset and read errors of every input added, in order.
        self.errors: list[Problem] = []
        #: Files passed over (not training logs, or one fit read once), in order.
        self.skipped: list[Problem] = []

    # -- what is open ----------------------------------------------------------------
    @property
    def runs(self) -> list[Run]:
        """Every run, input by input."""
        return [e.run for entries in self._inputs.values() for e in entries]

    @property
    def findings(self) -> list[list[Finding]]:
        """Findings per run, in :attr:`runs` order."""
        return [list(e.findings) for entries in self._inputs.values() for e in entries]

    def runs_of(self, path: str) -> list[Run]:
        return [e.run for e in self._inputs.get(path, [])]

    def findings_of(self, run: Run) -> list[Finding]:
        return list(self._entry(run).findings)

    @property
    def dataset(self) -> DatasetContext | None:
        return self.judge.dataset

    @property
    def dataset_findings(self) -> list[Finding]:
        return list(self.judge.dataset.findings) if self.judge.dataset is not None else []

    @property
    def problems(self) -> list[Problem]:
        """:attr:`errors`, then every detector that failed, in run order."""
        failed = [e.problem for es in self._inputs.values() for e in es if e.problem is not None]
        return [*self.errors, *failed]

    # -- reading ----------------------------------------------------------------------
    def reserve(self, path: str) -> None:
        """Hold ``path``'s place in the order of inputs while it is being read."""
        self._inputs.setdefault(os.fspath(path), [])

    def read(self, path: str | os.PathLike) -> Reading:
        """Read and judge one input with the current judge; safe in a worker thread."""
        return read_input(path, self.judge)

    def add(self, reading: Reading, keep: frozenset[str] | set[str] = frozenset()) -> Change:
        """Add a new input's runs: read each fit once, name them, keep their findings.

        Parameters
        ----------
        reading : Reading
            From :meth:`read` (judged again here if the judge changed meanwhile).
        keep : set of str
            Inputs whose runs are never passed over for this one's (a log still growing).

        Returns
        -------
        Change
        """
        reading = self._current(reading)
        self.errors.extend(reading.errors)
        self.skipped.extend(reading.skipped)
        entries = self._inputs.setdefault(reading.path, [])
        change = Change(reading.path)
        for run, found, problem in zip(
            reading.runs, reading.findings, reading.problems, strict=True
        ):
            if self._read_once(reading.path, run, keep, change):
                entries.append(_Entry(run, run.name, found, problem))
        return self._finish(change)

    def update(self, reading: Reading) -> Change:
        """Replace the runs of an input read again (reload, a live log that grew)."""
        reading = self._current(reading)
        self._inputs[reading.path] = [
            _Entry(run, run.name, found, problem)
            for run, found, problem in zip(
                reading.runs, reading.findings, reading.problems, strict=True
            )
        ]
        return self._finish(Change(reading.path))

    def forget(self, path: str) -> list[Run]:
        """Close an input; returns the other runs whose name changed."""
        if self._inputs.pop(os.fspath(path), None) is None:
            return []
        return self._name_runs()

    def remove_run(self, run: Run) -> list[Run]:
        """Close one run; returns the other runs whose name changed."""
        for entries in self._inputs.values():
            for e in entries:
                if e.run is run:
                    entries.remove(e)
                    return self._name_runs()
        return []

    # -- judging ----------------------------------------------------------------------
    def set_config(self, config: DetectorConfig | None) -> None:
        """Judge with other thresholds from now on (the dataset is checked again);
        :meth:`rejudge` or :meth:`accept` re-judges the open runs."""
        dataset = self.judge.dataset
        if dataset is not None:
            dataset = dataset.rechecked(config)
        self.judge = Judge(config, dataset)

    def set_dataset(self, dataset: DatasetContext | None) -> None:
        """Judge with this dataset's class count and majority rate from now on."""
        if dataset is not None and dataset.config is not self.judge.config:
            dataset = dataset.rechecked(self.judge.config)
        self.judge = Judge(self.judge.config, dataset)

    def rejudge(self) -> list[Run]:
        """Judge every open run with the current judge; returns the runs judged."""
        runs = self.runs
        return self.accept(self.judge, runs, [self.judge.judge(r) for r in runs])

    def accept(
        self,
        judge: Judge,
        runs: list[Run],
        results: list[tuple[list[Finding], Problem | None]],
    ) -> list[Run]:
        """Take the findings ``judge`` gave ``runs`` (e.g. in a worker thread).

        Ignored when ``judge`` is no longer the current one; runs closed meanwhile
        are left out. Returns the runs whose findings were replaced.
        """
        if judge is not self.judge:
            return []
        by_id = {id(e.run): e for es in self._inputs.values() for e in es}
        done = []
        for run, (found, problem) in zip(runs, results, strict=True):
            e = by_id.get(id(run))
            if e is not None and e.run is run:
                e.findings, e.problem = _named(found, run.name), problem
                done.append(run)
        return done

    # -- inside -----------------------------------------------------------------------
    def _entry(self, run: Run) -> _Entry:
        for es in self._inputs.values():
            for e in es:
                if e.run is run:
                    return e
        raise KeyError(run.name)

    def _current(self, reading: Reading) -> Reading:
        """``reading`` judged with the current judge (a dataset or thresholds may have
        changed while it was read)."""
        if reading.judge is self.judge:
            return reading
        again = judge_runs(reading.path, reading.runs, self.judge)
        return dataclasses.replace(
            reading, judge=self.judge, findings=again.findings, problems=again.problems
        )

    def _read_once(self, path: str, run: Run, keep, change: Change) -> bool:
        """Pass ``run`` over if an open run holds its fit; pass open runs over that
        ``run`` holds with more. True when ``run`` is kept."""
        from analysis.readers.folder import read_once_reason, same_fit_twin

        twin = same_fit_twin(run, self.runs)
        if twin is not None:
            reason = Problem(run.source, f"{run.source}: {read_once_reason(twin)}")
            self.skipped.append(reason)
            change.dropped.append(Dropped(path, run, reason))
            return False
        for other_path, entries in self._inputs.items():
            if other_path in keep:
                continue
            for e in [e for e in entries if same_fit_twin(e.run, [run]) is not None]:
                entries.remove(e)
                reason = Problem(e.run.source, f"{e.run.source}: {read_once_reason(run)}")
                self.skipped.append(reason)
                change.dropped.append(Dropped(other_path, e.run, reason))
        return True

    def _finish(self, change: Change) -> Change:
        renamed = self._name_runs()
        entries = self._inputs.get(change.path, [])
        change.runs = [e.run for e in entries]
        change.findings = [list(e.findings) for e in entries]
        change.problems = [e.problem for e in entries if e.problem is not None]
        change.renamed = [r for r in renamed if r not in change.runs]
        return change

    def _name_runs(self) -> list[Run]:
        """Names unique across inputs (:func:`analysis.readers.unique_run_names` over the
        readers' names); findings follow. Returns the runs whose name changed."""
        from analysis.readers import unique_run_names

        entries = [e for es in self._inputs.values() for e in es]
        before = [e.run.name for e in entries]
        for e in entries:
            e.run.name = e.reader_name
        unique_run_names([e.run for e in entries])
        for e in entries:
            e.findings = _named(e.findings, e.run.name)
        return [e.run for e, old in zip(entries, before, strict=True) if e.run.name != old]


def _named(findings: list[Finding], run_name: str) -> list[Finding]:
    """Findings of a run that was renamed, naming it as it is now called."""
    return [f if f.run == run_name else dataclasses.replace(f, run=run_name) for f in findings]


def open_inputs(
    paths: list[str | os.PathLike],
    dataset: str | os.PathLike | None = None,
    label: str | None = None,
    config: DetectorConfig | None = None,
) -> Session:
    """Read logs and judge them together: what ``python main.py analyze`` reports.

    Parameters
    ----------
    paths : list of path-like
        Log files and folders, in order.
    dataset : path-like, optional
        The dataset the runs were trained on (:func:`open_dataset`): its checks
        are reported and its class count and majority rate help judge the runs.
    label : str, optional
        Label column of a table dataset.
    config : DetectorConfig, optional
        Detector thresholds.

    Returns
    -------
    Session
        ``runs``, ``findings`` (per run), ``dataset_findings``, ``problems``
        (unreadable inputs and failed detectors) and ``skipped``.
    """
    session = Session(config)
    if dataset is not None:
        try:
            session.set_dataset(open_dataset(dataset, label, config))
        except LogReadError as exc:
            session.errors.append(Problem(exc.source, exc.line()))
    for path in paths:
        session.add(session.read(path))
    return session


__all__ = ["Change", "Dropped", "Reading", "Session", "judge_runs", "open_inputs", "read_input"]
