"""Many-row INSERTs on the DBAPI cursor store every value byte for byte as SQLAlchemy's own
INSERT does (JSON text, datetimes, booleans, floats, NULLs), and refuse rows missing a column."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path
from typing import Any, cast

import pytest
from sqlalchemy import Table, insert

from fieldsafe.storage.bulk import insert_rows
from fieldsafe.storage.models import Attachment, Audit, AuditRevision, Geometry, Media

AUDIT = "0a0a0a0a-0000-4000-8000-000000000001"
REVISIONS = ["1b1b1b1b-0000-4000-8000-000000000001", "1b1b1b1b-0000-4000-8000-000000000002"]
SHA = "ab" * 32


def _rows() -> list[tuple[Any, list[dict[str, Any]]]]:
    who = {"device_id": "d" * 36, "device_name": "laptop é", "author": "", "team": "north"}
    return [
        (Media, [{"sha256": SHA, "size": 10, "mime": "image/jpeg",
                  "info": {"w": 1.5, "taken": None, "name": "Zoë ☃", "list": [1, True]}}]),
        (Audit, [{"uuid": AUDIT, "form_id": "f", "campaign_uuid": None,
                  "head_uuid": REVISIONS[1], "status": "finalized", "conflict": True,
                  "period": "night", "team": "", "instance_name": "Walk \"1\"",
                  "created_at": datetime(999, 1, 2, 3, 4, 5),
                  "modified_at": datetime(2026, 11, 1, 9, 0, 0, 123456)}]),
        (AuditRevision, [{"uuid": uuid, "audit_uuid": AUDIT, "parent_uuid": parent,
                          "merges": merges, "number": number, "form_id": "f",
                          "form_version": "1", "status": "draft", "instance_name": "",
                          "answers": {"a": "x\ny", "n": 3, "f": 0.1, "b": False, "z": None,
                                      "r": [{"k": "é"}], "big": 10**20},
                          "created_at": datetime(2026, 1, 1), "redacted": redacted,
                          "saved_at": datetime(2026, 1, 1, 0, 0, 0, 1), **who}
                         for uuid, parent, merges, number, redacted in (
                             (REVISIONS[0], None, [], 1, False),
                             (REVISIONS[1], REVISIONS[0], [REVISIONS[0]], 2, True))]),
        (Attachment, [{"revision_uuid": REVISIONS[0], "question_path": "f[1]/p",
                       "filename": "p.jpg", "sha256": SHA, "caption": ""}]),
        (Geometry, [{"revision_uuid": REVISIONS[1], "question_path": "route", "kind": "route",
                     "role": "", "geojson": '{"type": "Point"}', "length_m": 12.25,
                     "area_m2": 0.0, "min_lon": -1.5, "min_lat": 2.0, "max_lon": 3.0,
                     "max_lat": 1e-7}]),
    ]


def _stored(path: Path) -> list[tuple[str, ...]]:
    connection = sqlite3.connect(path)
    try:
        out = []
        for model in (Media, Audit, AuditRevision, Attachment, Geometry):
            table = model.__tablename__
            columns = [row[1] for row in connection.execute(f"PRAGMA table_info({table})")]
            listed = ", ".join(f"quote({c})" for c in columns)
            out += [(table, *row) for row in connection.execute(
                f"SELECT {listed} FROM {table} ORDER BY rowid")]
        return out
    finally:
        connection.close()


def test_rows_are_stored_as_sqlalchemy_stores_them(make_device: Any) -> None:
    by_core, by_cursor = make_device("core"), make_device("cursor")
    with by_core.transaction() as db:
        for model, rows in _rows():
            db.execute(insert(cast(Table, model.__table__)), rows)
    with by_cursor.transaction() as db:
        for model, rows in _rows():
            insert_rows(db, cast(Table, model.__table__), rows)
    stored = _stored(by_cursor.db_path)
    assert len(stored) == 6
    assert stored == _stored(by_core.db_path)


def test_rows_must_name_every_column(make_device: Any) -> None:
    ws = make_device("partial")
    [(_, [media]), *_rest] = _rows()
    table = cast(Table, Media.__table__)
    with ws.transaction() as db:
        with pytest.raises(ValueError, match=r"missing \['info'\]"):
            insert_rows(db, table, [{k: v for k, v in media.items() if k != "info"}])
        with pytest.raises(ValueError, match=r"unknown \['colour'\]"):
            insert_rows(db, table, [{**media, "colour": "red"}])
        with pytest.raises(ValueError, match="the same columns"):
            insert_rows(db, table, [media, {"sha256": "cd" * 32}])
        insert_rows(db, table, [])  # nothing to do


def test_json_given_as_text_is_stored_as_given_and_reads_back_the_same(
        make_device: Any) -> None:
    import msgspec

    ws = make_device("text")
    rows = dict(_rows())
    revisions = [{**r, "answers": msgspec.json.encode(r["answers"]).decode()}
                 for r in rows[AuditRevision]]
    with ws.transaction() as db:
        insert_rows(db, cast(Table, Audit.__table__), rows[Audit])
        insert_rows(db, cast(Table, AuditRevision.__table__), revisions, json_text=("answers",))
        with pytest.raises(ValueError, match=r"columns \['status'\] do not hold JSON"):
            insert_rows(db, cast(Table, AuditRevision.__table__), revisions,
                        json_text=("status",))
    with ws.transaction() as db:
        read = {r.uuid: r.answers for r in db.query(AuditRevision)}
    assert read == {r["uuid"]: r["answers"] for r in rows[AuditRevision]}
    connection = sqlite3.connect(ws.db_path)
    try:
        texts = {u: t for u, t in connection.execute("SELECT uuid, answers FROM audit_revisions")}
    finally:
        connection.close()
    assert texts == {r["uuid"]: r["answers"] for r in revisions}  # as given, not re-encoded


def test_tuples_of_texts_and_numbers_are_stored_as_sqlalchemy_stores_them(
        make_device: Any) -> None:
    from fieldsafe.services.sync_records import GEOMETRY_COLUMNS
    from fieldsafe.storage.bulk import insert_values

    by_core, by_tuples = make_device("core"), make_device("tuples")
    rows = dict(_rows())
    before = [Media, Audit, AuditRevision, Attachment]
    with by_core.transaction() as db:
        for model in (*before, Geometry):
            db.execute(insert(cast(Table, model.__table__)), rows[model])
    with by_tuples.transaction() as db:
        for model in before:
            insert_rows(db, cast(Table, model.__table__), rows[model])
        insert_values(db, cast(Table, Geometry.__table__), GEOMETRY_COLUMNS,
                      [tuple(r[n] for n in GEOMETRY_COLUMNS) for r in rows[Geometry]])
    assert _stored(by_tuples.db_path) == _stored(by_core.db_path)
    with by_tuples.transaction() as db:
        revisions = cast(Table, AuditRevision.__table__)
        names = [c.name for c in revisions.columns]
        with pytest.raises(ValueError, match="need converting: use insert_rows"):
            insert_values(db, revisions, names, [tuple(rows[AuditRevision][0][n]
                                                       for n in names)])
        floats = [tuple(r[n] for n in GEOMETRY_COLUMNS) for r in rows[Geometry]]
        with pytest.raises(ValueError, match=r"geometries.max_lon: 3 is not a float"):
            insert_values(db, cast(Table, Geometry.__table__), GEOMETRY_COLUMNS,
                          [(*floats[0][:9], 3, floats[0][10])])
        with pytest.raises(ValueError, match="must all have 11 values"):
            insert_values(db, cast(Table, Geometry.__table__), GEOMETRY_COLUMNS, [("x",)])
        with pytest.raises(ValueError, match=r"missing \['max_lat'\]"):
            insert_values(db, cast(Table, Geometry.__table__), GEOMETRY_COLUMNS[:-1],
                          [("x",) * 10])


def test_datetimes_of_every_kind_are_stored_as_sqlalchemy_stores_them(
        make_device: Any) -> None:
    from datetime import date, timedelta, timezone

    class Later(datetime):
        """A datetime subclass: not the plain kind the fast path formats itself."""

    [_media, (_, [audit]), *_rest] = _rows()
    whens: list[Any] = [
        datetime(2026, 11, 26, 5, 30, 59), datetime(1, 1, 1), datetime(9999, 12, 31, 23, 59,
                                                                         59, 999999),
        datetime(2026, 3, 1, 12, tzinfo=timezone(timedelta(hours=5, minutes=30))),
        date(2026, 2, 3), Later(2026, 4, 5, 6, 7, 8, 9)]
    rows = [{**audit, "uuid": f"{index:08d}-0000-4000-8000-000000000001",
             "created_at": when, "modified_at": when}
            for index, when in enumerate(whens)]
    by_core, by_cursor = make_device("core"), make_device("cursor")
    table = cast(Table, Audit.__table__)
    with by_core.transaction() as db:
        db.execute(insert(table), rows)
    with by_cursor.transaction() as db:
        insert_rows(db, table, rows)
    stored = _stored(by_cursor.db_path)
    assert len(stored) == len(whens)
    assert stored == _stored(by_core.db_path)
    assert "'2026-03-01 12:00:00.000000'" in stored[3]  # SQLAlchemy drops the offset
