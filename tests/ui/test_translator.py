"""The desktop's own words come from the same gettext catalogue as the core's."""

from __future__ import annotations

import gettext
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QSettings
from pytestqt.qtbot import QtBot

from fieldsafe.services.workspace import Workspace
from fieldsafe.ui.main_window import MainWindow
from fieldsafe.ui.translator import GettextTranslator


class _TwoWords(gettext.NullTranslations):
    """A catalogue that knows two messages."""

    def gettext(self, message: str) -> str:
        return {"&File": "&Fichier", "Recover your draft": "Récupérer le brouillon"}.get(
            message, message)


def test_qt_strings_are_translated_by_the_gettext_catalogue(
        qtbot: QtBot, workspace: Workspace, tmp_path: Path) -> None:
    app = QCoreApplication.instance()
    assert app is not None
    translator = GettextTranslator(_TwoWords())
    assert app.installTranslator(translator)
    try:
        window = MainWindow(workspace, QSettings(str(tmp_path / "s.ini"),
                                                 QSettings.Format.IniFormat))
        qtbot.addWidget(window)
        titles = [a.text() for a in window.menuBar().actions()]
        assert titles[0] == "&Fichier" and "&Audit" in titles  # unknown: as written
        assert QCoreApplication.translate("MainWindow", "Recover your draft") == \
            "Récupérer le brouillon"
    finally:
        app.removeTranslator(translator)



def test_the_french_catalogue_translates_the_app(qtbot: QtBot) -> None:
    from fieldsafe.i18n import translations

    app = QCoreApplication.instance()
    assert app is not None
    translator = GettextTranslator(translations("fr"))
    app.installTranslator(translator)
    try:
        assert QCoreApplication.translate("MainWindow", "Not answered") not in ("",
                                                                               "Not answered")
    finally:
        app.removeTranslator(translator)


def test_a_disambiguated_word_takes_its_own_translation(qtbot: QtBot) -> None:
    """tr("Open", "action status") is one item's status ("Ouverte"), not the campaign
    report's plural column heading ("Ouvertes")."""
    from fieldsafe.i18n import translations
    from fieldsafe.ui.action_dialogs import status_text

    app = QCoreApplication.instance()
    assert app is not None
    translator = GettextTranslator(translations("fr"))
    app.installTranslator(translator)
    try:
        host = QCoreApplication.instance()
        assert host is not None
        assert [status_text(host, s) for s in ("open", "in-progress", "done")] == [
            "Ouverte", "En cours", "Terminée"]
        assert translations("fr").gettext("Open") == "Ouvertes"  # the heading stays
        # A context the catalogue lacks falls back to the plain message.
        assert QCoreApplication.translate("X", "Done", "no such context") == "Terminées"
    finally:
        app.removeTranslator(translator)


def test_qt_own_dialogs_speak_the_apps_language_too(qtbot: QtBot) -> None:
    """The file and print dialogs: Qt's words in French, beside FieldSafe's, not English."""
    from fieldsafe.i18n import translations
    from fieldsafe.ui.translator import install_translators

    app = QCoreApplication.instance()
    assert app is not None
    installed = install_translators(app, translations("fr"))
    try:
        assert len(installed) == 2
        assert QCoreApplication.translate("QFileDialog", "Look in:") == "Voir dans\u00a0:"
        assert QCoreApplication.translate("QPrintDialog", "Print") == "Imprimer"
        assert QCoreApplication.translate("MainWindow", "Not answered") not in (
            "", "Not answered")  # the app's own words still from its catalogue
    finally:
        for translator in installed:
            app.removeTranslator(translator)
    assert QCoreApplication.translate("QFileDialog", "Look in:") == "Look in:"
