"""Dependencies point one way: only ``fieldsafe.ui`` may import Qt."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

PACKAGE = ROOT / "src" / "fieldsafe"
QT = ("PySide6", "PyQt5", "PyQt6", "shiboken6", "pytestqt")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_no_qt_import_outside_ui() -> None:
    offenders = []
    modules = [p for p in PACKAGE.rglob("*.py") if "ui" not in p.relative_to(PACKAGE).parts]
    assert len(modules) > 20
    for path in modules:
        for name in _imports(path):
            if name.split(".")[0] in QT:
                offenders.append(f"{path.relative_to(ROOT)} imports {name}")
    assert offenders == []


def test_the_check_itself_catches_a_qt_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("from PySide6.QtWidgets import QWidget\nimport os\n")
    assert "PySide6.QtWidgets" in _imports(sample)


def test_core_does_not_import_services_cli_or_ui() -> None:
    core = ("forms", "storage", "media", "geo", "sync", "report")
    offenders = []
    for folder in core:
        for path in (PACKAGE / folder).rglob("*.py"):
            for name in _imports(path):
                if name.startswith(("fieldsafe.services", "fieldsafe.cli", "fieldsafe.ui")):
                    offenders.append(f"{path.relative_to(ROOT)} imports {name}")
    assert offenders == []


def test_headless_commands_do_not_load_qt() -> None:
    code = ("import sys; from fieldsafe.cli.main import main; main(['forms', 'validate', "
            f"{str(ROOT / 'forms' / 'walkability.md')!r}]); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            f"{QT!r}))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120, check=True)
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_modules_are_small_and_say_what_they_are_for() -> None:
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if not text.strip():
            continue
        assert len(text.splitlines()) <= 420, f"{path} is too long; split it"
        module = ast.parse(text)
        assert ast.get_docstring(module), f"{path} opens without a line saying what it is for"
