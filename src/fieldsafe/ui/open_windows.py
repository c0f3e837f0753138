"""The main window's other windows (editors, photos, maps, dialogs): shown, listed, forgotten."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget


def keep_open(widget: QWidget, windows: list[QWidget]) -> None:
    """Show ``widget`` as a window that is deleted when closed, listed in ``windows`` (which
    the main window closes before it closes) until it is gone."""
    widget.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    windows.append(widget)
    widget.destroyed.connect(lambda _o=None, w=widget: _forget(windows, w))
    widget.show()


def _forget(windows: list[QWidget], widget: QWidget) -> None:
    if widget in windows:
        windows.remove(widget)
