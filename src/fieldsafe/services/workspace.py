"""An open workspace: its folder, database, media store and this device's identity."""

from __future__ import annotations

import getpass
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from fieldsafe.errors import UserError
from fieldsafe.i18n import _
from fieldsafe.ids import new_id
from fieldsafe.media.store import MediaStore
from fieldsafe.storage.db import (
    database_error,
    open_engine,
    open_writer_engine,
    session_factory,
    transaction,
)
from fieldsafe.storage.models import LocalSetting

if TYPE_CHECKING:
    from fieldsafe.services.media_worker import MediaWorker

DATABASE_NAME = "fieldsafe.sqlite"


def default_workspace_dir() -> Path:
    """The per-user default workspace (platformdirs), used without --workspace."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("fieldsafe", appauthor=False)) / "workspace"


def resolve_workspace_dir(option: str | None) -> Path:
    """--workspace, else FIELDSAFE_WORKSPACE, else the default folder."""
    chosen = option or os.environ.get("FIELDSAFE_WORKSPACE")
    return Path(chosen).expanduser() if chosen else default_workspace_dir()


@dataclass(frozen=True, slots=True)
class Identity:
    """Who and where: stamped on every record this device makes."""

    device_id: str
    device_name: str
    user: str
    team: str


def _login_name() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "user"


class Workspace:
    """A workspace folder opened for use. Services take one and open their own
    transaction on it, once per user action."""

    def __init__(self, root: Path) -> None:
        self.root = root
        if root.exists() and not root.is_dir():
            raise UserError(_("{folder}: not a folder (a workspace is a folder; this is a "
                              "file)").format(folder=root))
        try:
            root.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise UserError(_("{folder}: cannot create the workspace folder: {why}").format(
                folder=root, why=err.strerror or err)) from None
        if not root.is_dir():
            raise UserError(_("{folder}: not a folder").format(folder=root))
        self.db_path = root / DATABASE_NAME
        self.engine = open_engine(self.db_path)
        self._factory = session_factory(self.engine)
        self.media = MediaStore(root / "media")
        self.layers_dir = root / "layers"
        self.identity = self._identity()
        self._media_worker: MediaWorker | None = None
        self._writer: tuple[Engine, sessionmaker[Session]] | None = None

    def media_worker(self) -> MediaWorker:
        """The process that copies received photos and files in (started when first used)."""
        if self._media_worker is None:
            from fieldsafe.services.media_worker import MediaWorker

            self._media_worker = MediaWorker()
        return self._media_worker

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One user action: all of it is saved, or none of it."""
        with transaction(self._factory, self.db_path) as session:
            yield session

    def writer_session(self) -> Session:
        """A session for a bulk write that spans several steps (the merge of many bundles):
        its transaction starts with BEGIN IMMEDIATE, so it holds the write lock from its
        first statement, and ``begin_nested`` savepoints work. The caller begins, commits
        or rolls back, and closes it; :meth:`database_error` words what SQLite says."""
        if self._writer is None:
            engine = open_writer_engine(self.db_path)
            self._writer = (engine, session_factory(engine))
        return self._writer[1]()

    def database_error(self, err: Exception) -> UserError:
        """What SQLite said (locked, full disk, damaged), as a user error naming the file."""
        return database_error(self.db_path, err)

    def close(self) -> None:
        if self._media_worker is not None:
            self._media_worker.close()
        if self._writer is not None:
            self._writer[0].dispose()
        self.engine.dispose()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- identity ---------------------------------------------------------------------
    def _identity(self) -> Identity:
        with self.transaction() as session:
            values = get_settings(session)
            defaults = {"device_id": new_id(), "device_name": socket.gethostname(),
                        "user": _login_name(), "team": "default"}
            for key, value in defaults.items():
                if key not in values:
                    session.add(LocalSetting(key=key, value=value))
                    values[key] = value
        return Identity(values["device_id"], values["device_name"], values["user"],
                        values["team"])

    def set_identity(self, *, user: str | None = None, team: str | None = None,
                     device_name: str | None = None) -> Identity:
        changes = {"user": user, "team": team, "device_name": device_name}
        with self.transaction() as session:
            for key, value in changes.items():
                if value is None:
                    continue
                if not value.strip():
                    raise UserError(_("the {what} cannot be empty").format(what=key))
                if len(value.strip()) > 200 or not value.strip().isprintable():
                    raise UserError(_("the {what} must be one line of at most 200 characters")
                                    .format(what=key))
                setting = session.get(LocalSetting, key)
                assert setting is not None
                setting.value = value.strip()
        self.identity = self._identity()
        return self.identity


def get_settings(session: Session) -> dict[str, str]:
    return {s.key: s.value for s in session.scalars(select(LocalSetting))}


def open_workspace(option: str | None = None, *, create: bool = True) -> Workspace:
    """The workspace in the folder ``option`` names (see :func:`resolve_workspace_dir`),
    made there if there is none, unless ``create`` is False: then a folder without a
    workspace (a mistyped path, most likely) is refused and nothing is made in it."""
    root = resolve_workspace_dir(option)
    if not create and not root.is_file() and not (root / DATABASE_NAME).is_file():
        raise UserError(_("there is no workspace in {folder} (a command that records "
                          "something, such as \"fieldsafe demo\" or \"fieldsafe forms "
                          "import\", makes one)").format(folder=root))
    return Workspace(root)
