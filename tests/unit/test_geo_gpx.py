"""Reading GPX files from the shared corpus (read in place), picking a route and simplifying it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from shapely.geometry import LineString

from fieldsafe.geo.errors import GeometryError
from fieldsafe.geo.geodesy import length_m
from fieldsafe.geo.gpx import GpxData, best_line, read_gpx, simplify_line
from fieldsafe.geo.projection import LocalProjection
from tests.conftest import CORPUS

GPX = CORPUS / "gpx"
INVALID = "furkot__invalid.gpx"


def _points(lines: list[LineString]) -> int:
    return sum(len(line.coords) for line in lines)


@pytest.mark.parametrize("name", sorted(p.name for p in GPX.glob("*.gpx")))
def test_every_corpus_file_reads_except_the_malformed_one(name: str) -> None:
    if name == INVALID:
        with pytest.raises(GeometryError):
            read_gpx(GPX / name)
        return
    data = read_gpx(GPX / name)
    assert data.tracks or data.routes or data.waypoints
    assert len(data.times) == len(data.tracks) == len(data.track_names)
    for line, times in zip(data.tracks, data.times, strict=True):
        assert len(times) == len(line.coords)
        assert all(-180 <= x <= 180 and -90 <= y <= 90 for x, y in line.coords)


def test_corpus_has_the_files_these_tests_expect() -> None:
    assert len(list(GPX.glob("*.gpx"))) == 10


def test_malformed_xml_names_the_file_and_the_line() -> None:
    with pytest.raises(GeometryError) as caught:
        read_gpx(GPX / INVALID)
    assert str(caught.value) == f"{GPX / INVALID}: not a valid GPX file: mismatched tag at line 13"


def test_cerknicko_jezero() -> None:
    # 8 <trk>, but the first ("ACTIVE LOG") has only an empty segment: 7 lines, 296 points.
    data = read_gpx(GPX / "gpxpy__cerknicko-jezero.gpx")
    assert len(data.tracks) == 7
    assert _points(data.tracks) == 296
    assert data.track_names[0] == "ACTIVE LOG #2"
    assert len(data.waypoints) == 7
    assert data.waypoints[0].name == "001"
    assert data.waypoints[0].time == datetime(2010, 8, 5, 14, 23, 59, tzinfo=UTC)
    assert data.waypoints[1].time is None
    assert all(t is not None for times in data.times for t in times)
    assert data.routes == []
    assert data.warnings == []


def test_korita_zbevnica_keeps_points_without_time() -> None:
    data = read_gpx(GPX / "gpxpy__korita-zbevnica.gpx")
    assert _points(data.tracks) == 871
    timed = sum(t is not None for times in data.times for t in times)
    assert timed == 513
    assert len(data.waypoints) == 2


def test_route_file() -> None:
    data = read_gpx(GPX / "gpxpy__route.gpx")
    assert data.tracks == []
    assert [len(r.coords) for r in data.routes] == [55]
    line = best_line(data)
    assert line is not None and len(line.coords) == 55


def test_track_with_empty_segment() -> None:
    data = read_gpx(GPX / "gpxpy__track-with-empty-segment.gpx")
    assert [len(t.coords) for t in data.tracks] == [9]
    assert data.track_names == ["2013-07-06T14:59:00Z"]
    assert data.times[0][0] == datetime(2013, 7, 6, 17, 26, 26, tzinfo=UTC)


def test_one_point_segment_is_skipped_with_a_warning() -> None:
    data = read_gpx(GPX / "gpxpy__gpx1.1_with_all_fields.gpx")
    assert data.tracks == []
    assert data.warnings == ["track 'example name t' segment 1 has only one position; skipped"]
    assert [len(r.coords) for r in data.routes] == [3, 2]
    assert len(data.waypoints) == 2


def test_bom_and_no_version() -> None:
    data = read_gpx(GPX / "gpxpy__unicode_with_bom.gpx")
    [waypoint] = data.waypoints
    assert waypoint.name == "test"
    assert (waypoint.point.x, waypoint.point.y) == (3.515386, 43.309634)
    assert best_line(data) is None


def test_many_unnamed_waypoints() -> None:
    data = read_gpx(GPX / "togeojson__wpt.gpx")
    assert len(data.waypoints) == 40
    assert data.waypoints[0].name == ""
    assert data.waypoints[0].point.coords[0] == (6.679844, 51.197953)


def test_garmin_activity() -> None:
    data = read_gpx(GPX / "georust__garmin-activity.gpx")
    assert [len(t.coords) for t in data.tracks] == [988]
    assert data.routes == []  # its <rte> is empty
    assert data.track_names == ["casual stroll"]
    assert data.times[0][0] == datetime(2017, 7, 29, 14, 46, 35, tzinfo=UTC)


def test_unknown_fix_value_does_not_lose_the_points() -> None:
    data = read_gpx(GPX / "georust__with_accuracy.gpx")
    assert [len(t.coords) for t in data.tracks] == [3]
    assert data.tracks[0].coords[2] == (3.773967, 51.130122)
    assert data.warnings == ["1 point has a GPS fix type outside the GPX standard "
                             "(something_not_in_the_spec); it was ignored"]


def test_other_encodings_empty_files_and_other_xml(tmp_path: Path) -> None:
    latin = tmp_path / "latin.gpx"
    latin.write_bytes('<?xml version="1.0" encoding="ISO-8859-1"?><gpx version="1.1">'
                      '<wpt lat="1" lon="2"><name>Café</name></wpt></gpx>'.encode("latin-1"))
    assert read_gpx(latin).waypoints[0].name == "Café"
    empty = tmp_path / "empty.gpx"
    empty.write_bytes(b"  \n")
    with pytest.raises(GeometryError, match=r"empty\.gpx: not a valid GPX file: the file is empty"):
        read_gpx(empty)
    kml = tmp_path / "places.kml"
    kml.write_text('<kml xmlns="http://www.opengis.net/kml/2.2"><Document/></kml>')
    with pytest.raises(GeometryError, match=r"places\.kml: not a GPX file"):
        read_gpx(kml)
    with pytest.raises(GeometryError, match=r"missing\.gpx: no such file"):
        read_gpx(tmp_path / "missing.gpx")


def test_best_line_is_the_longest_track_else_route() -> None:
    short = LineString([(0, 0), (0, 0.001)])
    long = LineString([(0, 0), (0, 0.01)])
    longer_route = LineString([(0, 0), (0, 1)])
    two_tracks = GpxData(tracks=[short, long], routes=[longer_route], track_names=["a", "b"],
                         track_numbers=[1, 2])
    assert best_line(two_tracks) == long
    assert two_tracks.warnings == ["the file has 2 tracks; the longest, 'b', was used"]
    assert best_line(GpxData(routes=[short, longer_route], route_names=["r", "s"])) == \
        longer_route
    assert best_line(GpxData()) is None


def test_a_track_that_paused_is_imported_whole(tmp_path: Path) -> None:
    """A receiver starts a new segment when it loses the signal: one walk, with a gap.
    All of it is the route (it kept only the longest segment, and said nothing)."""
    path = tmp_path / "paused.gpx"
    path.write_text("""<?xml version="1.0"?>
<gpx version="1.1" creator="test" xmlns="http://www.topografix.com/GPX/1/1"><trk>
<name>Evening walk</name>
<trkseg><trkpt lat="12.9700" lon="77.6000"/><trkpt lat="12.9720" lon="77.6000"/></trkseg>
<trkseg><trkpt lat="12.9730" lon="77.6000"/><trkpt lat="12.9740" lon="77.6000"/>
<trkpt lat="12.9740" lon="77.6010"/></trkseg></trk></gpx>""", encoding="utf-8")
    data = read_gpx(path)
    line = best_line(data)
    assert line is not None and len(line.coords) == 5  # both segments, in order
    assert line.coords[0] == (77.6, 12.97) and line.coords[-1] == (77.601, 12.974)
    assert data.warnings == ["track 'Evening walk' has 2 segments (the recording paused); "
                             "they were joined into one route"]


def test_simplify_line_keeps_shape_within_tolerance() -> None:
    line = read_gpx(GPX / "georust__garmin-activity.gpx").tracks[0]
    simple = simplify_line(line, 5.0)
    assert 10 < len(simple.coords) < len(line.coords) / 3
    assert simple.coords[0] == line.coords[0] and simple.coords[-1] == line.coords[-1]
    assert set(simple.coords) <= set(line.coords)  # original vertices, not reprojected ones
    projection = LocalProjection.around(line)
    assert projection.to_metres(line).hausdorff_distance(projection.to_metres(simple)) <= 5.0
    assert length_m(simple) == pytest.approx(length_m(line), rel=0.05)
    assert len(simplify_line(line, 50.0).coords) < len(simple.coords)
    assert simplify_line(line, 0) is line


@pytest.mark.parametrize(("lat", "lon"), [("95", "200"), ("NaN", "inf"), ("10", "-inf")])
def test_a_position_off_the_earth_is_refused_naming_it(tmp_path: Path, lat: str,
                                                       lon: str) -> None:
    path = tmp_path / "odd.gpx"
    path.write_text(f'<gpx><trk><name>Lane</name><trkseg><trkpt lat="{lat}" lon="{lon}"/>'
                    '<trkpt lat="1" lon="2"/></trkseg></trk></gpx>')
    with pytest.raises(GeometryError, match="'Lane' has a position that is not a latitude"):
        read_gpx(path)
