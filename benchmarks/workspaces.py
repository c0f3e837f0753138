"""Builds large workspaces quickly for the benchmarks (bulk rows, not the services)."""

from __future__ import annotations

import json
import sqlite3
import uuid
from datetime import datetime, timedelta
from pathlib import Path

from fieldsafe.services.form_library import ensure_builtin_forms
from fieldsafe.services.workspace import Workspace

FORMS = ("womens_safety_walk", "safetipin_rating", "walkability", "cpted_site",
         "community_safety_survey")


def bulk_workspace(folder: Path, audits: int) -> Path:
    """A workspace with ``audits`` draft audits inserted in bulk (reused if present)."""
    marker = folder / f".bulk-{audits}"
    if marker.exists():
        return folder
    ws = Workspace(folder)
    ensure_builtin_forms(ws)
    device = ws.identity.device_id
    ws.close()
    con = sqlite3.connect(folder / "fieldsafe.sqlite")
    latest = dict(con.execute("SELECT form_id, MAX(version) FROM form_versions GROUP BY form_id"))
    con.close()
    start = datetime(2026, 1, 1, 8)
    audit_rows, revision_rows = [], []
    for i in range(audits):
        audit_id, revision_id = str(uuid.uuid4()), str(uuid.uuid4())
        when = (start + timedelta(minutes=7 * i)).isoformat(sep=" ")
        form = FORMS[i % len(FORMS)]
        period = "night" if i % 3 == 0 else "day"
        team = f"Team {i % 7}"
        name = f"{form} {i}"
        audit_rows.append((audit_id, form, None, revision_id, "draft", 0, when, when, period,
                           team, name))
        revision_rows.append((revision_id, audit_id, None, 1, form, latest[form], "draft",
                              json.dumps({"period": period}), name, when, when, device,
                              "bench", "bench", team))
    con = sqlite3.connect(folder / "fieldsafe.sqlite")
    with con:
        con.executemany(
            "INSERT INTO audits (uuid, form_id, campaign_uuid, head_uuid, status, conflict, "
            "created_at, modified_at, period, team, instance_name) VALUES "
            "(?,?,?,?,?,?,?,?,?,?,?)", audit_rows)
        con.executemany(
            "INSERT INTO audit_revisions (uuid, audit_uuid, parent_uuid, number, form_id, "
            "form_version, status, answers, instance_name, created_at, saved_at, device_id, "
            "device_name, author, team) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            revision_rows)
    con.close()
    marker.touch()
    return folder
