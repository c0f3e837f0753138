"""The corpus photos through the store as the services layer uses it: store, read, cache."""

from __future__ import annotations

import errno
import io
import os
from pathlib import Path

import pytest
from PIL import Image

from fieldsafe.media.errors import MediaError
from fieldsafe.media.photos import downscale, make_thumbnail, read_photo_info
from fieldsafe.media.store import MediaStore
from tests.conftest import CORPUS


def test_the_corpus_photos_go_through_the_store(tmp_path: Path) -> None:
    store = MediaStore(tmp_path / "media")
    photos = sorted((CORPUS / "photos").glob("*.jpg"))
    assert photos
    expected: set[str] = set()
    large = 0
    for source in photos:
        info = read_photo_info(source)
        assert store.put_file(source) == info.sha256
        expected.add(info.sha256)
        stored = store.path(info.sha256)
        assert read_photo_info(stored) == info  # facts do not depend on the file's name
        store.put_thumbnail(info.sha256, make_thumbnail(stored))
        copy = downscale(stored, 1000)
        assert (copy is None) == (max(info.width, info.height) <= 1000)
        if copy is not None:
            large += 1
            store.put_derived(info.sha256, 1000, copy)
            with Image.open(io.BytesIO(copy)) as image:
                assert max(image.size) == 1000
                assert (image.width > image.height) == (info.width > info.height)
    assert set(store.iter_hashes()) == expected and len(expected) == len(photos)
    assert all(store.verify(sha) and store.thumbnail_path(sha).is_file() for sha in expected)
    assert len(list((store.root / "derived").rglob("*.jpg"))) == large == 11
    leftovers = [p for p in store.root.rglob("*") if p.name.startswith(".tmp-")]
    assert leftovers == []


def test_a_full_disk_says_so_and_leaves_nothing(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    store = MediaStore(tmp_path / "media")

    def full(_fd: int, _data: object) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "write", full)
    with pytest.raises(MediaError, match=r"the disk is full; free some space and try again "
                                         r"\(nothing was saved\)"):
        store.put_bytes(b"a photo's bytes")
    monkeypatch.undo()
    assert [p for p in (tmp_path / "media").rglob("*") if p.is_file()] == []
