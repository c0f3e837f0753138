"""XPath value types and the conversions between them (string, number, boolean, node-set, dates)."""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime, time, timedelta

from fieldsafe.forms.xpath.nodes import XNode

Value = str | float | bool | list[XNode] | date | datetime
EPOCH = date(1970, 1, 1)
_NUMBER_RE = re.compile(r"^\s*-?(\d+(\.\d*)?|\.\d+)\s*$")
# An int or decimal answer as ODK reads one (Java's parseInt / parseDouble): a sign, and an
# exponent, are allowed; "1_000", "inf" and "nan" are not numbers.
_ANSWER_NUMBER_RE = re.compile(r"^\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$")
_DATE_RE = re.compile(r"^\s*(-?\d{4})-(\d{2})-(\d{2})\s*$")
_DATETIME_RE = re.compile(
    r"^\s*(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?"
    r"(Z|[+-]\d{2}:?\d{2})?\s*$")
_TIME_RE = re.compile(r"^\s*(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}:?\d{2})?\s*$")


def parse_date(text: str) -> date | None:
    m = _DATE_RE.match(text)
    if not m:
        return None
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def _tz(text: str | None) -> timedelta | None:
    if not text:
        return None
    if text == "Z":
        return timedelta(0)
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    return sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:4]))


def parse_datetime(text: str) -> datetime | None:
    """An ISO 8601 date-time; with an offset it is converted to local naive time."""
    m = _DATETIME_RE.match(text)
    if not m:
        return None
    try:
        frac = int((m.group(7) or "0")[:6].ljust(6, "0"))
        value = datetime(int(m.group(1)), int(m.group(2)), int(m.group(3)), int(m.group(4)),
                         int(m.group(5)), int(m.group(6) or 0), frac)
    except ValueError:
        return None
    offset = _tz(m.group(8))
    if offset is not None:
        try:
            value = (value - offset).replace(tzinfo=UTC).astimezone().replace(tzinfo=None)
        except (OverflowError, OSError, ValueError):  # past the ends of the calendar
            return None
    return value


def is_answer_number(text: str) -> bool:
    """Whether ``text`` is a number as an int or decimal answer holds one (see ``typed``)."""
    return _ANSWER_NUMBER_RE.match(text) is not None


def parse_time(text: str) -> time | None:
    m = _TIME_RE.match(text)
    if not m:
        return None
    try:
        frac = int((m.group(4) or "0")[:6].ljust(6, "0"))
        return time(int(m.group(1)), int(m.group(2)), int(m.group(3) or 0), frac)
    except ValueError:
        return None


def typed(node: XNode) -> str | float | date | datetime:
    """A node's value in its declared type: numbers for int/decimal, dates for dates."""
    text = node.string_value()
    if not text:
        return text
    kind = node.datatype
    if kind in ("int", "decimal"):
        return float(text) if is_answer_number(text) else math.nan
    if kind == "date":
        return parse_date(text) or text
    if kind == "dateTime":
        return parse_datetime(text) or text
    return text


def to_string(value: Value) -> str:
    if isinstance(value, list):
        return value[0].string_value() if value else ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return format_number(value)
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def format_number(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    text = repr(value)
    if "e" in text:
        text = f"{value:.15f}".rstrip("0").rstrip(".")
    return text


def format_datetime(value: datetime) -> str:
    local = value if value.tzinfo else value.astimezone()
    millis = f"{local.microsecond // 1000:03d}"
    offset = local.strftime("%z")
    return local.strftime("%Y-%m-%dT%H:%M:%S.") + millis + offset[:3] + ":" + offset[3:]


INT_MAX, INT_MIN = 2**31 - 1, -(2**31)


def to_int(value: Value) -> int:
    """``value`` as a whole number where a function needs one (an index, a length, decimal
    places), as JavaRosa takes it (Java's ``Double.intValue()``): cut toward zero, NaN (a
    blank answer) as 0, and past the ends of a 32-bit integer (infinity) as those ends."""
    x = to_number(value)
    if math.isnan(x):
        return 0
    if math.isinf(x):
        return INT_MAX if x > 0 else INT_MIN
    return max(INT_MIN, min(INT_MAX, int(x)))


def to_number(value: Value) -> float:
    if isinstance(value, list):
        if not value:
            return math.nan
        node_value = typed(value[0])
        return math.nan if node_value == "" else to_number(node_value)
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, float):
        return value
    if isinstance(value, datetime):
        delta = value - datetime(1970, 1, 1)
        return delta.total_seconds() / 86400.0
    if isinstance(value, date):
        return float((value - EPOCH).days)
    if _NUMBER_RE.match(value):
        return float(value)
    as_date = parse_date(value)
    if as_date is not None:
        return float((as_date - EPOCH).days)
    as_datetime = parse_datetime(value)
    if as_datetime is not None:
        return to_number(as_datetime)
    return math.nan


def to_boolean(value: Value) -> bool:
    if isinstance(value, list):
        return bool(value)
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        return not (value == 0 or math.isnan(value))
    if isinstance(value, date):
        return True
    return bool(value)


def to_date(value: Value) -> date | datetime | None:
    """A date for date functions: from a date, a number of days, or an ISO string."""
    if isinstance(value, list):
        value = typed(value[0]) if value else ""
    if isinstance(value, datetime | date):
        return value
    if isinstance(value, bool):
        return None
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return None
        return datetime(1970, 1, 1) + timedelta(days=value)
    text = value.strip()
    if _NUMBER_RE.match(text):
        return to_date(float(text))
    return parse_date(text) or parse_datetime(text)
