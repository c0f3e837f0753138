"""An image's format from its first bytes, so Qt never probes every plugin on a worker thread.

Qt's SVG plugin, asked "is this yours?", takes Qt's signal-connection lock; PySide6 keeps
the GIL while decoding, and a GUI thread disconnecting a signal at that moment waits for
the GIL: a deadlock (it hung the test suite under load). Naming the format skips the probe.
"""

from __future__ import annotations

from pathlib import Path

_SIGNATURES = ((b"\x89PNG", "png"), (b"\xff\xd8", "jpeg"), (b"GIF8", "gif"),
               (b"II*\x00", "tiff"), (b"MM\x00*", "tiff"), (b"BM", "bmp"))


def image_format(head: bytes) -> str | None:
    """The Qt format name ("png", "jpeg", ...) for data starting with ``head``, if known."""
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    return next((name for magic, name in _SIGNATURES if head.startswith(magic)), None)


def file_image_format(path: Path) -> str | None:
    """:func:`image_format` of a file's first bytes (None if it cannot be read)."""
    try:
        with path.open("rb") as handle:
            return image_format(handle.read(12))
    except OSError:
        return None
