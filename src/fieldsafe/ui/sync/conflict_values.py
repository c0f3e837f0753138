"""How one side's answer to a field in conflict reads in the Merge Center: short, then whole."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QCoreApplication

from fieldsafe.errors import UserError
from fieldsafe.forms.keys import top_key
from fieldsafe.forms.model import FormDef, FormElement, pick_translation
from fieldsafe.services.audit_content import FileAnswer
from fieldsafe.services.conflicts import Conflict
from fieldsafe.services.form_library import find_version, form_definition
from fieldsafe.services.workspace import Workspace

GEO = ("geopoint", "geotrace", "geoshape")
FILES = ("image", "audio", "video", "file", "osm")
QUIET = (*GEO, *FILES, "note", "calculate", "hidden", "metadata")  # not in item summaries
SHORT = 60  # characters of a value in a one-line summary
LONG = 600  # characters of a text shown in a cell before it is cut (all of it in a tooltip)
ITEMS_SHOWN = 3  # items of a repeat named in its summary


def tr(text: str, n: int = -1) -> str:
    return QCoreApplication.translate("ConflictValues", text, None, n)


@dataclass
class Shown:
    """One side's value: ``text`` for the cell, ``details`` (one line per repeat item) for
    the tooltip and the expander, and the SHA-256 of the photos that answer it."""

    text: str
    details: list[str] = field(default_factory=list)
    photos: list[str] = field(default_factory=list)
    tooltip: str = ""


def conflict_form(workspace: Workspace, conflict: Conflict) -> FormDef | None:
    """The form version the conflict's head was saved with (None if it is missing)."""
    try:
        with workspace.transaction() as db:
            return form_definition(find_version(db, conflict.form_id, conflict.form_version))
    except UserError:
        return None


def is_list(element: FormElement | None, values: list[Any]) -> bool:
    if element is not None:
        return element.kind == "repeat"
    return all(isinstance(v, list) or v is None for v in values)


def can_keep_both(element: FormElement | None, values: list[Any]) -> bool:
    """"Keep both" makes sense for a repeat (the items of every side) and a free text
    (every side's text, one per line); not for a choice, a number, a date or a place."""
    if is_list(element, values):
        return True
    if element is None:
        return False
    return element.kind == "question" and element.qtype == "text"


def shown(element: FormElement | None, name: str, value: Any, files: dict[str, FileAnswer],
          language: str | None = None) -> Shown:
    """How ``value`` (the answer to ``name``, with its side's files) reads."""
    if value is None or value == "" or value == []:
        return Shown(tr("(no answer)"))
    photos = [f.sha256 for path, f in sorted(files.items(), key=lambda kv: _path_key(kv[0]))
              if top_key(path) == name]
    if isinstance(value, list):
        return _repeat(element, value, photos, language)
    text = plain(element, value, language)
    if element is not None and element.qtype in FILES and name in files:
        caption = files[name].caption
        text = f"{text} — {caption}" if caption else text
    cut = text if len(text) <= LONG else text[:LONG - 1] + "…"
    return Shown(cut, photos=photos, tooltip=text if cut != text else "")


def plain(element: FormElement | None, value: Any, language: str | None = None) -> str:
    """One answer as text: a choice by its label, a place by its coordinates."""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, default=str)
    text = str(value)
    if element is None:
        return text
    if element.choices:
        labels = {c.name: pick_translation(c.labels, language) or c.name
                  for c in element.choices}
        return ", ".join(labels.get(v, v) for v in text.split()) \
            if element.qtype == "select_multiple" else labels.get(text, text)
    if element.qtype == "geopoint":
        parts = text.split()
        return ", ".join(parts[:2]) if len(parts) >= 2 else text
    if element.qtype in ("geotrace", "geoshape"):
        count = len([p for p in text.split(";") if p.strip()])
        return tr("%n point(s)", count)
    return text


def _repeat(element: FormElement | None, items: list[Any], photos: list[str],
            language: str | None) -> Shown:
    short, details = [], []
    for number, item in enumerate(items, start=1):
        brief, whole = _item(element, item, language)
        short.append(brief or tr("item {n}").replace("{n}", str(number)))
        details.append(f"{number}. {whole}")
    named = "; ".join(short[:ITEMS_SHOWN]) + ("; …" if len(short) > ITEMS_SHOWN else "")
    text = tr("%n item(s)", len(items)) + ": " + named
    return Shown(text, details, photos, "\n".join(details))


def _item(element: FormElement | None, item: Any, language: str | None) -> tuple[str, str]:
    """A repeat item: a few words (its first answers), and all its answers with labels."""
    if not isinstance(item, dict):
        text = plain(None, item)
        return _cut(text), text
    children = {e.answer_key: e for e in element.walk() if e.kind == "question"} \
        if element is not None else {}
    ordered = [n for n in children if n in item] + [n for n in item if n not in children]
    brief: list[str] = []
    whole: list[str] = []
    for name in ordered:
        value = item[name]
        if value in (None, "", []):
            continue
        child = children.get(name)
        text = plain(child, value, language)
        label = (child.label(language) if child is not None else "") or name
        whole.append(f"{label} {text}" if label.endswith(("?", ":")) else f"{label}: {text}")
        if (child is None or child.qtype not in QUIET) and len(brief) < 2:
            brief.append(_cut(text))
    return " · ".join(brief), "; ".join(whole)


def _cut(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= SHORT else line[:SHORT - 1] + "…"


def _path_key(path: str) -> tuple[str, ...]:
    """``finding[10]/photo`` after ``finding[9]/photo``."""
    return tuple(part.zfill(6) if part.isdigit() else part
                 for part in path.replace("[", "/").replace("]", "").split("/"))
