"""SHA-256 of files and the check that a text is a SHA-256 hex digest (the store's file names)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path

from fieldsafe.i18n import _
from fieldsafe.media.errors import MediaError

CHUNK = 1024 * 1024
_SHA256_RE = re.compile(r"[0-9a-f]{64}")


def is_sha256(text: object) -> bool:
    """Whether ``text`` is exactly 64 lowercase hexadecimal digits."""
    return isinstance(text, str) and _SHA256_RE.fullmatch(text) is not None


def read_chunks(path: Path) -> Iterator[bytes]:
    """The bytes of ``path`` in chunks; a file that cannot be read is a :class:`MediaError`."""
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(CHUNK):
                yield chunk
    except FileNotFoundError:
        raise MediaError(path, _("no such file")) from None
    except IsADirectoryError:
        raise MediaError(path, _("this is a folder, not a file")) from None
    except OSError as err:
        raise MediaError(path, _("cannot be read: {why}").format(
            why=err.strerror or err)) from None


def sha256_of_file(path: Path) -> str:
    """The SHA-256 hex digest of the file's bytes."""
    digest = hashlib.sha256()
    for chunk in read_chunks(path):
        digest.update(chunk)
    return digest.hexdigest()
