"""The plain data a report is drawn from, filled by the reports service (no database here)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from fieldsafe.report.backdrop import Backdrop

LatLon = tuple[float, float]


@dataclass(frozen=True, slots=True)
class RouteLine:
    """A scored route segment: its colour and its class (0 worst ..; None: no rating)."""

    coords: list[LatLon]
    colour: str
    score_class: int | None


@dataclass(frozen=True, slots=True)
class Place:
    """A located answer that is not a finding (a CPTED site, a SafetiPin audit point), drawn
    as a square: black with its label on an audit's map, coloured by its audit's score on
    the campaign's."""

    label: str
    where: LatLon
    colour: str = "#000000"


@dataclass(frozen=True, slots=True)
class RouteMapData:
    """What the route map shows; ``legend`` is (colour, label) per class, worst first."""

    lines: list[RouteLine]
    markers: list[tuple[int, LatLon]]  # (finding number, where)
    bounds: tuple[LatLon, LatLon] | None  # ((south, west), (north, east))
    legend: list[tuple[str, str]]
    parameter: str = ""
    attribution: str = ""
    no_data_colour: str = "#D9D9D9"
    backdrop: Backdrop | None = None  # the basemap under the map, where one covers it
    places: list[Place] = field(default_factory=list)
    outlines: list[list[LatLon]] = field(default_factory=list)  # drawn areas (a site's edge)
    # an area layer's areas (wards): each its name and its polygons, each polygon its
    # rings (the edge, then any holes)
    areas: list[tuple[str, list[list[list[LatLon]]]]] = field(default_factory=list)
    ends: tuple[LatLon, LatLon] | None = None  # where one audit's route starts and ends


@dataclass(frozen=True, slots=True)
class ScoreItem:
    """A rated parameter's value on its instrument's scale (None: not answered): the mean
    of ``values``, its answers (one per audit point where the form rates each point)."""

    label: str
    value: float | None
    scale_min: float
    scale_max: float
    higher_is_better: bool
    colour: str
    values: tuple[float, ...] = ()


@dataclass(frozen=True, slots=True)
class FindingItem:
    number: int
    category: str
    severity: str
    location: LatLon | None
    segment: int | None
    note: str
    recommendation: str
    agency: str
    thumbnails: list[Path] = field(default_factory=list)  # cached thumbnails only
    span_m: tuple[float, float] | None = None  # its segment, in metres along the route


@dataclass(frozen=True, slots=True)
class ActionRow:
    finding: int
    recommendation: str
    agency: str
    priority: str
    target: str
    status: str
    overdue: bool = False  # not done, and past its target date
    finding_missing: bool = False  # its finding was removed from the audit since
    finding_title: str = ""  # the finding's category, as the item names it


@dataclass(frozen=True, slots=True)
class AnswerRow:
    """A line of the appendix: a question's label and its answer, or a heading (a group or
    a repeat's instance) when ``heading`` is set; ``depth`` is how deep it sits."""

    label: str
    value: str = ""
    heading: bool = False
    depth: int = 0


@dataclass
class AuditReportData:
    """Everything in an audit's report, already in the chosen language."""

    audit_id: str
    campaign: str
    form_title: str
    method: str
    area: str
    date: str
    time: str
    period: str
    team: str
    status: str
    participants: list[tuple[str, str]]
    route_map: RouteMapData | None
    scores: list[ScoreItem]
    overall: ScoreItem | None
    score_method: str  # how the overall score is computed, in words (its question's hint)
    findings: list[FindingItem]
    actions: list[ActionRow]
    answers: list[AnswerRow]
    generated: dt.date
    version: str
    sensitive_included: bool = False
    score_formula: str = ""  # the overall score's calculation, as the form writes it
    name: str = ""  # the audit's instance name: every page's header says which audit
    #: the language of the report's own words (a code, "fr", or a form's language name);
    #: None: FieldSafe's (FIELDSAFE_LANG)
    language: str | None = None
