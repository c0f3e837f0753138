"""The campaign map: every route coloured by its score, findings, dark spots, a legend."""

from __future__ import annotations

from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from fieldsafe.errors import UserError
from fieldsafe.services.layers import basemap_file
from fieldsafe.services.map_data import (
    campaign_findings,
    campaign_segments,
    dark_spots,
    legend,
    rating_parameters,
)
from fieldsafe.services.workspace import Workspace
from fieldsafe.storage.models import Campaign
from fieldsafe.ui.map.layer_list import LayerListWidget
from fieldsafe.ui.map.layers import LineLayer
from fieldsafe.ui.map.map_content import (
    area_layers,
    dark_spot_layer,
    finding_layer,
    segment_layer,
)
from fieldsafe.ui.map.map_view import MapView


class CampaignMap(QWidget):
    """Where the dark spots are: pick the parameter, day or night, and the form."""

    def __init__(self, workspace: Workspace, campaign_id: str,
                 parent: QWidget | None = None, *, tile_cache_mb: int = 64) -> None:
        super().__init__(parent)
        self.workspace, self.campaign_id = workspace, campaign_id
        with workspace.transaction() as db:
            campaign = db.get(Campaign, campaign_id)
            if campaign is None:
                raise UserError(self.tr("no campaign with ID {id}").replace("{id}",
                                                                           campaign_id))
            self.setWindowTitle(self.tr("Map — {name}").replace("{name}", campaign.name))
            self._layer_ids = list(campaign.layer_uuids)
            self._forms = sorted(str(f) for f in campaign.form_ids)
        self.parameters = [p for p in rating_parameters(workspace, campaign_id) if p.mapped]
        self.view = MapView(self, tile_cache_mb=tile_cache_mb)
        self.view.setAccessibleName(self.tr("Campaign map"))
        self.layer_list = LayerListWidget(self.view, self)
        self.parameter = self._combo(self.tr("Parameter"),
                                     [(p.key, p.label) for p in self.parameters])
        self.period = self._combo(self.tr("Day or night"), [
            ("", self.tr("Day and night")), ("day", self.tr("Day")),
            ("night", self.tr("Night"))])
        self.form = self._combo(self.tr("Form"), [("", self.tr("All forms"))] +
                                [(f, f) for f in self._forms])
        self.legend = QLabel(self)
        self.legend.setAccessibleName(self.tr("Legend"))
        self.legend.setWordWrap(True)
        bar = QHBoxLayout()
        for label, combo in ((self.tr("Colour by:"), self.parameter),
                             (self.tr("When:"), self.period), (self.tr("Form:"), self.form)):
            text = QLabel(label, self)
            text.setBuddy(combo)
            bar.addWidget(text)
            bar.addWidget(combo)
        bar.addStretch(1)
        side = QWidget(self)
        column = QVBoxLayout(side)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.layer_list, 1)
        column.addWidget(self.legend)
        splitter = QSplitter(self)
        splitter.addWidget(self.view)
        splitter.addWidget(side)
        splitter.setStretchFactor(0, 1)
        splitter.setSizes([900, 260])
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(splitter, 1)
        try:
            self.view.set_basemap(basemap_file(workspace, self._layer_ids))
        except UserError as err:
            self.legend.setText(str(err))
        for layer in area_layers(workspace, self._layer_ids):
            self.view.add_layer(layer)
        self.refresh(fit=True)

    def _combo(self, name: str, items: list[tuple[str, str]]) -> QComboBox:
        combo = QComboBox(self)
        combo.setAccessibleName(name)
        for value, text in items:
            combo.addItem(text, value)
        combo.currentIndexChanged.connect(lambda _i: self.refresh())
        return combo

    def refresh(self, fit: bool = False) -> None:
        """Rebuild the scored routes, findings and dark spots for the chosen filters."""
        key = self.parameter.currentData() or "overall"
        period = self.period.currentData() or None
        form = self.form.currentData() or None
        segments = campaign_segments(self.workspace, self.campaign_id, key, period, form)
        findings = campaign_findings(self.workspace, self.campaign_id, period, form)
        dark = dark_spots(self.workspace, self.campaign_id, period)
        title = self.parameter.currentText() or self.tr("Overall score")
        # Dark spots are a black casing under the coloured segments: both stay readable.
        # Replaced in place: the order and visibility the user chose stay.
        self.view.replace_layer(dark_spot_layer(self.tr("Dark spots (lighting 0–1)"), dark))
        self.view.replace_layer(segment_layer("segments", self.tr("Routes: {p}").replace(
            "{p}", title), segments))
        self.view.replace_layer(finding_layer(self.tr("Findings"), findings, cluster=True))
        parameter = next((p for p in self.parameters if p.key == key), None)
        entries = legend(parameter) if parameter is not None else []
        rows = "".join(f"<tr><td style='background:{hex_};width:28px'>&nbsp;</td>"
                       f"<td>&nbsp;{text}</td></tr>" for hex_, text in entries)
        self.legend.setText(f"<b>{title}</b><table>{rows}</table>"
                            "<p>" + self.tr("Black edge: dark spots. Red: findings.") +
                            "</p>")
        if fit:
            coords = [c for s in segments for c in s.coords]
            if coords:
                lats = [c[0] for c in coords]
                lons = [c[1] for c in coords]
                self.view.fit_bounds(min(lats), min(lons), max(lats), max(lons))

    def segment_colours(self) -> set[str]:
        """The colours drawn for the routes (for tests)."""
        layer = self.view.layer("segments")
        if not isinstance(layer, LineLayer):
            return set()
        return {QColor(line.color).name() for line in layer.lines()}
