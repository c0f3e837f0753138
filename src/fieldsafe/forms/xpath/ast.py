"""Syntax tree of ODK XPath expressions, as produced by the parser."""

from __future__ import annotations

from dataclasses import dataclass, field


class Node:
    """Base of every expression node."""

    __slots__ = ()


@dataclass(frozen=True, slots=True)
class Literal(Node):
    value: str


@dataclass(frozen=True, slots=True)
class Number(Node):
    value: float


@dataclass(frozen=True, slots=True)
class Ref(Node):
    """An XLSForm ``${name}`` reference to another question."""

    name: str


@dataclass(frozen=True, slots=True)
class Step(Node):
    """One location step: ``axis::test[predicates]``. ``test`` is a name, ``*`` or ``node()``."""

    axis: str
    test: str
    predicates: tuple[Node, ...] = ()


@dataclass(frozen=True, slots=True)
class Path(Node):
    """A location path. ``start`` is None for a relative path, or a filter expression
    (``instance('x')``, ``current()``, ``${q}``) that yields the starting nodes."""

    absolute: bool
    steps: tuple[Step, ...]
    start: Node | None = None


@dataclass(frozen=True, slots=True)
class Filter(Node):
    """A primary expression followed by predicates: ``(expr)[1]``."""

    base: Node
    predicates: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class BinOp(Node):
    op: str
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Negate(Node):
    operand: Node


@dataclass(frozen=True, slots=True)
class Call(Node):
    name: str
    args: tuple[Node, ...] = field(default=())


def walk(node: Node) -> list[Node]:
    """Every node of the tree, parents before children."""
    return [found for found, _depth in walk_with_depth(node)]


def depth(node: Node) -> int:
    """How deeply the tree nests (1 for a single number or reference), as the evaluator
    recurses: the left operand of an operator counts at its operator's level, since a
    chain leaning left (``a + b + c``) is worked through in a loop."""
    return max(level for _node, level in walk_with_depth(node, chains=True))


def walk_with_depth(node: Node, *, chains: bool = False) -> list[tuple[Node, int]]:
    """Every node of the tree with its level (the root's is 1), parents before children;
    without recursion, so any tree the parser made can be walked. With ``chains``, an
    operator's left operand is at the operator's own level (see :func:`depth`)."""
    out: list[tuple[Node, int]] = []
    pending: list[tuple[Node, int]] = [(node, 1)]
    while pending:
        cur, level = pending.pop()
        out.append((cur, level))
        stack: list[Node] = []
        if isinstance(cur, Step):
            stack.extend(cur.predicates)
        elif isinstance(cur, Path):
            stack.extend(cur.steps)
            if cur.start is not None:
                stack.append(cur.start)
        elif isinstance(cur, Filter):
            stack.append(cur.base)
            stack.extend(cur.predicates)
        elif isinstance(cur, BinOp):
            if chains:
                pending.append((cur.left, level))
                stack.append(cur.right)
            else:
                stack.extend((cur.left, cur.right))
        elif isinstance(cur, Negate):
            stack.append(cur.operand)
        elif isinstance(cur, Call):
            stack.extend(cur.args)
        pending.extend((child, level + 1) for child in stack)
    return out
