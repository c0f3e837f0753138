"""One audit on the map: its route coloured by score, numbered findings and its photos."""

from __future__ import annotations

import html

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSplitter, QVBoxLayout, QWidget

from fieldsafe.errors import UserError
from fieldsafe.services.layers import basemap_file
from fieldsafe.services.map_data import audit_map, rating_parameters
from fieldsafe.services.map_palette import legend
from fieldsafe.services.workspace import Workspace
from fieldsafe.ui.map.layer_list import LayerListWidget
from fieldsafe.ui.map.layers import Feature
from fieldsafe.ui.map.map_content import (
    area_layers,
    finding_layer,
    photo_layer,
    segment_layer,
)
from fieldsafe.ui.map.map_view import MapView


class AuditMapWidget(QWidget):
    """Click a finding to jump to it in the form (``finding_activated`` with its number)."""

    finding_activated = Signal(int)

    def __init__(self, workspace: Workspace, audit_id: str,
                 parent: QWidget | None = None, *, tile_cache_mb: int = 64) -> None:
        super().__init__(parent)
        self.data = audit_map(workspace, audit_id)
        self.setWindowTitle(self.tr("Map — {audit}").replace("{audit}", self.data.label))
        self.view = MapView(self, tile_cache_mb=tile_cache_mb)
        self.view.setAccessibleName(self.tr("Audit map"))
        self.view.set_show_north_arrow(True)
        self.layer_list = LayerListWidget(self.view, self)
        self.parameter = QComboBox(self)
        self.parameter.setAccessibleName(self.tr("Colour the route by"))
        self.parameters = {p.key: p for p in rating_parameters(
            workspace, form_id=self.data.form_id)}
        for key in self.data.parameters:
            known = self.parameters.get(key)
            self.parameter.addItem(self.tr("Overall score") if key == "overall" else
                                   known.label if known is not None else key, key)
        self.legend = QLabel(self)  # what the route's colours mean, as on the campaign map
        self.legend.setAccessibleName(self.tr("Legend"))
        self.legend.setWordWrap(True)
        self.parameter.currentIndexChanged.connect(lambda _i: self._route())
        self.status = QLabel(self)
        bar = QHBoxLayout()
        label = QLabel(self.tr("Colour the route by:"), self)
        label.setBuddy(self.parameter)
        bar.addWidget(label)
        bar.addWidget(self.parameter)
        bar.addStretch(1)
        bar.addWidget(self.status)
        splitter = QSplitter(self)
        splitter.addWidget(self.view)
        side = QWidget(self)
        column = QVBoxLayout(side)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.layer_list, 1)
        column.addWidget(self.legend)
        splitter.addWidget(side)
        splitter.setStretchFactor(0, 1)
        splitter.setSizes([800, 220])
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(splitter, 1)
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
        rows = "".join(f"<tr><td style='background:{colour};width:28px'>&nbsp;</td>"
                       f"<td>&nbsp;{html.escape(text)}</td></tr>"
                       for colour, text in (legend(parameter) if parameter else []))
        self.legend.setText(f"<b>{html.escape(self.parameter.currentText())}</b>"
                            f"<table>{rows}</table>" if rows else "")
        if self.view.layer("segments") is not None:  # where the user left it, as they left it
            self.view.replace_layer(segment_layer("segments", self.tr("Route"), segments))
            return
        self.view.add_layer(segment_layer("segments", self.tr("Route"), segments))

    def _activated(self, feature: object) -> None:
        if isinstance(feature, Feature) and feature.kind == "finding":
            self.finding_activated.emit(int(getattr(feature.data, "number", 0)))
