"""The workspace database on disk: pragmas, schema versions, migrations, refusals."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from fieldsafe.errors import UserError
from fieldsafe.services.workspace import Workspace
from fieldsafe.storage.db import (
    CHECKPOINT_BYTES,
    PAGE_SIZE,
    DatabaseTooNewError,
    open_engine,
    schema_version,
)
from fieldsafe.storage.migrate import alembic_config, upgrade
from fieldsafe.storage.models import SCHEMA_VERSION, Base
from tests.conftest import ROOT

SCHEMA1 = ROOT / "tests" / "data" / "workspace-schema1.sqlite"


def test_new_workspace_is_wal_with_foreign_keys(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "new")
    with ws.engine.connect() as c:
        assert c.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert c.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert c.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert c.exec_driver_sql("PRAGMA page_size").scalar() == PAGE_SIZE == 16_384
        assert c.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == \
            CHECKPOINT_BYTES // PAGE_SIZE
    assert schema_version(ws.db_path) == SCHEMA_VERSION
    assert (tmp_path / "new" / "media").is_dir()
    ws.close()


def test_migrations_build_exactly_the_models(tmp_path: Path) -> None:
    engine = open_engine(tmp_path / "fieldsafe.sqlite")
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    assert len(heads) == 1 and int(heads[0]) == SCHEMA_VERSION


def indexes(path: Path) -> set[tuple[str, str, bool, tuple[str, ...]]]:
    """(table, index, unique, columns) of every index in a database, autoindexes included."""
    con = sqlite3.connect(path)
    try:
        tables = [row[0] for row in con.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            " AND name != 'alembic_version'")]
        return {(table, name, bool(unique), tuple(
                    str(column[2]) for column in con.execute(
                        "SELECT * FROM pragma_index_info(?) ORDER BY seqno", (name,))))
                for table in tables
                for _seq, name, unique, *_rest in con.execute(
                    "SELECT * FROM pragma_index_list(?)", (table,))}
    finally:
        con.close()


def query_plan(path: Path, sql: str) -> str:
    con = sqlite3.connect(path)
    try:
        return " | ".join(str(row[3]) for row in con.execute(
            f"EXPLAIN QUERY PLAN {sql}", ("x",) * sql.count("?")))
    finally:
        con.close()


def test_no_redundant_indexes_and_lookups_still_use_one(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "new")
    ws.close()
    found = indexes(ws.db_path)
    names = {name for _table, name, _unique, _columns in found}
    # Migration 0005: each was covered by a wider index with the same leading column.
    assert "ix_audit_revisions_audit_uuid" not in names
    assert "ix_attachments_revision_uuid" not in names
    assert ("audit_revisions", "ix_audit_revisions_audit_number", False,
            ("audit_uuid", "number")) in found
    assert [columns for table, name, unique, columns in found if table == "attachments"
            and name.startswith("sqlite_autoindex_") and unique] == [
        ("revision_uuid", "question_path")]
    for sql in ("SELECT * FROM audit_revisions WHERE audit_uuid = ?",
                "SELECT * FROM audit_revisions WHERE audit_uuid IN (?, ?)",
                "SELECT * FROM attachments WHERE revision_uuid = ?",
                "SELECT * FROM attachments WHERE revision_uuid IN (?, ?)",
                "DELETE FROM attachments WHERE revision_uuid = ?"):
        plan = query_plan(ws.db_path, sql)
        assert "USING INDEX" in plan or "USING COVERING INDEX" in plan, (sql, plan)
        assert "SCAN" not in plan, (sql, plan)
    # ON DELETE CASCADE finds the children through an index whose first columns are the
    # foreign key (or it would scan the child table once per deleted parent row).
    con = sqlite3.connect(ws.db_path)
    try:
        keys = con.execute(
            "SELECT m.name, f.id, group_concat(f.\"from\") OVER (PARTITION BY m.name, f.id"
            " ORDER BY f.seq ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)"
            " FROM sqlite_master m, pragma_foreign_key_list(m.name) f"
            " WHERE m.type = 'table'").fetchall()
    finally:
        con.close()
    assert {(table, columns) for table, _id, columns in keys} >= {
        ("audit_revisions", "audit_uuid"), ("attachments", "revision_uuid")}
    for table, _id, joined in keys:
        fk = tuple(joined.split(","))
        assert any(t == table and columns[:len(fk)] == fk
                   for t, _name, _unique, columns in found), (table, fk)


def test_every_way_to_the_current_schema_has_the_same_indexes(tmp_path: Path) -> None:
    fresh = Workspace(tmp_path / "fresh")
    fresh.close()
    folder = tmp_path / "old"
    folder.mkdir()
    shutil.copy(SCHEMA1, folder / "fieldsafe.sqlite")
    migrated = Workspace(folder)
    with migrated.engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    migrated.close()
    from sqlalchemy import create_engine

    created = tmp_path / "created.sqlite"
    engine = create_engine(f"sqlite:///{created}")
    Base.metadata.create_all(engine)
    engine.dispose()
    assert indexes(migrated.db_path) == indexes(fresh.db_path) == indexes(created)
    # Down to 0004 and up again: the dropped indexes come back, then go again.
    engine = open_engine(fresh.db_path)
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), "0004")
    assert schema_version(fresh.db_path) == 4
    assert ({"ix_audit_revisions_audit_uuid", "ix_attachments_revision_uuid"}
            <= {name for _table, name, _unique, _columns in indexes(fresh.db_path)})
    with engine.begin() as connection:
        upgrade(connection)
    engine.dispose()
    assert schema_version(fresh.db_path) == SCHEMA_VERSION
    assert indexes(fresh.db_path) == indexes(created)


def test_a_first_schema_workspace_opens_with_its_data(tmp_path: Path) -> None:
    folder = tmp_path / "old"
    folder.mkdir()
    shutil.copy(SCHEMA1, folder / "fieldsafe.sqlite")
    assert schema_version(folder / "fieldsafe.sqlite") == 1
    ws = Workspace(folder)
    from fieldsafe.services.audit_queries import list_audits

    audits = list_audits(ws)
    assert [(a["form_id"], a["campaign"]) for a in audits] == [
        ("walkability", "Schema 1 campaign")]
    from fieldsafe.storage.models import Audit

    with ws.transaction() as db:
        audit = db.get(Audit, audits[0]["id"])
        assert audit is not None
        assert (audit.team, audit.period) == ("default", "day")  # filled by migration 0002
    with ws.engine.connect() as c:  # its pages keep their size; checkpoints by bytes
        assert c.exec_driver_sql("PRAGMA page_size").scalar() == 4096
        assert c.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == \
            CHECKPOINT_BYTES // 4096
        assert c.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    assert schema_version(ws.db_path) == SCHEMA_VERSION
    backups = list(folder.glob("fieldsafe.sqlite.schema*.bak"))
    assert len(backups) == (1 if SCHEMA_VERSION > 1 else 0)
    ws.close()


def test_a_newer_workspace_is_refused_untouched(tmp_path: Path) -> None:
    folder = tmp_path / "future"
    folder.mkdir()
    db = folder / "fieldsafe.sqlite"
    shutil.copy(SCHEMA1, db)
    con = sqlite3.connect(db)
    con.execute("PRAGMA user_version = 99")
    con.close()
    before = db.read_bytes()
    with pytest.raises(DatabaseTooNewError) as info:
        Workspace(folder)
    assert "newer FieldSafe (schema 99" in str(info.value)
    assert str(db) in str(info.value)
    assert db.read_bytes() == before


def test_not_sqlite_and_damaged_files_are_refused(tmp_path: Path) -> None:
    text = tmp_path / "text"
    text.mkdir()
    (text / "fieldsafe.sqlite").write_text("hello, not a database")
    with pytest.raises(UserError, match="not SQLite"):
        Workspace(text)
    damaged = tmp_path / "damaged"
    damaged.mkdir()
    data = bytearray(SCHEMA1.read_bytes())
    data[100:4096] = b"\xff" * (4096 - 100)
    (damaged / "fieldsafe.sqlite").write_bytes(bytes(data))
    with pytest.raises(UserError, match=r"damaged|unreadable"):
        Workspace(damaged)


def test_a_locked_workspace_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FIELDSAFE_BUSY_TIMEOUT_MS", "100")
    ws = Workspace(tmp_path / "busy")
    other = sqlite3.connect(ws.db_path, timeout=0.1)
    other.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(UserError, match="in use by another FieldSafe"):
            ws.set_identity(team="blocked")
    finally:
        other.rollback()
        other.close()
    assert ws.set_identity(team="free").team == "free"
    ws.close()


def test_a_full_disk_loses_nothing(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "full")
    from fieldsafe.services.campaigns import list_campaigns, new_campaign

    new_campaign(ws, "Before")
    with ws.engine.connect() as c:
        pages = c.exec_driver_sql("PRAGMA page_count").scalar()
    from sqlalchemy import event

    def cap(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")

    event.listen(ws.engine, "connect", cap)
    ws.engine.dispose()
    with pytest.raises(UserError, match="disk is full"):
        new_campaign(ws, "x" * 400_000)  # a row larger than the pages left
    assert [c["name"] for c in list_campaigns(ws)] == ["Before"]
    ws.close()


def test_a_backup_is_whole_or_not_there(workspace: Workspace, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    from fieldsafe.services import workspace_admin
    from fieldsafe.services.workspace_admin import backup

    inside = workspace.root / "media" / "backup"
    with pytest.raises(UserError, match="outside the workspace"):
        backup(workspace, inside)  # it would copy itself, again and again
    assert not inside.exists()
    real = shutil.copytree

    def disk_full(*args: object, **kwargs: object) -> object:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(workspace_admin.shutil, "copytree", disk_full)
    target = tmp_path / "copy"
    with pytest.raises(UserError, match="nothing of it was left: No space left on device"):
        backup(workspace, target)
    assert not target.exists() and not list(tmp_path.glob(".copy*"))
    monkeypatch.setattr(workspace_admin.shutil, "copytree", real)
    assert backup(workspace, target) == target  # the same command again, once there is room
    assert (target / workspace.db_path.name).is_file()


def test_an_old_workspace_is_left_as_it_was_when_its_copy_cannot_be_made(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from fieldsafe.storage import db as db_module

    folder = tmp_path / "old"
    folder.mkdir()
    shutil.copy(SCHEMA1, folder / "fieldsafe.sqlite")
    before = (folder / "fieldsafe.sqlite").read_bytes()

    def disk_full(source: Path, destination: Path) -> None:
        destination.write_bytes(b"")  # as SQLite leaves it when the disk fills
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(db_module, "backup_database", disk_full)
    with pytest.raises(UserError, match=r"could not be written \(database or disk is "
                                        r"full\).*Nothing was changed"):
        Workspace(folder)
    assert (folder / "fieldsafe.sqlite").read_bytes() == before
    assert not list(folder.glob("*.bak"))  # no empty copy left, one more at each try


def test_a_workspace_on_a_read_only_disk_is_not_called_damaged(
        workspace: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    """A backup on a write-protected stick: SQLite says "unable to open database file"."""
    import os

    from fieldsafe.storage import db as db_module

    root = workspace.root
    workspace.close()
    real = os.access
    monkeypatch.setattr(db_module.os, "access",
                        lambda path, mode: False if Path(path) == root and mode == os.W_OK
                        else real(path, mode))
    with pytest.raises(UserError, match=r"cannot be written .*Nothing is damaged") as caught:
        Workspace(root)
    assert "damaged or unreadable" not in str(caught.value)


def test_a_workspace_locked_before_it_opens_is_in_use_not_damaged(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another program holding the database in exclusive mode while FieldSafe starts: the
    schema check waits FIELDSAFE_BUSY_TIMEOUT_MS, then says the workspace is in use."""
    Workspace(tmp_path / "held").close()
    other = sqlite3.connect(tmp_path / "held" / "fieldsafe.sqlite", isolation_level=None)
    other.execute("PRAGMA locking_mode=EXCLUSIVE")
    other.execute("BEGIN EXCLUSIVE")
    other.execute("CREATE TABLE held(x)")
    other.execute("COMMIT")  # the exclusive lock stays, as locking_mode says
    monkeypatch.setenv("FIELDSAFE_BUSY_TIMEOUT_MS", "300")
    try:
        with pytest.raises(UserError, match="in use by another FieldSafe"):
            Workspace(tmp_path / "held")
    finally:
        other.close()
