"""What the form filler needs from its host: file pickers, GPX import, photos, map and GPS."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QLocale, QObject
from PySide6.QtWidgets import QWidget

from fieldsafe.forms.model import FormElement
from fieldsafe.forms.session import FormSession
from fieldsafe.forms.xpath.nodes import XNode

if TYPE_CHECKING:
    from fieldsafe.ui.gps import GpsSource

#: Makes the widget for an image question. The widget writes the answer itself with
#: ``session.set_value`` and then emits a ``changed`` (or ``answered``) signal, which the
#: filler connects when present; a ``refresh()`` method, when present, is called after other
#: answers change.
PhotoWidgetFactory = Callable[[FormSession, XNode, QWidget], QWidget]
#: Makes a new GPS source (owned by the given parent) or None when no GPS is set up.
GpsSourceFactory = Callable[[QObject], "GpsSource | None"]


@dataclass(slots=True)
class FillerContext:
    """The host's services; every one is optional and the filler works without them."""

    #: Asks for a GPX file and returns the ODK geotrace text of its track, or None
    #: (cancelled). May raise a UserError, whose message is shown under the question.
    import_gpx: Callable[[], str | None] | None = None
    #: Asks the user for a file for this question; None when cancelled. Without it the
    #: filler shows a standard file dialog.
    choose_file: Callable[[FormElement], Path | None] | None = None
    #: Stores the chosen file with the audit and returns the file name to record. Without
    #: it the file's own name is recorded. May raise a UserError.
    attach_file: Callable[[XNode, Path], str] | None = None
    #: Builds the widget for image questions; None shows a plain "Attach file…" button.
    photo_widget_factory: PhotoWidgetFactory | None = None
    #: How numbers are typed and shown; None is the user's locale (``QLocale()``).
    locale: QLocale | None = None
    #: The MBTiles basemap drawn under the map editors; None draws them on a plain grid.
    basemap: Path | None = None
    #: How far (m) a finding's location may be from the route to snap onto it (the
    #: campaign's matching tolerance), and the campaign's segment length (m).
    snap_tolerance_m: float = 25.0
    segment_m: float = 50.0
    #: Asks for a GPX file for the route editor's "Import GPX…"; None shows a file dialog.
    choose_gpx: Callable[[], Path | None] | None = None
    #: The GPS for "From GPS" and "Record from GPS"; None disables them.
    gps_source_factory: GpsSourceFactory | None = None

    def number_locale(self) -> QLocale:
        """The locale for numbers, without group separators (they confuse typing)."""
        locale = QLocale(self.locale) if self.locale is not None else QLocale()
        locale.setNumberOptions(QLocale.NumberOption.OmitGroupSeparator
                                | QLocale.NumberOption.RejectGroupSeparator)
        return locale
