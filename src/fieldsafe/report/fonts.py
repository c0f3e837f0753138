"""DejaVu Sans (regular, bold, oblique) registered once as embedded TrueType fonts."""

from __future__ import annotations

from reportlab import rl_config  # type: ignore[import-untyped]
from reportlab.lib.fonts import addMapping  # type: ignore[import-untyped]
from reportlab.pdfbase import pdfmetrics  # type: ignore[import-untyped]
from reportlab.pdfbase.ttfonts import TTFont  # type: ignore[import-untyped]

from fieldsafe.builtin import resources_dir

REGULAR = "DejaVuSans"
BOLD = "DejaVuSans-Bold"
OBLIQUE = "DejaVuSans-Oblique"
_FILES = {REGULAR: "DejaVuSans.ttf", BOLD: "DejaVuSans-Bold.ttf",
          OBLIQUE: "DejaVuSans-Oblique.ttf"}
_registered = False


def register_fonts() -> None:
    """Register the fonts with reportlab (only the first call does anything)."""
    global _registered
    if _registered:
        return
    folder = resources_dir() / "fonts"
    for name, file in _FILES.items():
        pdfmetrics.registerFont(TTFont(name, str(folder / file)))
    addMapping(REGULAR, 0, 0, REGULAR)
    addMapping(REGULAR, 1, 0, BOLD)
    addMapping(REGULAR, 0, 1, OBLIQUE)
    addMapping(REGULAR, 1, 1, BOLD)
    # Drawings (maps, charts) start in this font, not in Helvetica, which a PDF viewer
    # would have to supply: every font a report names is embedded (BaseDocTemplate's
    # initialFontName does the same for the pages).
    rl_config.defaultGraphicsFontName = REGULAR
    _registered = True
