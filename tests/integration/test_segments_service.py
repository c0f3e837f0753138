"""Routes cut into the campaign's segments, findings placed on them, audits matched."""

from __future__ import annotations

import pytest

from fieldsafe.services.audits import new_audit
from fieldsafe.services.campaigns import new_campaign
from fieldsafe.services.segments import matched_segments, route_segments
from fieldsafe.services.workspace import Workspace


def test_findings_land_on_their_segments(workspace: Workspace,
                                         walk_answers: dict[str, object]) -> None:
    campaign = new_campaign(workspace, "Segments", segment_m=100.0, tolerance_m=25.0)
    audit = new_audit(workspace, "womens_safety_walk", walk_answers, campaign=campaign["id"])
    result = route_segments(workspace, audit.id)
    segments = result["segments"]
    assert len(segments) >= 6  # a route of about 650 m in 100 m segments
    assert all(abs((s["end_m"] - s["start_m"]) - 100.0) < 0.5 for s in segments[:-1])
    placed = {f["question"]: f for f in result["findings"]}
    assert set(placed) == {"finding[1]/f_loc", "finding[2]/f_loc", "finding[3]/f_loc"}
    # Each finding was recorded on a vertex of the route: on it, in order along the route.
    indexes = [placed[f"finding[{k}]/f_loc"]["segment"] for k in (1, 2, 3)]
    assert indexes == sorted(indexes) and None not in indexes
    assert all(placed[q]["distance_m"] < 1.0 for q in placed)


def test_the_same_streets_match_across_audits(workspace: Workspace,
                                              walk_answers: dict[str, object]) -> None:
    day = new_audit(workspace, "womens_safety_walk", walk_answers)
    night_answers = dict(walk_answers, period="night")
    night = new_audit(workspace, "womens_safety_walk", night_answers)
    pairs = matched_segments(workspace, day.id, night.id)
    count = len(route_segments(workspace, day.id)["segments"])
    assert pairs == [(i, i) for i in range(count)]
    elsewhere = dict(walk_answers, route="12.9000 77.5000 0 5;12.9010 77.5010 0 5")
    other = new_audit(workspace, "womens_safety_walk", elsewhere)
    assert matched_segments(workspace, day.id, other.id) == []


@pytest.mark.parametrize(("segment_m", "tolerance_m", "says"), [
    (float("nan"), 25.0, "segment length"), (float("inf"), 25.0, "segment length"),
    (1e-300, 25.0, "segment length"), (0.01, 25.0, "segment length"),
    (50.0, float("inf"), "matching tolerance"), (50.0, float("nan"), "matching tolerance"),
    (50.0, 0.0, "matching tolerance")])
def test_a_campaign_needs_a_sensible_segment_length_and_tolerance(
        workspace: Workspace, segment_m: float, tolerance_m: float, says: str) -> None:
    """Not a raw SQL error (NaN), not a campaign no bundle can carry (infinity), not
    segments so short a report never ends."""
    from fieldsafe.errors import UserError
    from fieldsafe.services.campaigns import list_campaigns, new_campaign

    with pytest.raises(UserError, match=says):
        new_campaign(workspace, "Ward walks", segment_m=segment_m, tolerance_m=tolerance_m)
    assert list_campaigns(workspace) == []
    new_campaign(workspace, "Ward walks", segment_m=1.0, tolerance_m=100_000)


def test_two_campaigns_of_one_name_are_named_by_their_ids(workspace: Workspace) -> None:
    """Two laptops each made "Ward 92 walks", and their bundles were merged here."""
    from datetime import datetime

    from fieldsafe.errors import UserError
    from fieldsafe.services.campaigns import new_campaign
    from fieldsafe.services.records import resolve_campaign
    from fieldsafe.storage.models import Campaign

    first = new_campaign(workspace, "Ward 92 walks")
    with workspace.transaction() as db:  # as a merged bundle brings it (no name check)
        db.add(Campaign(uuid="f" * 8 + "-0000-4000-8000-000000000000", name="Ward 92 walks",
                        device_id="other", created_at=datetime(2026, 1, 1),
                        modified_at=datetime(2026, 1, 1)))
    with workspace.transaction() as db:
        with pytest.raises(UserError, match="more than one campaign is named 'Ward 92 walks'; "
                                            "give its ID instead"):
            resolve_campaign(db, "Ward 92 walks")
        assert resolve_campaign(db, str(first["id"])[:8]).name == "Ward 92 walks"


def test_a_form_named_twice_is_listed_once(workspace: Workspace) -> None:
    made = new_campaign(workspace, "Twice", form_ids=["womens_safety_walk",
                                                      "womens_safety_walk", "walkability"])
    assert made["forms"] == ["womens_safety_walk", "walkability"]
