"""Local edits of synced audits: other devices' drafts, stale editors, redacted copies, skew."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from fieldsafe.errors import UserError
from fieldsafe.services.actions import add_action, list_actions, update_action
from fieldsafe.services.audits import edit_audit, new_audit, retire_audit
from fieldsafe.services.bundles import import_bundle, import_bundles
from fieldsafe.services.conflicts import get_conflict, list_conflicts, resolve_conflict
from fieldsafe.services.editor import AuditEditor
from fieldsafe.services.revisions import store
from fieldsafe.services.workspace import Workspace
from fieldsafe.services.workspace_admin import digest
from fieldsafe.storage.models import ActionChange, Audit, AuditRevision
from tests.integration.test_sync_merge import clock, send

Device = Callable[..., Workspace]
FORM = "womens_safety_walk"
REDACTED = "without its sensitive answers"


def revisions(ws: Workspace, audit_id: str) -> dict[str, tuple[str, str, str | None, Any]]:
    """uuid -> (device, status, parent, route_desc) of every revision of an audit."""
    with ws.transaction() as db:
        return {r.uuid: (r.device_name, r.status, r.parent_uuid, r.answers.get("route_desc"))
                for r in db.scalars(select(AuditRevision)
                                    .where(AuditRevision.audit_uuid == audit_id))}


def in_conflict(ws: Workspace, audit_id: str) -> bool:
    with ws.transaction() as db:
        audit = db.get(Audit, audit_id)
        assert audit is not None
        return audit.conflict


def test_another_devices_draft_is_continued_not_overwritten(
        make_device: Device, walk_answers: dict[str, Any], tmp_path: Path) -> None:
    a, b = make_device("laptop-a"), make_device("laptop-b")
    draft = new_audit(a, FORM, walk_answers, now=clock("2026-11-20T10:00:00"))
    import_bundle(b, send(a, tmp_path, "draft", include_drafts=True))
    edited = edit_audit(b, draft.id, {"route_desc": "Finished by B"}, finalize=True,
                        now=clock("2026-11-21T10:00:00"))
    assert edited.revision_uuid != draft.revision_uuid
    original = walk_answers["route_desc"]
    assert revisions(b, draft.id) == {
        draft.revision_uuid: ("laptop-a", "draft", None, original),
        edited.revision_uuid: ("laptop-b", "finalized", draft.revision_uuid, "Finished by B")}
    from_a, from_b = send(a, tmp_path, "a", include_drafts=True), send(b, tmp_path, "b")
    office, other = make_device("office"), make_device("office-2")
    import_bundles(office, [from_a, from_b])
    import_bundles(other, [from_b, from_a])
    import_bundle(a, from_b)
    assert digest(office) == digest(other) == digest(a) == digest(b)
    assert revisions(office, draft.id)[draft.revision_uuid][3] == original, \
        "A's draft keeps A's answers under its UUID"
    assert not in_conflict(office, draft.id)
    # B's own draft of its own revision is still saved in place.
    again = edit_audit(b, draft.id, {"route_desc": "B again"}, now=clock("2026-11-22T10:00:00"))
    later = edit_audit(b, draft.id, {"route_desc": "B once more"},
                       now=clock("2026-11-22T11:00:00"))
    assert later.revision_uuid == again.revision_uuid


def test_the_editor_saves_on_the_revision_it_opened(
        make_device: Device, walk_answers: dict[str, Any], tmp_path: Path) -> None:
    a, b = make_device("laptop-a"), make_device("laptop-b")
    first = new_audit(a, FORM, walk_answers, finalize=True, now=clock("2026-11-20T10:00:00"))
    import_bundle(b, send(a, tmp_path, "base"))
    editor = AuditEditor.open(a, first.id)
    assert editor.revision_uuid == first.revision_uuid
    editor.session.set_value(editor.session.node("route_desc"), "Typed in A's editor")
    autosaved = editor.write(editor.snapshot())
    assert editor.revision_uuid == autosaved.uuid and autosaved.parent_uuid == first.revision_uuid
    # B's later change arrives while the editor is still open.
    theirs = edit_audit(b, first.id, {"route_desc": "Changed by B"}, finalize=True,
                        now=clock("2030-01-01T10:00:00"))
    import_bundle(a, send(b, tmp_path, "b"))
    final = editor.finalize()
    assert final.uuid == autosaved.uuid, "A's own open draft is finalized in place"
    assert revisions(a, first.id)[final.uuid] == (
        "laptop-a", "finalized", first.revision_uuid, "Typed in A's editor")
    assert in_conflict(a, first.id), "saving did not write over B's revision"
    office = make_device("office")
    import_bundles(office, [send(a, tmp_path, "a"), send(b, tmp_path, "b2")])
    import_bundle(b, send(a, tmp_path, "a2"))
    assert digest(office) == digest(a) == digest(b)
    [conflict] = list_conflicts(office)
    assert {s.revision: s.answers["route_desc"] for s in conflict.sides} == {
        final.uuid: "Typed in A's editor", theirs.revision_uuid: "Changed by B"}


def test_a_draft_another_device_continued_is_not_rewritten(
        make_device: Device, walk_answers: dict[str, Any], tmp_path: Path) -> None:
    a, b = make_device("laptop-a"), make_device("laptop-b")
    draft = new_audit(a, FORM, walk_answers, now=clock("2026-11-20T10:00:00"))
    editor = AuditEditor.open(a, draft.id)
    import_bundle(b, send(a, tmp_path, "draft", include_drafts=True))
    theirs = edit_audit(b, draft.id, {"route_desc": "Finished by B"}, finalize=True,
                        now=clock("2026-11-21T10:00:00"))
    import_bundle(a, send(b, tmp_path, "b"))
    editor.session.set_value(editor.session.node("route_desc"), "Finished by A")
    mine = editor.finalize()
    assert mine.uuid != draft.revision_uuid and mine.parent_uuid == draft.revision_uuid
    kept = revisions(a, draft.id)
    assert kept[draft.revision_uuid][1:] == ("draft", None, walk_answers["route_desc"])
    assert kept[theirs.revision_uuid][3] == "Finished by B"
    assert in_conflict(a, draft.id)


def test_a_base_of_another_audit_is_refused(
        make_device: Device, walk_answers: dict[str, Any]) -> None:
    a = make_device("laptop-a")
    one = new_audit(a, FORM, walk_answers, finalize=True)
    two = new_audit(a, FORM, walk_answers, finalize=True)
    editor = AuditEditor.open(a, one.id)
    before = digest(a)
    with pytest.raises(UserError, match="open it again"):
        store(a, one.id, editor.snapshot(), "draft", base=two.revision_uuid)
    assert digest(a) == before


def test_a_redacted_copy_cannot_be_changed(
        make_device: Device, walk_answers: dict[str, Any], tmp_path: Path) -> None:
    a = make_device("laptop-a")
    first = new_audit(a, FORM, walk_answers, finalize=True, now=clock("2026-11-20T10:00:00"))
    office = make_device("office")
    import_bundle(office, send(a, tmp_path, "redacted", exclude_sensitive=True))
    before = digest(office)
    with pytest.raises(UserError, match=REDACTED):
        edit_audit(office, first.id, {"route_desc": "Fixed at the office"}, finalize=True)
    with pytest.raises(UserError, match=REDACTED):
        retire_audit(office, first.id)
    with pytest.raises(UserError, match=REDACTED):
        AuditEditor.open(office, first.id)
    assert digest(office) == before
    # Nothing went back to the laptop: its sensitive answers are whole.
    import_bundle(a, send(office, tmp_path, "back"))
    with a.transaction() as db:
        audit = db.get(Audit, first.id)
        assert audit is not None and audit.head_uuid == first.revision_uuid
        head = db.get(AuditRevision, audit.head_uuid)
        assert head is not None and not head.redacted
        assert head.answers["gender_bands"] == walk_answers["gender_bands"]
    # Once the full copy arrives, the office may change it.
    import_bundle(office, send(a, tmp_path, "full"))
    edit_audit(office, first.id, {"route_desc": "Fixed at the office"}, finalize=True)


def test_a_conflict_with_a_redacted_side_is_not_resolved(
        make_device: Device, walk_answers: dict[str, Any], tmp_path: Path) -> None:
    a, b = make_device("laptop-a"), make_device("laptop-b")
    first = new_audit(a, FORM, walk_answers, finalize=True, now=clock("2026-11-20T10:00:00"))
    import_bundle(b, send(a, tmp_path, "base"))
    edit_audit(a, first.id, {"route_desc": "A"}, finalize=True, now=clock("2026-11-21T10:00:00"))
    edit_audit(b, first.id, {"route_desc": "B"}, finalize=True, now=clock("2026-11-21T11:00:00"))
    office = make_device("office")
    import_bundles(office, [send(a, tmp_path, "a", exclude_sensitive=True),
                            send(b, tmp_path, "b")])
    assert sorted(s.redacted for s in get_conflict(office, first.id).sides) == [False, True]
    before = digest(office)
    with pytest.raises(UserError, match=REDACTED):
        resolve_conflict(office, first.id, take="laptop-b")
    with pytest.raises(UserError, match=REDACTED):
        resolve_conflict(office, first.id, take="laptop-a")
    assert digest(office) == before and in_conflict(office, first.id)
    import_bundle(office, send(a, tmp_path, "a-full"))
    resolve_conflict(office, first.id, take="laptop-a")
    assert not in_conflict(office, first.id)


def test_a_local_change_sorts_last_even_with_a_clock_behind(
        make_device: Device, walk_answers: dict[str, Any], tmp_path: Path) -> None:
    a, b = make_device("laptop-a"), make_device("laptop-b")
    first = new_audit(a, FORM, walk_answers, finalize=True, now=clock("2026-11-20T10:00:00"))
    add_action(a, first.id, 1, agency="utilities", now=clock("2026-11-20T11:00:00"))
    [item] = list_actions(a)
    update_action(a, item["id"], status="done", now=clock("2026-12-05T10:00:00"))  # ahead
    import_bundle(b, send(a, tmp_path, "a"))
    changed = update_action(b, item["id"], status="in-progress",
                            now=clock("2026-12-01T10:00:00"))  # later, on a clock behind
    assert changed["status"] == "in-progress"
    with b.transaction() as db:
        stamps = sorted(db.scalars(select(ActionChange.changed_at)))
    assert changed["modified"] == stamps[-1].isoformat() > stamps[0].isoformat()
    assert [h["changes"]["status"][1] for h in changed["history"]] == ["done", "in-progress"]
    office = make_device("office")
    import_bundle(office, send(b, tmp_path, "b"))
    import_bundle(a, send(b, tmp_path, "b2"))
    assert digest(office) == digest(a) == digest(b)
    assert list_actions(office)[0]["status"] == list_actions(a)[0]["status"] == "in-progress"
    # An item made on a clock ahead: the change is not stamped before the item was made.
    add_action(a, first.id, 1, agency="roads", now=clock("2026-12-20T10:00:00"))
    import_bundle(b, send(a, tmp_path, "a2"))
    [new] = [i for i in list_actions(b) if i["agency"] == "roads"]
    update_action(b, new["id"], priority="high", now=clock("2026-12-02T10:00:00"))
    import_bundle(office, send(b, tmp_path, "b3"))
    assert digest(office) == digest(b)


def test_a_sent_draft_is_not_saved_in_place_again(
        make_device: Device, walk_answers: dict[str, Any], tmp_path: Path) -> None:
    # A sends its draft; B finishes it; A, not having B's change yet, goes on typing in the
    # draft. A's change must become a revision of its own, so that the next sync shows a
    # conflict instead of B's revision silently resting on answers A has since replaced.
    a, b = make_device("laptop-a"), make_device("laptop-b")
    draft = new_audit(a, FORM, walk_answers, now=clock("2026-11-20T10:00:00"))
    unsent = edit_audit(a, draft.id, {"route_desc": "Still typing"},
                        now=clock("2026-11-20T10:30:00"))
    assert unsent.revision_uuid == draft.revision_uuid, "not sent yet: saved in place"
    import_bundle(b, send(a, tmp_path, "draft", include_drafts=True))
    theirs = edit_audit(b, draft.id, {"route_desc": "Finished by B"}, finalize=True,
                        now=clock("2026-11-21T10:00:00"))
    mine = edit_audit(a, draft.id, {"route_desc": "Typed after sending"},
                      now=clock("2026-11-21T11:00:00"))
    assert mine.revision_uuid != draft.revision_uuid
    again = edit_audit(a, draft.id, {"route_desc": "And more"},
                       now=clock("2026-11-21T11:05:00"))
    assert again.revision_uuid == mine.revision_uuid, "the new draft is saved in place"
    kept = revisions(a, draft.id)
    assert kept[draft.revision_uuid][1:] == ("draft", None, "Still typing")
    assert kept[mine.revision_uuid][1:] == ("draft", draft.revision_uuid, "And more")
    from_a = send(a, tmp_path, "a-again", include_drafts=True)
    import_bundle(b, from_a)
    import_bundle(a, send(b, tmp_path, "b"))
    assert in_conflict(a, draft.id) and in_conflict(b, draft.id)
    assert digest(a) == digest(b)
    seen = revisions(b, draft.id)
    assert seen[theirs.revision_uuid][3] == "Finished by B"
    assert seen[mine.revision_uuid][3] == "And more"


def test_a_draft_sent_without_drafts_stays_in_place(
        make_device: Device, walk_answers: dict[str, Any], tmp_path: Path) -> None:
    a = make_device("laptop-a")
    draft = new_audit(a, FORM, walk_answers, now=clock("2026-11-20T10:00:00"))
    send(a, tmp_path, "finalized-only")  # drafts are not in this bundle
    later = edit_audit(a, draft.id, {"route_desc": "Later"}, now=clock("2026-11-20T11:00:00"))
    assert later.revision_uuid == draft.revision_uuid


def test_a_draft_saved_while_its_bundle_is_written_becomes_a_new_revision(
        make_device: Device, walk_answers: dict[str, Any], tmp_path: Path) -> None:
    # the desktop sends on a worker thread while the form autosaves: a save that lands
    # after the bundle was read must not change the sent draft under its UUID
    from fieldsafe.services.bundle_export import export_bundle
    from fieldsafe.services.jobs import Progress

    a, b = make_device("laptop-a"), make_device("laptop-b")
    draft = new_audit(a, FORM, walk_answers, now=clock("2026-11-20T10:00:00"))
    saved: list[Any] = []

    def autosave(_done: int, _total: int, what: str) -> None:
        if what == "photos and files" and not saved:  # while the file is being written
            saved.append(edit_audit(a, draft.id, {"route_desc": "typed while sending"},
                                    now=clock("2026-11-20T11:00:00")))

    bundle = export_bundle(a, tmp_path / "x.fieldsafe", include_drafts=True,
                           progress=Progress(autosave)).path
    assert saved and saved[0].revision_uuid != draft.revision_uuid
    import_bundle(b, bundle)
    sent, here = revisions(b, draft.id), revisions(a, draft.id)
    assert sent[draft.revision_uuid] == here[draft.revision_uuid]  # one content per UUID
    assert here[saved[0].revision_uuid][1:] == ("draft", draft.revision_uuid,
                                               "typed while sending")
