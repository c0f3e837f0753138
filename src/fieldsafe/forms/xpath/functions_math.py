"""ODK's maths functions (sqrt, log, pow, ...), answering as Java's Math does."""

from __future__ import annotations

import math
import random
from collections.abc import Callable

from fieldsafe.forms.xpath.evaluator import Ctx
from fieldsafe.forms.xpath.functions import register
from fieldsafe.forms.xpath.values import Value, to_number


def _math1(name: str, fn: Callable[[float], float]) -> None:
    """A function of one number with Java's answers where Python's math raises: infinity
    for what overflows, NaN outside the domain (JavaRosa calls java.lang.Math)."""
    def impl(ctx: Ctx, v: list[Value]) -> Value:
        x = to_number(v[0])
        try:
            return float(fn(x))
        except OverflowError:
            return math.inf
        except ValueError:
            return math.nan
    register(name, 1, 1)(impl)


def _log(base: Callable[[float], float]) -> Callable[[float], float]:
    return lambda x: -math.inf if x == 0 else base(x)


def _whole(fn: Callable[[float], float]) -> Callable[[float], float]:
    return lambda x: x if math.isnan(x) or math.isinf(x) else fn(x)


_MATH: dict[str, Callable[[float], float]] = {
               "abs": abs, "floor": _whole(math.floor), "ceiling": _whole(math.ceil),
               "sqrt": math.sqrt, "sin": math.sin, "cos": math.cos, "tan": math.tan,
               "asin": math.asin, "acos": math.acos, "atan": math.atan, "exp": math.exp,
               "exp10": lambda x: math.pow(10.0, x), "log": _log(math.log),
               "log10": _log(math.log10)}
for _n, _f in _MATH.items():
    _math1(_n, _f)

register("number", 0, 1)(lambda ctx, v: to_number(v[0]) if v else to_number([ctx.node]))
register("pi", 0, 0)(lambda ctx, v: math.pi)
register("random", 0, 0, volatile=True)(lambda ctx, v: random.random())
register("atan2", 2, 2)(lambda ctx, v: math.atan2(to_number(v[0]), to_number(v[1])))


@register("pow", 2, 2)
def _pow(ctx: Ctx, v: list[Value]) -> Value:
    """Java's Math.pow: infinity for 0 to a negative power and for what overflows (negative
    for a negative base to an odd power), NaN for a negative base to a fractional one."""
    base, power = to_number(v[0]), to_number(v[1])
    odd = power.is_integer() and power % 2 == 1
    try:
        return float(math.pow(base, power))
    except OverflowError:
        return -math.inf if base < 0 and odd else math.inf
    except ValueError:
        if base == 0 and power < 0:
            return -math.inf if math.copysign(1.0, base) < 0 and odd else math.inf
        return math.nan
