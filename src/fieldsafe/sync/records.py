"""The typed records a sync bundle carries (format 1), checked as they are decoded."""

from __future__ import annotations

from datetime import datetime
from types import GenericAlias
from typing import TYPE_CHECKING, Annotated, Any, Literal

import msgspec
from msgspec import Meta, Struct

from fieldsafe.i18n import _

UUID_PATTERN = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
SHA256_PATTERN = "^[0-9a-f]{64}$"

Uuid = Annotated[str, Meta(pattern=UUID_PATTERN)]
Sha256 = Annotated[str, Meta(pattern=SHA256_PATTERN)]
Name = Annotated[str, Meta(max_length=200)]
Title = Annotated[str, Meta(max_length=500)]
Note = Annotated[str, Meta(max_length=200_000)]  # a long note is fine; 10 MB is not
Path = Annotated[str, Meta(max_length=500)]
GeoJsonText = Annotated[str, Meta(max_length=5_000_000)]
Number = Annotated[float, Meta(ge=-1e15, le=1e15)]
# Times as FieldSafe writes them: the local wall-clock time, without a UTC offset. One with an
# offset is refused: it cannot be compared with the stored times, and dropping the offset
# would quietly change what it means.
LocalTime = Annotated[datetime, Meta(tz=False)]
# Counts that are stored as SQLite integers: far below 2**63, which SQLite cannot hold.
Count = Annotated[int, Meta(ge=1, le=1_000_000)]

# The longest text any answer may hold, and how deep answers may nest (groups in repeats).
MAX_ANSWER_CHARS = 200_000
MAX_ANSWER_DEPTH = 12

QuestionName = Annotated[str, Meta(max_length=200)]
AnswerText = Annotated[str, Meta(max_length=MAX_ANSWER_CHARS)]


def _answer_value(levels: int) -> Any:
    """The type of an answer holding at most ``levels`` more lists or objects inside."""
    if levels == 0:
        return AnswerText | int | float | bool | None
    inner = _answer_value(levels - 1)
    return (AnswerText | int | float | bool | None | GenericAlias(list, inner)
            | GenericAlias(dict, (QuestionName, inner)))


if TYPE_CHECKING:
    Answers = dict[str, Any]
else:
    # What answers_problem checks, checked by msgspec's decoder as it decodes (in C): a
    # value at depth d (the answers object is depth 0) may be a list or object if d < 12.
    Answers = dict[QuestionName, _answer_value(MAX_ANSWER_DEPTH - 1)]


class Provenance(Struct, kw_only=True, gc=False):
    device_id: Annotated[str, Meta(max_length=36)]
    device_name: Name = ""
    author: Name = ""
    team: Name = ""


class FormRecord(Struct, kw_only=True, gc=False):
    form_id: Annotated[str, Meta(min_length=1, max_length=200)]
    version: Annotated[str, Meta(max_length=100)]
    title: Title = ""
    content_hash: Sha256
    source_name: Title
    source: Annotated[str, Meta(max_length=30_000_000)]  # the form file, base64
    method: Note = ""


class CampaignRecord(Provenance, kw_only=True):
    uuid: Uuid
    name: Title
    area_geojson: GeoJsonText = ""
    segment_m: Annotated[float, Meta(ge=1, le=100_000)] = 50.0  # as campaigns new allows
    tolerance_m: Annotated[float, Meta(ge=0, le=100_000)] = 25.0
    form_ids: list[Annotated[str, Meta(max_length=200)]] = []
    layer_uuids: list[Uuid] = []
    created_at: LocalTime
    modified_at: LocalTime


class LayerRecord(Struct, kw_only=True, gc=False):
    uuid: Uuid
    kind: Literal["areas", "basemap"]
    name: Title
    filename: Title
    sha256: Sha256
    info: dict[str, Any] = {}


class MediaRecord(Struct, kw_only=True, gc=False):
    sha256: Sha256
    size: Annotated[int, Meta(ge=0, le=2**53)]
    mime: Annotated[str, Meta(max_length=100)] = ""
    info: dict[str, Any] = {}


class AttachmentRecord(Struct, kw_only=True, gc=False):
    question_path: Path
    filename: Title
    sha256: Sha256
    caption: Note = ""


class GeometryRecord(Struct, kw_only=True, gc=False):
    question_path: Path
    kind: Literal["point", "route", "area"]
    role: Annotated[str, Meta(max_length=40)] = ""
    geojson: GeoJsonText
    length_m: Annotated[float, Meta(ge=0)] = 0.0
    area_m2: Annotated[float, Meta(ge=0)] = 0.0
    min_lon: Annotated[float, Meta(ge=-180, le=180)]
    min_lat: Annotated[float, Meta(ge=-90, le=90)]
    max_lon: Annotated[float, Meta(ge=-180, le=180)]
    max_lat: Annotated[float, Meta(ge=-90, le=90)]


class RevisionRecord(Provenance, kw_only=True):
    uuid: Uuid
    parent_uuid: Uuid | None = None
    merges: list[Uuid] = []
    number: Count
    form_id: Annotated[str, Meta(min_length=1, max_length=200)]
    form_version: Annotated[str, Meta(max_length=100)]
    status: Literal["draft", "finalized", "retired"]
    answers: Answers
    instance_name: Title = ""
    created_at: LocalTime
    saved_at: LocalTime
    redacted: bool = False
    attachments: list[AttachmentRecord] = []
    geometries: list[GeometryRecord] = []


class AuditRecord(Struct, kw_only=True, gc=False):
    uuid: Uuid
    form_id: Annotated[str, Meta(min_length=1, max_length=200)]
    campaign_uuid: Uuid | None = None
    created_at: LocalTime
    revisions: Annotated[list[RevisionRecord], Meta(min_length=1)]


class ActionState(Struct, kw_only=True, gc=False):
    """An action item's fields when it was made; its changes lead to the current state."""

    title: Note = ""
    recommendation: Note = ""
    agency: Name = ""
    priority: Literal["low", "medium", "high", "urgent"] = "medium"
    target_date: Annotated[str, Meta(pattern=r"^\d{4}-\d{2}-\d{2}$")] | None = None
    status: Literal["open", "in-progress", "done"] = "open"


class ActionChangeRecord(Provenance, kw_only=True):
    uuid: Uuid
    changed_at: LocalTime
    fields: dict[Literal["status", "agency", "target_date", "priority", "recommendation"],
                 Annotated[list[str | None], Meta(min_length=2, max_length=2)]]


class ActionRecord(Provenance, kw_only=True):
    uuid: Uuid
    audit_uuid: Uuid
    finding_index: Count
    # What the finding said (digests by role: category, location, note; see
    # fieldsafe.services.finding_refs); absent from bundles of older releases.
    finding_ref: dict[Literal["category", "location", "note"],
                      Annotated[str, Meta(pattern=r"^[0-9a-f]{16}$")]] | None = None
    created_at: LocalTime
    initial: ActionState
    changes: list[ActionChangeRecord] = []


class _RevisionAnswers(Struct, gc=False):
    uuid: str = ""
    answers: dict[str, Any] = {}


class _AuditAnswers(Struct, gc=False):
    """Only the answers of an audit line (the other fields are skipped)."""

    revisions: list[_RevisionAnswers] = []


_ANSWERS_ONLY = msgspec.json.Decoder(_AuditAnswers)


def answers_refusal(line: bytes) -> str | None:
    """Why an audit line that msgspec refused is refused, in answers_problem's words
    (naming the revision and the answer) when its answers are the reason; else None (the
    schema error msgspec gave is the reason). RecursionError: nested thousands deep."""
    try:
        audit = _ANSWERS_ONLY.decode(line)
    except (msgspec.ValidationError, msgspec.DecodeError):
        return None
    for revision in audit.revisions:
        if problem := answers_problem(revision.answers):
            return _("revision {id}: {why}").format(id=revision.uuid, why=problem)
    return None


# Record files of a bundle, in the order they are read: forms first, so the audits after
# them can be checked against the forms they use.
KINDS: dict[str, type[Struct]] = {
    "forms": FormRecord, "layers": LayerRecord, "campaigns": CampaignRecord,
    "media": MediaRecord, "audits": AuditRecord, "actions": ActionRecord}


def record_file(kind: str) -> str:
    return f"records/{kind}.jsonl"


def decoder(kind: str) -> msgspec.json.Decoder[Any]:
    return msgspec.json.Decoder(KINDS[kind])


_ENCODER = msgspec.json.Encoder(order="sorted")


def encode(record: Struct) -> bytes:
    """One record as a line of JSON (keys sorted, so equal records give equal bytes)."""
    return _ENCODER.encode(record)


def answers_problem(answers: Any) -> str | None:
    """What is wrong with a revision's answers, or None: only JSON objects, lists, text,
    numbers, booleans and null, nested at most MAX_ANSWER_DEPTH deep, texts of at most
    MAX_ANSWER_CHARS characters."""
    if _plain_answers(answers):
        return None
    return _first_problem(answers)  # walked again, naming where


_SCALARS = (bool, int, float, type(None))


def _plain_answers(answers: Any) -> bool:
    """Whether :func:`answers_problem` finds nothing; no paths are built, and texts and
    numbers are checked where they are met instead of being pushed on the stack."""
    stack: list[tuple[Any, int]] = [(answers, 0)]
    while stack:
        value, depth = stack.pop()
        kind = type(value)
        if kind is dict:
            if depth >= MAX_ANSWER_DEPTH:
                return False
            for key in value:
                if type(key) is not str or len(key) > 200:
                    return False
            items = value.values()
        elif kind is list:
            if depth >= MAX_ANSWER_DEPTH:
                return False
            items = value
        elif kind is str:
            if len(value) > MAX_ANSWER_CHARS:
                return False
            continue
        elif kind in _SCALARS:
            continue
        else:
            return False
        for item in items:
            kind = type(item)
            if kind is str:
                if len(item) > MAX_ANSWER_CHARS:
                    return False
            elif kind not in _SCALARS:
                stack.append((item, depth + 1))
    return True


def _first_problem(answers: Any) -> str | None:
    stack: list[tuple[Any, str, int]] = [(answers, "", 0)]
    while stack:
        value, path, depth = stack.pop()
        kind = type(value)
        if kind is str:
            if len(value) > MAX_ANSWER_CHARS:
                return f"{path}: a text of {len(value)} characters (at most {MAX_ANSWER_CHARS})"
        elif kind is dict:
            if depth >= MAX_ANSWER_DEPTH:
                return f"{path or 'answers'}: nested too deep"
            for key, item in value.items():
                if type(key) is not str or len(key) > 200:
                    return f"{path or 'answers'}: a question name is too long"
                stack.append((item, f"{path}/{key}" if path else key, depth + 1))
        elif kind is list:
            if depth >= MAX_ANSWER_DEPTH:
                return f"{path or 'answers'}: nested too deep"
            stack.extend((item, f"{path}[{index}]", depth + 1)
                         for index, item in enumerate(value, start=1))
        elif value is not None and kind not in (bool, int, float):
            return f"{path}: not an answer value"
    return None
