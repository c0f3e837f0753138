"""The form engine against ODK's semantics where an acceptance pass found it wrong."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from fieldsafe.forms.answers import instance_json, load_answers
from fieldsafe.forms.loader import load_form
from fieldsafe.forms.session import FormSession

Write = Callable[[str], Path]


def _session(write_form: Write, text: str) -> FormSession:
    return FormSession(load_form(write_form(text)))


@pytest.mark.parametrize("count_first", [True, False])
def test_saved_answers_of_a_counted_repeat_come_back_whole(write_form: Write,
                                                           count_first: bool) -> None:
    count = "|        | integer | n | How many stops? | |"
    form = "\n".join([
        "| survey |", "|        | type | name | label | repeat_count |",
        *([count] if count_first else []),
        "|        | begin_repeat | stop | Stop | ${n} |",
        "|        | integer | rating | Rating | |",
        "|        | end_repeat | | | |",
        *([] if count_first else [count])])
    session = _session(write_form, form)
    answers = {"n": 3, "stop": [{"rating": 1}, {"rating": 2}, {"rating": 3}]}
    assert load_answers(session, answers) == []
    assert instance_json(session)["stop"] == answers["stop"]


def test_calculations_over_repeat_answers_follow_every_edit(write_form: Write) -> None:
    session = _session(write_form, """
| survey |
|        | type | name | label | calculation | relevant |
|        | begin_repeat | r | Place | | |
|        | integer | v | Score | | |
|        | end_repeat | | | | |
|        | calculate | bad_places | | count(${r}[v > 2]) | |
|        | calculate | total | | sum(${r}/v) | |
|        | calculate | bad2 | | count(/data/r[v > 2]) | |
|        | note | warn | There are bad places | | count(${r}[v > 2]) > 0 |
""")
    repeat = session.compiled.by_path[session.compiled.ref_paths["r"]]
    session.add_repeat(repeat, session.root)
    session.add_repeat(repeat, session.root)
    session.set_value(session.node("v", 1), "5")
    session.set_value(session.node("v", 2), "1")
    assert [session.value(n) for n in ("bad_places", "total", "bad2")] == ["1", "6", "1"]
    assert session.node("warn").is_relevant()
    session.set_value(session.node("v", 1), "2")
    assert [session.value(n) for n in ("bad_places", "total", "bad2")] == ["0", "3", "0"]
    assert not session.node("warn").is_relevant()
    assert instance_json(session)["bad_places"] == "0"  # saved as it is now, not stale


def test_a_trigger_sets_its_question_once_each_time_the_trigger_changes(
        write_form: Write) -> None:
    session = _session(write_form, """
| survey |
|        | type | name | label | calculation | trigger |
|        | integer | a | A | | |
|        | integer | b | B | | |
|        | integer | c | C | ${a} * 2 | ${b} |
|        | text | d | D | | ${a}, ${b} |
|        | begin_repeat | r | R | | |
|        | integer | x | X | | |
|        | integer | y | Y | ${x} + 1 | ${x} |
|        | end_repeat | | | | |
""")
    session.set_value(session.node("a"), "5")
    assert session.value("c") == ""  # not a live calculation: b has not changed
    session.set_value(session.node("d"), "typed")
    session.set_value(session.node("b"), "1")
    assert (session.value("c"), session.value("d")) == ("10", "")  # no calculation: cleared
    session.set_value(session.node("c"), "99")  # the user's own answer
    session.set_value(session.node("a"), "6")
    assert session.value("c") == "99"
    repeat = session.compiled.by_path[session.compiled.ref_paths["r"]]
    session.add_repeat(repeat, session.root)
    session.add_repeat(repeat, session.root)
    session.set_value(session.node("x", 2), "7")
    assert (session.value("y", 1), session.value("y", 2)) == ("", "8")  # its own instance
    load_answers(session, {"c": 3, "a": 4})
    assert session.value("c") == "3"  # saved answers are read in, not triggered


def test_a_trigger_naming_no_question_is_a_load_error(write_form: Write) -> None:
    from fieldsafe.forms.errors import FormLoadError

    with pytest.raises(FormLoadError):
        load_form(write_form("""
| survey |
|        | type | name | label | trigger |
|        | integer | c | C | ${nowhere} |
"""))


def test_choice_filters_see_file_lists_and_each_item_s_position(write_form: Write,
                                                                 tmp_path: Path) -> None:
    (tmp_path / "wards.csv").write_text("name,label,region\nw1,Ward 1,n\nw2,Ward 2,s\n"
                                        "w3,Ward 3,n\n", encoding="utf-8")
    session = _session(write_form, """
| survey |
|        | type | name | label | choice_filter |
|        | select_one region | region | Region | |
|        | select_one_from_file wards.csv | ward | Ward | region = ${region} |
|        | integer | n | How many? | |
|        | select_one c | first | First n | position() <= ${n} |
|        | select_one c | last | Last | position() = last() |
| choices |
|         | list_name | name | label |
|         | region | n | North |
|         | region | s | South |
|         | c | a | A |
|         | c | b | B |
|         | c | d | D |
""")
    session.set_value(session.node("region"), "n")
    assert [c.name for c in session.options(session.node("ward"))] == ["w1", "w3"]
    session.set_value(session.node("ward"), "w2")
    assert session.problem(session.node("ward")) is not None  # filtered out: not allowed
    session.set_value(session.node("n"), "1")
    assert [c.name for c in session.options(session.node("first"))] == ["a"]
    assert [c.name for c in session.options(session.node("last"))] == ["d"]


def test_a_blank_number_where_a_whole_one_is_needed_never_crashes(write_form: Write) -> None:
    session = _session(write_form, """
| survey |
|        | type | name | label | constraint | choice_filter |
|        | integer | k | How many letters? | | |
|        | text | code | Code | substr(., 0, ${k}) != 'XX' | |
|        | text | bad | Bad | regex(., '[a-') | |
|        | select_one c | pick | Pick | | selected-at('a b', ${k}) != name |
| choices |
|         | list_name | name | label |
|         | c | a | A |
|         | c | b | B |
""")
    session.set_value(session.node("code"), "ABC")  # k blank: substr(..., 0, 0)
    assert session.problem(session.node("code")) is None
    assert [c.name for c in session.options(session.node("pick"))] == ["b"]
    session.set_value(session.node("bad"), "x")  # an invalid pattern: told, not raised
    assert session.problem(session.node("bad")) is not None
    assert any("invalid regular expression" in e for e in session.errors)


def test_numbers_and_dates_from_answers_files_read_as_odk_reads_them(write_form: Write) -> None:
    from fieldsafe.forms.validation import problems

    session = _session(write_form, """
| survey |
|        | type | name | label | constraint | calculation |
|        | integer | n | People | . >= 1 and . <= 100 | |
|        | decimal | km | Distance | . < 5000 | |
|        | datetime | when | When | | |
|        | calculate | double | | | ${n} * 2 |
""")
    load_answers(session, {"n": "+5", "km": "1e3", "when": "9999-12-31T23:00:00-05:00"})
    assert session.value("double") == "10"
    found = {(p.name, p.kind) for p in problems(session)}
    assert found == {("when", "type")}  # past the calendar's end: not a date, no crash
    load_answers(session, {"km": "1_000", "when": "2024-01-01T12:00:00Z"})
    assert {(p.name, p.kind) for p in problems(session)} == {("km", "type")}


def test_a_broken_instance_name_is_told_once_on_the_settings_sheet(write_form: Write) -> None:
    from fieldsafe.forms.errors import FormLoadError

    with pytest.raises(FormLoadError) as caught:
        load_form(write_form("""
| survey |
|        | type | name | label |
|        | text | a | A |
| settings |
|          | instance_name |
|          | concat(${a}, |
"""))
    assert [(p.sheet, p.row) for p in caught.value.problems] == [("settings", 2)]


def test_a_wildcard_below_a_repeat_is_followed_too(write_form: Write) -> None:
    session = _session(write_form, """
| survey |
|        | type | name | label | calculation |
|        | begin_repeat | r | Place | |
|        | text | kind | Kind | |
|        | end_repeat | | | |
|        | calculate | star | | count(${r}/*[. = 'x']) |
""")
    repeat = session.compiled.by_path[session.compiled.ref_paths["r"]]
    session.add_repeat(repeat, session.root)
    session.set_value(session.node("kind", 1), "x")
    assert session.value("star") == "1"  # not the stale 0
