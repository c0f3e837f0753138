"""The form session: relevance, calculations, repeats, choice filters and validation."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from fieldsafe.forms.answers import instance_json, instance_xml, load_answers
from fieldsafe.forms.loader import load_form
from fieldsafe.forms.session import FormSession
from fieldsafe.forms.validation import problems

FORM = """
| survey |
|        | type | name | label | relevant | calculation | constraint | constraint_message | required | required_message | choice_filter | repeat_count | default |
|        | integer | age | Age | | | . >= 0 and . < 120 | Age must be 0 to 119 | yes | Please give the age | | | |
|        | select_one yn | adult_ok | Adult? | ${age} >= 18 | | | | | | | | |
|        | begin_group | g | Group | ${age} >= 18 | | | | | | | | |
|        | text | job | Job | | | | | yes | | | | |
|        | end_group | | | | | | | | | | | |
|        | calculate | double | | | ${age} * 2 | | | | | | | |
|        | integer | n | How many stops? | | | | | | | | | 2 |
|        | begin_repeat | stop | Stop | | | | | | | | ${n} | |
|        | integer | rating | Rating | | | . <= 3 | | | | | | |
|        | calculate | doubled | | | ${rating} * 2 | | | | | | | |
|        | calculate | pos | | | position(..) | | | | | | | |
|        | end_repeat | | | | | | | | | | | |
|        | calculate | total | | | sum(${rating}) | | | | | | | |
|        | select_one city | city | City | | | | | | | | | |
|        | select_one area | area | Area | | | | | | | city = ${city} | | |
|        | text | uses_blank | Uses | | concat('[', ${job}, ']') | | | | | | | |
| choices |
|         | list_name | name | label | city |
|         | yn | yes | Yes | |
|         | yn | no | No | |
|         | city | del | Delhi | |
|         | city | blr | Bengaluru | |
|         | area | saket | Saket | del |
|         | area | rohini | Rohini | del |
|         | area | jayanagar | Jayanagar | blr |
"""


@pytest.fixture
def session(write_form: Callable[[str], Path]) -> FormSession:
    return FormSession(load_form(write_form(FORM)))


def test_relevance_hides_and_shows_live(session: FormSession) -> None:
    assert not session.node("adult_ok").is_relevant()
    session.set_value(session.node("age"), "30")
    assert session.node("adult_ok").is_relevant()
    assert session.node("job").is_relevant()  # inside a relevant group
    session.set_value(session.node("age"), "12")
    assert not session.node("job").is_relevant()  # the group is not relevant


def test_calculation_updates_live(session: FormSession) -> None:
    session.set_value(session.node("age"), "21")
    assert session.value("double") == "42"


def test_non_relevant_answer_reads_blank_and_is_not_saved(session: FormSession) -> None:
    session.set_value(session.node("age"), "30")
    session.set_value(session.node("job"), "nurse")
    assert session.value("uses_blank") == "[nurse]"
    session.set_value(session.node("age"), "10")
    assert session.value("uses_blank") == "[]"
    saved = instance_json(session)
    assert "job" not in saved and "adult_ok" not in saved
    assert "<job>" not in instance_xml(session)


def test_repeat_count_and_relative_references(session: FormSession) -> None:
    assert len(session.nodes_of(session.compiled.by_path[("data", "stop")])) == 2  # default 2
    session.set_value(session.node("rating", 1), "1")
    session.set_value(session.node("rating", 2), "3")
    assert session.value("doubled", 1) == "2"
    assert session.value("doubled", 2) == "6"
    assert [session.value("pos", i) for i in (1, 2)] == ["1", "2"]
    assert session.value("total") == "4"
    session.set_value(session.node("n"), "3")
    assert len(session.nodes_of(session.compiled.by_path[("data", "stop")])) == 3
    session.set_value(session.node("n"), "1")
    stops = session.nodes_of(session.compiled.by_path[("data", "stop")])
    assert len(stops) == 1
    assert session.value("total") == "1"


def test_choice_filter_follows_the_answer(session: FormSession) -> None:
    area = session.node("area")
    assert session.options(area) == []
    session.set_value(session.node("city"), "del")
    assert [c.name for c in session.options(area)] == ["saket", "rohini"]
    session.set_value(session.node("city"), "blr")
    assert [c.name for c in session.options(area)] == ["jayanagar"]


def test_required_and_constraint_use_the_forms_messages(session: FormSession) -> None:
    found = {p.name: p for p in problems(session)}
    assert found["age"].kind == "required"
    assert found["age"].message == "Please give the age"
    session.set_value(session.node("age"), "130")
    found = {p.name: p for p in problems(session)}
    assert found["age"].kind == "constraint"
    assert found["age"].message == "Age must be 0 to 119"
    session.set_value(session.node("age"), "30")
    found = {p.name: p for p in problems(session)}
    assert "age" not in found
    assert found["job"].kind == "required"
    assert found["job"].message == "This question is required."


def test_type_problems_name_the_question(session: FormSession) -> None:
    load_answers(session, {"age": "old", "city": "paris"})
    found = {p.name: p for p in problems(session)}
    assert found["age"].kind == "type" and "'old' is not a whole number" in found["age"].message
    assert found["city"].kind == "type" and "'paris' is not one of the choices" in \
        found["city"].message


def test_problems_in_repeats_carry_the_instance_path(session: FormSession) -> None:
    session.set_value(session.node("rating", 2), "9")
    bad = [p for p in problems(session) if p.name == "rating"]
    assert [p.path for p in bad] == ["/data/stop[2]/rating"]


def test_incremental_update_touches_only_dependents(session: FormSession) -> None:
    evaluated = session.recompute({("data", "city")}, include_changed=False)
    # 'area' only has a choice_filter, which is evaluated on demand: nothing to recompute
    assert evaluated == 0
    evaluated = session.recompute({("data", "age")}, include_changed=False)
    names = {"adult_ok", "g", "job", "double", "uses_blank"}
    assert evaluated == len(names)


def test_answers_round_trip_with_repeats(write_form: Callable[[str], Path]) -> None:
    form = load_form(write_form(FORM))
    session = FormSession(form)
    extra = load_answers(session, {"age": 40, "job": "driver", "n": 2,
                                   "stop": [{"rating": 2}, {"rating": 3}], "nope": 1})
    assert [p.name for p in extra] == ["nope"]
    saved = instance_json(session)
    # calculate questions are strings in ODK's instance; integers stay numbers
    assert saved["stop"] == [{"rating": 2, "doubled": "4", "pos": "1"},
                             {"rating": 3, "doubled": "6", "pos": "2"}]
    assert saved["total"] == "5"
    assert saved["double"] == "80"


def test_cycles_are_rejected_at_load(write_form: Callable[[str], Path]) -> None:
    from fieldsafe.forms.errors import FormLoadError

    path = write_form("""
    | survey |
    |        | type | name | label | calculation |
    |        | calculate | a | | ${b} + 1 |
    |        | calculate | b | | ${a} + 1 |
    """)
    with pytest.raises(FormLoadError) as info:
        load_form(path)
    assert "sheet 'survey' row 2" in str(info.value) or "row 3" in str(info.value)
    assert "depends on itself" in str(info.value)


NESTED = """
| survey |
|        | type | name | label | calculation | relevant |
|        | begin_repeat | street | Street | | |
|        | text | street_name | Name | | |
|        | begin_repeat | lamp | Lamp | | |
|        | integer | watts | Watts | | |
|        | calculate | label_here | | concat(../../street_name, '#', position(..)) | |
|        | end_repeat | | | | |
|        | calculate | street_watts | | sum(../lamp/watts) | |
|        | text | why_dark | Why dark? | | ${street_watts} < 100 |
|        | end_repeat | | | | |
|        | calculate | all_watts | | sum(${watts}) | |
|        | calculate | first_label | | jr:itext('/data/street/street_name:label') | |
"""


def test_nested_repeats_with_relative_references(write_form: Callable[[str], Path]) -> None:
    session = FormSession(load_form(write_form(NESTED)))
    load_answers(session, {"street": [
        {"street_name": "MG Road", "lamp": [{"watts": 60}, {"watts": 80}]},
        {"street_name": "Lane 2", "lamp": [{"watts": 40}]}]})
    saved = instance_json(session)
    first, second = saved["street"]
    assert first["street_watts"] == "140" and "why_dark" not in first
    assert second["street_watts"] == "40" and "why_dark" in second
    assert [lamp["label_here"] for lamp in first["lamp"]] == ["MG Road#1", "MG Road#2"]
    assert second["lamp"][0]["label_here"] == "Lane 2#1"
    assert saved["all_watts"] == "180"
    assert saved["first_label"] == "Name"
    session.set_value(session.node("watts", 2, 1), "100")
    assert session.value("street_watts", 2) == "100"
    assert session.value("all_watts") == "240"
    assert not session.node("why_dark", 2).is_relevant()


def test_a_number_of_the_wrong_type_is_kept_as_typed(write_form: Callable[[str], Path]) -> None:
    """"1e2" is no whole number (JavaRosa's parseInt refuses it): the check says so, and
    the saved answer is what was typed, not 100 behind the check's back."""
    form = load_form(write_form("""
        | survey |
        | | type | name | label |
        | | integer | n | N |
        | | decimal | d | D |
    """))
    session = FormSession(form)
    assert load_answers(session, {"n": "1e2", "d": "1e2"}) == []
    assert [p.kind for p in problems(session) if p.name == "n"] == ["type"]
    saved = instance_json(session)
    assert (saved["n"], saved["d"]) == ("1e2", 100.0)
    session.set_value(session.node("n"), "+5")
    assert instance_json(session)["n"] == 5


def test_an_object_is_no_answer(write_form: Callable[[str], Path]) -> None:
    form = load_form(write_form("""
        | survey |
        | | type | name | label |
        | | text | area | Area |
        | | select_multiple yn | many | Many |
        | choices |
        | | list_name | name | label |
        | | yn | yes | Yes |
    """))
    session = FormSession(form)
    found = load_answers(session, {"area": {"street": "MG Road"}, "many": [{"a": 1}]})
    assert [(p.name, p.kind) for p in found] == [("area", "type"), ("many", "type")]
    assert "'area': an answer is text" in found[0].message
    saved = instance_json(session)
    assert (saved["area"], saved["many"]) == ("", "")  # nothing of the objects was taken


def test_a_sum_of_thousands_of_answers_evaluates(write_form: Callable[[str], Path]) -> None:
    """The evaluator works through a left-leaning chain in a loop: a flat sum of 3,000
    terms (a recursion once per term would exceed Python's stack) has its value, and
    short-circuit 'or' and 'and' chains keep their meaning."""
    terms = " + ".join(["${n}"] * 3000)
    either = " or ".join(["${n} = 7"] * 600 + ["${n} = 2"])
    form = load_form(write_form(f"""
        | survey |
        | | type | name | label | calculation |
        | | integer | n | N | |
        | | calculate | total | | {terms} |
        | | calculate | any | | {either} |
        | | calculate | mixed | | ${{n}} > 1 and ${{n}} < 3 or ${{n}} = 9 |
    """))
    session = FormSession(form)
    session.set_value(session.node("n"), "2")
    assert (session.value("total"), session.value("any"), session.value("mixed")) == (
        "6000", "true", "true")
    session.set_value(session.node("n"), "5")
    assert (session.value("any"), session.value("mixed")) == ("false", "false")
