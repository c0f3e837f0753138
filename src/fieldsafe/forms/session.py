"""A form being filled in: the instance, live relevance and calculations, incremental updates."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from fieldsafe.forms.compiler import CompiledForm, ElementPath
from fieldsafe.forms.instance import (
    add_element,
    add_repeat,
    choice_instance,
    csv_instance,
    find_attachment,
    new_document,
)
from fieldsafe.forms.model import Choice, FormDef, FormElement, pick_translation
from fieldsafe.forms.validation import Problem, check_node
from fieldsafe.forms.xpath.ast import Node as XPathNode
from fieldsafe.forms.xpath.evaluator import EVAL_ERRORS, Ctx, Env, evaluate
from fieldsafe.forms.xpath.functions import FUNCTIONS  # noqa: F401 - registers the library
from fieldsafe.forms.xpath.nodes import XNode
from fieldsafe.forms.xpath.values import (
    Value,
    format_datetime,
    to_boolean,
    to_number,
    to_string,
)
from fieldsafe.ids import new_id

_OUTPUT_REF = re.compile(r"\$\{\s*([^}\s]+)\s*\}")


@dataclass(frozen=True, slots=True)
class DeviceInfo:
    """What the metadata questions (deviceid, username, email, phonenumber) fill in."""

    deviceid: str = ""
    username: str = ""
    email: str = ""
    phonenumber: str = ""


class FormSession:
    """The answers to one form, kept consistent with its expressions after every change."""

    def __init__(self, form: FormDef, *, language: str | None = None,
                 now: Callable[[], datetime] = datetime.now,
                 device: DeviceInfo | None = None) -> None:
        if form.compiled is None:
            raise ValueError("the form has not been compiled (use load_form)")
        self.form = form
        self.compiled: CompiledForm = form.compiled
        self.language = language or form.default_language
        self.device = device or DeviceInfo()
        self.errors: list[str] = []  # expressions that failed at run time
        self._problems: dict[XNode, Problem | None] = {}
        self.document, self.root = new_document(form)
        self.env = Env(main_root=self.document, ref_paths=self.compiled.ref_paths,
                       instances=self._secondary_instances(), now=now,
                       choice_label=self._choice_label, pulldata=self._pulldata,
                       itext=self._itext,
                       language=self.language)
        self._fill_metadata()
        for node in self.root.descendants():
            self._apply_default(node)
        self.recompute()

    # -- structure ------------------------------------------------------------------------
    def element_of(self, node: XNode) -> FormElement:
        names = [node.name, *(a.name for a in node.ancestors())][::-1][1:]
        return self.compiled.by_path[tuple(names)]

    def nodes_of(self, element: FormElement | ElementPath) -> list[XNode]:
        """Every node of ``element`` in the instance (one per repeat instance)."""
        path = element.path if isinstance(element, FormElement) else element
        nodes = [self.document]
        for name in path:
            nodes = [c for n in nodes for c in n.children_named(name)]
        return nodes

    def node(self, name: str | FormElement, *indexes: int) -> XNode:
        """The node of a question (or its answer key, or its name: the first question of
        that name where several groups have one); ``indexes`` pick repeat instances
        (1-based)."""
        if isinstance(name, FormElement):
            element = name
        else:
            path = self.compiled.key_paths.get(name) or self.compiled.ref_paths.get(name)
            if path is None:
                raise KeyError(name)
            element = self.compiled.by_path[path]
        nodes = [self.document]
        repeats = iter(indexes)
        for depth, step in enumerate(element.path, start=1):
            nodes = [c for n in nodes for c in n.children_named(step)]
            if self.compiled.by_path[element.path[:depth]].kind == "repeat":
                index = next(repeats, 1)
                nodes = nodes[index - 1:index]
        if not nodes:
            raise KeyError(name)
        return nodes[0]

    def add_repeat(self, element: FormElement, parent: XNode, *,
                   recompute: bool = True) -> XNode:
        """A new instance of the repeat ``element`` under ``parent``, its defaults applied.
        ``recompute=False`` leaves the form's logic to a later :meth:`recompute` (while
        saved answers are read in, a repeat count must not remove what is not in yet)."""
        node = add_repeat(parent, element)
        for n in [node, *node.descendants()]:
            self._apply_default(n)
        if recompute:
            self.recompute({element.path})
        return node

    def remove_repeat(self, node: XNode) -> None:
        element = self.element_of(node)
        assert node.parent is not None
        node.parent.children.remove(node)
        node.parent.children_changed()
        self.recompute({element.path})

    def move_repeat(self, node: XNode, offset: int) -> None:
        """Move a repeat instance up (-1) or down (+1) among its siblings."""
        assert node.parent is not None
        siblings = [c for c in node.parent.children if c.name == node.name]
        index = siblings.index(node)
        target = index + offset
        if not 0 <= target < len(siblings):
            return
        children = node.parent.children
        a, b = children.index(siblings[index]), children.index(siblings[target])
        children[a], children[b] = children[b], children[a]
        node.parent.children_changed()
        self.recompute({self.element_of(node).path})

    # -- values -------------------------------------------------------------------------------
    def set_value(self, node: XNode, value: str, *, _depth: int = 0) -> None:
        """Answer a question and update what depends on it; then set the questions it
        triggers (XLSForm's ``trigger``) as ODK does when a value changes."""
        if node.value == value:
            return
        node.value = value
        element = self.element_of(node)
        self.recompute({element.path}, include_changed=False)
        if _depth < 10:  # a trigger that sets its own trigger stops
            for path in self.compiled.triggers.get(element.path, []):
                target = self.compiled.by_path[path]
                expr = self.compiled.exprs.get((path, "trigger_value"))
                for other in self._near(node, target):
                    new = "" if expr is None else self._as_text(
                        self._eval(expr, other, target, "trigger"), target)
                    self.set_value(other, new, _depth=_depth + 1)

    def _near(self, node: XNode, target: FormElement) -> list[XNode]:
        """The nodes of ``target`` that a change at ``node`` reaches: in the same repeat
        instance where both are in that repeat, else every one."""
        nodes = self.nodes_of(target)
        for ancestor in node.ancestors():
            repeat = self.element_of(ancestor) if ancestor.parent is not None else None
            if repeat is not None and repeat.kind == "repeat" and \
                    target.path[:len(repeat.path)] == repeat.path:
                return [n for n in nodes if any(a is ancestor for a in n.ancestors())]
        return nodes

    def value(self, name: str, *indexes: int) -> str:
        return self.node(name, *indexes).value

    def recompute(self, changed: Iterable[ElementPath] | None = None,
                  include_changed: bool = True) -> int:
        """Bring relevance, calculations, repeat counts and each question's problem up to
        date. With ``changed``, only what depends on those elements (through the
        dependency graph) is evaluated, the changed elements themselves only with
        ``include_changed``. Returns how many elements were evaluated."""
        compiled = self.compiled
        if changed is None:
            values = compiled.order
            checks: Iterable[FormElement] = compiled.order
        else:
            start = set(changed)
            seen = set(start) if include_changed else set()
            stack = list(start)
            while stack:
                for dep in compiled.dependents.get(stack.pop(), ()):
                    if dep not in seen:
                        seen.add(dep)
                        stack.append(dep)
            values = [compiled.by_path[p] for p in sorted(seen, key=compiled.rank.__getitem__)]
            judged = seen | start
            for path in seen | start:
                judged |= compiled.checked_by.get(path, set())
            checks = [compiled.by_path[p] for p in judged]
        for element in values:
            self._evaluate(element)
        for element in checks:
            if element.kind == "question":
                for node in self.nodes_of(element):
                    self._problems[node] = check_node(self, element, node)
        return len(values)

    def problem(self, node: XNode) -> Problem | None:
        """What keeps this answer from being valid now (None when nothing does)."""
        return self._problems.get(node) if node.is_relevant() else None

    def _evaluate(self, element: FormElement) -> None:
        """Evaluate the relevance, calculation and repeat count of every node of
        ``element``."""
        compiled = self.compiled
        if element.kind == "repeat" and (element.path, "repeat_count") in compiled.exprs:
            self._apply_repeat_count(element)
        relevant = compiled.exprs.get((element.path, "relevant"))
        calculation = compiled.exprs.get((element.path, "calculation"))
        if relevant is None and calculation is None:
            return
        for node in self.nodes_of(element):
            if relevant is not None:
                node.relevant = to_boolean(self._eval(relevant, node, element, "relevant"))
            if calculation is not None:
                result = self._eval(calculation, node, element, "calculation")
                node.value = self._as_text(result, element)

    def _apply_repeat_count(self, element: FormElement) -> None:
        expr = self.compiled.exprs[(element.path, "repeat_count")]
        assert element.parent is not None
        for parent in self.nodes_of(element.parent):
            raw = to_number(self._eval(expr, parent, element, "repeat_count"))
            wanted = 0 if raw != raw or raw < 0 else min(int(raw), 10_000)
            existing = [c for c in parent.children if c.name == element.name]
            for extra in existing[wanted:]:
                parent.children.remove(extra)
            parent.children_changed()
            for _i in range(wanted - len(existing)):
                node = add_repeat(parent, element)
                for n in [node, *node.descendants()]:
                    self._apply_default(n)

    def _eval(self, expr: XPathNode, node: XNode, element: FormElement, what: str) -> Value:
        try:
            return evaluate(expr, Ctx(node, node, self.env))
        except EVAL_ERRORS as err:
            message = f"{element.name} ({what}): {err}"
            if message not in self.errors:
                self.errors.append(message)
            return ""

    @staticmethod
    def _as_text(result: Value, element: FormElement) -> str:
        text = to_string(result)
        if element.datatype == "int" and text not in ("", "NaN"):
            number = to_number(text)
            return str(int(number)) if number == number and abs(number) != float("inf") else ""
        return "" if text == "NaN" else text

    def _apply_default(self, node: XNode) -> None:
        element = self.element_of(node)
        if element.kind != "question" or node.value or not element.default:
            return
        expr = self.compiled.exprs.get((element.path, "default"))
        if expr is not None:
            node.value = self._as_text(self._eval(expr, node, element, "default"), element)
        elif not element.default.startswith("="):
            node.value = element.default

    def _fill_metadata(self) -> None:
        now = self.env.now()
        values = {"start": format_datetime(now), "end": format_datetime(now),
                  "today": now.date().isoformat(), "deviceid": self.device.deviceid,
                  "username": self.device.username, "email": self.device.email,
                  "phonenumber": self.device.phonenumber,
                  "instanceID": f"uuid:{new_id()}"}
        for element in self.form.questions():
            if element.qtype == "metadata" and element.metadata in values:
                for node in self.nodes_of(element):
                    node.value = values[element.metadata]

    def mark_end(self) -> None:
        """Stamp the ``end`` metadata (when the form is saved or finalized)."""
        for element in self.form.questions():
            if element.metadata == "end":
                for node in self.nodes_of(element):
                    node.value = format_datetime(self.env.now())

    # -- choices and labels ---------------------------------------------------------------
    def _secondary_instances(self) -> dict[str, XNode]:
        out = {name: choice_instance(choices, self.form.default_language)
               for name, choices in self.form.choice_lists.items()}
        for attachment in self.form.attachments:
            path = find_attachment(self.form, attachment)
            if path is not None and path.suffix.lower() == ".csv":
                out[path.stem] = csv_instance(path)
        return out

    def options(self, node: XNode) -> list[Choice]:
        """The choices a select question offers now, after its choice_filter."""
        element = self.element_of(node)
        choices = element.choices or self._file_choices(element)
        expr = self.compiled.exprs.get((element.path, "choice_filter"))
        if expr is None or not element.list_name:
            return choices
        # A choice list by its name; a file's (select_one_from_file) by the file's stem.
        instance = self.env.instances.get(element.list_name) or (self.env.instances.get(
            element.external_file.rsplit(".", 1)[0]) if element.external_file else None)
        if instance is None:
            return choices
        items = instance.children[0].children
        kept: list[Choice] = []
        for position, (choice, item) in enumerate(zip(choices, items, strict=False), start=1):
            # position() and last() are the item's, as in instance('list')/root/item[...]
            ctx = Ctx(item, node, self.env, position, len(items))
            try:
                if to_boolean(evaluate(expr, ctx)):
                    kept.append(choice)
            except EVAL_ERRORS as err:
                message = f"{element.name} (choice_filter): {err}"
                if message not in self.errors:
                    self.errors.append(message)
                return choices
        return kept

    def _file_choices(self, element: FormElement) -> list[Choice]:
        if not element.external_file:
            return []
        instance = self.env.instances.get(element.external_file.rsplit(".", 1)[0])
        if instance is None:
            return []
        out = []
        for item in instance.children[0].children:
            name = item.child("name")
            label = item.child("label")
            if name is not None:
                out.append(Choice(name.value, {"default": label.value if label else name.value}))
        return out

    def has_choice_source(self, element: FormElement) -> bool:
        return bool(element.choices) or bool(self._file_choices(element))

    def _choice_label(self, value: str, ref: str, current: XNode) -> str:
        match = _OUTPUT_REF.fullmatch(ref.strip())
        name = match.group(1) if match else ref.strip().rstrip("/").rsplit("/", 1)[-1]
        path = self.compiled.ref_paths.get(name)
        if path is None:
            return ""
        element = self.compiled.by_path[path]
        for choice in element.choices or self._file_choices(element):
            if choice.name == value:
                return pick_translation(choice.labels, self.language)
        return ""

    def _itext(self, key: str) -> str:
        """jr:itext('/data/q:label'): a question's label or hint in the current language."""
        path, _sep, form = key.rpartition(":")
        element = self.compiled.by_path.get(tuple(p for p in path.split("/") if p))
        if element is None:
            return ""
        texts = element.hints if form == "hint" else element.labels
        return pick_translation(texts, self.language)

    def _pulldata(self, file: str, column: str, key_column: str, key: str) -> str:
        instance = self.env.instances.get(file)
        if instance is None:
            return ""
        for item in instance.children[0].children:
            key_node = item.child(key_column)
            if key_node is not None and key_node.value == key:
                found = item.child(column)
                return found.value if found is not None else ""
        return ""

    def render(self, text: str, node: XNode) -> str:
        """A label or hint with its ``${name}`` references filled in."""
        def value(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in self.compiled.ref_paths:
                return match.group(0)
            from fieldsafe.forms.xpath.evaluator import resolve_ref
            return to_string(resolve_ref(name, Ctx(node, node, self.env)))
        return _OUTPUT_REF.sub(value, text)

    def label(self, node: XNode) -> str:
        element = self.element_of(node)
        return self.render(pick_translation(element.labels, self.language), node)


__all__ = ["DeviceInfo", "FormSession", "add_element"]
