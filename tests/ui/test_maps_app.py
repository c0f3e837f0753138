"""The campaign map and the audit map in the app, over a demo workspace."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot

from fieldsafe.services.demo import build_demo
from fieldsafe.services.map_data import COLOUR_BLIND_SAFE, NO_DATA_COLOUR
from fieldsafe.services.workspace import Workspace
from fieldsafe.ui.main_window import MainWindow
from fieldsafe.ui.map.layers import Feature


@pytest.fixture
def demo(workspace: Workspace) -> Workspace:
    build_demo(workspace, audits=12, photos=3, photo_megapixels=0.2, seed=4)
    return workspace


def test_campaign_map_colours_routes_and_filters(demo: Workspace, tmp_path: Path,
                                                 qtbot: QtBot) -> None:
    window = MainWindow(demo, QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    view = window.show_campaign_map()
    assert view is not None
    qtbot.addWidget(view)
    names = [layer.name for layer in view.view.layers()]  # type: ignore[attr-defined]
    assert {"segments", "dark-spots", "findings"} <= set(names)
    assert view.view.basemap_error == ""  # type: ignore[attr-defined]
    colours = view.segment_colours()  # type: ignore[attr-defined]
    palette = {c.lower() for c in COLOUR_BLIND_SAFE} | {NO_DATA_COLOUR.lower()}
    assert colours and colours <= palette
    all_count = len(view.view.layer("segments").lines())  # type: ignore[attr-defined]
    night = view.period.findData("night")  # type: ignore[attr-defined]
    view.period.setCurrentIndex(night)  # type: ignore[attr-defined]
    night_count = len(view.view.layer("segments").lines())  # type: ignore[attr-defined]
    assert 0 < night_count < all_count
    assert "Black edge: dark spots" in view.legend.text()  # type: ignore[attr-defined]
    # What the user set in the layer list stays when a filter changes the content.
    canvas = view.view  # type: ignore[attr-defined]
    canvas.layer("findings").set_visible(False)
    canvas.move_layer("findings", 0)
    order = [layer.name for layer in canvas.layers()]
    view.period.setCurrentIndex(view.period.findData("day"))  # type: ignore[attr-defined]
    assert [layer.name for layer in canvas.layers()] == order
    assert not canvas.layer("findings").visible
    view.close()


def test_audit_map_jumps_to_the_finding(demo: Workspace, tmp_path: Path,
                                        qtbot: QtBot) -> None:
    window = MainWindow(demo, QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    row = next(r for r in range(window.model.rowCount())
               if window.model.data(window.model.index(r, 1)) == "womens_safety_walk")
    editor = window.open_audit(window.model.audit_id(row) or "")
    assert editor is not None
    audit_map = editor.show_map()  # type: ignore[attr-defined]
    assert audit_map is not None
    names = [layer.name for layer in audit_map.view.layers()]
    # The scored route over the ward fill (its colours true), under photos and findings,
    # from the start, not only after "Colour the route by" was changed.
    assert names[-3:] == ["segments", "photos", "findings"] and len(names) > 3
    findings = audit_map.view.layer("findings").points()
    assert findings and all(p.text for p in findings)
    # What the route's colours mean is told beside it, as on the campaign map.
    legend = [text for _colour, text in audit_map.panel.legend_entries()]
    assert any("very poor" in text for text in legend)
    assert audit_map.panel.legend.title() == "Overall score"
    audit_map.view.feature_activated.emit(Feature("finding", findings[-1].feature.data, ""))
    page = editor.filler.current_page()  # type: ignore[attr-defined]
    assert "inding" in editor.filler.page_titles()[page]  # type: ignore[attr-defined]
    audit_map.close()
    editor.close()
