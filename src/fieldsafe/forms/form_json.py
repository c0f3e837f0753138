"""A loaded form as JSON and back, so a stored form version opens without pyxform (the cache)."""

from __future__ import annotations

from typing import Any

import msgspec

from fieldsafe.forms.compiler import compile_form
from fieldsafe.forms.model import Choice, FormDef, FormElement

# Bump when the shape below changes: an older cache entry is then not read.
FORMAT = 1

# The FormElement fields kept as they are (plain text, flags, numbers and dicts of text).
_PLAIN = ("kind", "name", "qtype", "xlsform_type", "datatype", "labels", "hints",
          "required_messages", "constraint_messages", "relevant", "constraint",
          "calculation", "required", "readonly", "default", "choice_filter", "repeat_count",
          "trigger", "appearance", "parameters", "list_name", "external_file", "metadata",
          "role", "sensitive", "row", "answer_key")
_FORM = ("form_id", "version", "title", "default_language", "languages", "instance_name",
         "settings", "warnings", "attachments", "source", "content_hash")


class FormJsonError(ValueError):
    """The JSON is not a form this code wrote (another format, or damaged)."""


def form_to_json(form: FormDef) -> bytes:
    """``form`` (without its XForm XML and compiled expressions) as JSON bytes."""
    lists = form.choice_lists
    return msgspec.json.encode({
        "format": FORMAT,
        **{name: getattr(form, name) for name in _FORM},
        "choice_lists": {name: [_choice(c) for c in items] for name, items in lists.items()},
        "root": _element(form.root, lists),
    })


def form_from_json(data: bytes) -> FormDef:
    """The form written by :func:`form_to_json`, compiled again. Raises
    :class:`FormJsonError` for anything else, or a form that no longer compiles."""
    try:
        raw = msgspec.json.decode(data)
        if not isinstance(raw, dict) or raw.get("format") != FORMAT:
            raise FormJsonError("not a cached form of this format")
        lists = {str(name): [_read_choice(c) for c in items]
                 for name, items in raw["choice_lists"].items()}
        root = _read_element(raw["root"], (), None, lists)
        form = FormDef(root=root, choice_lists=lists, **{name: raw[name] for name in _FORM})
    except (msgspec.DecodeError, KeyError, TypeError, AttributeError) as err:
        raise FormJsonError(f"damaged cached form: {err}") from None
    if compile_form(form):
        raise FormJsonError("the cached form no longer compiles")
    return form


def _choice(choice: Choice) -> dict[str, Any]:
    return {"name": choice.name, "labels": choice.labels, "extra": choice.extra}


def _read_choice(raw: dict[str, Any]) -> Choice:
    return Choice(name=str(raw["name"]), labels=dict(raw["labels"]), extra=dict(raw["extra"]))


def _element(element: FormElement, lists: dict[str, list[Choice]]) -> dict[str, Any]:
    out: dict[str, Any] = {name: getattr(element, name) for name in _PLAIN}
    shared = lists.get(element.list_name)
    # A question's choices are usually its list's, as they are: kept once, by list name.
    if element.choices != shared:
        out["choices"] = [_choice(c) for c in element.choices]
    out["children"] = [_element(child, lists) for child in element.children]
    return out


def _read_element(raw: dict[str, Any], parent_path: tuple[str, ...],
                  parent: FormElement | None, lists: dict[str, list[Choice]]) -> FormElement:
    fields = {name: raw[name] for name in _PLAIN}
    element = FormElement(path=(*parent_path, str(raw["name"])), parent=parent, **fields)
    if "choices" in raw:
        element.choices = [_read_choice(c) for c in raw["choices"]]
    else:
        element.choices = lists.get(element.list_name, [])
    element.children = [_read_element(child, element.path, element, lists)
                        for child in raw["children"]]
    return element
