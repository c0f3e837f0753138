"""Translation of user-visible strings in the core and CLI (gettext catalogues built with Babel)."""

from __future__ import annotations

import gettext
import os
from pathlib import Path

_LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "fieldsafe"


def _load() -> gettext.NullTranslations:
    languages = [lang for lang in (os.environ.get("FIELDSAFE_LANG"),) if lang]
    return gettext.translation(DOMAIN, localedir=_LOCALE_DIR, languages=languages or None,
                               fallback=True)


_translations = _load()


def _(message: str) -> str:
    """Translate ``message`` into the user's language (the message itself if none)."""
    return _translations.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """Translate a message that depends on a count."""
    return _translations.ngettext(singular, plural, n)
