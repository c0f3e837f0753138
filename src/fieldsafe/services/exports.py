"""Exports for other tools: the finalized audits to export, their fields in form order, GeoJSON.

The answers of a revision are ODK's instance as JSON with groups flattened (a question's value
sits under its answer key, its name unless two groups share it, in the dict of its repeat
instance, or of the whole audit) and repeats as lists of dicts; the form version the revision
was filled in says where each answer belongs.
Times are written in UTC as ODK Central writes them (``2026-11-20T08:15:02.123Z``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from shapely.geometry import mapping
from shapely.geometry.polygon import orient

from fieldsafe.errors import UserError
from fieldsafe.forms.model import FormElement
from fieldsafe.geo.odk import parse_odk
from fieldsafe.services.audit_content import GEO_KINDS
from fieldsafe.services.exports_read import Submission, head_forms, submissions
from fieldsafe.services.workspace import Workspace

# Question types that hold no answer of their own (instance_json leaves them out too).
NO_ANSWER_TYPES = ("note", "trigger")
# The properties a GeoJSON feature of an audit, and of a repeat instance, gets besides answers.
AUDIT_PROPERTIES = ("__id", "instanceID", "form_id", "form_version", "status",
                    "submitterName", "team", "device_name", "saved_at")
REPEAT_PROPERTIES = ("__id", "__audit", "__repeat", "__index", "form_id")


def utc_text(moment: datetime) -> str:
    """``moment`` in UTC to the millisecond, as ODK Central writes times
    (``2026-11-20T08:15:02.123Z``); a naive time is the computer's local time."""
    try:
        utc = moment.astimezone(UTC)
    except (OverflowError, ValueError, OSError):  # year 1 from a hostile bundle, say
        utc = moment.replace(tzinfo=UTC)  # as it was written, not shifted off the calendar
    return utc.isoformat(timespec="milliseconds").removesuffix("+00:00") + "Z"


@dataclass(frozen=True, slots=True)
class Member:
    """A question or a repeat of a container (the form's root or a repeat), with the names of
    the groups between the container and it."""

    element: FormElement
    groups: tuple[str, ...]

    @property
    def is_repeat(self) -> bool:
        return self.element.kind == "repeat"

    def key(self, separator: str) -> str:
        """Its column name: ``g_context/area`` (GeoJSON) or ``g_context-area`` (CSV)."""
        return separator.join((*self.groups, self.element.name))


def members(container: FormElement, include_sensitive: bool) -> list[Member]:
    """The questions and repeats of ``container`` in form order, through its groups but not
    into its repeats. Notes are left out, and so is whatever the form marks sensitive (or
    sits in a sensitive group or repeat) unless ``include_sensitive``."""
    out: list[Member] = []
    _collect(container, (), include_sensitive, out)
    return out


def _collect(parent: FormElement, groups: tuple[str, ...], include: bool,
             out: list[Member]) -> None:
    for child in parent.children:
        if child.sensitive and not include:
            continue
        if child.kind == "group":
            _collect(child, (*groups, child.name), include, out)
        elif child.kind == "repeat" or child.qtype not in NO_ANSWER_TYPES:
            out.append(Member(child, groups))


def repeat_items(answers: dict[str, Any], repeat: FormElement) -> list[tuple[int, dict[str, Any]]]:
    """The instances of ``repeat`` in ``answers`` with their numbers (from 1)."""
    items = answers.get(repeat.answer_key)
    if not isinstance(items, list):
        return []
    return [(number, item) for number, item in enumerate(items, 1) if isinstance(item, dict)]


def geojson_geometry(element: FormElement, value: Any) -> dict[str, Any] | None:
    """An ODK geopoint, geotrace or geoshape answer as a GeoJSON geometry ([lon, lat], an
    area's ring anticlockwise as RFC 7946 asks); None if unanswered or not readable."""
    if element.qtype not in GEO_KINDS or not isinstance(value, str) or not value.strip():
        return None
    try:
        shape = parse_odk(element.qtype, value)
    except UserError:
        return None
    if shape.geom_type == "Polygon":
        shape = orient(shape, 1.0)
    geometry: dict[str, Any] = json.loads(json.dumps(mapping(shape)))  # tuples to lists
    return geometry


@dataclass(frozen=True, slots=True)
class GeoJsonResult:
    """What ``export_geojson`` wrote."""

    path: Path
    audits: int
    features: int
    repeat_features: int  # features of repeat instances (findings), included in features


def export_geojson(workspace: Workspace, out: Path, *, form_id: str | None = None,
                   include_sensitive: bool = False) -> GeoJsonResult:
    """Write the finalized audits to ``out`` as a GeoJSON FeatureCollection: one feature per
    audit (located by its first location question outside the repeats), and one per repeat
    instance with a geopoint answered (a finding). The file appears whole or not at all."""
    from fieldsafe.outputs import write_atomically

    counts = [0, 0, 0]  # audits, features, repeat features

    def write(stream: BinaryIO) -> None:
        # What json.dumps(collection, indent=1) writes, a feature at a time.
        stream.write(b'{\n "type": "FeatureCollection",\n "features": [')
        for submission in submissions(db, forms, form_id):
            found = audit_features(submission, include_sensitive)
            for feature in found:
                text = json.dumps(feature, ensure_ascii=False, allow_nan=False, indent=1)
                stream.write((",\n  " if counts[1] else "\n  ").encode())
                stream.write(text.replace("\n", "\n  ").encode())
                counts[1] += 1
            counts[0] += 1
            counts[2] += len(found) - 1
        stream.write(b"\n ]\n}" if counts[1] else b"]\n}")

    with workspace.transaction() as db:
        forms = head_forms(db, form_id)  # an unknown form is an error before anything is written
        path = write_atomically(Path(out), write)
    return GeoJsonResult(path, *counts)


def audit_features(submission: Submission, include_sensitive: bool) -> list[dict[str, Any]]:
    """The audit's feature, then those of its located repeat instances."""
    root = submission.form.root
    properties: dict[str, Any] = {"__id": submission.audit_uuid}
    geometry: dict[str, Any] | None = None
    located = False
    for member in members(root, include_sensitive):
        if member.is_repeat:
            continue
        element = member.element
        value = submission.answers.get(element.answer_key)
        if not located and element.qtype in GEO_KINDS:
            located = True
            geometry = geojson_geometry(element, value)
        properties[_property_key(member, root, AUDIT_PROPERTIES)] = value
    properties |= {
        "instanceID": submission.instance_id, "form_id": submission.form_id,
        "form_version": submission.form_version, "status": submission.status,
        "submitterName": submission.author, "team": submission.team,
        "device_name": submission.device_name, "saved_at": utc_text(submission.saved_at)}
    out = [_feature(submission.audit_uuid, geometry, properties)]
    _repeat_features(submission, root, submission.answers, "", include_sensitive, out)
    return out


def _repeat_features(submission: Submission, container: FormElement, answers: dict[str, Any],
                     prefix: str, include: bool, out: list[dict[str, Any]]) -> None:
    for member in members(container, include):
        if not member.is_repeat:
            continue
        repeat = member.element
        inner = members(repeat, include)
        point = next((m.element for m in inner
                      if not m.is_repeat and m.element.qtype == "geopoint"), None)
        for number, item in repeat_items(answers, repeat):
            path = f"{prefix}/{repeat.answer_key}[{number}]"
            geometry = geojson_geometry(point, item.get(point.answer_key)) if point else None
            if geometry is not None:
                ident = f"{submission.audit_uuid}{path}"
                properties: dict[str, Any] = {
                    "__id": ident, "__audit": submission.audit_uuid,
                    "__repeat": repeat.answer_key,
                    "__index": number, "form_id": submission.form_id}
                for m in inner:
                    if not m.is_repeat:
                        key = _property_key(m, repeat, REPEAT_PROPERTIES)
                        properties[key] = item.get(m.element.answer_key)
                out.append(_feature(ident, geometry, properties))
            _repeat_features(submission, repeat, item, path, include, out)


def _property_key(member: Member, container: FormElement, reserved: tuple[str, ...]) -> str:
    """``site/ward``; a question named like one of the added properties keeps its answer
    under its container's name (``data/team``) rather than losing it."""
    key = member.key("/")
    return f"{container.name}/{key}" if key in reserved else key


def _feature(ident: str, geometry: dict[str, Any] | None,
             properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Feature", "id": ident, "geometry": geometry, "properties": properties}
