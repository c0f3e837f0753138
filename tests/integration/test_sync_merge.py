"""Sync bundles between real workspaces: round trips, idempotence, revisions, conflicts,
action histories, signatures and atomic failure."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from fieldsafe.services.actions import add_action, list_actions, update_action
from fieldsafe.services.audit_heads import refresh_heads
from fieldsafe.services.audits import edit_audit, new_audit, retire_audit
from fieldsafe.services.bundle_export import export_bundle
from fieldsafe.services.bundles import import_bundle, import_bundles, verify_bundle
from fieldsafe.services.conflicts import BOTH, get_conflict, list_conflicts, resolve_conflict
from fieldsafe.services.devices import device_key, trust_device
from fieldsafe.services.workspace import Workspace
from fieldsafe.services.workspace_admin import check, digest
from fieldsafe.storage.models import Audit, AuditRevision
from fieldsafe.sync.errors import BundleError
from tests.conftest import CORPUS

PHOTO = CORPUS / "photos" / "exifpy__DSCN0010.jpg"
Device = Callable[..., Workspace]


def clock(start: str) -> Callable[[], datetime]:
    """A clock that ticks one second per call, from ``start``: ordered, reproducible saves."""
    moment = [datetime.fromisoformat(start)]

    def now() -> datetime:
        moment[0] = moment[0].replace(second=moment[0].second + 1) \
            if moment[0].second < 59 else moment[0].replace(minute=moment[0].minute + 1,
                                                            second=0)
        return moment[0]

    return now


def send(ws: Workspace, folder: Path, name: str, **options: Any) -> Path:
    return export_bundle(ws, folder / f"{name}.fieldsafe", **options).path


def rewritten(bundle: Path, target: Path, entry: str, old: bytes, new: bytes) -> Path:
    """A copy of ``bundle`` with ``old`` replaced by ``new`` in one entry, nothing else
    changed (its manifest no longer matches it, or its signature its manifest)."""
    with zipfile.ZipFile(bundle) as source, zipfile.ZipFile(target, "w") as out:
        for info in source.infolist():
            data = source.read(info)
            out.writestr(info, data.replace(old, new) if info.filename == entry else data)
    return target


def media_files(ws: Workspace) -> list[Path]:
    return sorted(p for p in ws.media.root.rglob("*") if p.is_file())


@pytest.fixture
def laptop(make_device: Device, walk_answers: dict[str, Any]) -> tuple[Workspace, str]:
    """A field laptop with one finalized audit (a photo, a finding's action item)."""
    ws = make_device("laptop-a", team="north")
    result = new_audit(ws, "womens_safety_walk", walk_answers,
                       photos={"finding[1]/f_photo1": PHOTO}, finalize=True,
                       now=clock("2026-11-20T19:30:00"))
    add_action(ws, result.id, 1, agency="utilities", target=date(2027, 1, 31),
               now=clock("2026-11-20T20:00:00"))
    return ws, result.id


def test_round_trip_and_idempotent_reimport(laptop: tuple[Workspace, str],
                                            make_device: Device, tmp_path: Path) -> None:
    source, _audit_id = laptop
    bundle = send(source, tmp_path, "a")
    office = make_device("office")
    first = import_bundle(office, bundle)
    assert {(o.kind, o.status) for o in first.outcomes if o.status == "new"} == {
        ("audit", "new"), ("action", "new"), ("media", "new")}
    assert first.device_name == "laptop-a"
    assert first.team == "north"
    assert digest(office) == digest(source)
    assert check(office) == []
    sha = next(iter(office.media.iter_hashes()))
    assert office.media.thumbnail_path(sha).is_file(), "reports need the thumbnail"
    before, files = digest(office), media_files(office)
    again = import_bundle(office, bundle)
    assert again.already_imported and again.counts()["new"] == 0
    assert again.counts()["present"] == sum(first.counts().values())
    assert "already present" in again.summary()
    # A new file with the same content (a second export) is checked in full: all present.
    second = import_bundle(office, send(source, tmp_path, "a2"))
    assert not second.already_imported
    assert second.counts()["new"] == second.counts()["updated"] == 0
    assert digest(office) == before and media_files(office) == files


def test_a_newer_revision_replaces_the_older_in_either_order(
        laptop: tuple[Workspace, str], make_device: Device, tmp_path: Path) -> None:
    source, audit_id = laptop
    old = send(source, tmp_path, "old")
    edit_audit(source, audit_id, {"route_desc": "Changed on the way back"}, finalize=True,
               now=clock("2026-11-21T08:00:00"))
    new = send(source, tmp_path, "new")
    one, two = make_device("one"), make_device("two")
    import_bundles(one, [old, new])
    reports = import_bundles(two, [new, old])
    assert reports[1].counts()["updated"] == 0
    assert digest(one) == digest(two) == digest(source)
    with one.transaction() as db:
        audit = db.get(Audit, audit_id)
        assert audit is not None and not audit.conflict
        head = db.get(AuditRevision, audit.head_uuid)
        assert head is not None and head.answers["route_desc"] == "Changed on the way back"
        assert len(audit.revisions) == 2, "the old revision stays in the history"


def test_two_devices_editing_one_revision_make_a_kept_conflict(
        laptop: tuple[Workspace, str], make_device: Device, tmp_path: Path) -> None:
    a, audit_id = laptop
    b = make_device("laptop-b", team="south")
    import_bundle(b, send(a, tmp_path, "base"))
    edit_audit(a, audit_id, {"route_desc": "Seen by A", "weather": "rain"}, finalize=True,
               now=clock("2026-11-22T10:00:00"))
    edit_audit(b, audit_id, {"route_desc": "Seen by B"}, finalize=True,
               now=clock("2026-11-22T11:00:00"))
    from_a, from_b = send(a, tmp_path, "from-a"), send(b, tmp_path, "from-b")
    office, other = make_device("office"), make_device("office-2")
    reports = import_bundles(office, [from_a, from_b])
    import_bundles(other, [from_b, from_a])
    assert digest(office) == digest(other)
    assert any(o.status == "conflict" for o in reports[1].outcomes if o.kind == "audit")
    [conflict] = list_conflicts(office)
    assert conflict.audit == audit_id
    assert {s.device_name for s in conflict.sides} == {"laptop-a", "laptop-b"}
    assert {"route_desc", "weather"} <= set(conflict.fields)
    with office.transaction() as db:
        assert len(db.scalars(select(AuditRevision).where(
            AuditRevision.audit_uuid == audit_id)).all()) == 3, "both sides are kept"
    # The coordinator takes B's description and A's weather.
    side = {s.device_name: s.revision for s in conflict.sides}
    from fieldsafe.services.conflicts import compose

    answers, _files, _base = compose(conflict, {"route_desc": side["laptop-b"],
                                                "weather": side["laptop-a"]})
    assert answers["route_desc"] == "Seen by B" and answers["weather"] == "rain"
    result = resolve_conflict(office, audit_id, choices={"route_desc": side["laptop-b"],
                                                         "weather": side["laptop-a"]},
                              now=clock("2026-11-23T09:00:00"))
    assert result.status == "finalized"
    assert list_conflicts(office) == []
    # The resolution merges cleanly into both laptops and into the other office.
    resolution = send(office, tmp_path, "resolution")
    for ws in (a, b, other):
        import_bundle(ws, resolution)
        import_bundles(ws, [from_a, from_b])
        assert list_conflicts(ws) == []
        assert digest(ws) == digest(office)
    with a.transaction() as db:
        audit = db.get(Audit, audit_id)
        assert audit is not None
        head = db.get(AuditRevision, audit.head_uuid)
        assert head is not None and head.uuid == result.revision_uuid
        assert head.answers["route_desc"] == "Seen by B" and head.answers["weather"] == "rain"


def test_answers_given_in_full_keep_the_photo_of_the_side_they_name(
        laptop: tuple[Workspace, str], make_device: Device, tmp_path: Path) -> None:
    """Both laptops add a second photo to the same finding; the coordinator's answers keep
    the head's texts but A's photo: the resolution holds A's file, and travels with it."""
    from fieldsafe.errors import UserError

    a, audit_id = laptop
    b = make_device("laptop-b", team="south")
    import_bundle(b, send(a, tmp_path, "base"))
    other = CORPUS / "photos" / "recurser__Portrait_2.jpg"
    edit_audit(a, audit_id, {}, photos={"finding[1]/f_photo2": other}, finalize=True,
               now=clock("2026-11-22T10:00:00"))
    edit_audit(b, audit_id, {}, photos={"finding[1]/f_photo2": PHOTO}, finalize=True,
               now=clock("2026-11-22T11:00:00"))
    office = make_device("office")
    import_bundles(office, [send(a, tmp_path, "from-a"), send(b, tmp_path, "from-b")])
    conflict = get_conflict(office, audit_id)
    sides = {s.device_name: s for s in conflict.sides}
    photo_a = sides["laptop-a"].files["finding[1]/f_photo2"]
    head = conflict.sides[0]
    assert head.device_name == "laptop-b"  # the later save is the head shown
    answers = {**head.answers, "finding": [dict(f) for f in head.answers["finding"]]}
    answers["finding"][0]["f_photo2"] = "taken-on-mars.jpg"
    with pytest.raises(UserError, match=re.escape(
            "finding[1]/f_photo2 names the file 'taken-on-mars.jpg', which no side")):
        resolve_conflict(office, audit_id, answers=answers)
    assert list_conflicts(office), "a refused resolution changes nothing"
    answers["finding"][0]["f_photo2"] = photo_a.filename
    result = resolve_conflict(office, audit_id, answers=answers,
                              now=clock("2026-11-23T09:00:00"))
    a_again = make_device("laptop-a2")
    import_bundle(a_again, send(office, tmp_path, "resolution"))
    for ws in (office, a_again):
        with ws.transaction() as db:
            audit = db.get(Audit, audit_id)
            assert audit is not None
            resolved = db.get(AuditRevision, audit.head_uuid)
            assert resolved is not None and resolved.uuid == result.revision_uuid
            kept = {x.question_path: x.sha256 for x in resolved.attachments}
        assert kept["finding[1]/f_photo2"] == photo_a.sha256
        assert ws.media.has(photo_a.sha256)


def test_answers_left_out_keep_the_heads_and_short_ids_and_same_named_files(
        laptop: tuple[Workspace, str], make_device: Device, tmp_path: Path) -> None:
    """Answers given for a resolution go over the head's (leaving the findings out does not
    delete them); a side is taken by the first characters of its revision, as listed; two
    photos of one file name at one question make that question differ."""
    import shutil

    a, audit_id = laptop
    b = make_device("laptop-b", team="south")
    import_bundle(b, send(a, tmp_path, "base"))
    same_name_a, same_name_b = tmp_path / "a" / "x.jpg", tmp_path / "b" / "x.jpg"
    for target, source in ((same_name_a, PHOTO), (same_name_b, CORPUS / "photos" /
                                                   "recurser__Portrait_2.jpg")):
        target.parent.mkdir()
        shutil.copy(source, target)
    edit_audit(a, audit_id, {"route_desc": "Seen by A"},
               photos={"finding[2]/f_photo2": same_name_a}, finalize=True,
               now=clock("2026-11-22T10:00:00"))
    edit_audit(b, audit_id, {"route_desc": "Seen by B"},
               photos={"finding[2]/f_photo2": same_name_b}, finalize=True,
               now=clock("2026-11-22T11:00:00"))
    office = make_device("office")
    import_bundles(office, [send(a, tmp_path, "from-a"), send(b, tmp_path, "from-b")])
    conflict = get_conflict(office, audit_id)
    assert {"route_desc", "finding"} <= set(conflict.fields)  # finding: only its photo differs
    head = conflict.sides[0]
    findings = len(head.answers["finding"])
    result = resolve_conflict(office, audit_id, answers={"route_desc": "Agreed"},
                              now=clock("2026-11-23T09:00:00"))
    with office.transaction() as db:
        resolved = db.get(AuditRevision, result.revision_uuid)
        assert resolved is not None
        assert resolved.answers["route_desc"] == "Agreed"
        assert len(resolved.answers["finding"]) == findings  # not emptied
        assert resolved.answers["weather"] == head.answers["weather"]
    # Again on another office, by the first eight characters of a side's revision.
    other = make_device("office-2")
    import_bundles(other, [send(a, tmp_path, "from-a"), send(b, tmp_path, "from-b")])
    side_a = next(s for s in get_conflict(other, audit_id).sides if s.device_name == "laptop-a")
    resolve_conflict(other, audit_id, take=side_a.revision[:8])
    assert list_conflicts(other) == []


def test_a_new_audit_in_conflict_gets_the_head_the_stored_graph_gives(
        laptop: tuple[Workspace, str], make_device: Device, tmp_path: Path) -> None:
    # Its head is chosen from the bundle's records before they are stored: the same as
    # refresh_heads chooses from the stored revisions, and as on the sending laptop.
    a, audit_id = laptop
    b = make_device("laptop-b", team="south")
    import_bundle(b, send(a, tmp_path, "base"))
    edit_audit(a, audit_id, {"route_desc": "Seen by A"}, finalize=True,
               now=clock("2026-11-22T10:00:00"))
    edit_audit(b, audit_id, {"route_desc": "Seen by B"}, finalize=True,
               now=clock("2026-11-22T11:00:00"))
    office = make_device("office")
    import_bundles(office, [send(a, tmp_path, "from-a"), send(b, tmp_path, "from-b")])
    newcomer = make_device("newcomer")
    report = import_bundle(newcomer, send(office, tmp_path, "office"))
    assert [o.status for o in report.outcomes if o.kind == "audit"] == ["conflict"]
    columns = ("head_uuid", "status", "conflict", "team", "instance_name", "period",
               "modified_at")

    def head(ws: Workspace) -> tuple[Any, ...]:
        with ws.transaction() as db:
            audit = db.get(Audit, audit_id)
            assert audit is not None
            return tuple(getattr(audit, c) for c in columns)

    arrived = head(newcomer)
    assert arrived == head(office) and arrived[2] is True and arrived[5] != ""
    with newcomer.transaction() as db:
        assert refresh_heads(db, [audit_id]) == {audit_id}
    assert head(newcomer) == arrived
    assert digest(newcomer) == digest(office)


def test_resolve_by_taking_a_device_and_keeping_both_findings(
        laptop: tuple[Workspace, str], make_device: Device, tmp_path: Path) -> None:
    a, audit_id = laptop
    b = make_device("laptop-b")
    import_bundle(b, send(a, tmp_path, "base"))
    edit_audit(a, audit_id, {"route_desc": "A"}, finalize=True)
    edit_audit(b, audit_id, {"route_desc": "B"}, finalize=True)
    office = make_device("office")
    import_bundles(office, [send(a, tmp_path, "a"), send(b, tmp_path, "b")])
    with pytest.raises(Exception, match="no side"):
        resolve_conflict(office, audit_id, take="nobody")
    resolve_conflict(office, audit_id, take="laptop-b")
    with office.transaction() as db:
        audit = db.get(Audit, audit_id)
        assert audit is not None and not audit.conflict
        head = db.get(AuditRevision, audit.head_uuid)
        assert head is not None and head.answers["route_desc"] == "B"
        assert len(head.merges) == 1
        assert [a.question_path for a in head.attachments] == ["finding[1]/f_photo1"]


def test_keep_both_joins_repeats_and_texts(laptop: tuple[Workspace, str],
                                           make_device: Device, tmp_path: Path,
                                           walk_answers: dict[str, Any]) -> None:
    a, audit_id = laptop
    b = make_device("laptop-b")
    import_bundle(b, send(a, tmp_path, "base"))
    from fieldsafe.services.audit_queries import show_audit

    findings = list(show_audit(b, audit_id)["answers"]["finding"])
    extra = {**findings[2], "f_note": "Added by B"}
    edit_audit(a, audit_id, {"route_desc": "A says"}, finalize=True)
    edit_audit(b, audit_id, {"route_desc": "B says", "finding": [*findings, extra]},
               finalize=True)
    office = make_device("office")
    import_bundles(office, [send(a, tmp_path, "a"), send(b, tmp_path, "b")])
    conflict = get_conflict(office, audit_id)
    resolve_conflict(office, audit_id, choices={"route_desc": BOTH, "finding": BOTH})
    with office.transaction() as db:
        audit = db.get(Audit, audit_id)
        assert audit is not None
        head = db.get(AuditRevision, audit.head_uuid)
        assert head is not None
        assert head.answers["route_desc"] == "A says\nB says" or \
            head.answers["route_desc"] == "B says\nA says"
        notes = [f["f_note"] for f in head.answers["finding"]]
        assert "Added by B" in notes and len(notes) == 4
        assert "finding[1]/f_photo1" in {x.question_path for x in head.attachments}
    assert len(conflict.sides) == 2


def test_action_histories_merge_as_a_union_in_any_order(
        laptop: tuple[Workspace, str], make_device: Device, tmp_path: Path) -> None:
    a, _audit_id = laptop
    b = make_device("laptop-b")
    import_bundle(b, send(a, tmp_path, "base"))
    [item] = list_actions(a)
    update_action(a, item["id"], status="in-progress", now=clock("2026-12-01T09:00:00"))
    update_action(b, item["id"], status="done", agency="roads",
                  now=clock("2026-12-02T09:00:00"))
    one, two = make_device("one"), make_device("two")
    bundles = [send(a, tmp_path, "a"), send(b, tmp_path, "b")]
    import_bundles(one, bundles)
    reports = import_bundles(two, list(reversed(bundles)))
    assert digest(one) == digest(two)
    [merged] = list_actions(one)
    assert merged["status"] == "done" and merged["agency"] == "roads"  # B's change is later
    assert len(merged["history"]) == 2
    # The report credits who changed the item: made on A, B's bundle brings it new (with
    # B's change), then A's bundle updates it with A's change.
    [made] = [o for o in reports[0].outcomes if o.kind == "action"]
    [changed] = [o for o in reports[1].outcomes if o.kind == "action"]
    assert (made.status, made.device) == ("new", "laptop-a")
    assert (changed.status, changed.device) == ("updated", "laptop-a")
    [from_b] = [o for o in import_bundle(a, bundles[1]).outcomes if o.kind == "action"]
    assert (from_b.status, from_b.device) == ("updated", "laptop-b")


def test_retirement_travels_as_a_revision(laptop: tuple[Workspace, str],
                                          make_device: Device, tmp_path: Path) -> None:
    a, audit_id = laptop
    office = make_device("office")
    import_bundle(office, send(a, tmp_path, "before"))
    retire_audit(a, audit_id)
    report = import_bundle(office, send(a, tmp_path, "after"))
    assert [o.status for o in report.outcomes if o.kind == "audit"] == ["updated"]
    with office.transaction() as db:
        audit = db.get(Audit, audit_id)
        assert audit is not None and audit.status == "retired"


def test_drafts_travel_only_when_asked(make_device: Device, walk_answers: dict[str, Any],
                                       tmp_path: Path) -> None:
    a = make_device("laptop-a")
    new_audit(a, "womens_safety_walk", walk_answers)  # a draft
    office = make_device("office")
    plain = import_bundle(office, send(a, tmp_path, "plain"))
    assert not [o for o in plain.outcomes if o.kind == "audit"]
    with office.transaction() as db:
        assert db.scalars(select(Audit)).all() == []
    import_bundle(office, send(a, tmp_path, "drafts", include_drafts=True))
    with office.transaction() as db:
        assert [x.status for x in db.scalars(select(Audit))] == ["draft"]


def test_since_last_sends_only_what_changed(laptop: tuple[Workspace, str],
                                            tmp_path: Path) -> None:
    a, audit_id = laptop
    first = export_bundle(a, tmp_path / "1.fieldsafe", since_last="office")
    assert first.counts["audits"] == 1 and first.counts["actions"] == 1
    second = export_bundle(a, tmp_path / "2.fieldsafe", since_last="office")
    assert second.counts["audits"] == 0 and second.unchanged > 0
    edit_audit(a, audit_id, {"route_desc": "later"}, finalize=True)
    third = export_bundle(a, tmp_path / "3.fieldsafe", since_last="office")
    assert third.counts["audits"] == 1 and third.counts["media"] == 1
    other = export_bundle(a, tmp_path / "4.fieldsafe", since_last="someone-else")
    assert other.counts["audits"] == 1 and other.counts["forms"] >= 1


def test_sensitive_answers_can_stay_home(laptop: tuple[Workspace, str], make_device: Device,
                                         tmp_path: Path) -> None:
    a, _audit_id = laptop
    redacted = send(a, tmp_path, "redacted", exclude_sensitive=True)
    with zipfile.ZipFile(redacted) as z:
        text = z.read("records/audits.jsonl").decode()
    assert "gender_bands" not in text and "mobility_aid" not in text
    office = make_device("office")
    import_bundle(office, redacted)
    full = send(a, tmp_path, "full")
    assert [o.status for o in import_bundle(office, full).outcomes
            if o.kind == "audit"] == ["updated"], "the full copy replaces the redacted one"
    assert digest(office) == digest(a)
    assert [o.status for o in import_bundle(office, send(a, tmp_path, "r2",
                                                         exclude_sensitive=True)).outcomes
            if o.kind == "audit"] == ["present"]
    assert digest(office) == digest(a)


def test_signatures(laptop: tuple[Workspace, str], make_device: Device,
                    tmp_path: Path) -> None:
    a, _ = laptop
    office = make_device("office")
    unsigned = send(a, tmp_path, "unsigned")
    signed = send(a, tmp_path, "signed", sign_bundle=True)
    with pytest.raises(BundleError, match="not signed"):
        import_bundle(office, unsigned, require_signature=True)
    with pytest.raises(BundleError, match="not a trusted device"):
        import_bundle(office, signed, require_signature=True)
    trust_device(office, device_key(a), "Laptop A")
    report = import_bundle(office, signed, require_signature=True)
    assert report.trusted_as == "Laptop A" and "signed by Laptop A" in report.summary()
    # A manifest changed after signing is refused, signature required or not.
    tampered = rewritten(signed, tmp_path / "tampered.fieldsafe", "manifest.json",
                         b'"team": "north"', b'"team": "evil"')
    before = digest(office)
    for required in (True, False):
        with pytest.raises(BundleError, match="changed after it was signed"):
            import_bundle(office, tampered, require_signature=required)
    assert digest(office) == before


def test_a_failed_merge_leaves_the_workspace_as_it_was(
        laptop: tuple[Workspace, str], make_device: Device, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    a, _ = laptop
    office = make_device("office")
    before, files = digest(office), media_files(office)
    from fieldsafe.services import bundle_merge

    def broken(*_args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(bundle_merge, "_merge_actions", broken)
    with pytest.raises(OSError):
        import_bundle(office, send(a, tmp_path, "a"))
    assert digest(office) == before and media_files(office) == files
    monkeypatch.undo()
    import_bundle(office, send(a, tmp_path, "again"))
    assert digest(office) == digest(a)


def test_a_form_version_with_other_content_is_refused_whole(
        make_device: Device, write_form: Callable[..., Path], tmp_path: Path) -> None:
    from fieldsafe.services.form_library import import_form

    form = """
        | survey |      |      |          |
        |        | type | name | label    |
        |        | text | q    | Question |
        | settings |      |         |
        |          | form_id | version |
        |          | clash   | 1       |
        """
    a, office = make_device("a"), make_device("office")
    import_form(a, write_form(form, "clash.md"))
    new_audit(a, "clash", {"q": "hello"}, finalize=True)
    import_form(office, write_form(form.replace("Question", "Other question"), "clash2.md"))
    before = digest(office)
    with pytest.raises(BundleError, match="different content"):
        import_bundle(office, send(a, tmp_path, "a"))
    assert digest(office) == before


def test_an_altered_copy_of_a_bundle_imported_before_is_refused(
        laptop: tuple[Workspace, str], make_device: Device, tmp_path: Path) -> None:
    """The same manifest over changed records is no bundle imported before: it is damaged
    or altered, and the import says so (as ``bundle verify`` does)."""
    source, _audit = laptop
    bundle = send(source, tmp_path, "a")
    office = make_device("office")
    import_bundle(office, bundle)
    before = digest(office)
    altered = rewritten(bundle, tmp_path / "altered.fieldsafe", "records/audits.jsonl",
                        b'"north"', b'"north-east"')
    with pytest.raises(BundleError, match=r"audits\.jsonl' is not the size its manifest"):
        import_bundle(office, altered)
    assert digest(office) == before
    # An edit of the same size is left to `bundle verify`, which reads every byte: a
    # re-import reads nothing again (it must stay cheap), and merges nothing either.
    same_size = rewritten(bundle, tmp_path / "same.fieldsafe", "records/audits.jsonl",
                          b'"north"', b'"south"')
    assert import_bundle(office, same_size).already_imported
    with pytest.raises(BundleError, match=r"audits\.jsonl' does not match its SHA-256"):
        verify_bundle(same_size)
    assert digest(office) == before


def test_an_action_item_carries_what_its_finding_said(
        laptop: tuple[Workspace, str], make_device: Device, tmp_path: Path) -> None:
    """The reference travels with the item, so the office finds the finding again after a
    correction that removes the one before it."""
    from fieldsafe.storage.models import ActionItem

    source, _audit_id = laptop
    office = make_device("office")
    import_bundle(office, send(source, tmp_path, "a"))
    with source.transaction() as db:
        sent = {i.uuid: i.finding_ref for i in db.scalars(select(ActionItem))}
    with office.transaction() as db:
        got = {i.uuid: i.finding_ref for i in db.scalars(select(ActionItem))}
    assert got == sent and all(ref for ref in got.values())
