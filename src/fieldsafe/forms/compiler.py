"""Compiles a form's expressions once at load time: syntax, references, functions and arity
are checked (with the sheet and row of each problem), and the dependency graph is built."""

from __future__ import annotations

import heapq
import re
from dataclasses import dataclass, field

from fieldsafe.forms.deep_reads import deep_reads
from fieldsafe.forms.errors import FormProblem
from fieldsafe.forms.model import FormDef, FormElement
from fieldsafe.forms.xpath.ast import BinOp, Call, Filter, Negate, Node, Path, Ref, walk
from fieldsafe.forms.xpath.functions import FUNCTIONS, arity_error
from fieldsafe.forms.xpath.lexer import XPathSyntaxError
from fieldsafe.forms.xpath.parser import parse
from fieldsafe.i18n import _

ElementPath = tuple[str, ...]
# Expression columns, by the attribute of FormElement that holds them and the column name.
EXPRESSION_FIELDS = (
    ("relevant", "relevant"), ("constraint", "constraint"), ("calculation", "calculation"),
    ("required", "required"), ("readonly", "read_only"), ("default", "default"),
    ("choice_filter", "choice_filter"), ("repeat_count", "repeat_count"),
)
# Fields whose value other expressions can see: they order the evaluation.
VALUE_FIELDS = ("relevant", "calculation", "repeat_count")
# Fields that only judge a question (shown beside it); nothing else reads them.
CHECK_FIELDS = ("constraint", "required", "readonly", "choice_filter")
_OUTPUT_REF = re.compile(r"\$\{\s*([^}\s]+)\s*\}")
_VOLATILE = {name for name, spec in FUNCTIONS.items() if spec.volatile}


@dataclass
class CompiledForm:
    """Parsed expressions and the evaluation order of a form."""

    exprs: dict[tuple[ElementPath, str], Node] = field(default_factory=dict)
    ref_paths: dict[str, ElementPath] = field(default_factory=dict)  # ${name}: first wins
    key_paths: dict[str, ElementPath] = field(default_factory=dict)  # answer key: first wins
    by_path: dict[ElementPath, FormElement] = field(default_factory=dict)
    order: list[FormElement] = field(default_factory=list)
    dependents: dict[ElementPath, set[ElementPath]] = field(default_factory=dict)
    checked_by: dict[ElementPath, set[ElementPath]] = field(default_factory=dict)
    rank: dict[ElementPath, int] = field(default_factory=dict)  # position in ``order``
    volatile: set[ElementPath] = field(default_factory=set)
    # A question's trigger (XLSForm's ``trigger`` column): the elements whose value is set
    # (to their calculation, else empty) when it changes, as pyxform's setvalue on
    # xforms-value-changed; their calculation is under (path, "trigger_value").
    triggers: dict[ElementPath, list[ElementPath]] = field(default_factory=dict)
    instance_ids: set[str] = field(default_factory=set)

    def expr(self, element: FormElement, name: str) -> Node | None:
        return self.exprs.get((element.path, name))


def expression_text(element: FormElement, attr: str) -> str:
    text = str(getattr(element, attr))
    if attr == "default":
        return text[1:] if text.startswith("=") else ""  # "=" marks a dynamic default
    if attr in ("required", "readonly") and text == "true()":
        return text
    if attr == "repeat_count" and text.strip().isdigit():
        return text.strip()
    return text


def compile_form(form: FormDef) -> list[FormProblem]:
    """Compile every expression of ``form`` into ``form.compiled``; return the problems."""
    compiled = CompiledForm()
    problems: list[FormProblem] = []
    for element in form.root.walk():
        compiled.by_path[element.path] = element
        compiled.ref_paths.setdefault(element.name, element.path)
        compiled.key_paths.setdefault(element.answer_key, element.path)
    compiled.instance_ids = set(form.choice_lists) | {
        a.rsplit(".", 1)[0] for a in form.attachments}
    deps: dict[ElementPath, set[ElementPath]] = {}
    deep: dict[ElementPath, set[ElementPath]] = {}  # read through predicates and ${r}/x
    by_name: dict[str, list[ElementPath]] = {}  # every element's path by its last name
    for path in compiled.by_path:
        by_name.setdefault(path[-1], []).append(path)
    for element in form.root.walk():
        own: set[ElementPath] = set()
        for attr, column in EXPRESSION_FIELDS:
            text = expression_text(element, attr)
            if not text:
                continue
            try:
                tree = parse(text)
                why = _check(tree, compiled)
            except XPathSyntaxError as err:
                why = str(err)
            if why:
                # pyxform's meta/instanceName holds the settings' instance_name, which is
                # told below on its own sheet and row (the author never wrote this one).
                if not (element.row is None and element.name == "instanceName" and
                        form.instance_name):
                    problems.append(_problem(element, column, text, why))
                continue
            if attr == "calculation" and element.trigger:
                compiled.exprs[(element.path, "trigger_value")] = tree  # not a live one
                continue
            compiled.exprs[(element.path, attr)] = tree
            reads = deep_reads(tree, element.path, compiled.by_path, compiled.ref_paths,
                               by_name)
            if attr in VALUE_FIELDS:
                own |= _dependencies(tree, element, compiled, by_name)
                deep.setdefault(element.path, set()).update(reads)
            elif attr in CHECK_FIELDS:
                for source in _dependencies(tree, element, compiled, by_name) | reads:
                    compiled.checked_by.setdefault(source, set()).add(element.path)
                if attr == "calculation" and _is_volatile(tree):
                    compiled.volatile.add(element.path)
        for name in _OUTPUT_REF.findall(element.trigger):
            if name in compiled.ref_paths:
                compiled.triggers.setdefault(compiled.ref_paths[name], []).append(
                    element.path)
            else:
                problems.append(_problem(element, "trigger", element.trigger, _(
                    "there is no question named '{name}'").format(name=name)))
        for text in [*element.labels.values(), *element.hints.values()]:
            for name in _OUTPUT_REF.findall(text):
                if name not in compiled.ref_paths:
                    problems.append(_problem(element, "label", text, _(
                        "there is no question named '{name}'").format(name=name)))
        deps[element.path] = own
    if form.instance_name:
        try:
            tree = parse(form.instance_name)
            why = _check(tree, compiled)
        except XPathSyntaxError as err:
            why = str(err)
        if why:
            problems.append(FormProblem(_("instance_name '{text}': {why}").format(
                text=form.instance_name, why=why), "settings", 2))
    if not problems:
        # What is read through predicates orders the evaluation too, unless that makes a
        # circle the plain references do not (a name matched too widely): then it only
        # makes those values recalculate when what they read changes.
        merged = {p: deps.get(p, set()) | deep.get(p, set()) for p in compiled.by_path}
        if _order(form, compiled, merged):
            problems.extend(_order(form, compiled, deps))
            for path, sources in deep.items():
                for source in sources - {path}:
                    compiled.dependents[source].add(path)
    form.compiled = compiled
    return problems


def _problem(element: FormElement, column: str, text: str, why: str) -> FormProblem:
    shown = text if len(text) <= 120 else text[:119] + "…"  # the row has it whole
    return FormProblem(_("{column} '{text}' of '{name}': {why}").format(
        column=column, text=shown, name=element.name, why=why), "survey", element.row,
        column)


def _check(tree: Node, compiled: CompiledForm) -> str | None:
    for node in walk(tree):
        if isinstance(node, Ref) and node.name not in compiled.ref_paths:
            return _("there is no question named '{name}'").format(name=node.name)
        if isinstance(node, Call):
            if node.name not in FUNCTIONS:
                return _("unknown function {name}()").format(name=node.name)
            why = arity_error(node.name, len(node.args))
            if why:
                return why
    return None


def _is_volatile(tree: Node) -> bool:
    if isinstance(tree, Call) and tree.name == "once":
        return False
    return any(isinstance(n, Call) and n.name in _VOLATILE for n in walk(tree))


def _dependencies(tree: Node, element: FormElement, compiled: CompiledForm,
                  by_name: dict[str, list[ElementPath]]) -> set[ElementPath]:
    """The elements whose values ``tree`` reads (an over-approximation is harmless);
    ``by_name``: the form's element paths by their last name."""
    found: set[ElementPath] = set()
    pending: list[tuple[Node, bool]] = [(tree, True)]  # (node, paths here are main-instance)
    while pending:
        node, main = pending.pop()
        if isinstance(node, Ref):
            found.add(compiled.ref_paths[node.name])
        elif isinstance(node, Path):
            start_is_current = isinstance(node.start, Call) and node.start.name == "current"
            if node.start is not None:
                pending.append((node.start, main))
            if (main and node.start is None) or start_is_current:
                found |= _static_path(node, element, by_name, compiled)
            for step in node.steps:
                pending.extend((p, False) for p in step.predicates)
        elif isinstance(node, Filter):
            pending.append((node.base, main))
            pending.extend((p, False) for p in node.predicates)
        elif isinstance(node, Call):
            if node.name == "current":
                found.add(element.path)
            pending.extend((a, main) for a in node.args)
        elif isinstance(node, BinOp):
            pending.extend(((node.left, main), (node.right, main)))
        elif isinstance(node, Negate):
            pending.append((node.operand, main))
    return found


def _static_path(node: Path, element: FormElement, by_name: dict[str, list[ElementPath]],
                 compiled: CompiledForm) -> set[ElementPath]:
    names = [s.test for s in node.steps if s.axis == "child" and s.test not in ("*", "node()")]
    if not names:
        return {element.path} if any(s.axis == "self" for s in node.steps) else set()
    if node.absolute:
        target = tuple(names)
        if target in compiled.by_path:
            return {target}
    cur: list[str] = list(element.path)
    ok = node.start is None and not node.absolute
    for step in node.steps:
        if not ok:
            break
        if step.axis == "parent":
            cur = cur[:-1]
        elif step.axis == "child" and step.test not in ("*", "node()"):
            cur.append(step.test)
        elif step.axis != "self":
            ok = False
    if ok and tuple(cur) in compiled.by_path:
        return {tuple(cur)}
    return set(by_name.get(names[-1], []))


def _order(form: FormDef, compiled: CompiledForm,
           deps: dict[ElementPath, set[ElementPath]]) -> list[FormProblem]:
    """Topological evaluation order: what an element reads comes first, and a container
    before what it holds. A cycle is a load error, as in ODK Validate."""
    position = {path: i for i, path in enumerate(compiled.by_path)}
    edges: dict[ElementPath, set[ElementPath]] = {p: set() for p in compiled.by_path}
    for path, sources in deps.items():
        for source in sources:
            if source != path or (path, "calculation") in compiled.exprs or (
                    path, "relevant") in compiled.exprs:
                edges[source].add(path)
    for element in form.root.walk():
        for child in element.children:
            edges[element.path].add(child.path)
    compiled.dependents = edges
    indegree = {p: 0 for p in edges}
    for targets in edges.values():
        for t in targets:
            indegree[t] += 1
    ready = [(position[p], p) for p, d in indegree.items() if d == 0]
    heapq.heapify(ready)
    order: list[ElementPath] = []
    while ready:
        _pos, path = heapq.heappop(ready)
        order.append(path)
        for t in edges[path]:
            indegree[t] -= 1
            if indegree[t] == 0:
                heapq.heappush(ready, (position[t], t))
    if len(order) < len(edges):
        stuck = [compiled.by_path[p] for p in compiled.by_path if indegree[p] > 0]
        element = next((e for e in stuck if e.kind == "question"), stuck[0])
        names = ", ".join(e.name for e in stuck[:6] if e.kind == "question")
        return [FormProblem(_("'{name}' depends on itself through a circle of references "
                              "({names})").format(name=element.name, names=names),
                            "survey", element.row)]
    compiled.order = [compiled.by_path[p] for p in order]
    compiled.rank = {p: i for i, p in enumerate(order)}
    return []
