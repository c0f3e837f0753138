"""The photo question widget (choose, drop, paste, caption, remove, location) and the gallery."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QColor, QDragEnterEvent, QDropEvent, QGuiApplication, QImage
from PySide6.QtWidgets import QFileDialog, QMessageBox

from fieldsafe.forms.answers import load_answers
from fieldsafe.media.hashing import sha256_of_file
from fieldsafe.services.audit_queries import show_audit
from fieldsafe.services.editor import AuditEditor
from fieldsafe.ui.gallery import THUMBNAIL_SIZE_ROLE, PhotoGallery
from fieldsafe.ui.photo_widget import PhotoQuestionWidget
from tests.conftest import CORPUS

PHOTOS = CORPUS / "photos"
GPS_PHOTO = PHOTOS / "exifpy__DSCN0010.jpg"  # GPS 43.467448, 11.885127
PORTRAIT = PHOTOS / "recurser__Portrait_6.jpg"  # EXIF orientation 6: upright it is portrait
NO_EXIF = PHOTOS / "exifpy__no_exif.jpg"


@pytest.fixture
def editor(workspace: Any, walk_answers: dict[str, object]) -> AuditEditor:
    editor = AuditEditor.new(workspace, "womens_safety_walk")
    assert load_answers(editor.session, walk_answers) == []
    return editor


@pytest.fixture
def widget(qtbot: Any, editor: AuditEditor) -> PhotoQuestionWidget:
    widget = PhotoQuestionWidget(editor, editor.session.node("f_photo1", 1))
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitUntil(lambda: widget.thumbnail_label.text() != "")
    return widget


@pytest.fixture
def warnings_shown(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    shown: list[str] = []

    def warning(parent: object, title: str, text: str, *args: object) -> object:
        shown.append(text)
        return QMessageBox.StandardButton.Ok

    monkeypatch.setattr(QMessageBox, "warning", warning)
    return shown


@pytest.fixture
def clipboard(qapp: Any) -> Any:
    """The clipboard, emptied afterwards: a QMimeData made in Python must not outlive the
    interpreter in it (Qt would free it at exit, after Python is gone)."""
    board = QGuiApplication.clipboard()
    yield board
    board.clear()


def _urls(*paths: Path) -> QMimeData:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    return mime


def _drop(widget: PhotoQuestionWidget, mime: QMimeData) -> bool:
    """Drag ``mime`` over the widget and drop it there; whether the drag was accepted."""
    centre = QPointF(widget.rect().center())
    buttons, keys = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    try:  # Qt 6.12 takes a QPointF (its QPoint form is deprecated); earlier Qt a QPoint
        enter = QDragEnterEvent(centre, Qt.DropAction.CopyAction, mime, buttons, keys)
    except TypeError:
        enter = QDragEnterEvent(centre.toPoint(), Qt.DropAction.CopyAction, mime, buttons, keys)
    QGuiApplication.sendEvent(widget, enter)
    if not enter.isAccepted():
        return False
    drop = QDropEvent(centre, Qt.DropAction.CopyAction, mime, buttons, keys)
    QGuiApplication.sendEvent(widget, drop)
    return drop.isAccepted()


def _choose(monkeypatch: pytest.MonkeyPatch, path: Path) -> list[str]:
    filters: list[str] = []

    def pick(parent: object, title: str, folder: str, wanted: str, *args: object) -> Any:
        filters.append(wanted)
        return str(path), wanted

    monkeypatch.setattr(QFileDialog, "getOpenFileName", pick)
    return filters


def _thumbnail_size(widget: PhotoQuestionWidget) -> tuple[int, int]:
    pixmap = widget.thumbnail_label.pixmap()
    return pixmap.width(), pixmap.height()


def test_dropping_a_photo_stores_it_and_answers_the_question(
        qtbot: Any, widget: PhotoQuestionWidget, editor: AuditEditor, workspace: Any) -> None:
    node = widget.node
    assert widget.file_label.text().startswith("finding1.jpg")  # named but not stored here
    assert not widget.location_button.isEnabled()
    with qtbot.waitSignal(widget.changed, timeout=10000):
        assert _drop(widget, _urls(GPS_PHOTO))
        assert widget.busy_bar.isVisible() and not widget.choose_button.isEnabled()
    assert node.value == "exifpy__DSCN0010.jpg"
    sha = sha256_of_file(GPS_PHOTO)
    assert workspace.media.has(sha)
    answer = editor.file_for(node)
    assert answer is not None and answer.sha256 == sha
    assert widget.file_label.text() == "exifpy__DSCN0010.jpg"
    assert not widget.busy_bar.isVisible()
    qtbot.waitUntil(lambda: not widget.thumbnail_label.pixmap().isNull())
    width, height = _thumbnail_size(widget)
    assert width > height  # a landscape photo


def test_only_image_files_can_be_dropped(widget: PhotoQuestionWidget, tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("not a photo")
    assert not _drop(widget, _urls(notes))
    assert widget.node.value == "finding1.jpg"


def test_choosing_a_portrait_photo_shows_it_upright(
        qtbot: Any, widget: PhotoQuestionWidget, monkeypatch: pytest.MonkeyPatch) -> None:
    filters = _choose(monkeypatch, PORTRAIT)
    with qtbot.waitSignal(widget.changed, timeout=10000):
        qtbot.mouseClick(widget.choose_button, Qt.MouseButton.LeftButton)
    assert "*.jpg" in filters[0] and "*.png" in filters[0]
    assert widget.node.value == "recurser__Portrait_6.jpg"
    qtbot.waitUntil(lambda: not widget.thumbnail_label.pixmap().isNull())
    width, height = _thumbnail_size(widget)
    assert height > width


def test_a_new_photo_replaces_the_old_one(
        qtbot: Any, widget: PhotoQuestionWidget, editor: AuditEditor) -> None:
    with qtbot.waitSignal(widget.changed, timeout=10000):
        _drop(widget, _urls(GPS_PHOTO))
    with qtbot.waitSignal(widget.changed, timeout=10000):
        _drop(widget, _urls(PORTRAIT, GPS_PHOTO))  # several dropped: the first is taken
    assert widget.node.value == "recurser__Portrait_6.jpg"
    answer = editor.file_for(widget.node)
    assert answer is not None and answer.sha256 == sha256_of_file(PORTRAIT)
    assert len([p for p in editor.files if p.startswith("finding[1]/f_photo1")]) == 1


def test_use_photo_location_fills_the_findings_location(
        qtbot: Any, widget: PhotoQuestionWidget, editor: AuditEditor) -> None:
    with qtbot.waitSignal(widget.changed, timeout=10000):
        _drop(widget, _urls(GPS_PHOTO))
    assert widget.location_button.isEnabled()
    with qtbot.waitSignal(widget.changed):
        qtbot.mouseClick(widget.location_button, Qt.MouseButton.LeftButton)
    lat, lon, alt, acc = editor.session.node("f_loc", 1).value.split()
    assert lat.startswith("43.4674") and lon.startswith("11.8851")
    assert (alt, acc) == ("0", "0")
    assert editor.session.node("f_loc", 2).value == "12.9838 77.6083 903 5"  # untouched


def test_a_photo_without_gps_cannot_give_a_location(
        qtbot: Any, widget: PhotoQuestionWidget) -> None:
    with qtbot.waitSignal(widget.changed, timeout=10000):
        _drop(widget, _urls(NO_EXIF))
    assert widget.node.value == "exifpy__no_exif.jpg"
    assert not widget.location_button.isEnabled()


def test_typing_a_caption_records_it(
        qtbot: Any, widget: PhotoQuestionWidget, editor: AuditEditor) -> None:
    assert not widget.caption_edit.isEnabled()  # nothing stored to caption yet
    with qtbot.waitSignal(widget.changed, timeout=10000):
        _drop(widget, _urls(GPS_PHOTO))
    assert widget.caption_edit.isEnabled()
    with qtbot.waitSignal(widget.changed):
        qtbot.keyClicks(widget.caption_edit, "Broken light")
    answer = editor.file_for(widget.node)
    assert answer is not None and answer.caption == "Broken light"


@pytest.mark.parametrize(("reply", "kept"), [(QMessageBox.StandardButton.No, True),
                                             (QMessageBox.StandardButton.Yes, False)])
def test_remove_asks_first(qtbot: Any, widget: PhotoQuestionWidget, editor: AuditEditor,
                           monkeypatch: pytest.MonkeyPatch, reply: Any, kept: bool) -> None:
    with qtbot.waitSignal(widget.changed, timeout=10000):
        _drop(widget, _urls(GPS_PHOTO))
    asked: list[str] = []
    monkeypatch.setattr(QMessageBox, "question",
                        lambda parent, title, text, *a: asked.append(text) or reply)
    qtbot.mouseClick(widget.remove_button, Qt.MouseButton.LeftButton)
    assert asked and "exifpy__DSCN0010.jpg" in asked[0]
    if kept:
        assert widget.node.value == "exifpy__DSCN0010.jpg"
        return
    assert widget.node.value == ""
    assert editor.file_for(widget.node) is None
    assert widget.file_label.text() == "No photo yet"
    qtbot.waitUntil(lambda: widget.thumbnail_label.pixmap().isNull())
    assert not widget.remove_button.isEnabled()


def test_a_file_that_is_not_a_photo_is_explained(
        qtbot: Any, widget: PhotoQuestionWidget, monkeypatch: pytest.MonkeyPatch,
        warnings_shown: list[str], tmp_path: Path) -> None:
    fake = tmp_path / "fake.jpg"
    fake.write_text("this is text, not a JPEG")
    _choose(monkeypatch, fake)
    qtbot.mouseClick(widget.choose_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(warnings_shown), timeout=10000)
    assert "fake.jpg" in warnings_shown[0]
    assert "Traceback" not in warnings_shown[0]
    assert widget.node.value == "finding1.jpg"
    assert widget.choose_button.isEnabled() and not widget.busy_bar.isVisible()


def test_pasting_a_copied_photo_file(qtbot: Any, widget: PhotoQuestionWidget,
                                     clipboard: Any) -> None:
    clipboard.setMimeData(_urls(PORTRAIT))
    widget.choose_button.setFocus()
    with qtbot.waitSignal(widget.changed, timeout=10000):
        qtbot.keyClick(widget.choose_button, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert widget.node.value == "recurser__Portrait_6.jpg"


def test_pasting_a_copied_image_saves_it_as_png(
        qtbot: Any, widget: PhotoQuestionWidget, editor: AuditEditor, workspace: Any,
        clipboard: Any) -> None:
    image = QImage(64, 48, QImage.Format.Format_RGB32)
    image.fill(QColor("orange"))
    clipboard.setImage(image)
    widget.setFocus()
    with qtbot.waitSignal(widget.changed, timeout=10000):
        qtbot.keyClick(widget, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert widget.node.value.startswith("pasted-") and widget.node.value.endswith(".png")
    answer = editor.file_for(widget.node)
    assert answer is not None and workspace.media.has(answer.sha256)
    stored = QImage(str(workspace.media.path(answer.sha256)))
    assert (stored.width(), stored.height()) == (64, 48)


def test_pasting_into_the_caption_pastes_text(
        qtbot: Any, widget: PhotoQuestionWidget, clipboard: Any) -> None:
    with qtbot.waitSignal(widget.changed, timeout=10000):
        _drop(widget, _urls(GPS_PHOTO))
    clipboard.setText("Dark corner")
    widget.caption_edit.setFocus()
    qtbot.keyClick(widget.caption_edit, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert widget.caption_edit.text() == "Dark corner"
    assert widget.node.value == "exifpy__DSCN0010.jpg"


# -- gallery ---------------------------------------------------------------------------------

@pytest.fixture
def audit_with_photos(editor: AuditEditor) -> str:
    editor.attach(editor.session.node("f_photo1", 1), PORTRAIT)
    editor.set_caption(editor.session.node("f_photo1", 1), "Lane behind the bus stand")
    editor.attach(editor.session.node("f_photo1", 2), GPS_PHOTO)
    revision = editor.write(editor.snapshot())
    return revision.audit_uuid


def test_the_gallery_shows_every_photo_of_the_audit(
        qtbot: Any, workspace: Any, audit_with_photos: str) -> None:
    gallery = PhotoGallery(workspace, audit_with_photos)
    qtbot.addWidget(gallery)
    with qtbot.waitSignal(gallery.thumbnails_loaded, timeout=10000):
        gallery.show()
    assert gallery.count() == len(show_audit(workspace, audit_with_photos)["attachments"]) == 2
    texts = {gallery.list.item(i).text() for i in range(gallery.count())}
    assert texts == {"Lane behind the bus stand\nfinding[1]/f_photo1",
                     "exifpy__DSCN0010.jpg\nfinding[2]/f_photo1"}
    sizes = {}
    for i in range(gallery.count()):
        item = gallery.list.item(i)
        assert not item.icon().isNull()
        size = item.data(THUMBNAIL_SIZE_ROLE)
        sizes[item.text().split("\n")[1]] = (size.width(), size.height())
    assert sizes["finding[1]/f_photo1"][1] > sizes["finding[1]/f_photo1"][0]  # upright
    assert sizes["finding[2]/f_photo1"][0] > sizes["finding[2]/f_photo1"][1]


def test_double_click_opens_the_photo_upright(
        qtbot: Any, workspace: Any, audit_with_photos: str) -> None:
    gallery = PhotoGallery(workspace, audit_with_photos)
    qtbot.addWidget(gallery)
    gallery.resize(900, 600)
    gallery.show()
    qtbot.waitExposed(gallery)
    item = next(gallery.list.item(i) for i in range(gallery.count())
                if "finding[1]" in gallery.list.item(i).text())
    centre = gallery.list.visualItemRect(item).center()
    qtbot.mouseClick(gallery.list.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    qtbot.mouseDClick(gallery.list.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    qtbot.waitUntil(lambda: gallery.viewer is not None)
    viewer = gallery.viewer
    assert viewer is not None
    qtbot.addWidget(viewer)
    qtbot.waitUntil(lambda: not viewer.picture.image.isNull(), timeout=10000)
    assert (viewer.picture.image.width(), viewer.picture.image.height()) == (1200, 1800)
    assert viewer.windowTitle() == "Lane behind the bus stand"
    assert viewer.caption_label.text() == "Lane behind the bus stand"
    shown = viewer.picture.pixmap()
    assert shown.height() > shown.width()


def test_an_audit_without_photos_says_so(qtbot: Any, workspace: Any,
                                         walk_answers: dict[str, object]) -> None:
    from fieldsafe.services.audits import new_audit

    audit = new_audit(workspace, "womens_safety_walk", walk_answers)
    gallery = PhotoGallery(workspace, audit.id)
    qtbot.addWidget(gallery)
    gallery.show()
    assert gallery.count() == 0
    assert gallery.empty_label.isVisible() and not gallery.list.isVisible()


def test_refresh_shows_a_photo_attached_elsewhere(
        qtbot: Any, widget: PhotoQuestionWidget, editor: AuditEditor) -> None:
    editor.attach(widget.node, PORTRAIT)  # e.g. by an import while the form is open
    with qtbot.waitSignal(widget.thumbnail_shown, timeout=10000):
        widget.refresh()
    assert widget.file_label.text() == "recurser__Portrait_6.jpg"
    width, height = _thumbnail_size(widget)
    assert height > width
    widget.refresh()
    assert widget.background.pending() == 0  # the same photo: its thumbnail is not read again


def _storing_a_big_photo(qtbot: Any, workspace: Any, walk_answers: dict[str, object],
                         tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                         ) -> tuple[Any, AuditEditor, str, Any]:
    """An audit window whose first finding's photo is being stored (a big photo) until the
    returned event is set: (window, editor, audit ID, event)."""
    import threading

    from PySide6.QtCore import QSettings

    from fieldsafe.services.audits import new_audit
    from fieldsafe.ui.editor_window import EditorWindow

    made = new_audit(workspace, "womens_safety_walk", walk_answers)
    editor = AuditEditor.open(workspace, made.id)
    release = threading.Event()
    real_ingest = editor.ingest

    def slow_ingest(node: Any, source: Path) -> Any:
        release.wait(10)  # a big photo, still being stored
        return real_ingest(node, source)

    monkeypatch.setattr(editor, "ingest", slow_ingest)
    window = EditorWindow(workspace, editor, QSettings(str(tmp_path / "s.ini"),
                                                       QSettings.Format.IniFormat))
    window.show()  # deletes itself once closed
    window.filler.go_to_page(next(i for i, title in enumerate(window.filler.page_titles())
                                  if "inding" in title))
    photo = window.filler.widget_for("f_photo1", 1).custom  # type: ignore[attr-defined]
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *a, **k: (str(GPS_PHOTO), "")))
    qtbot.mouseClick(photo.choose_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(photo.busy_bar.isVisible)
    return window, editor, made.id, release


@pytest.mark.parametrize("meanwhile", ["add a finding", "close the window"])
def test_a_photo_being_stored_is_kept_whatever_happens_meanwhile(
        qtbot: Any, workspace: Any, walk_answers: dict[str, object], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, meanwhile: str) -> None:
    """A large photo takes a second or more to store: adding a finding (which rebuilds the
    findings' widgets) or closing the window then must not lose it."""
    from PySide6.QtCore import QTimer

    window, editor, audit_id, release = _storing_a_big_photo(
        qtbot, workspace, walk_answers, tmp_path, monkeypatch)
    if meanwhile == "add a finding":
        repeat = editor.session.compiled.by_path[editor.session.compiled.ref_paths["finding"]]
        editor.session.add_repeat(repeat, editor.session.root)
        window.filler.answers_changed()  # the findings' widgets are rebuilt
        release.set()
        qtbot.waitUntil(lambda: editor.session.value("f_photo1", 1) == GPS_PHOTO.name)
        window.close()
    else:
        QTimer.singleShot(300, release.set)
        window.close()  # waits for the photo, then saves
    saved = show_audit(workspace, audit_id)
    assert saved["answers"]["finding"][0]["f_photo1"] == GPS_PHOTO.name
    assert [a["filename"] for a in saved["attachments"]
            if a["question"] == "finding[1]/f_photo1"] == [GPS_PHOTO.name]


def test_finalizing_while_a_photo_is_stored_finalizes_it_with_the_photo(
        qtbot: Any, workspace: Any, walk_answers: dict[str, object], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtCore import QTimer

    window, _editor, audit_id, release = _storing_a_big_photo(
        qtbot, workspace, walk_answers, tmp_path, monkeypatch)
    QTimer.singleShot(300, release.set)
    assert window.finalize()  # waits for the photo, then finalizes with it
    shown = show_audit(workspace, audit_id)
    assert shown["status"] == "finalized" and shown["revision"] == 1
    assert [h["status"] for h in shown["history"]] == ["finalized"]
    assert GPS_PHOTO.name in [a["filename"] for a in shown["attachments"]]
