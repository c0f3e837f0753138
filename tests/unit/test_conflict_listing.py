"""``fieldsafe conflicts list``: where two sides' findings differ, item by item."""

from __future__ import annotations

from types import SimpleNamespace

from fieldsafe.cli.conflict_commands import _item_differences, _values


def test_repeats_of_one_length_show_which_answers_differ() -> None:
    a = [{"f_cat": "lighting", "f_photo2": "pA.jpg"}, {"f_cat": "drain", "f_note": "Open"}]
    b = [{"f_cat": "lighting", "f_photo2": "pB.jpg"}, {"f_cat": "drain", "f_note": "Open"}]
    assert _item_differences([a, b]) == [("1 / f_photo2", "pA.jpg | pB.jpg")]


def test_an_item_on_one_side_only_and_plain_answers() -> None:
    a = [{"f_cat": "lighting"}]
    b = [{"f_cat": "lighting"}, {"f_cat": "drain"}]
    assert _item_differences([a, b]) == [("2 / f_cat", "— | drain")]
    # an empty answer on one side and none on the other are the same
    assert _item_differences([[{"f_photo2": ""}], [{}]]) == []
    assert _item_differences(["Seen by A", "Seen by B"]) == []


def test_values_say_what_was_not_sent_and_tell_long_values_apart() -> None:
    route = "12.968344 77.591281 900 5;12.968344 77.590175 900 5;" * 3
    full = SimpleNamespace(redacted=False, answers={"route": route + "x", "bands": "women"})
    redacted = SimpleNamespace(redacted=True, answers={"route": route + "y"})
    text = _values([full, redacted], "route")
    first, second = text.split(" | ")
    assert first != second and "#" in first  # they shorten alike: a fingerprint each
    assert _values([full, redacted], "bands") == "women | (sensitive: not sent)"
