"""The data behind the maps and reports, read from real workspaces: scored segments,
findings with photos, dark spots, clusters, hotspots and the legend."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fieldsafe.errors import UserError
from fieldsafe.services.audit_queries import list_audits, show_audit
from fieldsafe.services.audits import new_audit, retire_audit
from fieldsafe.services.campaigns import new_campaign
from fieldsafe.services.demo import build_demo
from fieldsafe.services.form_library import ensure_builtin_forms
from fieldsafe.services.map_data import (
    COLOUR_BLIND_SAFE,
    DARK_MAX_SCORE,
    NO_DATA_COLOUR,
    MapFinding,
    Parameter,
    audit_map,
    campaign_findings,
    campaign_segments,
    cluster_points,
    colour,
    dark_spots,
    hotspots,
    legend,
    rating_parameters,
    score_class,
)
from fieldsafe.services.segments import route_segments
from fieldsafe.services.workspace import Workspace
from tests.conftest import CORPUS, ROOT

PHOTO = CORPUS / "photos" / "exifpy__DSCN0010.jpg"  # EXIF GPS near 43.4674 N, 11.8851 E
OTHER_PHOTO = CORPUS / "photos" / "recurser__Portrait_6.jpg"
ROUTE_FORMS = {"womens_safety_walk", "safetipin_rating", "walkability"}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Workspace, str]]:
    """A small demo campaign, shared by the tests that only read it."""
    ws = Workspace(tmp_path_factory.mktemp("demo") / "ws")
    ensure_builtin_forms(ws)
    summary = build_demo(ws, audits=15, photos=2, seed=3)
    yield ws, summary.campaign
    ws.close()


def _answers(form_id: str) -> dict[str, Any]:
    path = ROOT / "tests" / "data" / "instruments" / f"{form_id}.answers.json"
    return dict(json.loads(path.read_text(encoding="utf-8")))


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_parameters_group_ratings_across_instruments(demo: tuple[Workspace, str]) -> None:
    ws, campaign = demo
    params = {p.key: p for p in rating_parameters(ws, campaign)}
    assert next(iter(params)) == "overall"
    lighting = params["lighting"]  # r_lighting 1..5, SafetiPin lighting 0..3, sv_lighting
    assert set(lighting.form_ids) == {"womens_safety_walk", "safetipin_rating", "cpted_site"}
    assert lighting.mixed and (lighting.scale_min, lighting.scale_max) == (0.0, 1.0)
    assert params["openness"].scale_min == 0 and params["openness"].scale_max == 3
    assert not params["openness"].mixed and params["openness"].mapped
    flood = params["flood"]  # "how often": 0 never .. 3 often
    assert not flood.higher_is_better and not flood.mapped
    walk = {p.key: p for p in rating_parameters(ws, campaign, form_id="walkability")}
    assert (walk["overall"].scale_min, walk["overall"].scale_max) == (5.0, 30.0)  # sum of 5
    assert {"walkpath", "crossing", "walkability"} <= set(walk) and "lighting" not in walk
    safety = {p.key: p for p in rating_parameters(ws, campaign, form_id="womens_safety_walk")}
    assert (safety["lighting"].scale_min, safety["lighting"].scale_max) == (1.0, 5.0)
    assert set(safety) == {"overall", "lighting", "sightlines", "hiding", "isolation",
                           "signage", "maintenance", "people", "phone", "feeling"}


def test_segments_cover_finalized_audits_with_routes_only(demo: tuple[Workspace, str]) -> None:
    ws, campaign = demo
    rows = [r for r in list_audits(ws) if r["campaign_id"] == campaign]
    assert {r["status"] for r in rows} == {"finalized", "draft"}
    wanted = {r["id"] for r in rows if r["status"] == "finalized" and r["form_id"] in ROUTE_FORMS}
    segments = campaign_segments(ws, campaign)
    assert {s.audit_id for s in segments} == wanted
    for audit_id in wanted:
        indexes = [s.index for s in segments if s.audit_id == audit_id]
        assert indexes == list(range(len(indexes))) and indexes
    assert all(s.score is None or 0.0 <= s.score <= 1.0 for s in segments)
    assert all(s.raw is None or s.scale[0] <= s.raw <= s.scale[1] for s in segments)
    assert all(len(s.coords) >= 2 and -90 <= s.coords[0][0] <= 90 for s in segments)
    lighting = campaign_segments(ws, campaign, "lighting")
    rated_forms = {s.form_id for s in lighting if s.score is not None}
    assert rated_forms <= {"womens_safety_walk", "safetipin_rating"}
    assert all(s.score is None for s in lighting if s.form_id == "walkability")
    with pytest.raises(UserError, match="no parameter 'lightnig'"):
        campaign_segments(ws, campaign, "lightnig")


def test_scores_follow_the_raw_ratings_and_the_filters(
        workspace: Workspace, walk_answers: dict[str, Any]) -> None:
    campaign = new_campaign(workspace, "Scores", segment_m=50.0)["id"]
    dark = new_audit(workspace, "womens_safety_walk", dict(walk_answers, r_lighting="1"),
                     campaign=campaign, finalize=True)
    bright = new_audit(workspace, "womens_safety_walk",
                       dict(walk_answers, r_lighting="5", period="day"), campaign=campaign,
                       finalize=True)
    draft = new_audit(workspace, "womens_safety_walk", walk_answers, campaign=campaign)
    stops = new_audit(workspace, "safetipin_rating", _answers("safetipin_rating"),
                      campaign=campaign, finalize=True)
    assert {dark.status, bright.status, stops.status} == {"finalized"}
    lighting = campaign_segments(workspace, campaign, "lighting")
    assert draft.id not in {s.audit_id for s in lighting}
    first = [s for s in lighting if s.audit_id == dark.id]
    assert len(first) >= 10  # about 650 m in 50 m segments
    assert {(s.score, s.raw, s.scale) for s in first} == {(0.0, 1.0, (1.0, 5.0))}
    assert {s.score for s in lighting if s.audit_id == bright.id} == {1.0}
    overall = [s for s in campaign_segments(workspace, campaign) if s.audit_id == dark.id]
    stored = float(show_audit(workspace, dark.id)["answers"]["safety_score"])
    assert {s.raw for s in overall} == {stored}
    assert overall[0].score == pytest.approx((stored - 1) / 4)
    by_day = campaign_segments(workspace, campaign, "lighting", period="day")
    assert {s.audit_id for s in by_day} == {bright.id} and {s.period for s in by_day} == {"day"}
    by_night = campaign_segments(workspace, campaign, "lighting", period="night")
    assert {s.audit_id for s in by_night} == {dark.id, stops.id}
    only = campaign_segments(workspace, campaign, "lighting", form_id="safetipin_rating")
    assert {s.audit_id for s in only} == {stops.id}
    retire_audit(workspace, dark.id)
    assert dark.id not in {s.audit_id for s in campaign_segments(workspace, campaign)}


def test_safetipin_stops_rate_the_segments_they_are_on(workspace: Workspace) -> None:
    campaign = new_campaign(workspace, "Stops", segment_m=50.0, tolerance_m=25.0)["id"]
    answers = _answers("safetipin_rating")
    first_stop = answers["stop"][0]
    # A fourth stop a few metres from the first, rated darker; a fifth 300 m off the route.
    near = dict(first_stop, stop_loc="28.56772 77.24328 214 4", lighting="1")
    away = dict(first_stop, stop_loc="28.5650 77.2460 214 4", lighting="0")
    answers["stop"] = [*answers["stop"], near, away]
    audit = new_audit(workspace, "safetipin_rating", answers, campaign=campaign, finalize=True)
    segments = campaign_segments(workspace, campaign, "lighting")
    assert len(segments) >= 5
    placed = route_segments(workspace, audit.id)
    assert len(placed["segments"]) == len(segments)
    scored = {s.index: s for s in segments if s.score is not None}
    # Stop 1 (lighting 3) and the stop near it (1) share the first segment: averaged.
    assert scored[0].raw == 2.0 and scored[0].score == pytest.approx(2 / 3)
    assert scored[0].scale == (0.0, 3.0)
    last = len(segments) - 1
    assert scored[last].raw == 2.0  # stop 3, at the end of the route
    [middle] = [k for k in scored if k not in (0, last)]
    assert scored[middle].raw == 1.0  # stop 2, the dark service lane
    assert len(scored) == 3 and sum(s.score is None for s in segments) == len(segments) - 3
    dark = dark_spots(workspace, campaign)
    assert [(s.audit_id, s.index) for s in dark] == [(audit.id, middle)]
    # "overall" uses each stop's score where there is one and the route score elsewhere.
    overall = campaign_segments(workspace, campaign)
    route_score = float(show_audit(workspace, audit.id)["answers"]["route_score"])
    assert all(s.raw == route_score for s in overall if s.index not in scored)
    stop_scores = [float(s["stop_score"]) for s in show_audit(workspace, audit.id)["answers"]
                   ["stop"]]
    assert overall[middle].raw == stop_scores[1]
    assert overall[0].raw == pytest.approx((stop_scores[0] + stop_scores[3]) / 2)


def test_findings_snap_to_segments_and_carry_their_photos(
        workspace: Workspace, walk_answers: dict[str, Any]) -> None:
    campaign = new_campaign(workspace, "Findings", segment_m=100.0, tolerance_m=25.0)["id"]
    audit = new_audit(workspace, "womens_safety_walk", walk_answers, campaign=campaign,
                      photos={"finding[1]/f_photo1": PHOTO,
                              "finding[1]/f_photo2": OTHER_PHOTO,
                              "finding[3]/f_photo1": OTHER_PHOTO}, finalize=True)
    findings = campaign_findings(workspace, campaign)
    assert [f.number for f in findings] == [1, 2, 3]
    first, second, third = findings
    assert first.photos == [_sha(PHOTO), _sha(OTHER_PHOTO)]
    assert second.photos == [] and third.photos == [_sha(OTHER_PHOTO)]
    assert first.location == (12.9849, 77.6071)
    assert first.category == "lighting" and first.category_label == "Poor or broken lighting"
    assert (first.severity_raw, first.severity, first.severity_scale) == (4.0, 0.75, (1.0, 5.0))
    assert first.agency == "Utilities (electricity, water, drains)"
    assert first.recommendation.startswith("Repair the three lights")
    assert first.note.startswith("Three street lights out")
    assert second.category_label == "Autorickshaw stand blocks the footpath"  # its "other"
    assert second.agency == "Traffic police and auto drivers union"
    assert third.severity == 1.0 and first.period == "night"
    placed = {f["question"]: f["segment"] for f in route_segments(workspace, audit.id)["findings"]}
    assert [f.segment for f in findings] == [placed[f"finding[{k}]/f_loc"] for k in (1, 2, 3)]
    assert all(f.distance_m is not None and f.distance_m < 1.0 for f in findings)
    assert campaign_findings(workspace, campaign, period="day") == []
    assert campaign_findings(workspace, campaign, form_id="walkability") == []


def test_demo_findings_land_where_locate_all_puts_them(demo: tuple[Workspace, str]) -> None:
    ws, campaign = demo
    findings = campaign_findings(ws, campaign)
    assert findings and {f.form_id for f in findings} <= ROUTE_FORMS | {"cpted_site"}
    assert all(f.segment is None for f in findings if f.form_id == "cpted_site")  # no route
    assert any(f.photos for f in findings)
    for audit_id in {f.audit_id for f in findings if f.form_id in ROUTE_FORMS}:
        placed = {p["question"]: p["segment"]
                  for p in route_segments(ws, audit_id)["findings"]
                  if p["question"].startswith("finding[")}
        mine = {f"finding[{f.number}]/f_loc": f.segment for f in findings
                if f.audit_id == audit_id}
        assert mine == placed


def test_dark_spots_are_the_badly_lit_segments(demo: tuple[Workspace, str]) -> None:
    ws, campaign = demo
    dark = dark_spots(ws, campaign)
    lighting = campaign_segments(ws, campaign, "lighting")
    expected = {(s.audit_id, s.index) for s in lighting
                if s.score is not None and s.score <= DARK_MAX_SCORE + 1e-9}
    assert dark and {(s.audit_id, s.index) for s in dark} == expected
    for segment in dark:
        assert segment.raw is not None
        limit = 1.0 if segment.scale == (0.0, 3.0) else 2.0  # 0-1 of 0..3; 1-2 of 1..5
        assert segment.raw <= limit
    night = dark_spots(ws, campaign, period="night")
    assert {s.period for s in night} <= {"night"} and len(night) <= len(dark)


def test_clusters_group_near_points_and_keep_far_ones_apart() -> None:
    points = [(12.97000, 77.59000), (12.97003, 77.59002), (12.96998, 77.59004),  # within 10 m
              (12.98000, 77.60000),  # about 1.5 km away
              (12.97001, 77.59001)]
    clusters = cluster_points(points, 100.0)
    assert sorted(sorted(c.members) for c in clusters) == [[0, 1, 2, 4], [3]]
    big = next(c for c in clusters if len(c.members) == 4)
    assert big.lat == pytest.approx(12.970005, abs=1e-5)
    assert len(cluster_points(points, 5000.0)) == 1
    assert cluster_points([], 100.0) == []
    with pytest.raises(ValueError):
        cluster_points(points, 0.0)


def _finding(number: int, lat: float, lon: float, severity: float | None) -> MapFinding:
    return MapFinding("a", number, (lat, lon), "lighting", "Lighting", severity, None,
                      (1.0, 5.0), [], "", "", "", None, None, "night", "f", "")


def test_hotspots_need_enough_findings_close_together() -> None:
    findings = [_finding(1, 12.97000, 77.59000, 1.0), _finding(2, 12.97010, 77.59010, 0.5),
                _finding(3, 12.97020, 77.59000, 0.0), _finding(4, 12.99000, 77.61000, 1.0),
                _finding(5, 12.99010, 77.61000, 1.0)]
    [spot] = hotspots(findings, radius_m=50.0, min_count=3)
    assert spot.members == [0, 1, 2] and spot.severity == pytest.approx(0.5)
    assert spot.radius_m < 50.0 and spot.lat == pytest.approx(12.9701, abs=1e-4)
    assert hotspots(findings, radius_m=50.0, min_count=4) == []
    assert [s.members for s in hotspots(findings, radius_m=50.0, min_count=2)] == [
        [0, 1, 2], [3, 4]]
    assert hotspots(findings, radius_m=5.0, min_count=2) == []
    # A long chain of findings 40 m apart is several hotspots, none wider than the radius.
    chain = [_finding(k, 12.97 + k * 0.00036, 77.59, None) for k in range(12)]
    spots = hotspots(chain, radius_m=50.0, min_count=3)
    assert len(spots) >= 3 and all(s.radius_m <= 50.0 for s in spots)
    assert sorted(m for s in spots for m in s.members) == sorted(
        set(m for s in spots for m in s.members))


def test_palette_and_legend() -> None:
    assert len(COLOUR_BLIND_SAFE) == 5
    assert [score_class(x) for x in (0.0, 0.19, 0.2, 0.5, 0.99, 1.0)] == [0, 0, 1, 2, 4, 4]
    assert colour(None) == NO_DATA_COLOUR and colour(1.0) == COLOUR_BLIND_SAFE[-1]
    walk = legend(Parameter("lighting", "Lighting", 1.0, 5.0, True))
    assert len(walk) == len(COLOUR_BLIND_SAFE)
    assert walk[0] == (COLOUR_BLIND_SAFE[0], "1–1.8 very poor")
    assert walk[-1] == (COLOUR_BLIND_SAFE[-1], "4.2–5 very good")
    threats = legend(Parameter("flood", "Flooding", 0.0, 3.0, False))
    assert threats[0][1] == "2.4–3 very poor" and threats[-1][1] == "0–0.6 very good"
    mixed = legend(Parameter("lighting", "Lighting", 0.0, 1.0, True, mixed=True))
    assert len(mixed) == len(COLOUR_BLIND_SAFE)
    assert "worst" in mixed[0][1] and "best" in mixed[-1][1]


def test_audit_map_has_route_findings_photos_and_bounds(
        workspace: Workspace, walk_answers: dict[str, Any]) -> None:
    campaign = new_campaign(workspace, "One", segment_m=100.0)["id"]
    audit = new_audit(workspace, "womens_safety_walk", dict(walk_answers, r_lighting="1"),
                      campaign=campaign, photos={"finding[2]/f_photo1": PHOTO})  # a draft
    shown = audit_map(workspace, audit.id)
    assert shown.audit_id == audit.id and shown.form_id == "womens_safety_walk"
    assert len(shown.segments) >= 6 and shown.segments == shown.parameters["overall"]
    assert {s.score for s in shown.parameters["lighting"]} == {0.0}
    assert {"lighting", "feeling", "phone"} <= set(shown.parameters)
    assert [f.number for f in shown.findings] == [1, 2, 3]
    assert shown.findings[1].photos == [_sha(PHOTO)]
    [photo] = shown.photos
    assert photo.finding == 2 and photo.question == "finding[2]/f_photo1"
    assert photo.location is not None and photo.location[0] == pytest.approx(43.4674, abs=1e-3)
    assert shown.bounds == ((12.9814, 77.6057), (12.9857, 77.6098))
    campaign_ids = {s.audit_id for s in campaign_segments(workspace, campaign)}
    assert audit.id not in campaign_ids  # drafts are on their own map, not the campaign's


def test_audit_map_of_a_site_without_a_route(workspace: Workspace) -> None:
    audit = new_audit(workspace, "cpted_site", _answers("cpted_site"), finalize=True)
    shown = audit_map(workspace, audit.id)
    assert shown.segments == [] and shown.bounds is not None
    assert [p.question for p in shown.points] == ["site_loc"]
    assert all(f.segment is None and f.location is not None for f in shown.findings)
