"""The campaign report's follow-ups: walks ordered by the day they were walked, each segment
compared with the last walk of it before, the largest overall changes kept when cut."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from fieldsafe.services import campaign_matching
from fieldsafe.services.campaign_matching import matched
from fieldsafe.services.map_types import ScoredSegment

STREET = [[(12.9700, 77.5900), (12.9700, 77.5910)], [(12.9700, 77.5910), (12.9700, 77.5920)]]


@dataclass(frozen=True)
class Walk:
    uuid: str
    form_id: str
    period: str
    day: date
    label: str


LABELS = {"overall": "Overall score", "lighting": "Lighting", "feeling": "Feeling"}


def _walks(*days: tuple[str, date, float]) -> tuple[dict[str, Walk], list[ScoredSegment],
                                                    dict[str, dict[tuple[str, int], float]]]:
    """Walks of the same street with the same form by day, each with its lighting score
    (its overall score, and feeling, half of it), in the order given (the order they were
    entered)."""
    done: dict[str, Walk] = {}
    routes: list[ScoredSegment] = []
    scores: dict[str, dict[tuple[str, int], float]] = {k: {} for k in LABELS}
    for uuid, day, score in days:
        done[uuid] = Walk(uuid, "walk", "day", day, f"walk {day.isoformat()}")
        for index, coords in enumerate(STREET):
            routes.append(ScoredSegment(uuid, index, coords, score, score, (0.0, 1.0), "day",
                                        "walk", uuid))
            scores["overall"][(uuid, index)] = scores["lighting"][(uuid, index)] = score
            scores["feeling"][(uuid, index)] = score / 2
    return done, routes, scores


def test_repaired_then_dark_again_shows_both_changes_in_walk_order() -> None:
    # Entered out of order: the March walk first, then January, then February.
    done, routes, scores = _walks(("mar", date(2026, 3, 20), 0.1),
                                  ("jan", date(2026, 1, 2), 0.2),
                                  ("feb", date(2026, 2, 15), 1.0))
    found = matched(done, routes, scores, LABELS, 25.0)
    night, pairs, follow, left_out = (found.day_night, found.day_night_pairs,
                                      found.follow_up, found.follow_up_left_out)
    assert night == [] and pairs == 0 and left_out == 0 and found.day_night_walks == []
    assert [(f.where, f.overall.first, f.overall.second, f.overall.segments)
            for f in follow if f.overall is not None] == [
        ("walk 2026-01-02 → walk 2026-02-15", 0.2, 1.0, 2),  # repaired
        ("walk 2026-02-15 → walk 2026-03-20", 1.0, 0.1, 2),  # dark again
    ]  # and not January against March: February came between
    assert len(follow) == 2
    # the parameters that changed, the largest change first
    assert [(r.label, r.first, r.second) for r in follow[0].changes] == [
        ("Lighting", 0.2, 1.0), ("Feeling", 0.1, 0.5)]


def test_walks_on_one_day_or_by_day_and_night_are_no_follow_up() -> None:
    """Day against night pairs walks of one form; another form's walk does not pair."""
    done, routes, scores = _walks(("a", date(2026, 1, 2), 0.2), ("b", date(2026, 1, 2), 0.8))
    assert matched(done, routes, scores, LABELS, 25.0).follow_up == []
    night = Walk("n", "walk", "night", date(2026, 1, 1), "night walk")
    done["n"] = night
    routes += [ScoredSegment("n", k, c, 0.0, 0.0, (0.0, 1.0), "night", "walk", "n")
               for k, c in enumerate(STREET)]
    for key in LABELS:
        scores[key].update({("n", 0): 0.0, ("n", 1): 0.0})
    found = matched(done, routes, scores, LABELS, 25.0)
    assert found.follow_up == [] and found.day_night_pairs == 2  # night against each day
    assert [(r.label, r.first, r.second, r.segments) for r in found.day_night
            if r.label == "Lighting"] == [("Lighting", 0.5, 0.0, 4)]
    # and pair by pair, where it falls most at night first: the day walk scored 0.8
    assert [(w.day_walk, w.night_walk, w.day, w.night, w.segments)
            for w in found.day_night_walks] == [
        ("walk 2026-01-02", "night walk", 0.8, 0.0, 2),
        ("walk 2026-01-02", "night walk", 0.2, 0.0, 2)]
    assert found.day_night_walks_left_out == 0
    # Another form's night walk of the street: another instrument, no pair.
    done["n"] = Walk("n", "cpted", "night", date(2026, 1, 1), "night walk")
    other = matched(done, routes, scores, LABELS, 25.0)
    assert (other.day_night, other.day_night_pairs, other.day_night_walks) == ([], 0, [])


def test_a_long_table_keeps_the_largest_overall_changes(monkeypatch) -> None:
    monkeypatch.setattr(campaign_matching, "FOLLOW_UPS_SHOWN", 2)
    done, routes, scores = _walks(("a", date(2026, 1, 1), 0.5), ("b", date(2026, 2, 1), 0.6),
                                  ("c", date(2026, 3, 1), 0.0), ("d", date(2026, 4, 1), 0.9))
    # Feeling changed most from a to b, but the overall score the least.
    scores["feeling"].update({("a", 0): 0.0, ("a", 1): 0.0})
    found = matched(done, routes, scores, LABELS, 25.0)
    follow, left_out = found.follow_up, found.follow_up_left_out
    # Overall changes: a→b +0.1, b→c -0.6, c→d +0.9: the two largest, in walk order.
    assert [f.where for f in follow] == ["walk 2026-02-01 → walk 2026-03-01",
                                         "walk 2026-03-01 → walk 2026-04-01"]
    assert left_out == 1


def test_only_the_pairs_worst_at_night_are_listed(monkeypatch) -> None:
    monkeypatch.setattr(campaign_matching, "DAY_NIGHT_SHOWN", 1)
    done, routes, scores = _walks(("a", date(2026, 1, 2), 0.9), ("b", date(2026, 1, 2), 0.4))
    done["n"] = Walk("n", "walk", "night", date(2026, 1, 3), "night walk")
    routes += [ScoredSegment("n", k, c, 0.3, 0.3, (0.0, 1.0), "night", "walk", "n")
               for k, c in enumerate(STREET)]
    for key in LABELS:
        scores[key].update({("n", 0): 0.3, ("n", 1): 0.3})
    found = matched(done, routes, scores, LABELS, 25.0)
    assert [(w.day, w.night) for w in found.day_night_walks] == [(0.9, 0.3)]  # -0.6
    assert found.day_night_walks_left_out == 1  # b: -0.1
