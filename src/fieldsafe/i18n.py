"""Translation of user-visible strings in the core and CLI (gettext catalogues built with Babel).

The language is the FIELDSAFE_LANG environment variable's, read once at import. A block of
code can run in another language with :func:`using_language` (a report built with
``--lang fr``): that holds for the current thread (context) only, so a report built on a
worker thread leaves the GUI's and other threads' language alone.
"""

from __future__ import annotations

import gettext
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path

_LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "fieldsafe"
_CODE = re.compile(r"\(([^()]+)\)\s*$")


def _load() -> gettext.NullTranslations:
    languages = [lang for lang in (os.environ.get("FIELDSAFE_LANG"),) if lang]
    return gettext.translation(DOMAIN, localedir=_LOCALE_DIR, languages=languages or None,
                               fallback=True)


_translations = _load()
#: The translations in force in this context; None: the process's (FIELDSAFE_LANG).
_active: ContextVar[gettext.NullTranslations | None] = ContextVar("fieldsafe_translations",
                                                                  default=None)


def gettext_code(language: str) -> str:
    """The gettext code of a language named as in an XLSForm: the part in parentheses
    ("French (fr)" -> "fr", "Português (pt-BR)" -> "pt_br"), else the name lowercased."""
    text = language.strip()
    found = _CODE.search(text)
    code = found.group(1) if found else text
    return code.strip().lower().replace("-", "_")


@lru_cache(maxsize=32)
def translations(language: str | None) -> gettext.NullTranslations:
    """The catalogue of ``language`` (a code, "fr", or a form's language name, "French
    (fr)"): none (the messages as written, in English) where FieldSafe has no catalogue for
    it; the FIELDSAFE_LANG one for None or ""."""
    if not language:
        return _translations
    return gettext.translation(DOMAIN, localedir=_LOCALE_DIR,
                               languages=[gettext_code(language)], fallback=True)


def current() -> gettext.NullTranslations:
    """The translations ``_()`` uses here and now."""
    active = _active.get()
    return _translations if active is None else active


def language_of(catalogue: gettext.NullTranslations | None = None) -> str:
    """The language code of ``catalogue`` (by default the one in force: the app's
    language), as its header says ("fr"); "" for the source English, which has none."""
    return str((catalogue or current()).info().get("language") or "")


@contextmanager
def using_language(language: str | None) -> Iterator[gettext.NullTranslations]:
    """Run the block with ``_()`` and ``ngettext()`` in ``language`` (see
    :func:`translations`), in this thread (context) only; None or "" keeps the language
    in force."""
    if not language:
        yield current()
        return
    chosen = translations(language)
    token = _active.set(chosen)
    try:
        yield chosen
    finally:
        _active.reset(token)


def _(message: str) -> str:
    """Translate ``message`` into the user's language (the message itself if none)."""
    return current().gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """Translate a message that depends on a count."""
    return current().ngettext(singular, plural, n)


def number(value: float, spec: str = ".2f") -> str:
    """``value`` formatted by ``spec`` (as ``format`` does) with the decimal separator of
    the language in force: "15,40" in French. The separator is a message of its own
    (context "decimal separator"), so each catalogue says which it is."""
    return format(value, spec).replace(".", current().pgettext("decimal separator", "."))


def N_(message: str) -> str:
    """Mark ``message`` for the catalogue without translating it yet (translate it with
    ``_()`` where it is shown)."""
    return message
