"""Where the built-in instruments and resources are, installed or in a source checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _data_dir(name: str) -> Path:
    installed = _PACKAGE / "_data" / name  # a wheel: hatch force-include puts them here
    if installed.is_dir():
        return installed
    return _PACKAGE.parent.parent / name  # an editable install: the repository's folder


def builtin_forms_dir() -> Path:
    return _data_dir("forms")


def resources_dir() -> Path:
    return _data_dir("resources")


def builtin_forms() -> list[Path]:
    """The built-in instruments, by file name."""
    return sorted(builtin_forms_dir().glob("*.md"))
