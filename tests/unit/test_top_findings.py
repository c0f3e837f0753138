"""The campaign report's top findings: most severe first, evidence first among equals."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

from fieldsafe.services.campaign_reports import TOP_FINDINGS, _top_findings
from fieldsafe.services.map_types import MapFinding


def _finding(number: int, severity: float | None, photos: list[str]) -> MapFinding:
    return MapFinding("audit", number, None, "lighting", "Poor lighting", severity,
                      None if severity is None else severity * 4, (0.0, 4.0), photos,
                      f"note {number}", "", "", None, None, "night", "walk", "Walk")


def _workspace(folder: Path, cached: set[str]) -> Any:
    for sha in cached:
        (folder / sha).write_bytes(b"jpeg")
    return SimpleNamespace(media=SimpleNamespace(thumbnail_path=lambda sha: folder / sha))


def test_evidence_first_among_equally_severe(tmp_path: Path) -> None:
    # twelve findings of the highest severity: only the last two have a cached thumbnail,
    # one has a photo whose thumbnail is missing; then a less severe one with a photo
    findings = [_finding(k, 1.0, []) for k in range(1, 10)]
    findings += [_finding(10, 1.0, ["missing"]), _finding(11, 1.0, ["a"]),
                 _finding(12, 1.0, ["b", "c"]), _finding(13, 0.5, ["d"]),
                 _finding(14, None, [])]
    top, tied = _top_findings(_workspace(tmp_path, {"a", "b", "c", "d"}), findings)
    assert len(top) == TOP_FINDINGS
    assert tied == 2  # findings 9 and 10 are as severe as the last shown, and left out
    assert [t.note for t in top[:2]] == ["note 11", "note 12"]
    assert top[0].thumbnail == tmp_path / "a" and top[1].thumbnail == tmp_path / "b"
    # then the other most severe ones, oldest first; nothing less severe makes the ten
    assert [t.note for t in top[2:]] == [f"note {k}" for k in range(1, 9)]
    assert all(t.thumbnail is None for t in top[2:])


def test_unrated_findings_come_last(tmp_path: Path) -> None:
    top, tied = _top_findings(_workspace(tmp_path, {"a"}),
                              [_finding(1, None, ["a"]), _finding(2, 0.0, [])])
    assert [t.note for t in top] == ["note 2", "note 1"] and tied == 0
