"""An on-disk cache of parsed form versions, so opening a stored form skips pyxform's 0.5 s.

A stored version never changes, so its parse is kept in the user's cache folder
(``FIELDSAFE_CACHE_DIR``, else platformdirs' cache folder), under a key made of the form's
content hash and a fingerprint of the code that parsed it: FieldSafe's forms package, the
pyxform release and the message language. Another release, a changed loader or another
language therefore never reads an old entry. The cache is a convenience only: an entry that
cannot be read or written is ignored, and the form is parsed from its bytes as before.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import fieldsafe
from fieldsafe.errors import UserError
from fieldsafe.i18n import current
from fieldsafe.outputs import write_atomically

if TYPE_CHECKING:
    from fieldsafe.forms.model import FormDef

# fieldsafe.forms.form_json (with the expression compiler and msgspec) is imported when a
# form is first read or kept, not with this module: the app starts without them.


def cache_folder() -> Path:
    chosen = os.environ.get("FIELDSAFE_CACHE_DIR")
    if chosen:
        return Path(chosen) / "forms"
    from platformdirs import user_cache_path

    return user_cache_path("fieldsafe", appauthor=False) / "forms"


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """A digest of what decides a parse: FieldSafe's version, its forms package's source
    (so a changed loader is never answered by an old parse) and pyxform's release."""
    from importlib import metadata

    from fieldsafe.forms import form_json

    digest = hashlib.sha256(f"{fieldsafe.__version__}|{form_json.FORMAT}".encode())
    with contextlib.suppress(metadata.PackageNotFoundError):
        digest.update(metadata.version("pyxform").encode())
    package = Path(form_json.__file__).parent
    for source in sorted(package.rglob("*.py")):
        try:
            digest.update(source.relative_to(package).as_posix().encode())
            digest.update(source.read_bytes())
        except OSError:
            continue
    return digest.hexdigest()[:16]


def _entry(content_hash: str) -> Path:
    language = str(current().info().get("language", "") or "en")
    key = hashlib.sha256(f"{code_fingerprint()}|{language}|{content_hash}".encode())
    return cache_folder() / f"{key.hexdigest()}.json"


def cached_form(content_hash: str) -> FormDef | None:
    """The cached parse of the form with this content hash, or None (no entry, or one
    that cannot be read or no longer compiles)."""
    from fieldsafe.forms import form_json

    try:
        data = _entry(content_hash).read_bytes()
        form = form_json.form_from_json(data)
    except (OSError, form_json.FormJsonError):
        return None
    return form if form.content_hash == content_hash else None


def keep_form(form: FormDef) -> None:
    """Write ``form``'s parse to the cache (atomically: a reader sees the whole entry or
    none); a folder that cannot be written is left alone."""
    from fieldsafe.forms import form_json

    if not form.content_hash:
        return
    target = _entry(form.content_hash)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(target, lambda out: out.write(form_json.form_to_json(form)))
    except (OSError, UserError):
        return
