"""CSV export in ODK Central's layout: a table per form and per repeat, and the media files.

Columns follow ODK Central: ``SubmissionDate``, the questions in form order named by their
group path joined with "-", a geopoint split into Latitude/Longitude/Altitude/Accuracy, then
``KEY`` (the instanceID) and the submission's facts. A repeat's table has its own questions
and ``PARENT_KEY``/``KEY`` (``<parent KEY>/<groups>/<repeat>[n]``, as Central writes it).
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image, JpegImagePlugin

from fieldsafe.errors import UserError
from fieldsafe.forms.answers import answer_text
from fieldsafe.forms.model import FormDef, FormElement
from fieldsafe.i18n import _
from fieldsafe.media.errors import MediaError
from fieldsafe.media.exif import summarise
from fieldsafe.media.photos import open_image
from fieldsafe.services.exports import Submission, load_submissions, members, repeat_items
from fieldsafe.services.form_library import version_key
from fieldsafe.services.workspace import Workspace

FIRST = ("SubmissionDate",)
LAST = ("KEY", "SubmitterName", "AttachmentsPresent", "AttachmentsExpected", "Status",
        "ReviewState", "DeviceID", "Edits", "FormVersion", "AuditID", "Team", "DeviceName")
REPEAT_LAST = ("PARENT_KEY", "KEY")
POINT_PARTS = ("Latitude", "Longitude", "Altitude", "Accuracy")
MEDIA = "media"
JPEG_QUALITY = 95
# How to turn stored pixels upright for each EXIF orientation (as ImageOps.exif_transpose).
_TRANSPOSE = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
              4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE,
              6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
              8: Image.Transpose.ROTATE_90}
# Formats that can carry EXIF or XMP and are re-encoded without it; others are copied.
_CLEANED = ("JPEG", "PNG", "WEBP", "TIFF")
_IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG", b"II*\x00", b"MM\x00*")
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


@dataclass
class _Table:
    columns: dict[str, None] = field(default_factory=dict)  # ordered set
    rows: list[dict[str, str]] = field(default_factory=list)


@dataclass
class _Build:
    include: bool
    form_id: str
    tables: dict[str, _Table]  # file name -> table, the form's main table first
    media: dict[tuple[str, str], tuple[str, str]]  # see media_names
    used: set[tuple[str, str]] = field(default_factory=set)  # (name, SHA-256) written
    expected: int = 0
    present: int = 0


def export_csv(workspace: Workspace, folder: Path, *, form_id: str | None = None,
               include_sensitive: bool = False) -> CsvResult:
    """Write the finalized audits as CSV tables, with their media, to a new or empty
    ``folder``; everything appears at once, or nothing when something fails."""
    folder = Path(folder)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise UserError(_("{folder}: the folder already exists and is not empty; choose a "
                          "new or empty folder").format(folder=folder))
    submissions = load_submissions(workspace, form_id)
    names = media_names(submissions, include_sensitive)
    by_form: dict[str, list[Submission]] = {}
    for submission in submissions:
        by_form.setdefault(submission.form_id, []).append(submission)
    tables: dict[str, _Table] = {}
    used: set[tuple[str, str]] = set()  # only the files of the questions exported
    for form_submissions in by_form.values():
        more = form_tables(form_submissions, include_sensitive, names, used)
        if tables.keys() & more.keys():
            raise UserError(_("{folder}: two forms would write the same file {file}; export "
                              "them one at a time with --form").format(
                folder=folder, file=", ".join(sorted(tables.keys() & more.keys()))))
        tables |= more
    files = sorted(used)
    with _staged(folder) as stage:
        for name, table in tables.items():
            _write_csv(stage / name, table)
        if files:
            (stage / MEDIA).mkdir()
        for name, sha in files:
            clean_copy(workspace.media.path(sha), stage / MEDIA / name, name)
    return CsvResult(folder, len(submissions), sum(len(t.rows) for t in tables.values()),
                     len(files), [folder / name for name in tables])


def form_tables(submissions: list[Submission], include_sensitive: bool,
                media: dict[tuple[str, str], tuple[str, str]],
                used: set[tuple[str, str]]) -> dict[str, _Table]:
    """The tables of one form's submissions: the columns of every version filled in (the
    newest version's order first), the rows each read with its own version. ``media``
    names the attachments in media/; ``used`` collects those of the columns written."""
    form_id = safe_name(submissions[0].form_id)  # it names files
    build = _Build(include_sensitive, form_id, {f"{form_id}.csv": _Table(dict.fromkeys(FIRST))},
                   media, used)
    forms = {s.form_version: s.form for s in submissions}
    for version in sorted(forms, key=version_key, reverse=True):
        _columns(build, forms[version].root, f"{form_id}.csv")
    main = build.tables[f"{form_id}.csv"]
    for table in build.tables.values():
        table.columns |= dict.fromkeys(LAST if table is main else REPEAT_LAST)
    for submission in submissions:
        build.expected = build.present = 0
        row = _row(build, submission, submission.form.root, submission.answers,
                   submission.instance_id, "")
        row |= {"SubmissionDate": submission.saved_at.isoformat(timespec="milliseconds"),
                "KEY": submission.instance_id, "SubmitterName": submission.author,
                "AttachmentsPresent": str(build.present),
                "AttachmentsExpected": str(build.expected), "Status": submission.status,
                "ReviewState": "edited" if submission.number > 1 else "",
                "DeviceID": submission.device_id, "Edits": str(submission.number - 1),
                "FormVersion": submission.form_version, "AuditID": submission.audit_uuid,
                "Team": submission.team, "DeviceName": submission.device_name}
        main.rows.append(row)
    return build.tables


def _columns(build: _Build, container: FormElement, table: str) -> None:
    columns = build.tables[table].columns
    for member in members(container, build.include):
        if member.is_repeat:
            name = f"{build.form_id}-{member.element.name}.csv"
            build.tables.setdefault(name, _Table())
            _columns(build, member.element, name)
        elif member.element.datatype == "geopoint":
            columns |= dict.fromkeys(f"{member.key('-')}-{part}" for part in POINT_PARTS)
        else:
            columns[member.key("-")] = None


def _row(build: _Build, submission: Submission, container: FormElement,
         answers: dict[str, Any], key: str, path: str) -> dict[str, str]:
    """The row of ``answers`` (the audit's or a repeat instance's); its repeats' rows go to
    their tables. ``path`` is the attachments' question path of the container."""
    row: dict[str, str] = {}
    for member in members(container, build.include):
        element, column = member.element, member.key("-")
        if member.is_repeat:
            table = build.tables[f"{build.form_id}-{element.name}.csv"]
            for number, item in repeat_items(answers, element):
                child = f"{key}/{'/'.join((*member.groups, element.name))}[{number}]"
                inner = _row(build, submission, element, item, child,
                             f"{path}{element.name}[{number}]/")
                table.rows.append(inner | {"PARENT_KEY": key, "KEY": child})
            continue
        text = answer_text(answers.get(element.name)).strip()
        if element.datatype == "geopoint":
            parts = text.split()
            row |= {f"{column}-{part}": parts[i] if i < len(parts) else ""
                    for i, part in enumerate(POINT_PARTS)}
        elif element.datatype == "binary" and text:
            build.expected += 1
            named = build.media.get((submission.audit_uuid, path + element.name))
            row[column] = named[0] if named else text
            if named:
                build.present += 1
                build.used.add(named)
        else:
            row[column] = text
    return row


def _write_csv(path: Path, table: _Table) -> None:
    # UTF-8 with a byte order mark, as ODK Central writes it, so that Excel reads it right.
    with path.open("w", encoding="utf-8-sig", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=list(table.columns), restval="",
                                extrasaction="ignore")
        writer.writeheader()
        writer.writerows(table.rows)


def media_names(submissions: list[Submission], include_sensitive: bool
                ) -> dict[tuple[str, str], tuple[str, str]]:
    """(name in media/, SHA-256) of every attachment exported, by (audit, question path).
    The name is the file's own, made safe; a name that different files share gets each
    one's first 8 hex digits of SHA-256 in front (``1a2b3c4d-photo.jpg``). The files of
    sensitive questions are left out (and do not rename others) unless asked for."""
    files = [(s.audit_uuid, path, safe_name(filename), sha)
             for s in submissions for path, (filename, sha) in s.files.items()
             if include_sensitive or not _sensitive(s.form, path)]
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
    node = form.by_name().get(path.rsplit("/", 1)[-1])
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
    or comment (nothing but pixels and the colour profile), any other file as it is."""
    try:
        data = without_metadata(source)
    except MediaError as err:
        raise UserError(_("{file}: cannot export the photo: {why}").format(
            file=label, why=err.problem)) from None
    if data is None:
        shutil.copyfile(source, target)
    else:
        target.write_bytes(data)


def without_metadata(source: Path) -> bytes | None:
    """The image upright and without metadata, in its own format; None for a file that is
    not an image with metadata (copy it as it is). A damaged image is a MediaError."""
    try:
        with open_image(source) as image:
            kind = "JPEG" if image.format == "MPO" else str(image.format)
            if kind not in _CLEANED:
                return None
            method = _TRANSPOSE.get(summarise(image).orientation)
            icc = image.info.get("icc_profile")
            transparency = image.info.get("transparency")
            extra: dict[str, Any] = {"icc_profile": icc} if isinstance(icc, bytes) else {}
            out = io.BytesIO()
            image.load()
            if kind == "JPEG" and method is None:
                image.info = {}  # the comment would be carried over
                image.save(out, "JPEG", quality="keep", **extra)  # the same tables: no loss
                return out.getvalue()
            if kind == "JPEG":  # turned: re-encoded with the photo's own quantization
                extra |= {"qtables": getattr(image, "quantization", None) or None,
                          "subsampling": JpegImagePlugin.get_sampling(image)}
            pixels = image.transpose(method) if method is not None else image.copy()
    except MediaError:
        if not _looks_like_image(source):
            return None  # not a picture at all: copied as it is
        raise
    except (OSError, ValueError, SyntaxError) as err:  # truncated or corrupt pixel data
        raise MediaError(source, str(err)) from None
    pixels.info = {}
    if transparency is not None and kind in ("PNG", "WEBP"):
        extra["transparency"] = transparency
    if kind == "WEBP" or (kind == "JPEG" and not extra.get("qtables")):
        extra["quality"] = JPEG_QUALITY
    pixels.save(out, kind, **extra)
    return out.getvalue()


def _looks_like_image(source: Path) -> bool:
    with source.open("rb") as stream:
        head = stream.read(12)
    return head.startswith(_IMAGE_MAGIC) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")


@contextlib.contextmanager
def _staged(folder: Path) -> Iterator[Path]:
    """A temporary folder beside ``folder`` to write into; moved into place at the end,
    removed if anything fails."""
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        stage = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".part",
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
