"""Conflicts: audits two devices changed from the same revision, shown side by side and
resolved field by field into one new revision."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select

from fieldsafe.errors import UserError
from fieldsafe.forms.keys import split_path, top_key
from fieldsafe.forms.session import FormSession
from fieldsafe.forms.validation import problems
from fieldsafe.i18n import _
from fieldsafe.services.audit_content import FileAnswer, named_files
from fieldsafe.services.audit_heads import head_key, leaves
from fieldsafe.services.audits import AuditResult, refuse_invalid_finalize, start_session
from fieldsafe.services.form_library import find_version, form_definition
from fieldsafe.services.records import resolve_audit
from fieldsafe.services.revisions import FINALIZED, RETIRED, store_resolution, take_snapshot
from fieldsafe.services.workspace import Workspace
from fieldsafe.storage.models import Audit, AuditRevision

BOTH = "both"
META = ("instanceID", "deprecatedID", "start", "end")


@dataclass
class Side:
    """One revision in conflict: who made it, and what it holds."""

    revision: str
    device_id: str
    device_name: str
    author: str
    team: str
    status: str
    saved_at: datetime
    answers: dict[str, Any]
    files: dict[str, FileAnswer] = field(default_factory=dict)
    geometries: list[dict[str, Any]] = field(default_factory=list)
    redacted: bool = False  # received without its sensitive answers

    def as_dict(self) -> dict[str, Any]:
        return {"revision": self.revision, "device_id": self.device_id,
                "device_name": self.device_name, "author": self.author, "team": self.team,
                "status": self.status, "saved_at": self.saved_at.isoformat(),
                "redacted": self.redacted}


@dataclass
class Conflict:
    audit: str
    form_id: str
    form_version: str
    instance_name: str
    sides: list[Side]
    fields: list[str]  # answers that differ between the sides, in form order
    labels: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"audit": self.audit, "form_id": self.form_id, "name": self.instance_name,
                "sides": [s.as_dict() for s in self.sides], "fields": [
                    {"name": f, "label": self.labels.get(f, f),
                     "values": {s.revision: s.answers.get(f) for s in self.sides}}
                    for f in self.fields]}


def _side(r: AuditRevision) -> Side:
    return Side(r.uuid, r.device_id, r.device_name, r.author, r.team, r.status, r.saved_at,
                dict(r.answers),
                {a.question_path: FileAnswer(a.filename, a.sha256, a.caption)
                 for a in r.attachments},
                [{"question_path": g.question_path, "kind": g.kind, "geojson": g.geojson}
                 for g in r.geometries], r.redacted)


def _conflict(db: Any, audit: Audit, language: str | None = None) -> Conflict | None:
    revisions = list(db.scalars(select(AuditRevision).where(
        AuditRevision.audit_uuid == audit.uuid)))
    ends = leaves((r.uuid, r.parent_uuid, list(r.merges)) for r in revisions)
    if len(ends) < 2:
        return None
    tips = sorted((r for r in revisions if r.uuid in ends),
                  key=lambda r: head_key(r.saved_at, r.device_id, r.uuid), reverse=True)
    sides = [_side(r) for r in tips]
    form = form_definition(find_version(db, tips[0].form_id, tips[0].form_version))
    order = [e.answer_key for e in form.root.walk() if e.kind in ("question", "repeat")]
    # A calculation is not chosen: the resolution computes it again from what is chosen.
    derived = {e.answer_key for e in form.root.walk() if e.qtype == "calculate"}
    names = {k for s in sides for k in s.answers if k not in META and k not in derived}
    ranked = sorted(names, key=lambda n: (order.index(n) if n in order else len(order), n))
    # A question whose sides hold different files (one file name, two photos) differs
    # too, though its answers read the same.
    files_differ = {top_key(path) for path in {p for s in sides for p in s.files}
                    if len({f.sha256 if (f := s.files.get(path)) else None
                            for s in sides}) > 1}
    differ = [n for n in ranked if len({_key(s.answers.get(n)) for s in sides}) > 1
              or n in files_differ]
    labels = {e.answer_key: e.label(language) or e.answer_key for e in form.root.walk()}
    return Conflict(audit.uuid, tips[0].form_id, tips[0].form_version, audit.instance_name,
                    sides, differ, labels)


def _key(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def item_differences(values: list[Any]) -> list[tuple[int, str]]:
    """Where the sides' answers to a repeat differ, item by item: (item number, answer key)
    for each answer of an item that is not the same on every side (an item one side lacks
    differs in all its answers), so that "3 items | 3 items" does not hide a changed note
    or photo."""
    lists = [v if isinstance(v, list) else [] for v in values]
    out: list[tuple[int, str]] = []
    for index in range(max((len(items) for items in lists), default=0)):
        items = [items[index] if index < len(items) and isinstance(items[index], dict)
                 else {} for items in lists]
        for key in dict.fromkeys(k for item in items for k in item):
            if len({_key(item.get(key) if item.get(key) not in ("", []) else None)
                    for item in items}) > 1:  # (an empty answer is no answer)
                out.append((index + 1, key))
    return out


def list_conflicts(workspace: Workspace, language: str | None = None) -> list[Conflict]:
    with workspace.transaction() as db:
        audits = list(db.scalars(select(Audit).where(Audit.conflict.is_(True))
                                 .order_by(Audit.modified_at.desc())))
        found = [_conflict(db, a, language) for a in audits]
    return [c for c in found if c is not None]


def get_conflict(workspace: Workspace, audit_id: str,
                 language: str | None = None) -> Conflict:
    with workspace.transaction() as db:
        audit = resolve_audit(db, audit_id)
        conflict = _conflict(db, audit, language)
    if conflict is None:
        raise UserError(_("audit {id} is not in conflict").format(id=audit_id))
    return conflict


def compose(conflict: Conflict, choices: dict[str, str],
            base: str | None = None) -> tuple[dict[str, Any], dict[str, FileAnswer], str]:
    """The answers and files of a resolution: ``base`` side (default: the head) for every
    field not chosen; for a chosen field the value of that side, or BOTH (a repeat keeps the
    items of every side, a text keeps every side's text). Returns the base revision too."""
    sides = {s.revision: s for s in conflict.sides}
    first = sides[base] if base else conflict.sides[0]
    answers = dict(first.answers)
    files = {p: f for p, f in first.files.items() if top_key(p) not in choices}
    for name, pick in choices.items():
        if pick == BOTH:
            answers[name] = _both(name, conflict.sides, files)
            continue
        if pick not in sides:
            raise UserError(_("no side {rev} in the conflict of audit {id}").format(
                rev=pick, id=conflict.audit))
        chosen = sides[pick]
        if name in chosen.answers:
            answers[name] = chosen.answers[name]
        else:
            answers.pop(name, None)
        files.update({p: f for p, f in chosen.files.items() if top_key(p) == name})
    return answers, files, first.revision


def _both(name: str, sides: list[Side], files: dict[str, FileAnswer]) -> Any:
    values = [s.answers.get(name) for s in sides]
    if all(isinstance(v, list) or v is None for v in values):
        merged: list[Any] = []
        for side in sides:
            for number, item in enumerate(side.answers.get(name) or [], start=1):
                if item in merged:
                    continue
                merged.append(item)
                for path, f in side.files.items():
                    prefix = f"{name}[{number}]"
                    if path.startswith(prefix):
                        files[f"{name}[{len(merged)}]{path[len(prefix):]}"] = f
        return merged
    texts = [str(v) for v in values if v not in (None, "")]
    return "\n".join(dict.fromkeys(texts))


def resolve_conflict(workspace: Workspace, audit_id: str, *, take: str | None = None,
                     answers: dict[str, Any] | None = None,
                     choices: dict[str, str] | None = None,
                     now: Callable[[], datetime] = datetime.now) -> AuditResult:
    """Close a conflict with a new revision continuing every side: the whole of one side
    (``take``: a device ID or name, or a revision ID), answers given in full, or a choice
    per field (the Merge Center). A side received without its sensitive answers is
    refused: the resolution would lack them on every device."""
    conflict = get_conflict(workspace, audit_id)
    if any(s.redacted for s in conflict.sides):
        raise UserError(_("audit {id}: a side of this conflict was sent to this laptop "
                          "without its sensitive answers; resolve it on a laptop that has "
                          "the full copies").format(id=conflict.audit))
    if take is not None:
        base = _pick(conflict, take)
        new, files, base_uuid = compose(conflict, {}, base)
    elif answers is not None:
        # Over the head's answers, as `audits edit` does: an answer left out of the file
        # is kept (a whole repeat of findings is not lost by leaving it out); to clear one,
        # give it empty.
        given = {k: v for k, v in answers.items() if k not in ("deprecatedID",)}
        new = {**conflict.sides[0].answers, **given}
        base_uuid = conflict.sides[0].revision
        files = {}  # the sides' files the answers name: found once the form has read them
    else:
        new, files, base_uuid = compose(conflict, choices or {})
    with workspace.transaction() as db:
        record = find_version(db, conflict.form_id, conflict.form_version)
        form = form_definition(record)
    session = start_session(workspace, form, new, now)
    if answers is not None:
        kept = _named_files(session, conflict)
    else:
        kept = {p: f for p, f in files.items() if _answered(new, p, f.filename)}
    statuses = {s.revision: s.status for s in conflict.sides}
    status = statuses[base_uuid]
    if status == FINALIZED or (status != RETIRED and FINALIZED in statuses.values()):
        status = FINALIZED
        refuse_invalid_finalize(problems(session), form)
    snapshot = take_snapshot(session, record.version, kept)
    order = [base_uuid, *[s.revision for s in conflict.sides if s.revision != base_uuid]]
    revision = store_resolution(workspace, conflict.audit, snapshot, status, order, now)
    return AuditResult(revision.audit_uuid, revision.number, revision.uuid, revision.status)


def _named_files(session: FormSession, conflict: Conflict) -> dict[str, FileAnswer]:
    """For answers given in full: the file each file question names, taken from the side
    that has that file there (a photo of either side can be kept), else from any side that
    has a file of that name (its finding moved). A name that no side has, nor names there,
    is refused: the resolution would name a file that no device has."""
    out: dict[str, FileAnswer] = {}
    anywhere = [f for s in conflict.sides for f in s.files.values()]
    for path, by_name, filename in named_files(session):
        here = [s.files.get(p) for s in conflict.sides for p in (path, by_name)]
        found = next((f for f in (*here, *anywhere)
                      if f is not None and f.filename == filename), None)
        if found is not None:
            out[path] = found
        elif not any(_answered(s.answers, path, filename) for s in conflict.sides):
            # (a side's own answer naming a file it never had stays as it was)
            raise UserError(_("audit {id}: {question} names the file '{file}', which no side "
                              "of the conflict has; name a file of one of the sides, or "
                              "none").format(id=conflict.audit, question=path, file=filename))
    return out


def _answered(answers: dict[str, Any], path: str, filename: str) -> bool:
    """Whether ``findings[2]/photo`` is answered with ``filename`` in ``answers``."""
    value: Any = answers
    for key, number in split_path(path):
        value = value.get(key) if isinstance(value, dict) else None
        if number is not None:
            items = value if isinstance(value, list) else []
            value = items[number - 1] if 0 < number <= len(items) else None
    return bool(value == filename)


def _pick(conflict: Conflict, take: str) -> str:
    """The side named by ``take``: its device name or ID, or its revision UUID or the
    first characters of it (at least 8, as `conflicts list` prints them)."""
    found = [s for s in conflict.sides if take in (s.revision, s.device_id, s.device_name)
             or (len(take) >= 8 and s.revision.startswith(take))]
    if len(found) == 1:
        return found[0].revision
    known = ", ".join(f"{s.device_name or s.device_id} ({s.revision[:8]})"
                      for s in conflict.sides)
    if not found:
        raise UserError(_("no side of audit {id} comes from '{take}' (sides: {known})").format(
            id=conflict.audit, take=take, known=known))
    raise UserError(_("more than one side of audit {id} comes from '{take}'; give a revision "
                      "ID (sides: {known})").format(id=conflict.audit, take=take, known=known))
