"""The wheel carries the built-in instruments and resources, and the app finds them."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from fieldsafe.builtin import builtin_forms, resources_dir
from tests.conftest import ROOT


def test_builtin_forms_are_found() -> None:
    assert {p.stem for p in builtin_forms()} == {
        "womens_safety_walk", "safetipin_rating", "cpted_site", "walkability",
        "community_safety_survey"}
    assert (resources_dir() / "fieldsafe.svg").is_file()


def test_wheel_ships_forms_and_resources(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d",
                    str(tmp_path)], cwd=ROOT, check=True, capture_output=True, timeout=300)
    wheel = next(tmp_path.glob("fieldsafe-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for form in builtin_forms():
        assert f"fieldsafe/_data/forms/{form.name}" in names
    assert "fieldsafe/_data/resources/fieldsafe.svg" in names
    assert "fieldsafe/forms/loader.py" in names
