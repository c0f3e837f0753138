"""The form model: questions, groups, repeats and choice lists, free of any spreadsheet detail."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fieldsafe.forms.compiler import CompiledForm

# The roles a form may give its questions (the ``role`` column), which the map and the
# reports read to know what a question means.
ROLES = frozenset({
    "route", "finding", "location", "category", "severity", "photo", "note",
    "recommendation", "agency", "rating", "score", "period", "participants",
})

Translations = dict[str, str]  # language name ("English (en)", or "default") -> text


@dataclass(slots=True)
class Choice:
    name: str
    labels: Translations = field(default_factory=dict)
    extra: dict[str, str] = field(default_factory=dict)  # other choices-sheet columns


@dataclass(slots=True)
class FormElement:
    """A question, a group or a repeat (``kind``), with everything the engine needs."""

    kind: str  # "question", "group" or "repeat"
    name: str
    path: tuple[str, ...]  # element names from the instance root, root included
    qtype: str = "group"  # normalised question type, see fieldsafe.forms.types
    xlsform_type: str = ""  # the type as pyxform reported it
    datatype: str = "string"  # XForms bind type: string, int, decimal, date, dateTime ...
    labels: Translations = field(default_factory=dict)
    hints: Translations = field(default_factory=dict)
    required_messages: Translations = field(default_factory=dict)
    constraint_messages: Translations = field(default_factory=dict)
    relevant: str = ""
    constraint: str = ""
    calculation: str = ""
    required: str = ""  # "" / "true()" / an expression
    readonly: str = ""
    default: str = ""
    choice_filter: str = ""
    repeat_count: str = ""
    trigger: str = ""
    appearance: str = ""
    parameters: dict[str, str] = field(default_factory=dict)
    list_name: str = ""
    choices: list[Choice] = field(default_factory=list)
    external_file: str = ""  # select_one_from_file's attachment
    metadata: str = ""  # for metadata types: start, end, today, deviceid, ...
    role: str = ""
    sensitive: bool = False
    row: int | None = None  # row on the survey sheet, for messages
    children: list[FormElement] = field(default_factory=list)
    parent: FormElement | None = field(default=None, repr=False)
    # Where its answer sits in the answers JSON (its scope's dict): its name, unless another
    # question or repeat of the same scope has that name too (see fieldsafe.forms.keys).
    answer_key: str = ""

    def __post_init__(self) -> None:
        if not self.answer_key:
            self.answer_key = self.name

    @property
    def is_container(self) -> bool:
        return self.kind in ("group", "repeat")

    def scope(self) -> list[FormElement]:
        """The questions and repeats whose answers sit in this container's dict of answers
        (the form root's, or a repeat instance's): through its groups, not into its
        repeats, in form order."""
        out: list[FormElement] = []
        for child in self.children:
            out.extend(child.scope() if child.kind == "group" else [child])
        return out

    def walk(self) -> Iterator[FormElement]:
        """This element and all below it, in form order."""
        yield self
        for child in self.children:
            yield from child.walk()

    def label(self, language: str | None = None) -> str:
        return pick_translation(self.labels, language)

    def repeat_ancestors(self) -> list[FormElement]:
        out: list[FormElement] = []
        node = self.parent
        while node is not None:
            if node.kind == "repeat":
                out.append(node)
            node = node.parent
        return out[::-1]


def pick_translation(texts: Translations, language: str | None) -> str:
    if not texts:
        return ""
    if language and language in texts:
        return texts[language]
    for key in ("default", *texts):
        if texts.get(key):
            return texts[key]
    return ""


@dataclass(slots=True)
class FormDef:
    """A loaded, checked form."""

    form_id: str
    version: str
    title: str
    root: FormElement
    default_language: str
    languages: list[str]
    instance_name: str = ""
    settings: dict[str, str] = field(default_factory=dict)
    choice_lists: dict[str, list[Choice]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    attachments: list[str] = field(default_factory=list)  # files the form refers to
    source: str = ""  # the file it came from
    xform: str = ""  # the XForm XML that pyxform made of it
    content_hash: str = ""
    compiled: CompiledForm | None = field(default=None, repr=False)

    def elements(self) -> Iterator[FormElement]:
        yield from self.root.walk()

    def questions(self) -> Iterator[FormElement]:
        return (e for e in self.root.walk() if e.kind == "question")

    def by_name(self) -> dict[str, FormElement]:
        """Elements by name, for ``${name}`` references (which pyxform allows only for a
        name used once in the whole form); the first wins where a name repeats. Answers are
        read by key instead: see :meth:`by_key`."""
        out: dict[str, FormElement] = {}
        for element in self.root.walk():
            out.setdefault(element.name, element)
        return out

    def by_key(self) -> dict[str, FormElement]:
        """The questions and repeats outside any repeat by their answer key (the keys of a
        revision's answers)."""
        return {e.answer_key: e for e in self.root.scope()}

    def with_role(self, role: str) -> list[FormElement]:
        return [e for e in self.root.walk() if e.role == role]

    @property
    def method(self) -> str:
        return self.settings.get("method", "")
