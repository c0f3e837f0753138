"""The audit report: a real PDF, read back with pypdf."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from fieldsafe.errors import UserError
from fieldsafe.services.actions import add_action
from fieldsafe.services.audit_queries import list_audits
from fieldsafe.services.audits import new_audit
from fieldsafe.services.reports import audit_report
from fieldsafe.services.workspace import Workspace
from tests.conftest import CORPUS, ROOT
from tests.pdf_checks import embedded_truetype_fonts, fonts_not_embedded

HOSTILE = "Lamp <b>& broken</b> near <para> the gate"
RTL = "مصباح الشارع مكسور · פנס הרחוב שבור 🚨🔦"


def _pages(path: Path) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(path).pages]


def _flat(texts: list[str]) -> str:
    return re.sub(r"\s+", " ", " ".join(texts))


def _images(path: Path) -> int:
    count = 0
    for page in PdfReader(path).pages:
        xobjects = page["/Resources"].get("/XObject") or {}
        count += sum(1 for x in xobjects.values() if x.get_object()["/Subtype"] == "/Image")
    return count


@pytest.fixture
def walk(workspace: Workspace, walk_answers: dict[str, Any]) -> str:
    answers = dict(walk_answers)
    findings = [dict(f) for f in answers["finding"]]  # type: ignore[union-attr]
    findings[0]["f_note"] = HOSTILE
    findings[2]["f_note"] = RTL
    answers["finding"] = findings
    result = new_audit(workspace, "womens_safety_walk", answers,
                       photos={"finding[1]/f_photo1": CORPUS / "photos" / "exifpy__DSCN0010.jpg"},
                       finalize=True)
    assert result.status == "finalized", result.problems
    add_action(workspace, result.id, 3, priority="urgent", target=date(2027, 3, 1),
               agency="Ward engineer")
    return result.id


def test_walk_report(workspace: Workspace, walk: str, walk_answers: dict[str, Any],
                     tmp_path: Path) -> None:
    add_action(workspace, walk, 2, target=date(2020, 1, 31), agency="Traffic police")
    out = audit_report(workspace, walk, tmp_path / "walk.pdf")
    assert out == tmp_path / "walk.pdf"
    texts = _pages(out)
    assert len(texts) >= 3
    for number, text in enumerate(texts, 1):
        assert f"page {number} of {len(texts)}" in text
    flat = _flat(texts)
    assert HOSTILE in flat  # the markup printed literally
    for finding in walk_answers["finding"][1:2]:  # type: ignore[index]
        assert finding["f_note"] in flat
    # the action plan row: finding 3 -> its recommendation -> agency -> priority -> date
    assert re.search(r"3 Cover the drain with slabs and paint the edge\. Ward engineer urgent "
                     r"2027-03-01 open", flat), flat
    assert re.search(r"2 Mark a bay for the stand off the footpath\. Traffic police medium "
                     r"2020-01-31 open \(overdue\)", flat), flat  # past its target date
    # the appendix: labels with their answers, choices by label
    assert "Neighbourhood or area audited Shivajinagar ward 92, Bengaluru" in flat
    assert "Weather during the walk Clear" in flat
    assert "How many people took part in the walk? 8" in flat
    assert "Scores" in flat and "Overall score" in flat
    assert "How it is computed: The average of the answered ratings from 1 (worst)" in flat
    assert "19:30" in flat and "19:30:00" not in flat  # a time as people write it
    # the map does not number segments: a finding's segment is told in metres walked
    assert re.search(r"Route segment \d+ \(\d+–\d+ m from the start of the route\)", flat)
    # the form's own calculations (no label) and its metadata are not answers
    appendix = flat[flat.index("Appendix: all answers"):]
    for internal in ("rated_n", "safety_score", "n_findings", "instanceName", "instanceID"):
        assert internal not in appendix
    assert _images(out) >= 1
    embedded = {n.split("+")[-1] for n in embedded_truetype_fonts(out)}
    assert {"DejaVuSans", "DejaVuSans-Bold"} <= embedded
    assert fonts_not_embedded(out) == set()  # no Helvetica left for the viewer to supply
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


def test_walk_report_in_french_on_letter(workspace: Workspace, walk: str,
                                         tmp_path: Path) -> None:
    add_action(workspace, walk, 1)  # its agency from the finding: "Utilities (...)"
    out = audit_report(workspace, walk, tmp_path / "walk-fr.pdf", language="fr",
                       paper="letter")
    reader = PdfReader(out)
    assert round(float(reader.pages[0].mediabox.width)) == 612
    flat = _flat(_pages(out))
    assert "Quartier ou secteur audité" in flat
    plan = flat[flat.index("Plan d’action"):]
    assert "Services publics (électricité, eau, égouts)" in plan  # the form's own word
    assert "Utilities" not in plan and "Ward engineer" in plan  # typed in: as typed
    with pytest.raises(UserError, match="no language 'xx'"):
        audit_report(workspace, walk, tmp_path / "x.pdf", language="xx")
    assert not (tmp_path / "x.pdf").exists()


def test_walk_report_words_follow_lang(workspace: Workspace, walk: str,
                                      tmp_path: Path) -> None:
    from fieldsafe.services.map_data import audit_map

    out = audit_report(workspace, walk, tmp_path / "walk-fr.pdf", language="French (fr)")
    texts = _pages(out)
    flat = _flat(texts)
    for number, text in enumerate(texts, 1):
        assert f"page {number} sur {len(texts)}" in text
    for text in ("Rapport d’audit", "Campagne", "Jour ou nuit", "Itinéraire", "Score global",
                 "Paramètre", "Constats (3)", "Constat 1 : Éclairage", "Gravité",
                 "Organisme responsable", "Plan d’action", "Échéance", "Priorité",
                 "Annexe : toutes les réponses", "Question Réponse", "Quartier ou secteur audité"):
        assert text in flat, text
    for text in ("Audit report", "Findings (", "Finding 1", "Severity", "Action plan",
                 "Target date", "Appendix", "page 1 of", "Overall score", "Responsible",
                 "higher is better", "Neighbourhood or area audited"):
        assert text not in flat, text
    assert re.search(r"3 Cover the drain with slabs and paint the edge\. Ward engineer urgente "
                     r"2027-03-01 ouverte", flat), flat
    english = audit_map(workspace, walk).findings
    french = audit_map(workspace, walk, "fr").findings
    assert [f.category for f in french] == [f.category for f in english]
    for en, fr in zip(english, french, strict=True):
        assert fr.category_label in flat and fr.agency in flat
        if en.category_label != fr.category_label:
            assert en.category_label not in flat
    assert english[1].category_label == french[1].category_label  # "other": the text given


def test_lang_overrides_the_ambient_language(workspace: Workspace, walk: str,
                                             tmp_path: Path) -> None:
    from fieldsafe.i18n import _, using_language

    before = _("Action plan")
    with using_language("fr"):  # as FIELDSAFE_LANG=fr would
        plain = _flat(_pages(audit_report(workspace, walk, tmp_path / "a.pdf")))
        english = _flat(_pages(audit_report(workspace, walk, tmp_path / "b.pdf",
                                            language="en")))
        assert _("Action plan") == "Plan d’action"
    assert _("Action plan") == before
    assert "Plan d’action" in plain and "Action plan" not in plain
    assert "Neighbourhood or area audited" in plain  # the form's own default language
    assert "Action plan" in english and "Plan d’action" not in english


def test_demo_audit_with_findings_and_photos(tmp_path: Path) -> None:
    from fieldsafe.services.demo import build_demo
    from fieldsafe.services.map_data import audit_map

    ws = Workspace(tmp_path / "ws")
    try:
        build_demo(ws, audits=12, photos=4, photo_megapixels=0.3, seed=2)
        chosen = next(r["id"] for r in list_audits(ws) if r["photos"] > 0)
        findings = audit_map(ws, chosen).findings
        assert findings and any(f.photos for f in findings)
        out = audit_report(ws, chosen, tmp_path / "demo.pdf")
        flat = _flat(_pages(out))
        for finding in findings:
            assert finding.note in flat
        assert _images(out) >= 1
        assert "Basemap: Demo street grid drawn by FieldSafe" in flat
        assert fonts_not_embedded(out) == set()  # the map's labels and the tables' too
    finally:
        ws.close()


def test_sensitive_answers_only_when_asked(workspace: Workspace, tmp_path: Path) -> None:
    result = new_audit(workspace, "community_safety_survey", {
        "consent": "yes", "demo_consent": "yes", "followup": "yes",
        "resp_name": "Priya Secretname"})
    plain = _flat(_pages(audit_report(workspace, result.id, tmp_path / "a.pdf")))
    assert "Do you agree to take part? Yes" in plain
    assert "Secretname" not in plain and "Name (optional)" not in plain
    full = _flat(_pages(audit_report(workspace, result.id, tmp_path / "b.pdf",
                                     include_sensitive=True)))
    assert "Name (optional) Priya Secretname" in full


def test_bad_id_and_unwritable_path(workspace: Workspace, walk: str, tmp_path: Path) -> None:
    with pytest.raises(UserError):
        audit_report(workspace, "no-such-audit", tmp_path / "a.pdf")
    target = tmp_path / "missing" / "a.pdf"
    with pytest.raises(UserError, match="does not exist"):
        audit_report(workspace, walk, target)
    with pytest.raises(UserError, match="paper"):
        audit_report(workspace, walk, tmp_path / "a.pdf", paper="a3")
    assert list(tmp_path.glob("*.pdf")) == []


def test_a_failing_build_leaves_no_file(workspace: Workspace, walk: str, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    import fieldsafe.report.audit_report as module

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(module, "build_audit_report", broken)
    with pytest.raises(RuntimeError):
        audit_report(workspace, walk, tmp_path / "a.pdf")
    assert list(tmp_path.iterdir()) == [tmp_path / "ws"]


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    return subprocess.run([sys.executable, "-m", "fieldsafe.cli.main", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, env=env)


def test_cli_report_audit(workspace: Workspace, walk: str, tmp_path: Path) -> None:
    ws = str(workspace.root)
    workspace.close()
    out = tmp_path / "cli.pdf"
    done = _cli("--workspace", ws, "report", "audit", walk, "-o", str(out), "--paper",
                "letter")
    assert done.returncode == 0, done.stderr
    assert out.is_file() and out.read_bytes().startswith(b"%PDF")
    bad = _cli("--workspace", ws, "report", "audit", "nope", "-o", str(tmp_path / "x.pdf"))
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1, bad.stderr
    missing = tmp_path / "no" / "such" / "r.pdf"
    unwritable = _cli("--workspace", ws, "report", "audit", walk, "-o", str(missing))
    assert unwritable.returncode == 2
    assert len(unwritable.stderr.strip().splitlines()) == 1, unwritable.stderr
    assert "Traceback" not in unwritable.stderr + bad.stderr
    assert not (tmp_path / "x.pdf").exists() and not missing.parent.exists()
    assert [p.name for p in tmp_path.iterdir() if p.suffix == ".part"] == []


def test_the_report_file_is_readable_by_others(tmp_path: Path) -> None:
    import os
    import stat

    from fieldsafe.services.reports import write_atomically

    mask = os.umask(0o022)
    try:
        out = write_atomically(tmp_path / "r.pdf", lambda stream: stream.write(b"%PDF-1.4\n"))
    finally:
        os.umask(mask)
    assert stat.S_IMODE(out.stat().st_mode) == 0o644


def test_the_basemap_is_under_the_route(workspace: Workspace, tmp_path: Path) -> None:
    from pypdf import PdfReader

    from fieldsafe.services.audit_queries import list_audits
    from fieldsafe.services.demo import build_demo
    from fieldsafe.services.reports import audit_report

    build_demo(workspace, audits=6, photos=0, seed=9)
    walk = next(a["id"] for a in list_audits(workspace)
                if a["form_id"] == "womens_safety_walk" and a["photos"] == 0)
    out = audit_report(workspace, walk, tmp_path / "walk.pdf")
    pages = PdfReader(str(out)).pages
    data = b"".join(c.get_data() for page in pages if (c := page.get_contents()) is not None)
    # reportlab draws map pictures as inline images (BI ... ID ... EI) in the page's content.
    # No photos: the only picture is the basemap's, as wide as the route's extent needs at
    # the basemap's deepest zoom (a few hundred pixels for a walk of a few blocks).
    widths = [int(w) for w in re.findall(rb"BI\s*/W (\d+)", data)]
    assert widths and max(widths) >= 200, "the demo's MBTiles basemap is under the route map"


def test_a_site_audit_is_drawn_on_a_map(workspace: Workspace, tmp_path: Path) -> None:
    """A CPTED site walks no route: its map shows the site's location and outline, and the
    campaign map shows it as a square coloured by its score."""
    import json

    from fieldsafe.services.campaign_reports import campaign_report_data, pick_campaign
    from fieldsafe.services.campaigns import new_campaign
    from fieldsafe.services.reports import audit_report_data

    answers = json.loads((ROOT / "tests/data/instruments/cpted_site.answers.json")
                         .read_text(encoding="utf-8"))
    new_campaign(workspace, "Sites")
    site = new_audit(workspace, "cpted_site", answers, campaign="Sites", finalize=True)
    assert site.status == "finalized", site.problems
    data = audit_report_data(workspace, site.id)
    assert data.route_map is not None and not data.route_map.lines
    assert [(p.label, p.where) for p in data.route_map.places] == [
        ("Location of the site", (12.9763, 77.5929))]
    assert data.route_map.outlines == [[(12.9771, 77.5918), (12.9772, 77.5941),
                                        (12.9755, 77.5943), (12.9753, 77.592),
                                        (12.9771, 77.5918)]]
    flat = _flat(_pages(audit_report(workspace, site.id, tmp_path / "site.pdf")))
    assert "Location of the site" in flat
    assert "Black squares are the places the form located" in flat  # the map of a site
    campaign = campaign_report_data(workspace, pick_campaign(workspace, None))
    (square,) = campaign.route_map.places
    assert square.where == (12.9763, 77.5929) and square.colour != "#000000"
    assert campaign.route_map.bounds == ((12.9763, 77.5929), (12.9763, 77.5929))


def test_sigterm_while_writing_leaves_no_file(workspace: Workspace, walk: str,
                                              tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    """``kill`` during ``fieldsafe report``: handled as Ctrl+C, so the temporary file goes
    and the command says so and exits with 128 + SIGTERM."""
    import signal

    from fieldsafe.cli.main import main
    from fieldsafe.report import audit_report as builder

    def killed_halfway(data: object, out: Any, paper: str = "a4") -> None:
        out.write(b"%PDF-1.4\n% half a report\n")
        os.kill(os.getpid(), signal.SIGTERM)
        out.write(b"never written\n")

    monkeypatch.setattr(builder, "build_audit_report", killed_halfway)
    before = signal.getsignal(signal.SIGTERM)
    out = tmp_path / "out"
    out.mkdir()
    code = main(["--workspace", str(workspace.root), "report", "audit", walk, "-o",
                 str(out / "walk.pdf")])
    assert code == 128 + signal.SIGTERM
    assert "fieldsafe: terminated" in capsys.readouterr().err
    assert list(out.iterdir()) == []  # no report and no temporary file
    assert signal.getsignal(signal.SIGTERM) == before  # put back as it was


def test_a_basemap_outside_the_campaign_is_credited_too(workspace: Workspace,
                                                         walk_answers: dict[str, Any],
                                                         tmp_path: Path) -> None:
    """An audit in no campaign, over the workspace's basemap: the picture and its credit."""
    from fieldsafe.services.demo import build_demo
    from fieldsafe.services.reports import audit_report_data

    build_demo(workspace, audits=2, photos=0, seed=9)
    demo_route = "12.9700 77.5900 0 5;12.9700 77.5915 0 5"  # inside the demo's street grid
    result = new_audit(workspace, "womens_safety_walk",
                       {**walk_answers, "route": demo_route, "finding": []}, finalize=True)
    data = audit_report_data(workspace, result.id)
    assert data.campaign == ""
    assert data.route_map is not None and data.route_map.backdrop is not None
    assert data.route_map.attribution == "Basemap: Demo street grid drawn by FieldSafe"


def test_a_survey_without_findings_wastes_no_page_on_empty_sections(
        workspace: Workspace, tmp_path: Path) -> None:
    """No findings and no action items: their headings and one line each share a page
    with the appendix, instead of a page of their own before it."""
    result = new_audit(workspace, "community_safety_survey", {
        "consent": "yes", "demo_consent": "yes", "followup": "no"})
    pages = _pages(audit_report(workspace, result.id, tmp_path / "survey.pdf"))
    holding = [k for k, text in enumerate(pages) if "Findings (0)" in text]
    assert holding and "Appendix: all answers" in pages[holding[0]]
    assert "No action items have been made" in pages[holding[0]]
