"""Translations: a language per thread (context), form language names, the French catalogue."""

from __future__ import annotations

import threading
from pathlib import Path

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from fieldsafe.i18n import _, current, gettext_code, ngettext, translations, using_language
from tests.conftest import ROOT

LOCALE = ROOT / "src" / "fieldsafe" / "locale"
FRENCH = LOCALE / "fr" / "LC_MESSAGES"


def test_form_language_names_map_to_gettext_codes() -> None:
    assert gettext_code("French (fr)") == "fr"
    assert gettext_code("Español (es)") == "es"
    assert gettext_code(" English (en) ") == "en"
    assert gettext_code("Português (pt-BR)") == "pt_br"
    assert gettext_code("fr") == "fr"
    assert gettext_code("French") == "french"


def test_a_language_without_a_catalogue_prints_the_messages_as_written() -> None:
    assert translations("French (fr)").gettext("Action plan") == "Plan d’action"
    assert translations("fr") is translations("fr")  # loaded once
    assert translations("es").gettext("Action plan") == "Action plan"
    assert translations("en").gettext("Action plan") == "Action plan"
    assert translations(None) is translations("")


def test_using_language_is_for_the_block_only() -> None:
    before = _("Action plan")
    with using_language("French (fr)") as chosen:
        assert _("Action plan") == "Plan d’action"
        assert _("page {page} of {pages}").format(page=1, pages=2) == "page 1 sur 2"
        assert current() is chosen
        with using_language("en"):
            assert _("Action plan") == "Action plan"
        with using_language(None):  # no --lang: the language in force
            assert _("Action plan") == "Plan d’action"
        assert ngettext("removed {n} repeated point", "removed {n} repeated points",
                        2) == "{n} points répétés supprimés"  # the French plural
        assert _("a message FieldSafe does not have") == "a message FieldSafe does not have"
    assert _("Action plan") == before


def test_using_language_on_one_thread_leaves_other_threads_alone() -> None:
    before = _("Action plan")
    inside, release = threading.Event(), threading.Event()
    seen: dict[str, str] = {}

    def report_worker() -> None:
        with using_language("fr"):
            seen["worker"] = _("Action plan")
            inside.set()
            release.wait(10)
            seen["worker later"] = _("Action plan")

    def other_thread() -> None:
        seen["other"] = _("Action plan")

    worker = threading.Thread(target=report_worker)
    worker.start()
    try:
        assert inside.wait(10)
        seen["main"] = _("Action plan")  # the GUI thread, while the report is being built
        other = threading.Thread(target=other_thread)
        other.start()
        other.join(10)
    finally:
        release.set()
        worker.join(10)
    assert seen == {"worker": "Plan d’action", "worker later": "Plan d’action",
                    "main": before, "other": before}


def _report_messages(path: Path) -> dict[str, str]:
    with path.open("rb") as stream:
        catalog = read_po(stream, locale="fr")
    report = ("src/fieldsafe/report/", "src/fieldsafe/services/map_palette.py",
              "src/fieldsafe/services/map_forms.py")
    return {str(m.id): str(m.string) for m in catalog
            if m.id and isinstance(m.id, str) and m.context is None
            and any(where.startswith(report) for where, _line in m.locations)}


def test_the_french_catalogue_covers_the_report_and_is_compiled() -> None:
    messages = _report_messages(FRENCH / "fieldsafe.po")
    assert len(messages) > 80
    assert [m for m, text in messages.items() if not text] == []
    assert messages["page {page} of {pages}"] == "page {page} sur {pages}"
    for message, text in messages.items():  # the same placeholders
        assert sorted(part.split("}")[0] for part in message.split("{")[1:]) == \
            sorted(part.split("}")[0] for part in text.split("{")[1:]), message
    with (FRENCH / "fieldsafe.mo").open("rb") as stream:
        compiled = {str(m.id): m.string for m in read_mo(stream)
                    if m.id and m.context is None}  # the report has no msgctxt
    stale = [m for m, text in messages.items() if compiled.get(m) != text]
    assert stale == [], "run: pybabel compile -d src/fieldsafe/locale -D fieldsafe"
