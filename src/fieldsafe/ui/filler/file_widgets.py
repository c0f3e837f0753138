"""Photo, audio, video and file questions: the attached file's name and a way to attach one."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import SignalInstance
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QWidget

from fieldsafe.errors import UserError
from fieldsafe.ui.filler.base import HINT_COLOUR, QuestionWidget

_FILTERS = {"image": "*.jpg *.jpeg *.png *.heic *.webp *.tif *.tiff",
            "audio": "*.mp3 *.m4a *.aac *.ogg *.opus *.wav *.amr",
            "video": "*.mp4 *.mov *.3gp *.webm *.mkv *.avi", "osm": "*.osm *.xml"}


class MediaQuestion(QuestionWidget):
    """An attached file. Image questions use the host's photo widget when it gives one
    (``FillerContext.photo_widget_factory``); otherwise an "Attach file…" button asks for
    a file (``choose_file``) and stores it (``attach_file``)."""

    def _build(self) -> None:
        self.file_label = QLabel(self.input_area)
        self.file_label.setObjectName("file_name")
        self.input_layout.addWidget(self.file_label)
        self.custom: QWidget | None = None
        factory = self.context.photo_widget_factory
        if self.element.qtype == "image" and factory is not None:
            self.custom = factory(self.session, self.node, self.input_area)
            self.file_label.hide()  # the photo widget shows the file itself
            self._name(self.custom)
            self.input_layout.addWidget(self.custom)
            for signal_name in ("changed", "answered"):
                signal = getattr(self.custom, signal_name, None)
                if isinstance(signal, SignalInstance):
                    signal.connect(self._changed_outside)
            return
        row = QHBoxLayout()
        self.attach = self._small_button(self.tr("Attach file…"))
        self._name(self.attach)
        self.attach.clicked.connect(self.choose)
        self.remove = self._small_button(self.tr("Remove file"), link=True)
        self.remove.clicked.connect(lambda: self._write(""))
        row.addWidget(self.attach)
        row.addWidget(self.remove)
        row.addStretch(1)
        self.input_layout.addLayout(row)

    def choose(self) -> None:
        """Ask for a file, store it and record its name."""
        chooser = self.context.choose_file
        path = chooser(self.element) if chooser is not None else self._ask()
        if path is None:
            return
        try:
            attach = self.context.attach_file
            name = attach(self.node, path) if attach is not None else path.name
        except UserError as err:
            self._set_local_error(str(err))
            return
        self._set_local_error("")
        self._write(name)
        self.refresh()

    def _ask(self) -> Path | None:
        pattern = _FILTERS.get(self.element.qtype)
        filters = self.tr("Files ({pattern})").format(pattern=pattern) + ";;" if pattern else ""
        chosen, _selected = QFileDialog.getOpenFileName(
            self, self.tr("Attach a file"), "", filters + self.tr("All files (*)"))
        return Path(chosen) if chosen else None

    def _changed_outside(self) -> None:
        """The photo widget wrote the answer itself."""
        self._touched = True
        self._updating = True
        try:
            self._show_value()
        finally:
            self._updating = False
        self._update_problem()
        self.answered.emit()

    def _show_value(self) -> None:
        name = self.node.value
        self.file_label.setText(name or self.tr("No file attached"))
        self.file_label.setStyleSheet("" if name else f"color: {HINT_COLOUR};")
        if self.custom is not None:
            refresh = getattr(self.custom, "refresh", None)
            if callable(refresh):
                refresh()
        else:
            self.remove.setVisible(bool(name))

    def _focus_target(self) -> QWidget | None:
        return self.custom if self.custom is not None else self.attach
