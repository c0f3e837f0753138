"""Export audit PDF… and Export campaign PDF… for the main window: which audit or campaign,
in which language, to which file; the building and preview are ReportExportDialog's."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QSettings
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMainWindow, QMessageBox, QWidget

from fieldsafe.errors import UserError
from fieldsafe.i18n import language_of
from fieldsafe.outputs import check_output_target
from fieldsafe.services.workspace import Workspace
from fieldsafe.ui.open_windows import keep_open


class ReportActions(QObject):
    """The report exports of ``window``: the dialogs they open join ``open_windows`` (the
    window closes them before it closes). ``selected_audit`` and ``shown_campaign`` say
    what the window's list shows (None: no audit selected, or every campaign shown)."""

    def __init__(self, workspace: Workspace, settings: QSettings, window: QMainWindow,
                 open_windows: list[QWidget], selected_audit: Callable[[], str | None],
                 shown_campaign: Callable[[], str | None]) -> None:
        super().__init__(window)
        self.workspace, self.settings, self.window = workspace, settings, window
        self._open = open_windows
        self._selected_audit, self._shown_campaign = selected_audit, shown_campaign

    def export_audit_pdf(self, target: Path | None = None) -> QWidget | None:
        """The selected audit's PDF report, built in the background, then previewed."""
        audit_id = self._selected_audit()
        if audit_id is None:
            QMessageBox.information(self.window, self.tr("Export audit PDF"),
                                    self.tr("Select an audit in the list first."))
            return None
        from fieldsafe.services.reports import audit_report

        lang = self._report_language()

        def build(out: Path) -> Path:
            try:
                return audit_report(self.workspace, audit_id, out, language=lang)
            except UserError:  # the form lacks that language: its own then
                if lang is None:
                    raise
                return audit_report(self.workspace, audit_id, out)

        return self._export(target, f"audit-{audit_id[:8]}.pdf", build)

    def _report_language(self) -> str | None:
        """The form language chosen in Settings, which the filler and the reports follow;
        with none chosen, the app's language, as the filler opens a form in (each report
        falls back to its forms' own language when they lack it)."""
        language = self.settings.value("form_language")
        if isinstance(language, str) and language:
            return language
        return language_of() or None

    def export_campaign_pdf(self, target: Path | None = None) -> QWidget | None:
        """The campaign report of the campaign shown in the list, else of the only one,
        else of the one the user picks, built in the background, then previewed."""
        from fieldsafe.services.campaign_reports import campaign_report

        campaign = self._shown_campaign() or self._ask_campaign()
        if campaign is None:
            return None
        lang = self._report_language()

        def build(out: Path) -> Path:
            try:
                return campaign_report(self.workspace, campaign, out, language=lang)
            except UserError:  # the campaign's forms lack that language: their own then
                if lang is None:
                    raise
                return campaign_report(self.workspace, campaign, out)

        return self._export(target, "campaign.pdf", build)

    def _ask_campaign(self) -> str | None:
        """The campaign to report on when the list shows all of them: the only one, else
        the one the user picks (None: there is none, or the user cancelled)."""
        from fieldsafe.services.campaigns import list_campaigns

        campaigns = list_campaigns(self.workspace)
        if len(campaigns) == 1:
            return str(campaigns[0]["id"])
        if not campaigns:
            QMessageBox.information(self.window, self.tr("Export campaign PDF"),
                                    self.tr("This workspace has no campaign yet."))
            return None
        names = [f"{c['name']} ({str(c['id'])[:8]})" for c in campaigns]
        chosen, ok = QInputDialog.getItem(self.window, self.tr("Export campaign PDF"),
                                          self.tr("Which campaign?"), names, 0, False)
        return str(campaigns[names.index(chosen)]["id"]) if ok and chosen in names else None

    def _export(self, target: Path | None, name: str, build: object) -> QWidget | None:
        from fieldsafe.ui.report_export import ReportExportDialog

        if target is None:
            chosen, _filter = QFileDialog.getSaveFileName(
                self.window, self.tr("Export PDF"), name, self.tr("PDF files (*.pdf)"))
            if not chosen:
                return None
            target = Path(chosen)
        try:  # before the build: a folder, or a file that is no folder, is told of now
            check_output_target(target)
        except UserError as err:
            QMessageBox.warning(self.window, self.tr("Export PDF"), str(err))
            return None
        dialog = ReportExportDialog(build, target, self.window)  # type: ignore[arg-type]
        keep_open(dialog, self._open)
        return dialog
