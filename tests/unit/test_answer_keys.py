"""Answer keys: a name unique in its scope is its own key, names two groups share are keyed by
their group paths, and answers are read and written by key."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from fieldsafe.forms.answers import instance_json, load_answers
from fieldsafe.forms.errors import FormLoadError
from fieldsafe.forms.keys import element_at, locate, split_path, top_key
from fieldsafe.forms.loader import load_form
from fieldsafe.forms.model import FormDef
from fieldsafe.forms.session import FormSession
from tests.conftest import FORMS

WriteForm = Callable[..., Path]

TWO_GROUPS = """
| survey |
| | type | name | label |
| | begin_group | a | Section A |
| | text | comments | Comments A |
| | end_group | | |
| | begin_group | b | Section B |
| | text | comments | Comments B |
| | end_group | | |
"""

IN_A_REPEAT = """
| survey |
| | type | name | label |
| | text | comments | Overall comments |
| | begin_repeat | stop | Stop |
| | begin_group | a | Section A |
| | text | comments | Comments A |
| | end_group | | |
| | begin_group | b | Section B |
| | text | comments | Comments B |
| | integer | count | Count |
| | end_group | | |
| | end_repeat | | |
"""

REPEAT_AND_QUESTION = """
| survey |
| | type | name | label |
| | begin_group | g1 | One |
| | begin_repeat | items | Items |
| | text | what | What |
| | end_repeat | | |
| | end_group | | |
| | begin_group | g2 | Two |
| | integer | items | How many items |
| | end_group | | |
"""

NESTED = """
| survey |
| | type | name | label |
| | begin_group | outer | Outer |
| | begin_group | inner | Inner |
| | text | comments | Inner comments |
| | end_group | | |
| | text | remark | Remark |
| | end_group | | |
| | begin_group | b | B |
| | text | comments | B comments |
| | end_group | | |
| | text | remark_2 | Another remark |
"""

ROOT_AND_GROUP = """
| survey |
| | type | name | label |
| | text | comments | Comments |
| | begin_group | b | Section B |
| | text | comments | Comments B |
| | end_group | | |
"""


def keys(form: FormDef) -> dict[str, str]:
    """Answer key of every question and repeat by its XPath."""
    return {"/" + "/".join(e.path): e.answer_key for e in form.elements()
            if e.kind in ("question", "repeat")}


@pytest.mark.parametrize("name", ["walkability.md", "womens_safety_walk.md", "cpted_site.md",
                                  "safetipin_rating.md", "community_safety_survey.md"])
def test_unique_names_keep_bare_keys(name: str) -> None:
    form = load_form(FORMS / name, xform=False)
    assert any(e.kind == "group" for e in form.elements())
    assert all(e.answer_key == e.name for e in form.elements())


def test_a_name_in_the_root_and_in_a_repeat_is_no_collision(write_form: WriteForm) -> None:
    form = load_form(write_form("""
        | survey |
        | | type | name | label |
        | | text | note_text | Note |
        | | begin_repeat | stop | Stop |
        | | begin_group | g | G |
        | | text | note_text | Note at the stop |
        | | end_group | | |
        | | end_repeat | | |
        """))
    assert keys(form) == {"/data/note_text": "note_text", "/data/stop": "stop",
                          "/data/stop/g/note_text": "note_text",
                          "/data/meta/instanceID": "instanceID"}


def test_names_two_groups_share_are_keyed_by_group_path(write_form: WriteForm) -> None:
    form = load_form(write_form(TWO_GROUPS))
    assert keys(form) == {"/data/a/comments": "a/comments", "/data/b/comments": "b/comments",
                          "/data/meta/instanceID": "instanceID"}
    assert set(form.by_key()) == {"a/comments", "b/comments", "instanceID"}


def test_a_root_question_and_a_group_question_of_one_name(write_form: WriteForm) -> None:
    form = load_form(write_form(ROOT_AND_GROUP))
    assert keys(form)["/data/comments"] == "comments"  # no group between it and the root
    assert keys(form)["/data/b/comments"] == "b/comments"


def test_collisions_inside_a_repeat_are_keyed_within_it(write_form: WriteForm) -> None:
    form = load_form(write_form(IN_A_REPEAT))
    assert keys(form) == {
        "/data/comments": "comments", "/data/stop": "stop",
        "/data/stop/a/comments": "a/comments", "/data/stop/b/comments": "b/comments",
        "/data/stop/b/count": "count", "/data/meta/instanceID": "instanceID"}


def test_a_repeat_and_a_question_of_one_name(write_form: WriteForm) -> None:
    form = load_form(write_form(REPEAT_AND_QUESTION))
    assert keys(form) == {"/data/g1/items": "g1/items", "/data/g1/items/what": "what",
                          "/data/g2/items": "g2/items", "/data/meta/instanceID": "instanceID"}


def test_nested_groups_give_their_whole_path(write_form: WriteForm) -> None:
    form = load_form(write_form(NESTED))
    found = keys(form)
    assert found["/data/outer/inner/comments"] == "outer/inner/comments"
    assert found["/data/b/comments"] == "b/comments"
    assert found["/data/outer/remark"] == "remark"
    assert found["/data/remark_2"] == "remark_2"


def test_answers_round_trip_by_key(write_form: WriteForm) -> None:
    form = load_form(write_form(IN_A_REPEAT))
    session = FormSession(form)
    given = {"comments": "overall",
             "stop": [{"a/comments": "dark", "b/comments": "no bench", "count": 2},
                      {"a/comments": "bright", "b/comments": ""}]}
    assert load_answers(session, given) == []
    saved = instance_json(session)
    assert saved["comments"] == "overall"
    assert saved["stop"] == [{"a/comments": "dark", "b/comments": "no bench", "count": 2},
                             {"a/comments": "bright", "b/comments": "", "count": ""}]
    assert session.value("a/comments", 2) == "bright"
    assert session.value("b/comments", 1) == "no bench"
    assert session.node(form.by_name()["count"], 1).value == "2"


def test_a_bare_shared_name_is_not_a_key_but_old_saves_still_load(
        write_form: WriteForm) -> None:
    form = load_form(write_form(TWO_GROUPS))
    session = FormSession(form)
    # Before answer keys both questions were saved under "comments" (one value for both):
    # such an audit still opens, each question showing that value, and is saved by key.
    assert load_answers(session, {"comments": "old"}) == []
    assert {k: v for k, v in instance_json(session).items() if k != "instanceID"} == {
        "a/comments": "old", "b/comments": "old"}
    fresh = FormSession(form)
    assert load_answers(fresh, {"comments": "old", "b/comments": "new"}) == []
    assert instance_json(fresh)["b/comments"] == "new"  # its own key wins
    assert instance_json(fresh)["a/comments"] == "old"
    # Where one of them sits in the root, "comments" is that one's key, and only its.
    root = FormSession(load_form(write_form(ROOT_AND_GROUP, "root.md")))
    assert load_answers(root, {"comments": "mine"}) == []
    assert instance_json(root)["b/comments"] == ""
    wrong = load_answers(FormSession(form), {"a/nothing": "x"})
    assert [p.name for p in wrong] == ["a/nothing"]


def test_an_ambiguous_reference_is_refused_as_pyxform_does(write_form: WriteForm) -> None:
    with pytest.raises(FormLoadError) as info:
        load_form(write_form(TWO_GROUPS.rstrip() + "\n| | note | echo | You said ${comments} |\n"))
    assert "Reference variables names must be unique anywhere in the 'survey'" in str(
        info.value)
    assert "The name 'comments' appears more than once" in str(info.value)
    with pytest.raises(FormLoadError):  # a name in the root and in a repeat is ambiguous too
        load_form(write_form(IN_A_REPEAT.rstrip() + "\n| | note | echo | ${comments} |\n",
                             "repeat.md"), xform=False)


def test_question_paths(write_form: WriteForm) -> None:
    assert split_path("findings[2]/photo") == [("findings", 2), ("photo", None)]
    assert split_path("a/items[10]/b/photo") == [("a/items", 10), ("b/photo", None)]
    assert split_path("a/photo") == [("a/photo", None)]
    assert split_path("stop[1]") == [("stop", 1)]
    assert (top_key("a/items[2]/b/photo"), top_key("a/photo"), top_key("f[1]/x")) == (
        "a/items", "a/photo", "f")
    form = load_form(write_form(IN_A_REPEAT))
    found = locate(form, "stop[3]/b/comments")
    assert found is not None and found[0].path == ("data", "stop", "b", "comments")
    assert found[1] == [3]
    assert locate(form, "stop[1]/comments") is None  # two questions: give the group
    assert locate(form, "stop/a/comments") is None
    element = element_at(form, "stop[1]/count")
    assert element is not None and element.path == ("data", "stop", "b", "count")
