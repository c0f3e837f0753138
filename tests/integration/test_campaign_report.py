"""The campaign report: a real PDF of the demo campaign, read back with pypdf."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader

from fieldsafe.errors import UserError
from fieldsafe.services.actions import list_actions
from fieldsafe.services.campaign_reports import campaign_report
from fieldsafe.services.campaigns import new_campaign
from fieldsafe.services.map_data import campaign_findings
from fieldsafe.services.workspace import Workspace
from tests.conftest import ROOT
from tests.pdf_checks import fonts_not_embedded

DEMO = "Demo campaign (seed 5)"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    from fieldsafe.services.demo import build_demo

    root = tmp_path_factory.mktemp("campaign") / "ws"
    ws = Workspace(root)
    try:
        build_demo(ws, audits=30, photos=6, photo_megapixels=0.3, seed=5)
    finally:
        ws.close()
    yield root


def _flat(path: Path) -> tuple[list[str], str]:
    texts = [page.extract_text() or "" for page in PdfReader(path).pages]
    return texts, re.sub(r"\s+", " ", " ".join(texts))


def _images(path: Path) -> int:
    count = 0
    for page in PdfReader(path).pages:
        xobjects = page["/Resources"].get("/XObject") or {}
        count += sum(1 for x in xobjects.values() if x.get_object()["/Subtype"] == "/Image")
    return count


def test_demo_campaign_report(demo: Path, tmp_path: Path) -> None:
    ws = Workspace(demo)
    try:
        out = campaign_report(ws, None, tmp_path / "campaign.pdf")
        agencies = {r["agency"] for r in list_actions(ws)}
        notes = {f.note for f in campaign_findings(ws, list_campaign_id(ws)) if f.note}
    finally:
        ws.close()
    texts, flat = _flat(out)
    assert len(texts) >= 3
    for number, text in enumerate(texts, 1):
        assert f"page {number} of {len(texts)}" in text
    assert agencies and all(re.sub(r"\s+", " ", a) in flat for a in agencies)
    assert any(note in flat for note in notes)
    assert _images(out) >= 1
    assert fonts_not_embedded(out) == set()  # every font the map and tables use travels
    for heading in ("Map of all routes", "Scores by area", "Day and night",
                    "Top findings by severity", "Action plan: a clear plan with targets",
                    "Follow-up: what got better, what got worse"):
        assert heading in flat
    assert "Where: each pair of walks" in flat and "Night walk" in flat  # pair by pair
    assert "Only finalized audits are counted" in flat
    assert re.search(r"Walked length \(sum of the routes\) \d+\.\d\d km", flat)
    assert "Ward 1 (north-west)" in flat
    map_page = next(t for t in texts if "Map of all routes" in t)
    assert "Basemap: Demo street grid drawn by FieldSafe" in re.sub(r"\s+", " ", map_page)
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


def list_campaign_id(ws: Workspace) -> str:
    from fieldsafe.services.campaigns import list_campaigns

    return str(list_campaigns(ws)[0]["id"])


def test_letter_paper_and_bad_input(demo: Path, tmp_path: Path) -> None:
    ws = Workspace(demo)
    try:
        out = campaign_report(ws, "Demo campaign (seed 5)", tmp_path / "c.pdf", paper="letter")
        assert round(float(PdfReader(out).pages[0].mediabox.width)) == 612
        with pytest.raises(UserError):
            campaign_report(ws, "nope", tmp_path / "x.pdf")
        with pytest.raises(UserError, match="no language 'xx'"):
            campaign_report(ws, None, tmp_path / "x.pdf", language="xx")
        with pytest.raises(UserError):
            campaign_report(ws, None, tmp_path / "missing" / "x.pdf")
        assert not (tmp_path / "x.pdf").exists()
    finally:
        ws.close()


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    return subprocess.run([sys.executable, "-m", "fieldsafe.cli.main", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, env=env, check=False)


def test_cli_report_campaign(demo: Path, tmp_path: Path) -> None:
    out = tmp_path / "cli.pdf"
    done = _cli("--workspace", str(demo), "report", "campaign", "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert out.is_file() and len(PdfReader(out).pages) >= 3
    bad = _cli("--workspace", str(demo), "report", "campaign", "nope", "-o",
               str(tmp_path / "x.pdf"))
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1, bad.stderr
    assert not (tmp_path / "x.pdf").exists()


def test_cli_several_campaigns_lists_them(demo: Path, tmp_path: Path) -> None:
    ws = Workspace(demo)
    try:
        new_campaign(ws, "Second look")
    finally:
        ws.close()
    failed = _cli("--workspace", str(demo), "report", "campaign", "-o",
                  str(tmp_path / "y.pdf"))
    assert failed.returncode == 2
    assert len(failed.stderr.strip().splitlines()) == 1, failed.stderr
    assert "Demo campaign (seed 5)" in failed.stderr and "Second look" in failed.stderr
    assert not (tmp_path / "y.pdf").exists()


def test_campaign_report_in_french(demo: Path, tmp_path: Path) -> None:
    from fieldsafe.services.campaign_reports import campaign_report_data, pick_campaign

    ws = Workspace(demo)
    try:
        out = campaign_report(ws, DEMO, tmp_path / "fr.pdf", language="French (fr)")
        campaign = pick_campaign(ws, DEMO)
        english = campaign_report_data(ws, campaign)
        french = campaign_report_data(ws, campaign, "fr")
    finally:
        ws.close()
    texts, flat = _flat(out)
    for number, text in enumerate(texts, 1):
        assert f"page {number} sur {len(texts)}" in text
    for heading in ("Rapport de campagne", "Audits finalisés", "Audits par formulaire",
                    "Carte de tous les itinéraires", "Scores par secteur", "Jour et nuit",
                    "Principaux constats par gravité",
                    "Plan d’action : un plan clair avec des objectifs", "Organisme",
                    "Échéance", "Suivi : ce qui s’est amélioré, ce qui s’est dégradé",
                    "Segments appariés", "point sombre", "Score global", "Éclairage"):
        assert heading in flat, heading
    for english_text in ("Map of all routes", "Scores by area", "Day and night",
                         "Top findings by severity", "Action plan", "Matched segments",
                         "Target date", "Only finalized audits", "page 1 of",
                         "Overall score", "Feeling of safety", "dark spot"):
        assert english_text not in flat, english_text
    # the forms' own labels: finding categories and parameters in French
    assert english.findings and [f.audit for f in french.findings] == \
        [f.audit for f in english.findings]
    changed = 0
    for en, fr in zip(english.findings, french.findings, strict=True):
        assert fr.category in flat
        if en.category != fr.category:
            changed += 1
            assert en.category not in flat, en.category
    assert changed >= 3
    # action items keep the words they were made with; the report shows the form's own
    # agencies and categories in French, as the findings above them
    english_agencies = [p.agency for p in english.plans]
    french_agencies = {p.agency for p in french.plans}
    for en_agency, fr_agency in (("Municipality / city corporation", "Municipalité / mairie"),
                                 ("Parks department", "Service des parcs et jardins")):
        assert en_agency in english_agencies and fr_agency in french_agencies
        assert en_agency not in flat
    titles = {r.finding_title for p in french.plans for r in p.rows}
    in_french = {en.category: fr.category for en, fr in zip(english.findings,
                                                             french.findings, strict=True)}
    in_french.update({"Poor or broken lighting": "Éclairage insuffisant ou en panne"})
    translated = [title for p in english.plans for r in p.rows
                  if (title := r.finding_title) in in_french and in_french[title] != title]
    assert "Poor or broken lighting" in translated and len(set(translated)) >= 2
    for title in translated:
        assert in_french[title] in titles and title not in titles
    assert [label for label, _v in french.ward_scores][:2] == ["Score global", "Éclairage"]
    assert english.day_night[0].label == "Overall score"


def test_form_labels_in_a_language_keep_the_parameters(tmp_path: Path) -> None:
    from fieldsafe.forms.loader import load_form
    from fieldsafe.services.map_forms import form_info, match_language

    form = load_form(ROOT / "forms" / "community_safety_survey.md")
    assert match_language(form, "fr") == match_language(form, "Français (fr)") == "French (fr)"
    assert match_language(form, "french") == match_language(form, "FR") == "French (fr)"
    assert match_language(form, "es") is None
    english, french = form_info(form), form_info(form, "fr")
    assert form_info(form, "es") is english  # a language the form lacks: its default
    assert [r.key for r in french.rated] == [r.key for r in english.rated]
    assert "Flooding or waterlogging" in english.labels["flood"]
    assert "Inondations ou eau stagnante" in french.labels["flood"]
    assert french.labels["feeling"] == english.labels["feeling"]  # translated when shown


def test_cli_report_campaign_lang(demo: Path, tmp_path: Path) -> None:
    out = tmp_path / "fr.pdf"
    done = _cli("--workspace", str(demo), "report", "campaign", DEMO, "-o", str(out),
                "--lang", "fr")
    assert done.returncode == 0, done.stderr
    _texts, flat = _flat(out)
    assert "Rapport de campagne" in flat and "Campaign report" not in flat


def test_walks_are_dated_and_followed_up_by_the_day_they_were_walked(
        workspace: Workspace, walk_answers: dict[str, object]) -> None:
    """Entered out of order (March, then January, then February): the cover's dates and the
    follow-ups go by each walk's date answer, not by when it was typed in."""
    from fieldsafe.services.audits import new_audit
    from fieldsafe.services.campaign_reports import campaign_report_data, pick_campaign

    new_campaign(workspace, "Ward 92 walks")
    walks = {"2026-03-20": "1", "2026-01-02": "2", "2026-02-15": "5"}  # lighting 1-5
    for day, lighting in walks.items():
        answers = {**walk_answers, "audit_date": day, "r_lighting": lighting,
                   "finding": [], "period": "night"}
        done = new_audit(workspace, "womens_safety_walk", answers, campaign="Ward 92 walks",
                         finalize=True)
        assert done.status == "finalized", done.problems
    data = campaign_report_data(workspace, pick_campaign(workspace, None))
    assert (data.first_date, data.last_date) == ("2026-01-02", "2026-03-20")
    lighting = [(f.where, r.first, r.second) for f in data.follow_up for r in f.changes
                if r.label == "Lighting"]
    assert [(where[-10:], first, second) for where, first, second in lighting] == [
        ("2026-02-15", 0.25, 1.0), ("2026-03-20", 1.0, 0.0)]
    assert all("2026-01-02" in where.split(" → ")[0] for where, _f, _s in lighting[:1])
    assert data.follow_up_left_out == 0


def test_a_campaign_with_no_finalized_audit_says_so(workspace: Workspace,
                                                    tmp_path: Path) -> None:
    new_campaign(workspace, "Empty campaign")
    texts, flat = _flat(campaign_report(workspace, None, tmp_path / "empty.pdf"))
    assert all("no finalized audits yet" in text for text in texts)  # every page's header
    assert "No audit of this campaign has been finalized yet" in flat
    assert " – " not in texts[0].splitlines()[0] and "Audits by form" not in flat
    # one page: no empty map frame and empty sections after saying there is nothing
    assert len(texts) == 1 and "no route recorded" not in flat


def test_the_map_shows_the_largest_hotspots_and_says_how_many_more(
        demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from fieldsafe.services import campaign_reports
    from fieldsafe.services.campaign_reports import campaign_report_data, pick_campaign

    monkeypatch.setattr(campaign_reports, "HOTSPOT_MIN", 2)  # pairs too: several of them
    ws = Workspace(demo)
    try:
        every = campaign_report_data(ws, pick_campaign(ws, DEMO))
        assert every.hotspots_total == len(every.hotspots) >= 2
        counts = [n for _where, n in every.hotspots]
        assert counts == sorted(counts, reverse=True)
        monkeypatch.setattr(campaign_reports, "HOTSPOTS_SHOWN", 1)
        out = campaign_report(ws, DEMO, tmp_path / "c.pdf")
        data = campaign_report_data(ws, pick_campaign(ws, DEMO))
    finally:
        ws.close()
    assert data.hotspots == every.hotspots[:1]
    _texts, flat = _flat(out)
    assert f"The map shows the 1 largest of the {every.hotspots_total} hotspots." in flat


def test_a_ward_layer_is_given_to_a_campaign_on_the_command_line(tmp_path: Path) -> None:
    """`campaigns new --layer ID` links an areas layer: the report splits scores by it."""
    import json

    wards = tmp_path / "wards.geojson"
    square = [[77.58, 12.96], [77.60, 12.96], [77.60, 12.98], [77.58, 12.98], [77.58, 12.96]]
    wards.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "Ward 92"},
         "geometry": {"type": "Polygon", "coordinates": [square]}}]}), encoding="utf-8")
    ws = ["--workspace", str(tmp_path / "ws")]
    added = _cli(*ws, "layers", "add", str(wards))
    assert added.returncode == 0, added.stderr
    [layer] = [line.split(": ")[-1] for line in added.stdout.splitlines() if ": " in line]
    refused = _cli(*ws, "campaigns", "new", "Walks", "--layer", "no-such-layer")
    assert refused.returncode == 2
    assert "no layer with ID 'no-such-layer'" in refused.stderr
    made = _cli(*ws, "campaigns", "new", "Walks", "--layer", layer)
    assert made.returncode == 0, made.stderr
    # a walk just north of the ward: its segments lie in none of the layer's areas
    answers = ROOT / "tests/data/instruments/womens_safety_walk.answers.json"
    walked = _cli(*ws, "audits", "new", "womens_safety_walk", "--answers", str(answers),
                  "--campaign", "Walks", "--finalize")
    assert walked.returncode == 0, walked.stderr
    from fieldsafe.services.campaign_reports import campaign_report_data, pick_campaign

    workspace = Workspace(tmp_path / "ws")
    try:
        data = campaign_report_data(workspace, pick_campaign(workspace, None))
        _texts, flat = _flat(campaign_report(workspace, None, tmp_path / "wards.pdf"))
    finally:
        workspace.close()
    assert data.ward_layer and data.wards == ["Ward 92"]
    assert "No rated segment lies in the areas of the layer" in flat  # not an empty table


def test_an_audit_being_corrected_stays_in_the_campaign_as_last_finalized(
        workspace: Workspace, walk_answers: dict[str, object]) -> None:
    """A typo being corrected must not take a walk out of the officials' report and map;
    the audits left out are the draft and the retired one, as the report's note says."""
    from fieldsafe.services.audits import edit_audit, new_audit, retire_audit
    from fieldsafe.services.campaign_reports import campaign_report_data, pick_campaign

    new_campaign(workspace, "Safe lanes")
    kept = new_audit(workspace, "womens_safety_walk", walk_answers, campaign="Safe lanes",
                     finalize=True)
    corrected = new_audit(workspace, "womens_safety_walk", walk_answers,
                          campaign="Safe lanes", finalize=True)
    edit_audit(workspace, corrected.id, {"good_points": "a correction under way"})
    gone = new_audit(workspace, "womens_safety_walk", walk_answers, campaign="Safe lanes",
                     finalize=True)
    retire_audit(workspace, gone.id)
    new_audit(workspace, "womens_safety_walk", walk_answers, campaign="Safe lanes")
    data = campaign_report_data(workspace, pick_campaign(workspace, "Safe lanes"))
    assert (data.audits, data.drafts) == (2, 2)
    found = {f.audit_id for f in campaign_findings(workspace, "Safe lanes")}
    assert found == {kept.id, corrected.id}
