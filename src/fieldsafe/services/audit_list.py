"""The audit list as the desktop shows it: filtered, sorted and read a page at a time in SQL."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TypeVar

from sqlalchemy import Select, func, or_, select

from fieldsafe.services.workspace import Workspace
from fieldsafe.storage.models import Audit, Campaign

Sel = TypeVar("Sel", bound=Select)  # type: ignore[type-arg]
SORTABLE = {"modified": Audit.modified_at, "created": Audit.created_at,
            "form": Audit.form_id, "status": Audit.status, "team": Audit.team,
            "period": Audit.period, "name": Audit.instance_name}


@dataclass(frozen=True)
class AuditFilter:
    """What the list shows: every field is optional."""

    form_id: str = ""
    status: str = ""
    team: str = ""
    period: str = ""  # day or night
    since: date | None = None
    until: date | None = None
    text: str = ""
    campaign: str = ""


@dataclass(frozen=True)
class AuditRow:
    id: str
    form_id: str
    status: str
    team: str
    period: str
    name: str
    campaign: str
    created: datetime
    modified: datetime
    conflict: bool


@dataclass
class FilterChoices:
    """The values present, to fill the filter boxes."""

    forms: list[str] = field(default_factory=list)
    teams: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    campaigns: list[tuple[str, str]] = field(default_factory=list)  # (id, name)


def _filtered(query: Sel, f: AuditFilter) -> Sel:
    if f.form_id:
        query = query.where(Audit.form_id == f.form_id)
    if f.status:
        query = query.where(Audit.status == f.status)
    if f.team:
        query = query.where(Audit.team == f.team)
    if f.period:
        query = query.where(Audit.period == f.period)
    if f.campaign:
        query = query.where(Audit.campaign_uuid == f.campaign)
    if f.since:
        query = query.where(Audit.modified_at >= datetime.combine(f.since, datetime.min.time()))
    if f.until:
        query = query.where(Audit.modified_at < datetime.combine(
            f.until + timedelta(days=1), datetime.min.time()))
    if f.text.strip():
        like = f"%{f.text.strip()}%"
        query = query.where(or_(Audit.instance_name.ilike(like), Audit.form_id.ilike(like),
                                Audit.team.ilike(like), Audit.uuid.ilike(like)))
    return query


def count_audits(workspace: Workspace, f: AuditFilter) -> int:
    with workspace.transaction() as db:
        return int(db.scalar(_filtered(select(func.count()).select_from(Audit), f)) or 0)


def audit_page(workspace: Workspace, f: AuditFilter, *, sort: str = "modified",
               descending: bool = True, offset: int = 0, limit: int = 100) -> list[AuditRow]:
    """One page of the filtered, sorted list."""
    column = SORTABLE.get(sort, Audit.modified_at)
    order = column.desc() if descending else column.asc()
    with workspace.transaction() as db:
        query = _filtered(select(Audit, Campaign.name).outerjoin(
            Campaign, Campaign.uuid == Audit.campaign_uuid), f)
        query = query.order_by(order, Audit.uuid).offset(offset).limit(limit)
        return [AuditRow(a.uuid, a.form_id, a.status, a.team, a.period, a.instance_name,
                         name or "", a.created_at, a.modified_at, a.conflict)
                for a, name in db.execute(query).all()]


def filter_choices(workspace: Workspace) -> FilterChoices:
    with workspace.transaction() as db:
        return FilterChoices(
            forms=sorted(db.scalars(select(Audit.form_id).distinct())),
            teams=sorted(t for t in db.scalars(select(Audit.team).distinct()) if t),
            statuses=sorted(db.scalars(select(Audit.status).distinct())),
            campaigns=[(c.uuid, c.name) for c in db.scalars(select(Campaign)
                                                               .order_by(Campaign.name))])
