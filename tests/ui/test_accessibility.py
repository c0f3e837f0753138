"""Every control of the main window and of a whole form has an accessible name."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QComboBox,
    QLineEdit,
    QListView,
    QPlainTextEdit,
    QSlider,
    QTableView,
    QWidget,
)
from pytestqt.qtbot import QtBot

from fieldsafe.services.workspace import Workspace
from fieldsafe.ui.main_window import MainWindow

CONTROLS = (QAbstractButton, QAbstractSpinBox, QComboBox, QLineEdit, QPlainTextEdit, QSlider,
            QListView, QTableView)


def unnamed(root: QWidget) -> list[str]:
    missing = []
    for widget in root.findChildren(QWidget):
        if not isinstance(widget, CONTROLS) or not widget.isVisibleTo(root):
            continue
        if widget.objectName().startswith("qt_"):  # Qt's own parts of a named control
            continue
        name = widget.accessibleName()
        text = widget.text() if isinstance(widget, QAbstractButton) else ""
        if not (name or text):
            missing.append(f"{type(widget).__name__} {widget.objectName()!r}")
    return missing


def test_every_control_has_a_name(workspace: Workspace, tmp_path: Path,
                                  walk_answers: dict[str, object], qtbot: QtBot) -> None:
    window = MainWindow(workspace, QSettings(str(tmp_path / "s.ini"),
                                             QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    window.show()
    assert unnamed(window) == []
    editor = window.new_audit("womens_safety_walk")
    assert editor is not None
    from fieldsafe.forms.answers import load_answers

    filler = editor.filler  # type: ignore[attr-defined]
    load_answers(filler.session, walk_answers)
    for page in range(len(filler.pages)):
        filler.go_to_page(page)
        assert unnamed(editor) == [], filler.page_titles()[page]
    editor.close()
