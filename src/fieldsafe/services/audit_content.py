"""What a saved revision holds besides its answers: attached photos and location geometries."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from shapely.geometry import mapping

from fieldsafe.errors import UserError
from fieldsafe.forms.keys import locate, split_path
from fieldsafe.forms.model import FormElement
from fieldsafe.forms.session import FormSession
from fieldsafe.forms.xpath.nodes import XNode
from fieldsafe.geo.geodesy import area_m2, length_m
from fieldsafe.geo.odk import parse_odk
from fieldsafe.i18n import _
from fieldsafe.media.errors import MediaError
from fieldsafe.media.hashing import sha256_of_file
from fieldsafe.media.photos import downscale, make_thumbnail, read_photo_info
from fieldsafe.media.store import MediaStore
from fieldsafe.storage.models import Media

_PATH_STEP = re.compile(r"^([A-Za-z_][\w.\-]*)(?:\[(\d+)\])?$")
FILE_TYPES = ("image", "audio", "video", "file", "osm")
GEO_KINDS = {"geopoint": "point", "geotrace": "route", "geoshape": "area"}


def question_path(session: FormSession, node: XNode, *, by_name: bool = False) -> str:
    """``findings[2]/photo``: the question's answer key, after the key of each repeat it
    sits in with the instance's number (see :mod:`fieldsafe.forms.keys`). ``by_name``: with
    names instead of keys, as paths were saved before answer keys."""
    parts = []
    for n in [node, *node.ancestors()]:
        if n.parent is None or n.parent.parent is None:
            break
        element = session.element_of(n)
        step = element.name if by_name else element.answer_key
        if element.kind == "repeat":
            parts.append(f"{step}[{n.index_in_parent()}]")
        elif element.kind == "question":
            parts.append(step)
    return "/".join(reversed(parts))


def find_question(session: FormSession, path: str) -> tuple[FormElement, XNode]:
    """The question at ``photo`` or ``findings[2]/photo`` (repeat numbers from 1; a
    question whose name several groups share by its key, ``a/photo``)."""
    path = path.strip().strip("/")
    found = locate(session.form, path)
    if found is not None:
        element, indexes = found
    else:  # as before answer keys: the question's name, after the repeats' numbers
        steps = path.split("/")
        indexes = []
        for step in steps[:-1]:
            m = _PATH_STEP.match(step)
            if not m:
                raise UserError(_("'{path}' is not a question path such as findings[2]/photo")
                                .format(path=path))
            indexes.append(int(m.group(2) or 1))
        name = steps[-1]
        if name not in session.compiled.ref_paths:
            raise UserError(_("the form has no question named '{name}'").format(name=name))
        element = session.compiled.by_path[session.compiled.ref_paths[name]]
        keys = ["".join(f"{r.answer_key}[n]/" for r in e.repeat_ancestors()) + e.answer_key
                for e in session.form.elements() if e.name == name and e.answer_key != name]
        if keys:
            raise UserError(_("several groups have a question named '{name}'; give its "
                              "path: {paths}").format(name=name, paths=", ".join(keys)))
    try:
        node = session.node(element, *indexes)
    except KeyError:
        raise UserError(_("'{path}': that repeat instance does not exist in the answers")
                        .format(path=path)) from None
    return element, node


@dataclass(frozen=True, slots=True)
class FileAnswer:
    """A file that answers a question: the file name in the answers, its content hash."""

    filename: str
    sha256: str
    caption: str = ""


@dataclass
class IngestedFile:
    sha256: str
    filename: str
    media: Media
    new: bool

    def answer(self) -> FileAnswer:
        return FileAnswer(self.filename, self.sha256)


def distinct_name(ingested: IngestedFile, files: dict[str, FileAnswer],
                  path: str) -> IngestedFile:
    """``ingested`` under a file name no other file of the audit has (``IMG_0001-2.jpg``
    beside another phone's ``IMG_0001.jpg``), as Collect names each file apart: an answer
    names its file, and a name shared by two files could not say which (a finding moved)."""
    taken = {a.filename for p, a in files.items() if p != path and a.sha256 != ingested.sha256}
    if ingested.filename not in taken:
        return ingested
    stem, dot, suffix = ingested.filename.rpartition(".")
    stem, suffix = (stem, dot + suffix) if dot else (suffix, "")
    number = 2
    while f"{stem}-{number}{suffix}" in taken:
        number += 1
    return replace(ingested, filename=f"{stem}-{number}{suffix}")


def ingest_file(store: MediaStore, source: Path, element: FormElement) -> IngestedFile:
    """Store a file once under its SHA-256; for photos read EXIF and cache a thumbnail and
    the copy downscaled to the question's max-pixels (the original is kept)."""
    if source.is_dir():
        raise UserError(_("{file}: is a folder, not a file").format(file=source))
    if not source.is_file():
        raise UserError(_("{file}: no such file").format(file=source))
    info: dict[str, object] = {}
    mime = ""
    if element.qtype == "image":
        photo = read_photo_info(source)
        info = photo.as_dict()
        mime = photo.mime
        existed_before = store.has(photo.sha256)
    else:
        existed_before = store.has(sha256_of_file(source))
    sha = store.put_file(source)
    if element.qtype == "image":
        try:
            _derive(store, sha, element)
        except MediaError as err:  # a damaged picture: told by the user's file, not kept
            if not existed_before:
                store.remove(sha)
            raise MediaError(source, err.problem) from None
    size = store.path(sha).stat().st_size
    media = Media(sha256=sha, size=size, mime=mime, info=info)
    return IngestedFile(sha, source.name, media, not existed_before)


def _derive(store: MediaStore, sha: str, element: FormElement) -> None:
    """The stored photo's thumbnail and its copy downscaled to the question's max-pixels."""
    if not store.thumbnail_path(sha).exists():
        store.put_thumbnail(sha, make_thumbnail(store.path(sha)))
    max_pixels = element.parameters.get("max-pixels", "")
    if max_pixels.isdigit() and not store.derived_path(sha, int(max_pixels)).exists():
        data = downscale(store.path(sha), int(max_pixels))
        if data is not None:
            store.put_derived(sha, int(max_pixels), data)


def geometries(session: FormSession) -> list[dict[str, Any]]:
    """Plain geometry records for every answered, relevant location question."""
    out: list[dict[str, Any]] = []
    for element in session.form.questions():
        kind = GEO_KINDS.get(element.qtype)
        if kind is None:
            continue
        for node in session.nodes_of(element):
            if not node.value.strip() or not node.is_relevant():
                continue
            try:
                shape = parse_odk(element.qtype, node.value)
            except UserError:
                continue  # the answer's own problem is reported by validation
            west, south, east, north = shape.bounds
            out.append({
                "question_path": question_path(session, node), "kind": kind,
                "role": element.role, "geojson": json.dumps(mapping(shape)),
                "length_m": length_m(shape) if kind == "route" else 0.0,
                "area_m2": area_m2(shape) if kind == "area" else 0.0,
                "min_lon": west, "min_lat": south, "max_lon": east, "max_lat": north})
    return out


def named_files(session: FormSession) -> Iterator[tuple[str, str, str]]:
    """Each relevant file question that names a file: (its question path, the same path by
    names, the file name)."""
    for element in session.form.questions():
        if element.qtype not in FILE_TYPES:
            continue
        for node in session.nodes_of(element):
            if node.value and node.is_relevant():
                yield (question_path(session, node),
                       question_path(session, node, by_name=True), node.value)


def file_answers(session: FormSession, files: dict[str, FileAnswer]) -> dict[str, FileAnswer]:
    """The files that still answer their questions: relevant, and named by the answer. A
    file answers at its place (``finding[2]/f_photo1``) or, where repeat instances were
    removed or moved (finding 2 is now finding 1), at another instance of the same question
    whose answer names it."""
    out: dict[str, FileAnswer] = {}
    elsewhere: dict[tuple[str, str], list[FileAnswer]] = {}
    for old_path, answer in files.items():
        elsewhere.setdefault((_question_of(old_path), answer.filename),
                             []).append(answer)
    placed: list[tuple[str, str]] = []
    for path, by_name, filename in named_files(session):
        given = files.get(path) or files.get(by_name)
        if given is not None and given.filename == filename:
            out[path] = given
            _take(elsewhere, (_question_of(path), filename), given)
        else:
            placed.append((path, filename))
    for path, filename in placed:  # moved: the same question's file of that name
        candidates = elsewhere.get((_question_of(path), filename))
        if candidates:
            out[path] = candidates.pop(0)
    return out


def _question_of(path: str) -> str:
    """The question a path answers, whatever its repeat instances: finding/f_photo1."""
    return "/".join(key for key, _number in split_path(path))


def _take(pool: dict[tuple[str, str], list[FileAnswer]], key: tuple[str, str],
          answer: FileAnswer) -> None:
    """Take ``answer`` out of ``pool[key]``: it answers at its own place."""
    candidates = pool.get(key, [])
    if answer in candidates:
        candidates.remove(answer)
