"""Shared test set-up: no display, the shared corpus, and small form-building helpers."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Messages in English whatever the machine's locale, so tests can assert on them.
os.environ.setdefault("FIELDSAFE_LANG", "en")
# Parsed forms are cached in a folder of this test run's own, never the user's cache.
if "FIELDSAFE_CACHE_DIR" not in os.environ:
    os.environ["FIELDSAFE_CACHE_DIR"] = tempfile.mkdtemp(prefix="fieldsafe-test-cache-")
    atexit.register(shutil.rmtree, os.environ["FIELDSAFE_CACHE_DIR"], ignore_errors=True)

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


@pytest.fixture(scope="session")
def template_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated workspace database with the built-in instruments and no device identity:
    copied for each device a test needs, instead of running the migrations each time."""
    import sqlite3

    from fieldsafe.services.form_library import ensure_builtin_forms
    from fieldsafe.services.workspace import Workspace

    root = tmp_path_factory.mktemp("template") / "ws"
    ws = Workspace(root)
    ensure_builtin_forms(ws)
    ws.close()
    con = sqlite3.connect(ws.db_path)
    con.execute("DELETE FROM local_settings")
    con.commit()
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    return ws.db_path


@pytest.fixture
def make_device(tmp_path: Path, template_database: Path):  # type: ignore[no-untyped-def]
    """``make_device("laptop-1", team="north")``: a new workspace, as another device."""
    import shutil

    from fieldsafe.services.workspace import Workspace

    opened: list[object] = []

    def make(name: str, team: str = "default", user: str = "tester") -> Workspace:
        root = tmp_path / name
        root.mkdir()
        shutil.copyfile(template_database, root / template_database.name)
        ws = Workspace(root)
        ws.set_identity(device_name=name, team=team, user=user)
        opened.append(ws)
        return ws

    yield make
    for ws in opened:
        ws.close()  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def tiny_form(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A three-question form with a finding repeat, for property tests of sync."""
    from tests.integration.test_sync_property import FORM

    path = tmp_path_factory.mktemp("forms") / "tiny.md"
    path.write_text(textwrap.dedent(FORM).strip() + "\n", encoding="utf-8")
    return path
