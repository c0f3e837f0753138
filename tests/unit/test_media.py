"""Photos (EXIF, thumbnails, downscaled copies) on the shared corpus, and the media store."""

from __future__ import annotations

import hashlib
import io
import json
import warnings
from collections.abc import Iterator, Mapping
from datetime import datetime
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageStat, TiffImagePlugin

from fieldsafe.errors import UserError
from fieldsafe.media import store as store_module
from fieldsafe.media.errors import MediaError
from fieldsafe.media.exif import parse_datetime, to_degrees
from fieldsafe.media.photos import downscale, make_thumbnail, read_photo_info
from fieldsafe.media.store import MediaStore
from tests.conftest import CORPUS

PHOTOS = CORPUS / "photos"
ALL_PHOTOS = sorted(PHOTOS.glob("*.jpg"))
ROTATED = [PHOTOS / f"recurser__Portrait_{n}.jpg" for n in range(2, 9)]


def _open(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def _jpeg(tmp_path: Path, size: tuple[int, int] = (60, 40), exif: Image.Exif | bytes | None = None,
          name: str = "synthetic.jpg") -> Path:
    path = tmp_path / name
    extra = {} if exif is None else {"exif": exif}
    Image.new("RGB", size, (200, 30, 30)).save(path, "JPEG", **extra)
    return path


def _gray(data: bytes) -> Image.Image:
    return _open(data).convert("L").resize((16, 24))


def _difference(a: Image.Image, b: Image.Image) -> float:
    return float(ImageStat.Stat(ImageChops.difference(a, b)).mean[0])


# Every photo in the corpus ------------------------------------------------------------------

def test_the_corpus_photos_are_there() -> None:
    assert len(ALL_PHOTOS) == 15


@pytest.mark.parametrize("path", ALL_PHOTOS, ids=lambda p: p.name)
def test_every_corpus_photo_reads_sensibly(path: Path) -> None:
    info = read_photo_info(path)
    assert info.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert info.mime == "image/jpeg"
    assert 1 <= info.orientation <= 8
    with Image.open(path) as raw:
        stored = raw.size
    assert (info.width, info.height) == (stored[::-1] if info.orientation >= 5 else stored)
    assert (info.latitude is None) == (info.longitude is None)
    if info.latitude is not None and info.longitude is not None:
        assert -90 <= info.latitude <= 90 and -180 <= info.longitude <= 180
    assert info.taken_at is None or 2000 <= info.taken_at.year <= 2030
    assert info.camera == info.camera.strip() and "\x00" not in info.camera
    assert json.loads(json.dumps(info.as_dict()))["sha256"] == info.sha256


@pytest.mark.parametrize("path", ALL_PHOTOS, ids=lambda p: p.name)
def test_every_corpus_photo_has_a_clean_upright_thumbnail(path: Path) -> None:
    info = read_photo_info(path)
    thumb = _open(make_thumbnail(path, 128))
    assert thumb.format == "JPEG"
    assert len(thumb.getexif()) == 0
    assert max(thumb.size) == min(128, max(info.width, info.height))
    # Same shape as the photo as displayed: the thumbnail is turned like the info says.
    assert thumb.width / thumb.height == pytest.approx(info.width / info.height, rel=0.02)


def test_dscn0010() -> None:
    info = read_photo_info(PHOTOS / "exifpy__DSCN0010.jpg")
    assert (round(info.latitude or 0, 5), round(info.longitude or 0, 5)) == (43.46745, 11.88513)
    assert info.latitude == pytest.approx(43.467448, abs=1e-6)
    assert info.longitude == pytest.approx(11.885127, abs=1e-6)
    assert info.taken_at == datetime(2008, 10, 22, 16, 28, 39)
    assert "NIKON" in info.camera and "COOLPIX" in info.camera
    assert info.altitude is None  # the reference is there, the altitude is not
    assert info.as_dict()["taken_at"] == "2008-10-22T16:28:39"


def test_kodak_southern_hemisphere_is_negative() -> None:
    info = read_photo_info(PHOTOS / "exifpy__Kodak_CX7530.jpg")
    assert info.latitude == pytest.approx(-0.371300, abs=1e-6)
    assert info.longitude == pytest.approx(36.056417, abs=1e-6)
    assert info.camera == "EASTMAN KODAK COMPANY KODAK CX7530 ZOOM DIGITAL CAMERA"


def test_degrees_and_decimal_minutes() -> None:
    info = read_photo_info(PHOTOS / "exifpy__87_OSError.jpg")
    assert info.latitude == pytest.approx(43.785594, abs=1e-6)
    assert info.longitude == pytest.approx(11.234619, abs=1e-6)
    assert info.altitude == pytest.approx(42.123)
    assert info.taken_at == datetime(2005, 12, 14, 14, 39, 47)


def test_zero_length_string() -> None:
    info = read_photo_info(PHOTOS / "exifpy__67-0_length_string.jpg")
    assert info.latitude == pytest.approx(51.025, abs=1e-6)
    assert info.longitude == pytest.approx(7.591944, abs=1e-6)
    assert info.altitude == pytest.approx(340)
    assert info.camera == "samsung SM-G930F"


def test_empty_gps_ifd_gives_no_position() -> None:
    info = read_photo_info(PHOTOS / "exifpy__45-gps_ifd.jpg")
    assert (info.latitude, info.longitude, info.altitude) == (None, None, None)
    assert info.taken_at == datetime(2012, 6, 23, 6, 55, 49)  # DateTimeOriginal, not DateTime


def test_no_exif_photo() -> None:
    # Despite its name this file carries an EXIF block (Photoshop's): no position, camera or
    # DateTimeOriginal, but a DateTime (when it was last saved), which is the documented fallback.
    info = read_photo_info(PHOTOS / "exifpy__no_exif.jpg")
    assert (info.latitude, info.longitude, info.altitude, info.camera) == (None, None, None, "")
    assert info.orientation == 1
    assert info.taken_at == datetime(2014, 9, 22, 10, 56, 35)


def test_orientation_zero_is_treated_as_one() -> None:
    info = read_photo_info(PHOTOS / "recurser__Portrait_0.jpg")
    assert info.orientation == 1
    assert (info.width, info.height) == (1200, 1800)


@pytest.mark.parametrize("path", ROTATED, ids=lambda p: p.name)
def test_rotated_portraits_are_portrait_once_upright(path: Path) -> None:
    info = read_photo_info(path)
    assert info.orientation == int(path.stem[-1])
    assert info.height > info.width
    thumb = _open(make_thumbnail(path))
    assert thumb.height > thumb.width and thumb.height == 256


def test_rotated_portraits_all_show_the_same_upright_picture() -> None:
    upright = _gray(make_thumbnail(PHOTOS / "recurser__Portrait_0.jpg"))
    for path in ROTATED:
        assert _difference(_gray(make_thumbnail(path)), upright) < 3, path.name
    # The comparison can tell: a mirrored or upside-down picture differs a lot.
    assert _difference(upright, upright.transpose(Image.Transpose.FLIP_LEFT_RIGHT)) > 15
    assert _difference(upright, upright.transpose(Image.Transpose.ROTATE_180)) > 15


# Synthetic EXIF edge cases ------------------------------------------------------------------

def _exif(orientation: int | None = None, date: str | None = None, modified: str | None = None,
          gps: Mapping[int, object] | None = None) -> Image.Exif:
    exif = Image.Exif()
    if orientation is not None:
        exif[0x0112] = orientation
    if modified is not None:
        exif[0x0132] = modified
    if date is not None:
        exif.get_ifd(0x8769)[0x9003] = date
    if gps is not None:
        exif.get_ifd(0x8825).update(gps)
    return exif


def test_west_south_and_below_sea_level(tmp_path: Path) -> None:
    gps = {1: "S", 2: (33.0, 51.0, 36.0), 3: "W", 4: (70.0, 30.0, 0.0), 5: b"\x01", 6: 12.5}
    info = read_photo_info(_jpeg(tmp_path, exif=_exif(gps=gps)))
    assert info.latitude == pytest.approx(-33.86)
    assert info.longitude == pytest.approx(-70.5)
    assert info.altitude == pytest.approx(-12.5)


def test_zero_denominators_and_out_of_range_values(tmp_path: Path) -> None:
    zero = TiffImagePlugin.IFDRational(5, 0)
    gps = {1: "N", 2: (zero, 0.0, 0.0), 3: "E", 4: (10.0, 0.0, 0.0), 6: zero}
    info = read_photo_info(_jpeg(tmp_path, exif=_exif(orientation=9, gps=gps)))
    assert (info.latitude, info.longitude, info.altitude) == (None, None, None)
    assert info.orientation == 1
    far = {1: "N", 2: (95.0, 0.0, 0.0), 3: "E", 4: (10.0, 0.0, 0.0)}
    assert read_photo_info(_jpeg(tmp_path, exif=_exif(gps=far))).latitude is None


def test_taken_at_falls_back_to_datetime(tmp_path: Path) -> None:
    both = _jpeg(tmp_path, exif=_exif(date="2021:05:06 07:08:09", modified="2022:01:01 00:00:00"))
    assert read_photo_info(both).taken_at == datetime(2021, 5, 6, 7, 8, 9)
    only_modified = _jpeg(tmp_path, exif=_exif(modified="2022:01:01 10:00:00"))
    assert read_photo_info(only_modified).taken_at == datetime(2022, 1, 1, 10, 0, 0)
    blank = _jpeg(tmp_path, exif=_exif(date="0000:00:00 00:00:00", modified="    "))
    assert read_photo_info(blank).taken_at is None


def test_a_photo_without_any_exif(tmp_path: Path) -> None:
    info = read_photo_info(_jpeg(tmp_path))
    assert (info.width, info.height, info.orientation, info.camera) == (60, 40, 1, "")
    assert (info.taken_at, info.latitude, info.longitude, info.altitude) == (None,) * 4


@pytest.mark.parametrize("blob", [
    b"Exif\x00\x00II*\x00\x08\x00\x00\x00\xff\xff",               # 65535 entries, no data
    b"Exif\x00\x00MM\x00*\x00\x00\xff\xf0",                       # IFD offset past the end
    b"Exif\x00\x00garbage that is not TIFF at all",
    b"Exif\x00\x00II*\x00\x08\x00\x00\x00\x01\x00\x25\x88\x04\x00\x01\x00\x00\x00\xf0\xff\x00\x00",
], ids=["too-many-entries", "bad-offset", "not-tiff", "gps-pointer-past-end"])
def test_broken_exif_does_not_lose_the_photo(tmp_path: Path, blob: bytes) -> None:
    path = _jpeg(tmp_path, exif=blob)
    info = read_photo_info(path)
    assert (info.width, info.height, info.orientation, info.latitude) == (60, 40, 1, None)
    assert _open(make_thumbnail(path)).size == (60, 40)


@pytest.mark.parametrize(("value", "expected"), [
    ((43.0, 28.0, 2.814), 43.467448), ((43.0, 47.135666, 0.0), 43.785594), ((12.5,), 12.5),
    (7.25, 7.25), ((-10.0, 30.0, 0.0), -10.5), ((), None), ((1.0, "x", 0.0), None),
])
def test_to_degrees(value: object, expected: float | None) -> None:
    assert to_degrees(value) == (pytest.approx(expected, abs=1e-6) if expected else None)


@pytest.mark.parametrize(("text", "expected"), [
    ("2008:10:22 16:28:39", datetime(2008, 10, 22, 16, 28, 39)),
    ("2008:10:22 16:28:39\x00", datetime(2008, 10, 22, 16, 28, 39)),
    (b"2008-10-22T16:28", datetime(2008, 10, 22, 16, 28)),
    ("2008:13:22 16:28:39", None), ("", None), (None, None),
])
def test_parse_datetime(text: object, expected: datetime | None) -> None:
    assert parse_datetime(text) == expected


# Thumbnails and downscaled copies -----------------------------------------------------------

def test_downscale() -> None:
    assert downscale(PHOTOS / "exifpy__DSCN0010.jpg", 640) is None  # 640 x 480 already
    data = downscale(PHOTOS / "exifpy__DSCN0010.jpg", 639)
    assert data is not None and _open(data).size == (639, 479)
    rotated = downscale(PHOTOS / "recurser__Portrait_6.jpg", 600)  # stored 1800 x 1200
    assert rotated is not None
    image = _open(rotated)
    assert (image.format, image.size, len(image.getexif())) == ("JPEG", (400, 600), 0)
    with pytest.raises(ValueError):
        downscale(PHOTOS / "exifpy__DSCN0010.jpg", 0)


def test_transparent_png_thumbnail_is_flattened_on_white(tmp_path: Path) -> None:
    path = tmp_path / "clear.png"
    Image.new("RGBA", (500, 100), (0, 0, 0, 0)).save(path)
    thumb = _open(make_thumbnail(path, 50))
    assert (thumb.mode, thumb.size) == ("RGB", (50, 10))
    assert min(thumb.getpixel((25, 5))) > 240  # type: ignore[arg-type]
    assert read_photo_info(path).mime == "image/png"


def test_multi_picture_jpeg_from_a_phone(tmp_path: Path) -> None:
    path = tmp_path / "phone.jpg"
    first, second = Image.new("RGB", (80, 60), "red"), Image.new("RGB", (40, 30), "blue")
    first.save(path, "MPO", save_all=True, append_images=[second], exif=_exif(orientation=6))
    info = read_photo_info(path)
    assert (info.mime, info.width, info.height, info.orientation) == ("image/jpeg", 60, 80, 6)
    thumb = _open(make_thumbnail(path))
    assert thumb.size == (60, 80) and thumb.getpixel((30, 40))[0] > 200  # type: ignore[index]


# Files that are not photos ------------------------------------------------------------------

def test_a_text_file_named_jpg(tmp_path: Path) -> None:
    path = tmp_path / "field-notes.jpg"
    path.write_text("not a photo\n")
    for call in (read_photo_info, make_thumbnail, lambda p: downscale(p, 10)):
        with pytest.raises(MediaError, match=r"field-notes.jpg") as caught:
            call(path)
        assert isinstance(caught.value, UserError) and "\n" not in str(caught.value)


def test_missing_and_truncated_files(tmp_path: Path) -> None:
    with pytest.raises(MediaError, match=r"gone.jpg: no such file"):
        read_photo_info(tmp_path / "gone.jpg")
    cut = tmp_path / "cut.jpg"
    cut.write_bytes((PHOTOS / "exifpy__DSCN0010.jpg").read_bytes()[:40_000])
    assert read_photo_info(cut).width == 640  # the header is intact
    with pytest.raises(MediaError, match=r"cut.jpg: the picture cannot be read"):
        make_thumbnail(cut)


@pytest.mark.parametrize("limit", [1000, 200_000], ids=["bomb-error", "bomb-warning"])
def test_decompression_bombs(monkeypatch: pytest.MonkeyPatch, limit: int) -> None:
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", limit)  # DSCN0010 has 307,200 pixels
    for call in (read_photo_info, make_thumbnail):
        with pytest.raises(MediaError, match=r"DSCN0010.jpg: the picture is too large"):
            call(PHOTOS / "exifpy__DSCN0010.jpg")


def test_bombs_are_refused_even_when_the_warning_is_lost(monkeypatch: pytest.MonkeyPatch) -> None:
    # warnings filters are process-wide: another thread may reset them while a photo is opened.
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 200_000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        monkeypatch.setattr(warnings, "simplefilter", lambda *args, **kwargs: None)
        with pytest.raises(MediaError, match="the picture is too large"):
            read_photo_info(PHOTOS / "exifpy__DSCN0010.jpg")


# The store ----------------------------------------------------------------------------------

def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


@pytest.fixture
def store(tmp_path: Path) -> Iterator[MediaStore]:
    yield MediaStore(tmp_path / "media" / "nested")


def test_put_twice_stores_once(store: MediaStore) -> None:
    source = PHOTOS / "exifpy__Kodak_CX7530.jpg"
    sha = store.put_file(source)
    assert sha == hashlib.sha256(source.read_bytes()).hexdigest()
    assert store.put_file(source) == sha and store.put_bytes(source.read_bytes()) == sha
    assert _files(store.root) == [store.root / sha[:2] / sha] == [store.path(sha)]
    assert store.path(sha).read_bytes() == source.read_bytes()
    assert store.has(sha) and store.verify(sha) and list(store.iter_hashes()) == [sha]


def test_verify_detects_corruption_and_a_new_put_repairs_it(store: MediaStore) -> None:
    sha = store.put_bytes(b"walk audit photo")
    stored = store.path(sha)
    data = bytearray(stored.read_bytes())
    data[3] ^= 0x01
    stored.write_bytes(bytes(data))
    assert store.has(sha) and not store.verify(sha)
    store.put_bytes(b"walk audit photo")
    assert store.verify(sha)
    assert not store.verify("0" * 64) and not store.has("0" * 64)


@pytest.mark.parametrize("bad", ["../etc/passwd", "0" * 63, "0" * 65, "A" * 64, "g" * 64,
                                 "../" + "0" * 61, "0" * 63 + "\n", ""])
def test_path_rejects_anything_but_a_sha256(store: MediaStore, bad: str) -> None:
    for call in (store.path, store.has, store.thumbnail_path, lambda s: store.derived_path(s, 1)):
        with pytest.raises(ValueError):
            call(bad)


def test_writes_are_atomic_and_leave_no_temporary_files(
        store: MediaStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sha = store.put_file(PHOTOS / "exifpy__DSCN0010.jpg")
    store.put_thumbnail(sha, make_thumbnail(store.path(sha)))
    assert [p.name for p in _files(store.root)] == [sha, f"{sha}.jpg"]

    def changing(path: Path) -> Iterator[bytes]:  # the source changes while it is copied
        yield b"something else"

    monkeypatch.setattr(store_module, "read_chunks", changing)
    source = tmp_path / "moving.jpg"
    source.write_bytes(b"first version")
    with pytest.raises(MediaError, match=r"moving.jpg: the file changed"):
        store.put_file(source)
    assert [p.name for p in _files(store.root)] == [sha, f"{sha}.jpg"]  # nothing half-written


def test_unreadable_source(store: MediaStore, tmp_path: Path) -> None:
    with pytest.raises(MediaError, match=r"absent.jpg: no such file"):
        store.put_file(tmp_path / "absent.jpg")
    with pytest.raises(MediaError, match=r"this is a folder"):
        store.put_file(tmp_path)


def test_caches_layout_iteration_and_removal(store: MediaStore) -> None:
    first, second = store.put_bytes(b"one"), store.put_bytes(b"two")
    thumb = store.put_thumbnail(first, b"jpeg bytes")
    derived = store.put_derived(first, 1024, b"smaller")
    assert thumb == store.root / "thumbs" / first[:2] / f"{first}.jpg" == store.thumbnail_path(first)
    assert derived == store.root / "derived" / first[:2] / f"{first}-1024.jpg"
    assert derived == store.derived_path(first, 1024) and derived.read_bytes() == b"smaller"
    (store.root / first[:2] / ".tmp-left-over.part").write_bytes(b"x")
    assert list(store.iter_hashes()) == sorted([first, second])
    assert store.remove(first) and not store.remove(first)
    assert not thumb.exists() and not derived.exists()
    assert list(store.iter_hashes()) == [second]


@pytest.mark.parametrize("orientation", range(1, 9))
@pytest.mark.parametrize("kind", ["TIFF", "PNG"])
def test_every_orientation_is_turned_upright_once(tmp_path: Path, orientation: int,
                                                  kind: str) -> None:
    # a 40x20 picture with a red corner, saved with an EXIF orientation: once upright it
    # matches Pillow's own exif_transpose (TIFF: Pillow turns it when reading; we must not
    # turn it again)
    from PIL import ImageOps

    picture = Image.new("RGB", (40, 20), "white")
    picture.paste((255, 0, 0), (0, 0, 10, 5))
    exif = Image.Exif()
    exif[0x0112] = orientation
    path = tmp_path / f"o{orientation}.{kind.lower()}"
    picture.save(path, kind, exif=exif)
    png = tmp_path / "reference.png"  # the turn that orientation means, by Pillow itself
    picture.save(png, "PNG", exif=exif)
    expected = ImageOps.exif_transpose(Image.open(png))
    info = read_photo_info(path)
    assert info.orientation == orientation
    assert (info.width, info.height) == expected.size
    thumb = _open(make_thumbnail(path, 40)).convert("RGB")
    assert thumb.size == expected.size
    # the red corner ends where it should (JPEG blurs edges: compare the corner's middle)
    box = ImageChops.difference(expected.convert("RGB"), Image.new("RGB", expected.size,
                                                                   "white")).getbbox()
    assert box is not None
    middle = ((box[0] + box[2]) // 2, (box[1] + box[3]) // 2)
    red, green, _blue = thumb.getpixel(middle)  # type: ignore[misc]
    assert red > 200 and green < 80
