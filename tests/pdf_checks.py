"""What tests check in a PDF that pypdf reads back: its fonts."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pypdf import PdfReader


def _fonts(path: Path) -> Iterator[tuple[str, Any]]:
    """Each font the PDF's pages name, with its descriptor (or its descendant's; None
    where it has none), as (base font name, descriptor)."""
    for page in PdfReader(path).pages:
        fonts = page["/Resources"].get("/Font") or {}
        for ref in fonts.values():
            font = ref.get_object()
            for descendant in font.get("/DescendantFonts") or [font]:
                descriptor = descendant.get_object().get("/FontDescriptor")
                yield str(font["/BaseFont"]), \
                    None if descriptor is None else descriptor.get_object()


def embedded_truetype_fonts(path: Path) -> set[str]:
    """The fonts the PDF carries as TrueType files (``FontFile2``)."""
    return {name for name, descriptor in _fonts(path)
            if descriptor is not None and "/FontFile2" in descriptor}


def fonts_not_embedded(path: Path) -> set[str]:
    """The fonts the PDF's pages name without carrying their file (a viewer or a print
    shop must then supply them, each its own way)."""
    files = ("/FontFile", "/FontFile2", "/FontFile3")
    return {name for name, descriptor in _fonts(path)
            if descriptor is None or not any(f in descriptor for f in files)}
