"""The whole job in the desktop app, through its widgets: a women's safety walk audit filled
in, two photos, a GPX route, three findings and an action item; finalized, closed, reopened."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, QMimeData, QPointF, QSettings, Qt, QTime, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
)
from pytestqt.qtbot import QtBot

from fieldsafe.services.actions import add_action, list_actions
from fieldsafe.services.audit_queries import show_audit
from fieldsafe.services.form_library import ensure_builtin_forms
from fieldsafe.services.workspace import Workspace
from fieldsafe.ui.filler.form_filler import FormFillerWidget
from fieldsafe.ui.main_window import MainWindow
from fieldsafe.ui.photo_widget import PhotoQuestionWidget
from tests.conftest import CORPUS, ROOT

ANSWERS = json.loads((ROOT / "tests/data/instruments/womens_safety_walk.answers.json")
                     .read_text(encoding="utf-8"))
GPX = CORPUS / "gpx" / "gpxpy__track-with-empty-segment.gpx"
PHOTO_GPS = CORPUS / "photos" / "exifpy__DSCN0010.jpg"
PHOTO_ROTATED = CORPUS / "photos" / "recurser__Portrait_6.jpg"


def show(filler: FormFillerWidget, name: str, *indexes: int) -> object:
    widget = filler.widget_for(name, *indexes)
    page = next(i for i, p in enumerate(filler.pages) if p.isAncestorOf(widget))
    filler.go_to_page(page)
    return widget


def answer(qtbot: QtBot, filler: FormFillerWidget, name: str, value: str,
           *indexes: int) -> None:
    """Answer one question the way a person would, with its own controls."""
    widget = show(filler, name, *indexes)
    qtype = filler.session.element_of(widget.node).qtype  # type: ignore[attr-defined]
    if qtype in ("select_one", "select_multiple"):
        combo = widget.findChild(QComboBox)  # type: ignore[attr-defined]
        if combo is not None and combo.isVisible():
            combo.setCurrentIndex(combo.findData(value))
            combo.activated.emit(combo.currentIndex())
            return
        kind = QRadioButton if qtype == "select_one" else QCheckBox
        for choice in value.split():
            button = widget.findChild(kind, f"choice_{choice}")  # type: ignore[attr-defined]
            assert button is not None, (name, choice)
            qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    elif qtype == "date":
        widget.edit.setDate(QDate.fromString(value, "yyyy-MM-dd"))  # type: ignore[attr-defined]
    elif qtype == "time":
        widget.edit.setTime(QTime.fromString(value[:8], "HH:mm:ss"))  # type: ignore[attr-defined]
    elif qtype == "geotrace":
        edit = widget.findChild(QPlainTextEdit)  # type: ignore[attr-defined]
        edit.setFocus()
        qtbot.keyClicks(edit, "\n".join(" ".join(p.split()[:2]) for p in value.split(";")))
        edit.clearFocus()
    else:
        edit = widget.findChild(QPlainTextEdit) or widget.findChild(QLineEdit)  # type: ignore[attr-defined]
        edit.setFocus()
        edit.selectAll()
        qtbot.keyClicks(edit, value if qtype != "geopoint" else
                        ", ".join(value.split()[:2]))
        qtbot.keyClick(edit, Qt.Key.Key_Tab)


def drop(widget: PhotoQuestionWidget, path: Path) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    event = QDropEvent(QPointF(5, 5), Qt.DropAction.CopyAction, mime,
                       Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    widget.dropEvent(event)


def test_the_whole_job(tmp_path: Path, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    workspace = Workspace(tmp_path / "ws")
    ensure_builtin_forms(workspace)
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    window = MainWindow(workspace, settings)
    qtbot.addWidget(window)
    window.show()

    # 1. a new audit from the built-in women's safety walk
    editor = window.new_audit("womens_safety_walk")
    assert editor is not None
    filler: FormFillerWidget = editor.filler  # type: ignore[attr-defined]

    # 2. every question, through its widget
    for name, value in ANSWERS.items():
        if name not in ("finding", "route"):
            answer(qtbot, filler, name, str(value))

    # 4. the route from a corpus GPX file, through the Import GPX button
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(GPX), ""))
    route = show(filler, "route")
    button = next(b for b in route.findChildren(QPushButton)  # type: ignore[attr-defined]
                  if "GPX" in b.text())
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert len(filler.session.value("route").split(";")) >= 2

    # 5. three findings, added with the repeat's Add button
    add = next(b for b in filler.findChildren(QPushButton) if b.text() == "Add Finding")
    for k in (1, 2, 3):
        show(filler, "route")
        qtbot.mouseClick(add, Qt.MouseButton.LeftButton)
        finding = ANSWERS["finding"][(k - 1) % len(ANSWERS["finding"])]
        for name, value in finding.items():
            if not name.startswith("f_photo"):
                answer(qtbot, filler, name, str(value), k)

    # 3. two corpus photos, dropped on the first finding's photo questions
    for name, photo in (("f_photo1", PHOTO_GPS), ("f_photo2", PHOTO_ROTATED)):
        holder = show(filler, name, 1)
        widget = holder.findChild(PhotoQuestionWidget)  # type: ignore[attr-defined]
        assert widget is not None
        with qtbot.waitSignal(widget.changed, timeout=20_000):
            drop(widget, photo)
        assert filler.session.value(name, 1) == photo.name
    portrait = holder.findChild(PhotoQuestionWidget)  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: portrait.thumbnail_label.pixmap() is not None
                    and not portrait.thumbnail_label.pixmap().isNull(), timeout=20_000)
    pixmap = portrait.thumbnail_label.pixmap()
    assert pixmap.height() > pixmap.width()  # EXIF orientation 6: shown upright

    # finalize: everything is valid, the window closes and the audit is final
    assert filler.validate_for_finalize() == []
    assert editor.finalize()  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: editor not in window._editors, timeout=20_000)
    audits = [window.model.audit_id(r) for r in range(window.model.rowCount())]
    assert len(audits) == 1 and audits[0] is not None
    audit_id = audits[0]
    item = add_action(workspace, audit_id, 2, agency="municipality")  # from a finding
    window.close()
    workspace.close()

    # 6. close and reopen: everything is intact
    workspace = Workspace(tmp_path / "ws")
    shown = show_audit(workspace, audit_id)
    assert shown["status"] == "finalized"
    saved = shown["answers"]
    for name, value in ANSWERS.items():
        if name == "start_time":  # typed as a local time: the offset is this machine's
            assert str(saved[name])[:8] == str(value)[:8]
        elif name not in ("finding", "route"):
            assert str(saved[name]) == str(value), name
    assert len(saved["finding"]) == 3
    assert saved["finding"][2]["f_note"] == ANSWERS["finding"][2]["f_note"]
    assert {a["filename"] for a in shown["attachments"]} == {PHOTO_GPS.name, PHOTO_ROTATED.name}
    assert any(g["kind"] == "route" and g["length_m"] > 0 for g in shown["geometries"])
    assert [a["id"] for a in list_actions(workspace)] == [item["id"]]
    again = MainWindow(workspace, QSettings(str(tmp_path / "s.ini"),
                                            QSettings.Format.IniFormat))
    qtbot.addWidget(again)
    again.table.selectRow(0)
    reopened = again.open_selected()
    assert reopened is not None
    assert reopened.editor.session.value("f_photo2", 1) == PHOTO_ROTATED.name  # type: ignore[attr-defined]
    reopened.close()
    QApplication.processEvents()
    workspace.close()
