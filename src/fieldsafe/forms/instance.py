"""Builds the main instance tree of a form and the secondary instances its expressions read."""

from __future__ import annotations

import csv
from pathlib import Path

from fieldsafe.forms.model import Choice, FormDef, FormElement, pick_translation
from fieldsafe.forms.xpath.nodes import XNode


def new_document(form: FormDef) -> tuple[XNode, XNode]:
    """An empty main instance: (document node, form root node). Repeats start empty."""
    document = XNode("#document")
    root = document.add(form.root.name)
    for child in form.root.children:
        add_element(root, child)
    return document, root


def add_element(parent: XNode, element: FormElement) -> XNode | None:
    """Add ``element`` under ``parent``; repeats get no instance here (see add_repeat)."""
    if element.kind == "repeat":
        return None
    node = parent.add(element.name, datatype=element.datatype)
    for child in element.children:
        add_element(node, child)
    return node


def add_repeat(parent: XNode, element: FormElement, before: XNode | None = None) -> XNode:
    """A new, empty instance of the repeat ``element`` in ``parent``, after the others."""
    node = XNode(element.name)
    node.parent = parent
    siblings = parent.children
    if before is not None:
        siblings.insert(siblings.index(before), node)
    else:
        last = max((i for i, c in enumerate(siblings) if c.name == element.name), default=None)
        if last is None:
            anchor = _insert_index(parent, element)
            siblings.insert(anchor, node)
        else:
            siblings.insert(last + 1, node)
    parent.children_changed()
    for child in element.children:
        add_element(node, child)
    return node


def _insert_index(parent: XNode, element: FormElement) -> int:
    """Where the first instance of a repeat goes, to keep form order."""
    assert element.parent is not None
    order = [c.name for c in element.parent.children]
    mine = order.index(element.name)
    for i, child in enumerate(parent.children):
        if child.name in order and order.index(child.name) > mine:
            return i
    return len(parent.children)


def choice_instance(choices: list[Choice], language: str | None) -> XNode:
    """``instance('list')``: a document whose ``root`` holds one ``item`` per choice."""
    document = XNode("#instance")
    root = document.add("root")
    for choice in choices:
        item = root.add("item")
        item.add("name", choice.name)
        item.add("label", pick_translation(choice.labels, language))
        for key, value in choice.extra.items():
            if key.replace("_", "a").replace("-", "a").isalnum() and key not in ("name", "label"):
                item.add(key, value)
    return document


def csv_instance(path: Path) -> XNode:
    """A CSV attachment as a secondary instance (``select_one_from_file``, ``pulldata``)."""
    document = XNode("#instance")
    root = document.add("root")
    with path.open(newline="", encoding="utf-8-sig") as handle:
        for row in csv.DictReader(handle):
            item = root.add("item")
            for key, value in row.items():
                if key:
                    item.add(key.strip(), (value or "").strip())
    return document


def find_attachment(form: FormDef, name: str) -> Path | None:
    """An attachment next to the form file, or in its ``<form>-media`` folder (ODK's layout)."""
    if not form.source:
        return None
    source = Path(form.source)
    for candidate in (source.parent / name, source.parent / f"{source.stem}-media" / name):
        if candidate.is_file():
            return candidate
    return None
