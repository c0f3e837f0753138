"""The campaign report's matched segments: day against night, and follow-up walks."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from fieldsafe.geo.projection import LocalProjection
from fieldsafe.geo.segments import match_line_groups
from fieldsafe.report.campaign_data import FollowUp, PairRow, Score, WalkPair
from fieldsafe.services.map_data import ScoredSegment
from fieldsafe.services.map_forms import OVERALL

FOLLOW_UPS_SHOWN = 40
DAY_NIGHT_SHOWN = 20  # pairs of walks by day and by night, those worst at night
_Key = tuple[str, int]  # (audit, segment index)
_EMPTY = np.zeros(0, dtype=np.int64)


class Walk(Protocol):
    """What matching needs to know of an audit."""

    @property
    def uuid(self) -> str: ...
    @property
    def form_id(self) -> str: ...
    @property
    def period(self) -> str: ...
    @property
    def day(self) -> date: ...
    @property
    def label(self) -> str: ...


@dataclass(frozen=True, slots=True)
class Matches:
    """What the campaign report compares: day against night over all matched segments
    (rows by parameter), the number of matched day/night pairs of audits, those pairs one
    by one (:data:`DAY_NIGHT_SHOWN` of them, those whose overall score falls most at night
    first) and how many were left out; and the follow-ups and how many were left out."""

    day_night: list[PairRow]
    day_night_pairs: int
    day_night_walks: list[WalkPair]
    day_night_walks_left_out: int
    follow_up: list[FollowUp]
    follow_up_left_out: int


def matched(done: Mapping[str, Walk], routes: list[ScoredSegment],
            scores: dict[str, dict[_Key, float]], labels: dict[str, str], tolerance_m: float,
            ) -> Matches:
    """The campaign's :class:`Matches`. Follow-ups are in the order they were walked; when
    there are more than :data:`FOLLOW_UPS_SHOWN`, those whose overall score changed most
    are kept.

    Two finalized audits of the same form pair up when one was walked by day and the other
    by night, or when it was walked again in the same period on a later day (a follow-up).
    Their segments match within ``tolerance_m`` (:func:`match_line_groups`). A segment
    walked several times is compared with the last walk of it before (not with each one)."""
    ordered = [done[a] for a in dict.fromkeys(s.audit_id for s in routes) if a in done]
    lines = _projected_routes(routes)
    matches = match_line_groups([lines.get(a.uuid, ([], []))[1] for a in ordered],
                                lambda a, b: _wanted(ordered, a, b), tolerance_m,
                                wanted_many=_pairing(ordered))
    # (first, second): a follow-up (True) or day against night (False)
    decided: dict[tuple[int, int], bool | None] = {
        pair: _wanted_as(ordered, *pair) for pair in matches}
    # The matched pairs of audits, in the order of the audits, as the report lists them,
    # and every matched pair of segments as rows of positions in one table of scores.
    pairs = sorted(matches, key=lambda m: (min(m), max(m)))
    offset = np.cumsum([0] + [len(lines.get(a.uuid, ([], []))[0]) for a in ordered])
    rows = _last_before([(number, offset[f] + i, offset[s] + j)
                         for number, (f, s) in enumerate(pairs) for i, j in matches[(f, s)]],
                        pairs, decided, ordered)
    pair_of, first, second = (np.asarray(c, dtype=np.int64).reshape(-1)
                              for c in zip(*rows, strict=True)) if rows else (_EMPTY,) * 3
    again = np.asarray([bool(decided[p]) for p in pairs], dtype=bool)
    table = _score_table(ordered, lines, scores, int(offset[-1]))
    night: list[PairRow] = []
    follow: dict[int, dict[str, PairRow]] = defaultdict(dict)
    for key, values in table.items():
        x, y = values[first], values[second]
        both = ~np.isnan(x) & ~np.isnan(y)
        at_night = both & ~again[pair_of]
        if at_night.any():  # sums in order (bincount adds one by one), as sum() would
            night.append(PairRow(labels[key], *_means(x[at_night], y[at_night])))
        later = both & again[pair_of]
        count = np.bincount(pair_of[later], minlength=len(pairs))
        before = np.bincount(pair_of[later], weights=x[later], minlength=len(pairs))
        after = np.bincount(pair_of[later], weights=y[later], minlength=len(pairs))
        for number in np.flatnonzero(count).tolist():
            f, s = pairs[number]
            follow[number][key] = PairRow(
                labels[key], float(before[number] / count[number]),
                float(after[number] / count[number]), int(count[number]),
                f"{ordered[f].label} → {ordered[s].label}")
    walks = _walk_pairs(table.get(OVERALL), first, second, pair_of, again, pairs, ordered)
    shown, left_out = _largest(follow, FOLLOW_UPS_SHOWN)
    # In the order they were walked: the later walk's day, then the earlier one's.
    shown.sort(key=lambda n: (ordered[pairs[n][1]].day, ordered[pairs[n][0]].day, n))
    # Ties by parameter key, not label: the same order in every language.
    out = [FollowUp(next(iter(follow[n].values())).where, follow[n].get(OVERALL),
                    [r for _k, r in sorted(((k, r) for k, r in follow[n].items()
                                            if k != OVERALL),
                                           key=lambda kr: (-_delta(kr[1]), kr[0]))])
           for n in shown]
    return Matches(night, int(np.count_nonzero(~again)), walks[:DAY_NIGHT_SHOWN],
                   max(0, len(walks) - DAY_NIGHT_SHOWN), out, left_out)


def _walk_pairs(values: np.ndarray | None, first: np.ndarray, second: np.ndarray,
                pair_of: np.ndarray, again: np.ndarray, pairs: list[tuple[int, int]],
                ordered: Sequence[Walk]) -> list[WalkPair]:
    """Each pair of walks by day and by night with its matched segments' mean overall score
    in each (``values``: the overall score of every line; None when the forms score none),
    the largest fall at night first."""
    if values is None:
        return []
    x, y = values[first], values[second]
    pick = ~np.isnan(x) & ~np.isnan(y) & ~again[pair_of]
    count = np.bincount(pair_of[pick], minlength=len(pairs))
    day = np.bincount(pair_of[pick], weights=x[pick], minlength=len(pairs))
    night = np.bincount(pair_of[pick], weights=y[pick], minlength=len(pairs))
    out = [WalkPair(ordered[pairs[n][0]].label, ordered[pairs[n][1]].label,
                    float(day[n] / count[n]), float(night[n] / count[n]), int(count[n]))
           for n in np.flatnonzero(count).tolist()]
    out.sort(key=lambda w: (w.night - w.day, w.day_walk, w.night_walk))
    return out


def _delta(row: PairRow) -> float:
    return abs((row.second or 0.0) - (row.first or 0.0))


def _last_before(rows: list[tuple[int, int, int]], pairs: list[tuple[int, int]],
                 decided: Mapping[tuple[int, int], bool | None], ordered: Sequence[Walk]
                 ) -> list[tuple[int, int, int]]:
    """The rows (pair number, first line, second line) without the follow-ups that skip a
    walk: a segment walked again is compared with the last walk of it before, so lights
    repaired and then dark again show as a change up and then a change down."""
    last: dict[int, tuple[date, int]] = {}  # a later line -> the latest earlier walk
    for number, _first, second in rows:
        f, s = pairs[number]
        if decided[(f, s)]:
            key = (ordered[f].day, f)
            last[second] = max(last.get(second, key), key)
    return [(number, first, second) for number, first, second in rows
            if not decided[pairs[number]] or
            last[second] == (ordered[pairs[number][0]].day, pairs[number][0])]


def _largest(follow: Mapping[int, Mapping[str, PairRow]], limit: int
             ) -> tuple[list[int], int]:
    """The ``limit`` follow-ups (pair numbers) whose overall score changed most (their
    largest change of any parameter where the forms score none overall), and how many
    were left out."""
    def change(number: int) -> float:
        overall = follow[number].get(OVERALL)
        return _delta(overall) if overall is not None else \
            max(_delta(r) for r in follow[number].values())

    ranked = sorted(follow, key=lambda n: (-change(n), n))
    return ranked[:limit], max(0, len(ranked) - limit)


def _wanted_as(ordered: Sequence[Walk], a: int, b: int) -> bool | None:
    """Whether walks ``a`` then ``b`` pair up in that order: as a follow-up (True), as day
    against night (False), or not (None); see :func:`_oriented`."""
    found = _oriented(ordered[min(a, b)], ordered[max(a, b)])
    return found[2] if found is not None and \
        (found[0], found[1]) == (ordered[a], ordered[b]) else None


def _wanted(ordered: Sequence[Walk], a: int, b: int) -> bool:
    return _wanted_as(ordered, a, b) is not None


def _pairing(ordered: Sequence[Walk]) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    """:func:`_wanted` for arrays of walks ``a`` and ``b`` at once (a campaign of 1,000
    audits asks it of tens of thousands of pairs): the same form, and either the same
    period on a later day, or by day then by night."""
    forms = {f: n for n, f in enumerate(dict.fromkeys(w.form_id for w in ordered))}
    periods = {p: n for n, p in enumerate(dict.fromkeys(["day", "night",
                                                         *(w.period for w in ordered)]))}
    form = np.asarray([forms[w.form_id] for w in ordered], dtype=np.int64)
    period = np.asarray([periods[w.period] for w in ordered], dtype=np.int64)
    day = np.asarray([w.day.toordinal() for w in ordered], dtype=np.int64)
    day_code, night_code = periods["day"], periods["night"]

    def wanted(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        later = (period[a] == period[b]) & (day[a] < day[b])
        after_dark = (period[a] == day_code) & (period[b] == night_code)
        return np.asarray((form[a] == form[b]) & (later | after_dark), dtype=bool)

    return wanted


def _oriented(one: Walk, other: Walk) -> tuple[Walk, Walk, bool] | None:
    """For two audits of the same form: (first, second, a follow-up?), or None if they do
    not pair up. A follow-up is the form walked again in the same period on another day,
    the earlier walk first; else a day walk pairs with a night walk, the day walk first.
    Audits of different forms never pair: their scores are on different instruments."""
    if one.form_id != other.form_id:
        return None
    if one.period == other.period and one.day != other.day:
        return (one, other, True) if one.day < other.day else (other, one, True)
    if {one.period, other.period} != {"day", "night"}:
        return None
    return (other, one, False) if one.period == "night" else (one, other, False)


def _score_table(ordered: Sequence[Walk], lines: dict[str, tuple[list[int], list[BaseGeometry]]],
                 scores: dict[str, dict[_Key, float]], size: int) -> dict[str, np.ndarray]:
    """For each parameter, the score of every matched line (NaN where none), by the line's
    position among all audits' lines in ``ordered``."""
    position: dict[_Key, int] = {}
    for audit in ordered:
        for index in lines.get(audit.uuid, ([], []))[0]:
            position[(audit.uuid, index)] = len(position)
    out: dict[str, np.ndarray] = {}
    for key, by_segment in scores.items():
        values = out[key] = np.full(size, np.nan)
        for where, value in by_segment.items():
            if (k := position.get(where)) is not None:
                values[k] = value
    return out


def _means(x: np.ndarray, y: np.ndarray) -> tuple[Score, Score, int]:
    zero = np.zeros(len(x), dtype=np.int64)
    return (float(np.bincount(zero, weights=x)[0] / len(x)),
            float(np.bincount(zero, weights=y)[0] / len(y)), len(x))


def _projected_routes(routes: Sequence[ScoredSegment]
                      ) -> dict[str, tuple[list[int], list[BaseGeometry]]]:
    """Each audit's segment indexes and lines in one metric projection for the whole
    campaign: made once, so matching many pairs of audits stays cheap."""
    drawn = [s for s in routes if len(s.coords) >= 2]
    if not drawn:
        return {}
    lats = [c[0] for s in drawn for c in s.coords]
    lons = [c[1] for s in drawn for c in s.coords]
    projection = LocalProjection((min(lons) + max(lons)) / 2, (min(lats) + max(lats)) / 2)
    order = sorted(range(len(drawn)), key=lambda k: (drawn[k].audit_id, drawn[k].index))
    # All the lines at once (one array of coordinates, each point tagged with its line).
    coords = np.asarray([(lon, lat) for k in order for lat, lon in drawn[k].coords])
    owner = np.repeat(np.arange(len(order)), [len(drawn[k].coords) for k in order])
    metres = projection.to_metres(shapely.linestrings(coords, indices=owner))
    out: dict[str, tuple[list[int], list[BaseGeometry]]] = {}
    for position, k in enumerate(order):
        indexes, geometries = out.setdefault(drawn[k].audit_id, ([], []))
        indexes.append(drawn[k].index)
        geometries.append(metres[position])
    return out
