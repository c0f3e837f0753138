"""Benchmark: the campaign PDF report's time and memory, against a bare reportlab script.

Goal: a campaign of 1,000 audits with 200 photos of 12 megapixels takes at most 1.5x a bare
reportlab script that places the same cached thumbnails on the same number of pages; peak
memory stays under 400 MB; memory grows by no more than the thumbnails' own bytes (plus
20 MB slack) against the same report built from a demo with no photos; and no full-size photo
is opened while the report is written.

Each measurement runs in its own child process (this file with an argument), so the peak
RSS (``ru_maxrss``) is that one job's. The demo workspaces take minutes to build; they are
kept in ``~/.cache/fieldsafe-bench``. ``FIELDSAFE_BENCH_SMALL=1`` runs a quick small size.
The children share a parsed-form cache of this run's own (``FIELDSAFE_CACHE_DIR``): the
first opens the forms with pyxform and fills it, as a workspace's first use does, and its
time is printed apart; the timed report is then a user's every later one.
"""

from __future__ import annotations

import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SMALL = os.environ.get("FIELDSAFE_BENCH_SMALL") == "1"
AUDITS, PHOTOS, MEGAPIXELS = (100, 20, 2.0) if SMALL else (1000, 200, 12.0)
SEED = 7
RATIO_GOAL = 1.5
PEAK_GOAL_MB = 400
SLACK_MB = 20
CACHE = Path.home() / ".cache" / "fieldsafe-bench"
_ORIGINAL = re.compile(r"[/\\]media[/\\][0-9a-f]{2}[/\\][0-9a-f]{64}$")
_THUMB = re.compile(r"[/\\]media[/\\]thumbs[/\\][0-9a-f]{2}[/\\][0-9a-f]{64}\.jpg$")


def peak_mb() -> float:
    """This process's peak resident set size in MB.

    On Linux, ``ru_maxrss`` carries the parent's peak over fork and exec, so a child started
    by a parent of 140 MB never reports less; ``VmHWM`` is this process image's own peak.
    """
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux, bytes on macOS
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024


def workspace_for(audits: int, photos: int, megapixels: float) -> Path:
    """The demo workspace of this size, built once and kept in the cache folder."""
    folder = CACHE / f"report-{audits}-{photos}-{megapixels:g}mp-seed{SEED}"
    if (folder / ".complete").exists():
        return folder
    from fieldsafe.services.demo import build_demo
    from fieldsafe.services.workspace import Workspace

    CACHE.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(folder, ignore_errors=True)
    building = Path(tempfile.mkdtemp(prefix=folder.name + ".", dir=CACHE))
    print(f"building the demo workspace ({audits} audits, {photos} photos of "
          f"{megapixels:g} MP) in {folder} ...", file=sys.stderr, flush=True)
    start = time.perf_counter()
    ws = Workspace(building)
    build_demo(ws, audits=audits, photos=photos, photo_megapixels=megapixels, seed=SEED)
    ws.close()
    (building / ".complete").touch()
    building.rename(folder)
    print(f"  built in {time.perf_counter() - start:.0f} s", file=sys.stderr, flush=True)
    return folder


def thumbnails(workspace: Path) -> list[Path]:
    """The cached thumbnail files of the workspace's media store (``media/thumbs``)."""
    return sorted(p for p in (workspace / "media" / "thumbs").glob("*/*.jpg") if p.is_file())


# -- children ---------------------------------------------------------------------------

def child_report(workspace: Path, out: Path) -> dict[str, object]:
    """Write the real campaign report; time, pages, peak RSS and the media files it opened."""
    opened: list[str] = []

    def hook(event: str, args: tuple[object, ...]) -> None:
        if event == "open" and isinstance(args[0], str | Path):
            name = os.fspath(args[0])
            if "media" in name:
                opened.append(name)

    from fieldsafe.report import campaign_report as _builder  # noqa: F401 (import outside timing)
    from fieldsafe.services.campaign_reports import campaign_report
    from fieldsafe.services.workspace import Workspace

    ws = Workspace(workspace)
    sys.addaudithook(hook)
    start = time.perf_counter()
    campaign_report(ws, None, out)
    elapsed = time.perf_counter() - start
    peak = peak_mb()
    ws.close()
    from pypdf import PdfReader

    originals = sorted({n for n in opened if _ORIGINAL.search(n)})
    thumbs = sorted({n for n in opened if _THUMB.search(n)})
    return {"seconds": elapsed, "peak_mb": peak, "pages": len(PdfReader(out).pages),
            "originals": originals, "thumbs": thumbs}


def child_phases(workspace: Path) -> dict[str, object]:
    """The same report in two timed phases: reading and analysing the workspace, then the
    layout and writing of the PDF (to memory). Context for the ratio, not a goal."""
    import io

    from fieldsafe.report.campaign_report import build_campaign_report
    from fieldsafe.services.campaign_reports import campaign_report_data, pick_campaign
    from fieldsafe.services.workspace import Workspace

    ws = Workspace(workspace)
    start = time.perf_counter()
    data = campaign_report_data(ws, pick_campaign(ws, None))
    middle = time.perf_counter()
    build_campaign_report(data, io.BytesIO())
    end = time.perf_counter()
    ws.close()
    return {"gather": middle - start, "layout": end - middle}


def child_forms(workspace: Path) -> dict[str, object]:
    """Open every stored form version once: on a first run this parses them (pyxform) and
    fills the parsed-form cache that the report then reads, as a user's second report does."""
    from sqlalchemy import select

    from fieldsafe.services.form_library import form_definition
    from fieldsafe.services.workspace import Workspace
    from fieldsafe.storage.models import FormVersion

    ws = Workspace(workspace)
    start = time.perf_counter()
    with ws.transaction() as session:
        count = sum(1 for r in session.scalars(select(FormVersion)) if form_definition(r))
    elapsed = time.perf_counter() - start
    ws.close()
    return {"seconds": elapsed, "forms": count, "pyxform": "pyxform" in sys.modules}


def child_baseline(thumbs: list[Path], pages: int, out: Path, fonts: bool = False
                   ) -> dict[str, object]:
    """A bare reportlab script: the given thumbnails and filler text on ``pages`` pages;
    with ``fonts``, in the report's embedded TrueType fonts (issue 6 asks for them) instead
    of the PDF's built-in Helvetica, which needs no font file read or embedded."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import cm
    from reportlab.platypus import Image, PageBreak, Paragraph, SimpleDocTemplate, Table

    start = time.perf_counter()
    style = getSampleStyleSheet()["BodyText"]
    if fonts:
        from fieldsafe.report.fonts import REGULAR, register_fonts

        register_fonts()
        style.fontName = REGULAR
    filler = ("Finding noted on the walk: poor lighting, broken footpath, no signage. " * 3)
    story: list[object] = []
    per_page = -(-len(thumbs) // pages) if thumbs else 0
    for page in range(pages):
        story.append(Paragraph(f"Page {page + 1}", getSampleStyleSheet()["Heading2"]))
        for thumb in thumbs[page * per_page:(page + 1) * per_page]:
            image = Image(str(thumb), width=3.2 * cm, height=3.2 * cm, kind="proportional")
            story.append(Table([[Paragraph(filler, style), image]],
                               colWidths=[13 * cm, 3.5 * cm]))
        for _line in range(8):
            story.append(Paragraph(filler, style))
        if page < pages - 1:
            story.append(PageBreak())
    SimpleDocTemplate(str(out), pagesize=A4).build(story)
    elapsed = time.perf_counter() - start
    peak = peak_mb()
    from pypdf import PdfReader

    return {"seconds": elapsed, "peak_mb": peak, "pages": len(PdfReader(out).pages)}


def run_child(*args: str, cache: Path) -> dict[str, object]:
    env = {**os.environ, "FIELDSAFE_CACHE_DIR": str(cache)}
    result = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True,
                            check=False, env=env)
    if result.returncode:
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(f"child {args[0]} failed ({result.returncode})")
    return json.loads(result.stdout.strip().splitlines()[-1])


# -- parent -----------------------------------------------------------------------------

def main() -> int:
    with_photos = workspace_for(AUDITS, PHOTOS, MEGAPIXELS)
    without = workspace_for(AUDITS, 0, MEGAPIXELS)
    all_thumbs = thumbnails(with_photos)
    thumb_mb = sum(p.stat().st_size for p in all_thumbs) / 2**20
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        cache = tmp / "cache"  # this run's own parsed-form cache, filled by the first child
        cold = run_child("forms", str(with_photos), cache=cache)
        warm = run_child("forms", str(with_photos), cache=cache)
        report = run_child("report", str(with_photos), str(tmp / "report.pdf"), cache=cache)
        placed = [Path(p) for p in report["thumbs"]]  # the thumbnails the report placed
        listed = tmp / "thumbs.json"
        listed.write_text(json.dumps([str(p) for p in placed]))
        bare = run_child("baseline", str(listed), str(report["pages"]), str(tmp / "bare.pdf"),
                         cache=cache)
        embedded = run_child("baseline", str(listed), str(report["pages"]),
                             str(tmp / "bare-fonts.pdf"), "fonts", cache=cache)
        plain = run_child("report", str(without), str(tmp / "plain.pdf"), cache=cache)
        phases = run_child("phases", str(with_photos), cache=cache)
    ratio = report["seconds"] / bare["seconds"]
    growth = report["peak_mb"] - plain["peak_mb"]
    placed_mb = sum(p.stat().st_size for p in placed) / 2**20
    originals = len(report["originals"])
    ok = (ratio <= RATIO_GOAL and report["peak_mb"] < PEAK_GOAL_MB
          and growth <= thumb_mb + SLACK_MB and originals == 0
          and bare["pages"] == report["pages"])
    print(f"campaign report ({AUDITS} audits, {PHOTOS} photos {MEGAPIXELS:g} MP): "
          f"report {report['seconds']:.2f} s, bare reportlab {bare['seconds']:.2f} s "
          f"({report['pages']} vs {bare['pages']} pages, {len(placed)} thumbnails placed, "
          f"{placed_mb:.2f} MB); ratio {ratio:.2f}x (goal <= {RATIO_GOAL}x); "
          f"peak {report['peak_mb']:.0f} MB (goal < {PEAK_GOAL_MB} MB; bare "
          f"{bare['peak_mb']:.0f} MB); growth with photos {growth:.0f} MB vs thumbnails "
          f"{thumb_mb:.1f} MB + {SLACK_MB} MB slack (no-photo report {plain['peak_mb']:.0f} MB, "
          f"{plain['seconds']:.2f} s); full-size photos opened {originals}; "
          f"phases: reading and analysis {phases['gather']:.2f} s, layout "
          f"{phases['layout']:.2f} s (layout alone {phases['layout'] / bare['seconds']:.1f}x "
          f"the bare script; the bare script in the report's embedded fonts "
          f"{embedded['seconds']:.2f} s); opening the {cold['forms']} forms: "
          f"{cold['seconds']:.2f} s parsed (first run), {warm['seconds']:.2f} s from the "
          f"cache (pyxform imported: {warm['pyxform']})")
    return 0 if ok else 1


def child_main(argv: list[str]) -> int:
    if argv[0] == "report":
        result = child_report(Path(argv[1]), Path(argv[2]))
    elif argv[0] == "phases":
        result = child_phases(Path(argv[1]))
    elif argv[0] == "forms":
        result = child_forms(Path(argv[1]))
    else:
        thumbs = [Path(p) for p in json.loads(Path(argv[1]).read_text())]
        result = child_baseline(thumbs, int(argv[2]), Path(argv[3]), argv[4:] == ["fonts"])
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(child_main(sys.argv[1:]) if len(sys.argv) > 1 else main())
