"""The workspace's forms: import XLSForms as immutable versions, and load them to fill in."""

from __future__ import annotations

import hashlib
import re
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from fieldsafe.builtin import builtin_forms
from fieldsafe.errors import UserError
from fieldsafe.forms.errors import FormLoadError
from fieldsafe.forms.loader_lazy import load_form
from fieldsafe.forms.model import FormDef
from fieldsafe.i18n import _
from fieldsafe.services.form_cache import cached_form, keep_form
from fieldsafe.services.workspace import Workspace
from fieldsafe.storage.models import FormVersion

_CACHE: dict[str, FormDef] = {}  # content hash -> loaded form (forms are immutable)
_FILES: dict[str, FormDef] = {}  # SHA-256 of a form file's bytes -> loaded form


@dataclass(frozen=True, slots=True)
class FormSummary:
    form_id: str
    version: str
    title: str
    method: str
    builtin: bool
    content_hash: str
    questions: int
    warnings: tuple[str, ...] = ()  # what ``forms validate`` warns of it (when loaded)

    def as_dict(self) -> dict[str, object]:
        return {"form_id": self.form_id, "version": self.version, "title": self.title,
                "method": self.method, "builtin": self.builtin,
                "content_hash": self.content_hash, "questions": self.questions}


def import_form(workspace: Workspace, path: Path, *, builtin: bool = False) -> tuple[
        FormSummary, bool]:
    """Check the form and store it as a new version. Returns (summary, newly added).

    The same form_id and version with other content is refused, as ODK Central does."""
    try:
        data = path.read_bytes()
    except OSError:
        data = b""  # load_form says what is wrong with the file
    key = hashlib.sha256(data).hexdigest()
    form = _FILES.get(key) if data else None
    if form is None:
        form = load_form(path)  # raises FormLoadError with sheet and row
        _FILES[key] = form
    with workspace.transaction() as session:
        return _store(session, form, path.name, data, builtin)


def _store(session: Session, form: FormDef, name: str, data: bytes,
           builtin: bool) -> tuple[FormSummary, bool]:
    existing = session.scalar(select(FormVersion).where(
        FormVersion.form_id == form.form_id, FormVersion.version == form.version))
    if existing is not None:
        if existing.content_hash != form.content_hash:
            raise UserError(_(
                "{file}: form '{form_id}' version '{version}' is already in this workspace "
                "with different content; a form version never changes, so give the changed "
                "form a new version in its settings sheet").format(
                file=name, form_id=form.form_id, version=form.version or _("(none)")))
        return summary(existing, form), False
    record = FormVersion(form_id=form.form_id, version=form.version, title=form.title,
                         content_hash=form.content_hash, source_name=name, source_bytes=data,
                         method=form.method, builtin=builtin, added_at=datetime.now())
    session.add(record)
    _CACHE[form.content_hash] = form
    keep_form(form)
    return summary(record, form), True


def summary(record: FormVersion, form: FormDef | None = None) -> FormSummary:
    count = sum(1 for _q in form.questions()) if form is not None else 0
    return FormSummary(record.form_id, record.version, record.title, record.method,
                       record.builtin, record.content_hash, count,
                       tuple(form.warnings) if form is not None else ())


def ensure_builtin_forms(workspace: Workspace) -> None:
    """Add the built-in instruments that this workspace does not have yet, and the new
    version of one that this release changed (the versions before it stay, for the audits
    filled in with them; new audits use the newest)."""
    with workspace.transaction() as session:
        have = {hashlib.sha256(data).hexdigest() for data in session.scalars(
            select(FormVersion.source_bytes).where(FormVersion.builtin.is_(True)))}
    for path in builtin_forms():
        if hashlib.sha256(path.read_bytes()).hexdigest() not in have:
            import_form(workspace, path, builtin=True)


def version_key(version: str) -> tuple[int, int | str]:
    """Sort key for ODK versions: numbers numerically (2026112501), others as text."""
    return (1, int(version)) if re.fullmatch(r"\d+", version) else (0, version)


def find_version(session: Session, form_id: str, version: str | None = None) -> FormVersion:
    rows = list(session.scalars(select(FormVersion).where(FormVersion.form_id == form_id)))
    if not rows:
        known = sorted(set(session.scalars(select(FormVersion.form_id))))
        raise UserError(_("no form with form_id '{form_id}' (known: {known})").format(
            form_id=form_id, known=", ".join(known) or _("none")))
    if version is None:
        return max(rows, key=lambda r: (version_key(r.version), r.id))
    for row in rows:
        if row.version == version:
            return row
    raise UserError(_("form '{form_id}' has no version '{version}' (known: {known})").format(
        form_id=form_id, version=version, known=", ".join(r.version for r in rows)))


def load_form_bytes(name: str, data: bytes, *, xform: bool = True) -> FormDef:
    """Load a form kept as bytes (a stored version, a form in a sync bundle) as the file
    ``name`` (a bare file name: load_form reads the format from its suffix); ``xform`` as in
    :func:`fieldsafe.forms.loader.load_form`."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        try:
            return load_form(path, xform=xform)
        except FormLoadError as err:  # named by its file, not by the temporary folder
            raise FormLoadError(name, err.problems) from None


def form_definition(record: FormVersion) -> FormDef:
    """The loaded form of a stored version (cached in memory and on disk, see
    :mod:`fieldsafe.services.form_cache`: versions never change). It was checked in full when
    it was imported, so pyxform's XForm XML is not made again (``xform`` is empty)."""
    cached = _CACHE.get(record.content_hash) or cached_form(record.content_hash)
    if cached is not None:
        _CACHE[record.content_hash] = cached
        return cached
    form = load_form_bytes(Path(record.source_name).name or "form.xlsx", record.source_bytes,
                           xform=False)
    form.source = record.source_name
    _CACHE[record.content_hash] = form
    keep_form(form)
    return form


def list_forms(workspace: Workspace) -> list[FormSummary]:
    with workspace.transaction() as session:
        rows = list(session.scalars(select(FormVersion).order_by(FormVersion.form_id,
                                                                 FormVersion.id)))
        return [summary(r, form_definition(r)) for r in rows]
