"""The desktop's editing service: drafts saved from snapshots, files, recovery, finalize."""

from __future__ import annotations

import pytest

from fieldsafe.errors import UserError
from fieldsafe.services.audit_queries import show_audit
from fieldsafe.services.editor import AuditEditor
from fieldsafe.services.recovery import interrupted_audit, mark_closed, mark_open
from fieldsafe.services.workspace import Workspace
from tests.conftest import CORPUS

PHOTO = CORPUS / "photos" / "exifpy__DSCN0010.jpg"


def test_drafts_from_snapshots_then_finalize(workspace: Workspace,
                                             walk_answers: dict[str, object]) -> None:
    editor = AuditEditor.new(workspace, "womens_safety_walk")
    editor.session.set_value(editor.session.node("period"), "night")
    first = editor.write(editor.snapshot())
    assert editor.audit_id == first.audit_uuid and first.number == 1
    editor.session.set_value(editor.session.node("good_points"), "Lit bus stop")
    again = editor.write(editor.snapshot())
    assert again.uuid == first.uuid  # a draft is saved in place
    with pytest.raises(UserError, match="cannot finalize"):
        editor.finalize()
    from fieldsafe.forms.answers import load_answers

    load_answers(editor.session, walk_answers)
    photo_node = editor.session.node("f_photo1", 1)
    answer = editor.attach(photo_node, PHOTO)
    assert photo_node.value == PHOTO.name and editor.thumbnail(photo_node) is not None
    assert editor.photo_position(photo_node) == pytest.approx((43.467448, 11.885127), abs=1e-5)
    location = editor.location_question(photo_node)
    assert location is not None and location.name == "f_loc"
    editor.set_caption(photo_node, "The dark corner")
    final = editor.finalize()
    assert final.status == "finalized"
    shown = show_audit(workspace, final.audit_uuid)
    assert shown["attachments"][0]["sha256"] == answer.sha256
    assert shown["attachments"][0]["caption"] == "The dark corner"
    assert shown["answers"]["period"] == walk_answers["period"]
    reopened = AuditEditor.open(workspace, final.audit_uuid)
    assert reopened.file_for(reopened.session.node("f_photo1", 1)) is not None
    reopened.session.set_value(reopened.session.node("good_points"), "Changed")
    edited = reopened.write(reopened.snapshot())
    assert edited.number == 2 and edited.parent_uuid == final.uuid


def test_recovery_marker(workspace: Workspace) -> None:
    from fieldsafe.services.recovery import interrupted_audits

    assert interrupted_audit(workspace) is None
    mark_open(workspace, "abc")
    mark_open(workspace, "def")
    mark_open(workspace, "abc")  # saved again: listed once
    assert interrupted_audits(workspace) == ["abc", "def"]
    mark_closed(workspace, "abc")  # one window closed: the other is still open
    assert interrupted_audits(workspace) == ["def"] and interrupted_audit(workspace) == "def"
    mark_open(workspace, "ghi")
    mark_closed(workspace)  # the offer declined: all forgotten
    assert interrupted_audit(workspace) is None


def test_layers_can_be_removed(workspace: Workspace) -> None:
    from fieldsafe.services.layers import add_layer, list_layers, remove_layer

    layer = add_layer(workspace, CORPUS / "mbtiles" / "nodembtiles__plain_1.mbtiles")
    stored = workspace.layers_dir / layer["file"]
    assert stored.is_file()
    remove_layer(workspace, layer["id"])
    assert list_layers(workspace) == [] and not stored.exists()
    with pytest.raises(UserError, match="no layer"):
        remove_layer(workspace, layer["id"])
