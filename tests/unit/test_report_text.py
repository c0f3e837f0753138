"""Report text: user text is escaped, long and unusual text never breaks the layout."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from pypdf import PdfReader

from fieldsafe.report.audit_report import build_audit_report
from fieldsafe.report.data import (
    ActionRow,
    AnswerRow,
    AuditReportData,
    FindingItem,
    RouteLine,
    RouteMapData,
    ScoreItem,
)
from fieldsafe.report.route_map import Projection, nice_length, route_drawing
from fieldsafe.report.text import CHUNK, cut, markup, para, paras, styles

HOSTILE = "<b>& <para> </b> &amp; <br/>"
LONG = ("lorem ipsum " * 5000)[:50_000]
RTL = "مصباح الشارع مكسور פנס הרחוב שבור 🚨🔦👩🏽‍🦯"


def test_markup_escapes_and_keeps_line_ends() -> None:
    assert markup("<b>&") == "&lt;b&gt;&amp;"
    assert markup("a\nb\r\nc") == "a<br/>b<br/>c"
    assert markup("bell\x07 nul\x00") == "bell nul"


def test_para_prints_markup_literally() -> None:
    assert para("<para>", styles()["body"]).getPlainText() == "<para>"


def test_long_text_is_split_or_cut() -> None:
    pieces = paras(LONG, styles()["body"])
    assert len(pieces) >= 50_000 // CHUNK
    assert sum(len(p.getPlainText()) for p in pieces) >= 49_000
    assert len(cut(LONG)) < 1300 and cut("short") == "short"
    assert len(paras("x" * 50_000, styles()["body"])) == 25  # no spaces: cut anyway


def test_scale_bar_lengths_and_projection() -> None:
    assert nice_length(730) == 500 and nice_length(0.3) == pytest.approx(0.2)
    project = Projection(((0.0, 0.0), (0.01, 0.01)), 200, 200)
    (x0, y0), (x1, y1) = project((0.0, 0.0)), project((0.01, 0.01))
    assert x1 - x0 == pytest.approx(y1 - y0, rel=1e-3)  # metres are square at the equator


def _data(text: str) -> AuditReportData:
    route = RouteMapData([RouteLine([(0.0, 0.0), (0.001, 0.001)], "#00204D", 0),
                          RouteLine([(0.001, 0.001), (0.002, 0.001)], "#D9D9D9", None)],
                         [(1, (0.0005, 0.0005))], ((0.0, 0.0), (0.002, 0.001)),
                         [("#00204D", "very poor"), ("#FFEA46", "very good")], text[:50],
                         text[:80])
    return AuditReportData(
        audit_id="x", campaign=text, form_title=text, method=text, area=text, date=text,
        time=text, period=text, team=text, status="draft", participants=[(text, text)],
        route_map=route, scores=[ScoreItem(text, 2.0, 1, 5, True, "#414D6B")],
        overall=ScoreItem(text, None, 1, 5, True, "#D9D9D9"), score_method=text,
        findings=[FindingItem(1, text, text, (0.0, 0.0), 0, text, text, text)],
        actions=[ActionRow(1, text, text, "high", "", "open")],
        answers=[AnswerRow(text, heading=True), AnswerRow(text, text, depth=1)],
        generated=date(2026, 1, 2), version="9.9")


@pytest.mark.parametrize("text", [HOSTILE, LONG, RTL, "", "x" * 50_000],
                         ids=["markup", "long", "rtl-emoji", "empty", "one-word"])
def test_hostile_text_builds(text: str) -> None:
    out = io.BytesIO()
    build_audit_report(_data(text), out)
    reader = PdfReader(io.BytesIO(out.getvalue()))
    flat = re.sub(r"\s+", " ", " ".join(p.extract_text() or "" for p in reader.pages))
    assert f"page 1 of {len(reader.pages)}" in flat
    if text == HOSTILE:
        assert "<b>& <para> </b> &amp; <br/>" in flat


def test_a_map_without_a_route_says_so() -> None:
    data = RouteMapData([], [], None, [("#00204D", "very poor")])
    drawing = route_drawing(data, 300, 200)
    assert any(getattr(s, "text", "") == "no route recorded" for s in drawing.contents)


def test_table_cells_wrap_within_their_column_and_print_literally() -> None:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    from fieldsafe.report.cells import TextCell, break_lines
    from fieldsafe.report.text import cell

    style = styles()["cell"]
    font, size = style.fontName, style.fontSize
    text = "Street light broken near the <b>bus</b> stop & the school\n\nsecond  paragraph " + \
        "W" * 80
    lines = break_lines(text, font, size, 100.0)
    assert all(stringWidth(line, font, size) <= 100.0 for line in lines)
    assert lines[0].startswith("Street light") and "" in lines  # the empty line is kept
    assert "second paragraph" in lines  # runs of spaces as one, as a paragraph shows them
    assert "".join(lines).replace(" ", "") == text.replace(" ", "").replace("\n", "")
    assert break_lines("", font, size, 100.0) == [] and break_lines("a\n\n", font, size, 9) == ["a"]
    made = cell(text, style, 100.0)
    assert isinstance(made, TextCell)
    assert made.wrap(100.0, 1000.0) == (100.0, len(lines) * style.leading)
    assert not isinstance(cell(RTL, style, 100.0), TextCell)  # shaped by BidiParagraph
    out = io.BytesIO()
    build_audit_report(_data("<para>" + "x" * 300 + " <b>&amp;"), out)
    flat = " ".join(p.extract_text() or "" for p in PdfReader(out).pages)
    assert "<para>" in flat and "<b>&amp;" in flat


def test_a_long_header_keeps_the_start_and_the_end() -> None:
    """An audit's name ends with its period and date: the header cuts its middle."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    from fieldsafe.report.fonts import REGULAR
    from fieldsafe.report.page import _fit, _fit_middle

    name = "Safety walk - Shivajinagar ward 92, Bengaluru - night - 2026-11-20"
    shown = _fit_middle(name, REGULAR, 200)
    assert shown.startswith("Safety walk") and shown.endswith("night - 2026-11-20")
    assert "…" in shown and stringWidth(shown, REGULAR, 8.5) <= 200
    assert _fit_middle("Short", REGULAR, 200) == "Short"
    # cut between words: no half word that could read as another word
    head, tail = (part.strip() for part in shown.split("…"))
    assert name.startswith(head + " ") and name.endswith(" " + tail)
    assert _fit("Audit report: Women's safety walk audit", REGULAR, 120) == "Audit report: Women's…"
    # one long word is cut where it must be
    assert _fit("x" * 200, REGULAR, 50).endswith("x…")


def test_a_header_in_arabic_is_joined_and_in_reading_order() -> None:
    import arabic_reshaper  # type: ignore[import-untyped]

    from fieldsafe.report.page import header_line

    area = "شارع المحطة الرئيسي"
    left, right = header_line("Audit report: Walk", f"Walk - {area} - night - 2026-11-20",
                              480)
    word = arabic_reshaper.reshape(area)
    assert left == "Audit report: Walk"
    # joined letters, drawn right to left, inside a label read left to right
    assert right == f"Walk - {word[::-1]} - night - 2026-11-20"


def test_action_statuses_print_as_words_in_english_and_french() -> None:
    from fieldsafe.i18n import using_language
    from fieldsafe.report.text import status_word

    assert status_word("in-progress", True) == "in progress (overdue)"
    assert status_word("open", False) == "open"
    with using_language("fr"):
        assert status_word("in-progress", False) == "en cours"
        assert status_word("done", False) == "terminée"


def test_the_header_cuts_the_campaign_before_the_audits_name() -> None:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    from fieldsafe.report.fonts import REGULAR, register_fonts
    from fieldsafe.report.page import header_line

    register_fonts()
    name = "SafetiPin audit - Ward 3, Gandhi Bazaar - day - 2026-01-12"
    subtitle = "Demo campaign of the south-west wards (seed 1) · " + name
    # the name and a word or two of the campaign fit, not the whole
    room = (stringWidth(name, REGULAR, 8.5) + 90) / 0.75
    _left, right = header_line("Audit report: Safety rating", subtitle, room)
    assert right.endswith(" · " + name) and right.startswith("Demo campaign")
    assert "…" in right and stringWidth(right, REGULAR, 8.5) <= room * 0.75
    # room for the name and less than a word of the campaign: the name alone
    room = (stringWidth(name, REGULAR, 8.5) + 20) / 0.75
    assert header_line("Audit report", subtitle, room)[1] == name
    # too little room for even the name: the name is cut in its middle, keeping its date
    _left, right = header_line("Audit report", subtitle, 200)
    assert right.startswith("SafetiPin") and right.endswith("2026-01-12") and "…" in right
