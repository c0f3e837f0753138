"""The answer to a photo question: thumbnail, caption, choose/drop/paste, remove, use location."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import shiboken6
from PySide6.QtCore import QMimeData, Qt, QUrl, Signal
from PySide6.QtGui import (
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QGuiApplication,
    QImage,
    QImageReader,
    QKeyEvent,
    QKeySequence,
    QPixmap,
)
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from fieldsafe.errors import UserError
from fieldsafe.forms.xpath.nodes import XNode
from fieldsafe.services.audit_content import IngestedFile
from fieldsafe.services.editor import AuditEditor
from fieldsafe.ui.background import Background
from fieldsafe.ui.image_format import file_image_format

#: The photo formats FieldSafe stores (see fieldsafe.media.photos.FORMATS).
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".jpe", ".png", ".webp", ".tif", ".tiff", ".gif", ".bmp")
THUMBNAIL_BOX = 160


def image_files(mime: QMimeData) -> list[Path]:
    """The local photo files among dragged or pasted data, in order."""
    found: list[QUrl] = list(mime.urls()) if mime.hasUrls() else []
    if not found and mime.hasText():
        found = [QUrl(line.strip()) for line in mime.text().splitlines() if line.strip()]
    paths = [Path(url.toLocalFile()) for url in found if url.isLocalFile()]
    return [p for p in paths if p.suffix.lower() in IMAGE_SUFFIXES]


def load_image(path: Path, *, upright: bool = False, longest: int = 0) -> QImage:
    """Read an image (on any thread); ``upright`` applies its EXIF orientation, ``longest``
    scales it down to fit. A null QImage when it cannot be read, or is of no format that
    image_format knows: Qt is never left to probe its plugins (see image_format)."""
    kind = file_image_format(path)
    if kind is None:
        return QImage()
    reader = QImageReader(str(path))
    reader.setFormat(kind.encode())
    reader.setAutoTransform(upright)
    image = reader.read()
    if longest and not image.isNull() and max(image.width(), image.height()) > longest:
        image = image.scaled(longest, longest, Qt.AspectRatioMode.KeepAspectRatio,
                             Qt.TransformationMode.SmoothTransformation)
    return image


class PhotoQuestionWidget(QWidget):
    """Answers one image question (one photo, as in XLSForm: a new photo replaces the old).

    Photos come from "Choose photo…", drag and drop, or paste (a file or a copied image).
    They are stored on a worker thread and the answer is written on the GUI thread.
    """

    #: Emitted after the answer changed: a photo attached or removed, a caption, a location.
    changed = Signal()
    #: Emitted when the thumbnail has been loaded and shown (or cleared).
    thumbnail_shown = Signal()

    def __init__(self, editor: AuditEditor, node: XNode, parent: QWidget | None = None, *,
                 jobs: Background | None = None,
                 kept: Callable[[XNode, IngestedFile], None] | None = None,
                 lost: Callable[[str], None] | None = None) -> None:
        """``jobs`` (the window's) store photos so that one being stored outlives this
        widget (a finding added meanwhile rebuilds it); ``kept(node, stored)`` answers, and
        ``lost(message)`` tells a failure, when the widget is gone by then."""
        super().__init__(parent)
        self.editor = editor
        self.node = node
        self._busy = False
        self._thumb_request = 0
        self._thumb_path: Path | None = None
        self._positions: dict[str, tuple[float, float] | None] = {}
        self.background = Background(self)
        self._jobs = jobs or self.background
        self._kept, self._lost = kept, lost
        self.setAcceptDrops(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAccessibleName(self.tr("Photo"))
        self._build()
        self.refresh()

    # -- layout -------------------------------------------------------------------------
    def _build(self) -> None:
        self.thumbnail_label = QLabel(self)
        self.thumbnail_label.setFixedSize(THUMBNAIL_BOX + 8, THUMBNAIL_BOX + 8)
        self.thumbnail_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.thumbnail_label.setFrameShape(QFrame.Shape.StyledPanel)
        self.thumbnail_label.setWordWrap(True)
        self.thumbnail_label.setStyleSheet("color: #5f6368;")
        self.thumbnail_label.setAccessibleName(self.tr("Photo thumbnail"))
        self.file_label = QLabel(self)
        self.file_label.setTextFormat(Qt.TextFormat.PlainText)
        self.file_label.setWordWrap(True)
        self.file_label.setStyleSheet("font-weight: bold;")
        self.file_label.setAccessibleName(self.tr("Photo file name"))
        caption_title = QLabel(self.tr("Caption:"), self)
        self.caption_edit = QLineEdit(self)
        self.caption_edit.setPlaceholderText(self.tr("What the photo shows"))
        self.caption_edit.setAccessibleName(self.tr("Photo caption"))
        caption_title.setBuddy(self.caption_edit)
        self.caption_edit.textEdited.connect(self._caption_edited)
        self.choose_button = QPushButton(self.tr("Choose photo…"), self)
        self.choose_button.setAccessibleName(self.tr("Choose photo"))
        self.choose_button.clicked.connect(self.choose_photo)
        self.remove_button = QPushButton(self.tr("Remove"), self)
        self.remove_button.setAccessibleName(self.tr("Remove photo"))
        self.remove_button.clicked.connect(self.remove_photo)
        self.location_button = QPushButton(self.tr("Use photo's location"), self)
        self.location_button.setAccessibleName(self.tr("Use photo's location"))
        self.location_button.clicked.connect(self.use_photo_location)
        self.busy_bar = QProgressBar(self)
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setTextVisible(False)
        self.busy_bar.setMaximumHeight(10)
        self.busy_bar.setAccessibleName(self.tr("Storing the photo"))
        self.busy_bar.hide()
        self.hint_label = QLabel(self.tr("Drop a photo here, or paste one with Ctrl+V."), self)
        self.hint_label.setStyleSheet("color: #5f6368;")
        self.hint_label.setAccessibleName(self.tr("Photo hint"))

        caption_row = QHBoxLayout()
        caption_row.addWidget(caption_title)
        caption_row.addWidget(self.caption_edit, 1)
        buttons = QHBoxLayout()
        for button in (self.choose_button, self.remove_button, self.location_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        side = QVBoxLayout()
        side.addWidget(self.file_label)
        side.addLayout(caption_row)
        side.addLayout(buttons)
        side.addWidget(self.busy_bar)
        side.addWidget(self.hint_label)
        side.addStretch(1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.thumbnail_label, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(side, 1)

    # -- showing the answer ---------------------------------------------------------------
    def refresh(self) -> None:
        """Show the node's answer again (after it changed elsewhere)."""
        answer = self.editor.file_for(self.node)
        name = self.node.value
        if answer is not None:
            self.file_label.setText(name)
        elif name:
            self.file_label.setText(self.tr("{name} (the file is not in this workspace)")
                                    .format(name=name))
        else:
            self.file_label.setText(self.tr("No photo yet"))
        if self.caption_edit.text() != (answer.caption if answer else ""):
            self.caption_edit.setText(answer.caption if answer else "")
        self._update_enabled()
        self._load_thumbnail()

    def _update_enabled(self) -> None:
        answer = self.editor.file_for(self.node)
        idle = not self._busy
        self.choose_button.setEnabled(idle)
        self.remove_button.setEnabled(idle and bool(self.node.value))
        self.caption_edit.setEnabled(idle and answer is not None)
        target = self.editor.location_question(self.node)
        position = None
        if answer is not None:  # read once per photo: refresh() runs on every answer change
            if answer.sha256 not in self._positions:
                self._positions[answer.sha256] = self.editor.photo_position(self.node)
            position = self._positions[answer.sha256]
        if answer is None:
            why = ""
        elif target is None:
            why = self.tr("There is no location question beside this photo")
        elif position is None:
            why = self.tr("This photo has no GPS position")
        else:
            why = self.tr("Put the photo's GPS position in the location question")
        self.location_button.setToolTip(why)
        self.location_button.setEnabled(idle and target is not None and position is not None)
        self.busy_bar.setVisible(self._busy)

    def _load_thumbnail(self) -> None:
        path = self.editor.thumbnail(self.node)
        if self._thumb_request and path == self._thumb_path:
            return  # already shown, or being read
        self._thumb_path = path
        self._thumb_request += 1
        request = self._thumb_request
        if path is None:
            self._show_thumbnail(request, QImage())
            return
        self.background.run(lambda: load_image(path, longest=THUMBNAIL_BOX),
                            lambda image: self._show_thumbnail(request, image))

    def _show_thumbnail(self, request: int, image: QImage) -> None:
        if request != self._thumb_request:
            return  # a newer photo was attached meanwhile
        if image.isNull():
            self.thumbnail_label.setPixmap(QPixmap())
            self.thumbnail_label.setText(self.tr("No photo"))
        else:
            self.thumbnail_label.setPixmap(QPixmap.fromImage(image))
        self.thumbnail_shown.emit()

    # -- attaching ----------------------------------------------------------------------
    def choose_photo(self) -> None:
        patterns = " ".join(f"*{s}" for s in IMAGE_SUFFIXES)
        photos, every = self.tr("Photos"), self.tr("All files")  # not in f-strings:
        filters = f"{photos} ({patterns});;{every} (*)"  # the extractor skips those
        name, _ = QFileDialog.getOpenFileName(self, self.tr("Choose a photo"), "", filters)
        if name:
            self.attach_file(Path(name))

    def attach_file(self, path: Path) -> None:
        """Store ``path`` on a worker thread, then answer the question with it."""
        if self._busy:
            return
        editor, node = self.editor, self.node
        self._start(lambda: editor.ingest(node, path))

    def attach_image(self, image: QImage) -> None:
        """Save a copied image as a PNG file, then attach it like a chosen photo."""
        if self._busy or image.isNull():
            return
        editor, node, copy = self.editor, self.node, image.copy()
        name = f"pasted-{datetime.now():%Y%m%d-%H%M%S}.png"
        cannot = self.tr("The pasted image could not be saved as a file.")

        def work() -> IngestedFile:
            with tempfile.TemporaryDirectory(prefix="fieldsafe-paste-") as folder:
                target = Path(folder) / name
                if not copy.save(str(target)):  # a PNG, from the suffix
                    raise UserError(cannot)
                return editor.ingest(node, target)

        self._start(work)

    def paste(self) -> None:
        """Attach what the clipboard holds: a photo file, or an image."""
        mime = QGuiApplication.clipboard().mimeData()
        files = image_files(mime) if mime is not None else []
        if files:
            self.attach_file(files[0])
        elif mime is not None and mime.hasImage():
            self.attach_image(QGuiApplication.clipboard().image())

    def _start(self, work: Callable[[], IngestedFile]) -> None:
        self._set_busy(True)
        node, kept, lost, widget = self.node, self._kept, self._lost, self

        def done(ingested: IngestedFile) -> None:
            if shiboken6.isValid(widget):
                widget._ingested(ingested)
            elif kept is not None:  # rebuilt or closed meanwhile: the window answers
                kept(node, ingested)

        def failed(message: str) -> None:
            if shiboken6.isValid(widget):
                widget._failed(message)
            elif lost is not None:
                lost(message)

        self._jobs.run(work, done, failed)

    def _ingested(self, ingested: IngestedFile) -> None:
        self._set_busy(False)
        self.editor.apply(self.node, ingested)
        self.refresh()
        self.changed.emit()

    def _failed(self, message: str) -> None:
        self._set_busy(False)
        QMessageBox.warning(self, self.tr("Photo not attached"), message)

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self._update_enabled()

    # -- other changes ----------------------------------------------------------------------
    def remove_photo(self) -> None:
        if not self.node.value:
            return
        answer = QMessageBox.question(
            self, self.tr("Remove photo"),
            self.tr("Remove the photo {name} from this question?").format(
                name=self.node.value),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No)
        if answer != QMessageBox.StandardButton.Yes:
            return
        self.editor.detach(self.node)
        self.refresh()
        self.changed.emit()

    def use_photo_location(self) -> None:
        position = self.editor.photo_position(self.node)
        target = self.editor.location_question(self.node)
        if position is None or target is None:
            return
        latitude, longitude = position
        self.editor.session.set_value(target, f"{latitude} {longitude} 0 0")
        self.changed.emit()

    def _caption_edited(self, text: str) -> None:
        try:
            self.editor.set_caption(self.node, text)
        except UserError as err:
            QMessageBox.warning(self, self.tr("Caption not saved"), str(err))
            return
        self.changed.emit()

    # -- drag and drop, paste -----------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        self._judge_drag(event)

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        self._judge_drag(event)

    def _judge_drag(self, event: QDragMoveEvent) -> None:
        if not self._busy and image_files(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        files = image_files(event.mimeData())
        if not files or self._busy:
            event.ignore()
            return
        event.acceptProposedAction()
        self.attach_file(files[0])

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.matches(QKeySequence.StandardKey.Paste):
            self.paste()
            event.accept()
            return
        super().keyPressEvent(event)
