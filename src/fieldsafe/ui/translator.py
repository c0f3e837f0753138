"""Qt's tr() answered from FieldSafe's gettext catalogue: the desktop speaks FIELDSAFE_LANG too."""

from __future__ import annotations

import gettext

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QObject, QTranslator

from fieldsafe.i18n import language_of


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


def qt_translator(language: str, parent: QObject | None = None) -> QTranslator | None:
    """Qt's own translation of its dialogs (the file and print dialogs, the standard
    buttons) into ``language``, from the catalogues PySide6 ships; None where it has none.
    Installed after :class:`GettextTranslator`, it answers first, and only for Qt's own
    contexts (QFileDialog, QPrintDialog...), so a dialog is not half one and half the other."""
    if not language or language.startswith("en"):
        return None
    translator = QTranslator(parent)
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    return translator if translator.load(QLocale(language), "qtbase", "_", folder) else None


def install_translators(app: QCoreApplication, catalogue: gettext.NullTranslations
                        ) -> list[QTranslator]:
    """Install the app's words (``catalogue``), then Qt's own in the catalogue's language;
    the translators installed, so that they can be removed again."""
    installed: list[QTranslator] = [GettextTranslator(catalogue, app)]
    qt_words = qt_translator(language_of(catalogue), app)
    if qt_words is not None:
        installed.append(qt_words)
    for translator in installed:
        app.installTranslator(translator)
    return installed
