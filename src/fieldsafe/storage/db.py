"""Opens a workspace database: SQLite in WAL mode, foreign keys on, schema version checked."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DatabaseError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from fieldsafe.errors import UserError
from fieldsafe.i18n import _
from fieldsafe.storage.models import SCHEMA_VERSION

SQLITE_HEADER = b"SQLite format 3\x00"
PAGE_SIZE = 16_384  # bytes, for a new workspace database
CHECKPOINT_BYTES = 40 * 1024 * 1024  # WAL written before SQLite copies it into the database


def busy_timeout_ms() -> int:
    """How long to wait for another program's lock before saying the workspace is busy."""
    try:
        return int(os.environ.get("FIELDSAFE_BUSY_TIMEOUT_MS", "5000"))
    except ValueError:
        return 5000


class DatabaseTooNewError(UserError):
    """The workspace was written by a newer FieldSafe."""


def _pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {busy_timeout_ms()}")
    # Pages of 16 KiB rather than 4: an audit revision's answers (a few KiB) fill a 4 KiB
    # page alone, and every page is a write at commit and checkpoint; a sync bundle's
    # merge commits ~30% faster. It takes effect only while the file is still empty
    # (before WAL mode is set): an existing workspace keeps its own page size.
    cursor.execute(f"PRAGMA page_size = {PAGE_SIZE}")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA synchronous = FULL")  # durable: a commit survives a power cut
    # Copy the WAL into the database every ~40 MB rather than every 4 MB: pages changed by
    # consecutive bulk writes (sync bundles) are written back once.
    page_size = cursor.execute("PRAGMA page_size").fetchone()[0]
    cursor.execute(f"PRAGMA wal_autocheckpoint = {CHECKPOINT_BYTES // page_size}")
    cursor.close()


def check_file(path: Path) -> None:
    """Refuse a file that is not SQLite before SQLAlchemy sees it."""
    if not path.exists() or path.stat().st_size == 0:
        return
    with path.open("rb") as handle:
        if handle.read(16) != SQLITE_HEADER:
            raise UserError(_("{file}: not a FieldSafe workspace database (the file is not "
                              "SQLite)").format(file=path))
    if not os.access(path.parent, os.W_OK) or not os.access(path, os.W_OK):
        # SQLite then cannot make its WAL index beside it, and says only "unable to open
        # database file", which reads as damage: it is not.
        raise UserError(_("{file}: the workspace cannot be written (a read-only folder, "
                          "file or disk); copy the workspace folder to a writable place to "
                          "open it. Nothing is damaged.").format(file=path))


def schema_version(path: Path) -> int:
    """PRAGMA user_version, read without SQLAlchemy or Alembic (cheap at start-up)."""
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True,
                                 timeout=busy_timeout_ms() / 1000)
    try:
        row = connection.execute("PRAGMA user_version").fetchone()
        connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.OperationalError as err:
        if "locked" in str(err).lower() or "busy" in str(err).lower():
            raise database_error(path, err) from None  # in use, not damaged
        raise UserError(_("{file}: the workspace database is damaged or unreadable: {why}")
                        .format(file=path, why=err)) from None
    except sqlite3.DatabaseError as err:
        raise UserError(_("{file}: the workspace database is damaged or unreadable: {why}")
                        .format(file=path, why=err)) from None
    finally:
        connection.close()
    return int(row[0])


def open_engine(path: Path) -> Engine:
    """An engine on the workspace database at ``path``, created or migrated as needed."""
    check_file(path)
    existed = path.exists() and path.stat().st_size > 0
    version = schema_version(path) if existed else 0
    if version > SCHEMA_VERSION:
        raise DatabaseTooNewError(_(
            "{file} was written by a newer FieldSafe (schema {found}; this FieldSafe knows "
            "schema {known}). Update FieldSafe to open it; nothing was changed.").format(
            file=path, found=version, known=SCHEMA_VERSION))
    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": busy_timeout_ms() / 1000})
    event.listen(engine, "connect", _pragmas)
    if version < SCHEMA_VERSION:
        if existed and version > 0:
            _backup_before_migrating(path, version, engine)
        try:
            from fieldsafe.storage.migrate import upgrade

            with engine.begin() as connection:
                upgrade(connection)
        except OperationalError as err:
            engine.dispose()
            raise database_error(path, err) from None
    return engine


def _backup_before_migrating(path: Path, version: int, engine: Engine) -> None:
    """A copy of the database as it was, beside it, before its schema is changed; if it
    cannot be made (a full disk), nothing is changed and no part of a copy is left."""
    copy = path.with_name(f"{path.name}.schema{version}-{datetime.now():%Y%m%d-%H%M%S}.bak")
    try:
        backup_database(path, copy)
    except (OSError, sqlite3.Error) as err:
        copy.unlink(missing_ok=True)
        engine.dispose()
        raise UserError(_(
            "{file} needs updating to this FieldSafe's schema, but its copy from before "
            "could not be written ({why}); free some space and open it again. Nothing was "
            "changed.").format(file=path, why=str(err).splitlines()[0] if str(err) else
                               type(err).__name__)) from None


def open_writer_engine(path: Path) -> Engine:
    """A second engine on an open (checked, migrated) workspace database, for bulk writes
    that hold the write lock from their first statement and nest savepoints: the merge of
    several sync bundles in one commit, a savepoint each.

    pysqlite's own transaction handling cannot do that: it sends BEGIN only before an
    INSERT, UPDATE or DELETE, so a SAVEPOINT that comes first starts a transaction of its
    own, which its RELEASE commits. Here the driver sends nothing (``isolation_level``
    None) and every transaction starts with BEGIN IMMEDIATE: it waits (busy timeout) for
    another writer, and no other one can commit between its reads and its writes."""
    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": busy_timeout_ms() / 1000})
    event.listen(engine, "connect", _pragmas)
    event.listen(engine, "connect", _no_driver_transactions)
    event.listen(engine, "begin", _begin_immediate)
    return engine


def _no_driver_transactions(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # it still sends COMMIT and ROLLBACK


def _begin_immediate(connection: Any) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def backup_database(source: Path, destination: Path) -> None:
    """A consistent copy of a live database (SQLite's online backup)."""
    src = sqlite3.connect(str(source), timeout=busy_timeout_ms() / 1000)
    try:
        dst = sqlite3.connect(str(destination))
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()


def database_error(path: Path, err: Exception) -> UserError:
    """A user error for what SQLite said (locked, full disk, damaged, read-only)."""
    text = str(getattr(err, "orig", err))
    lowered = text.lower()
    if "locked" in lowered or "busy" in lowered:
        why = _("the workspace is in use by another FieldSafe; close it and try again")
    elif "disk is full" in lowered or "full" in lowered:
        why = _("the disk is full; free some space and try again (nothing was saved)")
    elif "readonly" in lowered or "read-only" in lowered:
        why = _("the workspace cannot be written (read-only folder or file)")
    elif "malformed" in lowered or "not a database" in lowered:
        why = _("the workspace database is damaged; restore a backup")
    else:
        why = text
    return UserError(f"{path}: {why}")


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session], path: Path) -> Iterator[Session]:
    """One user action: commits when the block ends, rolls back everything on error."""
    session = factory()
    try:
        with session.begin():
            yield session
    except (OperationalError, DatabaseError) as err:
        raise database_error(path, err) from None
    finally:
        session.close()
