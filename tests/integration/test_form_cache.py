"""Stored form versions open from the on-disk parse cache, without pyxform, and safely."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from fieldsafe.forms.form_json import form_to_json
from fieldsafe.services import form_cache, form_library
from fieldsafe.services.workspace import Workspace
from fieldsafe.storage.models import FormVersion
from tests.conftest import ROOT


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("FIELDSAFE_CACHE_DIR", str(folder))
    monkeypatch.setattr(form_library, "_CACHE", {})
    return folder / "forms"


def _versions(ws: Workspace) -> list[FormVersion]:
    with ws.transaction() as session:
        rows = list(session.scalars(select(FormVersion)))
        session.expunge_all()
        return rows


def _parse_refused(name: str, data: bytes, *, xform: bool = True) -> None:
    raise AssertionError(f"{name} was parsed from its bytes, not read from the cache")


def test_imported_forms_open_from_the_cache(cache_dir: Path, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    ws = Workspace(tmp_path / "ws")
    form_library.ensure_builtin_forms(ws)
    records = _versions(ws)
    assert len(list(cache_dir.glob("*.json"))) == len(records) >= 5
    expected = {r.content_hash: form_to_json(form_library._CACHE[r.content_hash])
                for r in records}
    monkeypatch.setattr(form_library, "_CACHE", {})
    monkeypatch.setattr(form_library, "load_form_bytes", _parse_refused)
    for record in records:
        form = form_library.form_definition(record)
        assert form.compiled is not None
        assert form_to_json(form) == expected[record.content_hash]
    ws.close()


def test_a_damaged_or_foreign_entry_is_parsed_again_and_replaced(
        cache_dir: Path, workspace: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    record = _versions(workspace)[0]
    entry = form_cache._entry(record.content_hash)
    entry.write_bytes(b'{"format": 1, "root": ')
    monkeypatch.setattr(form_library, "_CACHE", {})
    form = form_library.form_definition(record)
    assert form.form_id == record.form_id
    assert form_cache.cached_form(record.content_hash) is not None  # written again, whole
    # Another form's entry under this key (copied by hand) is not taken for this one.
    other = _versions(workspace)[1]
    entry.write_bytes(form_cache._entry(other.content_hash).read_bytes())
    assert form_cache.cached_form(record.content_hash) is None


def test_a_changed_loader_never_reads_an_old_parse(cache_dir: Path, workspace: Workspace,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    record = _versions(workspace)[0]
    assert form_cache.cached_form(record.content_hash) is not None
    monkeypatch.setattr(form_cache, "code_fingerprint", lambda: "another-loader")
    assert form_cache.cached_form(record.content_hash) is None


def test_an_unwritable_cache_folder_is_only_slower(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder would be")
    monkeypatch.setenv("FIELDSAFE_CACHE_DIR", str(blocker))
    monkeypatch.setattr(form_library, "_CACHE", {})
    ws = Workspace(tmp_path / "ws")
    form_library.ensure_builtin_forms(ws)
    monkeypatch.setattr(form_library, "_CACHE", {})
    assert all(form_library.form_definition(r).compiled for r in _versions(ws))
    assert blocker.read_text().startswith("a file")
    ws.close()


def test_a_new_process_opens_stored_forms_without_importing_pyxform(
        cache_dir: Path, workspace: Workspace) -> None:
    script = (
        "import sys\nfrom pathlib import Path\n"
        "from sqlalchemy import select\n"
        "from fieldsafe.services.form_library import form_definition\n"
        "from fieldsafe.services.workspace import Workspace\n"
        "from fieldsafe.storage.models import FormVersion\n"
        "ws = Workspace(Path(sys.argv[1]))\n"
        "with ws.transaction() as s:\n"
        "    forms = [form_definition(r) for r in s.scalars(select(FormVersion))]\n"
        "print(len(forms), sum(f.compiled is not None for f in forms),\n"
        "      'pyxform' in sys.modules)\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    done = subprocess.run([sys.executable, "-c", script, str(workspace.root)], env=env,
                          capture_output=True, text=True, check=True, timeout=120)
    count, compiled, imported = done.stdout.split()
    assert int(count) == int(compiled) >= 5
    assert imported == "False"
