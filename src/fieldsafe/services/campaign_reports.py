"""A campaign's PDF report: gather its audits, scores, findings and actions, write safely."""

from __future__ import annotations

import contextlib
import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from itertools import pairwise
from pathlib import Path

import numpy as np
import shapely
from shapely import STRtree
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fieldsafe import __version__
from fieldsafe.errors import UserError
from fieldsafe.geo.geojson import area_of, read_areas
from fieldsafe.i18n import _, number, using_language
from fieldsafe.outputs import write_atomically
from fieldsafe.report.campaign_data import (
    AgencyPlan,
    CampaignReportData,
    CountRow,
    PlanRow,
    Score,
    TopFinding,
)
from fieldsafe.report.data import LatLon, Place, RouteLine, RouteMapData
from fieldsafe.services.actions import list_actions
from fieldsafe.services.campaign_matching import matched
from fieldsafe.services.campaigns import list_campaigns
from fieldsafe.services.form_library import find_version, form_definition
from fieldsafe.services.layers import list_layers
from fieldsafe.services.map_data import (
    DARK_MAX_SCORE,
    NO_DATA_COLOUR,
    MapFinding,
    Parameter,
    ScoredSegment,
    campaign_findings,
    campaign_scores_for,
    colour,
    hotspots,
    legend,
    rating_parameters,
    score_class,
)
from fieldsafe.services.map_forms import OVERALL, match_language
from fieldsafe.services.map_load import campaign_audits, form_infos
from fieldsafe.services.map_sites import ScoredSite, campaign_sites
from fieldsafe.services.records import resolve_campaign
from fieldsafe.services.reports import (
    PAPERS,
    choice_translations_of,
    with_backdrop,
)
from fieldsafe.services.revisions import RETIRED
from fieldsafe.services.submitted import join_submitted, submitted_revision
from fieldsafe.services.workspace import Workspace
from fieldsafe.storage.models import Audit, AuditRevision, Campaign

TOP_FINDINGS = 10
HOTSPOT_RADIUS_M = 50.0
HOTSPOT_MIN = 3
HOTSPOTS_SHOWN = 12  # on the map: more would hide the routes under them
_M_PER_DEG = math.radians(1) * 6_371_008.8
_Key = tuple[str, int]  # (audit, segment index)


@dataclass(frozen=True, slots=True)
class _Audit:
    uuid: str
    form_id: str
    period: str
    team: str
    label: str
    day: date
    finalized: bool
    form_title: str


def campaign_report(workspace: Workspace, campaign_id: str | None, out: Path, *,
                    language: str | None = None, paper: str = "a4") -> Path:
    """Write the PDF report of a campaign (the workspace's only one when ``campaign_id`` is
    None) to ``out``; the path written. ``language`` (a code, "fr", or a name) is a language
    of the campaign's forms: their labels are in it where a form has it, and so are the
    report's own words (FieldSafe's language when None). The file appears whole or not at
    all."""
    from fieldsafe.report.campaign_report import build_campaign_report

    if paper not in PAPERS:
        raise UserError(_("paper must be one of {known}").format(known=", ".join(PAPERS)))
    data = campaign_report_data(workspace, pick_campaign(workspace, campaign_id), language)
    return write_atomically(Path(out),
                            lambda handle: build_campaign_report(data, handle, paper))


def pick_campaign(workspace: Workspace, campaign_id: str | None) -> str:
    """The ID of the campaign named by ``campaign_id``, else of the workspace's only one."""
    if campaign_id:
        with workspace.transaction() as db:
            return resolve_campaign(db, campaign_id).uuid
    campaigns = list_campaigns(workspace)
    if len(campaigns) == 1:
        return str(campaigns[0]["id"])
    if not campaigns:
        raise UserError(_("this workspace has no campaign"))
    raise UserError(_("this workspace has several campaigns; name one: {names}").format(
        names="; ".join(f"{c['name']} ({str(c['id'])[:8]})" for c in campaigns)))


def campaign_report_data(workspace: Workspace, campaign_id: str,
                         language: str | None = None) -> CampaignReportData:
    """Everything the campaign's report shows, read from the workspace, in ``language``
    (see :func:`campaign_report`)."""
    words = _check_language(workspace, campaign_id, language)
    with using_language(words):
        return _gather(workspace, campaign_id, language, words)


def _gather(workspace: Workspace, campaign_id: str, language: str | None,
            words: str | None) -> CampaignReportData:
    with workspace.transaction() as db:
        campaign = resolve_campaign(db, campaign_id)
        uuid, name, area_geojson = campaign.uuid, campaign.name, campaign.area_geojson
        layer_ids, tolerance_m = {str(u) for u in campaign.layer_uuids}, campaign.tolerance_m
        audits = _audits(db, campaign)
        retired = db.scalar(select(func.count()).select_from(Audit).join(
            AuditRevision, AuditRevision.uuid == Audit.head_uuid).where(
            Audit.campaign_uuid == campaign.uuid, AuditRevision.status == RETIRED)) or 0
        said = _translations(db, campaign, language)
    done = {a.uuid: a for a in audits if a.finalized}
    parameters = [p for p in rating_parameters(workspace, uuid, language=language) if p.mapped]
    overall = next((p for p in parameters if p.key == OVERALL),
                   Parameter(OVERALL, _("Overall score"), 0.0, 1.0, True, True))
    # Officials get no sensitive answers: no option here, unlike one audit's report.
    with workspace.transaction() as db:  # read once for the scores, findings and sites
        read = campaign_audits(db, resolve_campaign(db, uuid), language=language,
                               include_sensitive=False, photos=True)
    routes, scores = campaign_scores_for(workspace, uuid, [p.key for p in parameters],
                                         read=read)
    labels = {p.key: (_("Overall score") if p.key == OVERALL else p.label) for p in parameters}
    findings = campaign_findings(workspace, uuid, read=read)
    sites = campaign_sites(workspace, uuid, read=read)
    top, tied = _top_findings(workspace, findings)
    # The largest first (the earliest found among equals): a big campaign has many.
    spots = sorted((((h.lat, h.lon), len(h.members))
                    for h in hotspots(findings, HOTSPOT_RADIUS_M, HOTSPOT_MIN)),
                   key=lambda spot: -spot[1])
    ward_layer, wards, ward_scores, outlines = _wards(workspace, layer_ids, routes, scores,
                                                      labels)
    matches = matched(done, routes, scores, labels, tolerance_m)
    days = sorted(a.day for a in done.values())
    return CampaignReportData(
        name=name, audits=len(done), drafts=len(audits) - len(done) + retired,
        first_date=days[0].isoformat() if days else "",
        last_date=days[-1].isoformat() if days else "",
        by_form=_counts(done.values(), lambda a: a.form_title),
        by_team=_counts(done.values(), lambda a: a.team or _("(no team)")),
        walked_km=sum(_length_m(s.coords) for s in routes) / 1000,
        area_km2=_area_km2(area_geojson),
        route_map=with_backdrop(_route_map(routes, sites, overall, outlines), workspace,
                                list(layer_ids)),
        # Lighting is scored with the other mapped parameters; when it is not mapped, no
        # audit that rates it has a route, so there is no dark spot to show.
        dark_spots=[s.coords for s in routes if (lighting := scores.get("lighting", {}).get(
            (s.audit_id, s.index))) is not None and lighting <= DARK_MAX_SCORE + 1e-9],
        hotspots=spots[:HOTSPOTS_SHOWN], hotspots_total=len(spots),
        ward_layer=ward_layer, wards=wards, ward_scores=ward_scores,
        day_night=matches.day_night, day_night_pairs=matches.day_night_pairs,
        day_night_walks=matches.day_night_walks,
        day_night_walks_left_out=matches.day_night_walks_left_out,
        follow_up=matches.follow_up, follow_up_left_out=matches.follow_up_left_out,
        findings_total=len(findings),
        findings=top, findings_tied=tied,
        plans=_plans(workspace, list(done.values()), said),
        today=date.today(), version=__version__, language=words)


def _audits(db: Session, campaign: Campaign) -> list[_Audit]:
    """The campaign's audits that are not retired; finalized: one was sent in (an audit
    being corrected counts with its last finalized revision, as the maps show it)."""
    titles = {form: info.title for (form, _v), info in form_infos(db, campaign).items()}
    walked = _walk_days(db, campaign)
    head, submitted = submitted_revision()
    rows = db.execute(
        select(Audit.uuid, head.form_id, Audit.period, Audit.team, Audit.instance_name,
               Audit.created_at, submitted.is_not(None))
        .select_from(Audit).join(head, head.uuid == Audit.head_uuid)
        .where(Audit.campaign_uuid == campaign.uuid, head.status != RETIRED)
        .order_by(Audit.created_at, Audit.uuid))
    out: list[_Audit] = []
    for uuid, form_id, period, team, name, created, sent in rows:
        title = titles.get(form_id, form_id)
        out.append(_Audit(uuid, form_id, period or "", team or "", name or title,
                          walked.get(uuid) or _day(created), bool(sent), title))
    return out


def _walk_days(db: Session, campaign: Campaign) -> dict[str, date]:
    """The day each audit of the campaign was walked, as its answers say: its form's first
    date question outside any repeat (and not sensitive: the report is for officials), else
    the day the form was opened (``today``). An audit whose answers hold no such day is not
    in it (the day it was made stands in)."""
    # What was sent in, else the draft.
    heads = (join_submitted(select(AuditRevision.form_id, AuditRevision.form_version)
                            .distinct().select_from(Audit), else_current=True)
             .where(Audit.campaign_uuid == campaign.uuid))
    out: dict[str, date] = {}
    for form_id, version in db.execute(heads).all():
        form = form_definition(find_version(db, form_id, version))
        top = [e for e in form.questions() if not e.repeat_ancestors() and not e.sensitive]
        keys = [e.answer_key for e in top if e.qtype == "date"] + \
            [e.answer_key for e in top if e.metadata == "today"]
        keys = [k for k in keys if '"' not in k and "\\" not in k]  # XML names have none
        if not keys:
            continue
        day = func.coalesce(*(func.json_extract(AuditRevision.answers, f'$."{k}"')
                              for k in keys), None)
        for uuid, text in db.execute(
                join_submitted(select(Audit.uuid, day).select_from(Audit), else_current=True)
                .where(Audit.campaign_uuid == campaign.uuid,
                       AuditRevision.form_id == form_id,
                       AuditRevision.form_version == version)):
            with contextlib.suppress(TypeError, ValueError):  # not a day: made-on stands in
                out[uuid] = date.fromisoformat(str(text)[:10])
    return out


def _day(value: datetime | date) -> date:
    return value.date() if isinstance(value, datetime) else value


def _check_language(workspace: Workspace, campaign_id: str, language: str | None
                    ) -> str | None:
    """The language of the campaign's forms that ``language`` names (the first form's that
    has it), for the report's own words; None for None."""
    if not language:
        return None
    with workspace.transaction() as db:
        campaign = resolve_campaign(db, campaign_id)
        known: set[str] = set()
        for form_id, version in form_infos(db, campaign):
            form = form_definition(find_version(db, form_id, version))
            found = match_language(form, language)
            if found is not None:
                return found
            known.update(form.languages)
    raise UserError(_("the campaign's forms have no language '{language}' (known: "
                      "{known})").format(language=language, known=", ".join(sorted(known)) or "-"))


def _counts(audits: Iterable[_Audit], key: Callable[[_Audit], str]) -> list[CountRow]:
    tally: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for a in audits:
        tally[key(a)][{"day": 0, "night": 1}.get(a.period, 2)] += 1
    return [CountRow(label, *n) for label, n in sorted(tally.items())]


def _length_m(coords: list[LatLon]) -> float:
    total = 0.0
    for (lat1, lon1), (lat2, lon2) in pairwise(coords):
        dx = (lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2)) * _M_PER_DEG
        total += math.hypot(dx, (lat2 - lat1) * _M_PER_DEG)
    return total


def _area_km2(area_geojson: str) -> float | None:
    geometry = area_of(area_geojson)
    if geometry is None:
        return None
    k = math.cos(math.radians(geometry.centroid.y)) * _M_PER_DEG
    metres = shapely.transform(geometry, lambda xy: xy * [k, _M_PER_DEG])
    return float(metres.area) / 1e6


def _route_map(routes: list[ScoredSegment], sites: list[ScoredSite], overall: Parameter,
               areas: list[tuple[str, list[list[list[LatLon]]]]]) -> RouteMapData:
    lines = [RouteLine(s.coords, colour(s.score),
                       score_class(s.score) if s.score is not None else None) for s in routes]
    places = [Place("", s.location, colour(s.score)) for s in sites]
    points = [c for s in routes for c in s.coords] + [s.location for s in sites]
    bounds = ((min(p[0] for p in points), min(p[1] for p in points)),
              (max(p[0] for p in points), max(p[1] for p in points))) if points else None
    return RouteMapData(lines, [], bounds, legend(overall), _("Overall score"), "",
                        NO_DATA_COLOUR, places=places, areas=areas)


def _ward_of(routes: list[ScoredSegment], tree: STRtree) -> dict[_Key, int]:
    """The area (its position in ``tree``) that holds each drawn segment's midpoint, the
    first one where areas overlap; all segments in one query."""
    drawn = [s for s in routes if len(s.coords) > 1]
    if not drawn:
        return {}
    coords = np.asarray([(lon, lat) for s in drawn for lat, lon in s.coords])
    owner = np.repeat(np.arange(len(drawn)), [len(s.coords) for s in drawn])
    middles = shapely.line_interpolate_point(shapely.linestrings(coords, indices=owner), 0.5,
                                             normalized=True)
    out: dict[_Key, int] = {}
    for line, area in zip(*tree.query(middles, predicate="intersects").tolist(), strict=True):
        key = (drawn[line].audit_id, drawn[line].index)
        out[key] = min(area, out.get(key, area))
    return out


def _wards(workspace: Workspace, layer_ids: set[str], routes: list[ScoredSegment],
           scores: dict[str, dict[_Key, float]], labels: dict[str, str]
           ) -> tuple[str, list[str], list[tuple[str, list[Score]]],
                      list[tuple[str, list[list[list[LatLon]]]]]]:
    """The campaign's area layer's name, its areas' names, the mean score of each
    parameter in each area, and the areas' outlines for the map."""
    layer = next((r for r in list_layers(workspace)
                  if r["id"] in layer_ids and r["kind"] == "areas"), None)
    if layer is None:
        return "", [], [], []
    areas = read_areas(workspace.layers_dir / layer["file"])
    names = [a.name or str(k + 1) for k, a in enumerate(areas)]
    outlines = [(name, [[[(y, x) for x, y, *_z in ring.coords]
                         for ring in (part.exterior, *part.interiors)]
                        for part in getattr(a.geometry, "geoms", [a.geometry])
                        if part.geom_type == "Polygon"])
                for name, a in zip(names, areas, strict=True)]
    ward_of = _ward_of(routes, STRtree([a.geometry for a in areas]))
    table: list[tuple[str, list[Score]]] = []
    for key, by_segment in scores.items():
        sums: dict[int, list[float]] = defaultdict(list)
        for where, value in by_segment.items():
            if where in ward_of:
                sums[ward_of[where]].append(value)
        table.append((labels[key], [sum(v) / len(v) if (v := sums.get(k)) else None
                                    for k in range(len(areas))]))
    if not any(v is not None for _label, values in table for v in values):
        table = []  # no rated segment in any area: the report says so, not a table of "—"
    return str(layer["name"]), names, table, outlines


def _top_findings(workspace: Workspace, findings: list[MapFinding]
                  ) -> tuple[list[TopFinding], int]:
    """The :data:`TOP_FINDINGS` most severe findings; among equally severe ones those with
    a photo come first (evidence an official can see), then the oldest; unrated ones last.
    And how many findings left out are as severe as the last one shown."""
    thumbs_of = {id(f): [p for sha in f.photos
                         if (p := workspace.media.thumbnail_path(sha)).is_file()]
                 for f in findings if f.photos}
    ranked = sorted(findings, key=lambda f: (1.0 if f.severity is None else -f.severity,
                                             not thumbs_of.get(id(f))))
    out: list[TopFinding] = []
    for f in ranked[:TOP_FINDINGS]:
        thumbs = thumbs_of.get(id(f), [])
        severity = "—" if f.severity_raw is None else \
            f"{number(f.severity_raw, 'g')} / {number(f.severity_scale[1], 'g')}"
        out.append(TopFinding(f.category_label, severity, f.location, f.label, f.note,
                              thumbs[0] if thumbs else None))
    last = ranked[TOP_FINDINGS - 1].severity if len(ranked) > TOP_FINDINGS else None
    tied = sum(1 for f in ranked[TOP_FINDINGS:] if last is not None and f.severity == last)
    return out, tied


def _plans(workspace: Workspace, done: list[_Audit], said: dict[str, str]
           ) -> list[AgencyPlan]:
    """The action items of the campaign's finalized audits by agency (as the rest of the
    report counts audits); categories and agencies in the report's language where they
    are a form's own labels (``said``). One agency however its name was spaced or
    capitalised, named as most of its items spell it (the first, on a tie); groups in
    alphabetical order. An item whose finding is no longer in its audit is marked."""
    labels = {a.uuid: a.label for a in done}
    groups: dict[str, list[tuple[str, PlanRow]]] = {}
    for row in list_actions(workspace):
        if row["audit"] not in labels:
            continue
        agency = " ".join(said.get(row["agency"], row["agency"]).split())
        title = said.get(row["title"], row["title"])
        groups.setdefault(agency.casefold(), []).append((agency, PlanRow(
            labels[row["audit"]], row["finding"], row["recommendation"] or title,
            row["priority"], row["target"], row["status"], row["overdue"], title,
            finding_missing=row["finding_missing"])))
    plans: list[AgencyPlan] = []
    for key in sorted(groups, key=lambda k: (k == "", k)):  # the nameless group last
        spellings = Counter(name for name, _row in groups[key])
        name = spellings.most_common(1)[0][0] or _("(no agency given)")  # ties: first
        plans.append(AgencyPlan(name, [row for _name, row in groups[key]]))
    return plans


def _translations(db: Session, campaign: Campaign, language: str | None) -> dict[str, str]:
    """:func:`choice_translations_of` every form of the campaign."""
    return choice_translations_of((form_definition(find_version(db, form_id, version))
                                   for form_id, version in form_infos(db, campaign)),
                                  language)
