"""The photos of one audit as a grid of thumbnails, and a viewer for one photo at full size."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QImage, QPainter, QPixmap, QResizeEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from fieldsafe.services.audit_queries import show_audit
from fieldsafe.services.workspace import Workspace
from fieldsafe.ui.background import Background
from fieldsafe.ui.photo_widget import load_image

ICON_SIZE = 160
VIEWER_LONGEST = 2400  # the viewer never holds more pixels than this on its longest side
ATTACHMENT_ROLE = Qt.ItemDataRole.UserRole
THUMBNAIL_SIZE_ROLE = Qt.ItemDataRole.UserRole + 1  # QSize of the thumbnail, upright


def framed(image: QImage, side: int) -> QImage:
    """``image`` centred on a transparent square, so every cell of the grid lines up."""
    square = QImage(side, side, QImage.Format.Format_ARGB32_Premultiplied)
    square.fill(Qt.GlobalColor.transparent)
    if not image.isNull():
        painter = QPainter(square)
        painter.drawImage((side - image.width()) // 2, (side - image.height()) // 2, image)
        painter.end()
    return square


class _FittedImage(QLabel):
    """Shows an image as large as fits, keeping its proportions."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.image = QImage()
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.setMinimumSize(200, 200)

    def set_image(self, image: QImage) -> None:
        self.image = image
        self._fit()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        if self.image.isNull():
            return
        box = self.contentsRect().size()
        scaled = self.image.scaled(box, Qt.AspectRatioMode.KeepAspectRatio,
                                   Qt.TransformationMode.SmoothTransformation)
        self.setPixmap(QPixmap.fromImage(scaled))


class PhotoViewer(QDialog):
    """One photo, upright (its EXIF orientation applied), with its caption."""

    #: Emitted when the photo has been read and shown.
    image_shown = Signal()

    def __init__(self, path: Path, title: str, caption: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.background = Background(self)
        self.setAccessibleName(self.tr("Photo viewer"))
        self.picture = _FittedImage(self)
        self.picture.setText(self.tr("Loading the photo…"))
        self.picture.setAccessibleName(self.tr("Photo"))
        self.caption_label = QLabel(caption, self)
        self.caption_label.setTextFormat(Qt.TextFormat.PlainText)
        self.caption_label.setWordWrap(True)
        self.caption_label.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.caption_label.setAccessibleName(self.tr("Caption"))
        self.caption_label.setVisible(bool(caption))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        buttons.setAccessibleName(self.tr("Viewer buttons"))
        layout = QVBoxLayout(self)
        layout.addWidget(self.picture, 1)
        layout.addWidget(self.caption_label)
        layout.addWidget(buttons)
        self.resize(900, 700)
        missing = self.tr("The photo file is missing from the workspace.")
        self.background.run(lambda: load_image(path, upright=True, longest=VIEWER_LONGEST),
                            lambda image: self._loaded(image, missing))

    def _loaded(self, image: QImage, missing: str) -> None:
        if image.isNull():
            self.picture.setText(missing)
        else:
            self.picture.set_image(image)
        self.image_shown.emit()


class PhotoGallery(QWidget):
    """Every photo of an audit's current revision; double-click (or Enter) opens one."""

    #: Emitted once every thumbnail has been loaded.
    thumbnails_loaded = Signal()

    def __init__(self, workspace: Workspace, audit_id: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.audit_id = audit_id
        self.viewer: PhotoViewer | None = None
        self._pending = 0
        self._generation = 0
        self.background = Background(self)
        self.setAccessibleName(self.tr("Photos of the audit"))
        self.list = QListWidget(self)
        self.list.setViewMode(QListView.ViewMode.IconMode)
        self.list.setIconSize(QSize(ICON_SIZE, ICON_SIZE))
        self.list.setGridSize(QSize(ICON_SIZE + 48, ICON_SIZE + 72))
        self.list.setSpacing(6)
        self.list.setResizeMode(QListView.ResizeMode.Adjust)
        self.list.setMovement(QListView.Movement.Static)
        self.list.setWordWrap(True)
        self.list.setAccessibleName(self.tr("Photos"))
        self.list.itemActivated.connect(self.open_viewer)
        self.empty_label = QLabel(self.tr("This audit has no photos."), self)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setAccessibleName(self.tr("No photos"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.list)
        layout.addWidget(self.empty_label)
        self.reload()

    def count(self) -> int:
        return self.list.count()

    def reload(self) -> None:
        """Read the audit's photos again (after it was saved)."""
        self._generation += 1
        attachments: list[dict[str, Any]] = show_audit(self.workspace, self.audit_id)[
            "attachments"]
        self.list.clear()
        self._pending = len(attachments)
        placeholder = QPixmap(ICON_SIZE, ICON_SIZE)
        placeholder.fill(QColor("#e8eaed"))  # until the thumbnail is read
        for row, attachment in enumerate(attachments):
            item = QListWidgetItem(QIcon(placeholder), self._label(attachment))
            item.setData(ATTACHMENT_ROLE, attachment)
            item.setToolTip(self._details(attachment))
            item.setTextAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
            self.list.addItem(item)
            self._load_thumbnail(row, attachment["sha256"])
        self.list.setVisible(bool(attachments))
        self.empty_label.setVisible(not attachments)
        if not attachments:
            self.thumbnails_loaded.emit()

    def _label(self, attachment: dict[str, Any]) -> str:
        caption = str(attachment.get("caption") or "") or str(attachment["filename"])
        return f"{caption}\n{attachment['question']}"

    def _details(self, attachment: dict[str, Any]) -> str:
        info = attachment.get("info") or {}
        lines = [str(attachment["filename"]), str(attachment["question"])]
        if info.get("width") and info.get("height"):
            lines.append(self.tr("{w} × {h} pixels").format(w=info["width"], h=info["height"]))
        if info.get("taken_at"):
            lines.append(self.tr("Taken {when}").format(when=info["taken_at"]))
        if info.get("camera"):
            lines.append(str(info["camera"]))
        return "\n".join(lines)

    def _load_thumbnail(self, row: int, sha256: str) -> None:
        media = self.workspace.media
        generation = self._generation

        def work() -> tuple[QImage, QSize]:
            thumbnail = media.thumbnail_path(sha256)
            if thumbnail.exists():  # stored thumbnails are upright already
                image = load_image(thumbnail, longest=ICON_SIZE)
            else:
                image = load_image(media.path(sha256), upright=True, longest=ICON_SIZE)
            return framed(image, ICON_SIZE), image.size()

        self.background.run(work, lambda loaded: self._show(generation, row, *loaded))

    def _show(self, generation: int, row: int, image: QImage, size: QSize) -> None:
        if generation != self._generation:
            return  # the list was read again meanwhile
        item = self.list.item(row)
        if item is not None and not size.isEmpty():
            item.setIcon(QIcon(QPixmap.fromImage(image)))
            item.setData(THUMBNAIL_SIZE_ROLE, size)
        self._pending -= 1
        if self._pending == 0:
            self.thumbnails_loaded.emit()

    def open_viewer(self, item: QListWidgetItem) -> None:
        attachment: dict[str, Any] = item.data(ATTACHMENT_ROLE)
        title = str(attachment.get("caption") or attachment["filename"])
        if self.viewer is not None:
            self.viewer.close()
        self.viewer = PhotoViewer(self.workspace.media.path(attachment["sha256"]), title,
                                  str(attachment.get("caption") or ""), self)
        self.viewer.show()
