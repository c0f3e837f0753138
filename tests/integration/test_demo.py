"""The demo workspace: every built-in instrument has audits sent in, as the README says."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from fieldsafe.services.audit_queries import list_audits
from fieldsafe.services.demo import build_demo
from fieldsafe.services.workspace import Workspace


def test_every_instrument_has_finalized_audits(tmp_path: Path) -> None:
    """The survey asks for a phone number when the respondent agrees to be contacted; the
    demo invents no personal details, so its respondents decline, and their answers can be
    finalized like the walks' (once, none ever was)."""
    ws = Workspace(tmp_path / "ws")
    try:
        build_demo(ws, audits=40, photos=0, seed=1)
        audits = list_audits(ws)
    finally:
        ws.close()
    finalized = Counter(a["form_id"] for a in audits if a["status"] == "finalized")
    assert set(finalized) == {a["form_id"] for a in audits} and len(finalized) == 5
    assert finalized["community_safety_survey"] >= 2
    assert sum(finalized.values()) >= 0.7 * len(audits)


def test_a_stopped_demo_says_what_is_left(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    """Ctrl+C part-way: the audits made so far stay (each was saved), so the command says
    so and where to make the demo again, and exits as interrupted."""
    from fieldsafe.cli.main import main
    from fieldsafe.services import demo

    def stopped(*_args: object, **_kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(demo, "build_demo", stopped)
    assert main(["--workspace", str(tmp_path / "ws"), "demo"]) == 130
    err = capsys.readouterr().err
    assert "the demo was stopped part-way" in err and "in a new workspace folder" in err
