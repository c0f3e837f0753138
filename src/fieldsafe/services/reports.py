"""PDF reports: gather an audit's data for the report package and write the file safely."""

from __future__ import annotations

import contextlib
import dataclasses
import math
import re
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

from shapely.geometry import LineString
from sqlalchemy import select

from fieldsafe import __version__
from fieldsafe.errors import UserError
from fieldsafe.forms.model import FormDef, FormElement, pick_translation
from fieldsafe.geo.geodesy import length_m
from fieldsafe.geo.odk import parse_geoshape
from fieldsafe.i18n import _, number, using_language
from fieldsafe.outputs import write_atomically
from fieldsafe.report.backdrop import Backdrop
from fieldsafe.report.data import (
    ActionRow,
    AuditReportData,
    FindingItem,
    Place,
    RouteLine,
    RouteMapData,
    ScoreItem,
)
from fieldsafe.services.actions import found_findings, is_overdue
from fieldsafe.services.form_library import find_version, form_definition
from fieldsafe.services.map_data import audit_map
from fieldsafe.services.map_forms import (
    OVERALL,
    Rated,
    form_info,
    instances,
    match_language,
    whole_score,
)
from fieldsafe.services.map_palette import NO_DATA_COLOUR, colour, legend, score_class
from fieldsafe.services.map_types import AuditMap, Parameter
from fieldsafe.services.records import resolve_audit
from fieldsafe.services.report_answers import answer_rows, display
from fieldsafe.services.workspace import Workspace
from fieldsafe.storage.models import ActionItem, AuditRevision, Campaign, FormVersion

PAPERS = ("a4", "letter")


def audit_report(workspace: Workspace, audit_id: str, out: Path, *,
                 language: str | None = None, include_sensitive: bool = False,
                 paper: str = "a4") -> Path:
    """Write the PDF report of one audit to ``out``; the path written. ``language`` is a
    language code ("fr") or name ("French (fr)") of the form, for its labels and answers
    and for the report's own words (FieldSafe's language when None); sensitive answers are
    left out unless ``include_sensitive``. The file appears whole or not at all."""
    from fieldsafe.report.audit_report import build_audit_report

    if paper not in PAPERS:
        raise UserError(_("paper must be one of {known}").format(known=", ".join(PAPERS)))
    data = audit_report_data(workspace, audit_id, language=language,
                             include_sensitive=include_sensitive)
    return write_atomically(Path(out), lambda handle: build_audit_report(data, handle, paper))


def pick_language(form: FormDef, language: str | None) -> str:
    """The form's language named by a code ("fr") or a name; its default for None."""
    if not language:
        return form.default_language
    found = match_language(form, language)
    if found is not None:
        return found
    raise UserError(_("form '{form_id}' has no language '{language}' (known: {known})").format(
        form_id=form.form_id, language=language, known=", ".join(form.languages) or "-"))


def audit_report_data(workspace: Workspace, audit_id: str, *, language: str | None = None,
                      include_sensitive: bool = False) -> AuditReportData:
    """Everything the audit's report shows, read from the workspace: the form's labels and
    the report's own words in ``language`` (see :func:`audit_report`)."""
    with workspace.transaction() as db:
        audit = resolve_audit(db, audit_id)
        head = db.get(AuditRevision, audit.head_uuid)
        assert head is not None
        form = form_definition(find_version(db, head.form_id, head.form_version))
        campaign = db.get(Campaign, audit.campaign_uuid) if audit.campaign_uuid else None
        campaign_layers = list(campaign.layer_uuids) if campaign is not None else []
        items = list(db.scalars(select(ActionItem).where(ActionItem.audit_uuid == audit.uuid)
                                .order_by(ActionItem.finding_index, ActionItem.created_at)))
        found = found_findings(db, items)  # where removed or moved findings are now
        # By finding; a finding's items by target date (undated last), as the plan reads.
        items.sort(key=lambda a: (found[a.uuid] or a.finding_index, a.target_date is None,
                                  a.target_date or date.min, a.created_at))
        answers: dict[str, Any] = dict(head.answers)
        uuid, team, status, name = audit.uuid, head.team, head.status, audit.instance_name
        saved = head.saved_at
    lang = pick_language(form, language)
    words = lang if language else None
    with using_language(words):
        amap = audit_map(workspace, uuid, lang, include_sensitive=include_sensitive)
        spans = segment_spans(amap)
        overall, scores, score_el = _scores(form, answers, lang, include_sensitive)
        period = _period(form, answers, lang, amap)
        route_map = _backdropped(_route_map(amap, form,
                                            _outlines(form, answers, include_sensitive)),
                                 workspace, campaign_layers)
        answer_list = answer_rows(form, answers, lang, include_sensitive)
        participants = _participants(form, answers, lang, include_sensitive)
    said = choice_translations(form, lang)
    today = date.today()
    actions = [ActionRow(found.get(a.uuid) or a.finding_index,
                         a.recommendation or said.get(a.title, a.title),
                         said.get(a.agency, a.agency), a.priority,
                         a.target_date.isoformat() if a.target_date else "", a.status,
                         is_overdue(a, today), finding_missing=found.get(a.uuid) is None,
                         finding_title=said.get(a.title, a.title))
               for a in items]
    return AuditReportData(
        audit_id=uuid, campaign=campaign.name if campaign else "", form_title=form.title,
        method=form.method, area=_area(form, answers, include_sensitive),
        date=_first(form, answers, "date") or saved.date().isoformat(),
        time=_first(form, answers, "time")[:5], period=period,
        team=team, status=status,
        participants=participants,
        route_map=route_map, scores=scores, overall=overall,
        score_method=pick_translation(score_el.hints, lang) if score_el is not None else "",
        score_formula=f"{score_el.name} = {score_el.calculation}"
        if score_el is not None and score_el.calculation else "",
        findings=[FindingItem(
            f.number, f.category_label, _severity(f.severity_raw, f.severity_scale),
            f.location, f.segment, f.note, f.recommendation, f.agency,
            [workspace.media.thumbnail_path(sha) for sha in f.photos],
            spans.get(f.segment) if f.segment is not None else None)
            for f in amap.findings],
        actions=actions, answers=answer_list,
        name=name, generated=date.today(), version=__version__,
        sensitive_included=include_sensitive,
        language=words)


def segment_spans(amap: AuditMap) -> dict[int, tuple[float, float]]:
    """Where each route segment lies along the walk, in metres from the start: the map
    does not number segments, so a finding's "segment 12" is told as "550–600 m"."""
    out: dict[int, tuple[float, float]] = {}
    walked = 0.0
    for segment in sorted(amap.segments, key=lambda s: s.index):
        lon_lat = [(lon, lat) for lat, lon in segment.coords]
        length = length_m(LineString(lon_lat)) if len(lon_lat) > 1 else 0.0
        out[segment.index] = (walked, walked + length)
        walked += length
    return out


def with_backdrop(route_map: RouteMapData, workspace: Workspace,
                  campaign_layers: list[object]) -> RouteMapData:
    """The map with the basemap picture under it, where a workspace basemap covers it,
    and that basemap's credit (whichever basemap it is: the campaign's, else the first)."""
    from fieldsafe.services.layers import attribution, basemap_layer

    found = basemap_layer(workspace, campaign_layers)
    backdrop = basemap_backdrop(found[1], route_map.bounds) if found is not None else None
    credit = credit_line(attribution(found[0])) if found is not None and backdrop else ""
    return dataclasses.replace(route_map, backdrop=backdrop, attribution=credit)


def _backdropped(route_map: RouteMapData | None, workspace: Workspace,
                 campaign_layers: list[object]) -> RouteMapData | None:
    return None if route_map is None else with_backdrop(route_map, workspace, campaign_layers)


def basemap_backdrop(basemap: Path,
                     bounds: tuple[tuple[float, float], tuple[float, float]] | None
                     ) -> Backdrop | None:
    """The picture of the MBTiles ``basemap`` for a report map around ``bounds`` (the
    bounds' size again on each side, and wider east and west, so that it fills the map's
    box whatever its shape)."""
    if bounds is None:
        return None
    from fieldsafe.report.backdrop import make_backdrop

    (south, west), (north, east) = bounds
    side = max(north - south, east - west, 0.002)
    middle_lat, middle_lon = (south + north) / 2, (west + east) / 2
    # A degree of longitude is shorter than one of latitude, and a map that fits below a
    # cover is up to about twice as wide as tall: half as much again to the east and west.
    wide = side * 1.5 / max(0.2, math.cos(math.radians(middle_lat)))
    return make_backdrop(basemap, middle_lat - side, middle_lon - wide, middle_lat + side,
                         middle_lon + wide)


def _severity(raw: float | None, scale: tuple[float, float]) -> str:
    return "" if raw is None else f"{number(raw, 'g')} / {number(scale[1], 'g')}"


def _top(form: FormDef) -> list[FormElement]:
    """The questions outside any repeat, in form order."""
    return [e for e in form.questions() if not e.repeat_ancestors()]


def _first(form: FormDef, answers: dict[str, Any], qtype: str) -> str:
    for element in _top(form):
        if element.qtype == qtype and answers.get(element.answer_key) not in (None, ""):
            return str(answers[element.answer_key])
    return ""


def _area(form: FormDef, answers: dict[str, Any], include_sensitive: bool) -> str:
    """The answer named "area", else the first text question answered (not sensitive)."""
    area = form.by_key().get("area")
    if area is not None and (include_sensitive or not area.sensitive) and answers.get("area"):
        return str(answers["area"])
    for element in _top(form):
        if element.qtype == "text" and (include_sensitive or not element.sensitive) \
                and answers.get(element.answer_key):
            return str(answers[element.answer_key])
    return ""


def _period(form: FormDef, answers: dict[str, Any], lang: str, amap: AuditMap) -> str:
    for element in form.with_role("period"):
        if answers.get(element.answer_key):
            return display(element, answers[element.answer_key], lang)
    return amap.period


def _participants(form: FormDef, answers: dict[str, Any], lang: str,
                  include_sensitive: bool) -> list[tuple[str, str]]:
    """Counts (role "participants") and bands (select_multiple lists of bands) only."""
    out: list[tuple[str, str]] = []
    for element in _top(form):
        if element.sensitive and not include_sensitive:
            continue
        band = element.qtype == "select_multiple" and "band" in element.list_name
        if (element.role == "participants" or band) and answers.get(
                element.answer_key) not in (None, ""):
            out.append((element.label(lang) or element.name,
                        display(element, answers[element.answer_key], lang)))
    return out


def _scores(form: FormDef, answers: dict[str, Any], lang: str, include_sensitive: bool
            ) -> tuple[ScoreItem | None, list[ScoreItem], FormElement | None]:
    """The overall score, the rated parameters, and the question of the overall score.
    Where a form scores each audit point and the whole audit (SafetiPin's stop and route
    scores), the overall score is the whole audit's, as the form computed it."""
    by_key = {(tuple(r.answer_key for r in e.repeat_ancestors()), e.answer_key): e
              for e in form.questions()}
    shown = [(rated, by_key.get((rated.repeats, rated.name))) for rated in form_info(form).rated]
    shown = [(r, e) for r, e in shown if e is None or include_sensitive or not e.sensitive]
    scores = [_score_item(r, e, answers, lang) for r, e in shown if r.key != OVERALL]
    chosen = whole_score(r for r, _e in shown)
    if chosen is None:
        return None, scores, None
    element = next(e for r, e in shown if r is chosen)
    return _score_item(chosen, element, answers, lang), scores, element


def _score_item(rated: Rated, element: FormElement | None, answers: dict[str, Any],
                lang: str) -> ScoreItem:
    numbers = [n for _p, a in instances(answers, rated.repeats)
               if (n := rated.number(a.get(rated.name))) is not None]
    value = sum(numbers) / len(numbers) if numbers else None
    label = (element.label(lang) if element is not None else "") or rated.label
    if rated.key == OVERALL:
        label = _("Overall score")
    return ScoreItem(label, value, rated.scale[0], rated.scale[1], rated.higher_is_better,
                     colour(rated.score(value) if value is not None else None),
                     tuple(numbers))


def _outlines(form: FormDef, answers: dict[str, Any], include_sensitive: bool
              ) -> list[list[tuple[float, float]]]:
    """The areas drawn in the form's shape questions outside any repeat (a site's edge),
    as (lat, lon) rings; sensitive ones only when asked for."""
    out: list[list[tuple[float, float]]] = []
    for element in _top(form):
        text = answers.get(element.answer_key)
        if element.qtype == "geoshape" and isinstance(text, str) and text.strip() and (
                include_sensitive or not element.sensitive):
            with contextlib.suppress(ValueError):  # saved answers are checked; be safe
                ring = parse_geoshape(text).exterior.coords
                out.append([(float(y), float(x)) for x, y, *_z in ring])
    return out


def _route_map(amap: AuditMap, form: FormDef,
               outlines: list[list[tuple[float, float]]]) -> RouteMapData | None:
    markers = [(f.number, f.location) for f in amap.findings if f.location is not None]
    # A point of a repeat (SafetiPin's audit points) by its number, as the appendix numbers
    # it: the full labels of many points would print over each other.
    places = [Place(numbers[-1] if (numbers := re.findall(r"\[(\d+)\]", p.question))
                    else p.label, p.location) for p in amap.points]
    if not amap.segments and not markers and not places and not outlines:
        return None
    rated = next((r for r in form_info(form).rated if r.key == OVERALL), None)
    parameter = Parameter(OVERALL, _("Overall score"), *rated.scale, rated.higher_is_better) \
        if rated is not None else Parameter(OVERALL, _("Overall score"), 0.0, 1.0, True, True)
    lines = [RouteLine(s.coords, colour(s.score),
                       score_class(s.score) if s.score is not None else None)
             for s in amap.segments]
    ends = (amap.segments[0].coords[0], amap.segments[-1].coords[-1]) \
        if amap.segments and amap.segments[0].coords and amap.segments[-1].coords else None
    return RouteMapData(lines, markers, amap.bounds, legend(parameter), parameter.label,
                        "", NO_DATA_COLOUR, places=places,
                        outlines=outlines, ends=ends)


def choice_translations(form: FormDef, lang: str) -> dict[str, str]:
    """The labels of the form's finding categories and agencies in its default language,
    each with its label in ``lang``: an action item keeps the words of the language it was
    made in ("Transport authority"), and a report in French shows "Autorité des transports"
    as the finding above it does. Empty when ``lang`` is the default."""
    default, chosen = form_info(form), form_info(form, lang)
    if default is chosen or default.finding is None or chosen.finding is None:
        return {}
    out: dict[str, str] = {}
    for mine, theirs in ((default.finding.category_labels, chosen.finding.category_labels),
                         (default.finding.agency_labels, chosen.finding.agency_labels)):
        for name, label in mine.items():
            if name in theirs:
                out.setdefault(label, theirs[name])
    return out


def workspace_choice_translations(workspace: Workspace, language: str) -> dict[str, str]:
    """:func:`choice_translations_of` every form of the workspace: what the desktop's action
    plan shows an item's category and agency as, in the language the app speaks."""
    with workspace.transaction() as db:
        forms = [form_definition(r) for r in db.scalars(select(FormVersion)
                                                        .order_by(FormVersion.id))]
    return choice_translations_of(forms, language)


def choice_translations_of(forms: Iterable[FormDef], language: str | None) -> dict[str, str]:
    """:func:`choice_translations` of several forms in one, for ``language`` (a code, "fr",
    or a form's language name); the first form's word where two translate one label
    differently; empty for no language."""
    out: dict[str, str] = {}
    for form in forms if language else ():
        for mine, theirs in choice_translations(form, language or "").items():
            out.setdefault(mine, theirs)
    return out


def credit_line(attribution: str) -> str:
    """The map's credit line for the basemap's attribution ("" for none)."""
    return _("Basemap: {text}").format(text=attribution) if attribution else ""
