"""Checks a filled form: types, required answers and constraints, with the form's messages."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from fieldsafe.forms.model import FormElement, pick_translation
from fieldsafe.forms.xpath.ast import Node as XPathNode
from fieldsafe.forms.xpath.evaluator import EVAL_ERRORS, Ctx, evaluate
from fieldsafe.forms.xpath.nodes import XNode
from fieldsafe.forms.xpath.values import (
    is_answer_number,
    parse_date,
    parse_datetime,
    parse_time,
    to_boolean,
)
from fieldsafe.i18n import _

if TYPE_CHECKING:
    from fieldsafe.forms.session import FormSession

_INT_RE = re.compile(r"^\s*[-+]?\d+\s*$")
_NOT_ANSWERED = ("group", "repeat", "note", "calculate", "metadata", "trigger", "hidden")


@dataclass(frozen=True, slots=True)
class Problem:
    """Something that keeps a form from being finalized."""

    name: str
    kind: str  # "required", "constraint" or "type"
    message: str
    path: str = ""  # instance path such as /data/findings[2]/severity

    def as_dict(self) -> dict[str, str]:
        return {"name": self.name, "kind": self.kind, "message": self.message,
                "path": self.path}


def instance_path(session: FormSession, node: XNode) -> str:
    """The node's path in the instance, with the number of each repeat instance."""
    parts = []
    for n in [node, *node.ancestors()]:
        if n.parent is None:
            break
        repeat = n.parent.parent is not None and session.element_of(n).kind == "repeat"
        parts.append(f"{n.name}[{n.index_in_parent()}]" if repeat else n.name)
    return "/" + "/".join(reversed(parts))


def problems(session: FormSession) -> list[Problem]:
    """Every type, required and constraint problem of the relevant questions, in form order
    (kept up to date by the session as answers change)."""
    out: list[Problem] = []
    for element in session.form.questions():
        if element.qtype in _NOT_ANSWERED:
            continue
        for node in session.nodes_of(element):
            problem = session.problem(node)
            if problem is not None:
                out.append(problem)
    return out


def check_node(session: FormSession, element: FormElement, node: XNode) -> Problem | None:
    """The problem with one answer now, if any (judged only while it is relevant)."""
    if element.qtype in _NOT_ANSWERED or not node.is_relevant():
        return None
    language = session.language
    value = node.value
    if value == "":
        required = session.compiled.exprs.get((element.path, "required"))
        if required is not None and _true(session, required, node):
            message = pick_translation(element.required_messages, language) or _(
                "This question is required.")
            return Problem(element.name, "required", message, instance_path(session, node))
        return None
    why = type_error(session, element, node)
    if why:
        return Problem(element.name, "type", why, instance_path(session, node))
    constraint = session.compiled.exprs.get((element.path, "constraint"))
    if constraint is not None and not _true(session, constraint, node):
        message = pick_translation(element.constraint_messages, language) or _(
            "This answer is not allowed by the form.")
        return Problem(element.name, "constraint", message, instance_path(session, node))
    return None


def _true(session: FormSession, expr: XPathNode, node: XNode) -> bool:
    """Whether ``expr`` holds at ``node``; False when it cannot be evaluated, which is
    recorded in the session's errors (where a form's author sees why)."""
    try:
        return to_boolean(evaluate(expr, Ctx(node, node, session.env)))
    except EVAL_ERRORS as err:
        message = f"{node.name}: {err}"
        if message not in session.errors:
            session.errors.append(message)
        return False


def is_whole_number(text: str) -> bool:
    """Whether ``text`` is a whole number as an integer question takes one ("+5", not "1e2",
    as JavaRosa's Integer.parseInt)."""
    return _INT_RE.match(text) is not None


def type_error(session: FormSession, element: FormElement, node: XNode) -> str | None:
    """Why the value of ``node`` does not fit its question's type, or None."""
    value = node.value.strip()
    qtype = element.qtype
    whole = qtype == "integer" or (qtype == "range" and element.datatype == "int")
    if whole and (not _INT_RE.match(value) or abs(int(value)) > 2**31 - 1):
        return _("'{value}' is not a whole number").format(value=value)
    if qtype == "decimal" or qtype == "range":
        number = float(value) if is_answer_number(value) else math.nan
        if math.isnan(number) or math.isinf(number):
            return _("'{value}' is not a number").format(value=value)
        if qtype == "range":
            return _range_error(element, number)
    if qtype == "date" and parse_date(value) is None:
        return _("'{value}' is not a date (use YYYY-MM-DD)").format(value=value)
    if qtype == "time" and parse_time(value) is None:
        return _("'{value}' is not a time (use HH:MM or HH:MM:SS)").format(value=value)
    if qtype == "datetime" and parse_datetime(value) is None:
        return _("'{value}' is not a date and time (use YYYY-MM-DDTHH:MM)").format(value=value)
    if qtype in ("geopoint", "geotrace", "geoshape"):
        return geo_error(qtype, value)
    if qtype in ("select_one", "select_multiple", "rank"):
        return _select_error(session, element, node, value)
    if qtype in ("image", "audio", "video", "file", "osm") and (
            "/" in value or "\\" in value or value in (".", "..")):
        return _("'{value}' must be a file name, without folders").format(value=value)
    if qtype == "acknowledge" and value != "OK":
        return _("an acknowledgement is answered with OK")
    return None


def _range_error(element: FormElement, number: float) -> str | None:
    try:
        start = float(element.parameters.get("start", "1"))
        end = float(element.parameters.get("end", "10"))
        step = float(element.parameters.get("step", "1"))
    except ValueError:
        return None
    low, high = min(start, end), max(start, end)
    if not low <= number <= high:
        return _("{value} is outside the range {low:g} to {high:g}").format(
            value=number, low=low, high=high)
    if step and abs(((number - start) / step) - round((number - start) / step)) > 1e-9:
        return _("{value} is not on a step of {step:g} from {start:g}").format(
            value=number, step=step, start=start)
    return None


def geo_error(qtype: str, value: str) -> str | None:
    points = [p for p in value.split(";") if p.strip()]
    for point in points:
        fields = point.split()
        try:
            numbers = [float(f) for f in fields]
        except ValueError:
            numbers = []
        if not 2 <= len(numbers) <= 4:
            return _("'{point}' is not a location: write 'latitude longitude [altitude "
                     "accuracy]'").format(point=point.strip())
        if not -90 <= numbers[0] <= 90 or not -180 <= numbers[1] <= 180:
            return _("'{point}' is outside latitude -90..90 and longitude -180..180").format(
                point=point.strip())
    if qtype == "geopoint" and len(points) != 1:
        return _("a geopoint is a single location")
    if qtype == "geotrace" and len(points) < 2:
        return _("a line needs at least two points")
    if qtype == "geoshape":
        if len(points) < 4:
            return _("a shape needs at least three corners and must close on its first point")
        if points[0].split()[:2] != points[-1].split()[:2]:
            return _("a shape must end on its first point")
    return None


def _select_error(session: FormSession, element: FormElement, node: XNode,
                  value: str) -> str | None:
    if not session.has_choice_source(element):
        return None  # choices come from an attachment we do not have
    allowed = {c.name for c in session.options(node)}
    chosen = value.split()
    if element.qtype == "select_one":
        chosen = [value]
    bad = [c for c in chosen if c not in allowed]
    if bad:
        return _("'{value}' is not one of the choices ({choices})").format(
            value=bad[0], choices=", ".join(sorted(allowed)) or _("none available"))
    if element.qtype == "rank" and len(set(chosen)) != len(chosen):
        return _("a ranking lists each choice once")
    return None
