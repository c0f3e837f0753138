"""Images are decoded with their format named, so no worker thread probes Qt's plugins."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from fieldsafe.ui.image_format import file_image_format, image_format
from fieldsafe.ui.photo_widget import load_image


@pytest.mark.parametrize(("pillow", "qt"), [("PNG", "png"), ("JPEG", "jpeg"), ("GIF", "gif"),
                                            ("TIFF", "tiff"), ("BMP", "bmp"), ("WEBP", "webp")])
def test_the_format_is_known_from_the_first_bytes(pillow: str, qt: str, tmp_path: Path,
                                                  qapp: object) -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (6, 4), (200, 30, 30)).save(buffer, pillow)
    assert image_format(buffer.getvalue()[:12]) == qt
    stored = tmp_path / "0123abcd"  # the media store names files by hash, with no suffix
    stored.write_bytes(buffer.getvalue())
    assert file_image_format(stored) == qt
    image = load_image(stored)
    assert (image.width(), image.height()) == (6, 4)


def test_unknown_bytes_and_missing_files_name_no_format(tmp_path: Path) -> None:
    assert image_format(b"<svg xmlns=") is None
    assert file_image_format(tmp_path / "missing") is None


class _NoProbing:
    """Stands in for QImage / QImageReader: any use of it fails the test."""

    def __init__(self, *_args: object) -> None:
        raise AssertionError("Qt was asked to read bytes of no known format (it would probe)")

    @staticmethod
    def fromData(*_args: object) -> None:
        raise AssertionError("Qt was asked to read bytes of no known format (it would probe)")


def test_bytes_of_no_known_format_are_not_handed_to_qt(
        tmp_path: Path, qapp: object, monkeypatch: pytest.MonkeyPatch) -> None:
    from fieldsafe.errors import UserError
    from fieldsafe.geo.mbtiles import MBTiles, write_mbtiles
    from fieldsafe.ui import photo_widget
    from fieldsafe.ui.map import tiles

    stored = tmp_path / "0123abcd"
    stored.write_bytes(b"<svg xmlns='http://www.w3.org/2000/svg'/>")
    monkeypatch.setattr(photo_widget, "QImageReader", _NoProbing)
    assert load_image(stored).isNull()
    path = tmp_path / "garbage.mbtiles"
    write_mbtiles(path, [(0, 0, 0, b"not a picture")], {"name": "g"})
    with MBTiles(path) as source:
        monkeypatch.setattr(tiles.QImage, "fromData", _NoProbing.fromData)
        with pytest.raises(UserError, match="tile 0/0/0 is not an image that can be shown"):
            tiles.decode_tile(source, (0, 0, 0))
