"""The ODK XForms function library: registry, arity rules, and the core functions."""

from __future__ import annotations

import math
import random
import uuid as uuid_module
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

import regex  # type: ignore[import-untyped]

from fieldsafe.forms.xpath.ast import Call, Node
from fieldsafe.forms.xpath.evaluator import Ctx, XPathEvalError, evaluate
from fieldsafe.forms.xpath.nodes import XNode
from fieldsafe.forms.xpath.values import Value, to_boolean, to_int, to_number, to_string

UUID_MAX = 10_000  # the longest uuid(n) made (a blank or huge n must not fill the memory)

Impl = Callable[[Ctx, tuple[Node, ...]], Value]


@dataclass(frozen=True, slots=True)
class FunctionSpec:
    name: str
    min_args: int
    max_args: int | None  # None: any number
    impl: Impl
    volatile: bool = False  # depends on the clock or chance, not only on its arguments


FUNCTIONS: dict[str, FunctionSpec] = {}


def register(name: str, min_args: int, max_args: int | None, *, lazy: bool = False,
             volatile: bool = False) -> Callable[[Callable[..., Value]], Callable[..., Value]]:
    """Add a function. Eager functions receive (ctx, [values]); lazy ones (ctx, [nodes])."""

    def deco(fn: Callable[..., Value]) -> Callable[..., Value]:
        if lazy:
            impl: Impl = fn
        else:
            def impl(ctx: Ctx, args: tuple[Node, ...]) -> Value:
                return fn(ctx, [evaluate(a, ctx) for a in args])
        FUNCTIONS[name] = FunctionSpec(name, min_args, max_args, impl, volatile)
        return fn

    return deco


def call_function(expr: Call, ctx: Ctx) -> Value:
    spec = FUNCTIONS.get(expr.name)
    if spec is None:
        raise XPathEvalError(f"unknown function {expr.name}()")
    return spec.impl(ctx, expr.args)


def arity_error(name: str, count: int) -> str | None:
    """Why ``name`` cannot take ``count`` arguments, or None when it can (or is unknown)."""
    spec = FUNCTIONS.get(name)
    if spec is None:
        return None
    if count < spec.min_args or (spec.max_args is not None and count > spec.max_args):
        if spec.max_args is None:
            expected = f"at least {spec.min_args}"
        elif spec.min_args == spec.max_args:
            expected = str(spec.min_args)
        else:
            expected = f"{spec.min_args} to {spec.max_args}"
        return f"{name}() takes {expected} argument(s), not {count}"
    return None


def nodes_arg(value: Value, fname: str) -> list[XNode]:
    if not isinstance(value, list):
        raise XPathEvalError(f"{fname}() needs a node-set (a question or path)")
    return value


def flatten_strings(values: list[Value]) -> list[str]:
    """Each argument's string; a node-set contributes every node (JavaRosa's rule)."""
    out: list[str] = []
    for v in values:
        if isinstance(v, list):
            out.extend(n.string_value() for n in v)
        else:
            out.append(to_string(v))
    return out


def flatten_numbers(values: list[Value]) -> list[float]:
    out: list[float] = []
    for v in values:
        if isinstance(v, list):
            out.extend(to_number([n]) for n in v)
        else:
            out.append(to_number(v))
    return out


# -- logic ----------------------------------------------------------------------------
@register("if", 3, 3, lazy=True)
def _if(ctx: Ctx, args: tuple[Node, ...]) -> Value:
    return evaluate(args[1] if to_boolean(evaluate(args[0], ctx)) else args[2], ctx)


@register("coalesce", 2, 2, lazy=True)
def _coalesce(ctx: Ctx, args: tuple[Node, ...]) -> Value:
    first = to_string(evaluate(args[0], ctx))
    return first if first != "" else to_string(evaluate(args[1], ctx))


@register("once", 1, 1, lazy=True)
def _once(ctx: Ctx, args: tuple[Node, ...]) -> Value:
    existing = ctx.current.value
    return existing if existing != "" else to_string(evaluate(args[0], ctx))


register("not", 1, 1)(lambda ctx, v: not to_boolean(v[0]))
register("true", 0, 0)(lambda ctx, v: True)
register("false", 0, 0)(lambda ctx, v: False)
register("boolean", 1, 1)(lambda ctx, v: to_boolean(v[0]))
register("boolean-from-string", 1, 1)(
    lambda ctx, v: to_string(v[0]).strip().lower() in ("true", "1"))


@register("checklist", 2, None)
def _checklist(ctx: Ctx, v: list[Value]) -> Value:
    lo, hi = to_number(v[0]), to_number(v[1])
    count = sum(1 for x in _flatten_values(v[2:]) if to_boolean(x))
    return (lo < 0 or count >= lo) and (hi < 0 or count <= hi)


@register("weighted-checklist", 2, None)
def _weighted_checklist(ctx: Ctx, v: list[Value]) -> Value:
    lo, hi = to_number(v[0]), to_number(v[1])
    rest = v[2:]
    if len(rest) % 2:
        raise XPathEvalError("weighted-checklist() needs value and weight pairs")
    total = sum(to_number(w) for x, w in zip(rest[::2], rest[1::2], strict=True)
                if to_boolean(x))
    return (lo < 0 or total >= lo) and (hi < 0 or total <= hi)


def _flatten_values(values: list[Value]) -> list[Value]:
    out: list[Value] = []
    for v in values:
        out.extend([[n] for n in v] if isinstance(v, list) else [v])
    return out


# -- node-sets ---------------------------------------------------------------------------
register("count", 1, 1)(lambda ctx, v: float(len(nodes_arg(v[0], "count"))))
register("last", 0, 0)(lambda ctx, v: float(ctx.size))
register("current", 0, 0)(lambda ctx, v: [ctx.current])


@register("position", 0, 1)
def _position(ctx: Ctx, v: list[Value]) -> Value:
    if not v:
        return float(ctx.position)
    nodes = nodes_arg(v[0], "position")
    if len(nodes) != 1:
        raise XPathEvalError("position() needs exactly one node")
    return float(nodes[0].index_in_parent())


@register("instance", 1, 1)
def _instance(ctx: Ctx, v: list[Value]) -> Value:
    root = ctx.env.instances.get(to_string(v[0]))
    return [root] if root is not None else []


@register("name", 0, 1)
def _name(ctx: Ctx, v: list[Value]) -> Value:
    nodes = nodes_arg(v[0], "name") if v else [ctx.node]
    return nodes[0].name if nodes else ""


FUNCTIONS["local-name"] = FunctionSpec("local-name", 0, 1, FUNCTIONS["name"].impl)
register("namespace-uri", 0, 1)(lambda ctx, v: "")


@register("count-non-empty", 1, 1)
def _count_non_empty(ctx: Ctx, v: list[Value]) -> Value:
    return float(sum(1 for n in nodes_arg(v[0], "count-non-empty") if n.string_value()))


@register("sum", 1, 1)
def _sum(ctx: Ctx, v: list[Value]) -> Value:
    return float(sum(to_number([n]) for n in nodes_arg(v[0], "sum")))


def _extreme(values: list[Value], pick: Callable[[list[float]], float]) -> float:
    numbers = flatten_numbers(values)
    if not numbers or any(math.isnan(x) for x in numbers):
        return math.nan
    return pick(numbers)


register("max", 1, None)(lambda ctx, v: _extreme(v, max))
register("min", 1, None)(lambda ctx, v: _extreme(v, min))


@register("randomize", 1, 2)
def _randomize(ctx: Ctx, v: list[Value]) -> Value:
    nodes = list(nodes_arg(v[0], "randomize"))
    rng = random.Random(to_number(v[1]) if len(v) > 1 else None)
    rng.shuffle(nodes)
    return nodes


# -- strings -------------------------------------------------------------------------------
register("string", 0, 1)(lambda ctx, v: to_string(v[0]) if v else ctx.node.string_value())
register("concat", 0, None)(lambda ctx, v: "".join(flatten_strings(v)))
register("join", 1, None)(lambda ctx, v: to_string(v[0]).join(flatten_strings(v[1:])))
register("contains", 2, 2)(lambda ctx, v: to_string(v[1]) in to_string(v[0]))
register("starts-with", 2, 2)(lambda ctx, v: to_string(v[0]).startswith(to_string(v[1])))
register("ends-with", 2, 2)(lambda ctx, v: to_string(v[0]).endswith(to_string(v[1])))
register("string-length", 0, 1)(
    lambda ctx, v: float(len(to_string(v[0]) if v else ctx.node.string_value())))
register("normalize-space", 0, 1)(
    lambda ctx, v: " ".join((to_string(v[0]) if v else ctx.node.string_value()).split()))


@register("substring-before", 2, 2)
def _substring_before(ctx: Ctx, v: list[Value]) -> Value:
    text, mark = to_string(v[0]), to_string(v[1])
    return text[:text.find(mark)] if mark in text else ""  # "" is found at 0: ""


@register("substring-after", 2, 2)
def _substring_after(ctx: Ctx, v: list[Value]) -> Value:
    text, mark = to_string(v[0]), to_string(v[1])
    return text[text.find(mark) + len(mark):] if mark in text else ""  # "": all of it



register("upper-case", 1, 1)(lambda ctx, v: to_string(v[0]).upper())
register("lower-case", 1, 1)(lambda ctx, v: to_string(v[0]).lower())


@register("translate", 3, 3)
def _translate(ctx: Ctx, v: list[Value]) -> Value:
    text, src, dst = (to_string(x) for x in v)
    table: dict[int, int | None] = {}
    for i, ch in enumerate(src):
        if ord(ch) not in table:
            table[ord(ch)] = ord(dst[i]) if i < len(dst) else None
    return text.translate(table)


@register("substr", 2, 3)
def _substr(ctx: Ctx, v: list[Value]) -> Value:
    """JavaRosa's substr: 0-based, the end left out; a negative start or end counts from
    the end of the text."""
    text = to_string(v[0])
    start = to_int(v[1])
    end = to_int(v[2]) if len(v) > 2 else len(text)
    start = start + len(text) if start < 0 else start
    end = end + len(text) if end < 0 else end
    start, end = max(start, 0), min(end, len(text))
    return text[start:end] if start < end else ""


@register("substring", 2, 3)
def _substring(ctx: Ctx, v: list[Value]) -> Value:
    text = to_string(v[0])
    start = _xpath_round(to_number(v[1]))
    end = start + _xpath_round(to_number(v[2])) if len(v) > 2 else math.inf
    if math.isnan(start) or math.isnan(end):
        return ""
    return "".join(ch for i, ch in enumerate(text, start=1) if start <= i < end)


@register("regex", 2, 2)
def _regex(ctx: Ctx, v: list[Value]) -> Value:
    """Whether the whole text matches (ODK: "an exact and complete match"; JavaRosa's
    ``Pattern.matches``), in Java's dialect as far as the regex module reads it."""
    try:
        return _pattern(to_string(v[1])).fullmatch(to_string(v[0])) is not None
    except regex.error as err:
        raise XPathEvalError(f"invalid regular expression: {err}") from err


@lru_cache(maxsize=256)
def _pattern(text: str) -> regex.Pattern[str]:
    return regex.compile(text)


@register("uuid", 0, 1, volatile=True)
def _uuid(ctx: Ctx, v: list[Value]) -> Value:
    if not v:
        return str(uuid_module.uuid4())
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    length = min(to_int(v[0]), UUID_MAX)
    return "".join(random.SystemRandom().choice(alphabet) for _ in range(length))


# -- numbers -------------------------------------------------------------------------------
def _xpath_round(x: float) -> float:
    if math.isnan(x) or math.isinf(x):
        return x
    return float(math.floor(x + 0.5))


@register("round", 1, 2)
def _round(ctx: Ctx, v: list[Value]) -> Value:
    x = to_number(v[0])
    if len(v) == 1:
        return _xpath_round(x)
    if math.isnan(x) or math.isinf(x):
        return x
    places = to_int(v[1])
    # Ties toward +infinity, as round(x) does (JavaRosa: half up, and half down below 0).
    rounding = ROUND_HALF_UP if x >= 0 else ROUND_HALF_DOWN
    try:
        return float(Decimal(repr(x)).quantize(Decimal(1).scaleb(-places), rounding))
    except InvalidOperation:
        return x


@register("int", 1, 1)
def _int(ctx: Ctx, v: list[Value]) -> Value:
    x = to_number(v[0])
    return x if math.isnan(x) or math.isinf(x) else float(math.trunc(x))


# -- selections -------------------------------------------------------------------------------
def selection(value: Value) -> list[str]:
    return to_string(value).split()


register("selected", 2, 2)(lambda ctx, v: to_string(v[1]).strip() in selection(v[0]))
register("count-selected", 1, 1)(lambda ctx, v: float(len(selection(v[0]))))


@register("selected-at", 2, 2)
def _selected_at(ctx: Ctx, v: list[Value]) -> Value:
    items = selection(v[0])
    index = to_int(v[1])
    return items[index] if 0 <= index < len(items) else ""


@register("jr:choice-name", 2, 2)
def _choice_name(ctx: Ctx, v: list[Value]) -> Value:
    return ctx.env.choice_label(to_string(v[0]), to_string(v[1]), ctx.current)


register("jr:itext", 1, 1)(lambda ctx, v: ctx.env.itext(to_string(v[0])))
register("pulldata", 4, 4)(
    lambda ctx, v: ctx.env.pulldata(*(to_string(x) for x in v)))


# Maths, then dates, geometry, encodings and repeats, live in modules of their own.
from fieldsafe.forms.xpath import functions_math as _math  # noqa: E402,F401
from fieldsafe.forms.xpath import functions_more as _more  # noqa: E402,F401
