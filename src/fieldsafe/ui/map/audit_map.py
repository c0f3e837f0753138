"""One audit on the map: its route coloured by score, numbered findings and its photos."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from fieldsafe.errors import UserError
from fieldsafe.services.layers import basemap_file
from fieldsafe.services.map_data import audit_map, rating_parameters
from fieldsafe.services.map_palette import legend
from fieldsafe.services.workspace import Workspace
from fieldsafe.ui.map.layers import Feature
from fieldsafe.ui.map.map_content import (
    area_layers,
    finding_layer,
    photo_layer,
    segment_layer,
)
from fieldsafe.ui.map.map_panel import MapPanel


class AuditMapWidget(QWidget):
    """Click a finding to jump to it in the form (``finding_activated`` with its number)."""

    finding_activated = Signal(int)

    def __init__(self, workspace: Workspace, audit_id: str,
                 parent: QWidget | None = None, *, tile_cache_mb: int = 64) -> None:
        super().__init__(parent)
        self.data = audit_map(workspace, audit_id)
        self.setWindowTitle(self.tr("Map — {audit}").replace("{audit}", self.data.label))
        # The map, its layer list and the legend of the route's colours.
        self.panel = MapPanel(self, tile_cache_mb=tile_cache_mb)
        self.view, self.layer_list = self.panel.map_view, self.panel.layer_list
        self.view.setAccessibleName(self.tr("Audit map"))
        self.view.set_show_north_arrow(True)
        self.parameter = QComboBox(self)
        self.parameter.setAccessibleName(self.tr("Colour the route by"))
        self.parameters = {p.key: p for p in rating_parameters(
            workspace, form_id=self.data.form_id)}
        for key in self.data.parameters:
            known = self.parameters.get(key)
            self.parameter.addItem(self.tr("Overall score") if key == "overall" else
                                   known.label if known is not None else key, key)
        self.parameter.currentIndexChanged.connect(lambda _i: self._route())
        self.status = QLabel(self)
        bar = QHBoxLayout()
        label = QLabel(self.tr("Colour the route by:"), self)
        label.setBuddy(self.parameter)
        bar.addWidget(label)
        bar.addWidget(self.parameter)
        bar.addStretch(1)
        bar.addWidget(self.status)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.panel, 1)
        try:
            self.view.set_basemap(basemap_file(workspace))
        except UserError as err:
            self.status.setText(str(err))
        for layer in area_layers(workspace):
            self.view.add_layer(layer)
        self._route()
        self.view.add_layer(photo_layer(self.tr("Photos"), self.data.photos))
        self.view.add_layer(finding_layer(self.tr("Findings"), self.data.findings, False))
        self.view.feature_activated.connect(self._activated)
        self.fit()

    def fit(self) -> None:
        """Show the whole audit."""
        if self.data.bounds is not None:
            (south, west), (north, east) = self.data.bounds
            self.view.fit_bounds(south, west, north, east)

    def _route(self) -> None:
        key = self.parameter.currentData() or "overall"
        segments = self.data.parameters.get(key, self.data.segments)
        parameter = self.parameters.get(key)
        entries = legend(parameter) if parameter is not None else []
        self.panel.set_legend([(QColor(colour), text) for colour, text in entries],
                              self.parameter.currentText())
        if self.view.layer("segments") is not None:  # where the user left it, as they left it
            self.view.replace_layer(segment_layer("segments", self.tr("Route"), segments))
            return
        self.view.add_layer(segment_layer("segments", self.tr("Route"), segments))

    def _activated(self, feature: object) -> None:
        if isinstance(feature, Feature) and feature.kind == "finding":
            self.finding_activated.emit(int(getattr(feature.data, "number", 0)))
