"""``fieldsafe conflicts list``: where two sides' findings differ, item by item."""

from __future__ import annotations

from fieldsafe.cli.conflict_commands import _item_differences


def test_repeats_of_one_length_show_which_answers_differ() -> None:
    a = [{"f_cat": "lighting", "f_photo2": "pA.jpg"}, {"f_cat": "drain", "f_note": "Open"}]
    b = [{"f_cat": "lighting", "f_photo2": "pB.jpg"}, {"f_cat": "drain", "f_note": "Open"}]
    assert _item_differences([a, b]) == [("1 / f_photo2", "pA.jpg | pB.jpg")]


def test_an_item_on_one_side_only_and_plain_answers() -> None:
    a = [{"f_cat": "lighting"}]
    b = [{"f_cat": "lighting"}, {"f_cat": "drain"}]
    assert _item_differences([a, b]) == [("2 / f_cat", "— | drain")]
    assert _item_differences(["Seen by A", "Seen by B"]) == []
