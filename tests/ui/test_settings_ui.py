"""The settings dialog: workspace folder, identity, form language and map layers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QDialogButtonBox, QFileDialog, QMessageBox
from pytestqt.qtbot import QtBot

from fieldsafe.services.layers import add_layer, list_layers
from fieldsafe.services.workspace import Workspace
from fieldsafe.ui.settings_dialog import SettingsDialog
from tests.conftest import CORPUS

MBTILES = CORPUS / "mbtiles" / "nodembtiles__plain_1.mbtiles"
CORRUPT = CORPUS / "mbtiles" / "nodembtiles__corrupt.mbtiles"


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def wards(tmp_path: Path) -> Path:
    path = tmp_path / "wards.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [{
        "type": "Feature", "properties": {"name": "Ward 92"}, "geometry": {
            "type": "Polygon", "coordinates": [[[77.59, 12.97], [77.60, 12.97], [77.60, 12.98],
                                                [77.59, 12.98], [77.59, 12.97]]]}}]}))
    return path


@pytest.fixture
def dialog(qtbot: Any, workspace: Workspace, settings: QSettings) -> SettingsDialog:
    dialog = SettingsDialog(workspace, settings)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.languages_loaded, timeout=20000):
        dialog.show()
    return dialog


def _choose_file(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        lambda parent, title, folder, filters, *a: (str(path), filters))


def _ok(dialog: SettingsDialog) -> Any:
    return dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)


def test_it_shows_the_workspace_and_who_is_auditing(dialog: SettingsDialog,
                                                    workspace: Workspace) -> None:
    assert dialog.folder_edit.text() == str(workspace.root)
    assert dialog.folder_edit.isReadOnly()
    assert not dialog.folder_note.isVisible()
    assert dialog.user_edit.text() == workspace.identity.user
    assert dialog.team_edit.text() == workspace.identity.team
    assert dialog.device_edit.text() == workspace.identity.device_name
    languages = [dialog.language_combo.itemText(i) for i in range(dialog.language_combo.count())]
    assert "English (en)" in languages and "French (fr)" in languages
    assert dialog.layer_ids() == [] and not dialog.remove_layer_button.isEnabled()


def test_identity_changes_are_saved_with_ok(qtbot: Any, dialog: SettingsDialog,
                                            workspace: Workspace) -> None:
    for edit, text in ((dialog.user_edit, "Asha"), (dialog.team_edit, "Ward 92 team"),
                       (dialog.device_edit, "field-laptop-3")):
        edit.selectAll()
        qtbot.keyClicks(edit, text)
    with qtbot.waitSignal(dialog.accepted):
        qtbot.mouseClick(_ok(dialog), Qt.MouseButton.LeftButton)
    assert (workspace.identity.user, workspace.identity.team,
            workspace.identity.device_name) == ("Asha", "Ward 92 team", "field-laptop-3")
    reopened = Workspace(workspace.root)
    try:
        assert reopened.identity.user == "Asha" and reopened.identity.team == "Ward 92 team"
    finally:
        reopened.close()


def test_cancel_changes_nothing(qtbot: Any, dialog: SettingsDialog, workspace: Workspace,
                                settings: QSettings) -> None:
    before = workspace.identity
    dialog.user_edit.selectAll()
    qtbot.keyClicks(dialog.user_edit, "Somebody else")
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel),
                     Qt.MouseButton.LeftButton)
    assert workspace.identity == before
    assert settings.value("form_language") is None


def test_an_empty_name_is_refused_with_a_message(
        qtbot: Any, dialog: SettingsDialog, workspace: Workspace,
        warnings_shown: list[str]) -> None:
    dialog.team_edit.clear()
    qtbot.mouseClick(_ok(dialog), Qt.MouseButton.LeftButton)
    assert warnings_shown and "team" in warnings_shown[0]
    assert dialog.isVisible()
    assert workspace.identity.team == "default"


def test_the_form_language_is_saved_in_the_settings(
        qtbot: Any, dialog: SettingsDialog, settings: QSettings, tmp_path: Path) -> None:
    dialog.language_combo.setCurrentIndex(dialog.language_combo.findText("French (fr)"))
    qtbot.mouseClick(_ok(dialog), Qt.MouseButton.LeftButton)
    assert settings.value("form_language") == "French (fr)"
    again = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    assert again.value("form_language") == "French (fr)"


def test_changing_the_folder_applies_at_next_start(
        qtbot: Any, dialog: SettingsDialog, settings: QSettings, workspace: Workspace,
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    elsewhere = tmp_path / "other-workspace"
    elsewhere.mkdir()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory",
                        lambda parent, title, folder, *a: str(elsewhere))
    qtbot.mouseClick(dialog.change_button, Qt.MouseButton.LeftButton)
    assert settings.value("workspace") == str(elsewhere)
    assert dialog.folder_note.isVisible()
    assert "next time it starts" in dialog.folder_note.text()
    assert str(elsewhere) in dialog.folder_note.text()
    assert dialog.folder_edit.text() == str(workspace.root)  # still the one in use


def test_adding_layers(qtbot: Any, dialog: SettingsDialog, workspace: Workspace,
                       monkeypatch: pytest.MonkeyPatch, wards: Path) -> None:
    _choose_file(monkeypatch, wards)
    with qtbot.waitSignal(dialog.layers_changed, timeout=10000):
        qtbot.mouseClick(dialog.add_layer_button, Qt.MouseButton.LeftButton)
    _choose_file(monkeypatch, MBTILES)
    with qtbot.waitSignal(dialog.layers_changed, timeout=10000):
        qtbot.mouseClick(dialog.add_layer_button, Qt.MouseButton.LeftButton)
    layers = list_layers(workspace)
    assert sorted(layer["kind"] for layer in layers) == ["areas", "basemap"]
    assert sorted(dialog.layer_ids()) == sorted(layer["id"] for layer in layers)
    texts = [dialog.layer_list.item(i).text() for i in range(dialog.layer_list.count())]
    assert "wards — area layer, 1 area(s)" in texts
    assert any(t.startswith("nodembtiles__plain_1 — basemap, zoom ") for t in texts)


def test_what_adding_an_area_layer_skipped_or_repaired_is_told(
        qtbot: Any, dialog: SettingsDialog, workspace: Workspace,
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, warnings_shown: list[str]) -> None:
    square = [[77.59, 12.97], [77.60, 12.97], [77.60, 12.98], [77.59, 12.98], [77.59, 12.97]]
    bow_tie = [[77.61, 12.97], [77.62, 12.98], [77.62, 12.97], [77.61, 12.98], [77.61, 12.97]]
    path = tmp_path / "wards_with_problems.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "Ward 5"}, "geometry": None},
        {"type": "Feature", "properties": {"name": "Ward 6"},
         "geometry": {"type": "Polygon", "coordinates": [bow_tie]}},
        {"type": "Feature", "properties": {"name": "Ward 7"},
         "geometry": {"type": "Polygon", "coordinates": [square]}}]}))
    told: list[str] = []
    monkeypatch.setattr(QMessageBox, "information",
                        lambda parent, title, text, *a: told.append(text))
    _choose_file(monkeypatch, path)
    with qtbot.waitSignal(dialog.layers_changed, timeout=10000):
        qtbot.mouseClick(dialog.add_layer_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(told), timeout=5000)
    assert "feature 1 ('Ward 5')" in told[0] and "has no geometry; skipped" in told[0]
    assert "feature 2 ('Ward 6')" in told[0] and "repaired" in told[0]
    empty = tmp_path / "empty.geojson"
    empty.write_text(json.dumps({"type": "FeatureCollection", "features": []}))
    _choose_file(monkeypatch, empty)
    qtbot.mouseClick(dialog.add_layer_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(warnings_shown), timeout=10000)
    assert "empty.geojson: has no area (polygon) in it, so no layer was added" in \
        warnings_shown[0]
    assert len(list_layers(workspace)) == 1


def test_a_broken_layer_is_explained(qtbot: Any, dialog: SettingsDialog, workspace: Workspace,
                                     monkeypatch: pytest.MonkeyPatch,
                                     warnings_shown: list[str]) -> None:
    _choose_file(monkeypatch, CORRUPT)
    qtbot.mouseClick(dialog.add_layer_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(warnings_shown), timeout=10000)
    assert "corrupt.mbtiles" in warnings_shown[0]
    assert list_layers(workspace) == []
    assert dialog.add_layer_button.isEnabled() and not dialog.layer_busy.isVisible()


@pytest.mark.parametrize(("reply", "removed"), [(QMessageBox.StandardButton.No, False),
                                                (QMessageBox.StandardButton.Yes, True)])
def test_removing_a_layer_asks_first(qtbot: Any, workspace: Workspace, settings: QSettings,
                                     wards: Path, monkeypatch: pytest.MonkeyPatch,
                                     reply: Any, removed: bool) -> None:
    layer = add_layer(workspace, wards, name="Wards")
    add_layer(workspace, MBTILES, name="City basemap")
    dialog = SettingsDialog(workspace, settings)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.languages_loaded, timeout=20000):
        dialog.show()
    asked: list[str] = []
    monkeypatch.setattr(QMessageBox, "question",
                        lambda parent, title, text, *a: asked.append(text) or reply)
    row = dialog.layer_ids().index(layer["id"])
    rect = dialog.layer_list.visualItemRect(dialog.layer_list.item(row))
    qtbot.mouseClick(dialog.layer_list.viewport(), Qt.MouseButton.LeftButton,
                     pos=rect.center())
    assert dialog.remove_layer_button.isEnabled()
    qtbot.mouseClick(dialog.remove_layer_button, Qt.MouseButton.LeftButton)
    assert asked == ["Remove the layer Wards from this workspace?"]
    names = [layer["name"] for layer in list_layers(workspace)]
    assert names == (["City basemap"] if removed else ["City basemap", "Wards"])
    assert len(dialog.layer_ids()) == len(names)
    assert (workspace.layers_dir / layer["file"]).exists() != removed


def test_map_and_gps_settings_are_saved(workspace: Workspace, tmp_path: Path,
                                        qtbot: QtBot) -> None:
    from fieldsafe.ui.settings_dialog import tile_cache_mb

    settings = QSettings(str(tmp_path / "map.ini"), QSettings.Format.IniFormat)
    assert tile_cache_mb(settings) == 64
    dialog = SettingsDialog(workspace, settings)
    qtbot.addWidget(dialog)
    dialog.gps_edit.clear()
    qtbot.keyClicks(dialog.gps_edit, "file:/tmp/walk.nmea")
    dialog.tile_cache_spin.setValue(256)
    dialog.accept()
    assert settings.value("gps/source") == "file:/tmp/walk.nmea"
    assert tile_cache_mb(settings) == 256


def test_with_no_form_language_chosen_the_editor_speaks_the_apps(
        qtbot: Any, workspace: Workspace, walk_answers: dict[str, object],
        tmp_path: Path) -> None:
    """A French desktop opens a form that has French in French; English stays the choice
    made in Settings, and a form without French opens in its default language."""
    from fieldsafe.i18n import using_language
    from fieldsafe.services.audits import new_audit
    from fieldsafe.services.editor import AuditEditor
    from fieldsafe.ui.editor_window import EditorWindow

    made = new_audit(workspace, "womens_safety_walk", walk_answers)

    def opened(settings: QSettings) -> str | None:
        editor = AuditEditor.open(workspace, made.id)
        window = EditorWindow(workspace, editor, settings)
        qtbot.addWidget(window)
        try:
            return editor.session.language
        finally:
            window.close()

    unset = QSettings(str(tmp_path / "unset.ini"), QSettings.Format.IniFormat)
    chosen = QSettings(str(tmp_path / "chosen.ini"), QSettings.Format.IniFormat)
    chosen.setValue("form_language", "English (en)")
    with using_language("fr"):
        assert opened(unset) == "French (fr)"
        assert opened(chosen) == "English (en)"
    with using_language("de"):  # no German in the form, nor a catalogue: its default
        assert opened(unset) in (None, "English (en)")
