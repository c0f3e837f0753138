"""Evaluates a parsed XPath expression over XNode trees, with ODK's typing rules."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from fieldsafe.forms.xpath.ast import (
    BinOp,
    Call,
    Filter,
    Literal,
    Negate,
    Node,
    Number,
    Path,
    Ref,
    Step,
)
from fieldsafe.forms.xpath.nodes import AttrNode, XNode
from fieldsafe.forms.xpath.values import Value, to_boolean, to_number, to_string, typed


class XPathEvalError(ValueError):
    """An expression could not be evaluated (a bad argument at run time)."""


#: What evaluating an expression can raise for what a form or its answers hold (not a bug):
#: callers record it and go on.
EVAL_ERRORS = (XPathEvalError, ZeroDivisionError, OverflowError, ValueError)


@dataclass
class Env:
    """What an evaluation may consult beyond the context node."""

    main_root: XNode
    ref_paths: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    instances: Mapping[str, XNode] = field(default_factory=dict)
    now: Callable[[], datetime] = datetime.now
    choice_label: Callable[[str, str, XNode], str] = lambda value, ref, current: ""
    itext: Callable[[str], str] = lambda key: ""
    pulldata: Callable[[str, str, str, str], str] = lambda f, col, key_col, key: ""
    language: str | None = None
    extra: dict[str, object] = field(default_factory=dict)


@dataclass(slots=True)
class Ctx:
    node: XNode
    current: XNode
    env: Env
    position: int = 1
    size: int = 1

    def with_node(self, node: XNode, position: int = 1, size: int = 1) -> Ctx:
        return Ctx(node, self.current, self.env, position, size)


def evaluate(expr: Node, ctx: Ctx) -> Value:
    """The value of ``expr`` in context ``ctx``."""
    kind = type(expr)
    if kind is Literal:
        return expr.value  # type: ignore[attr-defined, no-any-return]
    if kind is Number:
        return expr.value  # type: ignore[attr-defined, no-any-return]
    if kind is Ref:
        return resolve_ref(expr.name, ctx)  # type: ignore[attr-defined]
    if kind is BinOp:
        return _binop(expr, ctx)  # type: ignore[arg-type]
    if kind is Call:
        from fieldsafe.forms.xpath.functions import call_function

        return call_function(expr, ctx)  # type: ignore[arg-type]
    if kind is Path:
        return _path(expr, ctx)  # type: ignore[arg-type]
    if kind is Negate:
        return -to_number(evaluate(expr.operand, ctx))  # type: ignore[attr-defined]
    if kind is Filter:
        base = evaluate(expr.base, ctx)  # type: ignore[attr-defined]
        if not isinstance(base, list):
            raise XPathEvalError("predicates can only filter a node-set")
        return _apply_predicates(base, expr.predicates, ctx)  # type: ignore[attr-defined]
    raise XPathEvalError(f"cannot evaluate {expr!r}")


def resolve_ref(name: str, ctx: Ctx) -> list[XNode]:
    """``${name}``: the question's node(s), in the same repeat instance as ``current()``
    wherever the two share a repeat (JavaRosa's contextualisation)."""
    path = ctx.env.ref_paths.get(name)
    if path is None:
        raise XPathEvalError(f"no question named {name!r}")
    return resolve_absolute(ctx.env.main_root, path, ctx.current)


def resolve_absolute(root: XNode, names: Sequence[str], current: XNode) -> list[XNode]:
    chain = [current, *current.ancestors()][::-1]  # document, data, ..., current
    nodes = [root]
    for depth, name in enumerate(names, start=1):
        anchor = chain[depth] if depth < len(chain) else None
        nxt: list[XNode] = []
        for n in nodes:
            nxt.extend(n.children_named(name))
        if anchor is not None and anchor.name == name and any(c is anchor for c in nxt):
            nxt = [anchor]
        nodes = nxt
        if not nodes:
            break
    return nodes


def _binop(expr: BinOp, ctx: Ctx) -> Value:
    """A chain of operators leaning left (``${q1} + ${q2} + ... + ${q300}``, as a scoring
    form adds up its answers) is worked through in a loop, not one call deeper for each."""
    chain: list[BinOp] = []
    node: Node = expr
    while type(node) is BinOp:
        chain.append(node)
        node = node.left
    value = evaluate(node, ctx)
    for link in reversed(chain):
        if link.op == "or":
            value = to_boolean(value) or to_boolean(evaluate(link.right, ctx))
        elif link.op == "and":
            value = to_boolean(value) and to_boolean(evaluate(link.right, ctx))
        else:
            value = _apply(link.op, value, evaluate(link.right, ctx))
    return value


def _apply(op: str, left: Value, right: Value) -> Value:
    if op in ("=", "!=", "<", "<=", ">", ">="):
        return compare(op, left, right)
    if op == "|":
        if not isinstance(left, list) or not isinstance(right, list):
            raise XPathEvalError("'|' joins node-sets only")
        seen = {id(n) for n in left}
        return left + [n for n in right if id(n) not in seen]
    a, b = to_number(left), to_number(right)
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if op == "div":
        if b == 0:
            return math.nan if a == 0 or math.isnan(a) else math.copysign(math.inf, a) * (
                math.copysign(1, b))
        return a / b
    if op == "mod":
        return math.nan if b == 0 else math.fmod(a, b)
    raise XPathEvalError(f"unknown operator {op}")


_Atom = str | float | bool | date | datetime


def _atoms(value: Value) -> list[_Atom]:
    if isinstance(value, list):
        return [typed(n) for n in value]
    return [value]


def compare(op: str, left: Value, right: Value) -> bool:
    """XPath 1.0 comparison, existential over node-sets, with JavaRosa's typing of numbers
    and dates."""
    if (isinstance(left, bool) or isinstance(right, bool)) and op in ("=", "!="):
        return _cmp(op, to_boolean(left), to_boolean(right))
    for a in _atoms(left):
        for b in _atoms(right):
            if _cmp(op, a, b):
                return True
    return False


def _cmp(op: str, a: _Atom, b: _Atom) -> bool:
    if op in ("=", "!="):
        if isinstance(a, bool) or isinstance(b, bool):
            x: object = to_boolean(a)
            y: object = to_boolean(b)
        elif isinstance(a, float | date) or isinstance(b, float | date):
            x, y = to_number(a), to_number(b)
        else:
            x, y = a, b
        return (x == y) if op == "=" else (x != y)
    fa, fb = to_number(a), to_number(b)
    if op == "<":
        return fa < fb
    if op == "<=":
        return fa <= fb
    if op == ">":
        return fa > fb
    return fa >= fb


def _path(expr: Path, ctx: Ctx) -> list[XNode]:
    if expr.start is not None:
        start = evaluate(expr.start, ctx)
        if not isinstance(start, list):
            raise XPathEvalError("a path can only continue from a node-set")
        nodes = start
    elif expr.absolute:
        nodes = [ctx.node.root()]
        if nodes[0] is ctx.env.main_root.root() and not any(s.predicates for s in expr.steps):
            names = [s.test for s in expr.steps]
            if all(s.axis == "child" and s.test not in ("*", "node()") for s in expr.steps):
                return resolve_absolute(nodes[0], names, ctx.current)
    else:
        nodes = [ctx.node]
    for step in expr.steps:
        nodes = _step(step, nodes, ctx)
    return nodes


def _axis(axis: str, node: XNode) -> list[XNode]:
    if axis == "child":
        return node.children
    if axis == "self":
        return [node]
    if axis == "parent":
        return [node.parent] if node.parent is not None else []
    if axis == "attribute":
        out: list[XNode] = []
        for key, val in node.attributes.items():
            attr = AttrNode(key, val)
            attr.parent = node
            out.append(attr)
        return out
    if axis == "descendant":
        return list(node.descendants())
    if axis == "descendant-or-self":
        return [node, *node.descendants()]
    if axis == "ancestor":
        return list(node.ancestors())
    if axis == "ancestor-or-self":
        return [node, *node.ancestors()]
    siblings = node.parent.children if node.parent is not None else [node]
    index = next(i for i, s in enumerate(siblings) if s is node)
    if axis == "following-sibling":
        return siblings[index + 1:]
    if axis == "preceding-sibling":
        return siblings[:index][::-1]
    order = [node.root(), *node.root().descendants()]
    pos = next(i for i, s in enumerate(order) if s is node)
    ancestors = {id(a) for a in node.ancestors()}
    if axis == "following":
        inside = {id(d) for d in node.descendants()}
        return [n for n in order[pos + 1:] if id(n) not in inside]
    return [n for n in order[:pos][::-1] if id(n) not in ancestors]  # preceding


def _step(step: Step, nodes: list[XNode], ctx: Ctx) -> list[XNode]:
    out: list[XNode] = []
    seen: set[int] = set()
    test = step.test
    for node in nodes:
        matched = [n for n in _axis(step.axis, node)
                   if test in ("node()", "*") or n.name == test
                   or (test.endswith(":*") and n.name.startswith(test[:-1]))]
        if test == "text()":
            matched = [n for n in _axis(step.axis, node) if not n.children]
        if step.predicates:
            matched = _apply_predicates(matched, step.predicates, ctx)
        for n in matched:
            if id(n) not in seen:
                seen.add(id(n))
                out.append(n)
    return out


def _apply_predicates(nodes: list[XNode], predicates: Sequence[Node], ctx: Ctx) -> list[XNode]:
    for predicate in predicates:
        size = len(nodes)
        kept: list[XNode] = []
        for position, node in enumerate(nodes, start=1):
            value = evaluate(predicate, ctx.with_node(node, position, size))
            if isinstance(value, float):
                if value == position:
                    kept.append(node)
            elif to_boolean(value):
                kept.append(node)
        nodes = kept
    return nodes


def evaluate_string(expr: Node, ctx: Ctx) -> str:
    return to_string(evaluate(expr, ctx))


def evaluate_boolean(expr: Node, ctx: Ctx) -> bool:
    return to_boolean(evaluate(expr, ctx))
