"""Photos re-encoded upright with nothing but their pixels, for exports that leave the workspace."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from PIL import Image, ImageSequence, JpegImagePlugin

from fieldsafe.media.errors import MediaError
from fieldsafe.media.exif import summarise
from fieldsafe.media.photos import TRANSPOSE, open_image

JPEG_QUALITY = 95  # when a JPEG's own quantization tables cannot be read
# Formats that can carry EXIF, XMP or comments and are re-encoded without them (MPO, the
# JPEG with a second image that phones write, becomes a plain JPEG of its first image).
CLEANED = ("JPEG", "MPO", "PNG", "WEBP", "TIFF", "GIF")
# Formats with no room for such metadata: copied as they are.
PLAIN = ("BMP",)
_IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG", b"II*\x00", b"MM\x00*", b"GIF8")


def can_clean(source: Path) -> bool:
    """Whether ``source`` can leave the workspace without its metadata: an image that
    ``without_metadata`` re-encodes or one that holds none. A damaged image counts (cleaning
    it then fails with a MediaError); anything else (HEIC, MP4, PDF...) does not."""
    try:
        with open_image(source) as image:
            return image.format in CLEANED or image.format in PLAIN
    except MediaError:
        return _looks_like_image(source)


def without_metadata(source: Path) -> bytes | None:
    """The image upright and without metadata (nothing but its pixels, the colour profile
    and transparency), in its own format; None for a file to copy as it is (not an image,
    or one that holds no metadata). A damaged image is a MediaError."""
    try:
        with open_image(source) as image:
            kind = "JPEG" if image.format == "MPO" else str(image.format)
            if kind not in CLEANED:
                return None
            return _reencoded(image, kind)
    except MediaError:
        if not _looks_like_image(source):
            return None  # not a picture at all: copied as it is
        raise
    except (OSError, ValueError, SyntaxError, EOFError) as err:  # truncated or corrupt pixels
        raise MediaError(source, str(err)) from None


def _reencoded(image: Image.Image, kind: str) -> bytes:
    icc = image.info.get("icc_profile")
    transparency = image.info.get("transparency")
    extra: dict[str, Any] = {}
    if isinstance(icc, bytes) and kind != "GIF":
        extra["icc_profile"] = icc
    if transparency is not None and kind in ("PNG", "WEBP", "GIF"):
        extra["transparency"] = transparency
    out = io.BytesIO()
    frames = int(getattr(image, "n_frames", 1))
    limit = Image.MAX_IMAGE_PIXELS
    if kind == "GIF" and frames > 1 and (limit is None or frames * image.width * image.height
                                         <= limit):  # else only the first frame, kept small
        _animation(image, out)
        return out.getvalue()
    image.load()
    # Read after loading: Pillow turns a TIFF upright as it loads it (and drops the tag).
    method = TRANSPOSE.get(summarise(image).orientation)
    if kind == "JPEG":  # the photo's own quantization: as little loss as re-encoding allows
        tables = getattr(image, "quantization", None)
        if tables:
            extra |= {"qtables": tables, "subsampling": JpegImagePlugin.get_sampling(image)}
        else:
            extra["quality"] = JPEG_QUALITY
    elif kind == "WEBP":
        extra["quality"] = JPEG_QUALITY
    pixels = image.transpose(method) if method is not None else image.copy()
    pixels.info = {}  # the comment, EXIF and XMP would be carried over
    pixels.save(out, kind, **extra)
    return out.getvalue()


def _animation(image: Image.Image, out: io.BytesIO) -> None:
    """An animated GIF's frames, with their timing, and nothing else. Pillow reads each frame
    whole (the earlier ones drawn under it), so each is written whole over a cleared canvas;
    RGBA frames carry their own transparency."""
    frames: list[Image.Image] = []
    durations: list[int] = []
    for frame in ImageSequence.Iterator(image):
        durations.append(int(frame.info.get("duration", 0) or 0))
        whole = frame.convert("RGBA")
        whole.info = {}
        frames.append(whole)
    loop = {"loop": image.info["loop"]} if "loop" in image.info else {}
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=durations,
                   disposal=2, **loop)


def _looks_like_image(source: Path) -> bool:
    try:
        with source.open("rb") as stream:
            head = stream.read(12)
    except OSError:
        return False
    return head.startswith(_IMAGE_MAGIC) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")
