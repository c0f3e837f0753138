"""The campaign's audits of a place rather than a route (a CPTED site): where, and how scored."""

from __future__ import annotations

from dataclasses import dataclass

from fieldsafe.services.map_forms import instances, whole_score
from fieldsafe.services.map_load import AuditData, CampaignAudits, campaign_audits
from fieldsafe.services.map_types import LatLon
from fieldsafe.services.records import resolve_campaign
from fieldsafe.services.workspace import Workspace


@dataclass(frozen=True, slots=True)
class ScoredSite:
    """A finalized audit with no route, at its form's first located question outside any
    repeat; ``score`` is its overall score, 0 (worst) .. 1 (best), None if it has none."""

    audit_id: str
    label: str
    location: LatLon
    score: float | None


def campaign_sites(workspace: Workspace, campaign_id: str, *,
                   include_sensitive: bool = True, read: CampaignAudits | None = None,
                   ) -> list[ScoredSite]:
    """The campaign's finalized audits that located a place and walked no route, oldest
    first (what the campaign map shows as squares beside the routes). ``read``: the
    campaign's audits read already (then ``include_sensitive`` is theirs)."""
    if read is None:
        with workspace.transaction() as db:
            read = campaign_audits(db, resolve_campaign(db, campaign_id),
                                   include_sensitive=include_sensitive)
    out: list[ScoredSite] = []
    for audit in read.audits:
        where = _place(audit) if audit.route() is None else None
        if where is not None:
            out.append(ScoredSite(audit.audit_id, audit.label, where, overall_score(audit)))
    return out


def _place(audit: AuditData) -> LatLon | None:
    for key, repeats, _label in audit.info.points:
        shape = audit.shapes.get(key) if not repeats else None
        point = shape.point() if shape is not None else None
        if point is not None:
            return (point.y, point.x)
    return None


def overall_score(audit: AuditData) -> float | None:
    """The audit's overall score, 0..1: its form's score of the whole audit (one outside any
    repeat, where a form also scores each point), the mean where it has several answers."""
    chosen = whole_score(audit.info.rated)
    if chosen is None:
        return None
    scores = [chosen.score(n) for _prefix, answers in instances(audit.answers, chosen.repeats)
              if (n := chosen.number(answers.get(chosen.name))) is not None]
    return sum(scores) / len(scores) if scores else None
