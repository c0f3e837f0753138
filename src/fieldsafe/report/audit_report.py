"""One audit's PDF summary for officials: cover, route map, scores, findings, actions, answers."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any, BinaryIO

from reportlab.graphics.shapes import Circle, Drawing, Rect, String  # type: ignore[import-untyped]
from reportlab.lib import colors  # type: ignore[import-untyped]
from reportlab.lib.units import cm  # type: ignore[import-untyped]
from reportlab.pdfbase.pdfmetrics import stringWidth  # type: ignore[import-untyped]
from reportlab.platypus import (  # type: ignore[import-untyped]
    CondPageBreak,
    Flowable,
    Image,
    KeepTogether,
    Spacer,
)

from fieldsafe.i18n import _, number, using_language
from fieldsafe.report.data import AuditReportData, FindingItem, ScoreItem
from fieldsafe.report.fonts import REGULAR
from fieldsafe.report.page import MARGIN, FittedDrawing, build, page_size, table
from fieldsafe.report.route_map import route_drawing
from fieldsafe.report.text import (
    cell,
    cut,
    finding_cell,
    fixed,
    para,
    paras,
    status_word,
    styles,
    word,
)

THUMB_MAX = 5 * cm
_KEEP_CHARS = 1500  # rows shorter than this are kept with their heading
_BAR_W = 170.0


def build_audit_report(data: AuditReportData, out: BinaryIO | Path, paper: str = "a4") -> None:
    """Write the audit's report as a PDF to ``out`` (a file object or a path), its own words
    in ``data.language``."""
    with using_language(data.language):
        _build(data, out, paper)


def _build(data: AuditReportData, out: BinaryIO | Path, paper: str) -> None:
    width = page_size(paper)[0] - 2 * MARGIN
    st = styles()
    story: list[Flowable] = []
    story += _cover(data, st, width)
    story += _route(data, st, width)
    story += _scores(data, st, width)
    story += _findings(data, st, width)
    story += _actions(data, st, width)
    story += _appendix(data, st, width)
    title = _("Audit report: {form}").format(form=cut(data.form_title, 200))
    footer = _("generated {date} · FieldSafe {version}").format(
        date=data.generated.isoformat(), version=data.version)
    target = str(out) if isinstance(out, Path) else out
    # Every page says which audit it is (loose printed pages can be sorted again): the
    # campaign, then the audit's name; where they do not fit, the header cuts the campaign
    # first, then the name in its middle, so that it keeps its period and date.
    which = " · ".join(t for t in (data.campaign, data.name or data.audit_id[:8]) if t)
    build(target, story, paper=paper, title=title, subtitle=cut(which, 300), footer=footer)


def _facts(rows: list[tuple[str, str]], st: dict[str, Any], width: float) -> Flowable:
    cells = [[cell(label, st["cellbold"], width * 0.3),
              cell(value or "—", st["cell"], width * 0.7)] for label, value in rows]
    return table(cells, [width * 0.3, width * 0.7], header=False)


def _cover(data: AuditReportData, st: dict[str, Any], width: float) -> list[Flowable]:
    out: list[Flowable] = [fixed(_("Audit report"), st["title"]),
                           para(data.form_title, st["h1"], 300)]
    rows = [(_("Campaign"), data.campaign), (_("Form"), data.form_title),
            (_("Method"), data.method), (_("Area"), data.area), (_("Date"), data.date),
            (_("Time"), data.time), (_("Day or night"), word(data.period)),
            (_("Team"), data.team), (_("Status"), word(data.status)),
            (_("Audit ID"), data.audit_id)]
    rows += [(label, value) for label, value in data.participants]
    out += [_facts(rows, st, width), Spacer(1, 6)]
    if data.sensitive_included:
        out.append(fixed(_("This report includes answers marked sensitive. Do not share it "
                           "beyond the people entitled to see them."), st["muted"]))
    else:
        out.append(fixed(_("Answers marked sensitive in the form are left out. No "
                           "participant is named: the cover gives the group's size, and its "
                           "bands where the form records them and they are not sensitive; "
                           "the other answers are in the appendix."), st["muted"]))
    return out


def _route(data: AuditReportData, st: dict[str, Any], width: float) -> list[Flowable]:
    if data.route_map is None:
        return []
    height = min(width * 0.75, 380)
    if data.route_map.lines:
        heading = _("Route")
        caption = _("Segments are coloured by the overall score and drawn thicker the worse "
                    "they are; numbered circles are the findings below.")
        if data.route_map.places:
            caption += " " + _("Black squares are the other places the form located (audit "
                               "points are numbered as in the appendix).")
    else:
        heading = _("Map")
        caption = _("Black squares are the places the form located (a site, an audit "
                    "point), dashed outlines the areas drawn; numbered circles are the "
                    "findings below.")
    # The map takes the room left on the page (down to two thirds of its height) and
    # else goes, with its heading, to the next page.
    smallest = height * 2 / 3
    route_map = data.route_map
    return [CondPageBreak(smallest + 3 * cm), fixed(heading, st["h1"]),
            FittedDrawing(lambda w, h: route_drawing(route_map, w, h), width, height,
                          smallest, reserve=1.5 * cm),
            Spacer(1, 4), fixed(caption, st["muted"])]


def _bar(item: ScoreItem) -> Drawing:
    """The mean as a bar on the instrument's scale; where the form rates several points,
    a dot above it for each answer (with how many gave it), so the spread shows too."""
    spread = len(item.values) > 1
    drawing = Drawing(_BAR_W + 60, 26 if spread else 18)
    span = item.scale_max - item.scale_min or 1.0

    def x(value: float) -> float:
        return _BAR_W * min(1.0, max(0.0, (value - item.scale_min) / span))

    drawing.add(Rect(0, 5, _BAR_W, 9, fillColor=colors.HexColor("#EEEEEE"),
                     strokeColor=colors.HexColor("#888888"), strokeWidth=0.5))
    if item.value is not None:
        drawing.add(Rect(0, 5, x(item.value), 9, fillColor=colors.HexColor(item.colour),
                         strokeColor=colors.black, strokeWidth=0.5))
    for value, anchor, at in ((item.scale_min, "start", 0.0), (item.scale_max, "end", _BAR_W)):
        drawing.add(String(at, -3, number(value, "g"), fontName=REGULAR, fontSize=6,
                           textAnchor=anchor))
    if spread:
        for value, count in sorted(Counter(item.values).items()):
            drawing.add(Circle(x(value), 18.5, 2.2, fillColor=colors.black,
                               strokeColor=None))
            if count > 1:
                drawing.add(String(x(value) + 3, 20, f"×{count}", fontName=REGULAR,
                                   fontSize=5.5))
    text = "—" if item.value is None else number(round(item.value, 2), "g")
    drawing.add(String(_BAR_W + 6, 6, text, fontName=REGULAR, fontSize=8.5))
    if spread:
        drawing.add(String(_BAR_W + 9 + stringWidth(text, REGULAR, 8.5), 6,
                           _("mean of {n}").format(n=len(item.values)), fontName=REGULAR,
                           fontSize=6))
    return drawing


def _direction(item: ScoreItem) -> str:
    return _("higher is better") if item.higher_is_better else _("lower is better")


def _scores(data: AuditReportData, st: dict[str, Any], width: float) -> list[Flowable]:
    if not data.scores and data.overall is None:
        return []
    out: list[Flowable] = [CondPageBreak(6 * cm), fixed(_("Scores"), st["h1"])]
    if data.overall is not None:
        item = data.overall
        value = "—" if item.value is None else number(item.value, "g")
        out.append(fixed(_("{label}: {value} on a scale of {low} to {high} ({direction})")
                         .format(label=item.label, value=value,
                                 low=number(item.scale_min, "g"),
                                 high=number(item.scale_max, "g"),
                                 direction=_direction(item)), st["h2"]))
    if data.score_method:
        out.append(fixed(_("How it is computed:"), st["small"]))
        out += paras(data.score_method, st["body"])
    elif data.score_formula:
        out.append(fixed(_("The form's formula:"), st["small"]))
        out += paras(data.score_formula, st["muted"])
    rows: list[list[Any]] = [[fixed(_("Parameter"), st["cellbold"]),
                              fixed(_("Value on the instrument's scale"), st["cellbold"])]]
    for item in data.scores:
        rows.append([cell(f"{item.label} ({_direction(item)})", st["cell"], width - _BAR_W - 75),
                     _bar(item)])
    if len(rows) > 1:
        out += [Spacer(1, 4), table(rows, [width - _BAR_W - 75, _BAR_W + 75])]
    if any(len(item.values) > 1 for item in data.scores):
        out.append(fixed(_("Each bar is the mean; the dots above it are the answers it is "
                           "the mean of (one for each point rated), with how many gave each "
                           "value."), st["muted"]))
    return out


def _thumbs(finding: FindingItem, width: float) -> Flowable | None:
    images: list[Flowable] = []
    for path in finding.thumbnails:
        if path.is_file():
            images.append(Image(str(path), width=THUMB_MAX, height=THUMB_MAX,
                                kind="proportional"))
    if not images:
        return None
    per_row = max(1, int(width // (THUMB_MAX + 8)))
    rows = [images[k:k + per_row] for k in range(0, len(images), per_row)]
    for row in rows:
        row += [""] * (per_row - len(row))
    grid = table(rows, [THUMB_MAX + 8] * per_row, header=False)
    grid.setStyle([("GRID", (0, 0), (-1, -1), 0, colors.white)])
    return grid


def _findings(data: AuditReportData, st: dict[str, Any], width: float) -> list[Flowable]:
    # A section with nothing in it needs room for its heading and one line only.
    out: list[Flowable] = [CondPageBreak(6 * cm if data.findings else 2 * cm),
                           fixed(_("Findings ({n})").format(n=len(data.findings)), st["h1"])]
    if not data.findings:
        return [*out, fixed(_("No findings were recorded."), st["body"])]
    for f in data.findings:
        block: list[Flowable] = [
            para(_("Finding {n}: {category}").format(n=f.number, category=f.category
                                                     or _("(no category)")), st["h2"], 300)]
        where = "—" if f.location is None else f"{f.location[0]:.6f}, {f.location[1]:.6f}"
        segment = "—" if f.segment is None else str(f.segment + 1)
        if f.span_m is not None:
            segment = _("{n} ({start}–{end} m from the start of the route)").format(
                n=segment, start=round(f.span_m[0]), end=round(f.span_m[1]))
        block.append(_facts([(_("Severity"), f.severity), (_("Latitude, longitude"), where),
                             (_("Route segment"), segment), (_("Responsible body"), f.agency)],
                            st, width))
        block.append(Spacer(1, 3))
        if f.note:
            block += [fixed(_("Observed"), st["cellbold"]), *paras(f.note, st["body"])]
        if f.recommendation:
            block += [fixed(_("Recommendation"), st["cellbold"]),
                      *paras(f.recommendation, st["body"])]
        thumbs = _thumbs(f, width)
        if thumbs is not None:
            block.append(thumbs)
        # A finding and its photos stay on one page where they fit on one.
        out.append(KeepTogether(block))
    return out


def _actions(data: AuditReportData, st: dict[str, Any], width: float) -> list[Flowable]:
    out: list[Flowable] = [CondPageBreak(5 * cm if data.actions else 2 * cm),
                           fixed(_("Action plan"), st["h1"])]
    if not data.actions:
        return [*out, fixed(_("No action items have been made from these findings yet."),
                            st["body"])]
    heads = [_("Finding"), _("Recommendation"), _("Agency"), _("Priority"), _("Target date"),
             _("Status")]
    rows: list[list[Any]] = [[fixed(h, st["cellbold"]) for h in heads]]
    widths = [width * s for s in (0.09, 0.37, 0.2, 0.1, 0.13, 0.11)]
    for a in data.actions:
        # A removed finding: "removed" in the narrow column, and what it was beside the
        # recommendation (this table has no column for the category).
        said = _("({title}: a finding removed from the audit) {recommendation}").format(
            title=a.finding_title, recommendation=a.recommendation) \
            if a.finding_missing and a.finding_title else a.recommendation
        values = [finding_cell(a.finding, "", a.finding_missing), said,
                  a.agency or _("(no agency given)"), word(a.priority),
                  a.target or "—", status_word(a.status, a.overdue)]
        rows.append([cell(v, st["cell"], w) for v, w in zip(values, widths, strict=True)])
    return [*out, table(rows, widths)]


def _appendix(data: AuditReportData, st: dict[str, Any], width: float) -> list[Flowable]:
    # On a page of its own, unless the page before has room for a good part of it: a
    # short audit's report (no findings, no actions) is not a page longer for it.
    out: list[Flowable] = [CondPageBreak(12 * cm), fixed(_("Appendix: all answers"),
                                                         st["h1"]),
                           fixed(_("In form order; questions that did not apply are not "
                                   "listed."), st["muted"])]
    rows: list[list[Any]] = [[fixed(_("Question"), st["cellbold"]),
                              fixed(_("Answer"), st["cellbold"])]]
    spans: list[tuple[Any, ...]] = []
    headings: list[int] = []
    short: list[bool] = []  # whether a row is short enough to keep with its heading
    for row in data.answers:
        indent = "\u00a0" * 4 * row.depth
        if row.heading:
            spans += [("SPAN", (0, len(rows)), (1, len(rows))),
                      ("BACKGROUND", (0, len(rows)), (1, len(rows)),
                       colors.HexColor("#F3F3F3"))]
            headings.append(len(rows))
            short.append(len(row.label) < _KEEP_CHARS)
            rows.append([cell(indent + row.label, st["cellbold"], width), ""])
        else:
            rows.append([cell(indent + row.label, st["cell"], width * 0.42),
                         cell(row.value, st["cell"], width * 0.58)])
            short.append(len(row.label) + len(row.value) < _KEEP_CHARS)
    # A heading is not left at the foot of a page without its first answer (unless they
    # are too long to be sure to fit on one page together).
    spans += [("NOSPLIT", (0, k), (1, k + 1)) for k in headings
              if k + 1 < len(rows) and short[k - 1] and short[k]]
    grid = table(rows, [width * 0.42, width * 0.58])
    grid.setStyle(spans)
    return [*out, grid]
