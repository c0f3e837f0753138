"""Answer keys: where each question's and repeat's answer sits in the answers JSON.

Answers are ODK's instance as JSON with groups flattened: the form root and each repeat
instance are a dict (a scope), a repeat is a list of such dicts. XLSForm lets two groups hold
a question of the same name (``/data/a/comments`` and ``/data/b/comments``), which would
share one key there. So an element is keyed by its name where the name is unique in its
scope (every form without such a pair keeps exactly the JSON it always had), and where two
elements of a scope share a name, each of them by its group path within the scope joined
with "/" (``a/comments``, ``b/comments``), as KoboToolbox names its JSON keys. Names are XML
names, which have no "/" or "[", so keys never clash with names or with each other.

A question path (attachments, geometries) is the keys of the repeats it sits in, each with
its instance number, then its own key: ``findings[2]/photo``, ``a/items[1]/b/photo``.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from fieldsafe.forms.model import FormDef, FormElement

_REPEAT_STEP = re.compile(r"([^\[\]]+)\[(\d+)\](?:/|$)")


def assign_answer_keys(container: FormElement) -> None:
    """Set ``answer_key`` on the questions and repeats of ``container``'s scope and, scope
    by scope, of every repeat below it."""
    members = container.scope()
    counts = Counter(m.name for m in members)
    for member in members:
        member.answer_key = member.name if counts[member.name] == 1 else \
            "/".join((*group_path(member, container), member.name))
        if member.kind == "repeat":
            assign_answer_keys(member)


def group_path(element: FormElement, container: FormElement) -> tuple[str, ...]:
    """The names of the groups between ``container`` and ``element``, outermost first."""
    names: list[str] = []
    node = element.parent
    while node is not None and node is not container:
        names.append(node.name)
        node = node.parent
    return tuple(reversed(names))


def legacy_names(members: list[FormElement]) -> set[str]:
    """The names that several members of one scope share and none has as its key: keys
    older FieldSafe versions wrote for all of them at once (one value), still read as the
    answer of each of them."""
    keys = {m.answer_key for m in members}
    return {m.name for m in members if m.answer_key != m.name} - keys


def split_path(path: str) -> list[tuple[str, int | None]]:
    """A question path as (key, repeat instance number) steps: ``a/items[2]/b/photo`` ->
    ``[("a/items", 2), ("b/photo", None)]``."""
    steps: list[tuple[str, int | None]] = []
    position = 0
    while match := _REPEAT_STEP.match(path, position):
        steps.append((match.group(1), int(match.group(2))))
        position = match.end()
    if position < len(path):
        steps.append((path[position:], None))
    return steps


def top_key(path: str) -> str:
    """The key, in the audit's own answers, that a question path sits under: its repeat's
    (``findings`` for ``findings[2]/photo``), or its own for a question outside repeats."""
    return path.split("[", 1)[0]


def locate(form: FormDef, path: str) -> tuple[FormElement, list[int]] | None:
    """The question (or repeat) a question path names, and the numbers of the repeat
    instances on the way; None when the path does not fit the form."""
    scope = form.root
    indexes: list[int] = []
    steps = split_path(path)
    for number, (key, index) in enumerate(steps, start=1):
        element = next((m for m in scope.scope() if m.answer_key == key), None)
        if element is None:
            return None
        if index is None:
            return (element, indexes) if number == len(steps) else None
        if element.kind != "repeat":
            return None
        indexes.append(index)
        scope = element
    return None


def element_at(form: FormDef, path: str) -> FormElement | None:
    """The question at ``path``; for a path saved before answer keys (``photo`` for a
    question whose name two groups share), the first question of that name."""
    found = locate(form, path)
    if found is not None:
        return found[0]
    return form.by_name().get(path.rsplit("/", 1)[-1])


def sensitive_keys(form: FormDef) -> frozenset[str]:
    """The keys under which sensitive answers can sit, in any scope: each sensitive
    question's or repeat's answer key, and its name (a name several groups share was saved
    under it before answer keys). Everything in a sensitive group is sensitive itself."""
    return frozenset(key for e in form.root.walk() if e.sensitive and e.kind != "group"
                     for key in (e.answer_key, e.name))


def without_keys(answers: dict[str, Any], keys: frozenset[str]) -> dict[str, Any]:
    """``answers`` without ``keys``, wherever they appear (repeat instances included)."""
    out: dict[str, Any] = {}
    for key, value in answers.items():
        if key in keys:
            continue
        if isinstance(value, list):
            value = [without_keys(v, keys) if isinstance(v, dict) else v for v in value]
        out[key] = value
    return out


def path_in(path: str, keys: frozenset[str]) -> bool:
    """Whether a question path (``findings[2]/photo``) goes through or ends at one of
    ``keys``: the file or geometry there belongs to what those keys hold."""
    return any(key in keys for key, _index in split_path(path))
