"""Table cells of plain text, laid out without a paragraph's markup parser (most of a report)."""

from __future__ import annotations

from typing import Any

from reportlab.lib.styles import ParagraphStyle  # type: ignore[import-untyped]
from reportlab.pdfbase.pdfmetrics import stringWidth  # type: ignore[import-untyped]
from reportlab.platypus import Flowable  # type: ignore[import-untyped]


class TextCell(Flowable):  # type: ignore[misc]
    """Plain text in one font, broken into lines at spaces (a word wider than the column at
    any character) and at line ends, drawn as it is: nothing in it is read as markup.

    What a reportlab Paragraph of the same escaped text shows in a table cell, as far as
    a cell needs (left-aligned, runs of spaces as one), at a fraction of the cost: a
    paragraph parses its text as XML markup, and a report has thousands of cells."""

    def __init__(self, text: str, style: ParagraphStyle) -> None:
        super().__init__()
        self.text, self.style = text, style
        self._lines: list[str] = []
        self._width = -1.0

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        if available_width != self._width:
            self._width = available_width
            self._lines = break_lines(self.text, self.style.fontName, self.style.fontSize,
                                      available_width)
        self.width = available_width
        self.height = len(self._lines) * self.style.leading
        return self.width, self.height

    def draw(self) -> None:
        canvas: Any = self.canv
        style = self.style
        canvas.setFont(style.fontName, style.fontSize)
        canvas.setFillColor(style.textColor)
        y = self.height - style.fontSize  # the first baseline, as a Paragraph places it
        for line in self._lines:
            canvas.drawString(0, y, line)
            y -= style.leading


def break_lines(text: str, font: str, size: float, width: float) -> list[str]:
    """``text`` as lines no wider than ``width`` (in ``font`` at ``size``): words joined by
    single spaces, a line end kept as one, a word too wide for a line cut between
    characters. No text: no line."""
    space = stringWidth(" ", font, size)
    lines: list[str] = []
    for part in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line: list[str] = []
        used = 0.0
        for word in part.split():
            wide = stringWidth(word, font, size)
            if line and used + space + wide <= width:
                line.append(word)
                used += space + wide
                continue
            if line:
                lines.append(" ".join(line))
            if wide <= width:
                line, used = [word], wide
                continue
            pieces = _cut_word(word, font, size, width)
            lines.extend(pieces[:-1])
            line, used = [pieces[-1]], stringWidth(pieces[-1], font, size)
        lines.append(" ".join(line))
    while lines and not lines[-1]:
        lines.pop()
    return lines


def _cut_word(word: str, font: str, size: float, width: float) -> list[str]:
    """A word wider than ``width`` cut into pieces that fit (at least one character each)."""
    pieces: list[str] = []
    start = 0
    while start < len(word):
        end = start + 1
        used = stringWidth(word[start], font, size)
        while end < len(word):
            wide = stringWidth(word[end], font, size)
            if used + wide > width:
                break
            used += wide
            end += 1
        pieces.append(word[start:end])
        start = end
    return pieces
