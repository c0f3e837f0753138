"""Typing in two questions of the same name in two groups, in the desktop editor: each keeps
its own answer on screen, in the saved draft, and when the draft is opened again."""

from __future__ import annotations

import textwrap
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QLineEdit
from pytestqt.qtbot import QtBot

from fieldsafe.forms.answers import instance_json
from fieldsafe.services.audit_queries import show_audit
from fieldsafe.services.editor import AuditEditor
from fieldsafe.services.form_library import import_form
from fieldsafe.services.workspace import Workspace
from fieldsafe.ui.editor_window import EditorWindow
from fieldsafe.ui.filler import FormFillerWidget
from tests.unit.test_answer_keys import TWO_GROUPS

FORM = TWO_GROUPS + """| settings |
| | form_id | version |
| | dup | 1 |
"""


def type_into(qtbot: QtBot, filler: FormFillerWidget, key: str, text: str) -> None:
    widget = filler.widget_for(key)
    filler.go_to_page(next(i for i, p in enumerate(filler.pages) if p.isAncestorOf(widget)))
    edit = widget.edit
    assert isinstance(edit, QLineEdit)
    edit.setFocus()
    qtbot.waitUntil(edit.hasFocus)
    qtbot.keyClicks(edit, text)


def test_each_comment_keeps_its_answer_through_a_save(
        qtbot: QtBot, workspace: Workspace, tmp_path: Path) -> None:
    form = tmp_path / "dup.md"
    form.write_text(textwrap.dedent(FORM).strip() + "\n", encoding="utf-8")
    import_form(workspace, form)
    editor = AuditEditor.new(workspace, "dup")
    window = EditorWindow(workspace, editor,
                          QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    window.show()  # deletes itself when closed, so it is not handed to qtbot
    try:
        _type_and_save(qtbot, window, workspace)
    finally:
        window.close()
    assert editor.audit_id is not None
    again = AuditEditor.open(workspace, editor.audit_id)
    reopened = instance_json(again.session)
    assert (reopened["a/comments"], reopened["b/comments"]) == ("Dark under the bridge",
                                                                "Bench is broken")


def _type_and_save(qtbot: QtBot, window: EditorWindow, workspace: Workspace) -> None:
    qtbot.waitExposed(window)
    filler, editor = window.filler, window.editor
    first, second = filler.widget_for("a/comments"), filler.widget_for("b/comments")
    assert first is not second
    assert (first.objectName(), second.objectName()) == ("question_a/comments",
                                                         "question_b/comments")
    type_into(qtbot, filler, "a/comments", "Dark under the bridge")
    type_into(qtbot, filler, "b/comments", "Bench is broken")
    assert first.edit.text() == "Dark under the bridge"  # typing in B left A alone
    window.autosave.flush()
    assert editor.audit_id is not None
    saved = show_audit(workspace, editor.audit_id)["answers"]
    assert (saved["a/comments"], saved["b/comments"]) == ("Dark under the bridge",
                                                          "Bench is broken")


def test_going_to_a_finding_puts_the_cursor_in_its_first_question(
        qtbot: QtBot, workspace: Workspace, walk_answers: dict[str, object],
        tmp_path: Path) -> None:
    from fieldsafe.services.audits import new_audit

    audit = new_audit(workspace, "womens_safety_walk", walk_answers).id
    editor = AuditEditor.open(workspace, audit)
    window = EditorWindow(workspace, editor,
                          QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    window.show()
    try:
        qtbot.waitExposed(window)
        window.go_to_finding(2)
        repeat = editor.form.with_role("finding")[0]
        first = next(e for e in repeat.walk() if e.kind == "question")
        widget = window.filler.widget_for(first, 2)
        assert widget.node is editor.session.node(first.answer_key, 2)
        page = window.filler.pages[window.filler.current_page()]
        assert page.isAncestorOf(widget)
    finally:
        window.close()
