"""The answers an expression reads through predicates and paths below a ``${reference}``."""

from __future__ import annotations

from collections.abc import Mapping

from fieldsafe.forms.xpath.ast import BinOp, Call, Filter, Negate, Node, Path, Ref, Step

ElementPath = tuple[str, ...]


def deep_reads(tree: Node, own: ElementPath, by_path: Mapping[ElementPath, object],
               ref_paths: Mapping[str, ElementPath],
               by_name: Mapping[str, list[ElementPath]]) -> set[ElementPath]:
    """The form elements that ``tree`` (an expression of the element at ``own``) reads
    where the plain dependency walk does not look: ``${r}/v``, ``${r}[v > 2]``,
    ``/data/r[v > 2]``. A relative path in a predicate starts from the nodes it filters;
    one that cannot be placed stands for every element of its last name (reading too much
    only costs a recalculation). Paths into secondary instances (``instance('x')``) read no
    answer and are left out."""
    found: set[ElementPath] = set()

    def place(path: Path, context: ElementPath | None) -> ElementPath | None:
        if path.absolute:
            return ()
        start = path.start
        if start is None:
            return context
        return anchor(start, context)

    def anchor(start: Node, context: ElementPath | None) -> ElementPath | None:
        if isinstance(start, Ref):
            return ref_paths.get(start.name)
        if isinstance(start, Call) and start.name == "current":
            return own
        if isinstance(start, Filter):
            return anchor(start.base, context)
        if isinstance(start, Path):
            return walk_steps(start, place(start, context))
        return None

    def walk_steps(path: Path, cur: ElementPath | None) -> ElementPath | None:
        for step in path.steps:
            cur = _step(cur, step) if cur is not None else None
        return cur

    def visit(node: Node, context: ElementPath | None) -> None:
        if isinstance(node, Path):
            if node.start is not None:
                visit(node.start, context)
            cur = place(node, context)
            main = cur is not None
            for step in node.steps:
                before = cur
                cur = _step(cur, step) if cur is not None else None
                if cur is None and before is not None and step.axis in ("child",
                                                                        "descendant"):
                    # ${r}/* or ${r}//x: whatever is below what was reached
                    found.update(p for p in by_path
                                 if len(p) > len(before) and p[:len(before)] == before)
                for predicate in step.predicates:
                    visit(predicate, cur)
            if cur is not None and cur in by_path:
                found.add(cur)
            elif main:
                names = [s.test for s in node.steps if s.axis == "child"
                         and s.test not in ("*", "node()")]
                if names:
                    found.update(by_name.get(names[-1], []))
        elif isinstance(node, Filter):
            visit(node.base, context)
            base = anchor(node.base, context)
            for predicate in node.predicates:
                visit(predicate, base)
        elif isinstance(node, Call):
            for arg in node.args:
                visit(arg, context)
        elif isinstance(node, BinOp):
            while isinstance(node, BinOp):  # a long left-leaning chain: a loop, no recursion
                visit(node.right, context)
                node = node.left
            visit(node, context)
        elif isinstance(node, Negate):
            visit(node.operand, context)

    visit(tree, own)
    return found


def _step(cur: ElementPath, step: Step) -> ElementPath | None:
    if step.axis == "self":
        return cur
    if step.axis == "parent":
        return cur[:-1]
    if step.axis == "child" and step.test not in ("*", "node()"):
        return (*cur, step.test)
    return None
