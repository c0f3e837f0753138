"""ODK functions for dates, geometry, encodings and repeats (registered into the library)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import itertools
import math
from datetime import date, datetime, time

from fieldsafe.forms.xpath.ast import Node, Path, Ref
from fieldsafe.forms.xpath.evaluator import Ctx, XPathEvalError, evaluate
from fieldsafe.forms.xpath.functions import flatten_strings, nodes_arg, register
from fieldsafe.forms.xpath.nodes import XNode
from fieldsafe.forms.xpath.values import (
    Value,
    parse_time,
    to_date,
    to_int,
    to_number,
    to_string,
)

# JavaRosa's GeoUtils uses this radius for area() and distance().
EARTH_RADIUS_M = 6378100.0

# -- dates ------------------------------------------------------------------------------
register("today", 0, 0, volatile=True)(lambda ctx, v: ctx.env.now().date())
register("now", 0, 0, volatile=True)(lambda ctx, v: ctx.env.now())


@register("date", 1, 1)
def _date(ctx: Ctx, v: list[Value]) -> Value:
    value = to_date(v[0])
    if value is None:
        raise XPathEvalError(f"date() cannot read {to_string(v[0])!r} as a date")
    return value.date() if isinstance(value, datetime) else value


@register("date-time", 1, 1)
def _date_time(ctx: Ctx, v: list[Value]) -> Value:
    value = to_date(v[0])
    if value is None:
        raise XPathEvalError(f"date-time() cannot read {to_string(v[0])!r} as a date-time")
    return value if isinstance(value, datetime) else datetime.combine(value, time())


@register("decimal-date-time", 1, 1)
def _decimal_date_time(ctx: Ctx, v: list[Value]) -> Value:
    value = to_date(v[0])
    return math.nan if value is None else to_number(value)


@register("decimal-time", 1, 1)
def _decimal_time(ctx: Ctx, v: list[Value]) -> Value:
    parsed = parse_time(to_string(v[0]))
    if parsed is None:
        return math.nan
    return (parsed.hour * 3600 + parsed.minute * 60 + parsed.second
            + parsed.microsecond / 1e6) / 86400.0


_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
_DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def format_date(value: date | datetime, pattern: str) -> str:
    """JavaRosa's format-date: %Y %y %m %n %b %d %e %H %h %M %S %3 %a."""
    moment = value if isinstance(value, datetime) else datetime.combine(value, time())
    codes = {
        "Y": f"{moment.year:04d}", "y": f"{moment.year % 100:02d}",
        "m": f"{moment.month:02d}", "n": str(moment.month), "b": _MONTHS[moment.month - 1],
        "d": f"{moment.day:02d}", "e": str(moment.day), "H": f"{moment.hour:02d}",
        "h": str(moment.hour), "M": f"{moment.minute:02d}", "S": f"{moment.second:02d}",
        "3": f"{moment.microsecond // 1000:03d}", "a": _DAYS[moment.weekday()],
    }
    out: list[str] = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "%" and i + 1 < len(pattern):
            out.append(codes.get(pattern[i + 1], pattern[i + 1]))
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def _format(ctx: Ctx, v: list[Value]) -> Value:
    value = to_date(v[0])
    return "" if value is None else format_date(value, to_string(v[1]))


register("format-date", 2, 2)(_format)
register("format-date-time", 2, 2)(_format)


# -- geometry ------------------------------------------------------------------------------
def parse_points(text: str) -> list[tuple[float, float]]:
    """``lat lon [alt acc]`` points separated by ``;`` (geotrace, geoshape, geopoint)."""
    points: list[tuple[float, float]] = []
    for part in text.split(";"):
        fields = part.split()
        if not fields:
            continue
        if len(fields) < 2:
            raise XPathEvalError(f"{part.strip()!r} is not a 'lat lon' point")
        try:
            points.append((float(fields[0]), float(fields[1])))
        except ValueError as err:
            raise XPathEvalError(f"{part.strip()!r} is not a 'lat lon' point") from err
    return points


def haversine_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(
        (lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def spherical_area_m2(points: list[tuple[float, float]]) -> float:
    """Area of a polygon on the sphere (the formula JavaRosa's area() follows)."""
    if len(points) < 3:
        return 0.0
    if points[0] != points[-1]:
        points = [*points, points[0]]
    total = 0.0
    for (lat1, lon1), (lat2, lon2) in itertools.pairwise(points):
        total += math.radians(lon2 - lon1) * (
            2 + math.sin(math.radians(lat1)) + math.sin(math.radians(lat2)))
    return abs(total * EARTH_RADIUS_M ** 2 / 2.0)


def _area(ctx: Ctx, v: list[Value]) -> Value:
    return spherical_area_m2(parse_points(to_string(v[0])))


register("area", 1, 1)(_area)
register("enclosed-area", 1, 1)(_area)


@register("distance", 1, None)
def _distance(ctx: Ctx, v: list[Value]) -> Value:
    text = ";".join(flatten_strings(v))
    points = parse_points(text)
    return sum(haversine_m(a, b) for a, b in itertools.pairwise(points))


# -- encodings -----------------------------------------------------------------------------
_DIGESTS = {"md5": "md5", "sha-1": "sha1", "sha-256": "sha256", "sha-384": "sha384",
            "sha-512": "sha512"}


@register("digest", 2, 3)
def _digest(ctx: Ctx, v: list[Value]) -> Value:
    algorithm = _DIGESTS.get(to_string(v[1]).lower())
    if algorithm is None:
        raise XPathEvalError(f"digest() does not know the algorithm {to_string(v[1])!r}")
    raw = hashlib.new(algorithm, to_string(v[0]).encode("utf-8")).digest()
    encoding = to_string(v[2]).lower() if len(v) > 2 else "base64"
    return raw.hex() if encoding == "hex" else base64.b64encode(raw).decode("ascii")


@register("base64-decode", 1, 1)
def _base64_decode(ctx: Ctx, v: list[Value]) -> Value:
    try:
        return base64.b64decode(to_string(v[0]), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return ""


# -- repeats -------------------------------------------------------------------------------
def _template_names(expr: Node, ctx: Ctx) -> tuple[str, ...]:
    if isinstance(expr, Ref):
        path = ctx.env.ref_paths.get(expr.name)
        if path is None:
            raise XPathEvalError(f"no question named {expr.name!r}")
        return path
    if isinstance(expr, Path) and expr.absolute and expr.start is None and all(
            s.axis == "child" and not s.predicates for s in expr.steps):
        return tuple(s.test for s in expr.steps)
    raise XPathEvalError("indexed-repeat() needs question references such as ${name}")


@register("indexed-repeat", 3, None, lazy=True)
def _indexed_repeat(ctx: Ctx, args: tuple[Node, ...]) -> Value:
    if len(args) % 2 != 1:
        raise XPathEvalError("indexed-repeat() needs a question, then repeat and index pairs")
    target = _template_names(args[0], ctx)
    nodes: list[XNode] = [ctx.env.main_root]
    done = 0
    for rep_expr, index_expr in zip(args[1::2], args[2::2], strict=True):
        rep = _template_names(rep_expr, ctx)
        index = to_int(evaluate(index_expr, ctx))
        found: list[XNode] = []
        for base in nodes:
            found.extend(_descend(base, rep[done:]))
        nodes = found[index - 1:index] if index >= 1 else []
        done = len(rep)
    result: list[XNode] = []
    for base in nodes:
        result.extend(_descend(base, target[done:]))
    return result


def _descend(base: XNode, names: tuple[str, ...]) -> list[XNode]:
    nodes = [base]
    for name in names:
        nodes = [c for n in nodes for c in n.children_named(name)]
    return nodes


__all__ = ["format_date", "haversine_m", "nodes_arg", "parse_points", "spherical_area_m2"]
