"""Right-to-left text (Arabic, Hebrew, Urdu...) in reports: shaped, wrapped, then reordered."""

from __future__ import annotations

import re
from typing import Any
from xml.sax.saxutils import escape

import arabic_reshaper  # type: ignore[import-untyped]
from bidi import get_base_level, get_display  # type: ignore[import-untyped]
from reportlab.lib.enums import TA_RIGHT  # type: ignore[import-untyped]
from reportlab.lib.styles import ParagraphStyle  # type: ignore[import-untyped]
from reportlab.pdfbase.pdfmetrics import stringWidth  # type: ignore[import-untyped]
from reportlab.platypus import Flowable, Paragraph  # type: ignore[import-untyped]

# Hebrew, Arabic, Syriac, Thaana, NKo, Samaritan, Mandaic, Arabic Extended, and the
# Hebrew and Arabic presentation forms.
_RTL = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]")
# Bracket pairs (Unicode's BidiBrackets.txt): what "(" and ")" may stand in for while a line
# is put in display order, one pair each, so each pair is found again afterwards.
_BRACKETS = "()[]{}⁅⁆⁽⁾₍₎⌈⌉⌊⌋❨❩❪❫❬❭❮❯❰❱❲❳❴❵⟅⟆⟦⟧⟨⟩⟪⟫⟬⟭⟮⟯⦃⦄⦅⦆⦇⦈⦉⦊⦋⦌⦑⦒⦓⦔⦕⦖⦗⦘⧘⧙⧚⧛⧼⧽"
_PAIRS = [(_BRACKETS[k], _BRACKETS[k + 1]) for k in range(0, len(_BRACKETS), 2)]
_CLOSING_OF = dict(_PAIRS)


def has_rtl(text: str) -> bool:
    """Whether ``text`` holds a letter of a right-to-left script."""
    return _RTL.search(text) is not None


class BidiParagraph(Flowable):  # type: ignore[misc]
    """A paragraph of plain text (not markup) with right-to-left script in it.

    reportlab lays text out left to right and does not join Arabic letters. So each line
    is shaped first (Arabic letters in their joined forms), wrapped to the width the
    paragraph is given (the shaped words' own widths), and only then put in display order
    by the Unicode bidi algorithm, line by line, so that the first words stay on the first
    line. Text that starts right to left is right-aligned."""

    def __init__(self, text: str, style: ParagraphStyle) -> None:
        super().__init__()
        self.text = text
        self.style = style
        self._inner: Paragraph | None = None

    def _layout(self, width: float) -> Paragraph:
        shown: list[str] = []
        for logical in self.text.split("\n"):
            # Each line in its paragraph's direction, not one of its own: a wrapped line
            # that starts with an Arabic word is still part of a left-to-right label.
            base = "R" if logical.strip() and get_base_level(logical) == 1 else "L"
            # a point to spare: reportlab must not break a line this measured as fitting
            shown += [display_order(line, base) for line in
                      _wrap(arabic_reshaper.reshape(logical), self.style, width - 1.0)]
        rtl = has_rtl(self.text) and get_base_level(self.text) == 1
        style = ParagraphStyle(f"{self.style.name}-rtl", self.style, alignment=TA_RIGHT) \
            if rtl else self.style
        return Paragraph("<br/>".join(escape(line) for line in shown), style)

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        self._inner = self._layout(availWidth)
        width, height = self._inner.wrap(availWidth, availHeight)
        self.width, self.height = width, height
        return width, height

    def draw(self) -> None:
        assert self._inner is not None, "wrap() comes before draw()"
        self._inner.drawOn(self.canv, 0, 0)

    def split(self, availWidth: float, availHeight: float) -> list[Any]:
        inner = self._layout(availWidth)
        inner.wrap(availWidth, availHeight)
        return list(inner.split(availWidth, availHeight))

    def getSpaceBefore(self) -> float:
        return float(self.style.spaceBefore)

    def getSpaceAfter(self) -> float:
        return float(self.style.spaceAfter)


def display_order(line: str, base: str | None = None) -> str:
    """``line`` (logical order) in display order, its brackets mirrored where they are set
    right to left. ``base``: the direction of the paragraph the line is part of ("L" or
    "R"); by default the line's own (its first strong letter's).

    python-bidi 0.6 reorders but leaves out the mirroring of rule L4, so "(Municipality)"
    in Arabic text would come out as ")Municipality(". Each bracket pair of the line
    (matched as rule BD16 does) stands in as a bracket pair of its own while the line is
    reordered; a pair whose closing mark then comes first was set right to left, and is
    written with its marks turned round."""
    pairs = _bracket_pairs(line)
    stand_ins = [p for p in _PAIRS if p[0] not in line and p[1] not in line]
    if not pairs or len(pairs) > len(stand_ins):
        return str(get_display(line, base_dir=base))
    tagged = list(line)
    for (opening, closing), (left, right) in zip(pairs, stand_ins, strict=False):
        tagged[opening], tagged[closing] = left, right
    visual = str(get_display("".join(tagged), base_dir=base))
    out = list(visual)
    for (opening, closing), (left, right) in zip(pairs, stand_ins, strict=False):
        shown_open, shown_close = visual.find(left), visual.find(right)
        if shown_open < 0 or shown_close < 0:  # the line changed length: reorder only
            return str(get_display(line, base_dir=base))
        first, last = sorted((shown_open, shown_close))
        out[first], out[last] = line[opening], line[closing]
    return "".join(out)


def _bracket_pairs(line: str) -> list[tuple[int, int]]:
    """The positions of the line's matched bracket pairs, (opening, closing)."""
    stack: list[int] = []
    pairs: list[tuple[int, int]] = []
    for at, char in enumerate(line):
        if char in _CLOSING_OF:
            stack.append(at)
        else:
            for depth in range(len(stack) - 1, -1, -1):
                if _CLOSING_OF[line[stack[depth]]] == char:
                    pairs.append((stack[depth], at))
                    del stack[depth:]
                    break
    return pairs


def _wrap(text: str, style: ParagraphStyle, width: float) -> list[str]:
    """``text`` (one logical line, shaped) broken at spaces into lines at most ``width``
    points wide; a word wider than that has a line of its own."""
    space = stringWidth(" ", style.fontName, style.fontSize)
    lines: list[str] = []
    current: list[str] = []
    used = 0.0
    for item in text.split(" "):
        size = stringWidth(item, style.fontName, style.fontSize)
        if current and used + space + size > width:
            lines.append(" ".join(current))
            current, used = [], 0.0
        used += (space if current else 0.0) + size
        current.append(item)
    lines.append(" ".join(current))
    return lines
