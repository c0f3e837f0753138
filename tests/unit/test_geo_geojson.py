"""Reading named areas from GeoJSON: the three document shapes, names, repairs and clear errors."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from shapely.geometry import MultiPolygon, Polygon

from fieldsafe.geo.errors import GeometryError
from fieldsafe.geo.geojson import read_areas, read_areas_with_warnings

SQUARE = [[[36.80, -1.28], [36.81, -1.28], [36.81, -1.27], [36.80, -1.27], [36.80, -1.28]]]
BOW_TIE = [[[36.80, -1.28], [36.81, -1.27], [36.81, -1.28], [36.80, -1.27], [36.80, -1.28]]]

Writer = Callable[[object], Path]


def _feature(geometry: object, **properties: object) -> dict[str, object]:
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def _polygon(coords: object = SQUARE) -> dict[str, object]:
    return {"type": "Polygon", "coordinates": coords}


@pytest.fixture
def write(tmp_path: Path) -> Writer:
    def write(document: object, name: str = "areas.geojson") -> Path:
        path = tmp_path / name
        path.write_text(json.dumps(document), encoding="utf-8")
        return path
    return write


def test_feature_collection_with_names(write: Writer) -> None:
    moved = [[[x + 0.02, y] for x, y in SQUARE[0]]]
    path = write({"type": "FeatureCollection", "features": [
        _feature(_polygon(), name="Kibera", pop=250000),
        _feature(_polygon(moved), NAME="Upper"),
        _feature(_polygon(), ward="Ward 7"),
        _feature(_polygon(), title="Zone A"),
        _feature({"type": "MultiPolygon", "coordinates": [SQUARE, moved]}, other="x"),
    ]})
    areas = read_areas(path)
    assert [a.name for a in areas] == ["Kibera", "Upper", "Ward 7", "Zone A", "Area 5"]
    assert areas[0].properties == {"name": "Kibera", "pop": 250000}
    assert isinstance(areas[0].geometry, Polygon)
    assert areas[0].geometry.exterior.coords[0] == (36.80, -1.28)
    assert isinstance(areas[4].geometry, MultiPolygon)


def test_single_feature_and_bare_geometry(write: Writer) -> None:
    [one] = read_areas(write(_feature(_polygon(), name="Only")))
    assert one.name == "Only"
    [bare] = read_areas(write(_polygon()))
    assert (bare.name, bare.properties) == ("Area 1", {})


def test_third_coordinate_is_dropped_and_bom_accepted(tmp_path: Path) -> None:
    path = tmp_path / "z.geojson"
    ring = [[x, y, 1700.0] for x, y in SQUARE[0]]
    path.write_text("\ufeff" + json.dumps(_polygon([ring])), encoding="utf-8")
    [area] = read_areas(path)
    assert not area.geometry.has_z


def test_invalid_polygon_is_repaired_with_a_warning(write: Writer) -> None:
    path = write({"type": "FeatureCollection",
                  "features": [_feature(_polygon(), name="Fine"),
                               _feature(_polygon(BOW_TIE), name="Bow")]})
    areas, warnings = read_areas_with_warnings(path)
    assert isinstance(areas[1].geometry, MultiPolygon) and areas[1].geometry.is_valid
    assert warnings == [f"{path}: feature 2 ('Bow'): the outline crosses itself near "
                        "lat -1.27500, lon 36.80500; repaired as 2 separate parts"]


def test_non_polygon_feature_names_file_and_feature(write: Writer) -> None:
    path = write({"type": "FeatureCollection", "features": [
        _feature(_polygon()),
        _feature({"type": "LineString", "coordinates": [[36.8, -1.28], [36.81, -1.28]]},
                 name="Main road")]})
    with pytest.raises(GeometryError) as caught:
        read_areas(path)
    assert str(caught.value) == (f"{path}: feature 2 ('Main road') is a LineString, not an area "
                                 "(Polygon or MultiPolygon)")


def test_invalid_json_names_file_and_position(tmp_path: Path) -> None:
    path = tmp_path / "broken.geojson"
    path.write_text('{"type": "FeatureCollection",\n "features": [}', encoding="utf-8")
    with pytest.raises(GeometryError) as caught:
        read_areas(path)
    assert str(caught.value) == (f"{path}: not valid JSON: Expecting value (line 2, column 15)")


@pytest.mark.parametrize(("document", "message"), [
    ([1, 2], 'not GeoJSON: there is no "type" at the top'),
    ({"type": "FeatureCollection"}, 'the FeatureCollection has no "features" list'),
    ({"type": "FeatureCollection", "features": [{"type": "Polygon"}]},
     "feature 1 is not a GeoJSON Feature"),
    (_feature({"type": "Polygon"}), "feature 1 ('Area 1'): the Polygon has no coordinates"),
    (_feature(_polygon([[[0, 0], [1, 1]]])),
     "feature 1 ('Area 1'): the Polygon coordinates are not valid: "
     "A linearring requires at least 4 coordinates."),
    (_feature(_polygon([[[500000, 9850000], [501000, 9850000], [501000, 9851000],
                          [500000, 9850000]]])),
     "feature 1 ('Area 1'): the coordinates are not longitude and latitude (e.g. 500000, "
     "9850000); save the file in WGS84 (EPSG:4326)"),
    (_feature(_polygon([[[0, 0], [1, 0], [2, 0], [0, 0]]]), name="Flat"),
     "feature 1 ('Flat'): the outline crosses itself near lat 0.00000, lon 1.00000; "
     "it could not be repaired"),
])
def test_bad_documents(write: Writer, document: object, message: str) -> None:
    path = write(document)
    with pytest.raises(GeometryError) as caught:
        read_areas(path)
    assert str(caught.value) == f"{path}: {message}"


def test_feature_without_geometry_is_skipped(write: Writer) -> None:
    path = write({"type": "FeatureCollection",
                  "features": [_feature(None, name="Nowhere"), _feature(_polygon())]})
    areas, warnings = read_areas_with_warnings(path)
    assert [a.name for a in areas] == ["Area 2"]
    assert warnings == [f"{path}: feature 1 ('Nowhere') has no geometry; skipped"]


def test_empty_collection_is_a_warning(write: Writer) -> None:
    path = write({"type": "FeatureCollection", "features": []})
    assert read_areas_with_warnings(path) == ([], [f"{path}: there are no areas in this file"])


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(GeometryError, match=r"nope\.geojson: no such file"):
        read_areas(tmp_path / "nope.geojson")


def test_hostile_files_get_one_clear_message(tmp_path: Path) -> None:
    deep = tmp_path / "deep.geojson"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(GeometryError, match="nest far too deeply"):
        read_areas(deep)
    ragged = tmp_path / "ragged.geojson"
    ragged.write_text(json.dumps({"type": "Polygon", "coordinates": [
        [[0, 0, 0, 0, 0], [1, 0], [1, 1], [0, 0]]]}))
    with pytest.raises(GeometryError, match=r"each point must be a \[longitude, latitude\]"):
        read_areas(ragged)


def test_a_campaign_area_may_be_a_geometry_a_feature_or_a_collection() -> None:
    from fieldsafe.geo.geojson import area_of

    square = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}
    other = {"type": "Polygon", "coordinates": [[[2, 0], [3, 0], [3, 1], [2, 1], [2, 0]]]}
    feature = {"type": "Feature", "properties": {}, "geometry": square}
    collection = {"type": "FeatureCollection", "features": [
        feature, {"type": "Feature", "properties": {}, "geometry": None},
        {"type": "Feature", "properties": {}, "geometry": other}]}
    for text, area in ((square, 1.0), (feature, 1.0), (collection, 2.0)):
        found = area_of(json.dumps(text))
        assert found is not None and found.area == pytest.approx(area)
    for nothing in ("", "not json", json.dumps({"type": "Feature", "geometry": None}),
                    json.dumps({"type": "Point", "coordinates": [1, 2]})):
        assert area_of(nothing) is None

