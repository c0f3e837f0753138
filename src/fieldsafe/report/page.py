"""The report's pages: A4 or US Letter, a header, and a "page X of Y" footer."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, BinaryIO

import arabic_reshaper  # type: ignore[import-untyped]
from reportlab.lib import colors  # type: ignore[import-untyped]
from reportlab.lib.pagesizes import A4, LETTER  # type: ignore[import-untyped]
from reportlab.lib.units import mm  # type: ignore[import-untyped]
from reportlab.pdfbase.pdfmetrics import stringWidth  # type: ignore[import-untyped]
from reportlab.pdfgen.canvas import Canvas  # type: ignore[import-untyped]
from reportlab.platypus import (  # type: ignore[import-untyped]
    BaseDocTemplate,
    Flowable,
    Frame,
    PageTemplate,
    Table,
    TableStyle,
)

from fieldsafe.i18n import _
from fieldsafe.report.bidi_text import display_order, has_rtl
from fieldsafe.report.fonts import BOLD, REGULAR, register_fonts

PAPERS = {"a4": A4, "letter": LETTER}
MARGIN = 18 * mm
GRID = colors.HexColor("#999999")
HEADER_FILL = colors.HexColor("#E8E8E8")


def page_size(paper: str) -> tuple[float, float]:
    try:
        size: tuple[float, float] = PAPERS[paper.lower()]
    except KeyError:
        raise ValueError(f"paper must be one of {', '.join(PAPERS)}, not {paper!r}") from None
    return size


def _canvas_maker(footer: str) -> type[Canvas]:
    """A canvas that holds its pages back until the end, to print "page X of Y"."""

    class NumberedCanvas(Canvas):  # type: ignore[misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for number, state in enumerate(self._pages, 1):
                self.__dict__.update(state)
                width, _height = self._pagesize
                self.setFont(REGULAR, 7.5)
                self.setFillColor(colors.HexColor("#333333"))
                text = _("page {page} of {pages}").format(page=number, pages=total)
                self.drawCentredString(width / 2, MARGIN / 2, f"{text} · {footer}")
                super().showPage()
            super().save()

    return NumberedCanvas


def build(out: BinaryIO | str, story: Sequence[Flowable], *, paper: str, title: str,
          subtitle: str, footer: str) -> None:
    """Lay ``story`` out on pages with the header (``title`` · ``subtitle``) and footer."""
    register_fonts()
    size = page_size(paper)
    doc = BaseDocTemplate(out, pagesize=size, leftMargin=MARGIN, rightMargin=MARGIN,
                          topMargin=MARGIN + 6 * mm, bottomMargin=MARGIN + 2 * mm,
                          title=title, subject=subtitle, creator="FieldSafe",
                          initialFontName=REGULAR)
    frame = Frame(doc.leftMargin, doc.bottomMargin, doc.width, doc.height, id="body",
                  leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)

    def header(canvas: Canvas, _doc: BaseDocTemplate) -> None:
        canvas.saveState()
        width, height = size
        top = height - MARGIN + 2 * mm
        # the two texts share the line: neither overprints
        left, right = header_line(title, subtitle, width - 2 * MARGIN - 12)
        canvas.setFont(BOLD, 8.5)
        canvas.drawString(MARGIN, top, left)
        canvas.setFont(REGULAR, 8.5)
        canvas.drawRightString(width - MARGIN, top, right)
        canvas.setStrokeColor(GRID)
        canvas.setLineWidth(0.5)
        canvas.line(MARGIN, top - 2 * mm, width - MARGIN, top - 2 * mm)
        canvas.restoreState()

    doc.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=header)])
    doc.build(list(story), canvasmaker=_canvas_maker(footer))


def header_line(title: str, subtitle: str, room: float) -> tuple[str, str]:
    """The header's two texts as drawn (left to right, Arabic joined), at most ``room``
    points wide together. Which audit or campaign the page is of matters more than the
    report's kind and form, so the title is cut first; an audit's name ends with its
    period and date, so it is cut in the middle and they stay."""
    title, subtitle = _shaped(title), _shaped(subtitle)
    right = _fit_which(subtitle, min(room * 0.75, stringWidth(subtitle, REGULAR, 8.5)))
    left = _fit(title, BOLD, room - stringWidth(right, REGULAR, 8.5))
    return _drawn(left), _drawn(right)


def _fit_which(subtitle: str, room: float) -> str:
    """The header's "campaign · audit" cut to ``room``: the campaign first (the cover names
    it), then the audit's name in its middle. A subtitle of one part is cut in its middle."""
    campaign, separator, name = subtitle.rpartition(" · ")
    if not separator or stringWidth(subtitle, REGULAR, 8.5) <= room:
        return _fit_middle(subtitle, REGULAR, room)
    left_for_campaign = room - stringWidth(separator + name, REGULAR, 8.5)
    if left_for_campaign <= 0:
        return _fit_middle(name, REGULAR, room)
    cut = _fit(campaign, REGULAR, left_for_campaign)
    kept = cut.removesuffix("…").rstrip()
    if cut != campaign and not campaign.startswith(kept + " "):  # not one whole word of it
        return name
    return cut + separator + name


def fitted(text: str, font: str, room: float, size: float) -> str:
    """``text`` as a canvas draws it (maps' labels, the header): Arabic letters joined,
    shortened with "…" after a whole word to at most ``room`` points, then in display
    order (reportlab draws left to right, and joins no letters)."""
    return _drawn(_fit(_shaped(text), font, room, size))


def _drawn(text: str) -> str:
    return display_order(text) if has_rtl(text) else text


def _shaped(text: str) -> str:
    """``text`` with Arabic letters in their joined forms (in logical order still)."""
    return str(arabic_reshaper.reshape(text)) if has_rtl(text) else text


def _fit(text: str, font: str, room: float, size: float = 8.5) -> str:
    """``text`` shortened with "…" until it is at most ``room`` points wide, after a whole
    word where one fits."""
    if stringWidth(text, font, size) <= room:
        return text
    kept = len(text)
    while kept and stringWidth(text[:kept] + "…", font, size) > room:
        kept -= 1
    return _head(text, kept).rstrip() + "…"


def _head(text: str, end: int) -> str:
    """``text[:end]``, less the word the cut at ``end`` goes through (a word cut in half can
    read as another word), unless it is the only word."""
    if end >= len(text) or text[end] == " ":
        return text[:end]
    space = text.rfind(" ", 0, end)
    return text[:space] if space > 0 else text[:end]


def _tail(text: str, start: int) -> str:
    """``text[start:]``, less the word the cut at ``start`` goes through (as :func:`_head`)."""
    if start <= 0 or text[start - 1] == " ":
        return text[start:]
    space = text.find(" ", start)
    return text[space + 1:] if 0 <= space < len(text) - 1 else text[start:]


def table(rows: list[list[Any]], widths: Sequence[float], *, header: bool = True) -> Table:
    """A grid table whose first row (the header) repeats on every page it runs over."""
    result = Table(rows, colWidths=list(widths), repeatRows=1 if header else 0,
                   hAlign="LEFT")
    commands: list[tuple[Any, ...]] = [
        ("GRID", (0, 0), (-1, -1), 0.4, GRID),
        # for cells of plain text (an empty one too): not the Helvetica a table starts in
        ("FONT", (0, 0), (-1, -1), REGULAR),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    if header:
        commands.append(("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL))
    result.setStyle(TableStyle(commands))
    return result


class FittedDrawing(Flowable):  # type: ignore[misc]
    """A drawing (a map) as tall as the frame has room for, from ``smallest`` up to
    ``tallest`` points, less ``reserve`` for what must follow it on the page (its caption):
    a map that fits below a short cover stays with it instead of leaving half a page
    empty. Where even ``smallest`` does not fit, it asks for ``tallest`` and so goes to the
    next page whole."""

    def __init__(self, make: Callable[[float, float], Flowable], width: float,
                 tallest: float, smallest: float, reserve: float = 0.0) -> None:
        super().__init__()
        self.make, self.width = make, width
        self.tallest, self.smallest, self.reserve = tallest, smallest, reserve
        self.drawing: Flowable | None = None
        self.height: float = tallest

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        room = available_height - self.reserve
        height = min(self.tallest, room) if room >= self.smallest else self.tallest
        if self.drawing is None or height != self.height:  # wrap is asked more than once
            self.height, self.drawing = height, self.make(self.width, height)
        return self.width, self.height

    def draw(self) -> None:
        assert self.drawing is not None
        self.drawing.drawOn(self.canv, 0, 0)


def _fit_middle(text: str, font: str, room: float, size: float = 8.5) -> str:
    """``text`` with its middle cut out ("…") until it is at most ``room`` points wide:
    the start and the end of it stay."""
    if stringWidth(text, font, size) <= room:
        return text
    head, tail = text[: len(text) // 2], text[len(text) // 2:]
    while (head or tail) and stringWidth(head.rstrip() + "…" + tail.lstrip(), font,
                                         size) > room:
        if len(head) >= len(tail):
            head = head[:-1]
        else:
            tail = tail[1:]
    return (_head(text, len(head)).rstrip() + "…"
            + _tail(text, len(text) - len(tail)).lstrip())
