"""A campaign's PDF report: overview, map, wards, day and night, findings, plan, follow-up."""

from __future__ import annotations

from pathlib import Path
from typing import Any, BinaryIO

from reportlab.lib.units import cm  # type: ignore[import-untyped]
from reportlab.platypus import (  # type: ignore[import-untyped]
    CondPageBreak,
    Flowable,
    Image,
    PageBreak,
    Spacer,
)

from fieldsafe.i18n import _, ngettext, number, using_language
from fieldsafe.report.campaign_data import CampaignReportData, CountRow, PairRow, Score
from fieldsafe.report.campaign_map import campaign_drawing
from fieldsafe.report.page import MARGIN, build, page_size, table
from fieldsafe.report.text import cell, cut, finding_cell, fixed, para, status_word, styles, word

THUMB = 3.2 * cm
_WARD_COLUMNS = 5
Styles = dict[str, Any]


def build_campaign_report(data: CampaignReportData, out: BinaryIO | Path,
                          paper: str = "a4") -> None:
    """Write the campaign's report as a PDF to ``out`` (a file object or a path), its own
    words in ``data.language``."""
    with using_language(data.language):
        _build(data, out, paper)


def _build(data: CampaignReportData, out: BinaryIO | Path, paper: str) -> None:
    width = page_size(paper)[0] - 2 * MARGIN
    st = styles()
    story: list[Flowable] = []
    # With no finalized audit there is nothing to map or compare: the overview says so.
    sections = (_overview, _map, _wards, _day_night, _findings, _plan, _follow_up) \
        if data.audits else (_overview,)
    for section in sections:
        story += section(data, st, width)
    title = _("Campaign report: {name}").format(name=cut(data.name, 200))
    footer = _("generated {date} · FieldSafe {version}").format(
        date=data.today.isoformat(), version=data.version)
    subtitle = ngettext("{n} finalized audit, {first} – {last}",
                        "{n} finalized audits, {first} – {last}", data.audits).format(
        n=data.audits, first=data.first_date, last=data.last_date) if data.audits else \
        _("no finalized audits yet")
    build(str(out) if isinstance(out, Path) else out, story, paper=paper, title=title,
          subtitle=subtitle, footer=footer)


def _score(value: Score) -> str:
    return "—" if value is None else number(value)


def _grid(heads: list[str], rows: list[list[str]], shares: list[float], st: Styles,
          width: float) -> Flowable:
    widths = [width * s for s in shares]
    cells: list[list[Any]] = [[fixed(h, st["cellbold"]) for h in heads]]
    cells += [[cell(v, st["cell"], w) for v, w in zip(row, widths, strict=True)]
              for row in rows]
    return table(cells, widths)


def _counts(head: str, rows: list[CountRow], st: Styles, width: float) -> Flowable:
    # the form asks no day-or-night question, or it was not answered
    return _grid([head, _("Day"), _("Night"), _("Not recorded"), _("Total")],
                 [[r.label, str(r.day), str(r.night), str(r.other), str(r.total)]
                  for r in rows], [0.52, 0.12, 0.12, 0.12, 0.12], st, width)


def _overview(data: CampaignReportData, st: Styles, width: float) -> list[Flowable]:
    area = "—" if data.area_km2 is None else f"{number(data.area_km2)} km²"
    facts = [(_("Finalized audits"), str(data.audits)),
             (_("Dates"), f"{data.first_date} – {data.last_date}" if data.audits else "—"),
             (_("Walked length (sum of the routes)"), f"{number(data.walked_km)} km"),
             (_("Campaign area"), area), (_("Findings"), str(data.findings_total))]
    rows = [[fixed(k, st["cellbold"]), para(v, st["cell"])] for k, v in facts]
    grid = table(rows, [width * 0.4, width * 0.6], header=False)
    note = _("Only finalized audits are counted; {n} draft or retired audits are left "
             "out. Answers, places and photos marked sensitive in the forms are left out "
             "too.").format(n=data.drafts)
    out = [fixed(_("Campaign report"), st["title"]), para(data.name, st["h1"], 300), grid,
           Spacer(1, 4), fixed(note, st["muted"])]
    if not data.audits:
        return [*out, fixed(_("No audit of this campaign has been finalized yet, so there is "
                              "nothing to count, map or compare."), st["body"])]
    return [*out, fixed(_("Audits by form"), st["h2"]),
            _counts(_("Form"), data.by_form, st, width), fixed(_("Audits by team"), st["h2"]),
            _counts(_("Team"), data.by_team, st, width)]


def _map(data: CampaignReportData, st: Styles, width: float) -> list[Flowable]:
    return [PageBreak(), fixed(_("Map of all routes"), st["h1"]),
            campaign_drawing(data.route_map, data.dark_spots, data.hotspots, width,
                             min(width * 0.95, 480)), Spacer(1, 4),
            fixed(_("Segments are coloured by the overall score (normalised, worst to best) "
                    "and drawn thicker the worse they are; where audits overlap the worst "
                    "score is on top, so that no problem hides under a better rating (the "
                    "follow-up table shows what changed). Squares are audits of a place "
                    "rather than a route (a site), coloured by their overall score."),
                  st["muted"]),
            *([fixed(_("The map shows the {shown} largest of the {total} hotspots.").format(
                shown=len(data.hotspots), total=data.hotspots_total), st["muted"])]
              if data.hotspots_total > len(data.hotspots) else [])]


def _wards(data: CampaignReportData, st: Styles, width: float) -> list[Flowable]:
    out: list[Flowable] = [CondPageBreak(6 * cm), fixed(_("Scores by area"), st["h1"])]
    if not data.wards:
        return [*out, fixed(_("The campaign has no area layer, so scores are not split by "
                              "area."), st["body"])]
    if not data.ward_scores:
        return [*out, para(_("No rated segment lies in the areas of the layer \"{layer}\" "
                             "yet.").format(layer=data.ward_layer), st["body"])]
    out.append(para(_("Mean score (0 worst, 1 best) of the segments whose midpoint lies in "
                      "each area of the layer \"{layer}\"; — where no segment is rated.")
                    .format(layer=data.ward_layer), st["muted"]))
    for start in range(0, len(data.wards), _WARD_COLUMNS):
        names = data.wards[start:start + _WARD_COLUMNS]
        share = 0.7 / _WARD_COLUMNS
        rows = [[label, *(_score(v) for v in values[start:start + _WARD_COLUMNS])]
                for label, values in data.ward_scores]
        out += [_grid([_("Parameter"), *names], rows, [0.3] + [share] * len(names), st,
                      width), Spacer(1, 6)]
    return out


def _change(r: PairRow, verdict: bool) -> str:
    if r.first is None or r.second is None:
        return "—"
    delta = r.second - r.first
    word = "" if not verdict or not _moved(r) else \
        " " + (_("better") if delta > 0 else _("worse"))
    return f"{number(delta, '+.2f')}{word}"


def _moved(r: PairRow) -> bool:
    """Whether the score changed by as much as the report shows (0.005)."""
    return r.first is not None and r.second is not None and abs(r.second - r.first) >= 0.005


def _pairs(heads: list[str], rows: list[PairRow], st: Styles, width: float) -> Flowable:
    lines = [[r.label, _score(r.first), _score(r.second), _change(r, False), str(r.segments)]
             for r in rows]
    return _grid(heads, lines, [0.36, 0.14, 0.14, 0.2, 0.16], st, width)


def _day_night(data: CampaignReportData, st: Styles, width: float) -> list[Flowable]:
    out: list[Flowable] = [CondPageBreak(6 * cm), fixed(_("Day and night"), st["h1"])]
    if not data.day_night:
        return [*out, fixed(_("No street was audited both by day and by night."), st["body"])]
    out.append(fixed(ngettext(
        "Segments audited by day and by night with the same form, matched within the "
        "campaign's tolerance ({n} pair of audits); mean scores, 0 worst to 1 best.",
        "Segments audited by day and by night with the same form, matched within the "
        "campaign's tolerance ({n} pairs of audits); mean scores, 0 worst to 1 best.",
        data.day_night_pairs).format(n=data.day_night_pairs), st["muted"]))
    heads = [_("Parameter"), _("Day"), _("Night"), _("Night − day"), _("Matched segments")]
    out.append(_pairs(heads, data.day_night, st, width))
    if data.day_night_walks:
        out += [Spacer(1, 6), fixed(_("Where: each pair of walks, the mean overall score of "
                                      "the segments they share, the largest fall at night "
                                      "first."), st["muted"])]
        if data.day_night_walks_left_out:
            out.append(fixed(ngettext(
                "{n} more pair, whose score falls less at night, is not shown.",
                "{n} more pairs, whose score falls less at night, are not shown.",
                data.day_night_walks_left_out).format(n=data.day_night_walks_left_out),
                st["muted"]))
        rows = [[w.day_walk, w.night_walk, _score(w.day), _score(w.night),
                 _change(PairRow("", w.day, w.night, w.segments), False), str(w.segments)]
                for w in data.day_night_walks]
        out.append(_grid([_("Day walk"), _("Night walk"), _("Day"), _("Night"),
                          _("Night − day"), _("Segments")], rows,
                         [0.27, 0.27, 0.1, 0.1, 0.14, 0.12], st, width))
    return out


def _findings(data: CampaignReportData, st: Styles, width: float) -> list[Flowable]:
    out: list[Flowable] = [CondPageBreak(6 * cm), fixed(_("Top findings by severity"),
                                                       st["h1"])]
    if not data.findings:
        return [*out, fixed(_("No findings were recorded."), st["body"])]
    shown = _("The campaign's only finding.") if data.findings_total == 1 else ngettext(
        "The most severe of {total} findings.", "The {n} most severe of {total} findings.",
        len(data.findings)).format(n=len(data.findings), total=data.findings_total)
    if data.findings_tied:
        shown += " " + ngettext(
            "{n} more finding is as severe as the last one shown.",
            "{n} more findings are as severe as the last one shown.",
            data.findings_tied).format(n=data.findings_tied)
    out.append(fixed(shown, st["muted"]))
    text_w = width - THUMB - 12
    rows: list[list[Any]] = [[fixed(_("Finding"), st["cellbold"]),
                              fixed(_("Photo"), st["cellbold"])]]
    for rank, f in enumerate(data.findings, 1):
        where = "—" if f.location is None else f"{f.location[0]:.5f}, {f.location[1]:.5f}"
        head = _("{n}. {category} · severity {severity}").format(
            n=rank, category=f.category or _("(no category)"), severity=f.severity)
        body = [para(head, st["cellbold"], 300),
                para(_("Location: {where} · {audit}").format(where=where, audit=f.audit),
                     st["small"], 400),
                cell(f.note or "—", st["cell"], text_w)]
        photo: Any = ""
        if f.thumbnail is not None:
            photo = Image(str(f.thumbnail), width=THUMB, height=THUMB, kind="proportional")
        rows.append([body, photo])
    return [*out, table(rows, [text_w, THUMB + 12])]


def _plan(data: CampaignReportData, st: Styles, width: float) -> list[Flowable]:
    out: list[Flowable] = [PageBreak() if data.plans else CondPageBreak(2 * cm),
                           fixed(_("Action plan: a clear plan with targets"), st["h1"])]
    if not data.plans:
        return [*out, fixed(_("No action items have been made from the findings yet."),
                            st["body"])]
    out.append(fixed(_("Progress against the target dates, by responsible agency "
                       "(overdue: not done and past its target date)."), st["muted"]))
    summary = [[p.agency, str(len(p.rows)), str(p.count("done")), str(p.count("in-progress")),
                str(p.count("open")), str(p.overdue)] for p in data.plans]
    out.append(_grid([_("Agency"), _("Actions"), _("Done"), _("In progress"), _("Open"),
                      _("Overdue")], summary, [0.4, 0.12, 0.12, 0.12, 0.12, 0.12], st, width))
    heads = [_("Audit"), _("Finding"), _("Action"), _("Priority"), _("Target date"),
             _("Status")]
    for plan in data.plans:
        rows = [[r.audit, finding_cell(r.finding, r.finding_title, r.finding_missing),
                 r.action, word(r.priority), r.target or "—",
                 status_word(r.status, r.overdue)]
                for r in plan.rows]
        out += [CondPageBreak(4 * cm), para(plan.agency, st["h2"], 300),
                _grid(heads, rows, [0.2, 0.16, 0.26, 0.1, 0.13, 0.15], st, width)]
    return out


def _follow_up(data: CampaignReportData, st: Styles, width: float) -> list[Flowable]:
    out: list[Flowable] = [CondPageBreak(6 * cm),
                           fixed(_("Follow-up: what got better, what got worse"), st["h1"])]
    if not data.follow_up:
        return [*out, fixed(_("No street has been audited again later with the same form "
                              "yet."), st["body"])]
    out.append(fixed(_("Streets audited again later with the same form, in the order they "
                       "were walked: each walk against the last walk of the same segments "
                       "before it, matched segment by segment. Mean overall score of the "
                       "matched segments before and after (0 worst, 1 best), and the "
                       "parameters that changed most."), st["muted"]))
    if data.follow_up_left_out:
        out.append(fixed(ngettext(
            "{n} more follow-up, whose overall score changed less, is not shown.",
            "{n} more follow-ups, whose overall score changed less, are not shown.",
            data.follow_up_left_out).format(n=data.follow_up_left_out), st["muted"]))
    heads = [_("Walks compared"), _("Before"), _("After"), _("Change"),
             _("Changed most"), _("Segments")]
    rows = []
    for f in data.follow_up:
        o = f.overall
        # Why none, when none: a parameter is scored only on the segments where it was
        # rated (an audit point), the overall score on the whole route.
        most = "; ".join(f"{r.label} {_change(r, False)}" for r in f.changes[:3]
                         if _moved(r)) or (
            _("no parameter changed") if any(r.first is not None and r.second is not None
                                             for r in f.changes)
            else _("no parameter rated on these segments in both walks"))
        segments = o.segments if o is not None else max((r.segments for r in f.changes),
                                                         default=0)
        rows.append([f.where, _score(o.first if o else None), _score(o.second if o else None),
                     _change(o, True) if o is not None else "—", most, str(segments)])
    return [*out, _grid(heads, rows, [0.28, 0.09, 0.09, 0.13, 0.28, 0.13], st, width)]
