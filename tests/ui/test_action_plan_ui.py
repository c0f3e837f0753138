"""The action plan table: filters, editing an item (with history) and new items from findings."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QDialogButtonBox, QLabel

from fieldsafe.services.actions import add_action, list_actions, update_action
from fieldsafe.services.audits import new_audit
from fieldsafe.ui.action_plan import ActionEditDialog, ActionPlanView, NewActionDialog

UTILITIES = "Utilities (electricity, water, drains)"
TRAFFIC = "Traffic police and auto drivers union"


@pytest.fixture
def audit_id(workspace: Any, walk_answers: dict[str, object]) -> str:
    return new_audit(workspace, "womens_safety_walk", walk_answers).id


@pytest.fixture
def actions(workspace: Any, audit_id: str) -> dict[str, str]:
    """Three items: finding 1 overdue, finding 2 due in the future, finding 3 late but done."""
    late = add_action(workspace, audit_id, 1, target=date(2020, 1, 1), priority="high")
    future = add_action(workspace, audit_id, 2, target=date(2999, 1, 1))
    done = add_action(workspace, audit_id, 3, target=date(2020, 6, 1), priority="urgent")
    update_action(workspace, done["id"], status="done")
    return {"late": late["id"], "future": future["id"], "done": done["id"]}


@pytest.fixture
def view(qtbot: Any, workspace: Any, actions: dict[str, str]) -> ActionPlanView:
    view = ActionPlanView(workspace)
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.refreshed, timeout=10000):
        pass  # the items are read on a worker thread
    view.resize(1000, 500)
    view.show()
    return view


def _cell(view: ActionPlanView, row: int, column: str, role: Any = Qt.ItemDataRole.DisplayRole
          ) -> Any:
    return view.proxy.index(row, view.model.COLUMNS.index(column)).data(role)


def _row_of(view: ActionPlanView, action_id: str) -> int:
    return [a["id"] for a in view.shown_actions()].index(action_id)


def _ok(dialog: Any) -> Any:
    return dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)


def _audit_name(workspace: Any, audit_id: str) -> str:
    from fieldsafe.services.audit_queries import show_audit

    return str(show_audit(workspace, audit_id)["instance_name"])


def test_the_table_shows_every_action_item(view: ActionPlanView, workspace: Any, audit_id: str,
                                           actions: dict[str, str]) -> None:
    assert view.row_count() == 3
    assert [a["id"] for a in view.shown_actions()] == [actions["late"], actions["done"],
                                                      actions["future"]]  # by target date
    late = _row_of(view, actions["late"])
    assert _cell(view, late, "title") == "Poor or broken lighting"
    assert _cell(view, late, "agency") == UTILITIES
    assert _cell(view, late, "priority") == "High"
    assert _cell(view, late, "target") == "2020-01-01"
    assert _cell(view, late, "status") == "Open"
    assert _cell(view, late, "overdue") == "overdue"
    colour = _cell(view, late, "overdue", Qt.ItemDataRole.ForegroundRole).color()
    assert colour.red() > 150 and colour.green() < 80 and colour != QColor("black")
    assert _cell(view, late, "audit") == f"{_audit_name(workspace, audit_id)} #1"
    assert audit_id in _cell(view, late, "audit", Qt.ItemDataRole.ToolTipRole)
    done = _row_of(view, actions["done"])
    assert _cell(view, done, "status") == "Done" and _cell(view, done, "overdue") == ""
    assert view.count_label.text() == "3 of 3 action items"


def test_overdue_only_shows_only_overdue_items(qtbot: Any, view: ActionPlanView,
                                               actions: dict[str, str]) -> None:
    qtbot.mouseClick(view.overdue_check, Qt.MouseButton.LeftButton)
    assert view.overdue_check.isChecked()
    assert [a["id"] for a in view.shown_actions()] == [actions["late"]]
    assert all(a["overdue"] for a in view.shown_actions())
    assert view.count_label.text() == "1 of 3 action items"
    qtbot.mouseClick(view.overdue_check, Qt.MouseButton.LeftButton)
    assert view.row_count() == 3


def test_agency_and_status_filters(qtbot: Any, view: ActionPlanView,
                                   actions: dict[str, str]) -> None:
    agencies = [view.agency_combo.itemText(i) for i in range(view.agency_combo.count())]
    assert agencies[0] == "All agencies"
    assert TRAFFIC in agencies and UTILITIES in agencies
    view.agency_combo.setCurrentIndex(view.agency_combo.findText(TRAFFIC))
    assert [a["id"] for a in view.shown_actions()] == [actions["future"]]
    view.agency_combo.setCurrentIndex(0)
    view.status_combo.setFocus()
    qtbot.keyClicks(view.status_combo, "Done")
    assert view.status_combo.currentData() == "done"
    assert [a["id"] for a in view.shown_actions()] == [actions["done"]]


def test_editing_the_status_changes_it_and_keeps_history(
        qtbot: Any, view: ActionPlanView, workspace: Any, actions: dict[str, str]) -> None:
    assert not view.edit_button.isEnabled()
    row = _row_of(view, actions["future"])
    view.table.selectRow(row)
    assert view.edit_button.isEnabled()
    qtbot.mouseClick(view.edit_button, Qt.MouseButton.LeftButton)
    dialog = view.dialog
    assert isinstance(dialog, ActionEditDialog) and dialog.isVisible()
    assert dialog.status_combo.currentData() == "open"
    assert dialog.agency_edit.text() == TRAFFIC
    assert not dialog.no_target_check.isChecked()
    assert dialog.target_edit.date() == QDate(2999, 1, 1)
    dialog.status_combo.setFocus()
    qtbot.keyClicks(dialog.status_combo, "In")
    assert dialog.status_combo.currentData() == "in-progress"
    dialog.agency_edit.clear()
    qtbot.keyClicks(dialog.agency_edit, "Traffic police")
    with qtbot.waitSignal(view.refreshed, timeout=10000):
        qtbot.mouseClick(_ok(dialog), Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    item = next(a for a in list_actions(workspace) if a["id"] == actions["future"])
    assert item["status"] == "in-progress" and item["agency"] == "Traffic police"
    assert item["target"] == "2999-01-01"
    assert item["history"][-1]["changes"]["status"] == ["open", "in-progress"]
    assert item["history"][-1]["changes"]["agency"] == [TRAFFIC, "Traffic police"]
    row = _row_of(view, actions["future"])
    assert _cell(view, row, "status") == "In progress"


def test_double_click_opens_the_editor_and_moving_the_date_ends_overdue(
        qtbot: Any, view: ActionPlanView, workspace: Any, actions: dict[str, str]) -> None:
    row = _row_of(view, actions["late"])
    centre = view.table.visualRect(view.proxy.index(row, 0)).center()
    qtbot.mouseClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    qtbot.mouseDClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    dialog = view.dialog
    assert isinstance(dialog, ActionEditDialog) and dialog.action["id"] == actions["late"]
    assert dialog.history_list.count() == 0 and not dialog.history_list.isVisible()
    dialog.target_edit.setDate(QDate(2999, 12, 31))
    with qtbot.waitSignal(view.refreshed, timeout=10000):
        qtbot.mouseClick(_ok(dialog), Qt.MouseButton.LeftButton)
    item = next(a for a in list_actions(workspace) if a["id"] == actions["late"])
    assert item["target"] == "2999-12-31" and not item["overdue"]
    assert item["history"][-1]["changes"] == {"target_date": ["2020-01-01", "2999-12-31"]}
    qtbot.mouseClick(view.overdue_check, Qt.MouseButton.LeftButton)
    assert view.row_count() == 0


def test_the_edit_dialog_lists_the_history(qtbot: Any, view: ActionPlanView,
                                           actions: dict[str, str]) -> None:
    view.table.selectRow(_row_of(view, actions["done"]))
    qtbot.mouseClick(view.edit_button, Qt.MouseButton.LeftButton)
    dialog = view.dialog
    assert isinstance(dialog, ActionEditDialog)
    assert dialog.history_list.count() == 1
    assert "status: Open → Done" in dialog.history_list.item(0).text()
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel),
                     Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()


def test_new_from_finding_adds_an_action_item(
        qtbot: Any, view: ActionPlanView, workspace: Any, audit_id: str) -> None:
    qtbot.mouseClick(view.new_button, Qt.MouseButton.LeftButton)
    dialog = view.dialog
    assert isinstance(dialog, NewActionDialog)
    qtbot.waitUntil(lambda: dialog.audit_combo.isEnabled(), timeout=10000)
    assert dialog.audit_combo.count() == 1 and dialog.chosen_audit_id() == audit_id
    assert dialog.finding_spin.maximum() == 3
    dialog.finding_spin.setFocus()
    dialog.finding_spin.selectAll()
    qtbot.keyClicks(dialog.finding_spin, "3")
    assert dialog.finding_spin.value() == 3
    assert dialog.finding_text.toPlainText().startswith("Open drain or uncovered manhole — ")
    assert dialog.agency_edit.placeholderText() == "Municipality / city corporation"
    qtbot.keyClicks(dialog.agency_edit, "Ward office")
    qtbot.mouseClick(dialog.no_target_check, Qt.MouseButton.LeftButton)
    assert dialog.target_edit.isEnabled()
    dialog.target_edit.setDate(QDate(2030, 3, 1))
    dialog.priority_combo.setCurrentIndex(dialog.priority_combo.findData("urgent"))
    with qtbot.waitSignal(view.refreshed, timeout=10000):
        qtbot.mouseClick(_ok(dialog), Qt.MouseButton.LeftButton)
    made = [a for a in list_actions(workspace) if a["agency"] == "Ward office"]
    assert len(made) == 1
    assert made[0]["finding"] == 3 and made[0]["target"] == "2030-03-01"
    assert made[0]["priority"] == "urgent" and made[0]["status"] == "open"
    assert made[0]["recommendation"] == "Cover the drain with slabs and paint the edge."
    assert made[0]["title"] == "Open drain or uncovered manhole"
    assert view.row_count() == 4


def test_a_bad_audit_id_is_explained_and_the_dialog_stays(
        qtbot: Any, workspace: Any, audit_id: str, warnings_shown: list[str]) -> None:
    dialog = NewActionDialog(workspace)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.audits_loaded, timeout=10000):
        dialog.show()
    dialog.audit_combo.setEditText("")
    qtbot.keyClicks(dialog.audit_combo.lineEdit(), "no-such-audit")
    assert dialog.chosen_audit_id() == "no-such-audit"
    qtbot.mouseClick(_ok(dialog), Qt.MouseButton.LeftButton)
    assert warnings_shown and "no-such-audit" in warnings_shown[0]
    assert dialog.isVisible() and dialog.result_action is None
    assert list_actions(workspace) == []


def test_an_audit_can_be_preselected_and_no_date_is_kept(
        qtbot: Any, workspace: Any, audit_id: str) -> None:
    dialog = NewActionDialog(workspace, audit_id)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.audits_loaded, timeout=10000):
        dialog.show()
    assert dialog.chosen_audit_id() == audit_id
    assert dialog.no_target_check.isChecked() and not dialog.target_edit.isEnabled()
    with qtbot.waitSignal(dialog.accepted):
        qtbot.mouseClick(_ok(dialog), Qt.MouseButton.LeftButton)
    assert dialog.result_action is not None
    assert dialog.result_action["target"] == "" and dialog.result_action["finding"] == 1
    assert dialog.result_action["agency"] == UTILITIES


def test_a_stale_edit_dialog_changes_only_what_was_changed_in_it(
        qtbot: Any, workspace: Any, actions: dict[str, str]) -> None:
    """The dialog was opened, then the item changed elsewhere (the command line, a merged
    bundle): saving a new status must not put the other fields back."""
    item = next(a for a in list_actions(workspace) if a["id"] == actions["future"])
    update_action(workspace, item["id"], recommendation="Fix the light. ")  # spaces kept
    item = next(a for a in list_actions(workspace) if a["id"] == actions["future"])
    dialog = ActionEditDialog(workspace, item)
    qtbot.addWidget(dialog)
    dialog.show()
    update_action(workspace, item["id"], agency="Municipality", priority="urgent")
    dialog.status_combo.setCurrentIndex(dialog.status_combo.findData("done"))
    qtbot.mouseClick(_ok(dialog), Qt.MouseButton.LeftButton)
    after = next(a for a in list_actions(workspace) if a["id"] == item["id"])
    assert (after["status"], after["agency"], after["priority"]) == (
        "done", "Municipality", "urgent")
    assert after["recommendation"] == "Fix the light. "
    assert after["history"][-1]["changes"] == {"status": ["open", "done"]}


def test_new_from_finding_takes_the_chosen_row_when_two_audits_share_a_name(
        qtbot: Any, workspace: Any, walk_answers: dict[str, object]) -> None:
    first = new_audit(workspace, "womens_safety_walk", walk_answers, finalize=True).id
    second = new_audit(workspace, "womens_safety_walk", walk_answers, finalize=True).id
    assert _audit_name(workspace, first) == _audit_name(workspace, second)
    dialog = NewActionDialog(workspace)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.audits_loaded, timeout=10000):
        dialog.show()
    assert dialog.audit_combo.count() == 2
    texts = [dialog.audit_combo.itemText(row) for row in (0, 1)]
    ids = [dialog.audit_combo.itemData(row) for row in (0, 1)]
    name = _audit_name(workspace, first)
    assert texts == [f"{name} ({audit[:8]})" for audit in ids]  # told apart by their IDs
    dialog.audit_combo.setCurrentIndex(1)  # the second of the two same names
    chosen = dialog.audit_combo.itemData(1)
    assert chosen in (first, second) and dialog.chosen_audit_id() == chosen
    qtbot.mouseClick(_ok(dialog), Qt.MouseButton.LeftButton)
    assert [a["audit"] for a in list_actions(workspace)] == [chosen]


def test_an_item_whose_finding_was_removed_says_so(
        qtbot: Any, workspace: Any, audit_id: str, actions: dict[str, str],
        walk_answers: dict[str, object]) -> None:
    from fieldsafe.services.audits import edit_audit

    findings = walk_answers["finding"]
    assert isinstance(findings, list)
    edit_audit(workspace, audit_id, {"finding": findings[1:]})  # the first one removed
    view = ActionPlanView(workspace)
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.refreshed, timeout=10000):
        pass
    name = _audit_name(workspace, audit_id)
    late = _row_of(view, actions["late"])
    assert _cell(view, late, "audit") == f"(finding removed) {name}"
    assert "was removed from" in _cell(view, late, "audit", Qt.ItemDataRole.ToolTipRole)
    assert _cell(view, late, "audit", Qt.ItemDataRole.ForegroundRole) is not None
    dialog = ActionEditDialog(workspace, view.shown_actions()[late])
    qtbot.addWidget(dialog)
    assert "its finding was removed from the audit" in " ".join(
        w.text() for w in dialog.findChildren(QLabel))
    assert _cell(view, _row_of(view, actions["future"]), "audit") == f"{name} #1"
    assert _cell(view, _row_of(view, actions["done"]), "audit") == f"{name} #2"


def test_one_agency_however_it_is_capitalised(qtbot: Any, workspace: Any, audit_id: str,
                                              actions: dict[str, str]) -> None:
    for finding, spelled in ((1, "police"), (2, "POLICE "), (3, "Police")):
        add_action(workspace, audit_id, finding, agency=spelled)
    add_action(workspace, audit_id, 1, agency="police")
    view = ActionPlanView(workspace)
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.refreshed, timeout=10000):
        pass
    names = [view.agency_combo.itemText(i) for i in range(view.agency_combo.count())]
    assert [n for n in names if n.casefold() == "police"] == ["police"]  # as most spell it
    view.agency_combo.setCurrentIndex(names.index("police"))
    assert len(view.shown_actions()) == 4


def test_categories_and_agencies_in_the_apps_language(workspace: Any, audit_id: str,
                                                      actions: dict[str, str]) -> None:
    """An item keeps the words of the form's default language; a French desktop shows
    the form's French labels for them, as the French reports do."""
    from fieldsafe.i18n import using_language
    from fieldsafe.ui.action_plan import read_action_rows

    with using_language("fr"):
        rows = read_action_rows(workspace)
    late = next(a for a in rows.actions if a["id"] == actions["late"])
    assert late["title"] == "Éclairage insuffisant ou en panne"
    assert late["agency"] == "Services publics (électricité, eau, égouts)"
    english = next(a for a in read_action_rows(workspace).actions if a["id"] == actions["late"])
    assert (english["title"], english["agency"]) == ("Poor or broken lighting", UTILITIES)


def test_a_long_unbroken_note_wraps_and_scrolls_in_the_new_item_dialog(
        qtbot: Any, workspace: Any, walk_answers: dict[str, object]) -> None:
    """A note of one long "word" (a pasted link, a held-down key) must wrap, not run off the
    dialog's edge; a 50,000-character note scrolls instead of stretching the dialog."""
    word = "https://example.org/" + "x" * 3000
    findings = walk_answers["finding"]
    assert isinstance(findings, list)
    findings[0] = {**findings[0], "f_note": word + " " + "note " * 10000}
    audit_id = new_audit(workspace, "womens_safety_walk", walk_answers).id
    dialog = NewActionDialog(workspace, audit_id)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.audits_loaded, timeout=10000):
        dialog.show()
    box = dialog.finding_text
    assert box.toPlainText() == "Poor or broken lighting — " + findings[0]["f_note"].strip()
    assert box.isReadOnly()
    # Nothing to scroll sideways: the long word wraps within the box's width.
    assert box.horizontalScrollBar().maximum() == 0
    assert box.document().size().width() <= box.viewport().width()
    assert box.verticalScrollBar().maximum() > 0  # the rest is a scroll away
    assert box.height() < 150 and dialog.height() < 600 and dialog.width() < 1000
