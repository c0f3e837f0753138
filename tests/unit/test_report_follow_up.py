"""The campaign report's follow-up table says why no parameter is named as changed."""

from __future__ import annotations

import io
from types import SimpleNamespace

from pypdf import PdfReader

from fieldsafe.report.campaign_data import FollowUp, PairRow
from fieldsafe.report.campaign_report import _follow_up
from fieldsafe.report.page import build
from fieldsafe.report.text import styles


def _text(follow_up: list[FollowUp]) -> str:
    data = SimpleNamespace(follow_up=follow_up, follow_up_left_out=0)
    out = io.BytesIO()
    build(out, _follow_up(data, styles(), 480), paper="a4",  # type: ignore[arg-type]
          title="t", subtitle="s", footer="f")
    return " ".join((p.extract_text() or "") for p in PdfReader(out).pages).replace("\n", " ")


def test_a_change_with_no_parameter_behind_it_says_why() -> None:
    overall = PairRow("Overall score", 0.24, 0.37, 4, "a → b")
    lighting = PairRow("Lighting", 0.2, 1.0, 2, "c → d")
    flat = PairRow("Lighting", 0.5, 0.5, 2, "e → f")
    unrated = PairRow("Lighting", None, 0.5, 0, "g → h")
    text = _text([FollowUp("a → b", overall, []), FollowUp("c → d", overall, [lighting]),
                  FollowUp("e → f", overall, [flat]), FollowUp("g → h", overall, [unrated])])
    assert "+0.13 better" in text
    assert "no parameter rated on these segments in both walks" in text  # a → b, g → h
    assert text.count("no parameter rated on these segments in both walks") == 2
    assert "Lighting +0.80" in text  # c → d
    assert "no parameter changed" in text  # e → f
