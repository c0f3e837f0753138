"""Shared test set-up: no display, the shared corpus, and small form-building helpers."""

from __future__ import annotations

import os
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"
FORMS = ROOT / "forms"


@pytest.fixture(scope="session")
def corpus() -> Path:
    assert CORPUS.is_dir(), f"the shared corpus is missing at {CORPUS}"
    return CORPUS


@pytest.fixture
def write_form(tmp_path: Path) -> Callable[[str], Path]:
    """Write a pyxform markdown form (tables) to a file and return its path."""

    def write(text: str, name: str = "form.md") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text).strip() + "\n", encoding="utf-8")
        return path

    return write


@pytest.fixture
def workspace(tmp_path: Path):  # type: ignore[no-untyped-def]
    """A new workspace in a temporary folder, with the built-in instruments."""
    from fieldsafe.services.form_library import ensure_builtin_forms
    from fieldsafe.services.workspace import Workspace

    ws = Workspace(tmp_path / "ws")
    ensure_builtin_forms(ws)
    yield ws
    ws.close()


@pytest.fixture
def walk_answers() -> dict[str, object]:
    """A complete, valid set of answers to the women's safety walk."""
    import json

    return dict(json.loads((ROOT / "tests/data/instruments/womens_safety_walk.answers.json")
                           .read_text(encoding="utf-8")))
