"""Receiving, step one (records): audits, action items and campaigns checked before a write."""

from __future__ import annotations

import json
from datetime import date
from typing import TYPE_CHECKING, Any

import shapely
from sqlalchemy import select
from sqlalchemy.orm import Session

from fieldsafe.geo.validate import check_geometry
from fieldsafe.i18n import _
from fieldsafe.services.records import batches
from fieldsafe.services.sync_records import CHANGE_FIELDS
from fieldsafe.storage.models import (
    ActionChange,
    ActionItem,
    Audit,
    AuditRevision,
    Campaign,
    FormVersion,
    Media,
)
from fieldsafe.sync import records as rec
from fieldsafe.sync.errors import BundleError, shown

if TYPE_CHECKING:
    from fieldsafe.services.bundle_check import Checked



def fail(checked: Checked, kind: str, number: int, why: str) -> BundleError:
    """The refusal of record ``number`` (from 1) of ``kind``, naming its file and line."""
    return BundleError(checked.path, _("{file} line {n}: {why}").format(
        file=rec.record_file(kind), n=number, why=why))


def check_audits(db: Session, checked: Checked) -> None:
    forms = {(f.form_id, f.version) for f in checked.records["forms"]}
    forms.update((f, v) for f, v in db.execute(select(FormVersion.form_id, FormVersion.version)))
    media = {m.sha256 for m in checked.records["media"]}
    seen: set[str] = set()
    ids = [r.uuid for a in checked.records["audits"] for r in a.revisions]
    ids += [p for a in checked.records["audits"] for r in a.revisions
            for p in [r.parent_uuid, *r.merges] if p]
    stored: dict[str, tuple[str, str | None, list[str]]] = {}  # uuid: audit, parent, merges
    for batch in batches(ids):
        r = AuditRevision
        stored.update((u, (a, p, [str(x) for x in m or []])) for u, a, p, m in db.execute(
            select(r.uuid, r.audit_uuid, r.parent_uuid, r.merges).where(r.uuid.in_(batch))))
    forms_here: dict[str, str] = {}
    for batch in batches([a.uuid for a in checked.records["audits"]]):
        forms_here.update((u, f) for u, f in db.execute(select(Audit.uuid, Audit.form_id).where(
            Audit.uuid.in_(batch))))
    campaigns = {c.uuid for c in checked.records["campaigns"]}
    checked_shapes: dict[str, str | None] = {}
    for number, audit in enumerate(checked.records["audits"], start=1):
        def refuse(why: str, n: int = number) -> BundleError:
            return fail(checked, "audits", n, why)

        if forms_here.get(audit.uuid, audit.form_id) != audit.form_id:
            raise refuse(_("audit {id} is of form '{form}' here, not '{other}'").format(
                id=audit.uuid, form=forms_here[audit.uuid], other=shown(audit.form_id)))
        if audit.campaign_uuid and audit.campaign_uuid not in campaigns and \
                db.get(Campaign, audit.campaign_uuid) is None:
            raise refuse(_("its campaign {id} is in neither the bundle nor this workspace")
                         .format(id=audit.campaign_uuid))
        own = {r.uuid for r in audit.revisions}
        looped = _in_a_loop(audit.revisions)
        if looped:
            raise refuse(_("revision {id} continues itself (its parents lead back to it)")
                         .format(id=looped))
        for revision in audit.revisions:
            if revision.uuid in seen:
                raise refuse(_("revision {id} appears twice").format(id=revision.uuid))
            seen.add(revision.uuid)
            here = stored.get(revision.uuid)
            if here is not None and here[0] != audit.uuid:
                raise refuse(_("revision {id} belongs to another audit here").format(
                    id=revision.uuid))
            if here is not None and here[1:] != (revision.parent_uuid, list(revision.merges)):
                raise refuse(_("revision {id} continues other revisions here; a revision's "
                               "parents never change").format(id=revision.uuid))
            if revision.form_id != audit.form_id:
                raise refuse(_("revision {id} is of form '{form}', its audit of '{audit_form}'")
                             .format(id=revision.uuid, form=revision.form_id,
                                     audit_form=audit.form_id))
            if (revision.form_id, revision.form_version) not in forms:
                raise refuse(_("form '{form_id}' version '{version}' is unknown: not in the "
                               "bundle and not in this workspace").format(
                    form_id=revision.form_id, version=revision.form_version))
            for parent in [revision.parent_uuid, *revision.merges]:
                if parent and parent not in own and \
                        stored.get(parent, ("",))[0] != audit.uuid:
                    raise refuse(_("revision {id}: its parent {parent} is in neither the bundle "
                                   "nor this workspace").format(id=revision.uuid,
                                                               parent=parent))
            paths: set[str] = set()
            for attachment in revision.attachments:
                if attachment.question_path in paths:
                    raise refuse(_("revision {id}: two photos or files answer {question}")
                                 .format(id=revision.uuid,
                                         question=shown(attachment.question_path)))
                paths.add(attachment.question_path)
                if attachment.sha256 not in media and db.get(Media, attachment.sha256) is None:
                    raise refuse(_("photo or file {name} ({sha}) is in neither the bundle nor "
                                   "this workspace").format(name=attachment.filename[:80],
                                                            sha=attachment.sha256[:12]))
            for geometry in revision.geometries:
                if geometry.geojson not in checked_shapes:  # a chain repeats its geometry
                    checked_shapes[geometry.geojson] = geometry_problem(geometry.geojson)
                problem = checked_shapes[geometry.geojson]
                if problem:
                    raise refuse(_("revision {id}, {question}: invalid geometry: {why}").format(
                        id=revision.uuid, question=geometry.question_path[:80], why=problem))


def _in_a_loop(revisions: list[rec.RevisionRecord]) -> str | None:
    """A revision whose parents (and merged sides) lead back to it, or None. Only the
    bundle's links can close a loop: a revision here keeps the links it came with."""
    waiting = {r.uuid: {p for p in [r.parent_uuid, *r.merges] if p} for r in revisions}
    for parents in waiting.values():
        parents.intersection_update(waiting)
    ready = [uuid for uuid, parents in waiting.items() if not parents]
    while ready:  # take away revisions whose parents are all taken away
        done = ready.pop()
        del waiting[done]
        for uuid, parents in waiting.items():
            if done in parents:
                parents.discard(done)
                if not parents:
                    ready.append(uuid)
    return min(waiting) if waiting else None


def geometry_problem(text: str) -> str | None:
    try:
        geometry = shapely.from_geojson(text)
    except (shapely.errors.GEOSException, ValueError, TypeError):
        try:
            json.loads(text)
        except (ValueError, RecursionError):
            return _("not GeoJSON")
        return _("not a GeoJSON geometry")
    found = check_geometry(geometry)
    return found[0] if found else None


def check_actions(db: Session, checked: Checked) -> None:
    actions: list[rec.ActionRecord] = checked.records["actions"]
    audits = {a.uuid for a in checked.records["audits"]}
    changes_here: dict[str, str] = {}  # change UUID: its item's
    for batch in batches([c.uuid for a in actions for c in a.changes]):
        changes_here.update((u, i) for u, i in db.execute(select(
            ActionChange.uuid, ActionChange.item_uuid).where(ActionChange.uuid.in_(batch))))
    seen: dict[str, int] = {}  # change UUID: the line it was first on
    for number, action in enumerate(actions, start=1):
        def refuse(why: str, n: int = number) -> BundleError:
            return fail(checked, "actions", n, why)

        if action.audit_uuid not in audits and db.get(Audit, action.audit_uuid) is None:
            raise refuse(_("its audit {id} is in neither the bundle nor this workspace").format(
                id=action.audit_uuid))
        here = db.get(ActionItem, action.uuid)
        if here is not None and (here.audit_uuid, here.finding_index) != (
                action.audit_uuid, action.finding_index):
            raise refuse(_("action item {id} is about another finding here").format(
                id=action.uuid))
        for field_name in CHANGE_FIELDS:  # the state it starts from, as its changes
            value = getattr(action.initial, field_name)
            problem = change_problem(field_name, value)
            if problem:
                raise refuse(_("its initial {field} cannot be '{value}': {why}").format(
                    field=field_name, value=shown(str(value)), why=problem))
        for change in action.changes:
            if seen.get(change.uuid) == number:
                raise refuse(_("change {id} appears twice").format(id=change.uuid))
            if change.uuid in seen:
                raise refuse(_("change {id} appears twice (also on line {first})").format(
                    id=change.uuid, first=seen[change.uuid]))
            seen[change.uuid] = number
            if changes_here.get(change.uuid, action.uuid) != action.uuid:
                raise refuse(_("change {id} belongs to another action item here").format(
                    id=change.uuid))
            for field_name, pair in change.fields.items():
                for value in pair:  # what it was and what it becomes
                    problem = change_problem(field_name, value)
                    if problem:
                        raise refuse(_("change {id}: {field} cannot be '{value}': {why}")
                                     .format(id=change.uuid, field=field_name,
                                             value=shown(str(value)), why=problem))


_CHANGE_VALUES = {"status": ("open", "in-progress", "done"),
                  "priority": ("low", "medium", "high", "urgent")}


def change_problem(field_name: str, value: str | None) -> str | None:
    """Why a value an action item's field has (at first, or before or after a change) is
    impossible, or None."""
    if field_name in _CHANGE_VALUES:
        allowed = _CHANGE_VALUES[field_name]
        return None if value in allowed else _("one of {known}").format(
            known=", ".join(allowed))
    if field_name == "target_date" and value is not None:
        try:
            date.fromisoformat(value)
        except ValueError:
            return _("not a date")
    if field_name in ("agency", "recommendation") and value is None:
        return _("empty")
    if field_name == "agency" and value is not None and len(value) > 200:
        return _("longer than 200 characters")
    return None


def check_campaigns(checked: Checked) -> None:
    for number, campaign in enumerate(checked.records["campaigns"], start=1):
        if campaign.area_geojson:
            problem = _area_problem(campaign.area_geojson)
            if problem:
                raise fail(checked, "campaigns", number, _("its area: {why}").format(
                    why=problem))


def _area_problem(text: str) -> str | None:
    try:
        data: Any = json.loads(text)
    except (ValueError, RecursionError):
        return _("not GeoJSON")
    if isinstance(data, dict) and data.get("type") == "Feature":
        data = {"type": "FeatureCollection", "features": [data]}
    if isinstance(data, dict) and data.get("type") == "FeatureCollection":
        # Stored as it was given (the map reads it again); each feature's geometry is
        # held to what a bare one is, so neither way round lets a bad outline in.
        features = data.get("features")
        if not isinstance(features, list):
            return _("not GeoJSON")
        for feature in features:
            geometry = feature.get("geometry") if isinstance(feature, dict) else None
            problem = geometry_problem(json.dumps(geometry)) if geometry is not None else None
            if problem:
                return problem
        return None
    return geometry_problem(text)
