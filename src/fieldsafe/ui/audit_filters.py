"""The filter bar above the audit list: form, status, team, day or night, dates and text."""

from __future__ import annotations

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QWidget,
)

from fieldsafe.services.audit_list import AuditFilter, FilterChoices


class AuditFilterBar(QWidget):
    """Emits ``changed`` with the filter the user set up."""

    changed = Signal(object)

    def __init__(self, choices: FilterChoices, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.text = QLineEdit(self)
        self.text.setPlaceholderText(self.tr("Search name, form, team…"))
        self.text.setAccessibleName(self.tr("Search audits"))
        self.text.setClearButtonEnabled(True)
        self.text.setMinimumWidth(160)
        self.campaign = self._combo(self.tr("Campaign"), choices.campaigns)
        self.form = self._combo(self.tr("Form"), [(f, f) for f in choices.forms])
        self.status = self._combo(self.tr("Status"), [
            ("draft", self.tr("Draft")), ("finalized", self.tr("Finalized")),
            ("retired", self.tr("Retired"))])
        self.team = self._combo(self.tr("Team"), [(t, t) for t in choices.teams])
        self.period = self._combo(self.tr("Day or night"), [("day", self.tr("Day")),
                                                             ("night", self.tr("Night"))])
        self.use_dates = QCheckBox(self.tr("From"), self)
        self.use_dates.setAccessibleName(self.tr("Filter by date"))
        self.since = QDateEdit(QDate.currentDate().addMonths(-1), self)
        self.until = QDateEdit(QDate.currentDate(), self)
        for edit, name in ((self.since, self.tr("From date")), (self.until, self.tr("To date"))):
            edit.setCalendarPopup(True)
            edit.setAccessibleName(name)
            edit.setEnabled(False)
            edit.dateChanged.connect(self._emit)
        self.use_dates.toggled.connect(self.since.setEnabled)
        self.use_dates.toggled.connect(self.until.setEnabled)
        self.use_dates.toggled.connect(self._emit)
        layout.addWidget(self.text, 2)
        for widget in (self.campaign, self.form, self.status, self.team, self.period,
                       self.use_dates, self.since):
            layout.addWidget(widget)
        layout.addWidget(QLabel(self.tr("to"), self))
        layout.addWidget(self.until)
        self.text.textChanged.connect(self._emit)

    def _combo(self, name: str, items: list[tuple[str, str]]) -> QComboBox:
        combo = QComboBox(self)
        combo.setAccessibleName(name)
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        combo.setMinimumContentsLength(14)  # "All: campaign", "Tous : campagne" whole
        combo.addItem(self.tr("All: {name}").replace("{name}", name.lower()), "")
        for value, text in items:
            combo.addItem(text, value)
        combo.currentIndexChanged.connect(self._emit)
        return combo

    def set_choices(self, choices: FilterChoices) -> None:
        """Offer the campaigns, forms and teams present now (say after a bundle arrived),
        keeping what is chosen; ``changed`` only if a chosen value went away."""
        before = self.current()
        for combo, items in ((self.campaign, choices.campaigns),
                             (self.form, [(f, f) for f in choices.forms]),
                             (self.team, [(t, t) for t in choices.teams])):
            chosen = combo.currentData() or ""
            combo.blockSignals(True)
            while combo.count() > 1:  # the first item is "All"
                combo.removeItem(combo.count() - 1)
            for value, text in items:
                combo.addItem(text, value)
            combo.setCurrentIndex(max(0, combo.findData(chosen)))
            combo.blockSignals(False)
        if self.current() != before:
            self._emit()

    def current(self) -> AuditFilter:
        dates = self.use_dates.isChecked()
        return AuditFilter(
            form_id=self.form.currentData() or "", status=self.status.currentData() or "",
            team=self.team.currentData() or "", period=self.period.currentData() or "",
            since=self.since.date().toPython() if dates else None,  # type: ignore[arg-type]
            until=self.until.date().toPython() if dates else None,  # type: ignore[arg-type]
            text=self.text.text(), campaign=self.campaign.currentData() or "")

    def _emit(self, *_args: object) -> None:
        self.changed.emit(self.current())
