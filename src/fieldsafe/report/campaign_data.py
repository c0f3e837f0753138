"""The plain data a campaign's report is drawn from, filled by the campaign reports service."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from fieldsafe.report.data import LatLon, RouteMapData

Score = float | None


@dataclass(frozen=True, slots=True)
class CountRow:
    """A line of the overview: a form or a team and its finalized audits by day and night."""

    label: str
    day: int
    night: int
    other: int

    @property
    def total(self) -> int:
        return self.day + self.night + self.other


@dataclass(frozen=True, slots=True)
class PairRow:
    """Mean 0..1 scores of matched segments: day against night, or before against after."""

    label: str  # the parameter ("Overall score", "Lighting")
    first: Score
    second: Score
    segments: int
    where: str = ""  # follow-up: the audits compared


@dataclass(frozen=True, slots=True)
class WalkPair:
    """A street walked by day and by night with the same form: the two walks and the mean
    overall score of their matched segments in each."""

    day_walk: str
    night_walk: str
    day: float
    night: float
    segments: int


@dataclass(frozen=True, slots=True)
class FollowUp:
    """A street walked again: the two walks, the overall score before and after (None if
    the forms score none), and the parameters that changed, the largest change first."""

    where: str  # "Safety walk … 2026-02-15 → Safety walk … 2026-03-20"
    overall: PairRow | None
    changes: list[PairRow]


@dataclass(frozen=True, slots=True)
class TopFinding:
    category: str
    severity: str
    location: LatLon | None
    audit: str
    note: str
    thumbnail: Path | None


@dataclass(frozen=True, slots=True)
class PlanRow:
    audit: str
    finding: int
    action: str
    priority: str
    target: str
    status: str
    overdue: bool
    finding_title: str = ""  # the finding's category, as the action item names it
    finding_missing: bool = False  # its finding was removed from the audit since


@dataclass
class AgencyPlan:
    """One responsible agency's action items, and its counts by status."""

    agency: str
    rows: list[PlanRow] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for r in self.rows if r.status == status)

    @property
    def overdue(self) -> int:
        return sum(1 for r in self.rows if r.overdue)


@dataclass
class CampaignReportData:
    """Everything in a campaign's report; scores are normalised 0 (worst) .. 1 (best)."""

    name: str
    audits: int
    drafts: int  # audits left out: drafts never finalized, and retired audits
    first_date: str
    last_date: str
    by_form: list[CountRow]
    by_team: list[CountRow]
    walked_km: float
    area_km2: float | None
    route_map: RouteMapData
    dark_spots: list[list[LatLon]]
    hotspots: list[tuple[LatLon, int]]  # the largest, (where, findings)
    ward_layer: str
    wards: list[str]
    ward_scores: list[tuple[str, list[Score]]]  # (parameter, mean per ward)
    day_night: list[PairRow]
    day_night_pairs: int
    # where: the pairs of walks, the largest fall at night first, and how many are not shown
    day_night_walks: list[WalkPair]
    day_night_walks_left_out: int
    follow_up: list[FollowUp]
    follow_up_left_out: int  # follow-ups not shown (those with the smallest changes)
    findings_total: int
    findings: list[TopFinding]
    plans: list[AgencyPlan]
    today: dt.date
    version: str
    #: the language of the report's own words (a code, "fr", or a form's language name);
    #: None: FieldSafe's (FIELDSAFE_LANG)
    language: str | None = None
    hotspots_total: int = 0  # how many there are (the map shows the largest)
    findings_tied: int = 0  # findings left out as severe as the last one shown
