"""Action plan use cases: action items made from findings, their changes and their history."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from fieldsafe.errors import UserError
from fieldsafe.forms.model import FormElement, pick_translation
from fieldsafe.i18n import _
from fieldsafe.ids import new_id
from fieldsafe.services.finding_refs import finding_ref, locate
from fieldsafe.services.form_library import find_version, form_definition
from fieldsafe.services.records import batches, resolve_action, resolve_audit
from fieldsafe.services.revisions import RETIRED
from fieldsafe.services.workspace import Workspace
from fieldsafe.storage.models import ActionChange, ActionItem, Audit, AuditRevision

STATUSES = ("open", "in-progress", "done")
PRIORITIES = ("low", "medium", "high", "urgent")
MAX_AGENCY = 200  # as the field is stored, and as sync bundles carry it
MAX_RECOMMENDATION = 200_000  # as sync bundles carry it (a longer one could not be sent)
# Target dates outside these are typing mistakes (0206 for 2026), not plans.
FIRST_TARGET, LAST_TARGET = date(1900, 1, 1), date(2999, 12, 31)


def finding_answers(repeat: FormElement, finding: dict[str, Any], *,
                    include_sensitive: bool = False) -> dict[str, str]:
    """The role-tagged answers of one finding (category, recommendation, agency...), choices
    by their label; an 'other' choice by what was typed in its 'specify' question. Answers
    the form marks sensitive are left out unless asked for: what an action item copies
    from them would reach reports and bundles that must not carry them."""
    out: dict[str, str] = {}
    for element in repeat.walk():
        key = element.answer_key
        if not element.role or key not in finding or (element.sensitive and
                                                       not include_sensitive):
            continue
        value = str(finding[key])
        if value == "other":
            typed = [str(v) for k, v in finding.items() if k.startswith(key) and k != key and v]
            if typed:
                out[element.role] = typed[0]
                continue
        labels = {c.name: pick_translation(c.labels, None) for c in element.choices}
        out[element.role] = " ".join(labels.get(v, v) for v in value.split()) \
            if element.choices else value
    return out


def add_action(workspace: Workspace, audit_id: str, finding: int, *,
               agency: str | None = None, target: date | None = None,
               priority: str = "medium", recommendation: str | None = None,
               title: str | None = None,
               now: Callable[[], datetime] = datetime.now) -> dict[str, Any]:
    """Make an action item from finding number ``finding`` (from 1) of an audit. What the
    finding already says (recommendation, agency, category) fills what is not given, except
    answers the form marks sensitive. A retired audit takes no new action items."""
    if priority not in PRIORITIES:
        raise UserError(_("priority must be one of {known}").format(known=", ".join(PRIORITIES)))
    _check_target(target)
    _check_recommendation(recommendation)
    ident = workspace.identity
    stamp = now()
    with workspace.transaction() as db:
        audit = resolve_audit(db, audit_id)
        head = db.get(AuditRevision, audit.head_uuid)
        assert head is not None
        if head.status == RETIRED:
            raise UserError(_("audit {id} is retired: it takes no new action items").format(
                id=audit.uuid))
        form = form_definition(find_version(db, head.form_id, head.form_version))
        repeats = form.with_role("finding")
        if not repeats:
            raise UserError(_("form '{form_id}' has no findings (no repeat with role "
                              "'finding')").format(form_id=form.form_id))
        items = head.answers.get(repeats[0].answer_key) or []
        if not isinstance(items, list) or not 1 <= finding <= len(items):
            raise UserError(_("audit {id} has {n} finding(s); there is no finding {k}").format(
                id=audit.uuid, n=len(items) if isinstance(items, list) else 0, k=finding))
        said = finding_answers(repeats[0], items[finding - 1])
        item = ActionItem(
            uuid=new_id(), audit_uuid=audit.uuid, finding_index=finding,
            finding_ref=finding_ref(repeats[0], items[finding - 1]),
            title=title or said.get("category", ""),
            recommendation=recommendation or said.get("recommendation", ""),
            agency=_agency(agency) or _agency(said.get("agency", "")[:MAX_AGENCY]) or "",
            priority=priority, target_date=target,
            status="open", created_at=stamp, modified_at=stamp, device_id=ident.device_id,
            device_name=ident.device_name, author=ident.user, team=ident.team)
        db.add(item)
        return action_dict(item, stamp.date())


def update_action(workspace: Workspace, action_id: str, *, status: str | None = None,
                  agency: str | None = None, target: date | None = None,
                  priority: str | None = None, recommendation: str | None = None,
                  now: Callable[[], datetime] = datetime.now) -> dict[str, Any]:
    """Change an action item; the change is kept in its history. Devices order an item's
    changes by time, so a change is stamped after every change already known (and not
    before the item was made) even if this device's clock is behind: it sorts last here
    and everywhere else."""
    if status is not None and status not in STATUSES:
        raise UserError(_("status must be one of {known}").format(known=", ".join(STATUSES)))
    if priority is not None and priority not in PRIORITIES:
        raise UserError(_("priority must be one of {known}").format(known=", ".join(PRIORITIES)))
    _check_target(target)
    _check_recommendation(recommendation)
    ident = workspace.identity
    today = now()
    with workspace.transaction() as db:
        item = resolve_action(db, action_id)
        stamp = _stamp_after(item, today)
        wanted: dict[str, Any] = {"status": status, "agency": _agency(agency),
                                  "target_date": target,
                                  "priority": priority, "recommendation": recommendation}
        changed: dict[str, object] = {}
        for key, value in wanted.items():
            if value is not None and getattr(item, key) != value:
                old = getattr(item, key)
                changed[key] = [_plain(old), _plain(value)]
                setattr(item, key, value)
        if changed:
            item.modified_at = stamp
            item.changes.append(ActionChange(
                uuid=new_id(), changed_at=stamp, fields=changed,
                device_id=ident.device_id, device_name=ident.device_name, author=ident.user,
                team=ident.team))
        return action_dict(item, today.date(), found_findings(db, [item])[item.uuid])


def _stamp_after(item: ActionItem, stamp: datetime) -> datetime:
    """The time to give a new change of ``item``: ``stamp``, unless a change already known
    is as late (then just after it) or the item was made later (then that time)."""
    latest = max((c.changed_at for c in item.changes), default=None)
    if latest is not None and latest >= stamp:
        stamp = latest + timedelta(microseconds=1)
    return max(stamp, item.created_at)


def _agency(value: str | None) -> str | None:
    """An agency's name with its spaces tidied ("Police " and "Police" are one agency)."""
    if value is None:
        return None
    value = " ".join(value.split())
    if len(value) > MAX_AGENCY:
        raise UserError(_("the responsible agency must be at most {n} characters").format(
            n=MAX_AGENCY))
    return value


def _check_recommendation(value: str | None) -> None:
    if value is not None and len(value) > MAX_RECOMMENDATION:
        raise UserError(_("the recommendation must be at most {n} characters (it has {k})")
                        .format(n=MAX_RECOMMENDATION, k=len(value)))


def _check_target(value: date | None) -> None:
    if value is not None and not FIRST_TARGET <= value <= LAST_TARGET:
        raise UserError(_("target date {day} is not between {first} and {last}; is the year "
                          "mistyped?").format(day=value.isoformat(),
                                              first=FIRST_TARGET.isoformat(),
                                              last=LAST_TARGET.isoformat()))


def _plain(value: object) -> object:
    return value.isoformat() if isinstance(value, date) else value


def is_overdue(item: ActionItem, today: date) -> bool:
    """Not done, and past its target date."""
    return item.status != "done" and item.target_date is not None and \
        item.target_date < today


def action_dict(item: ActionItem, today: date, found: int | None = -1) -> dict[str, Any]:
    """The item as the CLI, the desktop and the reports show it. ``found``: the number of
    its finding in the audit now (see :func:`found_findings`), None if it is no longer
    there; by default the number it was made from."""
    overdue = is_overdue(item, today)
    number = item.finding_index if found == -1 or found is None else found
    return {"id": item.uuid, "audit": item.audit_uuid, "finding": number,
            "finding_missing": found is None,
            "title": item.title, "recommendation": item.recommendation, "agency": item.agency,
            "priority": item.priority, "status": item.status,
            "target": item.target_date.isoformat() if item.target_date else "",
            "overdue": overdue, "created": item.created_at.isoformat(),
            "modified": item.modified_at.isoformat(),
            "history": [{"at": c.changed_at.isoformat(), "author": c.author,
                         "changes": c.fields} for c in item.changes]}


def list_actions(workspace: Workspace, *, agency: str | None = None,
                 status: str | None = None, overdue: bool = False,
                 today: date | None = None) -> list[dict[str, Any]]:
    today = today or date.today()
    with workspace.transaction() as db:
        # The changes of every item in one more query, not one each (a campaign has 100s).
        # The nearest target first; items with no target date after every dated one.
        query = select(ActionItem).options(selectinload(ActionItem.changes)).order_by(
            ActionItem.target_date.is_(None), ActionItem.target_date, ActionItem.uuid)
        if agency:
            query = query.where(ActionItem.agency == _agency(agency))
        if status:
            query = query.where(ActionItem.status == status)
        items = list(db.scalars(query))
        found = found_findings(db, items)
        rows = [action_dict(i, today, found[i.uuid]) for i in items]
    return [r for r in rows if r["overdue"]] if overdue else rows


def found_findings(db: Session, items: list[ActionItem]) -> dict[str, int | None]:
    """For each item (by ID): the number of its finding in its audit's current revision,
    found again by what it said (:mod:`fieldsafe.services.finding_refs`) if findings were
    removed or moved since; None if it is no longer there."""
    out: dict[str, int | None] = {}
    wanted = sorted({i.audit_uuid for i in items})
    heads: dict[str, tuple[str, str, dict[str, Any]]] = {}
    for chunk in batches(wanted):
        for uuid, form_id, version, answers in db.execute(
                select(Audit.uuid, AuditRevision.form_id, AuditRevision.form_version,
                       AuditRevision.answers)
                .join(AuditRevision, AuditRevision.uuid == Audit.head_uuid)
                .where(Audit.uuid.in_(chunk))):
            heads[uuid] = (form_id, version, answers or {})
    repeat_of: dict[tuple[str, str], FormElement | None] = {}  # by form version
    for item in items:
        head = heads.get(item.audit_uuid)
        if head is None:
            out[item.uuid] = item.finding_index
            continue
        if (head[0], head[1]) not in repeat_of:
            repeats = form_definition(find_version(db, head[0], head[1])).with_role("finding")
            repeat_of[(head[0], head[1])] = repeats[0] if repeats else None
        repeat = repeat_of[(head[0], head[1])]
        findings = head[2].get(repeat.answer_key) if repeat is not None else None
        out[item.uuid] = locate(item.finding_index, item.finding_ref, repeat,
                                findings if isinstance(findings, list) else [])
    return out
