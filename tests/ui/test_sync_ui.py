"""Sync in the desktop app: Send bundle, Receive bundles (dialog and drop), the merge report
and the Merge Center, on real workspaces made to look like several laptops."""

from __future__ import annotations

import csv
import json
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, QSettings, Qt, QUrl
from PySide6.QtGui import QDesktopServices, QDragEnterEvent, QDropEvent
from pytestqt.qtbot import QtBot

from fieldsafe.services.audit_queries import show_audit
from fieldsafe.services.audits import edit_audit, new_audit
from fieldsafe.services.bundle_export import export_bundle
from fieldsafe.services.bundles import import_bundle
from fieldsafe.services.conflicts import BOTH, list_conflicts
from fieldsafe.services.workspace import Workspace
from fieldsafe.ui.main_window import MainWindow
from fieldsafe.ui.sync.receive_dialog import ReceiveDialog
from fieldsafe.ui.sync.report_dialog import ERROR_COLOUR, STATUS_ROLE, MergeReportDialog
from fieldsafe.ui.sync.send_dialog import SendBundleDialog
from tests.conftest import CORPUS
from tests.ui.test_accessibility import unnamed

PHOTOS = CORPUS / "photos"
Device = Callable[..., Workspace]


def clock(start: str) -> Callable[[], datetime]:
    """One second per call from ``start``: ordered, reproducible saves."""
    moment = [datetime.fromisoformat(start)]

    def now() -> datetime:
        moment[0] += timedelta(seconds=1)
        return moment[0]

    return now


def walk(ws: Workspace, answers: dict[str, Any], photos: tuple[str, str], start: str) -> str:
    """A finalized walk with a photo on each of its first two findings."""
    return new_audit(ws, "womens_safety_walk", answers, finalize=True, now=clock(start),
                     photos={"finding[1]/f_photo1": PHOTOS / photos[0],
                             "finding[2]/f_photo1": PHOTOS / photos[1]}).id


def open_window(qtbot: QtBot, ws: Workspace, tmp_path: Path) -> MainWindow:
    window = MainWindow(ws, QSettings(str(tmp_path / f"{ws.root.name}.ini"),
                                      QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


@pytest.fixture
def laptop(make_device: Device, walk_answers: dict[str, Any]) -> Workspace:
    ws = make_device("laptop-a", team="north")
    walk(ws, walk_answers, ("exifpy__DSCN0010.jpg", "exifpy__DSCN0042.jpg"),
         "2026-11-20T19:30:00")
    return ws


@pytest.fixture
def office(make_device: Device) -> Workspace:
    return make_device("office", team="hq")


def test_the_file_menu_has_the_sync_commands(laptop: Workspace, tmp_path: Path, qtbot: QtBot,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtWidgets import QFileDialog

    from fieldsafe.ui.sync.merge_center import MergeCenter

    window = open_window(qtbot, laptop, tmp_path)
    file_menu = window.menuBar().actions()[0].menu()
    texts = [a.text() for a in file_menu.actions()]  # type: ignore[union-attr]
    assert {"&Send bundle…", "&Receive bundles…", "&Merge Center…"} <= set(texts)
    bundle = tmp_path / "x.fieldsafe"
    monkeypatch.setattr(QFileDialog, "getOpenFileNames",
                        lambda *a, **k: ([str(bundle)], "FieldSafe bundles (*.fieldsafe)"))
    window.sync.receive_action.trigger()
    [dialog] = [w for w in window._editors if isinstance(w, ReceiveDialog)]
    assert dialog.paths == [bundle]
    dialog.close()
    window.sync.merge_center_action.trigger()
    center = window.sync.merge_center
    assert isinstance(center, MergeCenter)
    assert center.list.count() == 0 and center.empty.text().startswith("No conflicts")
    assert not center.resolve_button.isEnabled()
    center.close()


# -- sending ----------------------------------------------------------------------------------

def test_send_writes_the_bundle_and_says_what_it_holds(
        laptop: Workspace, tmp_path: Path, qtbot: QtBot,
        monkeypatch: pytest.MonkeyPatch) -> None:
    window = open_window(qtbot, laptop, tmp_path)
    dialog = window.sync.send_bundle()
    assert isinstance(dialog, SendBundleDialog)
    assert Path(dialog.path_edit.text()).name.startswith("laptop-a-north-20")
    assert unnamed(dialog) == []
    target = tmp_path / "out" / "to-office.fieldsafe"
    target.parent.mkdir()
    dialog.path_edit.setText(str(target))
    dialog.options["sign"].setChecked(True)
    dialog.since_last.setChecked(True)
    dialog.recipient.setEditText("office")
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.exported is not None and not dialog.busy, timeout=30_000)
    assert target.is_file()
    assert dialog.summary.isVisible()
    text = dialog.summary.text()
    assert "Audits: 1" in text and "photos and files: 2" in text and "signed" in text
    assert str(target) in dialog.label.text()
    assert dialog.cancel_button.text() == "Close"
    opened: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    qtbot.mouseClick(dialog.folder_button, Qt.MouseButton.LeftButton)
    assert [Path(u.toLocalFile()) for u in opened] == [target.parent]
    # The options and the recipient are remembered for next time.
    again = window.sync.send_bundle()
    assert again.options["sign"].isChecked() and again.since_last.isChecked()
    assert again.recipient.currentText() == "office"
    assert Path(again.path_edit.text()).parent == target.parent
    # Only what changed since: nothing did, so the second bundle leaves the audit out.
    second = tmp_path / "out" / "again.fieldsafe"
    again.path_edit.setText(str(second))
    again.start()
    qtbot.waitUntil(lambda: again.exported is not None and not again.busy, timeout=30_000)
    assert "Audits: 0" in again.summary.text()
    assert "left out: office has them already" in again.summary.text()


def test_cancel_during_the_export_leaves_no_file(laptop: Workspace, tmp_path: Path,
                                                 qtbot: QtBot) -> None:
    window = open_window(qtbot, laptop, tmp_path)
    dialog = window.sync.send_bundle()
    target = tmp_path / "cancelled.fieldsafe"
    dialog.path_edit.setText(str(target))
    reached, release = threading.Event(), threading.Event()

    def hold(done: int, total: int, what: str) -> None:  # the first photo is written
        reached.set()
        assert release.wait(30)

    dialog.worker_hook = hold
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(reached.is_set, timeout=30_000)
    assert dialog.busy
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    assert dialog.label.text() == "Cancelling…"
    release.set()
    qtbot.waitUntil(lambda: not dialog.busy, timeout=30_000)
    assert dialog.label.text() == "Cancelled; nothing was written."
    assert not target.exists()
    assert not list(tmp_path.glob(".cancelled.fieldsafe*"))
    assert dialog.exported is None
    dialog.close()


def test_a_failed_send_can_be_tried_again(laptop: Workspace, tmp_path: Path, qtbot: QtBot,
                                          warnings_shown: list[str],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from fieldsafe.errors import UserError
    from fieldsafe.ui.sync import send_dialog

    def full_disk(*_args: object, **_kwargs: object) -> object:
        raise UserError("the disk is full; free some space and try again")

    window = open_window(qtbot, laptop, tmp_path)
    dialog = window.sync.send_bundle()
    dialog.path_edit.setText(str(tmp_path / "retry.fieldsafe"))
    with monkeypatch.context() as patched:
        patched.setattr(send_dialog, "export_bundle", full_disk)
        qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: not dialog.busy, timeout=30_000)
    assert warnings_shown == ["the disk is full; free some space and try again"]
    assert dialog.export_button.isEnabled() and dialog.path_edit.isEnabled()
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)  # space was freed
    assert dialog.cancel_button.text() == "Cancel"  # while it runs: not "Close"
    qtbot.waitUntil(lambda: dialog.exported is not None, timeout=30_000)
    assert (tmp_path / "retry.fieldsafe").stat().st_size > 0
    assert not dialog.export_button.isEnabled()  # sent: done
    dialog.close()


def test_a_cancel_after_the_last_step_still_leaves_no_file(laptop: Workspace, tmp_path: Path,
                                                           qtbot: QtBot) -> None:
    window = open_window(qtbot, laptop, tmp_path)
    dialog = window.sync.send_bundle()
    target = tmp_path / "late.fieldsafe"
    dialog.path_edit.setText(str(target))

    def cancel_at_the_end(done: int, total: int, what: str) -> None:
        if done == total:  # the service takes no more steps: the bundle is finished
            dialog.job.cancel()  # type: ignore[union-attr]

    dialog.worker_hook = cancel_at_the_end
    dialog.start()
    qtbot.waitUntil(lambda: not dialog.busy, timeout=30_000)
    assert dialog.label.text() == "Cancelled; nothing was written."
    assert not target.exists()
    dialog.close()


# -- receiving --------------------------------------------------------------------------------

def _bundles(laptop: Workspace, tmp_path: Path) -> tuple[Path, Path]:
    good = export_bundle(laptop, tmp_path / "from-a.fieldsafe").path
    broken = tmp_path / "broken.fieldsafe"
    broken.write_text("not a bundle at all\n", encoding="utf-8")
    return good, broken


def _merged_and_refused(window: MainWindow, dialog: ReceiveDialog, qtbot: QtBot) -> None:
    """Click Import, wait for the report; one bundle merged, one refused with its reason."""
    assert window.model.rowCount() == 0
    with qtbot.waitSignal(dialog.imported, timeout=30_000):
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    report = window.sync.report
    assert isinstance(report, MergeReportDialog)
    assert report.bundles.count() == 2
    merged, refused = report.bundles.item(0), report.bundles.item(1)
    assert merged.text().startswith("from-a.fieldsafe: 3 new, 0 updated, 5 already present")
    assert "from laptop-a, team north" in merged.text()
    assert refused.text() == "broken.fieldsafe: refused: not a FieldSafe bundle (not a zip file)"
    assert refused.foreground().color() == ERROR_COLOUR
    assert not report.merge_center_button.isVisible()
    report.show_status("rejected")
    assert report.shown_statuses() == ["rejected"]
    report.show_status("new")
    assert sorted(report.shown_statuses()) == ["new"] * 3  # the audit and its two photos
    report.show_status("")
    assert report.proxy.rowCount() == 9  # and the built-in forms, already present
    assert window.model.rowCount() == 1, "the list shows the audit that arrived"
    assert "1 audits shown" in window.statusBar().currentMessage()


def test_receive_merges_the_good_bundle_and_refuses_the_broken_one(
        laptop: Workspace, office: Workspace, tmp_path: Path, qtbot: QtBot) -> None:
    good, broken = _bundles(laptop, tmp_path)
    window = open_window(qtbot, office, tmp_path)
    dialog = window.sync.receive_bundles([good, broken])
    assert isinstance(dialog, ReceiveDialog)
    assert dialog.files.count() == 2
    assert unnamed(dialog) == []
    _merged_and_refused(window, dialog, qtbot)
    report = window.sync.report
    assert report is not None
    assert unnamed(report) == []
    saved = report.save_report(tmp_path / "report.csv")
    assert saved is not None
    rows = list(csv.DictReader(saved.read_text(encoding="utf-8").splitlines()))
    assert {r["status"] for r in rows} == {"new", "present", "rejected"}
    [audit_row] = [r for r in rows if r["kind"] == "audit"]
    assert audit_row["detail"].startswith("Safety walk - ")  # the audit by its name
    as_json = report.save_report(tmp_path / "report.json")
    assert as_json is not None
    assert [r["refused"] for r in json.loads(as_json.read_text(encoding="utf-8"))] == [
        None, "not a FieldSafe bundle (not a zip file)"]
    # The same bundle again: its records are not listed, and the table says why.
    report.accept()
    again = window.sync.receive_bundles([good])
    assert isinstance(again, ReceiveDialog)
    with qtbot.waitSignal(again.imported, timeout=30_000):
        qtbot.mouseClick(again.import_button, Qt.MouseButton.LeftButton)
    second = window.sync.report
    assert second is not None and second is not report
    assert second.proxy.rowCount() == 1
    detail = second.model.item(0, 7).text()
    assert detail.startswith("imported before: its ") and "changed nothing" in detail
    saved_again = second.save_report(tmp_path / "again.csv")
    assert saved_again is not None
    [row] = list(csv.DictReader(saved_again.read_text(encoding="utf-8").splitlines()))
    assert (row["kind"], row["status"]) == ("bundle", "present")
    assert row["detail"] == detail


def test_dropping_bundles_on_the_window_receives_them(
        laptop: Workspace, office: Workspace, tmp_path: Path, qtbot: QtBot) -> None:
    good, broken = _bundles(laptop, tmp_path)
    notes = tmp_path / "notes.txt"
    notes.write_text("hello", encoding="utf-8")
    window = open_window(qtbot, office, tmp_path)
    assert window.acceptDrops()
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in (good, notes, broken)])
    enter = QDragEnterEvent(QPoint(50, 50), Qt.DropAction.CopyAction, mime,
                            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    window.dragEnterEvent(enter)
    assert enter.isAccepted()
    drop = QDropEvent(QPointF(50, 50), Qt.DropAction.CopyAction, mime,
                      Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    window.dropEvent(drop)
    assert drop.isAccepted()
    assert "ignored: notes.txt" in window.statusBar().currentMessage()
    dialog = next(w for w in window._editors if isinstance(w, ReceiveDialog))
    assert [dialog.files.item(i).text() for i in range(dialog.files.count())] == [
        "from-a.fieldsafe", "broken.fieldsafe"]
    _merged_and_refused(window, dialog, qtbot)


def test_cancel_keeps_the_bundles_merged_before_it(
        laptop: Workspace, office: Workspace, make_device: Device,
        walk_answers: dict[str, Any], tmp_path: Path, qtbot: QtBot,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from fieldsafe.services import bundle_merger
    from fieldsafe.services.bundle_merger import BundleMerger

    other = make_device("laptop-c", team="south")
    walk(other, walk_answers, ("recurser__Portrait_2.jpg", "recurser__Portrait_3.jpg"),
         "2026-11-21T19:30:00")
    first = export_bundle(laptop, tmp_path / "first.fieldsafe").path
    second = export_bundle(other, tmp_path / "second.fieldsafe").path
    window = open_window(qtbot, office, tmp_path)
    dialog = window.sync.receive_bundles([first, second])
    assert dialog is not None
    merging: list[Path] = []  # the bundles merged, in order
    merge = BundleMerger.merge

    def merge_one(merger: BundleMerger, path: Path, **options: Any) -> Any:
        merging.append(path)
        return merge(merger, path, **options)

    monkeypatch.setattr(BundleMerger, "merge", merge_one)
    # Both in one transaction: the first is merged, not yet committed, when Cancel comes.
    monkeypatch.setattr(bundle_merger, "COMMIT_SECONDS", float("inf"))

    def cancel_in_the_second(done: int, total: int, what: str) -> None:
        if what == "photos and files" and merging[-1] == second:  # copying its photos
            dialog.job.cancel()  # type: ignore[union-attr]

    dialog.worker_hook = cancel_in_the_second
    with qtbot.waitSignal(dialog.imported, timeout=30_000):
        dialog.start()
    report = window.sync.report
    assert report is not None
    assert [report.bundles.item(i).text().split(":")[0]
            for i in range(report.bundles.count())] == ["first.fieldsafe"]
    notice = report.notice.text()
    assert "1 bundle(s) were merged and stay merged" in notice
    assert "second.fieldsafe was being merged: it was undone" in notice
    assert window.model.rowCount() == 1
    assert len(list(office.media.iter_hashes())) == 2, "the second bundle's photos are gone"


def test_bundles_undone_by_a_failed_commit_are_reported_not_merged(
        laptop: Workspace, office: Workspace, make_device: Device,
        walk_answers: dict[str, Any], tmp_path: Path, qtbot: QtBot,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The disk fills up as the two bundles (merged in one transaction) are committed: the
    report says of each that it was not merged and why, and nothing of them is shown."""
    import sqlite3

    from sqlalchemy.engine import default

    from fieldsafe.services import bundle_merger

    other = make_device("laptop-c", team="south")
    walk(other, walk_answers, ("recurser__Portrait_2.jpg", "recurser__Portrait_3.jpg"),
         "2026-11-21T19:30:00")
    first = export_bundle(laptop, tmp_path / "first.fieldsafe").path
    second = export_bundle(other, tmp_path / "second.fieldsafe").path
    commit = default.DefaultDialect.do_commit

    def full(dialect: Any, connection: Any) -> None:
        if connection.isolation_level is None:  # the merge's commit, not the reads
            raise sqlite3.OperationalError("database or disk is full")
        commit(dialect, connection)

    monkeypatch.setattr(bundle_merger, "COMMIT_SECONDS", float("inf"))
    monkeypatch.setattr(default.DefaultDialect, "do_commit", full)
    window = open_window(qtbot, office, tmp_path)
    dialog = window.sync.receive_bundles([first, second])
    assert dialog is not None
    with qtbot.waitSignal(dialog.imported, timeout=30_000):
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    monkeypatch.undo()
    report = window.sync.report
    assert report is not None
    why = (f"not merged: {office.db_path}: the disk is full; free some space and try again "
           "(nothing was saved)")
    assert [report.bundles.item(i).text() for i in range(report.bundles.count())] == [
        f"first.fieldsafe: refused: {why}", f"second.fieldsafe: refused: {why}"]
    assert report.bundles.item(0).foreground().color() == ERROR_COLOUR
    assert report.bundles.item(1).foreground().color() == ERROR_COLOUR
    with sqlite3.connect(office.db_path) as db:
        assert db.execute("SELECT count(*) FROM audits").fetchone() == (0,)
        assert db.execute("SELECT count(*) FROM received_bundles").fetchone() == (0,)
    assert list(office.media.iter_hashes()) == []


# -- the Merge Center -------------------------------------------------------------------------

@pytest.fixture
def conflict(laptop: Workspace, make_device: Device, office: Workspace,
             tmp_path: Path) -> str:
    """Laptops A and B change one audit apart (answers, findings, route); the office has
    both versions."""
    [audit_id] = [a["id"] for a in _audits(laptop)]
    b = make_device("laptop-b", team="south", user="Bea")
    import_bundle(b, export_bundle(laptop, tmp_path / "base.fieldsafe").path)
    edit_audit(laptop, audit_id, {"route_desc": "Seen by A", "weather": "rain",
                                  "participants": 4, "n_women": 3}, finalize=True,
               now=clock("2026-11-22T10:00:00"))
    findings = show_audit(b, audit_id)["answers"]["finding"]
    findings[1] = dict(findings[1], f_note="The rickshaws moved to the corner.")
    edit_audit(b, audit_id, {"route_desc": "Seen by B", "n_women": 7, "finding": findings,
                             "route": "12.9857 77.6057 0 5;12.9830 77.6070 0 5;"
                                      "12.9814 77.6098 0 5"},
               finalize=True, now=clock("2026-11-22T11:00:00"))
    for ws, name in ((laptop, "from-a"), (b, "from-b")):
        import_bundle(office, export_bundle(ws, tmp_path / f"{name}.fieldsafe").path)
    return audit_id


def _audits(ws: Workspace) -> list[dict[str, Any]]:
    from fieldsafe.services.audit_queries import list_audits

    return list(list_audits(ws))


def test_merge_center_resolves_with_the_answers_chosen(
        conflict: str, office: Workspace, tmp_path: Path, qtbot: QtBot,
        warnings_shown: list[str]) -> None:
    window = open_window(qtbot, office, tmp_path)
    center = window.sync.show_merge_center()
    center.resize(1300, 900)
    qtbot.waitExposed(center)
    assert center.list.count() == 1
    view = center.view
    assert view is not None
    devices = [s.device_name for s in view.conflict.sides]
    assert devices == ["laptop-b", "laptop-a"], "the head first"
    a, b = devices.index("laptop-a"), devices.index("laptop-b")
    assert {"route_desc", "weather", "finding", "route", "n_women"} <= set(view.groups)
    assert not {"n_findings", "safety_score", "rated_n"} & set(view.groups), \
        "calculations are computed again, not chosen"
    assert view.radio("route_desc", 0).isChecked(), "the head is chosen by default"
    assert len(view.maps) == 2
    assert unnamed(center) == []
    qtbot.waitUntil(lambda: view.background.pending() == 0)
    findings = view.cells[("finding", a)]
    assert findings.label.text().startswith("3 item(s): Poor or broken lighting")
    from PySide6.QtWidgets import QLabel

    [row_label] = [w for w in view.findChildren(QLabel) if w.toolTip() == "finding"]
    assert "Differs in: 2: Describe what you observed" in row_label.text()  # not just counts
    assert findings.thumbnails_shown() == 2, "the photos of the findings"
    assert view.cells[("weather", a)].label.text() == "Rain"
    assert ("weather", 2) not in view.cells, "no Keep both for a choice"
    # Side A's participants with B's number of women: 7 of 4 fails the form's check.
    qtbot.mouseClick(view.radio("participants", a), Qt.MouseButton.LeftButton)
    qtbot.mouseClick(center.resolve_button, Qt.MouseButton.LeftButton)
    assert len(warnings_shown) == 1 and "number of participants" in warnings_shown[0]
    assert len(list_conflicts(office)) == 1
    # Take all of A, then B's description and both sides' findings.
    qtbot.mouseClick(view.take_buttons[a], Qt.MouseButton.LeftButton)
    assert view.radio("n_women", a).isChecked()
    qtbot.mouseClick(view.radio("route_desc", b), Qt.MouseButton.LeftButton)
    qtbot.mouseClick(view.radio("finding", BOTH), Qt.MouseButton.LeftButton)
    assert view.choices()["weather"] == view.conflict.sides[a].revision
    qtbot.mouseClick(center.resolve_button, Qt.MouseButton.LeftButton)
    assert len(warnings_shown) == 1
    assert list_conflicts(office) == []
    head = show_audit(office, conflict)["answers"]
    assert head["route_desc"] == "Seen by B"
    assert head["weather"] == "rain" and head["participants"] == 4 and head["n_women"] == 3
    notes = [f["f_note"] for f in head["finding"]]
    assert len(notes) == 4, "the head's three findings, then A's version of the second"
    assert notes[1] == "The rickshaws moved to the corner."
    assert notes[3].startswith("Parked autorickshaws")
    assert center.list.count() == 0
    assert center.empty.text().startswith("No conflicts")
    assert "Resolved" in center.status.text()


def test_the_report_offers_the_merge_center_and_both_render(
        laptop: Workspace, make_device: Device, conflict: str, tmp_path: Path,
        qtbot: QtBot) -> None:
    """The merge report of the office that got both versions, and the Merge Center, drawn
    to PNG files to look at (tmp_path/*.png)."""
    office = make_device("office-2", team="hq")
    window = open_window(qtbot, office, tmp_path)
    broken = tmp_path / "broken.fieldsafe"
    broken.write_bytes(b"PK\x03\x04 cut short")
    dialog = window.sync.receive_bundles([tmp_path / "from-a.fieldsafe",
                                          tmp_path / "from-b.fieldsafe", broken])
    assert dialog is not None
    with qtbot.waitSignal(dialog.imported, timeout=30_000):
        dialog.start()
    report = window.sync.report
    assert report is not None
    qtbot.waitExposed(report)
    assert report.merge_center_button.isVisible()
    report.show_status("conflict")
    assert report.shown_statuses() == ["conflict"]
    report.show_status("")
    report.resize(1100, 560)
    report.grab().save(str(tmp_path / "merge-report.png"))
    qtbot.mouseClick(report.merge_center_button, Qt.MouseButton.LeftButton)
    center = window.sync.merge_center
    assert center is not None and center.view is not None
    center.resize(1300, 900)
    qtbot.waitExposed(center)
    qtbot.waitUntil(lambda: center.view is not None and center.view.background.pending() == 0)
    view = center.view
    qtbot.waitUntil(lambda: all(not m.is_loading() for m in view.maps))
    center.grab().save(str(tmp_path / "merge-center.png"))
    view.cells[("finding", 0)].expand.click()
    details = view.cells[("finding", 0)].details
    assert details.isVisible()
    qtbot.waitUntil(lambda: details.height() >= details.heightForWidth(details.width()))
    center.grab().save(str(tmp_path / "merge-center-items.png"))
    assert (tmp_path / "merge-center.png").stat().st_size > 10_000


# -- what the window shows after a merge, and the bugs the review found ----------------------

def test_receive_refreshes_the_filters_and_the_action_plan(
        office: Workspace, make_device: Device, walk_answers: dict[str, Any], tmp_path: Path,
        qtbot: QtBot) -> None:
    from fieldsafe.services.actions import add_action
    from fieldsafe.services.campaigns import new_campaign
    from fieldsafe.ui.action_plan import ActionPlanView

    south = make_device("laptop-s", team="south")
    new_campaign(south, "Night walks March")
    audit_id = new_audit(south, "womens_safety_walk", walk_answers, finalize=True,
                         campaign="Night walks March").id
    add_action(south, audit_id, 1, agency="Police")
    first = export_bundle(south, tmp_path / "first.fieldsafe", since_last="office").path
    new_audit(office, "womens_safety_walk", walk_answers, finalize=True)
    window = open_window(qtbot, office, tmp_path)
    window.filters.team.setCurrentIndex(window.filters.team.findData("hq"))
    with qtbot.waitSignal(window.tabs.currentChanged):
        window.tabs.setCurrentIndex(1)
    plan = window._action_plan
    assert isinstance(plan, ActionPlanView)
    qtbot.waitUntil(lambda: not plan._loading)
    assert plan.row_count() == 0

    def receive(bundle: Path, rows: int) -> None:
        dialog = window.sync.receive_bundles([bundle])
        assert dialog is not None
        with qtbot.waitSignal(plan.refreshed, timeout=30_000):
            dialog.start()
        assert plan.row_count() == rows

    receive(first, 1)
    filters = window.filters
    assert filters.campaign.findText("Night walks March") > 0, "the new campaign can be chosen"
    assert filters.team.findData("south") > 0
    assert filters.team.currentData() == "hq", "the team chosen stays chosen"
    assert window.model.rowCount() == 1
    filters.team.setCurrentIndex(0)
    assert window.model.rowCount() == 2
    # A bundle with nothing but an action item refreshes the plan too.
    add_action(south, audit_id, 2, agency="Municipality")
    receive(export_bundle(south, tmp_path / "second.fieldsafe", since_last="office").path, 2)
    report = window.sync.report
    assert report is not None
    assert {report.model.item(r, 0).text() for r in range(report.model.rowCount())
            if report.model.item(r, 3).data(STATUS_ROLE) == "new"} == {"Action item"}


def test_the_merge_center_keeps_the_choices_made(
        conflict: str, office: Workspace, tmp_path: Path, qtbot: QtBot) -> None:
    window = open_window(qtbot, office, tmp_path)
    center = window.sync.show_merge_center()
    view = center.view
    assert view is not None
    a = [s.device_name for s in view.conflict.sides].index("laptop-a")
    view.take_all(a)
    view.radio("finding", BOTH).setChecked(True)
    chosen = view.choices()
    assert window.sync.show_merge_center() is center  # File > Merge Center… again
    assert center.view is not None and center.view.choices() == chosen
    center.reload()  # say an import finished
    assert center.view is not None and center.view.choices() == chosen
    center.close()
    qtbot.waitUntil(lambda: window.sync.merge_center is None)
    again = window.sync.show_merge_center()
    assert again is not center
    assert again.view is not None and again.view.choices() == chosen, "reopened"
    again.view.take_all(0)
    assert again.view.radio("route_desc", 0).isChecked()


def test_a_bug_in_one_bundle_does_not_stop_the_others(
        laptop: Workspace, office: Workspace, tmp_path: Path, qtbot: QtBot,
        monkeypatch: pytest.MonkeyPatch, warnings_shown: list[str]) -> None:
    import fieldsafe.crash
    from fieldsafe.services.bundle_merger import BundleMerger

    good = export_bundle(laptop, tmp_path / "good.fieldsafe").path
    buggy = tmp_path / "buggy.fieldsafe"
    buggy.write_bytes(good.read_bytes())
    real = BundleMerger.merge

    def merge(merger: BundleMerger, path: Path, **kwargs: Any) -> Any:
        if path == buggy:
            raise KeyError("a bug")
        return real(merger, path, **kwargs)

    monkeypatch.setattr(BundleMerger, "merge", merge)
    monkeypatch.setattr(fieldsafe.crash, "log_dir", lambda: tmp_path / "logs")
    window = open_window(qtbot, office, tmp_path)
    dialog = window.sync.receive_bundles([buggy, good])
    assert dialog is not None
    with qtbot.waitSignal(dialog.imported, timeout=30_000):
        dialog.start()
    report = window.sync.report
    assert report is not None
    log = tmp_path / "logs" / "crash.log"
    assert report.bundles.item(0).text() == (
        f"buggy.fieldsafe: refused: internal error (a bug); details in {log}")
    assert report.bundles.item(1).text().startswith("good.fieldsafe: 3 new")
    assert "KeyError: 'a bug'" in log.read_text(encoding="utf-8")
    assert window.model.rowCount() == 1
    assert warnings_shown == []


def test_send_asks_before_replacing_the_file_the_suffix_names(
        laptop: Workspace, tmp_path: Path, qtbot: QtBot,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtWidgets import QFileDialog, QMessageBox

    window = open_window(qtbot, laptop, tmp_path)
    existing = tmp_path / "out.fieldsafe"
    existing.write_bytes(b"an older bundle")
    typed = [str(tmp_path / "out")]
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (typed[0], ""))
    answers = [QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes]
    asked: list[str] = []

    def question(parent: Any, title: str, text: str, *a: Any) -> QMessageBox.StandardButton:
        asked.append(text)
        return answers.pop(0)

    monkeypatch.setattr(QMessageBox, "question", question)
    dialog = window.sync.send_bundle()
    before = dialog.path_edit.text()
    assert dialog.choose_path() is None
    assert asked == ["out.fieldsafe exists. Replace it?"]
    assert dialog.path_edit.text() == before
    assert dialog.choose_path() == existing
    assert dialog.path_edit.text() == str(existing)
    assert dialog.start() is not None
    qtbot.waitUntil(lambda: dialog.exported is not None and not dialog.busy, timeout=30_000)
    assert len(asked) == 2, "asked once, before the export"
    assert existing.read_bytes() != b"an older bundle"
    typed[0] = str(existing)  # named in full: the chooser itself asked
    assert window.sync.send_bundle().choose_path() == existing
    assert len(asked) == 2


def test_the_conflict_title_is_escaped(conflict: str, office: Workspace, qtbot: QtBot) -> None:
    import dataclasses

    from PySide6.QtWidgets import QLabel

    from fieldsafe.ui.sync.conflict_values import conflict_form
    from fieldsafe.ui.sync.conflict_view import ConflictView

    [found] = list_conflicts(office)
    form = conflict_form(office, found)
    assert form is not None
    view = ConflictView(office, found, dataclasses.replace(form, title="<i>Walks & talks"))
    qtbot.addWidget(view)
    [title] = [label for label in view.findChildren(QLabel)
               if "answers differ" in label.text()]
    assert "&lt;i&gt;Walks &amp; talks" in title.text()


def test_the_conflict_title_counts_one_answer_in_the_singular(
        conflict: str, office: Workspace, qtbot: QtBot) -> None:
    import dataclasses

    from PySide6.QtWidgets import QLabel

    from fieldsafe.ui.sync.conflict_view import ConflictView

    [found] = list_conflicts(office)
    one = dataclasses.replace(found, fields=found.fields[:1])
    view = ConflictView(office, one, None)
    qtbot.addWidget(view)
    titles = [label.text() for label in view.findChildren(QLabel) if "differ" in label.text()]
    assert len(titles) == 1 and "one answer differs between" in titles[0]
