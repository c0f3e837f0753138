"""What the form filler needs from its host: file pickers, GPX import, the photo widget."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QLocale
from PySide6.QtWidgets import QWidget

from fieldsafe.forms.model import FormElement
from fieldsafe.forms.session import FormSession
from fieldsafe.forms.xpath.nodes import XNode

#: Makes the widget for an image question. The widget writes the answer itself with
#: ``session.set_value`` and then emits a ``changed`` (or ``answered``) signal, which the
#: filler connects when present; a ``refresh()`` method, when present, is called after other
#: answers change.
PhotoWidgetFactory = Callable[[FormSession, XNode, QWidget], QWidget]


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

    def number_locale(self) -> QLocale:
        """The locale for numbers, without group separators (they confuse typing)."""
        locale = QLocale(self.locale) if self.locale is not None else QLocale()
        locale.setNumberOptions(QLocale.NumberOption.OmitGroupSeparator
                                | QLocale.NumberOption.RejectGroupSeparator)
        return locale
