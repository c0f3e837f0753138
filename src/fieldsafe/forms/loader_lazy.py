"""``load_form`` without importing pyxform until a form is actually loaded (fast start-up)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fieldsafe.forms.model import FormDef


def load_form(path: str | Path, *, xform: bool = True) -> FormDef:
    """See :func:`fieldsafe.forms.loader.load_form`."""
    from fieldsafe.forms.loader import load_form as load

    return load(path, xform=xform)
