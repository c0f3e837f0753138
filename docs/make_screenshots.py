"""Renders the README's screenshots offscreen from a demo workspace (``make screenshots``)."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

OUT = Path(__file__).parent / "screenshots"


def main() -> int:
    from fieldsafe.services.demo import build_demo
    from fieldsafe.services.form_library import ensure_builtin_forms
    from fieldsafe.services.workspace import Workspace

    # isort: split
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from fieldsafe.ui.main_window import MainWindow

    app = QApplication(sys.argv[:1])
    app.setStyle("Fusion")
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        workspace = Workspace(Path(folder) / "ws")
        ensure_builtin_forms(workspace)
        build_demo(workspace, audits=60, photos=24, photo_megapixels=0.5, seed=1)
        settings = QSettings(str(Path(folder) / "settings.ini"), QSettings.Format.IniFormat)
        window = MainWindow(workspace, settings)
        window.resize(1280, 760)
        window.show()
        app.processEvents()
        window.grab().save(str(OUT / "main-window.png"))

        walk = next(r for r in range(window.model.rowCount())
                    if window.model.data(window.model.index(r, 1)) == "womens_safety_walk"
                    and window.model.data(window.model.index(r, 2)) == "Finalized")
        audit_id = window.model.audit_id(walk)
        assert audit_id is not None
        editor = window.open_audit(audit_id)
        assert editor is not None
        editor.resize(1180, 820)
        filler = editor.filler  # type: ignore[attr-defined]
        finding_page = next(i for i, t in enumerate(filler.page_titles())
                            if "inding" in t)
        filler.go_to_page(finding_page)
        app.processEvents()
        editor.grab().save(str(OUT / "form-filler.png"))
        editor.close()

        with_photos = max((r for r in range(window.model.rowCount())
                           if window.model.data(window.model.index(r, 1))
                           == "womens_safety_walk"),
                          key=lambda r: _photos(workspace, window, r))
        editor = window.open_audit(window.model.audit_id(with_photos) or "")
        assert editor is not None
        audit_map = editor.show_map()  # type: ignore[attr-defined]
        assert audit_map is not None
        audit_map.resize(1200, 800)
        app.processEvents()
        audit_map.fit()
        _settle(app, audit_map.view)
        audit_map.grab().save(str(OUT / "map.png"))
        audit_map.close()
        editor.close()

        campaign_map = window.show_campaign_map()
        assert campaign_map is not None
        campaign_map.resize(1280, 820)
        campaign_map.view.fit_bounds(*_campaign_bounds(campaign_map))  # type: ignore[attr-defined]
        _settle(app, campaign_map.view)  # type: ignore[attr-defined]
        campaign_map.grab().save(str(OUT / "campaign-map.png"))
        campaign_map.close()

        photos = max(range(window.model.rowCount()), key=lambda r: _photos(workspace, window, r))
        window.table.selectRow(photos)
        gallery = window.show_gallery()
        assert gallery is not None
        gallery.resize(1000, 700)
        _settle(app)
        gallery.grab().save(str(OUT / "photo-gallery.png"))
        gallery.close()

        _report_pages(workspace, audit_id, Path(folder))

        window.tabs.setCurrentIndex(1)
        plan = window._action_plan
        assert plan is not None
        for _ in range(200):  # its rows are read on a worker thread (forms parsed once)
            _settle(app)
            if plan.shown_actions():
                break
        assert plan.shown_actions(), "the demo has action items"
        window.grab().save(str(OUT / "action-plan.png"))
        window.tabs.setCurrentIndex(0)

        _merge_center(app, window, workspace, audit_id, Path(folder))
        window.close()
        _settle(app)
        workspace.close()
    print(f"screenshots written to {OUT}")
    return 0


def _report_pages(workspace: object, audit_id: str, folder: Path) -> None:
    """Page 1 of an audit report and page 2 of the campaign report, rendered with QtPdf."""
    from PySide6.QtCore import QSize
    from PySide6.QtPdf import QPdfDocument

    from fieldsafe.services.campaign_reports import campaign_report
    from fieldsafe.services.reports import audit_report

    for build, name, page in (
            (lambda out: audit_report(workspace, audit_id, out), "report-audit.png", 0),
            (lambda out: campaign_report(workspace, None, out), "report-campaign.png", 1)):
        pdf = build(folder / "report.pdf")  # type: ignore[no-untyped-call]
        document = QPdfDocument()
        document.load(str(pdf))
        size = document.pagePointSize(page)
        image = document.render(page, QSize(round(size.width() * 80 / 72),
                                            round(size.height() * 80 / 72)))
        image.save(str(OUT / name))
        document.close()


def _merge_center(app: object, window: object, workspace: object, audit_id: str,
                  folder: Path) -> None:
    """A second laptop and this one change one walk apart; its bundle makes a conflict, shown
    in the Merge Center."""
    from fieldsafe.services.audit_queries import show_audit
    from fieldsafe.services.audits import edit_audit
    from fieldsafe.services.bundle_export import export_bundle
    from fieldsafe.services.bundles import import_bundle
    from fieldsafe.services.form_library import ensure_builtin_forms
    from fieldsafe.services.workspace import Workspace

    other = Workspace(folder / "laptop-b")
    ensure_builtin_forms(other)
    other.set_identity(device_name="laptop-b", team="south", user="Bea")
    import_bundle(other, export_bundle(workspace, folder / "all.fieldsafe").path)  # type: ignore[arg-type]
    answers = show_audit(other, audit_id)["answers"]
    findings = [dict(f) for f in answers.get("finding") or []]
    if findings:
        findings[0]["f_note"] = "Two of the lights were repaired; one is still out."
    route = str(answers.get("route") or "").split(";")
    changes: dict[str, object] = {
        "route_desc": "From the bus stand, by the market lane", "finding": findings,
        "weather": "fog" if answers.get("weather") == "rain" else "rain"}
    if len(route) > 2:
        changes["route"] = ";".join(route[:1] + route[2:])
    edit_audit(other, audit_id, changes, finalize=True)
    workspace.set_identity(device_name="laptop-a", team="north", user="Asha")  # type: ignore[attr-defined]
    edit_audit(workspace, audit_id, {  # type: ignore[arg-type]
        "route_desc": "Bus stand to the market gate, along the main road",
        "participants": int(answers.get("participants") or 1) + 2}, finalize=True)
    import_bundle(workspace, export_bundle(other, folder / "laptop-b.fieldsafe").path)  # type: ignore[arg-type]
    other.close()
    center = window.sync.show_merge_center()  # type: ignore[attr-defined]
    center.select_audit(audit_id)
    center.resize(1280, 860)
    _settle(app)
    for view in center.view.maps:
        _settle(app, view)
    center.grab().save(str(OUT / "merge-center.png"))
    center.close()
    _settle(app)


def _settle(app: object, map_view: object = None) -> None:
    """Let background work (thumbnails, the action plan's rows, map tiles) finish and show."""
    from PySide6.QtCore import QThreadPool

    for _ in range(200):
        QThreadPool.globalInstance().waitForDone(100)
        app.processEvents()  # type: ignore[attr-defined]
        if map_view is None or not map_view.is_loading():  # type: ignore[attr-defined]
            if map_view is not None:
                map_view.viewport().repaint()  # type: ignore[attr-defined]
                app.processEvents()  # type: ignore[attr-defined]
            break


def _campaign_bounds(view: object) -> tuple[float, float, float, float]:
    layer = view.view.layer("segments")  # type: ignore[attr-defined]
    coords = [c for line in layer.lines() for c in line.coords]
    lats, lons = [c[0] for c in coords], [c[1] for c in coords]
    return min(lats), min(lons), max(lats), max(lons)


def _photos(workspace: object, window: object, row: int) -> int:
    from fieldsafe.services.audit_queries import show_audit

    audit_id = window.model.audit_id(row)  # type: ignore[attr-defined]
    return len(show_audit(workspace, audit_id)["attachments"]) if audit_id else 0  # type: ignore[arg-type]


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    os._exit(code)  # skip interpreter teardown, where PySide6 may crash collecting widgets
