"""The data behind the maps and the reports, free of Qt: routes scored segment by segment,
findings with their photos, dark spots, clusters and hotspots, and their colours.

Scores are 0 (worst) .. 1 (best) whatever the instrument's scale: a rating's answer is
placed on its choices' numeric range (SafetiPin 0..3, a safety walk 1..5), reversed for
"how often" scales; "overall" is each form's ``score`` calculation on the scale of the
ratings it is made of (an average keeps theirs; the walkability sum of five 1..6 ratings
runs 5..30). A rating of the route as a whole applies to all its segments; a rating made
at a located stop (a repeat with a ``location`` point, as SafetiPin's audit points) applies
to the segment the stop lies on, within the campaign's tolerance, averaged when several
stops share one, and a segment with no stop takes the route-wide value if the form has one
(SafetiPin's route score for "overall"), else None.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from shapely.geometry import Point

from fieldsafe.errors import UserError
from fieldsafe.geo.segments import Segment
from fieldsafe.i18n import _
from fieldsafe.services.map_cluster import cluster_points, hotspots
from fieldsafe.services.map_forms import KEY_LABELS, OVERALL, FormInfo, instances, text
from fieldsafe.services.map_load import (
    AuditData,
    CampaignAudits,
    Locator,
    campaign_audits,
    form_infos,
    load_audits,
    route_segments,
)
from fieldsafe.services.map_palette import (
    COLOUR_BLIND_SAFE,
    NO_DATA_COLOUR,
    colour,
    legend,
    score_class,
)
from fieldsafe.services.map_types import (
    AuditMap,
    Cluster,
    Hotspot,
    LatLon,
    MapFinding,
    MapPhoto,
    MapPoint,
    Parameter,
    Scale,
    ScoredSegment,
)
from fieldsafe.services.records import resolve_audit, resolve_campaign
from fieldsafe.services.segments import DEFAULT_SEGMENT_M, DEFAULT_TOLERANCE_M
from fieldsafe.services.workspace import Workspace
from fieldsafe.storage.models import Campaign

__all__ = [
    "COLOUR_BLIND_SAFE", "DARK_MAX_SCORE", "NO_DATA_COLOUR", "AuditMap", "Cluster", "Hotspot",
    "MapFinding", "MapPhoto", "MapPoint", "Parameter", "ScoredSegment", "audit_map",
    "campaign_findings", "campaign_scores_for", "campaign_segments", "cluster_points",
    "colour", "dark_spots", "hotspots", "legend", "rating_parameters", "score_class",
]

#: A lighting score at or under this is a dark spot: 0 or 1 on SafetiPin's 0..3 scale.
DARK_MAX_SCORE = 1.0 / 3.0
_Route = tuple[tuple[Segment, list[LatLon]], ...]
_Placed = dict[str, tuple[int, float] | None]  # point path -> (segment, distance) or None


def rating_parameters(workspace: Workspace, campaign_id: str | None = None, *,
                      form_id: str | None = None,
                      language: str | None = None) -> list[Parameter]:
    """Every rating of the campaign's forms (all the workspace's without a campaign; only
    ``form_id``'s with it) grouped by parameter, "overall" first when a form has a score.
    The campaign's forms are the latest version of each form it names and every version
    its audits were filled with. A form's own labels are in ``language`` where it has it."""
    with workspace.transaction() as db:
        campaign = resolve_campaign(db, campaign_id) if campaign_id else None
        infos = form_infos(db, campaign, form_id, language)
    return parameters_of(list(infos.values()))


def parameters_of(infos: Sequence[FormInfo]) -> list[Parameter]:
    grouped: dict[str, list[tuple[FormInfo, Scale, bool]]] = {OVERALL: []}
    for info in infos:
        for rated in info.rated:
            grouped.setdefault(rated.key, []).append(
                (info, rated.scale, rated.higher_is_better))
    out: list[Parameter] = []
    for key, items in grouped.items():
        if not items:
            continue
        scales = {scale for _i, scale, _h in items}
        directions = {better for _i, _s, better in items}
        mixed = len(scales) > 1 or len(directions) > 1
        low, high = (0.0, 1.0) if mixed else next(iter(scales))
        label = _(KEY_LABELS[key]) if key in KEY_LABELS else items[0][0].labels[key]
        out.append(Parameter(key, label, low, high, mixed or directions.pop(), mixed,
                             tuple(dict.fromkeys(i.form_id for i, _s, _h in items)),
                             any(i.has_route for i, _s, _h in items)))
    return out


def campaign_segments(workspace: Workspace, campaign_id: str, parameter: str = OVERALL,
                      period: str | None = None,
                      form_id: str | None = None) -> list[ScoredSegment]:
    """Every finalized audit's route in the campaign's segments, scored for ``parameter``
    (a key of :func:`rating_parameters`), oldest audit first; ``period`` ("day",
    "night") and ``form_id`` filter the audits. Retired and draft audits are left out."""
    return campaign_segments_for(workspace, campaign_id, [parameter], period,
                                 form_id)[parameter]


def campaign_segments_for(workspace: Workspace, campaign_id: str, parameters: list[str],
                          period: str | None = None, form_id: str | None = None,
                          ) -> dict[str, list[ScoredSegment]]:
    """:func:`campaign_segments` for several parameters at once: the audits are read, their
    routes cut into segments and their rated points placed once for all of them."""
    mapped, routes, placed = _campaign_routes(workspace, campaign_id, parameters, period,
                                              form_id)
    return {parameter: [segment for audit in mapped for segment in _scored(
        audit, parameter, routes[audit.audit_id], placed[audit.audit_id])]
        for parameter in parameters}


def campaign_scores_for(workspace: Workspace, campaign_id: str, parameters: list[str],
                        include_sensitive: bool = True, read: CampaignAudits | None = None,
                        ) -> tuple[list[ScoredSegment], dict[str, dict[tuple[str, int], float]]]:
    """The campaign's segments scored overall (as :func:`campaign_segments`), and for each
    of ``parameters`` the score of every segment that has one, by (audit, segment index):
    what a report of many parameters needs, without a segment object per parameter.
    ``read``: the campaign's audits read already (then ``include_sensitive`` is theirs)."""
    mapped, routes, placed = _campaign_routes(workspace, campaign_id,
                                              list(dict.fromkeys([OVERALL, *parameters])),
                                              include_sensitive=include_sensitive, read=read)
    segments = [segment for audit in mapped for segment in _scored(
        audit, OVERALL, routes[audit.audit_id], placed[audit.audit_id])]
    scores: dict[str, dict[tuple[str, int], float]] = {}
    for parameter in parameters:
        by_segment = scores[parameter] = {}
        for audit in mapped:
            wide, means, _scale = _segment_means(audit, parameter, placed[audit.audit_id])
            for segment, _coords in routes[audit.audit_id]:
                score = means.get(segment.index, wide)[1]
                if score is not None:
                    by_segment[(audit.audit_id, segment.index)] = score
    return segments, scores


def _campaign_routes(workspace: Workspace, campaign_id: str, parameters: list[str],
                     period: str | None = None, form_id: str | None = None,
                     include_sensitive: bool = True, read: CampaignAudits | None = None,
                     ) -> tuple[list[AuditData], dict[str, _Route], dict[str, _Placed]]:
    """The campaign's finalized audits that have a route (oldest first), their routes'
    segments, and where the points rated for ``parameters`` lie on them."""
    if read is None:
        with workspace.transaction() as db:
            read = campaign_audits(db, resolve_campaign(db, campaign_id), period=period,
                                   form_id=form_id, include_sensitive=include_sensitive)
    audits, known = read.audits, read.known
    segment_m, tolerance_m = read.segment_m, read.tolerance_m
    rated = known | {k for a in audits for k in a.info.parameter_keys()}
    for parameter in parameters:
        if parameter != OVERALL and parameter not in rated:
            raise UserError(_("the campaign's forms rate no parameter '{key}' (known: "
                              "{known})").format(key=parameter,
                                                 known=", ".join(sorted(known)) or _("none")))
    routes = {a.audit_id: route_segments(r, segment_m) for a in audits
              if (r := a.route()) is not None}
    mapped = [a for a in audits if routes.get(a.audit_id)]
    placed = _place(mapped, routes, tolerance_m, lambda a: [
        path for parameter in parameters for path in _rated_points(a, parameter)])
    return mapped, routes, placed


def dark_spots(workspace: Workspace, campaign_id: str,
               period: str | None = None) -> list[ScoredSegment]:
    """Segments whose lighting score is at most 1/3 (:data:`DARK_MAX_SCORE`): a lighting
    rating of 0 or 1 on SafetiPin's 0..3 scale, and its equivalent on other scales (1 or 2
    of a safety walk's 1..5, "very dark" and "dark"). Unrated segments are not dark spots."""
    if not any(p.key == "lighting" for p in rating_parameters(workspace, campaign_id)):
        return []
    return [s for s in campaign_segments(workspace, campaign_id, "lighting", period)
            if s.score is not None and s.score <= DARK_MAX_SCORE + 1e-9]


def campaign_findings(workspace: Workspace, campaign_id: str, period: str | None = None,
                      form_id: str | None = None, language: str | None = None,
                      include_sensitive: bool = True, read: CampaignAudits | None = None,
                      ) -> list[MapFinding]:
    """Every finding of the campaign's finalized audits, oldest audit first, each placed on
    its audit's route segments (within the campaign's tolerance) when it has a route;
    choice labels in ``language`` where the audit's form has it. ``read``: the campaign's
    audits read already (the other options are then theirs)."""
    if read is None:
        with workspace.transaction() as db:
            read = campaign_audits(db, resolve_campaign(db, campaign_id), period=period,
                                   form_id=form_id, language=language,
                                   include_sensitive=include_sensitive, photos=True)
    segment_m, tolerance_m = read.segment_m, read.tolerance_m
    audits = [a for a in read.audits if a.info.finding is not None]
    routes = {a.audit_id: route_segments(r, segment_m) for a in audits
              if (r := a.route()) is not None}
    placed = _place(audits, routes, tolerance_m, _finding_points)
    out: list[MapFinding] = []
    for audit in audits:
        out.extend(_findings(audit, placed[audit.audit_id])[0])
    return out


def audit_map(workspace: Workspace, audit_id: str, language: str | None = None,
              include_sensitive: bool = True) -> AuditMap:
    """One audit (at its current revision, whatever its status) for its own map and PDF;
    labels in its form's ``language`` where the form has it."""
    with workspace.transaction() as db:
        audit_uuid = resolve_audit(db, audit_id).uuid
        found = load_audits(db, audit=audit_uuid, finalized=False, photos=True,
                            language=language, include_sensitive=include_sensitive)
        campaign = db.get(Campaign, found[0].campaign_id) \
            if found and found[0].campaign_id else None
    if not found:
        raise UserError(_("audit {id} was made with a form this workspace does not have")
                        .format(id=audit_uuid))
    audit = found[0]
    segment_m, tolerance_m = (campaign.segment_m, campaign.tolerance_m) if campaign else (
        DEFAULT_SEGMENT_M, DEFAULT_TOLERANCE_M)
    geojson = audit.route()
    route = route_segments(geojson, segment_m) if geojson else ()
    points = [path for path, shape in audit.shapes.items() if shape.kind == "point"]
    placed = _place([audit], {audit.audit_id: route}, tolerance_m,
                    lambda _a: points)[audit.audit_id]
    parameters = {key: _scored(audit, key, route, placed)
                  for key in dict.fromkeys([OVERALL, *audit.info.parameter_keys()])}
    findings, numbers = _findings(audit, placed)
    shapes = list(audit.shapes.values())
    bounds = (((min(s.bounds[1] for s in shapes), min(s.bounds[0] for s in shapes)),
               (max(s.bounds[3] for s in shapes), max(s.bounds[2] for s in shapes)))
              if shapes else None)
    return AuditMap(audit.audit_id, audit.form_id, audit.period, audit.label,
                    parameters[OVERALL], parameters, findings, _photos(audit, numbers),
                    _points(audit), bounds)


@dataclass
class _Values:
    """An audit's answers for one parameter: route-wide, and at located stops."""

    scale: Scale
    route: list[tuple[float, float]] = field(default_factory=list)  # (raw, score)
    located: list[tuple[str, float, float]] = field(default_factory=list)  # + point path


def _values(audit: AuditData, key: str) -> _Values | None:
    rated = [r for r in audit.info.rated if r.key == key]
    if not rated:
        return None
    values = _Values((min(r.scale[0] for r in rated), max(r.scale[1] for r in rated)))
    for question in rated:
        for prefix, answers in instances(audit.answers, question.repeats):
            raw = question.number(answers.get(question.name))
            if raw is None:
                continue
            if question.location:
                values.located.append((prefix + question.location, raw, question.score(raw)))
            else:
                values.route.append((raw, question.score(raw)))
    return values


def _rated_points(audit: AuditData, key: str) -> list[str]:
    values = _values(audit, key)
    return [path for path, _r, _s in values.located] if values else []


def _finding_points(audit: AuditData) -> list[str]:
    spec = audit.info.finding
    if spec is None or not spec.location:
        return []
    return [prefix + spec.location for prefix, _a in instances(audit.answers, spec.repeats)]


def _place(audits: Sequence[AuditData], routes: dict[str, _Route], tolerance_m: float,
           wanted: Callable[[AuditData], list[str]]) -> dict[str, _Placed]:
    """Where the points each audit needs (``wanted(audit)`` -> question paths) lie on its
    route's segments: one projection and one pass for all audits."""
    jobs: list[tuple[str, list[str], list[Segment], list[Point]]] = []
    bounds: list[tuple[float, float, float, float]] = []
    for audit in audits:
        route = routes.get(audit.audit_id, ())
        paths = [p for p in dict.fromkeys(wanted(audit)) if p in audit.shapes] if route else []
        points = [audit.shapes[p].point() for p in paths]
        kept = [(p, pt) for p, pt in zip(paths, points, strict=True) if pt is not None]
        if kept:
            jobs.append((audit.audit_id, [p for p, _pt in kept], [s for s, _c in route],
                         [pt for _p, pt in kept]))
            bounds.extend(s.bounds for s in audit.shapes.values())
    out: dict[str, _Placed] = {a.audit_id: {} for a in audits}
    if jobs:
        found = Locator(bounds, tolerance_m).locate([(s, p) for _a, _n, s, p in jobs])
        for (audit_id, paths, _s, _p), where in zip(jobs, found, strict=True):
            out[audit_id] = dict(zip(paths, where, strict=True))
    return out


def _scored(audit: AuditData, key: str, route: _Route, placed: _Placed) -> list[ScoredSegment]:
    wide, means, scale = _segment_means(audit, key, placed)
    out: list[ScoredSegment] = []
    for segment, coords in route:
        raw, score = means.get(segment.index, wide)
        # The coordinates are the cached route's own list (read-only), not a copy each time.
        out.append(ScoredSegment(audit.audit_id, segment.index, coords, score, raw, scale,
                                 audit.period, audit.form_id, audit.label))
    return out


_Mean = tuple[float | None, float | None]  # (raw, score)


def _segment_means(audit: AuditData, key: str, placed: _Placed
                   ) -> tuple[_Mean, dict[int, _Mean], Scale]:
    """An audit's mean rating for ``key``: route-wide, and for each segment with rated
    points located on it (those points alone); and the instrument's scale."""
    values = _values(audit, key)
    at: dict[int, list[tuple[float, float]]] = {}
    if values is not None:
        for path, stop_raw, stop_score in values.located:
            where = placed.get(path)
            if where is not None:
                at.setdefault(where[0], []).append((stop_raw, stop_score))
    wide = _mean(values.route) if values is not None else (None, None)
    scale = values.scale if values is not None else (0.0, 1.0)
    return wide, {index: _mean(found) for index, found in at.items()}, scale


def _mean(values: list[tuple[float, float]]) -> _Mean:
    """The mean (raw, score) of (raw, score) pairs; (None, None) for none."""
    if not values:
        return None, None
    return (sum(r for r, _s in values) / len(values), sum(s for _r, s in values) / len(values))


def _findings(audit: AuditData, placed: _Placed) -> tuple[list[MapFinding], dict[str, int]]:
    """The audit's findings, and the number of each by its path prefix ("finding[2]/")."""
    spec = audit.info.finding
    if spec is None:
        return [], {}
    out: list[MapFinding] = []
    numbers: dict[str, int] = {}
    for number, (prefix, answers) in enumerate(instances(audit.answers, spec.repeats), 1):
        numbers[prefix] = number
        shape = audit.shapes.get(prefix + spec.location) if spec.location else None
        point = shape.point() if shape is not None else None
        where = placed.get(prefix + spec.location) if spec.location else None
        severity = spec.severity
        level = severity.number(answers.get(severity.name)) if severity is not None else None
        photos = sorted((p for p in audit.photos if p.path.startswith(prefix)
                         and p.path[len(prefix):] in spec.photos),
                        key=lambda p: spec.photos.index(p.path[len(prefix):]))
        out.append(MapFinding(
            audit.audit_id, number, (point.y, point.x) if point is not None else None,
            text(answers.get(spec.category)) if spec.category else "",
            _choice(answers, spec.category, spec.category_other, spec.category_labels),
            severity.score(level) if severity is not None and level is not None else None,
            level,
            severity.scale if severity is not None else (0.0, 1.0), [p.sha256 for p in photos],
            text(answers.get(spec.note)) if spec.note else "",
            text(answers.get(spec.recommendation)) if spec.recommendation else "",
            _choice(answers, spec.agency, spec.agency_other, spec.agency_labels),
            where[0] if where else None, where[1] if where else None,
            audit.period, audit.form_id, audit.label))
    return out, numbers


def _choice(answers: dict[str, object], name: str, other: str, labels: dict[str, str]) -> str:
    """A choice answer's label ("other": the text given for it); several, comma-joined."""
    if not name:
        return ""
    given = text(answers.get(other)) if other else ""
    chosen = text(answers.get(name)).split()
    return ", ".join(given if c == "other" and given else labels.get(c, c) for c in chosen)


def _photos(audit: AuditData, numbers: dict[str, int]) -> list[MapPhoto]:
    out: list[MapPhoto] = []
    for photo in audit.photos:
        lat, lon = photo.info.get("latitude"), photo.info.get("longitude")
        location = (float(lat), float(lon)) if isinstance(lat, int | float) and \
            isinstance(lon, int | float) else None
        prefix = photo.path.rsplit("/", 1)[0] + "/" if "/" in photo.path else ""
        taken = photo.info.get("taken_at")
        out.append(MapPhoto(photo.sha256, photo.path, numbers.get(prefix),
                            location,
                            taken if isinstance(taken, str) else None, photo.caption))
    return out


def _points(audit: AuditData) -> list[MapPoint]:
    out: list[MapPoint] = []
    for name, repeats, label in audit.info.points:
        for prefix, _answers in instances(audit.answers, repeats):
            shape = audit.shapes.get(prefix + name)
            point = shape.point() if shape is not None else None
            if point is not None:
                number = re.findall(r"\[(\d+)\]", prefix)
                out.append(MapPoint(prefix + name, f"{label} {number[-1]}" if number else label,
                                    (point.y, point.x)))
    return out
