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


def test_the_demo_hangs_together(tmp_path: Path) -> None:
    """What an official reads in the demo makes sense: a finding's note, recommendation and
    agency fit its category; a site audit's findings lie on its site; a street walked again
    (by night, or months later) is named as the same place."""
    import math

    from fieldsafe.services.audit_queries import show_audit
    from fieldsafe.services.campaigns import list_campaigns
    from fieldsafe.services.demo_answers import _FITS
    from fieldsafe.services.map_data import campaign_findings
    from fieldsafe.services.map_sites import campaign_sites

    ws = Workspace(tmp_path / "ws")
    try:
        build_demo(ws, audits=40, photos=0, seed=1)
        campaign = str(list_campaigns(ws)[0]["id"])
        findings = campaign_findings(ws, campaign)
        sites = {s.audit_id: s.location for s in campaign_sites(ws, campaign)}
        walks = [answers for a in list_audits(ws)
                 if "route" in (answers := show_audit(ws, a["id"])["answers"])
                 and "area" in answers]
    finally:
        ws.close()
    fitting = [f for f in findings if f.category in _FITS]
    assert len(fitting) >= 20
    for f in fitting:
        notes, recommendations, _agency = _FITS[f.category]
        assert f.note in notes and f.recommendation in recommendations, f
        assert ("at night" not in f.note) if f.period == "day" else ("at midday" not in f.note)
    on_site = [f for f in findings if f.audit_id in sites and f.location is not None]
    assert on_site
    for f in on_site:
        (lat, lon), (site_lat, site_lon) = f.location, sites[f.audit_id]
        metres = math.hypot((lat - site_lat) * 111_320,
                            (lon - site_lon) * 111_320 * math.cos(math.radians(lat)))
        assert metres < 40, (f, metres)  # within the site's 44 m square
    # one route walked again (by night, or months later) is named as the same place
    area_of: dict[str, set[str]] = {}
    for answers in walks:
        area_of.setdefault(str(answers["route"]), set()).add(str(answers["area"]))
    assert any(len(v) for v in area_of.values()) and len(area_of) < len(walks)  # re-walks
    assert all(len(areas) == 1 for areas in area_of.values()), area_of
