"""The open document: files, their runs, colours, visibility, findings.

One :class:`RunStore` per window. Panels read it and change it through its
methods; it tells them what changed through signals. It holds no widgets.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, Signal

from analysis import naming
from analysis.model import Finding, Run
from gui.theme import RUN_COLORS

#: A file counts as live while it changed within this many seconds.
LIVE_SECONDS = 60.0


@dataclass(eq=False)
class RunEntry:
    """One run on screen.

    Attributes
    ----------
    key : int
        Unique id in the store (stable across reloads of the same run).
    path : str
        The file or folder the run was opened from.
    run : Run
    name : str
        Display name: the run's :attr:`Run.name`, unique across inputs as the CLI names
        it (:class:`analysis.session.Session`); editable.
    color : str
        ``#rrggbb``; the same in every plot.
    visible : bool
    hidden_metrics : set of str
        Metrics unticked in the runs panel.
    findings : list of Finding
    version : int
        Bumped whenever ``run`` is replaced (reload, live update).
    """

    key: int
    path: str
    run: Run
    name: str
    color: str
    visible: bool = True
    hidden_metrics: set[str] = field(default_factory=set)
    findings: list[Finding] = field(default_factory=list)
    version: int = 0
    #: The user renamed the run (its name is then never changed by the store).
    renamed: bool = False

    def metric_visible(self, metric: str) -> bool:
        return self.visible and metric not in self.hidden_metrics


@dataclass(eq=False)
class FileEntry:
    """One opened file or folder."""

    path: str
    run_keys: list[int] = field(default_factory=list)
    error: str | None = None
    last_change: float | None = None  # time.monotonic() of the last live update
    loading: bool = False
    color_hint: str | None = None  # reserved at open time so colours follow the open order

    @property
    def live(self) -> bool:
        return self.last_change is not None and time.monotonic() - self.last_change < LIVE_SECONDS


class RunStore(QObject):
    """Files -> runs -> metrics, with colours, names, visibility and findings.

    Signals
    -------
    structureChanged()
        Files or runs were added, removed or replaced.
    runChanged(int)
        Data of one run was replaced (reload, live update): key.
    styleChanged(int)
        Colour or name of one run changed: key.
    visibilityChanged(int)
        A run or one of its metrics was shown or hidden: key.
    findingsChanged()
        Findings of some run (or of a dataset) changed.
    liveChanged(str)
        A file became live or stopped being live: path.
    runRemoved(Run)
        One run was closed (its file stays open).
    """

    structureChanged = Signal()
    runChanged = Signal(int)
    styleChanged = Signal(int)
    visibilityChanged = Signal(int)
    findingsChanged = Signal()
    liveChanged = Signal(str)
    runRemoved = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.files: dict[str, FileEntry] = {}
        self.entries: dict[int, RunEntry] = {}
        self.dataset_findings: dict[str, list[Finding]] = {}
        #: (dataset path, finding kind) -> (name of the completed retrain job that applied
        #: some of the finding's remedies, those remedies); the file itself is unchanged,
        #: so the finding stays listed
        self.addressed: dict[tuple[str, str], tuple[str, tuple[str, ...]]] = {}
        self._next_key = 1

    # -- queries ------------------------------------------------------------
    def entries_in_order(self) -> list[RunEntry]:
        out = []
        for f in self.files.values():
            out.extend(self.entries[k] for k in f.run_keys if k in self.entries)
        return out

    def visible_entries(self) -> list[RunEntry]:
        return [e for e in self.entries_in_order() if e.visible]

    def entry_by_run_name(self, run_name: str) -> RunEntry | None:
        for e in self.entries_in_order():
            if e.run.name == run_name or e.name == run_name:
                return e
        return None

    def all_findings(self) -> list[tuple[RunEntry | None, Finding]]:
        out: list[tuple[RunEntry | None, Finding]] = []
        for e in self.entries_in_order():
            out.extend((e, f) for f in e.findings)
        for fs in self.dataset_findings.values():
            out.extend((None, f) for f in fs)
        return out

    def _free_color(self) -> str:
        used = [e.color for e in self.entries.values()]
        used += [f.color_hint for f in self.files.values() if f.color_hint and f.loading]
        for c in RUN_COLORS:
            if c not in used:
                return c
        return RUN_COLORS[len(self.entries) % len(RUN_COLORS)]

    def key_of(self, run: Run) -> int | None:
        """Key of the entry showing ``run`` (the same object), or None."""
        return next((e.key for e in self.entries.values() if e.run is run), None)

    def _show_names(self, keys: set[int], notify: bool) -> None:
        """Entries ``keys`` show their run's name (the session layer makes names
        unique across inputs, :mod:`analysis.session`), unless the user renamed them;
        a name another entry already shows (one the user chose) gets ``(2)``, ``(3)``."""
        taken: set[str] = set()
        for e in self.entries_in_order():
            if e.key in keys and not e.renamed:
                base = e.run.name or os.path.basename(e.path.rstrip(os.sep))
                name, i = base, 2
                while name in taken:
                    name, i = f"{base} ({i})", i + 1
                if name != e.name:
                    e.name = name
                    if notify:
                        self.styleChanged.emit(e.key)
            taken.add(e.name)

    def runs_renamed(self, keys: list[int]) -> None:
        """The session renamed these entries' runs (a run of the same name was opened
        or closed): show the new names."""
        self._show_names(set(keys), notify=True)

    # -- changes ------------------------------------------------------------
    def set_file_runs(
        self,
        path: str,
        runs: list[Run],
        findings: list[list[Finding]] | None = None,
        live: bool = False,
    ) -> list[int]:
        """Add a file's runs, or replace them after a reload, keeping colours and names.

        Runs are matched to existing entries of the same file by run name, then
        by position. Returns the keys of the file's runs.
        """
        findings = list(findings or [])[: len(runs)]
        findings += [[] for _ in range(len(runs) - len(findings))]
        f = self.files.get(path)
        new_file = f is None
        if f is None:
            f = self.files[path] = FileEntry(path)
        f.error = None
        f.loading = False
        hint, f.color_hint = f.color_hint, None
        old = [self.entries[k] for k in f.run_keys if k in self.entries]
        by_name = {e.run.name: e for e in old}
        keys: list[int] = []
        changed: list[int] = []
        added: list[RunEntry] = []
        structure = new_file or len(old) != len(runs)
        for i, (run, fs) in enumerate(zip(runs, findings, strict=True)):
            e = by_name.pop(run.name, None)
            if e is None and i < len(old) and old[i] in by_name.values():
                e = old[i]
                by_name.pop(e.run.name, None)
            if e is None:
                key = self._next_key
                self._next_key += 1
                color = hint if hint is not None else self._free_color()
                hint = None
                e = RunEntry(
                    key,
                    path,
                    run,
                    run.name or os.path.basename(path.rstrip(os.sep)),
                    color,
                    hidden_metrics={m for m in run.series if naming.is_counter(m)},
                )
                self.entries[key] = e
                added.append(e)
                structure = True
            else:
                if set(e.run.series) != set(run.series):
                    structure = True
                    e.hidden_metrics |= {
                        m for m in run.series if naming.is_counter(m) and m not in e.run.series
                    }
                e.run = run
                e.version += 1
                changed.append(e.key)
            e.findings = list(fs)
            keys.append(e.key)
        for e in by_name.values():
            self.entries.pop(e.key, None)
            structure = True
        f.run_keys = keys
        if added:
            self._show_names({e.key for e in added}, notify=False)
        if live:
            was = f.live
            f.last_change = time.monotonic()
            if not was:
                self.liveChanged.emit(path)
        if structure:
            self.structureChanged.emit()
        else:
            for k in changed:
                self.runChanged.emit(k)
        self.findingsChanged.emit()
        return keys

    def add_pending(self, path: str) -> None:
        """Show a file as loading (keeps the files in the order they were opened)."""
        if path not in self.files:
            self.files[path] = FileEntry(path, loading=True, color_hint=self._free_color())
            self.structureChanged.emit()

    def drop_pending(self, path: str) -> None:
        """Forget a file that could not be read and has no runs on screen."""
        f = self.files.get(path)
        if f is not None and not f.run_keys:
            del self.files[path]
            self.structureChanged.emit()

    def set_file_error(self, path: str, message: str) -> None:
        """Remember why a file could not be read (its runs, if any, stay as they were)."""
        f = self.files.get(path)
        if f is not None:
            f.error = message

    def set_run_findings(self, findings: dict[int, list[Finding]]) -> None:
        """Replace the findings of some runs (judged again), by key."""
        for key, fs in findings.items():
            if key in self.entries:
                self.entries[key].findings = list(fs)
        self.findingsChanged.emit()

    def set_dataset_findings(self, path: str, findings: list[Finding]) -> None:
        self.dataset_findings[path] = list(findings)
        self.findingsChanged.emit()

    def dataset_of(self, f: Finding) -> str | None:
        """The dataset path a dataset finding belongs to (None for a run's finding)."""
        for path, fs in self.dataset_findings.items():
            if any(g is f for g in fs):
                return path
        return None

    def addressed_by(self, f: Finding) -> str | None:
        """Name of the completed retrain job that applied a remedy of dataset finding ``f``."""
        info = self.addressed_info(f)
        return None if info is None else info[0]

    def addressed_info(self, f: Finding) -> tuple[str, tuple[str, ...]] | None:
        """(job name, the finding's remedies it applied) for an addressed dataset finding."""
        path = self.dataset_of(f)
        return None if path is None else self.addressed.get((path, f.kind))

    def mark_addressed(self, dataset: str, remedies, job_name: str) -> list[Finding]:
        """Record that a completed job trained on ``dataset`` with ``remedies``.

        Dataset findings of that file with one of these remedies are then shown as
        "addressed by <job>" (they still describe the file, which a retrain never
        changes; :func:`retrain.compare.compare_runs` reports them the same way).
        Returns the findings marked.
        """
        applied = set(remedies)
        target = _same_file_key(dataset)
        marked = []
        for path, fs in self.dataset_findings.items():
            if _same_file_key(path) != target:
                continue
            for f in fs:
                used = tuple(r for r in f.remedies if r in applied)
                if used:
                    self.addressed[(path, f.kind)] = (job_name, used)
                    marked.append(f)
        if marked:
            self.findingsChanged.emit()
        return marked

    def remove_file(self, path: str) -> None:
        f = self.files.pop(path, None)
        if f is None:
            return
        for k in f.run_keys:
            self.entries.pop(k, None)
        self.structureChanged.emit()
        self.findingsChanged.emit()

    def remove_run(self, key: int) -> None:
        e = self.entries.pop(key, None)
        if e is None:
            return
        self.runRemoved.emit(e.run)
        f = self.files.get(e.path)
        if f is not None:
            f.run_keys = [k for k in f.run_keys if k != key]
            if not f.run_keys:
                self.files.pop(e.path, None)
        self.structureChanged.emit()
        self.findingsChanged.emit()

    def clear(self) -> None:
        self.files.clear()
        self.entries.clear()
        self.dataset_findings.clear()
        self.addressed.clear()
        self.structureChanged.emit()
        self.findingsChanged.emit()

    def rename(self, key: int, name: str) -> None:
        e = self.entries.get(key)
        name = name.strip()
        if e is None or not name or name == e.name:
            return
        e.name = name
        e.renamed = True
        self.styleChanged.emit(key)
        self.findingsChanged.emit()

    def set_color(self, key: int, color: str) -> None:
        e = self.entries.get(key)
        if e is None or e.color == color:
            return
        e.color = color
        self.styleChanged.emit(key)

    def set_visible(self, key: int, visible: bool) -> None:
        e = self.entries.get(key)
        if e is None or e.visible == visible:
            return
        e.visible = visible
        self.visibilityChanged.emit(key)

    def set_metric_visible(self, key: int, metric: str, visible: bool) -> None:
        e = self.entries.get(key)
        if e is None or (metric not in e.hidden_metrics) == visible:
            return
        if visible:
            e.hidden_metrics.discard(metric)
        else:
            e.hidden_metrics.add(metric)
        self.visibilityChanged.emit(key)

    def end_live(self, path: str) -> None:
        """The file stopped growing for good (its retrain job ended): not live any more."""
        f = self.files.get(path)
        if f is not None and f.last_change is not None:
            f.last_change = None
            self.liveChanged.emit(path)

    def expire_live(self) -> None:
        """Emit :attr:`liveChanged` for files whose live period just ended."""
        for f in self.files.values():
            if f.last_change is not None and not f.live:
                f.last_change = None
                self.liveChanged.emit(f.path)


def _same_file_key(path) -> str:
    """A path in a form two spellings of one file share (resolved, absolute)."""
    try:
        return os.path.realpath(os.fspath(path))
    except (TypeError, ValueError):
        return str(path)
