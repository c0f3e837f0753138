"""The main window: the lazy audit list, its filters and sorting, menus and settings."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from fieldsafe.services.audits import new_audit
from fieldsafe.services.workspace import Workspace
from fieldsafe.ui.audit_list_model import PAGE, AuditListModel
from fieldsafe.ui.main_window import MainWindow


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


def _seed(workspace: Workspace, answers: dict[str, object], count: int) -> list[str]:
    made = []
    for i in range(count):
        period = "night" if i % 3 == 0 else "day"
        made.append(new_audit(workspace, "womens_safety_walk", dict(answers, period=period),
                              now=lambda i=i: datetime(2026, 11, 1 + i % 20, 9, i % 60)).id)
    return made


def test_model_reads_pages_lazily(workspace: Workspace, walk_answers: dict[str, object],
                                  qtbot: QtBot) -> None:
    _seed(workspace, walk_answers, 3)
    model = AuditListModel(workspace)
    assert model.rowCount() == 3 and model.pages_loaded() == 0
    assert model.data(model.index(0, 1)) == "womens_safety_walk"
    assert model.pages_loaded() == 1
    assert model.data(model.index(0, 2)) == "Draft"
    assert model.headerData(0, Qt.Orientation.Horizontal) == "Name"
    assert PAGE >= 50


def test_filters_and_sorting_drive_the_list(workspace: Workspace, settings: QSettings,
                                            walk_answers: dict[str, object],
                                            qtbot: QtBot) -> None:
    made = _seed(workspace, walk_answers, 6)
    window = MainWindow(workspace, settings)
    qtbot.addWidget(window)
    window.show()
    assert window.model.rowCount() == 6
    bar = window.filters
    bar.period.setCurrentIndex(bar.period.findData("night"))
    assert window.model.rowCount() == 2
    bar.period.setCurrentIndex(0)
    qtbot.keyClicks(bar.text, made[4][:8])
    assert window.model.rowCount() == 1
    assert window.model.audit_id(0) == made[4]
    bar.text.clear()
    window.table.sortByColumn(6, Qt.SortOrder.AscendingOrder)
    first = window.model.audit_id(0)
    window.table.sortByColumn(6, Qt.SortOrder.DescendingOrder)
    assert window.model.audit_id(window.model.rowCount() - 1) == first
    assert "6 audits shown" in window.statusBar().currentMessage()


def test_campaign_filter_and_new_audits_join_it(workspace: Workspace, settings: QSettings,
                                                walk_answers: dict[str, object],
                                                qtbot: QtBot) -> None:
    from fieldsafe.services.campaigns import new_campaign

    campaign = new_campaign(workspace, "Night walks")
    new_audit(workspace, "womens_safety_walk", walk_answers, campaign=campaign["id"])
    new_audit(workspace, "womens_safety_walk", walk_answers)
    window = MainWindow(workspace, settings)
    qtbot.addWidget(window)
    bar = window.filters
    bar.campaign.setCurrentIndex(bar.campaign.findData(campaign["id"]))
    assert window.model.rowCount() == 1
    editor = window.new_audit("walkability")
    assert editor is not None
    assert editor.editor.campaign_uuid == campaign["id"]  # type: ignore[attr-defined]
    editor.close()


def test_retire_asks_first(workspace: Workspace, settings: QSettings, qtbot: QtBot,
                           walk_answers: dict[str, object],
                           monkeypatch: pytest.MonkeyPatch) -> None:
    _seed(workspace, walk_answers, 1)
    window = MainWindow(workspace, settings)
    qtbot.addWidget(window)
    window.table.selectRow(0)
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: QMessageBox.StandardButton.No)
    window.retire_selected()
    assert window.model.data(window.model.index(0, 2)) == "Draft"
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: QMessageBox.StandardButton.Yes)
    window.table.selectRow(0)
    window.retire_selected()
    assert window.model.data(window.model.index(0, 2)) == "Retired"


def test_layout_is_remembered(workspace: Workspace, settings: QSettings,
                              qtbot: QtBot) -> None:
    window = MainWindow(workspace, settings)
    qtbot.addWidget(window)
    window.resize(820, 511)
    window.show()
    window.close()
    again = MainWindow(workspace, settings)
    qtbot.addWidget(again)
    assert again.size().height() == 511  # (the offscreen screen is only 800 wide)


def test_menus_use_standard_shortcuts(workspace: Workspace, settings: QSettings,
                                      qtbot: QtBot) -> None:
    window = MainWindow(workspace, settings)
    qtbot.addWidget(window)
    titles = [a.text() for a in window.menuBar().actions()]
    assert titles == ["&File", "&Audit", "&View", "&Help"]
    assert not window.open_action.shortcut().isEmpty()
    window._fill_new_menu()
    assert len(window.new_menu.actions()) == 5  # the built-in instruments


def test_closing_after_a_gallery_was_closed(workspace: Workspace, settings: QSettings,
                                            walk_answers: dict[str, object],
                                            qtbot: QtBot) -> None:
    _seed(workspace, walk_answers, 1)
    window = MainWindow(workspace, settings)
    qtbot.addWidget(window)
    window.show()
    window.table.selectRow(0)
    gallery = window.show_gallery()
    assert gallery is not None
    gallery.close()
    qtbot.waitUntil(lambda: gallery not in window._editors)
    assert window.close()


def test_an_audit_opens_in_one_window_only(workspace: Workspace, settings: QSettings,
                                           walk_answers: dict[str, object],
                                           qtbot: QtBot) -> None:
    from PySide6.QtGui import QKeySequence

    (audit_id,) = _seed(workspace, walk_answers, 1)
    window = MainWindow(workspace, settings)
    qtbot.addWidget(window)
    window.show()
    window.table.selectRow(0)
    first = window.open_action
    first.trigger()
    # A second press brings the same window back: two would save over each other's answers.
    first.trigger()
    editors = [w for w in window._editors if w.isVisible()]
    assert len(editors) == 1
    assert editors[0].editor.audit_id == audit_id  # type: ignore[attr-defined]
    close = next(a for a in editors[0].findChildren(type(first))
                 if QKeySequence("Ctrl+W") in a.shortcuts())
    assert QKeySequence("Ctrl+F4") in close.shortcuts()  # both, as the README's table says
    close.trigger()
    qtbot.waitUntil(lambda: not editors[0].isVisible())


def test_a_retired_audit_is_not_opened_for_editing(workspace: Workspace,
                                                   settings: QSettings,
                                                   walk_answers: dict[str, object],
                                                   qtbot: QtBot,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from fieldsafe.services.audits import retire_audit

    (audit_id,) = _seed(workspace, walk_answers, 1)
    retire_audit(workspace, audit_id)
    told: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text: told.append(text))
    window = MainWindow(workspace, settings)
    qtbot.addWidget(window)
    assert window.open_audit(audit_id) is None
    assert told and "retired" in told[0] and "can no longer be edited" in told[0]


def test_every_audit_open_at_a_crash_is_offered_back(workspace: Workspace,
                                                     settings: QSettings,
                                                     walk_answers: dict[str, object],
                                                     qtbot: QtBot,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from fieldsafe.services.recovery import interrupted_audits, mark_open

    first, second, third = _seed(workspace, walk_answers, 3)
    for audit_id in (first, second, third):
        mark_open(workspace, audit_id)  # as each window's autosave does
    window = MainWindow(workspace, settings)
    qtbot.addWidget(window)
    opened = [window.open_audit(third)]
    assert opened[0] is not None
    opened[0].close()  # closing one window forgets that audit only
    assert interrupted_audits(workspace) == [first, second]
    asked: list[str] = []
    monkeypatch.setattr(QMessageBox, "question", lambda _p, _t, text: asked.append(text) or
                        QMessageBox.StandardButton.Yes)
    again = MainWindow(workspace, settings)  # the next start, after a crash
    qtbot.addWidget(again)
    again.offer_recovery()
    assert "2 audits were open" in asked[0]
    reopened = [w.editor.audit_id for w in again._editors]  # type: ignore[attr-defined]
    assert sorted(reopened) == sorted([first, second])
