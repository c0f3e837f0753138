"""Fixtures shared by the desktop tests: a shown form filler, and captured warnings."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from fieldsafe.forms.loader import load_form
from fieldsafe.forms.session import FormSession
from fieldsafe.ui.filler.context import FillerContext
from fieldsafe.ui.filler.form_filler import FormFillerWidget


def shown_filler(qtbot: QtBot, write_form: Callable[[str], Path],
                 form: str) -> FormFillerWidget:
    """A filler for the markdown ``form``, shown and active, as a person would see it."""
    session = FormSession(load_form(write_form(form)))
    widget = FormFillerWidget(session, FillerContext())
    qtbot.addWidget(widget)
    widget.resize(1000, 800)
    widget.show()
    qtbot.waitExposed(widget)
    widget.activateWindow()
    qtbot.waitUntil(widget.isActiveWindow)
    return widget


@pytest.fixture
def warnings_shown(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The texts of the warning boxes the code under test shows (none really opens)."""
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning",
                        lambda parent, title, text, *a: shown.append(text)
                        or QMessageBox.StandardButton.Ok)
    return shown
