"""Many-row INSERTs through the DBAPI cursor, each value stored exactly as SQLAlchemy stores it."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Dialect, Float, Table
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session

BULK_CACHE_KIB = 32 * 1024  # SQLite's page cache for bulk writes (its default: 2 MB)


def use_bulk_cache(db: Session) -> None:
    """Give the session's connection a page cache large enough that a bulk write (a sync
    bundle: thousands of rows in many indexes) keeps its pages in memory rather than
    spilling them. Only the connections that merge pay for it in memory."""
    db.connection().exec_driver_sql(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")


def insert_rows(db: Session, table: Table, rows: Sequence[dict[str, Any]],
                json_text: Collection[str] = ()) -> None:
    """INSERT ``rows`` (dicts with the same keys: every column but an autoincrement key)
    with one executemany in the session's transaction.

    Each value goes through its column type's own bind processor (JSON text, SQLite's
    datetime text, booleans as 0 or 1), so the stored bytes are those of
    ``db.execute(insert(table), rows)``, without its per-row parameter bookkeeping.
    Python-side column defaults are not applied: a row names every column.

    ``json_text`` names JSON columns whose values the caller gives as JSON text already
    (encoded by a faster encoder): they are stored as given.
    """
    if not rows:
        return
    dialect = db.connection().dialect
    names = list(rows[0])
    _check_columns(table, names, dialect)
    if not_json := [n for n in json_text if not isinstance(table.c[n].type, JSON)]:
        raise ValueError(f"{table.name} columns {not_json} do not hold JSON")
    steps = [(index, process) for index, name in enumerate(names)
             if name not in json_text and (process := _processor(table, name, dialect))]
    values: list[tuple[Any, ...]] = []
    for row in rows:
        if len(row) != len(names):
            raise ValueError(f"rows for {table.name} must all name the same columns")
        value = [row[name] for name in names]
        for index, process in steps:
            value[index] = process(value[index])
        values.append(tuple(value))
    _execute(db, table, names, values)


def insert_values(db: Session, table: Table, names: Sequence[str],
                  values: Sequence[tuple[Any, ...]]) -> None:
    """INSERT rows given as tuples in the order of ``names`` (every column but an
    autoincrement key), with one executemany: the fastest way in for many rows.

    Only for columns that SQLAlchemy stores as the Python value is (texts, integers, and
    floats given as floats), so that the stored bytes are again its own. ValueError for a
    column that needs converting (datetimes, JSON, booleans: use :func:`insert_rows`) and
    for a number that is not a float in a Float column (SQLAlchemy would convert it)."""
    if not values:
        return
    dialect = db.connection().dialect
    _check_columns(table, names, dialect)
    floats = [index for index, name in enumerate(names) if isinstance(table.c[name].type, Float)]
    if processed := [name for index, name in enumerate(names)
                     if index not in floats and _processor(table, name, dialect)]:
        raise ValueError(f"{table.name} columns {processed} need converting: use insert_rows")
    for value in values:
        if len(value) != len(names):
            raise ValueError(f"rows for {table.name} must all have {len(names)} values")
        for index in floats:
            if type(value[index]) is not float and value[index] is not None:
                raise ValueError(f"{table.name}.{names[index]}: {value[index]!r} is not a "
                                 "float")
    _execute(db, table, names, values)


def _check_columns(table: Table, names: Sequence[str], dialect: Dialect) -> None:
    auto = table.autoincrement_column
    missing = [c.name for c in table.columns if c.name not in names and c is not auto]
    unknown = [name for name in names if name not in table.c]
    if missing or unknown or dialect.paramstyle != "qmark":
        raise ValueError(f"rows for {table.name} must name every column (missing {missing}, "
                         f"unknown {unknown}) on SQLite")


def _processor(table: Table, name: str, dialect: Dialect) -> Callable[[Any], Any] | None:
    impl = table.c[name].type.dialect_impl(dialect)
    processor: Callable[[Any], Any] | None = impl.bind_processor(dialect)
    if processor is not None and isinstance(impl, sqlite.DATETIME):
        return _fast_datetime(processor)
    return processor


# Datetimes SQLite's DATETIME text must hold exactly as SQLAlchemy writes them.
_PROBES = (datetime(2026, 11, 26, 5, 30, 59, 123456), datetime(999, 1, 2, 3, 4, 5),
           datetime(2026, 1, 1))


def _fast_datetime(slow: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """SQLAlchemy's text for a naive datetime ('YYYY-MM-DD HH:MM:SS.ffffff', its default
    storage format) made by datetime.isoformat, in C: a few times faster for the 3,000
    datetimes of a bundle's revisions. Any other value, or a column whose format differs
    (the probes tell), goes through SQLAlchemy's own processor."""
    if any(slow(p) != p.isoformat(" ", "microseconds") for p in _PROBES):
        return slow

    def process(value: Any) -> Any:
        if type(value) is datetime and value.tzinfo is None:
            return value.isoformat(" ", "microseconds")
        return slow(value)

    return process


def _execute(db: Session, table: Table, names: Sequence[str],
             values: Sequence[tuple[Any, ...]]) -> None:
    connection = db.connection()
    quote = connection.dialect.identifier_preparer.quote
    connection.exec_driver_sql(
        f"INSERT INTO {quote(table.name)} ({', '.join(quote(n) for n in names)}) "
        f"VALUES ({', '.join('?' for _ in names)})", list(values))
