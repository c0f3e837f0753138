"""File > Send bundle…: options, where to save, then the export on a worker thread."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import QSettings, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from fieldsafe.services.bundle_export import ExportResult, export_bundle
from fieldsafe.services.campaigns import list_campaigns
from fieldsafe.services.workspace import Workspace
from fieldsafe.sync.errors import size_text
from fieldsafe.ui.sync import prefs
from fieldsafe.ui.sync.worker import Job, JobDialog

OPTIONS = ("include_drafts", "with_basemaps", "exclude_sensitive", "sign")


class SendBundleDialog(JobDialog):
    """Writes a bundle of this workspace for another laptop or the coordinator. The export
    runs on a worker thread with a progress bar and Cancel; a cancelled export leaves no
    file. At the end: what went in, the size, the path and a button to show its folder."""

    def __init__(self, workspace: Workspace, settings: QSettings,
                 parent: QWidget | None = None, *, today: date | None = None) -> None:
        super().__init__(parent)
        self.workspace, self.settings = workspace, settings
        self.setWindowTitle(self.tr("Send bundle"))
        self.exported: ExportResult | None = None
        self._chosen: Path | None = None  # confirmed in the file chooser
        self.campaign = QComboBox(self)
        self.campaign.setAccessibleName(self.tr("Campaign"))
        self.campaign.addItem(self.tr("All campaigns"), "")
        for campaign in list_campaigns(workspace):
            self.campaign.addItem(str(campaign["name"]), campaign["id"])
        self.since_last = QCheckBox(self.tr("Only what changed since the last bundle sent to:"),
                                    self)
        self.recipient = QComboBox(self)
        self.recipient.setEditable(True)
        self.recipient.setAccessibleName(self.tr("Recipient"))
        line = self.recipient.lineEdit()
        if line is not None:
            line.setAccessibleName(self.tr("Recipient"))
        self.recipient.addItems(prefs.recipients(settings))
        self.recipient.setEnabled(False)
        self.since_last.toggled.connect(self.recipient.setEnabled)
        self.since_last.setChecked(prefs.flag(settings, "sync/send/since_last"))
        texts = {"include_drafts": self.tr("Include drafts"),
                 "with_basemaps": self.tr("Include basemaps (large files)"),
                 "exclude_sensitive": self.tr("Leave out sensitive answers"),
                 "sign": self.tr("Sign with this device's key")}
        self.options = {key: QCheckBox(texts[key], self) for key in OPTIONS}
        for key, box in self.options.items():
            box.setChecked(prefs.flag(settings, f"sync/send/{key}"))
        self.path_edit = QLineEdit(str(prefs.folder(settings) / prefs.bundle_name(
            workspace.identity, today or date.today())), self)
        self.path_edit.setAccessibleName(self.tr("Save the bundle as"))
        self.path_edit.textEdited.connect(lambda _t: setattr(self, "_chosen", None))
        self.choose_button = QPushButton(self.tr("Choose…"), self)
        self.choose_button.setAccessibleName(self.tr("Choose where to save the bundle"))
        self.choose_button.clicked.connect(lambda: self.choose_path())
        self.label = QLabel(self)
        self.label.setWordWrap(True)
        self.progress = QProgressBar(self)
        self.progress.setAccessibleName(self.tr("Export progress"))
        self.progress.hide()
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName(self.tr("What the bundle holds"))
        self.summary.hide()
        self.folder_button = QPushButton(self.tr("Show in folder"), self)
        self.folder_button.setAccessibleName(self.tr("Show the bundle's folder"))
        self.folder_button.clicked.connect(self.show_folder)
        self.folder_button.hide()
        self.export_button = QPushButton(self.tr("&Export"), self)
        self.export_button.setAccessibleName(self.tr("Export the bundle"))
        self.export_button.setDefault(True)
        self.export_button.clicked.connect(lambda: self.start())
        self.cancel_button = QPushButton(self.tr("Cancel"), self)
        self.cancel_button.setAccessibleName(self.tr("Cancel"))
        self.cancel_button.clicked.connect(self.cancel)
        self._layout()

    def _layout(self) -> None:
        form = QFormLayout()
        form.addRow(self.tr("Campaign:"), self.campaign)
        form.addRow(self.since_last)
        form.addRow(self.tr("Recipient:"), self.recipient)
        for box in self.options.values():
            form.addRow(box)
        where = QHBoxLayout()
        where.addWidget(self.path_edit, 1)
        where.addWidget(self.choose_button)
        form.addRow(self.tr("Save as:"), where)
        buttons = QHBoxLayout()
        buttons.addWidget(self.folder_button)
        buttons.addStretch(1)
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.label)
        layout.addWidget(self.progress)
        layout.addWidget(self.summary)
        layout.addStretch(1)
        layout.addLayout(buttons)
        self.resize(560, 380)

    # -- choosing ---------------------------------------------------------------------------
    def choose_path(self) -> Path | None:
        chosen, _filter = QFileDialog.getSaveFileName(
            self, self.tr("Save bundle"), self.path_edit.text(),
            self.tr("FieldSafe bundles (*.fieldsafe)"))
        if not chosen:
            return None
        path = Path(chosen)
        if path.suffix != ".fieldsafe":
            # The chooser confirmed the name typed, not this one: ask before replacing it.
            path = path.with_name(path.name + ".fieldsafe")
            if path.exists() and QMessageBox.question(
                    self, self.tr("Send bundle"), self.tr("{file} exists. Replace it?")
                    .replace("{file}", path.name)) != QMessageBox.StandardButton.Yes:
                return None
        self.path_edit.setText(str(path))
        self._chosen = path
        return path

    def target(self) -> Path | None:
        text = self.path_edit.text().strip()
        if not text:
            return None
        path = Path(text).expanduser()
        return path if path.suffix == ".fieldsafe" else path.with_name(path.name + ".fieldsafe")

    # -- exporting --------------------------------------------------------------------------
    def start(self) -> Job | None:
        """Export with the options shown (once); None when there is nowhere to write."""
        if self.job is not None:
            return None
        path = self.target()
        if path is None or not path.parent.is_dir():
            QMessageBox.warning(self, self.tr("Send bundle"),
                                self.tr("Choose a file in an existing folder to save the "
                                        "bundle in."))
            return None
        if path.exists() and path != self._chosen:
            answer = QMessageBox.question(
                self, self.tr("Send bundle"),
                self.tr("{file} exists. Replace it?").replace("{file}", path.name))
            if answer != QMessageBox.StandardButton.Yes:
                return None
        recipient = self.recipient.currentText().strip() if self.since_last.isChecked() else ""
        if self.since_last.isChecked() and not recipient:
            QMessageBox.warning(self, self.tr("Send bundle"),
                                self.tr("Name the recipient, so only what changed since the "
                                        "last bundle sent to them goes."))
            return None
        self._remember(path, recipient)
        self._editable(False)
        self.cancel_button.setText(self.tr("Cancel"))  # (it read Close after a failed try)
        self.cancel_button.setAccessibleName(self.tr("Cancel"))
        self.label.setText(self.tr("Gathering what to send…"))
        self.progress.setRange(0, 0)
        self.progress.show()
        ticked = {key: box.isChecked() for key, box in self.options.items()}
        campaign = self.campaign.currentData() or None
        workspace = self.workspace
        self.job = job = Job(self, "fieldsafe-send")
        job.worker_hook = self.worker_hook
        job.progressed.connect(self._progressed)
        job.succeeded.connect(self._done)
        job.cancelled.connect(self._cancelled)
        job.failed.connect(self._failed)
        job.start(lambda j: export_bundle(
            workspace, path, campaign=campaign, since_last=recipient or None,
            include_drafts=ticked["include_drafts"], with_basemaps=ticked["with_basemaps"],
            exclude_sensitive=ticked["exclude_sensitive"], sign_bundle=ticked["sign"],
            progress=j.progress))
        return job

    def _remember(self, path: Path, recipient: str) -> None:
        prefs.remember_folder(self.settings, path)
        self.settings.setValue("sync/send/since_last", self.since_last.isChecked())
        for key, box in self.options.items():
            self.settings.setValue(f"sync/send/{key}", box.isChecked())
        if recipient:
            prefs.remember_recipient(self.settings, recipient)

    def cancel(self) -> None:
        """Stop the export (nothing is written), or close the dialog when none runs."""
        if self.job is not None and self.busy:
            self.job.cancel()
            self.label.setText(self.tr("Cancelling…"))
            self.cancel_button.setEnabled(False)
        else:
            self.reject()

    def _progressed(self, done: int, total: int, what: str) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self.label.setText(self.tr("Writing {what}: {done} of {total}").replace(
            "{what}", what).replace("{done}", str(done)).replace("{total}", str(total)))

    def _done(self, result: object) -> None:
        assert isinstance(result, ExportResult)
        if self.job is not None and self.job.cancel_requested:
            # Cancel came after the service's last step: the bundle is complete. Without
            # "only what changed" nothing else was recorded, so it is simply removed.
            if not self.since_last.isChecked():
                result.path.unlink(missing_ok=True)
                self._cancelled()
                return
            self.label.setText(self.tr("The bundle was already complete when Cancel was "
                                       "pressed; it was kept, as it is recorded as sent."))
        else:
            self.label.setText(self.tr("Saved {path}").replace("{path}", str(result.path)))
        self.exported = result
        self.summary.setText(self.describe(result))
        self.summary.show()
        self.folder_button.show()
        self._finished()

    def describe(self, result: ExportResult) -> str:
        """What went into the bundle, its size and whether it is signed."""
        c = result.counts
        size = result.path.stat().st_size if result.path.exists() else 0
        lines = [self.tr("Audits: {audits} · action items: {actions} · photos and files: "
                         "{media} ({media_size}) · forms: {forms} · campaigns: {campaigns} · "
                         "layers: {layers}")
                 .replace("{audits}", str(c.get("audits", 0)))
                 .replace("{actions}", str(c.get("actions", 0)))
                 .replace("{media}", str(c.get("media", 0)))
                 .replace("{media_size}", size_text(result.media_bytes))
                 .replace("{forms}", str(c.get("forms", 0)))
                 .replace("{campaigns}", str(c.get("campaigns", 0)))
                 .replace("{layers}", str(c.get("layers", 0))),
                 self.tr("File size: {size}").replace("{size}", size_text(size))
                 + (self.tr(" · signed") if result.signed else "")]
        if self.since_last.isChecked():
            lines.append(self.tr("{n} records left out: {recipient} has them already")
                         .replace("{n}", str(result.unchanged))
                         .replace("{recipient}", self.recipient.currentText().strip()))
        return "\n".join(lines)

    def _editable(self, on: bool) -> None:
        for widget in (self.campaign, self.since_last, self.path_edit, self.choose_button,
                       self.export_button, *self.options.values()):
            widget.setEnabled(on)
        self.recipient.setEnabled(on and self.since_last.isChecked())

    def _again(self) -> None:
        """After a cancel or a failure: the options can be changed and Export pressed again."""
        self.job = None
        self._editable(True)

    def _cancelled(self) -> None:
        self.label.setText(self.tr("Cancelled; nothing was written."))
        self._finished()
        self._again()

    def _failed(self, message: str) -> None:
        self.label.setText(message)
        self._finished()
        self._again()
        QMessageBox.warning(self, self.tr("Send bundle"), message)

    def _finished(self) -> None:
        self.progress.hide()
        self.cancel_button.setEnabled(True)
        self.cancel_button.setText(self.tr("Close"))
        self.cancel_button.setAccessibleName(self.tr("Close"))

    def show_folder(self) -> bool:
        """Open the folder holding the bundle in the file manager."""
        if self.exported is None:
            return False
        return QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.exported.path.parent)))

