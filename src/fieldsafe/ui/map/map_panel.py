"""A map with its layer list and a legend beside it, in a splitter."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPixmap
from PySide6.QtWidgets import (
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from fieldsafe.ui.map.layer_list import LayerListWidget
from fieldsafe.ui.map.map_view import MapView

SWATCH = (18, 12)


class MapPanel(QWidget):
    """``map_view`` on the left; on the right ``layer_list`` and ``legend`` (hidden until
    :meth:`set_legend` gives it entries)."""

    def __init__(self, parent: QWidget | None = None, *, tile_cache_mb: int = 64) -> None:
        super().__init__(parent)
        self.map_view = MapView(self, tile_cache_mb=tile_cache_mb)
        side = QWidget(self)
        self.layer_list = LayerListWidget(self.map_view, side)
        self.legend = QGroupBox(side)
        self.legend.setAccessibleName(self.tr("Legend"))
        self._legend_rows = QGridLayout(self.legend)
        self._entries: list[tuple[QColor, str]] = []
        column = QVBoxLayout(side)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.layer_list, 1)
        column.addWidget(self.legend)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.addWidget(self.map_view)
        self.splitter.addWidget(side)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 0)
        self.splitter.setSizes([760, 220])
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)
        self.set_legend([], "")

    def set_legend(self, entries: list[tuple[QColor, str]], title: str) -> None:
        """Show a colour swatch and a label for each entry under ``title``."""
        while self._legend_rows.count():
            item = self._legend_rows.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self._entries = [(QColor(colour), text) for colour, text in entries]
        self.legend.setTitle(title)
        for row, (colour, text) in enumerate(self._entries):
            swatch = QLabel(self.legend)
            pixmap = QPixmap(*SWATCH)
            pixmap.fill(colour)
            swatch.setPixmap(pixmap)
            label = QLabel(text, self.legend)
            label.setWordWrap(True)
            self._legend_rows.addWidget(swatch, row, 0)
            self._legend_rows.addWidget(label, row, 1)
        self._legend_rows.setColumnStretch(1, 1)
        self.legend.setVisible(bool(self._entries))

    def legend_entries(self) -> list[tuple[QColor, str]]:
        return list(self._entries)
