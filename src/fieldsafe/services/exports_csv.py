"""CSV export in ODK Central's layout: a table per form and per repeat, and the media files.

Columns follow ODK Central: ``SubmissionDate`` (when the audit was saved, in UTC:
``2026-11-20T08:15:02.123Z``), the questions in form order named by their group path joined
with "-", a geopoint split into Latitude/Longitude/Altitude/Accuracy, then ``KEY`` (the
instanceID) and the submission's facts in Central's order, then FieldSafe's own (AuditID,
Team, DeviceName). ``SubmitterID`` is left empty: in Central it is the number of a Central
account, which FieldSafe has not (``SubmitterName`` is the author, ``DeviceID`` the device).
``Status`` is left empty too, as Central leaves it for every submission that is not encrypted
(only finalized audits are exported). A repeat's table has its own questions and
``PARENT_KEY``/``KEY`` (``<parent KEY>/<groups>/<repeat>[n]``, as Central writes it). A
question named like one of these columns gets its container's name in front (``data-KEY``).

Unless ``raw``, a cell a spreadsheet would run as a formula (one starting with = + - @, a tab
or a carriage return, except a plain number such as -3) gets a leading ' (OWASP's advice
against CSV injection); Central writes values as they are. Photos are copied upright and
without metadata; files whose metadata cannot be removed (documents, audio, video, HEIC...)
are left out unless sensitive answers are included.
"""

from __future__ import annotations

import contextlib
import csv
import os
import re
import shutil
import tempfile
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fieldsafe.errors import UserError
from fieldsafe.forms.answers import answer_text
from fieldsafe.forms.keys import element_at
from fieldsafe.forms.model import FormDef, FormElement
from fieldsafe.i18n import _
from fieldsafe.media.clean import can_clean, without_metadata
from fieldsafe.media.errors import MediaError
from fieldsafe.outputs import temp_stem
from fieldsafe.services.exports import Member, members, repeat_items, utc_text
from fieldsafe.services.exports_read import (
    AttachmentRef,
    Submission,
    head_attachments,
    head_forms,
    submissions,
)
from fieldsafe.services.form_library import version_key
from fieldsafe.services.workspace import Workspace

FIRST = ("SubmissionDate",)
LAST = ("KEY", "SubmitterID", "SubmitterName", "AttachmentsPresent", "AttachmentsExpected",
        "Status", "ReviewState", "DeviceID", "Edits", "FormVersion", "AuditID", "Team",
        "DeviceName")
REPEAT_LAST = ("PARENT_KEY", "KEY")
POINT_PARTS = ("Latitude", "Longitude", "Altitude", "Accuracy")
MEDIA = "media"
# What a spreadsheet takes for the start of a formula (OWASP, CSV injection) ...
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# ... unless the whole cell is a number, which is shown as a number and runs nothing.
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)),
             *(f"LPT{i}" for i in range(1, 10))}


@dataclass(frozen=True, slots=True)
class CsvResult:
    """What ``export_csv`` wrote."""

    folder: Path
    audits: int
    rows: int  # in all tables
    media: int
    files: list[Path]  # the CSV files
    withheld: int = 0  # files left out: their metadata cannot be removed


@dataclass
class _Table:
    columns: dict[str, None] = field(default_factory=dict)  # ordered set
    rows: int = 0
    writer: csv.DictWriter[str] | None = None  # while the file is written
    raw: bool = False

    def add(self, row: dict[str, str]) -> None:
        assert self.writer is not None
        self.writer.writerow(row if self.raw else {k: defused(v) for k, v in row.items()})
        self.rows += 1


@dataclass
class _Build:
    include: bool
    form_id: str
    tables: dict[str, _Table]  # file name -> table, the form's main table first
    media: dict[tuple[str, str], tuple[str, str]]  # see media_names
    used: set[tuple[str, str]] = field(default_factory=set)  # (name, SHA-256) written
    expected: int = 0
    present: int = 0
    forms: dict[str, FormDef] = field(default_factory=dict)  # the versions filled in


def export_csv(workspace: Workspace, folder: Path, *, form_id: str | None = None,
               include_sensitive: bool = False, raw: bool = False) -> CsvResult:
    """Write the finalized audits as CSV tables, with their media, to a new or empty
    ``folder``; everything appears at once, or nothing when something fails. ``raw`` writes
    every value as it is, even one a spreadsheet would run as a formula."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise UserError(_("{folder}: is a file, not a folder; give a folder to make for "
                          "the export").format(folder=folder))
    if folder.exists() and any(folder.iterdir()):
        raise UserError(_("{folder}: the folder already exists and is not empty; choose a "
                          "new or empty folder").format(folder=folder))
    with workspace.transaction() as db:
        forms = head_forms(db, form_id)
        attachments = head_attachments(db, forms, form_id)
        withheld = _withheld(workspace, attachments, include_sensitive)
        names = media_names(attachments, include_sensitive, withheld)
        used: set[tuple[str, str]] = set()  # only the files of the questions exported
        builds: dict[str, _Build] = {}
        tables: dict[str, _Table] = {}
        for (fid, version), form in forms.items():
            builds.setdefault(fid, _Build(include_sensitive, safe_name(fid), {}, names, used))
            builds[fid].forms[version] = form
        for build in builds.values():
            more = form_tables(build)
            if tables.keys() & more.keys():
                raise UserError(_("{folder}: two forms would write the same file {file}; "
                                  "export them one at a time with --form").format(
                    folder=folder, file=", ".join(sorted(tables.keys() & more.keys()))))
            tables |= more
        audits = 0
        with _staged(folder) as stage:
            with contextlib.ExitStack() as files:
                for name, table in tables.items():
                    # UTF-8 with a byte order mark, as ODK Central writes it, for Excel.
                    stream = files.enter_context(
                        (stage / name).open("w", encoding="utf-8-sig", newline=""))
                    table.writer = csv.DictWriter(stream, fieldnames=list(table.columns),
                                                  restval="", extrasaction="ignore")
                    table.raw = raw
                    table.writer.writeheader()
                for submission in submissions(db, forms, form_id):
                    _add_submission(builds[submission.form_id], submission)
                    audits += 1
            media = sorted(used)
            if media:
                (stage / MEDIA).mkdir()
            found_at: dict[tuple[str, str], tuple[str, str]] = {}  # file -> (audit, path)
            for where, file in names.items():
                found_at.setdefault(file, where)
            for name, sha in media:
                audit, path = found_at[(name, sha)]
                clean_copy(_stored(workspace, sha, name), stage / MEDIA / name,
                           _("{file} (audit {id}, {path})").format(file=name, id=audit[:8],
                                                                   path=path))
    return CsvResult(folder, audits, sum(t.rows for t in tables.values()), len(media),
                     [folder / name for name in tables], len(withheld))


def _withheld(workspace: Workspace, attachments: Iterable[AttachmentRef],
              include_sensitive: bool) -> set[str]:
    """The SHA-256 of the attachments to export whose metadata cannot be removed: none when
    sensitive answers are included (they are copied as they are). A file missing from the
    workspace is a UserError, before anything is written."""
    exported = {a.sha256: a.filename for a in attachments
                if include_sensitive or not _sensitive(a.form, a.path)}
    withheld: set[str] = set()
    for sha, filename in exported.items():
        source = _stored(workspace, sha, filename)
        if not include_sensitive and not can_clean(source):
            withheld.add(sha)
    return withheld


def _stored(workspace: Workspace, sha: str, label: str) -> Path:
    source = workspace.media.path(sha)
    if not source.is_file():
        raise UserError(_("{file}: media {sha} is missing from the workspace; run 'fieldsafe "
                          "workspace check'").format(file=label, sha=sha))
    return source


def form_tables(build: _Build) -> dict[str, _Table]:
    """The tables of one form (their columns): those of every version filled in (the newest
    version's order first); rows are then added with ``_add_submission``."""
    main = f"{build.form_id}.csv"
    build.tables[main] = _Table(dict.fromkeys(FIRST))
    for version in sorted(build.forms, key=version_key, reverse=True):
        _columns(build, build.forms[version].root, main)
    for name, table in build.tables.items():
        table.columns |= dict.fromkeys(LAST if name == main else REPEAT_LAST)
    return build.tables


def _add_submission(build: _Build, submission: Submission) -> None:
    """Write the rows of ``submission``, read with its own version, to its form's tables;
    ``build.media`` names the attachments in media/, ``build.used`` collects those written."""
    build.expected = build.present = 0
    row = _row(build, submission, submission.form.root, submission.answers,
               submission.instance_id, "")
    row |= {"SubmissionDate": utc_text(submission.saved_at),
            "KEY": submission.instance_id, "SubmitterID": "",
            "SubmitterName": submission.author, "AttachmentsPresent": str(build.present),
            "AttachmentsExpected": str(build.expected), "Status": "",
            "ReviewState": "edited" if submission.number > 1 else "",
            "DeviceID": submission.device_id, "Edits": str(submission.number - 1),
            "FormVersion": submission.form_version, "AuditID": submission.audit_uuid,
            "Team": submission.team, "DeviceName": submission.device_name}
    build.tables[f"{build.form_id}.csv"].add(row)


def _columns(build: _Build, container: FormElement, table: str) -> None:
    columns = build.tables[table].columns
    for member in members(container, build.include):
        if member.is_repeat:
            name = f"{build.form_id}-{member.element.name}.csv"
            build.tables.setdefault(name, _Table())
            _columns(build, member.element, name)
        elif member.element.datatype == "geopoint":
            column = _column(member, container)
            columns |= dict.fromkeys(f"{column}-{part}" for part in POINT_PARTS)
        else:
            columns[_column(member, container)] = None


def _column(member: Member, container: FormElement) -> str:
    """``g_context-area``; a question named like one of the columns FieldSafe adds keeps its
    answer under its container's name (``data-KEY``) rather than losing it."""
    key = member.key("-")
    reserved = REPEAT_LAST if container.kind == "repeat" else (*FIRST, *LAST)
    return f"{container.name}-{key}" if key in reserved else key


def _row(build: _Build, submission: Submission, container: FormElement,
         answers: dict[str, Any], key: str, path: str) -> dict[str, str]:
    """The row of ``answers`` (the audit's or a repeat instance's); its repeats' rows go to
    their tables. ``path`` is the attachments' question path of the container."""
    row: dict[str, str] = {}
    for member in members(container, build.include):
        element, column = member.element, _column(member, container)
        if member.is_repeat:
            table = build.tables[f"{build.form_id}-{element.name}.csv"]
            for number, item in repeat_items(answers, element):
                child = f"{key}/{'/'.join((*member.groups, element.name))}[{number}]"
                inner = _row(build, submission, element, item, child,
                             f"{path}{element.answer_key}[{number}]/")
                table.add(inner | {"PARENT_KEY": key, "KEY": child})
            continue
        text = answer_text(answers.get(element.answer_key)).strip()
        if element.datatype == "geopoint":
            parts = text.split()
            row |= {f"{column}-{part}": parts[i] if i < len(parts) else ""
                    for i, part in enumerate(POINT_PARTS)}
        elif element.datatype == "binary" and text:
            build.expected += 1
            named = build.media.get((submission.audit_uuid, path + element.answer_key))
            row[column] = named[0] if named else text
            if named:
                build.present += 1
                build.used.add(named)
        else:
            row[column] = text
    return row


def defused(text: str) -> str:
    """``text`` with a leading ' if a spreadsheet would run it as a formula (it starts with
    = + - @, a tab or a carriage return and is not a plain number): ``'=HYPERLINK(...)``."""
    if text.startswith(_FORMULA_START) and not _NUMBER.fullmatch(text):
        return f"'{text}"
    return text


def media_names(attachments: Iterable[AttachmentRef], include_sensitive: bool,
                withheld: Collection[str] = ()) -> dict[tuple[str, str], tuple[str, str]]:
    """(name in media/, SHA-256) of every attachment exported, by (audit, question path).
    The name is the file's own, made safe; a name that different files share gets each
    one's first 8 hex digits of SHA-256 in front (``1a2b3c4d-photo.jpg``). The files of
    sensitive questions are left out (and do not rename others) unless asked for, and so
    are the ``withheld`` ones (by SHA-256)."""
    files = [(a.audit_uuid, a.path, safe_name(a.filename), a.sha256) for a in attachments
             if (include_sensitive or not _sensitive(a.form, a.path)) and a.sha256 not in withheld]
    shas: dict[str, set[str]] = {}
    for _audit, _path, name, sha in files:
        shas.setdefault(name.casefold(), set()).add(sha)
    chosen: dict[tuple[str, str], str] = {}
    taken: set[str] = set()
    for name, sha in sorted({(name, sha) for _a, _p, name, sha in files}):
        if (name.casefold(), sha) in chosen:
            continue
        candidate, width = name, 8
        if len(shas[name.casefold()]) > 1:
            candidate = f"{sha[:width]}-{name}"
        while candidate.casefold() in taken:
            width += 8
            candidate = f"{sha[:width]}-{name}"
        taken.add(candidate.casefold())
        chosen[(name.casefold(), sha)] = candidate
    return {(audit, path): (chosen[(name.casefold(), sha)], sha)
            for audit, path, name, sha in files}


def _sensitive(form: FormDef, path: str) -> bool:
    """Whether the question at ``finding[2]/f_photo1`` is sensitive or sits in a sensitive
    group or repeat."""
    node = element_at(form, path)
    while node is not None:
        if node.sensitive:
            return True
        node = node.parent
    return False


def safe_name(filename: str) -> str:
    """A file name that stays inside the folder on every system: no folders, no characters
    Windows refuses, no leading dots (hidden files), no device names such as NUL."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join("_" if c in '<>:"|?*' or ord(c) < 32 else c for c in name).strip(" .")
    if name.split(".", 1)[0].upper() in _RESERVED:
        name = f"_{name}"
    return name or "file"


def clean_copy(source: Path, target: Path, label: str) -> None:
    """Copy a stored attachment to ``target``: a photo re-encoded upright with no EXIF, XMP
    or comment (nothing but pixels, the colour profile and transparency), any other file as
    it is."""
    try:
        data = without_metadata(source)
    except MediaError as err:
        raise UserError(_("{file}: cannot export the photo: {why}; it is damaged in this "
                          "workspace: replace it in that audit").format(
            file=label, why=err.problem)) from None
    if data is None:
        shutil.copyfile(source, target)
    else:
        target.write_bytes(data)


@contextlib.contextmanager
def _staged(folder: Path) -> Iterator[Path]:
    """A temporary folder beside ``folder`` to write into; moved into place at the end,
    removed if anything fails."""
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        stage = Path(tempfile.mkdtemp(prefix=f".{temp_stem(folder.name)}.", suffix=".part",
                                      dir=folder.parent))
    except OSError as err:
        raise UserError(_("cannot write {path}: {why}").format(
            path=folder, why=err.strerror or err)) from None
    try:
        yield stage
        mask = os.umask(0)
        os.umask(mask)
        stage.chmod(0o777 & ~mask)  # mkdtemp makes it private; an export is for sharing
        if folder.is_dir():  # empty, checked before: move the files in
            for entry in stage.iterdir():
                entry.replace(folder / entry.name)
            stage.rmdir()
        else:
            stage.replace(folder)
    except OSError as err:
        raise UserError(_("cannot write {path}: {why}").format(
            path=folder, why=err.strerror or err)) from None
    finally:
        shutil.rmtree(stage, ignore_errors=True)
