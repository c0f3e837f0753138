"""The audit report's answers as people read them: choices by label, times as 19:30, and the
appendix of every answer in form order."""

from __future__ import annotations

import re
from typing import Any

from fieldsafe.forms.model import FormDef, FormElement, pick_translation
from fieldsafe.i18n import _
from fieldsafe.report.data import AnswerRow


def display(element: FormElement, value: Any, lang: str) -> str:
    """An answer as people read it: choices by label, a point as "lat, lon"."""
    text = "" if value is None else str(value)
    if element.choices and element.qtype in ("select_one", "select_multiple", "rank"):
        labels = {c.name: pick_translation(c.labels, lang) for c in element.choices}
        return ", ".join(labels.get(v) or v for v in text.split())
    if element.qtype == "geopoint":
        parts = text.split()
        return ", ".join(parts[:2]) if len(parts) >= 2 else text
    if element.qtype in ("geotrace", "geoshape"):
        return _("{n} points").format(n=len([p for p in text.split(";") if p.strip()]))
    if element.qtype == "time":
        return _clock(text)
    if element.qtype in ("dateTime", "datetime") and "T" in text:
        day, _sep, clock = text.partition("T")
        return f"{day} {_clock(clock)}"
    return text


def _clock(text: str) -> str:
    """An ODK time ("19:30:00.000+05:30") as people write it ("19:30"), as it was entered
    (in the time zone of the device that saved it)."""
    return text[:5] if re.fullmatch(r"\d\d:\d\d(:\d\d(\.\d+)?)?([+-]\d\d:\d\d|Z)?", text) else text


def answer_rows(form: FormDef, answers: dict[str, Any], lang: str,
                include_sensitive: bool) -> list[AnswerRow]:
    """Every saved answer in form order under its group and repeat headings (metadata such
    as the device ID and sensitive answers, unless asked for, left out)."""
    out: list[AnswerRow] = []
    _rows(form.root, answers, lang, include_sensitive, 0, out)
    return out


def _rows(parent: FormElement, answers: dict[str, Any], lang: str, include: bool,
          depth: int, out: list[AnswerRow]) -> None:
    for child in parent.children:
        if child.sensitive and not include:
            continue
        label = child.label(lang) or child.name
        if child.kind == "group":
            inner: list[AnswerRow] = []
            _rows(child, answers, lang, include, depth + 1, inner)
            if inner:
                out += [AnswerRow(label, heading=True, depth=depth), *inner]
        elif child.kind == "repeat":
            items = answers.get(child.answer_key)
            for number, item in enumerate(items if isinstance(items, list) else [], 1):
                if isinstance(item, dict):
                    out.append(AnswerRow(f"{label} {number}", heading=True, depth=depth))
                    _rows(child, item, lang, include, depth + 1, out)
        elif _shown(child, lang) and answers.get(child.answer_key) not in (None, ""):
            out.append(AnswerRow(label, display(child, answers[child.answer_key], lang),
                                 depth=depth))


def _shown(element: FormElement, lang: str) -> bool:
    """Whether the appendix lists the element's answer: not metadata (device ID, instance
    name), and not a calculation the form keeps for itself (one with no label, which ODK
    Collect never shows either; the scores are in their own section)."""
    if element.metadata:
        return False
    return element.qtype != "calculate" or bool(element.label(lang))
