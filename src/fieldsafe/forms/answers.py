"""Answers in ODK's JSON shape: read them into a session, and write the saved instance."""

from __future__ import annotations

import json
import math
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from fieldsafe.forms.keys import legacy_names
from fieldsafe.forms.model import FormElement
from fieldsafe.forms.session import FormSession
from fieldsafe.forms.validation import Problem, is_whole_number
from fieldsafe.forms.xpath.nodes import XNode
from fieldsafe.forms.xpath.values import format_number, is_answer_number
from fieldsafe.i18n import _

Answers = dict[str, Any]
_MISSING = object()


def answer_text(value: Any) -> str:
    """An answer as ODK stores it: numbers plainly, lists space-separated, booleans as
    true/false."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return format_number(float(value)) if not isinstance(value, int) else str(value)
    if isinstance(value, list):
        return " ".join(answer_text(v) for v in value)
    return str(value)


def load_answers(session: FormSession, answers: Answers) -> list[Problem]:
    """Put ``answers`` (answer key -> value; a repeat's key -> list of objects; see
    :mod:`fieldsafe.forms.keys`) into the session. Returns problems for keys the form does
    not have. A name several groups of a scope share, saved under that bare name before
    answer keys, still answers each of them (as it did then) unless its own key is given."""
    problems: list[Problem] = []
    _fill(session, session.form.root, session.root, answers, problems)
    session.recompute()
    return problems


def _fill(session: FormSession, container: FormElement, node: XNode, answers: Answers,
          problems: list[Problem]) -> None:
    members = container.scope()
    legacy = legacy_names(members)
    known = {m.answer_key for m in members} | legacy | _group_names(container)
    for key in answers:
        if key not in known:
            problems.append(Problem(key, "type", _("the form has no question or repeat "
                                                   "named '{name}' here").format(name=key)))
    _fill_children(session, container, node, answers, legacy, problems)


def _group_names(container: FormElement) -> set[str]:
    """The names of the groups of a scope: keys that were always let through (and unused)."""
    names: set[str] = set()
    for child in container.children:
        if child.kind == "group":
            names |= {child.name} | _group_names(child)
    return names


def _given(element: FormElement, answers: Answers, legacy: set[str]) -> Any:
    """The answer given for ``element``: under its key, else under its bare name where
    that is an older FieldSafe's key for it (``_MISSING`` if neither)."""
    if element.answer_key in answers:
        return answers[element.answer_key]
    if element.name in legacy:
        return answers.get(element.name, _MISSING)
    return _MISSING


def _fill_children(session: FormSession, container: FormElement, node: XNode,
                   answers: Answers, legacy: set[str], problems: list[Problem]) -> None:
    for child in container.children:
        if child.kind == "group":
            target = node.child(child.name)
            if target is not None:
                _fill_children(session, child, target, answers, legacy, problems)
        elif child.kind == "repeat":
            items = _given(child, answers, legacy)
            if items is _MISSING or items is None:
                continue
            if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
                problems.append(Problem(child.answer_key, "type", _(
                    "a repeat's answers are a list of objects")))
                continue
            existing = [c for c in node.children if c.name == child.name]
            for index, item in enumerate(items):
                # Instances made by a repeat_count are filled in before new ones are added;
                # the count is applied once everything is in (load_answers' recompute),
                # whether the question it reads comes before the repeat or after it.
                instance = existing[index] if index < len(existing) else \
                    session.add_repeat(child, node, recompute=False)
                _fill(session, child, instance, item, problems)
        elif child.qtype not in ("calculate", "note"):
            value = _given(child, answers, legacy)
            if _has_object(value):
                problems.append(Problem(child.answer_key, "type", _(
                    "'{name}': an answer is text, a number or a list of them, not an "
                    "object").format(name=child.answer_key)))
                continue
            target = node.child(child.name) if value is not _MISSING else None
            if target is not None:
                target.value = answer_text(value).strip()


def _has_object(value: Any) -> bool:
    """Whether ``value`` is, or holds, a JSON object (no question's answer is one)."""
    return isinstance(value, dict) or (isinstance(value, list) and any(
        _has_object(v) for v in value))


def instance_json(session: FormSession, include_sensitive: bool = True) -> Answers:
    """The instance that would be saved, in the answers' shape (by answer key): relevant
    questions only, calculations included, repeats as lists."""
    return _dump(session, session.form.root, session.root, include_sensitive)


def _dump(session: FormSession, container: FormElement, node: XNode,
          include_sensitive: bool) -> Answers:
    out: Answers = {}
    for child in container.children:
        if child.kind == "repeat":
            out[child.answer_key] = [
                _dump(session, child, instance, include_sensitive)
                for instance in node.children
                if instance.name == child.name and instance.is_relevant()]
            continue
        target = node.child(child.name)
        if target is None or not target.is_relevant():
            continue
        if child.kind == "group":
            out.update(_dump(session, child, target, include_sensitive))
        elif child.qtype not in ("note", "trigger") and (include_sensitive or
                                                          not child.sensitive):
            out[child.answer_key] = _json_value(child, target.value)
    return out


def _json_value(element: FormElement, text: str) -> Any:
    """A number question's answer as a JSON number where it is one of its type; anything
    else (a typing mistake the checks report, "1e2" for a whole number) as typed."""
    if text and element.datatype == "int":
        return int(text) if is_whole_number(text) else text
    if text and element.datatype == "decimal" and is_answer_number(text):
        number = float(text)
        if math.isfinite(number):
            return number
    return text


def instance_xml(session: FormSession) -> str:
    """The saved instance as ODK XML: non-relevant nodes left out."""
    form = session.form
    attrs = f" id={quoteattr(form.form_id)}"
    if form.version:
        attrs += f" version={quoteattr(form.version)}"
    parts = [f"<{session.root.name}{attrs}>"]
    for child in session.root.children:
        _xml(child, parts)
    parts.append(f"</{session.root.name}>")
    return "".join(parts)


def _xml(node: XNode, parts: list[str]) -> None:
    if not node.relevant:
        return
    if node.children:
        parts.append(f"<{node.name}>")
        for child in node.children:
            _xml(child, parts)
        parts.append(f"</{node.name}>")
    elif node.value:
        parts.append(f"<{node.name}>{escape(node.value)}</{node.name}>")
    else:
        parts.append(f"<{node.name}/>")


def dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)
