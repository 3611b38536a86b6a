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

#: File stems that do not identify a run; the folder name is shown with them.
GENERIC_NAMES = frozenset(
    {
        "training",
        "training_log",
        "train_log",
        "log",
        "history",
        "model_history",
        "model_history_log",
        "training_history",
        "metrics",
        "trainer_state",
        "events",
        "run",
        "results",
        "progress",
        "train",
        "logs",
        "val_loss",
        "loss",
    }
)

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
        Display name (editable).
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
    """

    structureChanged = Signal()
    runChanged = Signal(int)
    styleChanged = Signal(int)
    visibilityChanged = Signal(int)
    findingsChanged = Signal()
    liveChanged = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.files: dict[str, FileEntry] = {}
        self.entries: dict[int, RunEntry] = {}
        self.dataset_findings: dict[str, list[Finding]] = {}
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

    def _display_name(self, run: Run, path: str) -> str:
        """Run name, prefixed with its folder when the file name says nothing
        (``training.log``, ``metrics.csv``...) or when another run has the same name."""
        name = run.name or os.path.basename(path)
        parent = os.path.basename(os.path.dirname(os.path.abspath(run.source or path)))
        generic = name.lower() in GENERIC_NAMES and parent
        if generic:
            name = parent  # runs/exp3/training.log -> "exp3"
        taken = {e.name for e in self.entries.values()}
        if name not in taken:
            return name
        stem = run.name or os.path.basename(path)
        cand = (
            f"{parent}/{stem}" if parent and generic else (f"{parent}/{name}" if parent else name)
        )
        base, i = cand, 2
        while cand in taken:
            cand = f"{base} ({i})"
            i += 1
        return cand

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
                    self._display_name(run, path),
                    color,
                    hidden_metrics={m for m in run.series if naming.is_counter(m)},
                )
                self.entries[key] = e
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

    def set_dataset_findings(self, path: str, findings: list[Finding]) -> None:
        self.dataset_findings[path] = list(findings)
        self.findingsChanged.emit()

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
        self.structureChanged.emit()
        self.findingsChanged.emit()

    def rename(self, key: int, name: str) -> None:
        e = self.entries.get(key)
        name = name.strip()
        if e is None or not name or name == e.name:
            return
        e.name = name
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
