"""Loading forms into the model: types, columns, languages, settings and our own columns."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest

from fieldsafe.forms.errors import FormLoadError
from fieldsafe.forms.loader import load_form
from fieldsafe.forms.session import DeviceInfo, FormSession
from fieldsafe.forms.types import DESKTOP_EQUIVALENT

ALL_TYPES = """
| survey |
|        | type | name | label::English (en) | label::French (fr) | hint::English (en) | hint::French (fr) | appearance | parameters | read_only | default | sensitive | role |
|        | start | start | | | | | | | | | | |
|        | end | end | | | | | | | | | | |
|        | today | today | | | | | | | | | | |
|        | deviceid | deviceid | | | | | | | | | | |
|        | username | username | | | | | | | | | | |
|        | phonenumber | phone | | | | | | | | | | |
|        | email | email | | | | | | | | | | |
|        | audit | audit | | | | | | | | | | |
|        | start-geopoint | here | | | | | | | | | | |
|        | text | t | Text | Texte | A hint | Un indice | multiline | | | hello | yes | note |
|        | integer | i | Integer | Entier | | | | | | | | participants |
|        | decimal | d | Decimal | Décimal | | | | | | | | |
|        | select_one yn | s1 | One | Un | | | minimal | | | | | period |
|        | select_multiple yn | sm | Many | Plusieurs | | | | | | | | |
|        | select_one yn or_other | so | Other | Autre | | | | | | | | |
|        | rank yn | rk | Rank | Rang | | | | | | | | |
|        | range | rg | Range | Plage | | | | start=0;end=3;step=1 | | | | rating |
|        | note | nt | Note | Note | | | | | | | | |
|        | acknowledge | ack | Ack | Ack | | | | | | | | |
|        | trigger | trg | Trigger | Déclencheur | | | | | | | | |
|        | date | dt | Date | Date | | | | | | | | |
|        | time | tm | Time | Heure | | | | | | | | |
|        | datetime | dtm | Datetime | Date-heure | | | | | | | | |
|        | geopoint | gp | Point | Point | | | | | | | | location |
|        | geotrace | gt | Trace | Trace | | | | | | | | route |
|        | geoshape | gs | Shape | Forme | | | | | | | | |
|        | image | img | Photo | Photo | | | | max-pixels=1024 | | | | photo |
|        | barcode | bc | Barcode | Code-barres | | | | | | | | |
|        | file | fl | File | Fichier | | | | | | | | |
|        | audio | au | Audio | Audio | | | | | | | | |
|        | video | vd | Video | Vidéo | | | | | | | | |
|        | calculate | calc | | | | | | | | | | score |
|        | hidden | hid | | | | | | | | | | |
|        | text | ro | Read only | Lecture seule | | | | | yes | | | |
| choices |
|         | list_name | name | label::English (en) | label::French (fr) |
|         | yn | yes | Yes | Oui |
|         | yn | no | No | Non |
| settings |
|          | form_id | version | default_language | instance_name | form_title | method |
|          | all_types | 2026112501 | English (en) | concat('T-', ${t}) | All types | Test method |
"""


def test_every_question_type_maps_to_a_kind(write_form: Callable[[str], Path]) -> None:
    text = ALL_TYPES.replace("| role |\n", "| role | calculation |\n", 1)
    lines = []
    for line in text.splitlines():
        if line.startswith("|        | ") and "list_name" not in line and "| type |" not in line:
            line += " 1 + 1 |" if "| calculate |" in line else " |"
        lines.append(line)
    form = load_form(write_form("\n".join(lines)))
    kinds = {e.name: e.qtype for e in form.questions()}
    assert kinds["t"] == "text" and kinds["i"] == "integer" and kinds["d"] == "decimal"
    assert kinds["s1"] == "select_one" and kinds["sm"] == "select_multiple"
    assert kinds["rk"] == "rank" and kinds["rg"] == "range"
    assert kinds["nt"] == "note" and kinds["ack"] == "acknowledge"
    assert kinds["dt"] == "date" and kinds["tm"] == "time" and kinds["dtm"] == "datetime"
    assert (kinds["gp"], kinds["gt"], kinds["gs"]) == ("geopoint", "geotrace", "geoshape")
    assert kinds["img"] == "image" and kinds["bc"] == "barcode"
    assert (kinds["fl"], kinds["au"], kinds["vd"]) == ("file", "audio", "video")
    assert kinds["calc"] == "calculate" and kinds["hid"] == "hidden"
    assert kinds["so_other"] == "text"  # or_other adds a 'specify other' question
    for name in ("start", "end", "today", "deviceid", "username", "phone", "email", "audit",
                 "here"):
        assert kinds[name] == "metadata", name
    # Phone hardware types get a desktop equivalent.
    assert DESKTOP_EQUIVALENT["barcode"] == "text"
    assert {DESKTOP_EQUIVALENT[k] for k in ("file", "audio", "video", "osm")} == {"file"}

    by_name = {e.name: e for e in form.questions()}
    assert by_name["t"].labels == {"English (en)": "Text", "French (fr)": "Texte"}
    assert by_name["t"].hints["French (fr)"] == "Un indice"
    assert by_name["t"].label("French (fr)") == "Texte"
    assert by_name["t"].appearance == "multiline" and by_name["t"].default == "hello"
    assert by_name["t"].sensitive and by_name["t"].role == "note"
    assert by_name["rg"].parameters == {"start": "0", "end": "3", "step": "1"}
    assert by_name["img"].parameters == {"max-pixels": "1024"}
    assert by_name["ro"].readonly == "true()"
    assert "other" in {c.name for c in by_name["so"].choices}
    assert form.form_id == "all_types" and form.version == "2026112501"
    assert form.default_language == "English (en)"
    assert form.languages == ["English (en)", "French (fr)"]
    assert form.title == "All types" and form.method == "Test method"
    assert form.instance_name == "concat('T-', ${t})"
    assert by_name["t"].row == 11

    clock = datetime(2026, 11, 25, 9, 30)
    session = FormSession(form, now=lambda: clock,
                          device=DeviceInfo(deviceid="dev-1", username="asha"))
    assert session.value("today") == "2026-11-25"
    assert session.value("start").startswith("2026-11-25T09:30:00.000")
    assert session.value("deviceid") == "dev-1" and session.value("username") == "asha"
    assert session.value("instanceID").startswith("uuid:")
    assert session.value("t") == "hello"  # the default
    assert session.value("instanceName") == "T-hello"


def test_unknown_role_and_bad_sensitive_are_warnings(write_form: Callable[[str], Path]) -> None:
    form = load_form(write_form("""
    | survey |
    |        | type | name | label | role | sensitive |
    |        | text | a | A | lightning | maybe |
    """))
    assert any("row 2" in w and "unknown role 'lightning'" in w for w in form.warnings)
    assert any("sensitive should be yes or no" in w for w in form.warnings)


def test_dangling_reference_is_an_error_at_its_row(write_form: Callable[[str], Path]) -> None:
    path = write_form("""
    | survey |
    |        | type | name | label | relevant |
    |        | text | a | A | |
    |        | text | b | B | ${a} = 'x' and ${nope} = 'y' |
    """)
    with pytest.raises(FormLoadError) as info:
        load_form(path)
    assert "sheet 'survey' row 3" in str(info.value)
    assert "nope" in str(info.value)


@pytest.mark.parametrize(("expression", "message"), [
    ("concatx('a')", "unknown function concatx()"),
    ("if(1, 2)", "if() takes 3 argument(s), not 2"),
    ("today(1)", "today() takes 0 argument(s), not 1"),
    ("1 +", "end of expression"),
])
def test_expression_errors_name_sheet_row_and_column(
        write_form: Callable[[str], Path], expression: str, message: str) -> None:
    path = write_form(f"""
    | survey |
    |        | type | name | label | calculation |
    |        | text | a | A | |
    |        | calculate | c | | {expression} |
    """)
    with pytest.raises(FormLoadError) as info:
        load_form(path)
    line = str(info.value)
    assert f"{path}: sheet 'survey' row 3, column 'calculation': " in line
    assert message in line


def test_the_specify_other_question_of_a_sensitive_select_is_sensitive(
        write_form: Callable[[str], Path]) -> None:
    form = load_form(write_form("""
    | survey |                         |        |             |           |
    |        | type                    | name   | label       | sensitive |
    |        | select_one fix or_other | fix    | What to fix | yes       |
    |        | select_one fix or_other | open   | Open answer |           |
    |        | text                    | x_other| Own column  |           |
    | choices |           |       |       |
    |         | list_name | name  | label |
    |         | fix       | light | Light |
    """))
    by_name = {e.name: e for e in form.root.walk()}
    assert by_name["fix_other"].sensitive, "what is typed for 'other' is the same answer"
    assert not by_name["open_other"].sensitive
    assert not by_name["x_other"].sensitive


def test_what_sits_in_a_sensitive_group_or_repeat_is_sensitive(
        write_form: Callable[[str], Path]) -> None:
    form = load_form(write_form("""
    | survey |               |           |              |           |
    |        | type          | name      | label        | sensitive |
    |        | begin group   | who       | Who answered | yes       |
    |        | text          | full_name | Name         |           |
    |        | begin group   | contact   | Contact      |           |
    |        | text          | phone     | Phone        |           |
    |        | end group     |           |              |           |
    |        | end group     |           |              |           |
    |        | begin repeat  | people    | People       | yes       |
    |        | integer       | age       | Age          |           |
    |        | end repeat    |           |              |           |
    |        | text          | street    | Street       |           |
    """))
    by_name = {e.name: e for e in form.root.walk()}
    assert all(by_name[n].sensitive for n in ("who", "full_name", "contact", "phone",
                                              "people", "age"))
    assert not by_name["street"].sensitive


def test_groups_nested_hundreds_deep_fail_with_a_message(tmp_path: Path) -> None:
    rows = ["| survey |", "| | type | name | label |"]
    rows += [f"| | begin_group | g{k} | G |" for k in range(1500)]
    rows += ["| | text | t | T |"] + ["| | end_group | | |"] * 1500
    path = tmp_path / "deep.md"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    with pytest.raises(FormLoadError, match="nest too deeply") as caught:
        load_form(path)
    assert "sheet 'survey'" in str(caught.value)
