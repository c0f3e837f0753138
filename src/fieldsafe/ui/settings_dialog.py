"""Settings: the workspace folder, who is auditing on this device, form language and layers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from fieldsafe.errors import UserError
from fieldsafe.services.form_library import find_version, form_definition, list_forms
from fieldsafe.services.layers import add_layer, list_layers, remove_layer
from fieldsafe.services.workspace import Workspace
from fieldsafe.ui.background import Background

LAYER_ROLE = Qt.ItemDataRole.UserRole


def tile_cache_mb(settings: QSettings) -> int:
    """The bound on decoded basemap tiles kept in memory, in MB (a setting; 64 by default)."""
    try:
        return max(16, int(str(settings.value("map/tile_cache_mb", 64))))
    except ValueError:
        return 64


def form_languages(workspace: Workspace) -> list[str]:
    """The languages the workspace's forms are written in (slow the first time: run it off
    the GUI thread)."""
    found: set[str] = set()
    with workspace.transaction() as db:
        for summary in list_forms(workspace):
            found.update(form_definition(find_version(db, summary.form_id,
                                                      summary.version)).languages)
    return sorted(found, key=str.casefold)


class SettingsDialog(QDialog):
    """The settings of this device. Identity and form language are saved with OK; layers are
    added and removed at once; a new workspace folder is used from the next start."""

    #: Emitted after a layer was added or removed.
    layers_changed = Signal()
    #: Emitted when the form languages have been read (to fill the language box).
    languages_loaded = Signal()

    def __init__(self, workspace: Workspace, settings: QSettings,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.settings = settings
        self.background = Background(self)
        self._adding = False
        self.setWindowTitle(self.tr("Settings"))
        self.setAccessibleName(self.tr("Settings"))
        layout = QVBoxLayout(self)
        layout.addWidget(self._workspace_group())
        layout.addWidget(self._identity_group())
        layout.addWidget(self._layers_group(), 1)
        layout.addWidget(self._map_group())
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.setAccessibleName(self.tr("Dialog buttons"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.resize(640, 560)
        self.user_edit.setFocus()
        self.reload_layers()
        self.background.run(lambda: form_languages(workspace), self._languages,
                            lambda message: self.languages_loaded.emit())

    # -- building -----------------------------------------------------------------------
    def _workspace_group(self) -> QGroupBox:
        group = QGroupBox(self.tr("Workspace"), self)
        self.folder_edit = QLineEdit(str(self.workspace.root), group)
        self.folder_edit.setReadOnly(True)
        self.folder_edit.setAccessibleName(self.tr("Workspace folder"))
        self.change_button = QPushButton(self.tr("Change…"), group)
        self.change_button.setAccessibleName(self.tr("Change the workspace folder"))
        self.change_button.clicked.connect(self.change_folder)
        self.folder_note = QLabel(group)
        self.folder_note.setWordWrap(True)
        self.folder_note.setTextFormat(Qt.TextFormat.PlainText)
        self.folder_note.setStyleSheet("color: #5f6368;")
        self.folder_note.setAccessibleName(self.tr("Workspace folder note"))
        chosen = self.settings.value("workspace")
        if isinstance(chosen, str) and chosen and Path(chosen) != self.workspace.root:
            self._note_next_start(chosen)
        else:
            self.folder_note.hide()
        row = QHBoxLayout()
        row.addWidget(self.folder_edit, 1)
        row.addWidget(self.change_button)
        box = QVBoxLayout(group)
        box.addLayout(row)
        box.addWidget(self.folder_note)
        return group

    def _identity_group(self) -> QGroupBox:
        group = QGroupBox(self.tr("On this device"), self)
        identity = self.workspace.identity
        self.user_edit = QLineEdit(identity.user, group)
        self.user_edit.setAccessibleName(self.tr("Your name"))
        self.team_edit = QLineEdit(identity.team, group)
        self.team_edit.setAccessibleName(self.tr("Team"))
        self.device_edit = QLineEdit(identity.device_name, group)
        self.device_edit.setAccessibleName(self.tr("Device name"))
        self.language_combo = QComboBox(group)
        self.language_combo.setEditable(True)
        self.language_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.language_combo.setAccessibleName(self.tr("Default form language"))
        line = self.language_combo.lineEdit()
        assert line is not None
        line.setPlaceholderText(self.tr("The form's own default"))
        language = self.settings.value("form_language")
        self.language_combo.setEditText(language if isinstance(language, str) else "")
        form = QFormLayout(group)
        form.addRow(self.tr("Your &name:"), self.user_edit)
        form.addRow(self.tr("&Team:"), self.team_edit)
        form.addRow(self.tr("&Device name:"), self.device_edit)
        form.addRow(self.tr("Default form &language:"), self.language_combo)
        return group

    def _layers_group(self) -> QGroupBox:
        group = QGroupBox(self.tr("Map layers"), self)
        self.layer_list = QListWidget(group)
        self.layer_list.setAccessibleName(self.tr("Map layers"))
        self.layer_list.currentItemChanged.connect(lambda *_: self._update_buttons())
        self.add_layer_button = QPushButton(self.tr("Add…"), group)
        self.add_layer_button.setAccessibleName(self.tr("Add a map layer"))
        self.add_layer_button.clicked.connect(self.choose_layer)
        self.remove_layer_button = QPushButton(self.tr("Remove"), group)
        self.remove_layer_button.setAccessibleName(self.tr("Remove the map layer"))
        self.remove_layer_button.clicked.connect(self.remove_selected_layer)
        self.layer_busy = QProgressBar(group)
        self.layer_busy.setRange(0, 0)
        self.layer_busy.setMaximumHeight(10)
        self.layer_busy.setAccessibleName(self.tr("Adding the layer"))
        self.layer_busy.hide()
        hint = QLabel(self.tr("Basemaps (.mbtiles) show under the routes; area layers "
                              "(.geojson) name the areas audits are in."), group)
        hint.setWordWrap(True)
        hint.setStyleSheet("color: #5f6368;")
        hint.setAccessibleName(self.tr("Map layers hint"))
        buttons = QVBoxLayout()
        buttons.addWidget(self.add_layer_button)
        buttons.addWidget(self.remove_layer_button)
        buttons.addStretch(1)
        row = QHBoxLayout()
        row.addWidget(self.layer_list, 1)
        row.addLayout(buttons)
        box = QVBoxLayout(group)
        box.addLayout(row)
        box.addWidget(self.layer_busy)
        box.addWidget(hint)
        return group

    # -- workspace folder ---------------------------------------------------------------
    def change_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Choose the workspace folder"),
                                                  str(self.workspace.root))
        if not folder:
            return
        self.settings.setValue("workspace", folder)
        self.settings.sync()
        if Path(folder) == self.workspace.root:
            self.folder_note.hide()
        else:
            self._note_next_start(folder)

    def _note_next_start(self, folder: str) -> None:
        self.folder_note.setText(self.tr("FieldSafe will open {folder} the next time it "
                                         "starts.").format(folder=folder))
        self.folder_note.show()

    # -- languages ----------------------------------------------------------------------
    def _languages(self, languages: list[str]) -> None:
        typed = self.language_combo.currentText()
        self.language_combo.clear()
        self.language_combo.addItems(languages)
        self.language_combo.setEditText(typed)
        self.languages_loaded.emit()

    # -- layers -------------------------------------------------------------------------
    def reload_layers(self) -> None:
        self.layer_list.clear()
        for layer in list_layers(self.workspace):
            item = QListWidgetItem(self._layer_text(layer))
            item.setData(LAYER_ROLE, layer["id"])
            item.setToolTip(self.tr("File: {file}").format(file=layer["file"]))
            self.layer_list.addItem(item)
        if not self.layer_list.count():
            empty = QListWidgetItem(self.tr("No layers yet"))
            empty.setFlags(Qt.ItemFlag.NoItemFlags)
            self.layer_list.addItem(empty)
        self._update_buttons()

    def _layer_text(self, layer: dict[str, Any]) -> str:
        info = layer.get("info") or {}
        if layer["kind"] == "basemap":
            return self.tr("{name} — basemap, zoom {low}–{high}").format(
                name=layer["name"], low=info.get("minzoom", "?"), high=info.get("maxzoom", "?"))
        return self.tr("{name} — area layer, {n} area(s)").format(name=layer["name"],
                                                                   n=info.get("count", 0))

    def layer_ids(self) -> list[str]:
        return [str(self.layer_list.item(i).data(LAYER_ROLE))
                for i in range(self.layer_list.count())
                if self.layer_list.item(i).data(LAYER_ROLE)]

    def _update_buttons(self) -> None:
        busy = self._adding
        item = self.layer_list.currentItem()
        self.add_layer_button.setEnabled(not busy)
        self.remove_layer_button.setEnabled(
            not busy and item is not None and bool(item.data(LAYER_ROLE)))

    def choose_layer(self) -> None:
        # Translated outside the f-string: the catalogue's extractor skips f-strings.
        layers, areas, basemaps = (self.tr("Map layers"), self.tr("Area layers"),
                                   self.tr("Basemaps"))
        filters = (f"{layers} (*.geojson *.json *.mbtiles);;{areas} (*.geojson *.json);;"
                   f"{basemaps} (*.mbtiles)")
        name, _ = QFileDialog.getOpenFileName(self, self.tr("Add a map layer"), "", filters)
        if name:
            self.add_layer_file(Path(name))

    def add_layer_file(self, path: Path) -> None:
        """Check and copy the layer into the workspace on a worker thread."""
        workspace = self.workspace
        self._adding = True
        self.layer_busy.show()
        self._update_buttons()
        self.background.run(lambda: add_layer(workspace, path), self._layer_added,
                            self._layer_failed)

    def _layer_added(self, layer: dict[str, Any]) -> None:
        self._adding = False
        self.layer_busy.hide()
        self.reload_layers()
        for i in range(self.layer_list.count()):
            if self.layer_list.item(i).data(LAYER_ROLE) == layer["id"]:
                self.layer_list.setCurrentRow(i)
        self.layers_changed.emit()
        if layer.get("warnings"):  # skipped or repaired features: the user should know
            QMessageBox.information(self, self.tr("Layer added, with changes"), "\n".join(
                layer["warnings"][:20]))

    def _layer_failed(self, message: str) -> None:
        self._adding = False
        self.layer_busy.hide()
        self._update_buttons()
        QMessageBox.warning(self, self.tr("Layer not added"), message)

    def remove_selected_layer(self) -> None:
        item = self.layer_list.currentItem()
        if item is None or not item.data(LAYER_ROLE):
            return
        answer = QMessageBox.question(
            self, self.tr("Remove layer"),
            self.tr("Remove the layer {name} from this workspace?").format(
                name=item.text().split(" — ")[0]),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No)
        if answer != QMessageBox.StandardButton.Yes:
            return
        try:
            remove_layer(self.workspace, str(item.data(LAYER_ROLE)))
        except UserError as err:
            QMessageBox.warning(self, self.tr("Layer not removed"), str(err))
            return
        finally:
            self.reload_layers()
        self.layers_changed.emit()

    def _map_group(self) -> QGroupBox:
        """The GPS receiver and the memory the map may use for basemap tiles."""
        group = QGroupBox(self.tr("Map and GPS"), self)
        form = QFormLayout(group)
        self.gps_edit = QLineEdit(str(self.settings.value("gps/source", "") or ""), group)
        self.gps_edit.setPlaceholderText(self.tr("file:/path/walk.nmea or serial:/dev/ttyUSB0"))
        self.gps_edit.setAccessibleName(self.tr("GPS receiver"))
        form.addRow(self.tr("GPS receiver:"), self.gps_edit)
        self.tile_cache_spin = QSpinBox(group)
        self.tile_cache_spin.setRange(16, 4096)
        self.tile_cache_spin.setSuffix(" MB")
        self.tile_cache_spin.setValue(tile_cache_mb(self.settings))
        self.tile_cache_spin.setAccessibleName(self.tr("Memory for map tiles"))
        form.addRow(self.tr("Memory for map tiles:"), self.tile_cache_spin)
        return group

    # -- saving -------------------------------------------------------------------------
    def accept(self) -> None:
        try:
            self.workspace.set_identity(user=self.user_edit.text(),
                                        team=self.team_edit.text(),
                                        device_name=self.device_edit.text())
        except UserError as err:
            QMessageBox.warning(self, self.tr("Settings not saved"), str(err))
            return
        self.settings.setValue("form_language", self.language_combo.currentText().strip())
        self.settings.setValue("gps/source", self.gps_edit.text().strip())
        self.settings.setValue("map/tile_cache_mb", self.tile_cache_spin.value())
        self.settings.sync()
        super().accept()
