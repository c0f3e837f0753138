"""File > Receive bundles… (or bundle files dropped on the window): merge them one by one."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QSettings, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from fieldsafe.errors import UserError
from fieldsafe.services.bundle_merger import BundleMerger
from fieldsafe.services.bundle_read_ahead import ReadAhead
from fieldsafe.services.jobs import Cancelled
from fieldsafe.services.merge_report import CONFLICT, NEW, UPDATED, MergeReport
from fieldsafe.services.workspace import Workspace
from fieldsafe.sync.errors import BundleError
from fieldsafe.ui.sync import prefs
from fieldsafe.ui.sync.worker import Job, JobDialog

CHANGES = (NEW, UPDATED, CONFLICT)  # outcomes that change what this workspace shows


@dataclass
class ReceiveResult:
    """What an import did: a report per bundle tried (refused ones too), and, after a
    Cancel, the bundle that was undone and those not started."""

    reports: list[MergeReport]
    cancelled: Path | None = None
    skipped: list[Path] = field(default_factory=list)

    def changed(self) -> bool:
        """Whether anything arrived, changed or came into conflict: an audit, an action item,
        a campaign… (the main window's lists and the Merge Center should be read again)."""
        return any(o.status in CHANGES for r in self.reports for o in r.outcomes)


def import_all(workspace: Workspace, paths: list[Path], require_signature: bool,
               job: Job) -> ReceiveResult:
    """On the worker thread: the bundles one after the other, each merged as if in its
    own transaction (several are committed together). A refused bundle is reported and
    the next one still merges; Cancel undoes the bundle in progress and keeps those merged
    before it."""
    with ReadAhead(workspace, paths) as read_ahead:
        merger = BundleMerger(workspace, read_ahead=read_ahead)
        reports: list[MergeReport] = []
        try:
            return _merge_each(merger, paths, require_signature, job, reports)
        finally:
            # If the database fails at this last commit, the bundles it held were undone
            # and their reports (in ``reports``) say why.
            with contextlib.suppress(UserError):
                merger.close()


def _merge_each(merger: BundleMerger, paths: list[Path], require_signature: bool, job: Job,
                reports: list[MergeReport]) -> ReceiveResult:
    for number, path in enumerate(paths, start=1):
        if job.cancel_requested:
            return ReceiveResult(reports, None, paths[number - 1:])
        job.announce(number, len(paths), path.name)
        try:
            reports.append(merger.merge(path, require_signature=require_signature,
                                        progress=job.progress))
        except Cancelled:
            return ReceiveResult(reports, path, paths[number:])
        except BundleError as err:
            reports.append(MergeReport(str(path), refused=err.reason))
        except UserError as err:
            # The workspace is busy, or the disk full: this bundle is refused (and if
            # SQLite gave up the transaction, so are those merged since the last commit:
            # their reports say so). The next bundles are still tried.
            reports.append(MergeReport(str(path), refused=str(err)))
        except Exception as err:  # a bug: this bundle is undone; the next merges
            from fieldsafe.crash import write_crash_log

            log = write_crash_log(err)
            reports.append(MergeReport(str(path), refused=job.tr(
                "internal error (a bug); details in {log}").replace("{log}", str(log))))
    return ReceiveResult(reports)


class ReceiveDialog(JobDialog):
    """Shows the bundles to merge and the signature option; Import merges them on a worker
    thread (which file, how far) with Cancel, then emits ``imported`` and closes."""

    imported = Signal(object)  # a ReceiveResult

    def __init__(self, workspace: Workspace, settings: QSettings, paths: list[Path],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace, self.settings, self.paths = workspace, settings, list(paths)
        self.setWindowTitle(self.tr("Receive bundles"))
        self.outcome: ReceiveResult | None = None
        intro = QLabel(self.tr("Bundles to merge into this workspace:"), self)
        self.files = QListWidget(self)
        self.files.setAccessibleName(self.tr("Bundles to merge"))
        for path in self.paths:
            self.files.addItem(path.name)
            self.files.item(self.files.count() - 1).setToolTip(str(path))
        self.require_signature = QCheckBox(
            self.tr("Accept only bundles signed by trusted devices"), self)
        self.require_signature.setChecked(prefs.flag(settings, prefs.REQUIRE_SIGNATURE))
        self.stage = QLabel(self)
        self.stage.setWordWrap(True)
        self.overall = QProgressBar(self)
        self.overall.setAccessibleName(self.tr("Bundles merged"))
        self.overall.setRange(0, len(self.paths))
        self.overall.setFormat(self.tr("%v of %m bundles"))
        self.step = QProgressBar(self)
        self.step.setAccessibleName(self.tr("Progress of this bundle"))
        for bar in (self.overall, self.step):
            bar.hide()
        self.import_button = QPushButton(self.tr("&Import"), self)
        self.import_button.setAccessibleName(self.tr("Merge the bundles"))
        self.import_button.setDefault(True)
        self.import_button.setEnabled(bool(self.paths))
        self.import_button.clicked.connect(lambda: self.start())
        self.cancel_button = QPushButton(self.tr("Cancel"), self)
        self.cancel_button.setAccessibleName(self.tr("Cancel"))
        self.cancel_button.clicked.connect(self.cancel)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.import_button)
        buttons.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.files, 1)
        layout.addWidget(self.require_signature)
        layout.addWidget(self.stage)
        layout.addWidget(self.overall)
        layout.addWidget(self.step)
        layout.addLayout(buttons)
        self.resize(560, 360)

    def start(self) -> Job | None:
        if self.job is not None or not self.paths:
            return None
        required = self.require_signature.isChecked()
        self.settings.setValue(prefs.REQUIRE_SIGNATURE, required)
        self.require_signature.setEnabled(False)
        self.import_button.setEnabled(False)
        self.overall.setValue(0)
        self.step.setRange(0, 0)
        self.overall.show()
        self.step.show()
        workspace, paths = self.workspace, list(self.paths)
        self.job = job = Job(self, "fieldsafe-receive")
        job.worker_hook = self.worker_hook
        job.stage.connect(self._stage)
        job.progressed.connect(self._progressed)
        job.succeeded.connect(self._done)
        job.failed.connect(self._failed)
        job.start(lambda j: import_all(workspace, paths, required, j))
        return job

    def cancel(self) -> None:
        """Undo the bundle being merged and merge no more (those merged stay), or close."""
        if self.job is not None and self.busy:
            self.job.cancel()
            self.stage.setText(self.tr("Cancelling: the bundle being merged is undone; "
                                       "bundles already merged stay merged…"))
            self.cancel_button.setEnabled(False)
        else:
            self.reject()

    def _stage(self, number: int, count: int, name: str) -> None:
        self.overall.setValue(number - 1)
        self.step.setRange(0, 0)
        self.stage.setText(self.tr("Merging bundle {n} of {count}: {file}")
                           .replace("{n}", str(number)).replace("{count}", str(count))
                           .replace("{file}", name))
        self.files.setCurrentRow(number - 1)

    def _progressed(self, done: int, total: int, what: str) -> None:
        self.step.setRange(0, max(total, 1))
        self.step.setValue(done)
        self.step.setFormat(self.tr("{what}: %v of %m").replace("{what}", what))

    def _done(self, result: object) -> None:
        assert isinstance(result, ReceiveResult)
        self.outcome = result
        self.overall.setValue(len(result.reports))
        self.imported.emit(result)
        self.accept()

    def _failed(self, message: str) -> None:
        self.stage.setText(message)
        self.cancel_button.setEnabled(True)
        self.cancel_button.setText(self.tr("Close"))
        QMessageBox.warning(self, self.tr("Receive bundles"), message)

