"""Audit use cases against a real workspace: revisions, photos, geometry, atomic saves."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from fieldsafe.errors import UserError
from fieldsafe.services.audit_queries import list_audits, show_audit
from fieldsafe.services.audits import edit_audit, new_audit, retire_audit
from fieldsafe.services.workspace import Workspace
from fieldsafe.storage.models import Audit, AuditRevision, Media
from tests.conftest import CORPUS

PHOTO = CORPUS / "photos" / "exifpy__DSCN0010.jpg"
PORTRAIT = CORPUS / "photos" / "recurser__Portrait_6.jpg"


def test_new_finalized_audit_with_photo_and_route(workspace: Workspace,
                                                  walk_answers: dict[str, object]) -> None:
    result = new_audit(workspace, "womens_safety_walk", walk_answers,
                       photos={"finding[1]/f_photo1": PHOTO}, finalize=True)
    assert result.status == "finalized" and result.revision == 1 and not result.problems
    shown = show_audit(workspace, result.id)
    assert shown["answers"]["finding"][0]["f_photo1"] == PHOTO.name
    [attachment] = shown["attachments"]
    assert attachment["question"] == "finding[1]/f_photo1"
    assert attachment["info"]["latitude"] == pytest.approx(43.467448, abs=1e-5)
    assert workspace.media.has(attachment["sha256"])
    assert workspace.media.thumbnail_path(attachment["sha256"]).is_file()
    kinds = {(g["question"], g["kind"]) for g in shown["geometries"]}
    assert ("route", "route") in kinds and ("finding[1]/f_loc", "point") in kinds
    route = next(g for g in shown["geometries"] if g["kind"] == "route")
    assert route["length_m"] > 50
    row = list_audits(workspace)[0]
    assert {"id", "revision", "form_id", "form_version", "status", "campaign", "team", "author",
            "device", "created", "modified", "photos"} <= set(row)
    assert row["photos"] == 1 and row["team"] == workspace.identity.team


def test_a_photo_is_stored_once(workspace: Workspace, walk_answers: dict[str, object]) -> None:
    for _ in range(2):
        new_audit(workspace, "womens_safety_walk", walk_answers,
                  photos={"finding[1]/f_photo1": PHOTO})
    with workspace.transaction() as db:
        assert db.scalar(select(func.count()).select_from(Media)) == 1
    assert len(list(workspace.media.iter_hashes())) == 1


def test_max_pixels_copy_is_made_and_original_kept(workspace: Workspace,
                                                   walk_answers: dict[str, object]) -> None:
    result = new_audit(workspace, "womens_safety_walk", walk_answers,
                       photos={"finding[1]/f_photo1": PORTRAIT})
    sha = show_audit(workspace, result.id)["attachments"][0]["sha256"]
    assert workspace.media.path(sha).read_bytes() == PORTRAIT.read_bytes()
    derived = list((workspace.root / "media" / "derived").rglob(f"{sha}-*.jpg"))
    assert derived, "a copy downscaled to the question's max-pixels"


def test_finalize_with_problems_is_refused_and_lists_them(
        workspace: Workspace, walk_answers: dict[str, object]) -> None:
    del walk_answers["period"]
    with pytest.raises(UserError, match=r"cannot finalize: 1 problem\(s\): Is this a day or a "
                                        r"night walk\?: Please answer this question\."):
        new_audit(workspace, "womens_safety_walk", walk_answers, finalize=True)
    with workspace.transaction() as db:
        assert db.scalar(select(func.count()).select_from(Audit)) == 0
    answers = {**walk_answers, "finding": [{**walk_answers["finding"][0], "f_sev": "9"}]}
    with pytest.raises(UserError, match=r"How serious is it\? \(finding 1\): "):  # its label
        new_audit(workspace, "womens_safety_walk", answers, finalize=True)
    draft = new_audit(workspace, "womens_safety_walk", walk_answers)
    assert draft.status == "draft" and [p.name for p in draft.problems] == ["period"]


def test_answers_that_do_not_fit_are_refused(workspace: Workspace) -> None:
    with pytest.raises(UserError, match="no question or repeat named 'colour'"):
        new_audit(workspace, "walkability", {"colour": "red"})


def test_revision_chain(workspace: Workspace, walk_answers: dict[str, object]) -> None:
    first = new_audit(workspace, "womens_safety_walk", walk_answers, finalize=True,
                      photos={"finding[1]/f_photo1": PHOTO},
                      now=lambda: datetime(2026, 11, 24, 10))
    edited = edit_audit(workspace, first.id, {"good_points": "More light now"},
                        finalize=True, now=lambda: datetime(2026, 11, 24, 11))
    assert edited.revision == 2 and edited.revision_uuid != first.revision_uuid
    draft = edit_audit(workspace, first.id, {"good_points": "Draft change"})
    again = edit_audit(workspace, first.id, {"good_points": "Second draft change"})
    assert draft.revision == again.revision == 3  # a draft is saved in place
    retired = retire_audit(workspace, first.id[:8])
    assert retired.revision == 4 and retired.status == "retired"
    shown = show_audit(workspace, first.id)
    history = shown["history"]
    assert [h["status"] for h in history] == ["finalized", "finalized", "draft", "retired"]
    assert [h["parent"] for h in history] == [None] + [h["uuid"] for h in history[:-1]]
    assert shown["answers"]["good_points"] == "Second draft change"
    assert shown["photos"] == 1  # the photo carries over to later revisions
    with workspace.transaction() as db:
        old = db.get(AuditRevision, first.revision_uuid)
        assert old is not None and old.answers["good_points"] == walk_answers["good_points"]
    with pytest.raises(UserError, match="retired"):
        edit_audit(workspace, first.id, {"good_points": "x"})
    with pytest.raises(UserError, match="already retired"):
        retire_audit(workspace, first.id)


def test_a_failed_save_leaves_nothing_behind(workspace: Workspace, tmp_path: Path,
                                             walk_answers: dict[str, object]) -> None:
    not_a_photo = tmp_path / "note.jpg"
    not_a_photo.write_text("not an image")
    with pytest.raises(UserError, match=r"note\.jpg"):
        new_audit(workspace, "womens_safety_walk", walk_answers,
                  photos={"finding[1]/f_photo1": PHOTO, "finding[1]/f_photo2": not_a_photo})
    with pytest.raises(UserError, match="no audit"):
        edit_audit(workspace, "0000dead", {})
    with workspace.transaction() as db:
        assert db.scalar(select(func.count()).select_from(Audit)) == 0
        assert db.scalar(select(func.count()).select_from(Media)) == 0
    assert list(workspace.media.iter_hashes()) == []


def test_unknown_ids_and_prefixes(workspace: Workspace, walk_answers: dict[str, object]) -> None:
    a = new_audit(workspace, "womens_safety_walk", walk_answers)
    assert show_audit(workspace, a.id[:6])["id"] == a.id
    with pytest.raises(UserError, match="no audit with ID 'ffffffff'"):
        show_audit(workspace, "ffffffff")
    with pytest.raises(UserError, match="no form with form_id 'nope'"):
        new_audit(workspace, "nope", {})


def test_a_new_revision_deprecates_the_old_instance_id(
        workspace: Workspace, walk_answers: dict[str, object]) -> None:
    first = new_audit(workspace, "womens_safety_walk", walk_answers, finalize=True,
                      now=lambda: datetime(2026, 11, 24, 10))
    old_id = show_audit(workspace, first.id)["answers"]["instanceID"]
    edit_audit(workspace, first.id, {"good_points": "x"}, now=lambda: datetime(2026, 11, 24, 11))
    draft = show_audit(workspace, first.id)["answers"]
    assert draft["deprecatedID"] == old_id and draft["instanceID"] != old_id
    edit_audit(workspace, first.id, {"good_points": "y"}, finalize=True,
               now=lambda: datetime(2026, 11, 24, 12))
    final = show_audit(workspace, first.id)["answers"]
    assert (final["instanceID"], final["deprecatedID"]) == (draft["instanceID"], old_id)


@pytest.mark.parametrize("first_revision", [True, False])
def test_a_draft_saved_meanwhile_is_never_written_over(
        workspace: Workspace, walk_answers: dict[str, object], first_revision: bool,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Two edits of one draft at once (two windows, the desktop and the command line):
    the one that lands second is kept beside the first, a conflict; neither is lost."""
    import fieldsafe.services.audits as audits
    from fieldsafe.services.editor import AuditEditor

    draft = new_audit(workspace, "womens_safety_walk", walk_answers)
    if not first_revision:  # a draft continuing a finalized revision
        edit_audit(workspace, draft.id, {}, finalize=True)
        edit_audit(workspace, draft.id, {"good_points": "reopened"})
    window = AuditEditor.open(workspace, draft.id)  # read before the command's edit lands
    alone = AuditEditor.open(workspace, new_audit(workspace, "womens_safety_walk",
                                                  walk_answers).id)
    alone.write(alone.snapshot())
    assert not alone.in_conflict  # an ordinary save
    original = audits._save

    def other_lands_first(*args: object, **kwargs: object) -> object:
        monkeypatch.setattr(audits, "_save", original)
        edit_audit(workspace, draft.id, {"priorities": "EDIT B"})
        return original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(audits, "_save", other_lands_first)
    edit_audit(workspace, draft.id, {"good_points": "EDIT A"})
    shown = show_audit(workspace, draft.id)
    assert shown["conflict"] is True
    with workspace.transaction() as db:
        kept = {r.answers.get("priorities") for r in db.scalars(select(AuditRevision))} | {
            r.answers.get("good_points") for r in db.scalars(select(AuditRevision))}
    assert {"EDIT A", "EDIT B"} <= kept
    window.session.set_value(window.session.node("good_points"), "EDIT C")
    window.write(window.snapshot())  # the window's draft changed under it too: kept beside
    assert window.in_conflict  # and its status bar says so
    with workspace.transaction() as db:
        values = [r.answers.get("good_points") for r in db.scalars(select(AuditRevision))]
    assert "EDIT C" in values and "EDIT A" in values


def test_a_save_is_refused_when_its_photo_left_the_store_meanwhile(
        workspace: Workspace, walk_answers: dict[str, object]) -> None:
    """A failed save removes the photos it stored; another save that found the same photo
    stored must not commit a record of a file that is gone (they race for it)."""
    from fieldsafe.services.editor import AuditEditor

    photo = CORPUS / "photos" / "exifpy__DSCN0042.jpg"
    draft = new_audit(workspace, "womens_safety_walk", walk_answers)
    editor = AuditEditor.open(workspace, draft.id)
    node = editor.session.node("f_photo1", 1)
    stored = editor.ingest(node, photo)
    editor.apply(node, stored)
    workspace.media.remove(stored.sha256)  # as a failed save's cleanup would, meanwhile
    with pytest.raises(UserError, match="no longer in the media store"):
        editor.write(editor.snapshot())
    from fieldsafe.storage.models import Attachment

    with workspace.transaction() as db:
        assert db.get(Media, stored.sha256) is None  # nothing names the missing file
        assert not db.scalars(select(Attachment).where(
            Attachment.sha256 == stored.sha256)).first()


def test_removing_a_finding_keeps_the_photos_of_those_after_it(
        workspace: Workspace, walk_answers: dict[str, object]) -> None:
    second = CORPUS / "photos" / "exifpy__DSCN0042.jpg"
    made = new_audit(workspace, "womens_safety_walk", walk_answers, finalize=True,
                     photos={"finding[1]/f_photo1": PHOTO, "finding[2]/f_photo1": second})
    findings = show_audit(workspace, made.id)["answers"]["finding"]
    assert len(findings) >= 2
    edit_audit(workspace, made.id, {"finding": [findings[1], findings[0], *findings[2:]]},
               finalize=True)  # two findings swapped: each keeps its photo
    shown = show_audit(workspace, made.id)
    assert sorted((a["question"], a["filename"]) for a in shown["attachments"]) == [
        ("finding[1]/f_photo1", second.name), ("finding[2]/f_photo1", PHOTO.name)]
    edit_audit(workspace, made.id, {"finding": [findings[1], *findings[2:]]},
               finalize=True)  # the first one resolved and removed
    shown = show_audit(workspace, made.id)
    assert [(a["question"], a["filename"]) for a in shown["attachments"]] == [
        ("finding[1]/f_photo1", second.name)]


def test_a_photo_for_a_question_not_asked_is_refused(workspace: Workspace,
                                                      walk_answers: dict[str, object]) -> None:
    second = CORPUS / "photos" / "exifpy__DSCN0042.jpg"
    findings = list(walk_answers["finding"])  # type: ignore[call-overload]
    answers = dict(walk_answers, finding=[dict(findings[0], f_photo1="")])
    with pytest.raises(UserError, match="not asked with these answers"):
        new_audit(workspace, "womens_safety_walk", answers,
                  photos={"finding[1]/f_photo2": second})  # asked once f_photo1 is given
    assert list_audits(workspace) == []
    with workspace.transaction() as db:  # and nothing of it was kept
        assert db.scalar(select(func.count()).select_from(Media)) == 0
    made = new_audit(workspace, "womens_safety_walk", answers,  # given with it: in order
                     photos={"finding[1]/f_photo2": second, "finding[1]/f_photo1": PHOTO})
    assert len(show_audit(workspace, made.id)["attachments"]) == 2


def test_a_damaged_photo_is_named_by_its_own_file_and_not_kept(
        workspace: Workspace, walk_answers: dict[str, object], tmp_path: Path) -> None:
    cut = tmp_path / "cut short.jpg"
    cut.write_bytes((CORPUS / "photos" / "exifpy__DSCN0042.jpg").read_bytes()[:30_000])
    with pytest.raises(UserError, match=r"cut short\.jpg: the picture cannot be read"):
        new_audit(workspace, "womens_safety_walk", walk_answers,
                  photos={"finding[1]/f_photo1": cut})
    assert not [p for p in (workspace.root / "media").rglob("*") if p.is_file()]


def test_photos_are_listed_in_the_order_of_their_findings() -> None:
    from fieldsafe.services.audit_queries import natural_key

    paths = ["finding[10]/f_photo1", "finding[2]/f_photo2", "finding[1]/f_photo1",
             "finding[2]/f_photo1", "site_photo"]
    assert sorted(paths, key=natural_key) == [
        "finding[1]/f_photo1", "finding[2]/f_photo1", "finding[2]/f_photo2",
        "finding[10]/f_photo1", "site_photo"]  # not finding[10] before finding[2]


def test_two_photos_of_one_name_get_names_apart_and_follow_their_findings(
        workspace: Workspace, walk_answers: dict[str, object], tmp_path: Path) -> None:
    """IMG_0001.jpg from two phones: each answer must still say which file it is."""
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first, second = tmp_path / "a" / "IMG_0001.jpg", tmp_path / "b" / "IMG_0001.jpg"
    first.write_bytes(PHOTO.read_bytes())
    second.write_bytes((CORPUS / "photos" / "exifpy__DSCN0042.jpg").read_bytes())
    made = new_audit(workspace, "womens_safety_walk", walk_answers, finalize=True,
                     photos={"finding[1]/f_photo1": first, "finding[2]/f_photo1": second})
    shown = show_audit(workspace, made.id)
    names = {a["question"]: (a["filename"], a["sha256"]) for a in shown["attachments"]}
    assert names["finding[1]/f_photo1"][0] == "IMG_0001.jpg"
    assert names["finding[2]/f_photo1"][0] == "IMG_0001-2.jpg"
    findings = shown["answers"]["finding"]
    edit_audit(workspace, made.id, {"finding": [findings[1], findings[0], *findings[2:]]},
               finalize=True)  # swapped: each photo goes with its finding
    moved = {a["question"]: a["sha256"] for a in show_audit(workspace, made.id)["attachments"]}
    assert moved == {"finding[1]/f_photo1": names["finding[2]/f_photo1"][1],
                     "finding[2]/f_photo1": names["finding[1]/f_photo1"][1]}
