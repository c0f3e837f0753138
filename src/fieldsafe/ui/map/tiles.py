"""Basemap tiles: read and decoded on worker threads, kept in a cache bounded by bytes."""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path
from typing import cast

from PySide6.QtCore import QCoreApplication, QObject, QThreadPool, Signal
from PySide6.QtGui import QImage, QImageReader

from fieldsafe.geo.errors import MBTilesError
from fieldsafe.geo.mbtiles import MBTiles
from fieldsafe.ui.background import Background
from fieldsafe.ui.image_format import image_format

TileKey = tuple[int, int, int]
MIB = 1024 * 1024


class ImageCache:
    """Least-recently-used images, never more than ``limit`` bytes in all."""

    def __init__(self, limit: int) -> None:
        self._limit = max(0, limit)
        self._images: OrderedDict[TileKey, QImage] = OrderedDict()
        self.bytes = 0

    @property
    def limit(self) -> int:
        return self._limit

    def set_limit(self, limit: int) -> None:
        self._limit = max(0, limit)
        self._trim()

    def get(self, key: TileKey) -> QImage | None:
        found = self._images.get(key)
        if found is not None:
            self._images.move_to_end(key)
        return found

    def put(self, key: TileKey, image: QImage) -> None:
        self.discard(key)
        size = image.sizeInBytes()
        if size > self._limit:
            return
        self._images[key] = image
        self.bytes += size
        self._trim()

    def discard(self, key: TileKey) -> None:
        old = self._images.pop(key, None)
        if old is not None:
            self.bytes -= old.sizeInBytes()

    def clear(self) -> None:
        self._images.clear()
        self.bytes = 0

    def __len__(self) -> int:
        return len(self._images)

    def _trim(self) -> None:
        while self.bytes > self._limit and self._images:
            _, old = self._images.popitem(last=False)
            self.bytes -= old.sizeInBytes()


class BadTileError(MBTilesError):
    """One tile of a readable file is not an image: that tile is skipped, not the file."""


#: A file whose first tiles are all bad (and none good) is told as damaged after this many.
BAD_TILES_BEFORE_FAILING = 4


def decode_tile(source: MBTiles, key: TileKey) -> tuple[MBTiles, TileKey, QImage | None]:
    """Read and decode one tile (on a worker thread); None when the file lacks it."""
    data = source.tile(*key)
    if data is None:
        return source, key, None
    # Bytes of no known image format are not decoded at all: without a format name Qt
    # would probe every plugin on this thread (the deadlock image_format explains).
    kind = image_format(data[:12])
    # PySide6 takes the format as text, though its type stubs say bytes.
    image = QImage.fromData(data, kind) if kind else QImage()  # type: ignore[arg-type]
    if image.isNull():
        z, x, y = key
        raise BadTileError(QCoreApplication.translate(
            "TileStore", "{file}: tile {z}/{x}/{y} is not an image that can be shown").format(
                file=source.path, z=z, x=x, y=y))
    wanted = (QImage.Format.Format_ARGB32_Premultiplied if image.hasAlphaChannel()
              else QImage.Format.Format_RGB32)
    return source, key, image.convertToFormat(wanted)


def _decode_or_skip(source: MBTiles, key: TileKey
                    ) -> tuple[MBTiles, TileKey, QImage | None, str]:
    """:func:`decode_tile`, and why a bad tile was skipped ("" when it was not)."""
    try:
        return (*decode_tile(source, key), "")
    except BadTileError as err:
        return source, key, None, str(err)


class TileStore(QObject):
    """The open basemap and its decoded tiles. ``tile_ready`` says a requested tile was
    read (or found missing); ``failed`` gives the message when the file turns out damaged."""

    tile_ready = Signal(int, int, int)
    failed = Signal(str)
    idle = Signal()

    def __init__(self, parent: QObject, limit_bytes: int) -> None:
        super().__init__(parent)
        self.cache = ImageCache(limit_bytes)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(max(1, min(4, QThreadPool.globalInstance().maxThreadCount())))
        self._background = Background(self, self._pool)
        self.source: MBTiles | None = None
        self._pending: set[TileKey] = set()
        self._asked: set[TileKey] = set()
        self._missing: set[TileKey] = set()
        self._retired: list[MBTiles] = []
        self.error = ""
        self._good = self._bad = 0  # tiles decoded, and skipped as not images

    def open(self, path: Path | None) -> None:
        """Show ``path`` (None: no basemap); a file that cannot be used raises MBTilesError."""
        self.close()
        if path is None:
            return
        source = MBTiles(path)
        if source.format == "pbf":
            source.close()
            raise MBTilesError(self.tr(
                "{file} holds vector tiles, which FieldSafe cannot draw; use a raster "
                "basemap (PNG, JPEG or WebP tiles)").format(file=path))
        readable = {bytes(f.data()).decode().lower() for f in QImageReader.supportedImageFormats()}
        if source.format in ("jpg", "webp") and source.format.replace("jpg", "jpeg") not in \
                readable:
            source.close()
            raise MBTilesError(self.tr("{file} has {format} tiles, which cannot be read on this "
                                       "computer").format(file=path, format=source.format))
        self.source = source

    def close(self) -> None:
        if self.source is not None:
            self._retired.append(self.source)
        self.source = None
        self.cache.clear()
        self._pending.clear()
        self._asked.clear()
        self._missing.clear()
        self.error = ""
        self._good = self._bad = 0
        self._close_retired()

    @property
    def loading(self) -> bool:
        return bool(self._pending)

    def forget_requests(self) -> None:
        """Allow tiles read before to be read again (after eviction) once the view moved."""
        self._asked.clear()

    def best(self, z: int, x: int, y: int) -> tuple[QImage, TileKey] | None:
        """Tile ``z/x/y`` if decoded, else the nearest decoded ancestor (to scale up) while
        the tile itself is read; None when nothing of it is at hand yet."""
        source = self.source
        if source is None or z < source.minzoom:
            return None
        found = self.cache.get((z, x, y))
        if found is not None:
            return found, (z, x, y)
        want_ancestor = (z, x, y) in self._missing
        self._request((z, x, y))
        for up in range(1, z - source.minzoom + 1):
            key = (z - up, x >> up, y >> up)
            found = self.cache.get(key)
            if found is not None:
                return found, key
            if want_ancestor and key not in self._missing:
                self._request(key)  # a sparse file: fall back to the nearest tile it has
                want_ancestor = False
        return None

    def _request(self, key: TileKey) -> None:
        source = self.source
        if source is None or key in self._pending or key in self._asked or \
                key in self._missing or self.error:
            return
        self._pending.add(key)
        self._asked.add(key)
        self._background.run(lambda: _decode_or_skip(source, key), self._arrived,
                             lambda message: self._failed(source, message))

    def _arrived(self, result: object) -> None:
        source, key, image, bad = cast(tuple[MBTiles, TileKey, QImage | None, str], result)
        if source is not self.source:
            self._close_retired()
            return
        self._pending.discard(key)
        if bad:  # skipped, its parent drawn instead (as QGIS and QField do)...
            self._bad += 1
            if not self._good and self._bad >= BAD_TILES_BEFORE_FAILING:
                self._failed(source, bad)  # ...unless no tile of the file is an image
                return
        if image is None:
            self._missing.add(key)
        else:
            self._good += 1
            self.cache.put(key, image)
        self.tile_ready.emit(*key)
        if not self._pending:
            self.idle.emit()

    def _failed(self, source: MBTiles, message: str) -> None:
        self._close_retired()
        if source is not self.source or self.error:
            return
        self.error = message
        self._pending.clear()
        self.failed.emit(message)
        self.idle.emit()

    def _close_retired(self) -> None:
        if self._retired and self._background.pending() == 0:
            for source in self._retired:
                source.close()
            self._retired.clear()
