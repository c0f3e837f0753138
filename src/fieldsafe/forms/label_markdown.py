"""ODK's Markdown in labels and hints (bold, italics, links, headings) as safe rich text."""

from __future__ import annotations

import html
import re

_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
_LINK = re.compile(r"\[([^\]\n]+)\]\((https?://[^\s)]+)\)")
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*|(?<!\w)__(?=\S)(.+?)(?<=\S)__(?!\w)")
_ITALIC = re.compile(r"(?<![\*\w])\*(?=\S)([^*\n]+?)(?<=\S)\*(?!\*)|"
                     r"(?<!\w)_(?=\S)([^_\n]+?)(?<=\S)_(?!\w)")


def label_html(text: str) -> str:
    """``text`` as rich text that shows what ODK Collect shows for it: ``**bold**``,
    ``*italics*`` (or ``_italics_``, not inside words such as snake_case), ``[a link](https://…)``
    and ``# headings`` formatted, line ends kept, and everything else escaped, so that no
    other markup in a label (or in an answer shown in it) is read as HTML."""
    lines = []
    for line in html.escape(text, quote=True).split("\n"):
        heading = _HEADING.match(line)
        if heading:
            size = {1: "x-large", 2: "large"}.get(len(heading.group(1)), "medium")
            lines.append(f'<span style="font-size: {size}; font-weight: bold;">'
                         f"{_inline(heading.group(2))}</span>")
        else:
            lines.append(_inline(line))
    return "<br>".join(lines)


def _inline(text: str) -> str:
    text = _LINK.sub(lambda m: f'<a href="{m.group(2)}">{m.group(1)}</a>', text)
    text = _BOLD.sub(lambda m: f"<b>{m.group(1) or m.group(2)}</b>", text)
    return _ITALIC.sub(lambda m: f"<i>{m.group(1) or m.group(2)}</i>", text)


def label_plain(text: str) -> str:
    """``text`` with ODK's Markdown taken out (a link as its words): for titles, lists and
    what a screen reader says."""
    lines = []
    for line in text.split("\n"):
        heading = _HEADING.match(line)
        line = heading.group(2) if heading else line
        line = _LINK.sub(lambda m: m.group(1), line)
        line = _BOLD.sub(lambda m: m.group(1) or m.group(2), line)
        lines.append(_ITALIC.sub(lambda m: m.group(1) or m.group(2), line))
    return " ".join(part for part in lines if part.strip())
