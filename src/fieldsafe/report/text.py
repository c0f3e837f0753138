"""Paragraph styles and safe paragraphs: user text is always escaped, long text split."""

from __future__ import annotations

import re
from xml.sax.saxutils import escape

from reportlab.lib import colors  # type: ignore[import-untyped]
from reportlab.lib.styles import ParagraphStyle  # type: ignore[import-untyped]
from reportlab.platypus import Flowable, Paragraph  # type: ignore[import-untyped]

from fieldsafe.i18n import N_, _
from fieldsafe.report.bidi_text import BidiParagraph, has_rtl
from fieldsafe.report.cells import TextCell
from fieldsafe.report.fonts import BOLD, OBLIQUE, REGULAR, register_fonts

#: Body text is split into paragraphs of at most this many characters, so that one
#: paragraph never needs more than a page; table cells are cut at CELL_LIMIT.
CHUNK = 2000
CELL_LIMIT = 1200
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
#: Stored codes the reports print: an audit's status and period, an action's status and
#: priority, each with its words (the code itself, but for "in-progress").
_WORDS = {
    "draft": N_("draft"), "finalized": N_("finalized"), "retired": N_("retired"),
    "day": N_("day"), "night": N_("night"), "open": N_("open"),
    "in-progress": N_("in progress"), "done": N_("done"), "low": N_("low"),
    "medium": N_("medium"), "high": N_("high"), "urgent": N_("urgent")}


def styles() -> dict[str, ParagraphStyle]:
    """The report's paragraph styles, all in DejaVu Sans."""
    register_fonts()
    body = ParagraphStyle("body", fontName=REGULAR, fontSize=9.5, leading=12.5,
                          spaceAfter=3, wordWrap=None)
    return {
        "body": body,
        "small": ParagraphStyle("small", body, fontSize=8, leading=10, spaceAfter=0),
        "cell": ParagraphStyle("cell", body, fontSize=8.5, leading=10.5, spaceAfter=0),
        "cellbold": ParagraphStyle("cellbold", body, fontName=BOLD, fontSize=8.5,
                                   leading=10.5, spaceAfter=0),
        "muted": ParagraphStyle("muted", body, fontName=OBLIQUE, fontSize=8, leading=10,
                                textColor=colors.HexColor("#444444")),
        "title": ParagraphStyle("title", body, fontName=BOLD, fontSize=20, leading=25,
                                spaceAfter=10),
        "h1": ParagraphStyle("h1", body, fontName=BOLD, fontSize=14, leading=18,
                             spaceBefore=10, spaceAfter=6),
        "h2": ParagraphStyle("h2", body, fontName=BOLD, fontSize=11, leading=14,
                             spaceBefore=8, spaceAfter=3),
    }


def clean(text: object) -> str:
    """``text`` as a string without the control characters a PDF cannot show."""
    return _CONTROL.sub("", "" if text is None else str(text))


def markup(text: object) -> str:
    """User text as reportlab paragraph markup that prints literally (newlines kept)."""
    return escape(clean(text)).replace("\r\n", "\n").replace("\n", "<br/>")


def cut(text: object, limit: int = CELL_LIMIT) -> str:
    """``text`` cut to ``limit`` characters, saying how much was left out."""
    value = clean(text)
    if len(value) <= limit:
        return value
    return value[:limit] + f" … (+{len(value) - limit})"


def paragraph(text: str, style: ParagraphStyle) -> Flowable:
    """A paragraph of plain text that prints literally; right-to-left script (Arabic,
    Hebrew) is shaped and put in display order (:class:`BidiParagraph`)."""
    if has_rtl(text):
        return BidiParagraph(clean(text).replace("\r\n", "\n"), style)
    return Paragraph(markup(text), style)


def para(text: object, style: ParagraphStyle, limit: int = CELL_LIMIT) -> Flowable:
    """One paragraph of user text (escaped), cut to ``limit`` characters: for table cells."""
    return paragraph(cut(text, limit), style)


def cell(text: object, style: ParagraphStyle, width: float) -> Flowable:
    """A table cell of user text, cut so that it stays well under a page tall however
    wide its characters: about six characters per point of the column's width. Plain
    (a :class:`TextCell`) unless it holds right-to-left script."""
    value = cut(text, max(40, int(width * 6)))
    return paragraph(value, style) if has_rtl(value) else TextCell(value, style)


def paras(text: object, style: ParagraphStyle) -> list[Flowable]:
    """User text of any length (escaped) as paragraphs of at most :data:`CHUNK` characters,
    broken at a line end or a space where there is one."""
    value = clean(text)
    out: list[Flowable] = []
    while value:
        if len(value) <= CHUNK:
            piece, value = value, ""
        else:
            cut_at = max(value.rfind("\n", CHUNK // 2, CHUNK), value.rfind(" ", CHUNK // 2, CHUNK))
            cut_at = cut_at if cut_at > 0 else CHUNK
            piece, value = value[:cut_at], value[cut_at:].lstrip(" \n")
        out.append(paragraph(piece, style))
    return out


def fixed(text: str, style: ParagraphStyle) -> Flowable:
    """A paragraph of the report's own (translated) text, escaped as well."""
    return paragraph(text, style)


def word(code: str) -> str:
    """A stored code (an audit's status or period, an action's status or priority) in the
    report's language; other text as it is."""
    return _(_WORDS[code]) if code in _WORDS else code


def finding_cell(number: int, title: str, missing: bool) -> str:
    """An action item's finding: its number (and category); for one removed from the audit
    after the item was made, no number (another finding may have it now) but "removed"."""
    if missing:
        return _("{title} (removed)").format(title=title) if title else _("removed")
    return f"{number}. {title}" if title else str(number)


def status_word(status: str, overdue: bool) -> str:
    """An action item's status in the report's language, marked when it is overdue."""
    return _("{status} (overdue)").format(status=word(status)) if overdue else word(status)
