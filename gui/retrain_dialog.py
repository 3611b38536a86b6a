"""Retrain dialog: dataset, model, remedies and training settings -> a retrain spec.

Standalone and embeddable::

    dlg = RetrainDialog(parent, run=run, findings=findings,
                        dataset="data.csv", model="model.keras", label="target")
    dlg.startRequested.connect(lambda spec: runner.submit(spec, context=...))
    dlg.open()
    ...
    spec = dlg.spec()          # a validated retrain.spec.Spec (raises RetrainError)

The remedies checklist is pre-ticked from the findings' ``remedies``; the
dataset checks of :func:`analysis.dataset.check_dataset` are shown inline
(run off the GUI thread; if they fail or are not available the dialog says so
and still works). "Save spec..." writes the TOML that ``python main.py retrain``
reads.
"""

from __future__ import annotations

import html
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal, Slot
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QBoxLayout,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from analysis import naming
from analysis.model import Finding, Run
from retrain.errors import RetrainError
from retrain.optimizers import OPTIMIZERS
from retrain.remedies import REGISTRY
from retrain.remedies.values import Editor
from retrain.spec import ACTIVATIONS, Spec, TrainSpec, spec_from_dict, write_spec

#: The dialog takes at most this fraction of the screen's height and width.
MAX_SCREEN_FRACTION = 0.85


def default_output_root() -> Path:
    """Where job folders go unless the user picks another: FitLens' own runs folder
    (:func:`retrain.outdir.user_runs_dir`, ``~/.local/share/FitLens/runs`` on Linux), the
    same place the ``retrain`` command uses; never beside the user's files."""
    from retrain.outdir import user_runs_dir

    return user_runs_dir()


def _dspin(
    lo: float, hi: float, value: float, decimals: int = 4, step: float = 0.01
) -> QDoubleSpinBox:
    w = QDoubleSpinBox()
    w.setRange(lo, hi)
    w.setDecimals(decimals)
    w.setSingleStep(step)
    w.setValue(value)
    return w


def _ispin(lo: int, hi: int, value: int) -> QSpinBox:
    w = QSpinBox()
    w.setRange(lo, hi)
    w.setValue(value)
    return w


def _editor_widget(editor: Editor) -> QWidget:
    """The value box a remedy declares (:class:`retrain.remedies.values.Editor`)."""
    if editor.kind == "float":
        w = _dspin(editor.minimum, editor.maximum, editor.value, editor.decimals, editor.step)
    elif editor.kind == "int":
        w = _ispin(int(editor.minimum), int(editor.maximum), int(editor.value))
    else:
        w = QComboBox()
        w.addItems(list(editor.choices))
        w.setCurrentText(str(editor.value))
    if editor.tooltip:
        w.setToolTip(editor.tooltip)
    return w


def _editor_value(w: QWidget):
    return w.currentText() if isinstance(w, QComboBox) else w.value()


def _show_value(w: QWidget, value) -> None:
    if isinstance(w, QComboBox):
        w.setCurrentText(str(value))
    else:
        w.setValue(value)


class _CheckTask(QRunnable):
    """Runs the dataset checks off the GUI thread; reports (generation, findings, error)."""

    class _Signals(QObject):
        done = Signal(int, object, object)

    def __init__(self, gen: int, fn: Callable[[], list]) -> None:
        super().__init__()
        self.gen = gen
        self.fn = fn
        self.signals = self._Signals()

    def run(self) -> None:
        try:
            res, err = list(self.fn() or []), None
        except Exception as exc:  # the checks are optional: degrade to a message
            res, err = None, " ".join(str(exc).split()) or type(exc).__name__
        self.signals.done.emit(self.gen, res, err)


def default_dataset_check(path: str, label: str | None) -> list[Finding]:
    """:func:`analysis.dataset.check_dataset` (its signature may still change)."""
    from analysis.dataset import check_dataset

    return list(check_dataset(path, label))


class RetrainDialog(QDialog):
    """Choose data, model, remedies and settings; Start emits the spec.

    Parameters
    ----------
    parent : QWidget, optional
    run : Run, optional
        The run being fixed: its epochs and learning rate prefill the settings.
    findings : iterable of Finding
        Their ``remedies`` pre-tick the checklist.
    dataset, model : path-like, optional
        Dataset file (CSV/.npz) and ``.keras`` model; without a model the built-in
        MLP is selected.
    label : str, optional
        Label column of a CSV.
    spec : Spec, optional
        Prefill everything from a spec (e.g. the demo's ``retrain.toml``).
    output_root : path-like, optional
        Folder new jobs' folders are proposed in (default: the application's
        data folder, :func:`default_output_root`).
    check_dataset : callable, optional
        ``check(path, label) -> list[Finding]``; default
        :func:`default_dataset_check`.

    Signals
    -------
    startRequested(Spec)
        Start was pressed and the spec is valid.
    """

    startRequested = Signal(object)

    def __init__(
        self,
        parent: QWidget | None = None,
        run: Run | None = None,
        findings: Iterable[Finding] = (),
        dataset=None,
        model=None,
        label: str | None = None,
        spec: Spec | None = None,
        output_root=None,
        check_dataset: Callable[[str, str | None], list] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Retrain with remedies")
        self.run = run
        self.findings = tuple(findings)
        self._check = check_dataset or default_dataset_check
        self._check_gen = 0
        self._tasks: dict[int, _CheckTask] = {}
        self.dataset_findings: list[Finding] | None = None
        self.dataset_check_error: str | None = None
        self.output_root = Path(output_root) if output_root else default_output_root()
        #: ``submit(spec)`` called by Start before the dialog closes (e.g. queueing the
        #: job); a :class:`RetrainError` it raises is shown in the dialog, which stays open.
        self.submit: Callable[[Spec], object] | None = None
        self._build()
        self._prefill_from_run(run)
        if spec is not None:
            self.set_spec(spec)
        else:
            if dataset is not None:
                self.data_path.setText(str(dataset))
            if label:
                self._set_label(label)
            if model is not None:
                self.model_path.setText(str(model))
                self.model_file.setChecked(True)
            self.tick_remedies(self.suggested_remedies())
            self.propose_output()
        self._dataset_changed()
        self._fit_screen()

    # -- layout -------------------------------------------------------------------------------
    def _build(self) -> None:
        # two columns in a scroll area, so the dialog fits a 1366x768 screen; one column
        # below the two columns' width, and a horizontal scroll bar when even that does not
        # fit, so every value box stays reachable (on an 800-px screen the right column's
        # value boxes would otherwise be cut off)
        outer = QVBoxLayout(self)
        content = QWidget()
        cols = QBoxLayout(QBoxLayout.LeftToRight, content)
        cols.setContentsMargins(0, 0, 4, 0)
        left, right = QVBoxLayout(), QVBoxLayout()
        cols.addLayout(left, 5)
        cols.addLayout(right, 4)
        self.columns, self._left, self._right = cols, left, right
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAsNeeded)
        self.scroll.setWidget(content)
        outer.addWidget(self.scroll, 1)

        # dataset
        g = QGroupBox("Dataset")
        f = QFormLayout(g)
        self.data_path = QLineEdit()
        self.data_path.setPlaceholderText("CSV with a label column, or .npz (x_train, y_train)")
        browse = QPushButton("Browse...")
        browse.clicked.connect(self._browse_data)
        row = QHBoxLayout()
        row.addWidget(self.data_path, 1)
        row.addWidget(browse)
        f.addRow("File", row)
        self.label_combo = QComboBox()
        self.label_combo.setEditable(True)
        f.addRow("Label column", self.label_combo)
        self.val_split = _dspin(0.05, 0.9, 0.2, 2, 0.05)
        f.addRow("Validation split", self.val_split)
        self.checks = QLabel("Dataset checks: choose a file")
        self.checks.setWordWrap(True)
        self.suggest_button = QPushButton("Tick suggested remedies")
        self.suggest_button.setEnabled(False)
        self.suggest_button.clicked.connect(self._tick_dataset_suggestions)
        f.addRow(self.checks)
        f.addRow(self.suggest_button)
        self.data_path.editingFinished.connect(self._dataset_changed)
        self.label_combo.currentTextChanged.connect(self._run_checks)
        left.addWidget(g)

        # model
        g = QGroupBox("Model")
        grid = QGridLayout(g)
        self.builtin = QRadioButton("Built-in MLP")
        self.model_file = QRadioButton("Model file (.keras)")
        grp = QButtonGroup(self)
        grp.addButton(self.builtin)
        grp.addButton(self.model_file)
        self.builtin.setChecked(True)
        self.hidden = QLineEdit("64")
        self.hidden.setToolTip("units of the hidden Dense layers, e.g. 64 or 128, 64")
        self.activation = QComboBox()
        self.activation.addItems(ACTIVATIONS)
        self.model_path = QLineEdit()
        mbrowse = QPushButton("Browse...")
        mbrowse.clicked.connect(self._browse_model)
        self.allow_unsafe = QCheckBox("Allow Lambda layers (runs code stored in the file)")
        grid.addWidget(self.builtin, 0, 0)
        grid.addWidget(QLabel("hidden"), 0, 1)
        grid.addWidget(self.hidden, 0, 2)
        grid.addWidget(self.activation, 0, 3)
        grid.addWidget(self.model_file, 1, 0)
        grid.addWidget(self.model_path, 1, 1, 1, 2)
        grid.addWidget(mbrowse, 1, 3)
        grid.addWidget(self.allow_unsafe, 2, 0, 1, 4)
        self.model_path.textEdited.connect(lambda _: self.model_file.setChecked(True))
        left.addWidget(g)

        # training
        g = QGroupBox("Training")
        f = QGridLayout(g)
        self.epochs = _ispin(1, 100_000, 30)
        self.batch_size = _ispin(1, 1_000_000, 32)
        self.optimizer = QComboBox()
        self.optimizer.addItems(OPTIMIZERS)
        self.learning_rate = _dspin(1e-7, 10.0, 0.001, 7, 0.0001)
        self.seed = _ispin(0, 2**31 - 1, 1)
        self.optimizer.currentTextChanged.connect(self._optimizer_changed)
        for r, pairs in enumerate(
            (
                (("Epochs", self.epochs), ("Batch size", self.batch_size)),
                (("Optimizer", self.optimizer), ("Learning rate", self.learning_rate)),
                (("Seed", self.seed),),
            )
        ):
            for c, (text, w) in enumerate(pairs):
                f.addWidget(QLabel(text), r, 2 * c)
                f.addWidget(w, r, 2 * c + 1)
        f.setColumnStretch(1, 1)
        f.setColumnStretch(3, 1)
        right.addWidget(g)

        right.addWidget(self._build_remedies())

        # output
        g = QGroupBox("Output")
        row = QHBoxLayout(g)
        self.output_dir = QLineEdit()
        obrowse = QPushButton("Browse...")
        obrowse.clicked.connect(self._browse_output)
        row.addWidget(self.output_dir, 1)
        row.addWidget(obrowse)
        left.addWidget(g)
        left.addStretch(1)
        right.addStretch(1)

        self.error = QLabel()
        self.error.setStyleSheet("color: #b00020")
        self.error.setWordWrap(True)
        outer.addWidget(self.error)

        buttons = QDialogButtonBox()
        self.save_button = buttons.addButton("Save spec...", QDialogButtonBox.ButtonRole.ActionRole)
        self.start_button = buttons.addButton("Start", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.save_button.clicked.connect(lambda: self.save_spec())
        self.start_button.clicked.connect(self._start)
        buttons.rejected.connect(self.reject)
        outer.addWidget(buttons)

    def _build_remedies(self) -> QGroupBox:
        """A check box per registered remedy, with the value boxes its value type declares."""
        g = QGroupBox("Remedies")
        grid = QGridLayout(g)
        self.remedy_boxes: dict[str, QCheckBox] = {}
        self.remedy_values: dict[str, list[QWidget]] = {}
        monitors = REGISTRY.monitors()
        for row, remedy in enumerate(REGISTRY):
            box = QCheckBox(remedy.title)
            box.setToolTip(remedy.does)
            box.setObjectName(f"remedy_{remedy.name}")
            widgets = [_editor_widget(e) for e in remedy.value.editors(TrainSpec(), monitors)]
            # a remedy without values takes the whole row: a long title does not widen
            # the column of the value boxes
            grid.addWidget(box, row, 0, 1, 1 if widgets else 3)
            for col, w in enumerate(widgets):
                # whole values readable, never clipped ("0.0010000" needs more than 84 px)
                w.setMinimumWidth(max(84, w.minimumSizeHint().width()))
                w.setEnabled(False)
                grid.addWidget(w, row, 1 + col)
            self.remedy_boxes[remedy.name] = box
            self.remedy_values[remedy.name] = widgets
            box.toggled.connect(lambda on, n=remedy.name: self._remedy_toggled(n, on))
        return g

    def two_column_width(self, minimum: bool = True) -> int:
        """Width the content needs with dataset/model and training/remedies side by side
        (``minimum``: the least that shows every box whole; else the preferred width)."""
        m = self.columns.contentsMargins()
        size = (lambda lay: lay.minimumSize()) if minimum else (lambda lay: lay.sizeHint())
        return (
            size(self._left).width()
            + size(self._right).width()
            + self.columns.spacing()
            + m.left()
            + m.right()
        )

    def one_column_width(self, minimum: bool = False) -> int:
        """Width the content needs with the groups in one column."""
        m = self.columns.contentsMargins()
        size = (lambda lay: lay.minimumSize()) if minimum else (lambda lay: lay.sizeHint())
        return max(size(self._left).width(), size(self._right).width()) + m.left() + m.right()

    def single_column(self) -> bool:
        """True when the groups are stacked in one column."""
        return self.columns.direction() == QBoxLayout.TopToBottom

    def _arrange(self, width: int) -> None:
        """Two columns when ``width`` (the scroll area's viewport) holds them, else one."""
        want = (
            QBoxLayout.LeftToRight if width >= self.two_column_width() else QBoxLayout.TopToBottom
        )
        if self.columns.direction() != want:
            self.columns.setDirection(want)
            self.scroll.widget().updateGeometry()

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        super().resizeEvent(event)
        self._arrange(self.scroll.viewport().width())

    def _fit_screen(self, grow_only: bool = False, avail=None) -> None:
        """Size to the content, at most :data:`MAX_SCREEN_FRACTION` of the screen
        (``grow_only``: never shrink, e.g. when the dataset checks' text arrives);
        one column when two do not fit. ``avail``: the screen's available geometry
        (default: the dialog's screen)."""
        content = self.scroll.widget()
        if avail is None:
            screen = self.screen() or QGuiApplication.primaryScreen()
            avail = screen.availableGeometry() if screen is not None else None
        bar = self.scroll.verticalScrollBar().sizeHint().width()
        extra = 24 + bar
        cap = int(avail.width() * MAX_SCREEN_FRACTION) if avail is not None else 1 << 20
        if self.two_column_width(minimum=False) + extra <= cap:
            w = self.two_column_width(minimum=False) + extra
        elif self.two_column_width() + extra <= cap:
            w = cap  # two columns, narrower than they would like
        else:
            w = min(cap, self.one_column_width() + extra)
        self._arrange(w - extra)
        hint = content.sizeHint()
        lay = content.layout()
        # wrapped texts (the dataset checks) need the height at the width they will get
        body = lay.totalHeightForWidth(w - 24 - bar) if lay.hasHeightForWidth() else -1
        h = max(body, hint.height()) + 110  # error line and buttons
        if avail is not None:
            w = min(w, int(avail.width() * MAX_SCREEN_FRACTION))
            h = min(h, int(avail.height() * MAX_SCREEN_FRACTION))
            self.setMaximumHeight(int(avail.height() * MAX_SCREEN_FRACTION))
        if grow_only:
            w, h = max(w, self.width()), max(h, self.height())
        self.resize(w, h)

    # -- remedies -----------------------------------------------------------------------------
    def suggested_remedies(self, findings: Iterable[Finding] | None = None) -> list[str]:
        """Remedies of the findings, most severe findings first, without duplicates."""
        order = {"critical": 0, "warning": 1, "info": 2}
        fs = sorted(
            self.findings if findings is None else findings, key=lambda f: order.get(f.severity, 3)
        )
        out: list[str] = []
        for f in fs:
            for r in f.remedies:
                if r in self.remedy_boxes and r not in out:
                    out.append(r)
        return out

    def tick_remedies(self, names: Iterable[str]) -> None:
        """Tick these remedies; of alternatives for the same problem only the first named.

        Class weights, oversampling, SMOTE and undersampling are alternatives for
        class imbalance (:attr:`~retrain.remedies.base.Remedy.alternatives`; a finding
        lists them best first); combining them corrects the imbalance twice.
        """
        done = {REGISTRY[n].alternatives for n, box in self.remedy_boxes.items() if box.isChecked()}
        for n in names:
            if n not in self.remedy_boxes:
                continue
            group = REGISTRY[n].alternatives
            if group is not None:
                if group in done:
                    continue
                done.add(group)
            self.remedy_boxes[n].setChecked(True)

    def ticked(self) -> list[str]:
        """Names of the ticked remedies, in the registry's order."""
        return [n for n, box in self.remedy_boxes.items() if box.isChecked()]

    def _remedy_toggled(self, name: str, on: bool) -> None:
        for w in self.remedy_values.get(name, []):
            w.setEnabled(on)
        group = REGISTRY[name].exclusive
        if on and group is not None:  # one remedy of an exclusive group (resampling) at a time
            for other, box in self.remedy_boxes.items():
                if other != name and REGISTRY[other].exclusive == group:
                    box.setChecked(False)

    def _train_section(self) -> TrainSpec:
        """The ``[train]`` settings as the dialog shows them."""
        return TrainSpec(
            epochs=self.epochs.value(),
            batch_size=self.batch_size.value(),
            optimizer=self.optimizer.currentText(),
            learning_rate=self.learning_rate.value(),
            seed=self.seed.value(),
        )

    def _propose_remedy_values(self) -> None:
        """Unticked remedies whose default follows ``[train]`` show that default (the
        learning-rate remedy Keras' default rate of the optimizer, more epochs as many
        again)."""
        train, monitors = self._train_section(), REGISTRY.monitors()
        for name, box in self.remedy_boxes.items():
            remedy = REGISTRY[name]
            if box.isChecked() or not remedy.value.follows_train:
                continue
            for w, editor in zip(
                self.remedy_values[name], remedy.value.editors(train, monitors), strict=True
            ):
                _show_value(w, editor.value)

    def _optimizer_changed(self, name: str) -> None:
        self._propose_remedy_values()

    # -- prefill ------------------------------------------------------------------------------
    def _prefill_from_run(self, run: Run | None) -> None:
        if run is None:
            return
        loss = next((s for n, s in run.series.items() if naming.family(n) == "loss"), None)
        if loss is not None and run.step_kind == "epoch" and len(loss):
            self.epochs.setValue(max(1, len(loss)))
        lr = next((s for n, s in run.series.items() if naming.is_learning_rate(n)), None)
        if lr is not None and lr.n_finite:
            self.learning_rate.setValue(float(lr.stats()["first"]))
        self._propose_remedy_values()

    def set_spec(self, spec: Spec) -> None:
        """Fill every field from a spec."""
        self.data_path.setText(str(spec.data.path or ""))
        if spec.data.label:
            self._set_label(spec.data.label)
        self.val_split.setValue(spec.data.validation_split)
        if spec.model.path is not None:
            self.model_path.setText(str(spec.model.path))
            self.model_file.setChecked(True)
        else:
            self.builtin.setChecked(True)
        self.hidden.setText(", ".join(map(str, spec.model.hidden)))
        self.activation.setCurrentText(spec.model.activation)
        self.allow_unsafe.setChecked(spec.model.allow_unsafe)
        t = spec.train
        self.epochs.setValue(t.epochs)
        self.batch_size.setValue(t.batch_size)
        self.optimizer.setCurrentText(t.optimizer)
        self.learning_rate.setValue(t.learning_rate)
        self.seed.setValue(t.seed)
        for box in self.remedy_boxes.values():
            box.setChecked(False)
        for remedy, value in spec.remedies.items():
            if remedy.name not in self.remedy_boxes:
                continue
            self.remedy_boxes[remedy.name].setChecked(True)
            for w, shown in zip(
                self.remedy_values[remedy.name], remedy.value.to_editors(value), strict=True
            ):
                _show_value(w, shown)
        self.output_dir.setText(str(spec.output_dir or ""))
        if not spec.output_dir:
            self.propose_output()

    def _set_label(self, label: str) -> None:
        if self.label_combo.findText(label) < 0:
            self.label_combo.addItem(label)
        self.label_combo.setCurrentText(label)

    def propose_output(self, stem: str | None = None) -> None:
        """Propose a new job folder under the output root: ``<stem>-<date>-<time>``.

        ``stem`` defaults to ``<run name>-retrain``, or the dataset's file name.
        """
        stem = stem or (
            f"{self.run.name}-retrain"
            if self.run is not None and self.run.name
            else Path(self.data_path.text()).stem or "retrain"
        )
        stem = "".join(c if c.isalnum() or c in "-_." else "_" for c in stem)
        self.output_dir.setText(str(self.output_root / f"{stem}-{time.strftime('%Y%m%d-%H%M%S')}"))

    # -- dataset ------------------------------------------------------------------------------
    def _dataset_changed(self) -> None:
        path = self.data_path.text().strip()
        p = Path(path)
        if path and p.suffix.lower() in (".csv", ".tsv") and p.is_file():
            from retrain.data import read_header

            current = self.label_combo.currentText()
            try:
                cols = read_header(p)
            except RetrainError as exc:
                self.checks.setText(f"Dataset: {html.escape(exc.line())}")
                return
            self.label_combo.blockSignals(True)
            self.label_combo.clear()
            self.label_combo.addItems(cols)
            guess = (
                current
                if current in cols
                else next(
                    (c for c in ("target", "label", "class", "y") if c in cols),
                    cols[-1] if cols else "",
                )
            )
            self.label_combo.setCurrentText(guess)
            self.label_combo.blockSignals(False)
            self.label_combo.setEnabled(True)
        elif p.suffix.lower() == ".npz":
            self.label_combo.setEnabled(False)
        self._run_checks()

    def _run_checks(self, *_) -> None:
        path = self.data_path.text().strip()
        self._check_gen += 1
        gen = self._check_gen
        if not path or not Path(path).is_file():
            self.checks.setText("Dataset checks: choose a file")
            return
        label = self.label_combo.currentText() or None
        self.checks.setText("Dataset checks: running...")
        task = _CheckTask(gen, lambda: self._check(path, label))
        task.signals.done.connect(self._checks_done)
        self._tasks[gen] = task
        QThreadPool.globalInstance().start(task)

    @Slot(int, object, object)
    def _checks_done(self, gen: int, findings, error) -> None:
        self._tasks.pop(gen, None)
        if gen != self._check_gen:  # a newer request wins
            return
        if findings is None:
            self.dataset_findings = None
            self.dataset_check_error = error
            self.checks.setText(f"Dataset checks unavailable: {html.escape(error or '')}")
            self.suggest_button.setEnabled(False)
            return
        self.dataset_findings = findings
        self.dataset_check_error = None
        if not findings:
            self.checks.setText("Dataset checks: nothing found")
            self.suggest_button.setEnabled(False)
            return
        lines = []
        for f in findings:
            rem = (" &rarr; " + html.escape(", ".join(f.remedies))) if f.remedies else ""
            lines.append(
                f"<b>{html.escape(f.severity)}</b> {html.escape(f.kind)}: "
                f"{html.escape(f.message)}{rem}"
            )
        self.checks.setText("<br>".join(lines))
        self.suggest_button.setEnabled(any(f.remedies for f in findings))
        self._fit_screen(grow_only=True)

    def _tick_dataset_suggestions(self) -> None:
        self.tick_remedies(self.suggested_remedies(self.dataset_findings or []))

    def wait_for_checks(self) -> bool:
        """True when no dataset check is running (for tests and scripted use)."""
        return not self._tasks

    # -- spec ---------------------------------------------------------------------------------
    def spec_dict(self) -> dict:
        """The spec as the TOML structure (absolute paths)."""
        data = {
            "path": self.data_path.text().strip() or None,
            "validation_split": round(self.val_split.value(), 4),
        }
        label = self.label_combo.currentText().strip()
        if label and self.label_combo.isEnabled():
            data["label"] = label
        model: dict = {}
        if self.model_file.isChecked():
            model["path"] = self.model_path.text().strip() or None
        else:
            try:
                model["hidden"] = [int(x) for x in self.hidden.text().replace(",", " ").split()]
            except ValueError:
                raise RetrainError(
                    "retrain dialog",
                    f"hidden layers must be whole numbers, got {self.hidden.text()!r}",
                    "model",
                ) from None
            model["activation"] = self.activation.currentText()
        if self.allow_unsafe.isChecked():
            model["allow_unsafe"] = True
        train = {
            "epochs": self.epochs.value(),
            "batch_size": self.batch_size.value(),
            "optimizer": self.optimizer.currentText(),
            "learning_rate": self.learning_rate.value(),
            "seed": self.seed.value(),
        }
        rem = {
            n: REGISTRY[n].value.from_editors([_editor_value(w) for w in self.remedy_values[n]])
            for n in self.ticked()
        }
        out = {"dir": self.output_dir.text().strip()} if self.output_dir.text().strip() else {}
        return {
            "data": _clean(data),
            "model": _clean(model),
            "train": train,
            "remedies": rem,
            "output": out,
        }

    def spec(self) -> Spec:
        """The validated spec of the current settings.

        Raises
        ------
        RetrainError
            One line saying which setting is wrong.
        """
        spec = spec_from_dict(self.spec_dict(), base=Path.cwd(), source="retrain dialog")
        if spec.output_dir is None:
            raise RetrainError("retrain dialog", "choose an output folder", "output")
        return spec

    def save_spec(self, path=None) -> Path | None:
        """Write the spec as TOML (asks for a file name when ``path`` is None)."""
        try:
            spec = self.spec()
        except RetrainError as exc:
            self.error.setText(exc.line())
            return None
        if path is None:
            path, _ = QFileDialog.getSaveFileName(
                self, "Save retrain spec", "retrain.toml", "Retrain spec (*.toml)"
            )
            if not path:
                return None
        try:
            written = write_spec(
                spec,
                path,
                header="Retrain spec written by FitLens. Paths "
                "are relative to this file.\nRun: python main.py retrain "
                f"{Path(path).name}",
            )
        except RetrainError as exc:
            self.error.setText(exc.line())
            return None
        self.error.setText("")
        return written

    def _start(self) -> None:
        """Validate everything that can be checked before training and start the job; any
        problem is shown in the dialog, which stays open (a problem found here, such as a
        continuous label column, must not close the dialog and go to the Messages panel)."""
        try:
            spec = self.spec()
            from retrain.spec import check_inputs

            check_inputs(spec)
            # the label column, the model against the data, the remedies against the
            # data: what the job runner checks before claiming a folder (no TensorFlow)
            from retrain.preflight import preflight

            preflight(spec)
            if self.submit is not None:
                self.submit(spec)
        except RetrainError as exc:
            self.error.setText(exc.line())
            return
        self.error.setText("")
        self.startRequested.emit(spec)
        self.accept()

    # -- file choosers ------------------------------------------------------------------------
    def _browse_data(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Dataset", self.data_path.text(), "Datasets (*.csv *.tsv *.npz)"
        )
        if path:
            self.data_path.setText(path)
            self._dataset_changed()
            if not self.output_dir.text():
                self.propose_output()

    def _browse_model(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Keras model", self.model_path.text(), "Keras models (*.keras)"
        )
        if path:
            self.model_path.setText(path)
            self.model_file.setChecked(True)

    def _browse_output(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Output folder", str(self.output_root))
        if path:
            self.output_dir.setText(path)


def _clean(d: dict) -> dict:
    return {k: v for k, v in d.items() if v is not None}
