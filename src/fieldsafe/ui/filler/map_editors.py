"""Placing a location on the map (snapped onto the route for findings), and the route editors."""

from __future__ import annotations

from PySide6.QtGui import QColor
from PySide6.QtWidgets import QWidget
from shapely.geometry import LineString, Point

from fieldsafe.forms.session import FormSession
from fieldsafe.forms.xpath.nodes import XNode
from fieldsafe.geo.coords import LatLon, format_dms, parse_point
from fieldsafe.geo.errors import GeometryError
from fieldsafe.geo.geodesy import distance_m
from fieldsafe.geo.segments import Segment, split_route
from fieldsafe.geo.snap import distance_to_route_m, snap_to_route
from fieldsafe.ui.filler.context import FillerContext
from fieldsafe.ui.filler.map_editors_base import LatLonPair, MapDialog, PointDragger
from fieldsafe.ui.filler.map_editors_shape import ShapeEditorDialog
from fieldsafe.ui.filler.map_editors_trace import TraceEditorDialog
from fieldsafe.ui.map.layers import Feature, LineFeature, LineLayer, PointFeature, PointLayer

__all__ = ["PointPickerDialog", "ShapeEditorDialog", "TraceEditorDialog", "route_of"]

ROUTE_COLOUR = QColor("#1a5fb4")
POINT_COLOUR = QColor("#c01c28")
SEGMENT_COLOUR = QColor("#e66100")


def route_of(session: FormSession) -> list[LatLonPair]:
    """The walked route of the form: the first answered geotrace with role ``route``."""
    for element in session.form.with_role("route"):
        if element.qtype != "geotrace":
            continue
        for node in session.nodes_of(element):
            try:
                points = [parse_point(p) for p in node.value.split(";") if p.strip()]
            except GeometryError:
                continue
            if len(points) >= 2:
                return [(p.lat, p.lon) for p in points]
    return []


class PointPickerDialog(MapDialog):
    """One location: click the map to place it, click again or drag it to move it, or take
    it from the GPS. A finding's location (role ``location``) near the route is snapped onto
    the nearest segment of the route, within the campaign's tolerance."""

    def __init__(self, session: FormSession, node: XNode, context: FillerContext,
                 parent: QWidget | None = None) -> None:
        super().__init__(context, question_title(session, node), parent)
        element = session.element_of(node)
        self.route = route_of(session)
        self.snapping = element.role == "location" and len(self.route) >= 2
        self.point: LatLon | None = None
        self.segment: int | None = None
        self._from_gps = False
        self._waiting = False
        self._clicked: LatLonPair | None = None
        if self.route:
            # no Feature: a click on the line places the point rather than picking the line
            self.map.add_layer(LineLayer("route", self.tr("Route"), [LineFeature(
                self.route, ROUTE_COLOUR, 5)]))
        self.segments = _segments(self.route, context.segment_m) if self.snapping else []
        self.highlight = LineLayer("segment", self.tr("Segment"), [])
        self.map.add_layer(self.highlight)
        self.marker = PointLayer("point", self.tr("Location"), [])
        self.map.add_layer(self.marker)
        self.dragger = PointDragger(self.map)
        self.dragger.moving.connect(lambda _i, lat, lon: self._show_marker(lat, lon))
        self.dragger.dropped.connect(lambda _i, lat, lon: self.place(lat, lon))
        self.map.clicked.connect(self.place)
        self.gps_button = self.button(self.tr("From &GPS"), self.tr(
            "Take the current position from the GPS") if self.gps_available() else self.tr(
            "No GPS is set up in Settings"))
        self.gps_button.setEnabled(self.gps_available())
        self.gps_button.clicked.connect(self.from_gps)
        self.clear_button = self.button(self.tr("&Remove point"))
        self.clear_button.clicked.connect(self.clear)
        self.tools.addStretch(1)
        try:
            stored = parse_point(node.value) if node.value.strip() else None
        except GeometryError:
            stored = None
        self.point = stored
        if stored is not None and self.snapping:
            self.segment = snap_to_route(stored.lat, stored.lon, self.route,
                                         context.snap_tolerance_m,
                                         segment_m=context.segment_m)[2]
        self._update()
        near = [(stored.lat, stored.lon)] if stored is not None else []
        self.show_area(near + ([] if stored is not None else self.route))

    # -- the answer -------------------------------------------------------------------------
    def value(self) -> str:
        """The ODK geopoint text of the point placed ("" when there is none)."""
        return self.point.to_odk() if self.point is not None else ""

    def place(self, lat: float, lon: float, accuracy: float | None = None) -> None:
        """Put the point at ``lat, lon`` (snapped onto the route when it is near it)."""
        self._from_gps = accuracy is not None
        self.segment = None
        self._clicked = (lat, lon)
        if self.snapping:
            lat, lon, self.segment = snap_to_route(lat, lon, self.route,
                                                   self.context.snap_tolerance_m,
                                                   segment_m=self.context.segment_m)
        self.point = LatLon(lat, lon, None, accuracy or None)
        self.set_problem("")
        self._update()

    def clear(self) -> None:
        self.point, self.segment = None, None
        self._update()

    def from_gps(self) -> None:
        """Place the point at the next position the GPS gives."""
        self._waiting = True  # a log gives its first fix as soon as it starts
        self.note.setText(self.tr("Waiting for a position from the GPS…"))
        if self.start_gps() is None:
            self._waiting = False
            self.note.setText(self._snap_hint())

    def _gps_position(self, lat: float, lon: float, accuracy: float) -> None:
        if not self._waiting:
            return
        self._waiting = False
        self.place(lat, lon, accuracy)
        self.show_area([(lat, lon)])

    # -- showing it -------------------------------------------------------------------------
    def _show_marker(self, lat: float, lon: float) -> None:
        self.marker.set_features([PointFeature(lat, lon, Feature("location", None, self.tr(
            "Location")), POINT_COLOUR, "", "circle")])

    def _update(self) -> None:
        point = self.point
        self.dragger.points = [(point.lat, point.lon)] if point is not None else []
        self.clear_button.setEnabled(point is not None)
        if point is None:
            self.marker.set_features([])
            self.highlight.set_features([])
            self.readout.setText(self.tr("Click the map to place the point."))
            self.note.setText(self._snap_hint())
            return
        self._show_marker(point.lat, point.lon)
        segment = self.segments[self.segment] if self.segment is not None and \
            self.segment < len(self.segments) else None
        self.highlight.set_features([] if segment is None else [LineFeature(
            [(y, x) for x, y, *_z in segment.geometry.coords], SEGMENT_COLOUR, 8)])
        text = f"{format_dms(point)}  ({point.lat:.6f}, {point.lon:.6f})"
        if point.accuracy:
            text += " · " + self.tr("accuracy {metres} m (GPS)").replace(
                "{metres}", f"{point.accuracy:.0f}")
        elif self._from_gps:
            text += " · " + self.tr("GPS accuracy unknown")
        else:
            text += " · " + self.tr("placed on the map")
        self.readout.setText(text)
        self.note.setText(self._snap_text(point))

    def _segment_name(self, index: int) -> str:
        """Segments are numbered from 1 for people (the index is 0-based)."""
        return self.tr("segment {n} of {count}").replace("{n}", str(index + 1)).replace(
            "{count}", str(len(self.segments)))

    def _snap_hint(self) -> str:
        if not self.snapping:
            return ""
        return self.tr("A point within {metres} m of the route is put on the route.").replace(
            "{metres}", f"{self.context.snap_tolerance_m:g}")

    def _snap_text(self, point: LatLon) -> str:
        if not self.snapping:
            return ""
        lat, lon = self._clicked or (point.lat, point.lon)
        if self.segment is not None:
            moved = distance_m(Point(lon, lat), Point(point.lon, point.lat))
            text = self.tr("On the route: {segment}.").replace(
                "{segment}", self._segment_name(self.segment))
            if moved >= 0.5:
                text += " " + self.tr("Moved {metres} m onto the route.").replace(
                    "{metres}", f"{moved:.0f}")
            return text
        away = distance_to_route_m(lat, lon, self.route) or 0.0
        return self.tr("Not on the route: {away} m from it, more than the {metres} m "
                       "tolerance. The point stays where it was placed.").replace(
            "{away}", f"{away:.0f}").replace("{metres}", f"{self.context.snap_tolerance_m:g}")


def _segments(route: list[LatLonPair], segment_m: float) -> list[Segment]:
    try:
        return split_route(LineString([(lon, lat) for lat, lon in route]), segment_m)
    except GeometryError:
        return []


def question_title(session: FormSession, node: XNode) -> str:
    """The dialog's title: the question's label."""
    label = session.label(node).strip() or session.element_of(node).name
    return label.splitlines()[0]
