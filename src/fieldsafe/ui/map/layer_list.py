"""The list of a map's layers: a checkbox to show or hide each, buttons to reorder them."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from fieldsafe.ui.map.map_canvas import MapCanvas

NAME_ROLE = Qt.ItemDataRole.UserRole


class LayerListWidget(QWidget):
    """The layers of ``map_view``, the one drawn on top first (``list_widget``). Ticking a
    layer shows it; "Up" draws the selected layer above the next, "Down" below. The list
    follows the view when layers are added, removed, moved, shown or hidden."""

    def __init__(self, map_view: MapCanvas, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.map_view = map_view
        self.list_widget = QListWidget(self)
        self.list_widget.setAccessibleName(self.tr("Map layers"))
        self.list_widget.setToolTip(self.tr("Tick a layer to show it; the top layer is drawn "
                                            "over the others"))
        self.up_button = QPushButton(self.tr("Up"), self)
        self.up_button.setAccessibleName(self.tr("Move layer up"))
        self.up_button.setToolTip(self.tr("Draw the selected layer over the one above it"))
        self.down_button = QPushButton(self.tr("Down"), self)
        self.down_button.setAccessibleName(self.tr("Move layer down"))
        self.down_button.setToolTip(self.tr("Draw the selected layer under the one below it"))
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.addWidget(self.up_button)
        buttons.addWidget(self.down_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.list_widget, 1)
        layout.addLayout(buttons)
        self.list_widget.itemChanged.connect(self._ticked)
        self.list_widget.currentRowChanged.connect(self._enable_buttons)
        self.up_button.clicked.connect(lambda: self.move_selected(+1))
        self.down_button.clicked.connect(lambda: self.move_selected(-1))
        map_view.layers_changed.connect(self.refresh)
        self.refresh()

    def names(self) -> list[str]:
        """The layer names as listed (top layer first)."""
        return [str(self.list_widget.item(row).data(NAME_ROLE))
                for row in range(self.list_widget.count())]

    def selected_name(self) -> str | None:
        item = self.list_widget.currentItem()
        return None if item is None else str(item.data(NAME_ROLE))

    def select(self, name: str) -> None:
        if name in self.names():
            self.list_widget.setCurrentRow(self.names().index(name))

    def move_selected(self, steps: int) -> None:
        """Draw the selected layer ``steps`` places higher (negative: lower)."""
        name = self.selected_name()
        if name is None:
            return
        order = [layer.name for layer in self.map_view.layers()]
        self.map_view.move_layer(name, max(0, order.index(name) + steps))
        self.select(name)

    def refresh(self) -> None:
        """Follow the view: the rows are updated in place, or made again when the layers or
        their order changed (never while a row's own signal is being handled)."""
        selected = self.selected_name()
        layers = list(reversed(self.map_view.layers()))
        rebuild = self.names() != [layer.name for layer in layers]
        self.list_widget.blockSignals(True)
        try:
            if rebuild:
                self.list_widget.clear()
            for row, layer in enumerate(layers):
                item = self.list_widget.item(row) if not rebuild else QListWidgetItem()
                item.setText(layer.title or layer.name)
                item.setData(NAME_ROLE, layer.name)
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                              | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Checked if layer.visible
                                   else Qt.CheckState.Unchecked)
                if rebuild:
                    self.list_widget.addItem(item)
        finally:
            self.list_widget.blockSignals(False)
        if rebuild and selected is not None:
            self.select(selected)
        self._enable_buttons()

    def _ticked(self, item: QListWidgetItem) -> None:
        layer = self.map_view.layer(str(item.data(NAME_ROLE)))
        if layer is not None:
            layer.set_visible(item.checkState() == Qt.CheckState.Checked)

    def _enable_buttons(self) -> None:
        row = self.list_widget.currentRow()
        self.up_button.setEnabled(row > 0)
        self.down_button.setEnabled(0 <= row < self.list_widget.count() - 1)
