"""Qt's tr() answered from FieldSafe's gettext catalogue: the desktop speaks FIELDSAFE_LANG too."""

from __future__ import annotations

import gettext

from PySide6.QtCore import QObject, QTranslator


class GettextTranslator(QTranslator):
    """Translates every ``tr()`` and ``QCoreApplication.translate`` of the app with the
    catalogue the core and reports use (``make i18n`` extracts both kinds of string into
    one template), so that one .po file per language translates all of FieldSafe. A
    message the catalogue lacks stays as written (Qt's own fallback)."""

    def __init__(self, catalogue: gettext.NullTranslations,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._catalogue = catalogue

    def translate(self, context: str, source_text: str, disambiguation: str | None = None,
                  n: int = -1) -> str | None:
        """The catalogue's translation; None (a null string to Qt, which then shows the
        source text) where it has none: an empty string would be taken as the text."""
        if not source_text:
            return None
        if disambiguation:  # tr("Open", "action status"): the catalogue's msgctxt
            found = self._catalogue.pgettext(disambiguation, source_text)
            if found != source_text:
                return found
        found = self._catalogue.gettext(source_text)
        return found if found != source_text else None

    def isEmpty(self) -> bool:  # Qt asks before it consults a translator
        return False
