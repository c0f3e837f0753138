"""Keep both sides of a repeat in a conflict: the items are joined and their files follow."""

from __future__ import annotations

from datetime import datetime

from fieldsafe.services.audit_content import FileAnswer
from fieldsafe.services.conflicts import Side, _both


def _side(name: str, items: list[dict[str, str]], files: dict[str, FileAnswer]) -> Side:
    return Side(name, name, name, "", "", "finalized", datetime(2026, 11, 20),
                {"finding": items}, files)


def test_the_files_of_item_ten_stay_with_item_ten() -> None:
    ours = [{"note": "ours 1"}]
    our_files = {"finding[1]/photo": FileAnswer("one.jpg", "1" * 64)}
    theirs = [{"note": f"theirs {k}"} for k in range(1, 11)]
    their_files = {"finding[1]/photo": FileAnswer("t1.jpg", "a" * 64),
                   "finding[10]/photo": FileAnswer("t10.jpg", "b" * 64)}
    out: dict[str, FileAnswer] = {}
    merged = _both("finding", [_side("a", ours, our_files), _side("b", theirs, their_files)],
                   out)
    assert [m["note"] for m in merged] == ["ours 1", *(f"theirs {k}" for k in range(1, 11))]
    # their item 1 is now item 2 and their item 10 item 11: each file follows its own item
    assert out == {"finding[1]/photo": our_files["finding[1]/photo"],
                   "finding[2]/photo": their_files["finding[1]/photo"],
                   "finding[11]/photo": their_files["finding[10]/photo"]}
