"""Right-to-left text in reports: Arabic joined, lines in reading order, right-aligned."""

from __future__ import annotations

import io

import arabic_reshaper  # type: ignore[import-untyped]
import pytest
from pypdf import PdfReader
from reportlab.lib.enums import TA_LEFT, TA_RIGHT  # type: ignore[import-untyped]
from reportlab.pdfbase.pdfmetrics import stringWidth  # type: ignore[import-untyped]
from reportlab.platypus import Paragraph  # type: ignore[import-untyped]

from fieldsafe.report.bidi_text import BidiParagraph, display_order, has_rtl
from fieldsafe.report.page import build
from fieldsafe.report.text import para, paras, styles

ARABIC = ("الإنارة في الشارع ضعيفة جدا بعد الساعة التاسعة مساء والرصيف مكسور أمام المدرسة "
          "رقم 12 ولا توجد إشارات")
HEBREW = "התאורה ברחוב חלשה מאוד אחרי השעה תשע בערב"
_JOINED = range(0xFE70, 0xFF00)  # Arabic presentation forms B: letters in joined shapes


def test_only_text_with_a_right_to_left_script_takes_the_bidi_path() -> None:
    st = styles()
    assert has_rtl(ARABIC) and has_rtl(HEBREW) and not has_rtl("Ünïcødé ĉafé Ωμέγα")
    assert isinstance(para("plain <b>& text", st["cell"]), Paragraph)
    assert isinstance(para(ARABIC, st["cell"]), BidiParagraph)


def test_long_arabic_wraps_in_reading_order_and_is_joined() -> None:
    style = styles()["cell"]
    paragraph = BidiParagraph(ARABIC, style)
    width, height = paragraph.wrap(150, 1000)
    assert width <= 150 and height >= 3 * style.leading
    inner = paragraph._inner
    assert inner is not None and inner.style.alignment == TA_RIGHT
    lines = inner.text.split("<br/>")
    assert len(lines) > 2
    for line in lines:
        assert stringWidth(line, style.fontName, style.fontSize) <= 150
    # read right to left, the first line holds the first words: drawn left to right, it
    # ends with the first shaped word, reversed
    shaped = arabic_reshaper.reshape(ARABIC)
    first_word = shaped.split(" ")[0]
    assert lines[0].endswith(first_word[::-1])
    assert any(ord(c) in _JOINED for c in lines[0])


def test_hebrew_is_right_aligned_and_english_with_an_arabic_word_is_not() -> None:
    style = styles()["body"]
    hebrew = BidiParagraph(HEBREW, style)
    hebrew.wrap(400, 100)
    assert hebrew._inner is not None and hebrew._inner.style.alignment == TA_RIGHT
    mixed = BidiParagraph("Note: الشارع مظلم near stop 42", style)
    mixed.wrap(400, 100)
    assert mixed._inner is not None and mixed._inner.style.alignment == TA_LEFT
    assert mixed._inner.text.startswith("Note: ")


def test_a_pdf_with_long_right_to_left_text_builds_and_splits_over_pages() -> None:
    out = io.BytesIO()
    st = styles()
    build(out, [*paras((ARABIC + " ") * 60, st["body"]), *paras(f"Note <b>& {HEBREW}",
                                                                 st["body"])],
          paper="a4", title="RTL", subtitle="", footer="x")
    reader = PdfReader(io.BytesIO(out.getvalue()))
    text = " ".join(p.extract_text() or "" for p in reader.pages)
    assert len(reader.pages) >= 2
    assert any(ord(c) in _JOINED for c in text)
    assert "Note <b>&" in text  # still never read as markup


@pytest.mark.parametrize(("logical", "shown"), [
    ("بلدية المدينة (Municipality)", "(Municipality) ةنيدملا ةيدلب"),
    ("بلدية [x] (y)", "(y) [x] ةيدلب"),
    ("بلدية (a (b) c)", "(a (b) c) ةيدلب"),
    ("بلدية (نص) ok", "ok (صن) ةيدلب"),
    ("(abc) بلدية", "(abc) ةيدلب"),
    ("abc (def) ghi", "abc (def) ghi"),
    ("a) b (c بلدية", "a) b (c ةيدلب"),  # no pair: left as it is
])
def test_brackets_set_right_to_left_are_mirrored(logical: str, shown: str) -> None:
    assert display_order(logical) == shown


def test_a_wrapped_line_keeps_its_paragraphs_direction() -> None:
    """A left-to-right label with an Arabic place name in it: the line that wraps to start
    with the Arabic word is still read left to right, so "- day - 2026-01-06" stays after
    the name (on a line of its own direction it came before it, reading backwards)."""
    label = "Safety walk - شارع المحطة الرئيسي - day - 2026-01-06 → Safety walk - night"
    paragraph = BidiParagraph(label, styles()["cell"])
    paragraph.wrap(120, 1000)
    assert paragraph._inner is not None and paragraph._inner.style.alignment == TA_LEFT
    lines = paragraph._inner.text.split("<br/>")
    last_word = arabic_reshaper.reshape("الرئيسي")
    assert lines[1] == f"{last_word[::-1]} - day - 2026-01-06", lines
    assert lines[2].startswith("→ ")
    # and a right-to-left paragraph's lines stay right to left, each by itself or not
    assert display_order("abc بلدية", "R") == "ةيدلب abc"
    assert display_order("abc بلدية", "L") == "abc ةيدلب"


def test_right_to_left_text_with_a_blank_line_builds() -> None:
    """A note typed as two paragraphs (an empty line between them) in Arabic."""
    paragraph = BidiParagraph("مصباح الشارع مكسور\n\nبلدية", styles()["body"])
    width, height = paragraph.wrap(300, 1000)
    assert width <= 300
    assert paragraph._inner is not None and paragraph._inner.text.count("<br/>") == 2
    assert height >= 3 * styles()["body"].leading
