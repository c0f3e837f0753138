"""``fieldsafe demo``: a realistic, reproducible campaign made from a seed, not the clock."""

from __future__ import annotations

import random
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise
from pathlib import Path

from sqlalchemy import select

from fieldsafe.errors import UserError
from fieldsafe.forms.session import DeviceInfo, FormSession
from fieldsafe.geo.mbtiles import write_mbtiles
from fieldsafe.i18n import _
from fieldsafe.ids import new_id, seeded_ids
from fieldsafe.services.actions import add_action, update_action
from fieldsafe.services.audits import new_audit
from fieldsafe.services.campaigns import new_campaign
from fieldsafe.services.demo_answers import AREAS, SITE_SIDE, AuditPlan, DemoFiller, FindingPlan
from fieldsafe.services.demo_assets import (
    BLOCKS,
    CENTRE_LAT,
    CENTRE_LON,
    Grid,
    basemap_tiles,
    make_grid,
    photo_jpeg,
    ward_geojson,
)
from fieldsafe.services.form_library import ensure_builtin_forms, find_version, form_definition
from fieldsafe.services.layers import add_layer
from fieldsafe.services.workspace import Identity, Workspace
from fieldsafe.storage.models import Campaign

FORMS = ("womens_safety_walk", "safetipin_rating", "walkability", "cpted_site",
         "community_safety_survey")
TEAMS = ("Lotus Walkers", "Jayanagar Residents", "Ward 4 Youth", "City Safety Cell")
Progress = Callable[[int, int], bool]  # (done, total) -> keep going?


@dataclass
class DemoSummary:
    campaign: str
    audits: int
    finalized: int
    photos: int
    actions: int

    def as_dict(self) -> dict[str, object]:
        return {"campaign": self.campaign, "audits": self.audits, "finalized": self.finalized,
                "photos": self.photos, "actions": self.actions}


@contextmanager
def acting_as(workspace: Workspace, identity: Identity) -> Iterator[None]:
    """Records made in the block carry a simulated device's provenance."""
    saved = workspace.identity
    workspace.identity = identity
    try:
        yield
    finally:
        workspace.identity = saved


def build_demo(workspace: Workspace, *, audits: int = 40, photos: int = 20,
               photo_megapixels: float = 1.0, seed: int = 1,
               progress: Progress | None = None) -> DemoSummary:
    """Fill ``workspace`` with a demo campaign. The same seed gives the same content."""
    if audits < 1 or photos < 0 or not 0.05 <= photo_megapixels <= 24:
        raise UserError(_("demo: --audits must be at least 1, --photos at least 0 and "
                          "--photo-megapixels between 0.05 and 24"))
    ensure_builtin_forms(workspace)
    with workspace.transaction() as db:
        if db.scalar(select(Campaign).where(Campaign.name == f"Demo campaign (seed {seed})")):
            raise UserError(_("this workspace already has the demo of seed {seed} (or the "
                              "part of it made before it was interrupted); use another "
                              "--seed or a new workspace").format(seed=seed))
    rng = random.Random(seed)
    start = datetime(2026, 1, 5, 9, 0) + timedelta(days=seed % 60)
    with seeded_ids(seed), tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        grid = make_grid(rng)
        teams = [Identity(new_id(), f"laptop-{k + 1}", f"volunteer{k + 1}", TEAMS[k % 4])
                 for k in range(6)]
        with acting_as(workspace, teams[-1]):
            wards = add_layer(workspace, ward_geojson(tmp / "wards.geojson"),
                              name="Demo wards", now=lambda: start)
            basemap = tmp / "demo-basemap.mbtiles"
            south, west = Grid.point(0, 0)
            north, east = Grid.point(BLOCKS, BLOCKS)
            write_mbtiles(basemap, basemap_tiles(grid), {
                "name": "Demo street grid", "format": "png", "minzoom": "13",
                "maxzoom": "17", "bounds": f"{west},{south},{east},{north}",
                "attribution": "Demo street grid drawn by FieldSafe"})
            tiles = add_layer(workspace, basemap, name="Demo basemap", now=lambda: start)
            campaign = new_campaign(workspace, f"Demo campaign (seed {seed})",
                                    area=tmp / "wards.geojson", form_ids=list(FORMS),
                                    layer_uuids=[wards["id"], tiles["id"]], now=lambda: start)
        summary = DemoSummary(campaign["id"], 0, 0, 0, 0)
        photo_budget = photos
        # each route walked: its streets, when first walked, and the place it is named by
        routes: list[tuple[list[tuple[int, int]], datetime, str]] = []
        for index in range(audits):
            form_id = FORMS[index % len(FORMS)]
            when = start + timedelta(days=index // 6, hours=rng.randint(0, 8))
            area = ""
            if routes and index % 2 == 1 and form_id in FORMS[:2]:
                walk, _first, area = routes[-1]  # the same streets, by night this time
                period = "night"
                when = when.replace(hour=20)
            elif len(routes) > 5 and index % 7 == 0:
                walk, first, area = rng.choice(routes)  # a follow-up audit months later
                when = first + timedelta(days=90 + rng.randint(0, 30))
                period = "day"
            else:
                walk = grid.walk(rng, rng.randint(4, 9))
                period = "day"
            plan = _plan(grid, walk, period, when, rng)
            plan.area = area or rng.choice(AREAS[plan.ward])
            routes.append((walk, when, plan.area))
            if form_id == "cpted_site":
                _on_site(plan, rng)
            for finding in plan.findings:
                if photo_budget > 0:
                    finding.photo = f"finding-{index + 1}-{photo_budget}.jpg"
                    (tmp / finding.photo).write_bytes(photo_jpeg(
                        rng, finding.lat, finding.lon, when, photo_megapixels,
                        f"FieldSafe demo, audit {index + 1}"))
                    photo_budget -= 1
            team = teams[index % len(teams)]
            with acting_as(workspace, team):
                _one_audit(workspace, form_id, plan, rng, campaign["id"], tmp, summary)
            if progress is not None and not progress(index + 1, audits):
                break
        _actions(workspace, rng, teams, summary)
    return summary


def _plan(grid: Grid, walk: list[tuple[int, int]], period: str, when: datetime,
          rng: random.Random) -> AuditPlan:
    points = [Grid.point(*p) for p in walk]
    lights = [grid.street_light(a, b) for a, b in pairwise(walk)]
    lighting = min(3, max(0, round(sum(lights) / len(lights)) - (1 if period == "night" else 0)))
    north = sum(lat for lat, _lon in points) / len(points) >= CENTRE_LAT
    west = sum(lon for _lat, lon in points) / len(points) < CENTRE_LON
    plan = AuditPlan(period=period, route=points, when=when, lighting=lighting,
                     ward=(1 if west else 2) if north else (3 if west else 4))
    for _k in range(rng.randint(1, 4)):
        step = rng.randrange(len(points) - 1)
        (la, loa), (lb, lob) = points[step], points[step + 1]
        t = rng.random()
        severity = 5 - lights[step] - rng.randint(0, 1) if period == "night" else \
            rng.randint(1, 4)
        plan.findings.append(FindingPlan(la + (lb - la) * t, loa + (lob - loa) * t,
                                         max(1, min(5, severity))))
    return plan


def _on_site(plan: AuditPlan, rng: random.Random) -> None:
    """A site audit's findings on its site (the square the demo draws north-east of the
    route's first point, :class:`DemoFiller`'s geoshape), not along a walk."""
    plan.site = True
    lat, lon = plan.route[0]
    for finding in plan.findings:
        finding.lat = lat + rng.uniform(0.1, 0.9) * SITE_SIDE
        finding.lon = lon + rng.uniform(0.1, 0.9) * SITE_SIDE


def _one_audit(workspace: Workspace, form_id: str, plan: AuditPlan, rng: random.Random,
               campaign: str, folder: Path, summary: DemoSummary) -> None:
    with workspace.transaction() as db:
        form = form_definition(find_version(db, form_id))
    session = FormSession(form, now=lambda: plan.when, device=DeviceInfo(
        deviceid=workspace.identity.device_id, username=workspace.identity.user))
    filler = DemoFiller(session, plan, rng)
    answers = filler.fill()
    photos = {path: folder / name for path, name in filler.photos.items()}
    finalize = rng.random() < 0.85
    try:
        result = new_audit(workspace, form_id, answers, campaign=campaign, photos=photos,
                           finalize=finalize, now=lambda: plan.when)
    except UserError:
        result = new_audit(workspace, form_id, answers, campaign=campaign, photos=photos,
                           now=lambda: plan.when)
    summary.audits += 1
    summary.finalized += result.status == "finalized"
    summary.photos += len(photos)


def _actions(workspace: Workspace, rng: random.Random, teams: list[Identity],
             summary: DemoSummary) -> None:
    from fieldsafe.services.audit_queries import list_audits

    finding_forms = ("womens_safety_walk", "walkability", "cpted_site")
    for row in sorted(list_audits(workspace), key=lambda r: r["id"]):
        if row["status"] != "finalized" or row["form_id"] not in finding_forms:
            continue
        created = datetime.fromisoformat(row["created"])
        with acting_as(workspace, teams[-1]):
            for finding in (1, 2):
                if rng.random() > 0.6:
                    continue
                try:
                    item = add_action(workspace, row["id"], finding,
                                      target=(created + timedelta(days=rng.randint(20, 150)))
                                      .date(),
                                      priority=rng.choice(("low", "medium", "high", "urgent")),
                                      now=_at(created, 2))
                except UserError:
                    continue  # this audit has fewer findings
                summary.actions += 1
                roll = rng.random()
                if roll < 0.5:
                    update_action(workspace, item["id"], status="in-progress",
                                  now=_at(created, 10))
                if roll < 0.25:
                    update_action(workspace, item["id"], status="done",
                                  now=_at(created, 40))


def _at(start: datetime, days: int) -> Callable[[], datetime]:
    """A clock that always says ``days`` after ``start``."""
    moment = start + timedelta(days=days)
    return lambda: moment
