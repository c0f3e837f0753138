"""The ``fieldsafe`` command, run as a user would, in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import CORPUS, FORMS, ROOT


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    return subprocess.run([sys.executable, "-m", "fieldsafe.cli.main", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120, env=env)


def test_help_lists_the_commands() -> None:
    result = run("--help")
    assert result.returncode == 0
    assert "forms" in result.stdout and "--workspace" in result.stdout


def test_no_command_without_a_display_says_so_in_one_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    result = subprocess.run([sys.executable, "-m", "fieldsafe.cli.main", "--workspace",
                             str(tmp_path / "ws")], capture_output=True, text=True,
                            timeout=120, env=env, cwd=ROOT)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "QT_QPA_PLATFORM=offscreen" in lines[0], result.stderr
    assert "Traceback" not in result.stderr


def test_validate_valid_forms_exits_zero() -> None:
    result = run("forms", "validate", str(FORMS / "walkability.md"),
                 str(CORPUS / "xlsform" / "pyxformhttp__pyxform-warning.xlsx"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "walkability.md: valid" in result.stdout
    assert "pyxform-warning.xlsx: warning: " in result.stdout


def test_validate_invalid_form_prints_sheet_and_row() -> None:
    bad = CORPUS / "xlsform-invalid" / "pyxformhttp__validate-error.xlsx"
    result = run("forms", "validate", str(FORMS / "walkability.md"), str(bad))
    assert result.returncode == 1
    problem_lines = [line for line in result.stdout.splitlines() if line.startswith(str(bad))]
    assert problem_lines == [
        f"{bad}: sheet 'survey' row 4, column 'calculation': calculation "
        "'concatx(${name}, \" - \", ${age})' of 'concat': unknown function concatx()"]


def test_validate_unreadable_file_is_one_line() -> None:
    empty = CORPUS / "xlsform-unreadable" / "centralbackend__empty.xlsx"
    result = run("forms", "validate", str(empty))
    assert result.returncode == 1
    assert result.stdout.strip().count("\n") == 0
    assert "Traceback" not in result.stdout + result.stderr


def test_fill_prints_instance_and_problems_as_json(tmp_path: Path) -> None:
    answers = json.loads((ROOT / "tests/data/instruments/womens_safety_walk.answers.json")
                         .read_text(encoding="utf-8"))
    answers.pop("period")
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(answers), encoding="utf-8")
    result = run("forms", "fill", str(FORMS / "womens_safety_walk.md"), "--answers",
                 str(path), "--json")
    assert result.returncode == 1
    output = json.loads(result.stdout)
    assert [(p["name"], p["kind"]) for p in output["problems"]] == [("period", "required")]
    assert output["instance"]["finding"][0]["f_sev"]
    assert "safety_score" in output["instance"]


def test_fill_each_instrument_is_valid() -> None:
    for form in sorted(FORMS.glob("*.md")):
        answers = ROOT / "tests/data/instruments" / f"{form.stem}.answers.json"
        result = run("forms", "fill", str(form), "--answers", str(answers))
        assert result.returncode == 0, result.stdout[-2000:] + result.stderr
        assert result.stdout.rstrip().endswith("valid")


def test_bad_input_is_one_line_on_stderr(tmp_path: Path) -> None:
    malformed = tmp_path / "answers.json"
    malformed.write_text("{not json", encoding="utf-8")
    corrupt = CORPUS / "xlsform-unreadable" / "webforms__ifrc-distribution-site-assessment-v1.xlsx"
    cases = [
        ("forms", "fill", str(FORMS / "walkability.md"), "--answers", str(malformed)),
        ("forms", "fill", str(FORMS / "walkability.md"), "--answers", str(tmp_path / "none")),
        ("forms", "fill", str(corrupt), "--answers", str(malformed)),
        ("forms", "fill", str(tmp_path / "missing.xlsx"), "--answers", str(malformed)),
    ]
    for args in cases:
        result = run(*args)
        assert result.returncode == 2, args
        assert result.stdout == ""
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("fieldsafe: "), result.stderr
        assert "Traceback" not in result.stderr


def test_a_mistyped_target_date_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    for text in ("2026-13-01", "2026-W49-1", "20261201", "next week"):
        result = run("--workspace", str(tmp_path / "ws"), "actions", "add", "abc", "1",
                     "--target", text)
        assert result.returncode == 2, result.stderr
        assert "Traceback" not in result.stderr
        assert f"'{text}' is not a date (use YYYY-MM-DD)" in result.stderr


def test_small_mistakes_get_their_own_one_line_message(tmp_path: Path) -> None:
    a_file = tmp_path / "not-a-folder"
    a_file.write_text("x")
    result = run("--workspace", str(a_file), "workspace", "info")
    assert result.returncode == 2 and "not a folder (a workspace is a folder" in result.stderr
    ws = str(tmp_path / "ws")
    result = run("--workspace", ws, "campaigns", "new", "two\nlines")
    assert result.returncode == 2 and "without line breaks" in result.stderr
    answers = ROOT / "tests" / "data" / "instruments" / "womens_safety_walk.answers.json"
    photo = ROOT / "tests" / "data" / "nothing.jpg"
    result = run("--workspace", ws, "audits", "new", "womens_safety_walk", "--answers",
                 str(answers), "--photo", f"finding[1]/f_photo1={photo}",
                 "--photo", f"finding[1]/f_photo1={photo}")
    assert result.returncode == 2 and "is given twice" in result.stderr
    assert "Traceback" not in result.stderr
