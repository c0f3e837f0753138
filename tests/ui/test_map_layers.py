"""Layers on the map: drawing, hovering and clicking features, clustering, the layer list."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtGui import QColor, QHelpEvent
from PySide6.QtWidgets import QApplication, QLabel, QToolTip
from pytestqt.qtbot import QtBot
from shapely.geometry import Polygon

from fieldsafe.ui.map.cell_painter import PLAIN
from fieldsafe.ui.map.layer_list import LayerListWidget
from fieldsafe.ui.map.layers import (
    AreaLayer,
    Feature,
    LineFeature,
    LineLayer,
    PointFeature,
    PointLayer,
)
from fieldsafe.ui.map.map_panel import MapPanel
from fieldsafe.ui.map.map_view import MapView
from tests.ui.test_accessibility import unnamed
from tests.ui.test_map_support import near, settle, shown_view

RED, BLUE, GREEN = QColor(220, 30, 30), QColor(30, 60, 220), QColor(20, 160, 60)
CENTRE = (-1.29, 36.82)


@pytest.fixture
def view(qtbot: QtBot) -> MapView:
    view = shown_view(qtbot, 400, 300)
    view.set_view(*CENTRE, 15)
    return view


def point(lat: float, lon: float, label: str, colour: QColor = RED, **kw: str) -> PointFeature:
    return PointFeature(lat, lon, Feature("finding", label, label), colour, **kw)


def hover(qtbot: QtBot, view: MapView, at: QPoint) -> None:
    qtbot.mouseMove(view.viewport(), at)


def test_points_are_drawn_where_they_are(qtbot: QtBot, view: MapView) -> None:
    view.add_layer(PointLayer("p", "Points", [point(-1.289, 36.821, "A", BLUE, symbol="square")]))
    image = settle(qtbot, view)
    at = view.view_point(-1.289, 36.821)
    assert near(image, at, BLUE, 20)
    assert near(image, at + QPoint(30, 0), PLAIN, 4)


def test_hovering_a_point_shows_its_label_and_clicking_activates_it(qtbot: QtBot,
                                                                     view: MapView) -> None:
    layer = PointLayer("p", "Points", [point(-1.289, 36.821, "Broken light")])
    view.add_layer(layer)
    feature = layer.points()[0].feature
    at = view.view_point(-1.289, 36.821)
    with qtbot.waitSignal(view.feature_hovered) as hovered:
        hover(qtbot, view, at + QPoint(3, -2))
    assert hovered.args == [feature]
    assert view.viewport().toolTip() == "Broken light"
    assert view.hovered_feature() is feature
    help_event = QHelpEvent(QEvent.Type.ToolTip, at, view.viewport().mapToGlobal(at))
    QApplication.sendEvent(view.viewport(), help_event)
    assert QToolTip.text() == "Broken light"
    QToolTip.hideText()
    with qtbot.waitSignal(view.feature_activated) as activated, \
            qtbot.waitSignal(view.clicked) as clicked:
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=at)
    assert activated.args == [feature]
    assert view.view_point(*clicked.args) == at
    with qtbot.waitSignal(view.feature_hovered) as left:
        hover(qtbot, view, at + QPoint(60, 60))
    assert left.args == [None] and view.viewport().toolTip() == ""


def test_lines_and_areas_are_hovered_too(qtbot: QtBot, view: MapView) -> None:
    route = Feature("route", 7, "Market street")
    ward = Polygon([(36.81, -1.30), (36.83, -1.30), (36.83, -1.28), (36.81, -1.28)])
    view.add_layer(AreaLayer("wards", "Wards", [(ward, "Ward 4")], GREEN))
    view.add_layer(LineLayer("routes", "Routes", [
        LineFeature([(-1.292, 36.815), (-1.288, 36.825)], BLUE, 6, route),
        LineFeature([(-1.291, 36.815), (-1.291, 36.825)], RED, 4)]))  # no feature: not hit
    image = settle(qtbot, view)
    middle = view.view_point(-1.290, 36.820)
    assert near(image, middle, BLUE, 30)
    assert view.feature_at(middle) is route
    assert view.feature_at(middle + QPoint(0, 5)) is route  # within half the width + slop
    area = view.feature_at(middle + QPoint(0, 60))
    assert area is not None and area.kind == "area" and area.label == "Ward 4"
    assert view.feature_at(view.view_point(-1.291, 36.8185)) is not route


def test_draw_order_follows_the_layer_list(qtbot: QtBot, view: MapView) -> None:
    spot = (-1.29, 36.82)
    view.add_layer(PointLayer("red", "Red", [point(*spot, "r", RED)]))
    view.add_layer(PointLayer("blue", "Blue", [point(*spot, "b", BLUE)]))
    at = view.view_point(*spot)
    assert near(settle(qtbot, view), at, BLUE, 20)
    assert view.feature_at(at).label == "b"  # type: ignore[union-attr]
    view.move_layer("blue", 0)
    assert [layer.name for layer in view.layers()] == ["blue", "red"]
    assert near(settle(qtbot, view), at, RED, 20)
    assert view.feature_at(at).label == "r"  # type: ignore[union-attr]


def test_set_features_replaces_a_layer_content(qtbot: QtBot, view: MapView) -> None:
    layer = PointLayer("p", "Points", [])
    view.add_layer(layer)
    where = (-1.2895, 36.8195)
    assert near(settle(qtbot, view), view.view_point(*where), PLAIN, 4)
    layer.set_features([point(*where, "new", GREEN, text="3")])
    image = settle(qtbot, view)
    assert near(image, view.view_point(*where) + QPoint(-7, 0), GREEN, 30)
    layer.set_visible(False)
    assert near(settle(qtbot, view), view.view_point(*where), PLAIN, 4)
    assert view.feature_at(view.view_point(*where)) is None


def test_nearby_points_cluster_at_low_zoom_and_split_when_zoomed(qtbot: QtBot,
                                                                view: MapView) -> None:
    lat, lon = CENTRE
    close = [point(lat, lon + i * 0.001, f"P{i}", BLUE) for i in range(3)]  # ~111 m apart
    layer = PointLayer("p", "Points", [*close, point(lat + 0.2, lon, "far", BLUE)],
                       cluster=True)
    view.add_layer(layer)
    view.set_view(lat, lon + 0.001, 12)  # 111 m is about 3 pixels
    groups = layer.clusters_at(12)
    assert groups is not None and sorted(groups.counts.tolist()) == [1, 3]
    at = view.view_point(lat, lon + 0.001)
    hit = view.feature_at(at)
    assert hit is None  # a group is not a feature
    hover(qtbot, view, at)
    assert view.viewport().toolTip().splitlines() == ["3 points (click to zoom in)",
                                                      "P0", "P1", "P2"]
    assert view.hovered_feature() is None
    image = settle(qtbot, view)
    assert near(image, at + QPoint(-7, 0), BLUE, 40)  # beside the count
    with qtbot.waitSignal(view.view_changed):
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=at)
    assert view.zoom() > 15  # zoomed to the group: now 111 m is over 40 pixels
    groups = layer.clusters_at(view.zoom())
    assert groups is None or sorted(groups.counts.tolist()) == [1, 1, 1, 1]
    assert view.feature_at(view.view_point(lat, lon)) is close[0].feature
    assert layer.clusters_at(17) is None  # never grouped from zoom 17


def test_unclustered_layers_draw_every_point(view: MapView) -> None:
    layer = PointLayer("p", "Points", [point(*CENTRE, str(i)) for i in range(5)])
    view.add_layer(layer)
    assert layer.clusters_at(3) is None
    assert view.feature_at(view.view_point(*CENTRE)).label == "4"  # type: ignore[union-attr]


def test_layers_are_named_uniquely_and_removed_by_name(view: MapView) -> None:
    layer = PointLayer("p", "Points", [])
    view.add_layer(layer)
    with pytest.raises(ValueError, match="'p'"):
        view.add_layer(PointLayer("p", "Again", []))
    assert view.layer("p") is layer and view.layers() == [layer]
    assert view.remove_layer("p") is layer and view.layers() == []
    assert view.remove_layer("p") is None and view.layer("p") is None
    with pytest.raises(ValueError, match="symbol"):
        PointLayer("q", "Bad", [point(*CENTRE, "x", symbol="star")])


def test_the_layer_list_toggles_and_reorders(qtbot: QtBot, view: MapView) -> None:
    spot = (-1.29, 36.82)
    listing = LayerListWidget(view)
    qtbot.addWidget(listing)
    listing.show()
    view.add_layer(PointLayer("red", "Red points", [point(*spot, "r", RED)]))
    view.add_layer(PointLayer("blue", "Blue points", [point(*spot, "b", BLUE)]))
    view.add_layer(LineLayer("routes", "Routes", []))
    assert listing.names() == ["routes", "blue", "red"]  # the top layer first
    assert listing.list_widget.item(1).text() == "Blue points"
    at = view.view_point(*spot)
    listing.select("blue")
    qtbot.keyClick(listing.list_widget, Qt.Key.Key_Space)  # as a user ticks it off
    assert view.layer("blue").visible is False  # type: ignore[union-attr]
    assert listing.list_widget.item(1).checkState() == Qt.CheckState.Unchecked
    assert near(settle(qtbot, view), at, RED, 20)
    view.layer("blue").visible = True  # type: ignore[union-attr]
    assert listing.list_widget.item(1).checkState() == Qt.CheckState.Checked
    listing.select("red")
    assert not listing.down_button.isEnabled()
    qtbot.mouseClick(listing.up_button, Qt.MouseButton.LeftButton)
    assert [layer.name for layer in view.layers()] == ["blue", "red", "routes"]
    assert listing.names() == ["routes", "red", "blue"] and listing.selected_name() == "red"
    assert near(settle(qtbot, view), at, RED, 20)
    qtbot.mouseClick(listing.up_button, Qt.MouseButton.LeftButton)
    assert listing.names() == ["red", "routes", "blue"] and not listing.up_button.isEnabled()
    qtbot.mouseClick(listing.down_button, Qt.MouseButton.LeftButton)
    assert listing.names() == ["routes", "red", "blue"]
    view.remove_layer("routes")
    assert listing.names() == ["red", "blue"]


def test_the_panel_has_a_map_a_layer_list_and_a_legend(qtbot: QtBot) -> None:
    panel = MapPanel()
    qtbot.addWidget(panel)
    panel.resize(900, 600)
    panel.show()
    assert not panel.legend.isVisible()
    panel.map_view.add_layer(PointLayer("p", "Findings", []))
    assert panel.layer_list.names() == ["p"]
    panel.set_legend([(RED, "Unsafe"), (GREEN, "Safe")], "Safety score")
    assert panel.legend.isVisible() and panel.legend.title() == "Safety score"
    assert [text for _, text in panel.legend_entries()] == ["Unsafe", "Safe"]
    panel.set_legend([(BLUE, "Photo")], "Photos")
    assert [text for _, text in panel.legend_entries()] == ["Photo"]
    qtbot.waitUntil(lambda: [label.text() for label in panel.legend.findChildren(QLabel)
                             if label.text()] == ["Photo"])
    assert unnamed(panel) == []
