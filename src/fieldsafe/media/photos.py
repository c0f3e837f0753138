"""Photos: their facts (size, orientation, time, place, camera), thumbnails, downscaled copies."""

from __future__ import annotations

import functools
import io
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from fieldsafe.i18n import _
from fieldsafe.media.errors import MediaError
from fieldsafe.media.exif import summarise
from fieldsafe.media.hashing import sha256_of_file

# Formats Pillow may open (JPEG includes MPO, which phones write). Deliberately short:
# no EPS (it runs Ghostscript), no exotic formats.
FORMATS = ("JPEG", "PNG", "WEBP", "TIFF", "GIF", "BMP")
THUMBNAIL_QUALITY = 85
THUMBNAIL_SIZE = 256  # the longest side of a cached thumbnail, in pixels
DOWNSCALE_QUALITY = 88

# How to turn the stored pixels upright for each EXIF orientation (as in ImageOps.exif_transpose).
TRANSPOSE: dict[int, Image.Transpose] = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


@dataclass(frozen=True, slots=True)
class PhotoInfo:
    """What FieldSafe records about a photo; sizes are as displayed (orientation applied)."""

    sha256: str
    width: int
    height: int
    orientation: int
    taken_at: datetime | None
    latitude: float | None
    longitude: float | None
    altitude: float | None
    camera: str
    mime: str

    def as_dict(self) -> dict[str, object]:
        """JSON-friendly: ``taken_at`` as ISO 8601 text (or None)."""
        return {
            "sha256": self.sha256,
            "width": self.width,
            "height": self.height,
            "orientation": self.orientation,
            "taken_at": self.taken_at.isoformat() if self.taken_at else None,
            "latitude": self.latitude,
            "longitude": self.longitude,
            "altitude": self.altitude,
            "camera": self.camera,
            "mime": self.mime,
        }


def read_photo_info(path: Path) -> PhotoInfo:
    """The photo's facts, from its header and EXIF (pixels are not decoded).

    Broken EXIF loses only what cannot be read; a file that is not a readable image, or one
    so large it could be a decompression bomb, is a :class:`MediaError`.
    """
    sha256 = sha256_of_file(path)
    with open_image(path) as image:
        facts = summarise(image)
        width, height = image.size
        mime = "image/jpeg" if image.format == "MPO" else Image.MIME.get(image.format or "")
    if _to_turn(image, facts.orientation) >= 5:  # 5..8 turn a quarter: width, height swap
        width, height = height, width
    return PhotoInfo(
        sha256=sha256, width=width, height=height, orientation=facts.orientation,
        taken_at=facts.taken_at, latitude=facts.latitude, longitude=facts.longitude,
        altitude=facts.altitude, camera=facts.camera,
        mime=mime or "application/octet-stream",
    )


def make_thumbnail(path: Path, size: int = THUMBNAIL_SIZE) -> bytes:
    """A JPEG thumbnail, upright, its longest side at most ``size``, with no EXIF at all."""
    if size < 1:
        raise ValueError(f"thumbnail size must be positive, not {size}")
    image = _upright(path, size)
    if max(image.size) > size:
        image = image.resize(_fitted(image.size, size), Image.Resampling.LANCZOS)
    return _jpeg(image, THUMBNAIL_QUALITY)


def downscale(path: Path, max_pixels: int) -> bytes | None:
    """ODK's ``max-pixels``: an upright JPEG copy whose longest side is ``max_pixels``.

    None when the photo's longest side is already at most ``max_pixels`` (keep the original).
    The copy carries no EXIF (no place, time or camera), only the colour profile.
    """
    if max_pixels < 1:
        raise ValueError(f"max_pixels must be positive, not {max_pixels}")
    with open_image(path) as image:
        if max(image.size) <= max_pixels:
            return None
    image = _upright(path, max_pixels)
    return _jpeg(image.resize(_fitted(image.size, max_pixels), Image.Resampling.LANCZOS),
                 DOWNSCALE_QUALITY)


@contextmanager
def open_image(path: Path) -> Iterator[Image.Image]:
    """Open ``path`` lazily with Pillow; unreadable files and decompression bombs: MediaError."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # plugins' notes on files they could not identify
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(path, formats=FORMATS)
    except FileNotFoundError:
        raise MediaError(path, _("no such file")) from None
    except IsADirectoryError:
        raise MediaError(path, _("this is a folder, not a photo")) from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_large(path) from None
    except UnidentifiedImageError:
        raise MediaError(path, _("not a photo FieldSafe can read (expected a JPEG, PNG, WebP, "
                                 "TIFF, GIF or BMP image)")) from None
    except (OSError, ValueError, SyntaxError) as err:
        raise _damaged(path, err) from None
    with image:
        limit = Image.MAX_IMAGE_PIXELS
        if limit is not None and image.width * image.height > limit:
            raise _too_large(path)
        yield image


def _too_large(path: Path) -> MediaError:
    return MediaError(path, _("the picture is too large to open safely "
                              "(it may be damaged or a decompression bomb)"))


def _damaged(path: Path, err: Exception) -> MediaError:
    return MediaError(path, _("the picture cannot be read; is the file damaged? ({why})").format(
        why=getattr(err, "strerror", None) or err))


def _to_turn(image: Image.Image, orientation: int) -> int:
    """The orientation still to apply to ``image``'s pixels: recent Pillows turn a TIFF
    upright as they read it (its size at open, its pixels at load), JPEG and others not."""
    return 1 if image.format == "TIFF" and _pillow_turns_tiffs() else orientation


@functools.cache
def _pillow_turns_tiffs() -> bool:
    """Whether this Pillow turns TIFFs upright itself: a 2×1 TIFF turned a quarter (EXIF
    orientation 6) opens as 1×2 if it does."""
    exif = Image.Exif()
    exif[0x0112] = 6
    buffer = io.BytesIO()
    Image.new("L", (2, 1)).save(buffer, "TIFF", exif=exif)
    buffer.seek(0)
    with Image.open(buffer) as probe:
        return probe.size == (1, 2)


def _upright(path: Path, longest: int) -> Image.Image:
    """The decoded picture turned upright, decoded at a reduced scale when that is enough."""
    with open_image(path) as image:
        orientation = summarise(image).orientation
        image.draft(None, (2 * longest, 2 * longest))  # JPEG: decode at 1/2, 1/4 or 1/8 scale
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                image.load()
                method = TRANSPOSE.get(_to_turn(image, orientation))
                upright = image.transpose(method) if method is not None else image.copy()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _too_large(path) from None
        except (OSError, ValueError, SyntaxError) as err:  # truncated or corrupt pixel data
            raise _damaged(path, err) from None
    return upright


def _fitted(size: tuple[int, int], longest: int) -> tuple[int, int]:
    width, height = size
    scale = longest / max(width, height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def _jpeg(image: Image.Image, quality: int) -> bytes:
    icc = image.info.get("icc_profile") if image.mode in ("RGB", "L") else None
    image = _jpeg_mode(image)
    image.info = {}  # JPEG saving would carry the comment over; nothing but pixels goes out
    out = io.BytesIO()
    extra = {"icc_profile": icc} if isinstance(icc, bytes) else {}
    image.save(out, "JPEG", quality=quality, optimize=True, **extra)
    return out.getvalue()


def _jpeg_mode(image: Image.Image) -> Image.Image:
    if image.mode in ("RGB", "L"):
        return image
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, "white")
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    if image.mode.startswith("I") or image.mode == "F":
        return image.convert("L")
    return image.convert("RGB")
