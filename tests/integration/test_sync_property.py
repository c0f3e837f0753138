"""The merge law, by property: any edit history on several laptops, bundles imported in any
order, gives one workspace digest; importing again changes nothing; nothing is lost."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from fieldsafe.services.actions import add_action, list_actions, update_action
from fieldsafe.services.audits import edit_audit, new_audit, retire_audit
from fieldsafe.services.bundle_export import export_bundle
from fieldsafe.services.bundles import import_bundle
from fieldsafe.services.form_library import import_form
from fieldsafe.services.workspace import Workspace
from fieldsafe.services.workspace_admin import digest
from fieldsafe.storage.models import (
    ActionChange,
    ActionItem,
    Attachment,
    Audit,
    AuditRevision,
    Campaign,
    Geometry,
    ReceivedBundle,
    SentRecord,
)

FORM = """
    | survey |              |         |         |         |
    |        | type         | name    | label   | role    |
    |        | text         | place   | Place   |         |
    |        | integer      | score   | Score   |         |
    |        | begin_repeat | finding | Finding | finding |
    |        | text         | note    | Note    |         |
    |        | end_repeat   |         |         |         |
    | settings |          |         |
    |          | form_id  | version |
    |          | tiny     | 1       |
    """
DEVICES = 3

# One step of a history: (operation, device, audit number, value).
step = st.tuples(st.sampled_from(["new", "edit", "draft", "retire", "action", "sync"]),
                 st.integers(0, DEVICES - 1), st.integers(0, 5), st.integers(0, 3))


class Clock:
    """Every save on every laptop at its own second: histories are reproducible."""

    def __init__(self) -> None:
        self.moment = datetime(2026, 11, 1, 9, 0, 0)

    def __call__(self) -> datetime:
        self.moment += timedelta(seconds=1)
        return self.moment


@pytest.fixture(scope="module")
def laptops(template_database: Path, tiny_form: Path) -> Iterator[list[Workspace]]:
    """The laptops and two coordinators, opened once: each example empties them first, so
    their engines stay warm and an example costs milliseconds, not a database set-up."""
    folder = Path(tempfile.mkdtemp(prefix="fieldsafe-prop-"))
    opened = []
    try:
        for index in range(DEVICES + 2):
            root = folder / f"d{index}"
            root.mkdir()
            shutil.copyfile(template_database, root / template_database.name)
            ws = Workspace(root)
            ws.set_identity(device_name=f"laptop-{index}", team=f"team-{index % 2}")
            import_form(ws, tiny_form)
            opened.append(ws)
        yield opened
    finally:
        for ws in opened:
            ws.close()
        shutil.rmtree(folder, ignore_errors=True)


def _empty(ws: Workspace) -> None:
    """Remove every record made by an example (forms and this device's identity stay)."""
    with ws.transaction() as db:
        for table in (ActionChange, ActionItem, Attachment, Geometry, AuditRevision, Audit,
                      Campaign, ReceivedBundle, SentRecord):
            db.execute(delete(table))
    for old in ws.root.parent.glob(f"{ws.root.name}-*.fieldsafe"):
        old.unlink()


def _audits(ws: Workspace) -> list[tuple[str, str]]:
    with ws.transaction() as db:
        return [(a.uuid, a.status) for a in db.scalars(select(Audit).order_by(Audit.uuid))]


def _revisions(ws: Workspace, finalized: bool = False) -> set[str]:
    query = select(AuditRevision.uuid)
    if finalized:
        query = query.where(AuditRevision.status != "draft")
    with ws.transaction() as db:
        return set(db.scalars(query))


def _play(devices: list[Workspace], history: list[tuple[str, int, int, int]], clock: Clock,
          out: Path, drafts: bool) -> list[Path]:
    bundles: list[Path] = []
    for number, (op, d, k, value) in enumerate(history):
        ws = devices[d]
        audits = _audits(ws)
        target = audits[k % len(audits)] if audits else None
        answers: dict[str, Any] = {"place": f"p{value}", "score": value,
                                   "finding": [{"note": f"n{value}"}]}
        if op == "new" or target is None:
            new_audit(ws, "tiny", answers, finalize=True, now=clock)
        elif op == "sync":
            bundle = export_bundle(ws, out / f"s{number}.fieldsafe", include_drafts=drafts,
                                   now=clock).path
            bundles.append(bundle)
            import_bundle(devices[value % len(devices)], bundle, now=clock)
        elif target[1] == "retired":
            continue
        elif op in ("edit", "draft"):
            edit_audit(ws, target[0], {"place": f"e{value}"}, finalize=op == "edit",
                       now=clock)
        elif op == "retire":
            retire_audit(ws, target[0], now=clock)
        else:
            items = [a for a in list_actions(ws) if a["audit"] == target[0]]
            if items:
                update_action(ws, items[0]["id"], status=("open", "in-progress", "done")[
                    value % 3], now=clock)
            else:
                add_action(ws, target[0], 1, agency=f"agency-{value}", now=clock)
    for index, ws in enumerate(devices):
        bundles.append(export_bundle(ws, out / f"final{index}.fieldsafe",
                                     include_drafts=drafts, now=clock).path)
    return bundles


@settings(max_examples=int(os.environ.get("FIELDSAFE_PROP_EXAMPLES", "200")), deadline=None, suppress_health_check=[HealthCheck.too_slow],
          derandomize=True)
@given(history=st.lists(step, min_size=1, max_size=10), order=st.randoms(use_true_random=False),
       drafts=st.booleans())
def test_any_history_merges_to_one_digest_in_any_order(
        laptops: list[Workspace], history: list[tuple[str, int, int, int]],
        order: Any, drafts: bool) -> None:
    clock = Clock()
    for ws in laptops:
        _empty(ws)
    devices, (first, second) = laptops[:DEVICES], laptops[DEVICES:]
    out = Path(tempfile.mkdtemp(prefix="bundles-", dir=first.root.parent))
    bundles = _play(devices, history, clock, out, drafts)
    shuffled = list(bundles)
    order.shuffle(shuffled)
    for bundle in bundles:
        import_bundle(first, bundle, now=clock)
    for bundle in shuffled:
        import_bundle(second, bundle, now=clock)
    assert digest(first) == digest(second)
    before = digest(first)
    for bundle in shuffled:
        assert import_bundle(first, bundle, now=clock).counts()["new"] == 0
    assert digest(first) == before, "importing again changes nothing"
    if drafts:  # with drafts kept home, only what was sent can arrive
        everything = set().union(*(_revisions(ws) for ws in devices))
        assert everything <= _revisions(first), "no revision is lost"
    else:
        finalized = set().union(*(_revisions(ws, finalized=True) for ws in devices))
        assert finalized <= _revisions(first), "no finalized revision is lost"
    assert _heads(first) == _heads(second)
    shutil.rmtree(out)


def _heads(ws: Workspace) -> list[tuple[str, str | None, str, bool]]:
    with ws.transaction() as db:
        return [(a.uuid, a.head_uuid, a.status, a.conflict)
                for a in db.scalars(select(Audit).order_by(Audit.uuid))]
