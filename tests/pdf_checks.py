"""What tests check in a PDF that pypdf reads back: its fonts."""

from __future__ import annotations

from pathlib import Path

from pypdf import PdfReader


def fonts_not_embedded(path: Path) -> set[str]:
    """The fonts the PDF's pages name without carrying their file (a viewer or a print
    shop must then supply them, each its own way)."""
    missing: set[str] = set()
    for page in PdfReader(path).pages:
        fonts = page["/Resources"].get("/Font") or {}
        for ref in fonts.values():
            font = ref.get_object()
            for descendant in font.get("/DescendantFonts") or [font]:
                descriptor = descendant.get_object().get("/FontDescriptor")
                files = ("/FontFile", "/FontFile2", "/FontFile3")
                if descriptor is None or not any(f in descriptor.get_object() for f in files):
                    missing.add(str(font["/BaseFont"]))
    return missing
