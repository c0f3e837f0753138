"""The plain, JSON-friendly records behind the maps and the reports (coordinates as (lat, lon)).

``dataclasses.asdict`` turns any of them into JSON-ready dicts (tuples become lists).
"""

from __future__ import annotations

from dataclasses import dataclass, field

LatLon = tuple[float, float]
Scale = tuple[float, float]


@dataclass(frozen=True, slots=True)
class Parameter:
    """What can be mapped: a rating grouped across the campaign's instruments, or "overall".

    ``scale_min``/``scale_max`` are the instruments' own scale when they all share one;
    otherwise ``mixed`` is set and the scale is the normalised 0..1 (worst..best).
    ``higher_is_better`` is about that raw scale (a "how often" threat rating is not);
    normalised scores are always 0 worst .. 1 best. ``mapped``: at least one of its
    instruments records a route, so it can colour segments.
    """

    key: str
    label: str
    scale_min: float
    scale_max: float
    higher_is_better: bool
    mixed: bool = False
    form_ids: tuple[str, ...] = ()
    mapped: bool = True


@dataclass(frozen=True, slots=True)
class ScoredSegment:
    """A segment of an audit's route, scored for one parameter.

    ``score`` is 0 (worst) .. 1 (best), or None where the audit has no rating for it;
    ``raw`` is the same on the instrument's ``scale`` (``(0, 1)`` when it has no such
    rating); ``label`` names the audit (its instance name, else the form's title).
    """

    audit_id: str
    index: int
    coords: list[LatLon]
    score: float | None
    raw: float | None
    scale: Scale
    period: str
    form_id: str
    label: str


@dataclass(frozen=True, slots=True)
class MapFinding:
    """A finding (one instance of a repeat with role ``finding``) of an audit.

    ``number`` is 1-based within the audit (as action items count them); ``severity`` is
    0 (least) .. 1 (most severe), ``severity_raw`` the answer on ``severity_scale``;
    ``category`` is the choice's name and ``category_label`` its label (or the "other"
    text); ``agency`` is the label of the responsible body (or the "other" text);
    ``segment`` is the index of the route segment it lies on within the campaign's
    tolerance, and ``distance_m`` how far from it.
    """

    audit_id: str
    number: int
    location: LatLon | None
    category: str
    category_label: str
    severity: float | None
    severity_raw: float | None
    severity_scale: Scale
    photos: list[str]
    note: str
    recommendation: str
    agency: str
    segment: int | None
    distance_m: float | None
    period: str
    form_id: str
    label: str


@dataclass(frozen=True, slots=True)
class MapPhoto:
    """A photo of an audit, placed where its EXIF says it was taken (None if it does not)."""

    sha256: str
    question: str  # "finding[2]/f_photo1"
    finding: int | None  # the finding it illustrates, if any
    location: LatLon | None
    taken_at: str | None
    caption: str


@dataclass(frozen=True, slots=True)
class MapPoint:
    """A located answer that is not a finding: a SafetiPin stop, a CPTED site."""

    question: str  # "stop[2]/stop_loc", "site_loc"
    label: str
    location: LatLon


@dataclass(frozen=True, slots=True)
class AuditMap:
    """One audit on a map: its route scored for "overall" (``segments``) and for each of
    its parameters (``parameters``, "overall" included), its findings, its photos, its
    other located answers and ``bounds`` ((south, west), (north, east)) of everything."""

    audit_id: str
    form_id: str
    period: str
    label: str
    segments: list[ScoredSegment]
    parameters: dict[str, list[ScoredSegment]]
    findings: list[MapFinding]
    photos: list[MapPhoto]
    points: list[MapPoint]
    bounds: tuple[LatLon, LatLon] | None


@dataclass(frozen=True, slots=True)
class Cluster:
    """Points gathered into one marker: their mean position and their indexes."""

    lat: float
    lon: float
    members: list[int] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Hotspot:
    """A place where findings gather: ``members`` index the findings given, ``radius_m`` is
    the farthest member from the centre, ``severity`` their mean (0..1; None if unrated)."""

    lat: float
    lon: float
    members: list[int]
    radius_m: float
    severity: float | None
