"""A bundle's manifest: what it holds, who made it, and the SHA-256 of every entry."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta, Struct

from fieldsafe.i18n import _
from fieldsafe.sync.errors import one_line
from fieldsafe.sync.records import SHA256_PATTERN, UUID_PATTERN

FORMAT = "fieldsafe-bundle"
FORMAT_VERSION = 1
SUFFIX = ".fieldsafe"


class ManifestEntry(Struct, kw_only=True):
    sha256: Annotated[str, Meta(pattern=SHA256_PATTERN)]
    size: Annotated[int, Meta(ge=0)]


class SourceDevice(Struct, kw_only=True):
    id: Annotated[str, Meta(max_length=36)]
    name: Annotated[str, Meta(max_length=200)] = ""


class ExportOptions(Struct, kw_only=True):
    campaign: Annotated[str, Meta(max_length=36)] | None = None
    since_last: Annotated[str, Meta(max_length=200)] | None = None
    include_drafts: bool = False
    with_basemaps: bool = False
    exclude_sensitive: bool = False


class Manifest(Struct, kw_only=True):
    """The manifest (``manifest.json``) of a FieldSafe sync bundle, format 1."""

    format: Literal["fieldsafe-bundle"]
    format_version: Literal[1]
    app_version: Annotated[str, Meta(max_length=50)]
    bundle_uuid: Annotated[str, Meta(pattern=UUID_PATTERN)]
    created_at: datetime
    device: SourceDevice
    author: Annotated[str, Meta(max_length=200)] = ""
    team: Annotated[str, Meta(max_length=200)] = ""
    options: ExportOptions = msgspec.field(default_factory=ExportOptions)
    counts: dict[Annotated[str, Meta(max_length=20)], Annotated[int, Meta(ge=0)]] = {}
    entries: dict[Annotated[str, Meta(max_length=255)], ManifestEntry]


_DECODER = msgspec.json.Decoder(Manifest)


def encode_manifest(manifest: Manifest) -> bytes:
    return msgspec.json.format(msgspec.json.encode(manifest, order="sorted"), indent=2)


def decode_manifest(data: bytes) -> Manifest | str:
    """The manifest, or why it cannot be read (one line): a newer format is named as such
    rather than as a schema error."""
    try:
        raw: Any = json.loads(data)
    except (ValueError, UnicodeDecodeError) as err:
        return _("manifest.json is not valid JSON ({why})").format(why=err)
    except RecursionError:  # [[[[… thousands deep
        return _("manifest.json is not valid JSON (nested too deep)")
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        return _("manifest.json does not describe a FieldSafe bundle")
    if "format_version" not in raw:
        return _("manifest.json has no format version")
    version = raw["format_version"]
    if not isinstance(version, int) or isinstance(version, bool):
        return _("manifest.json has a format version that is not a whole number: {found}").format(
            found=json.dumps(version, ensure_ascii=False)[:40])
    if version != FORMAT_VERSION:
        if version > FORMAT_VERSION:
            return _("bundle format {found} was made by a newer FieldSafe; this release "
                     "reads format {known}: update FieldSafe").format(found=version,
                                                                    known=FORMAT_VERSION)
        return _("unknown bundle format version {found}").format(found=version)
    try:
        manifest = _DECODER.decode(data)
    except msgspec.ValidationError as err:
        return _("manifest.json breaks the bundle schema: {why}").format(why=err)
    except RecursionError:
        return _("manifest.json breaks the bundle schema: it is nested too deep")
    # What it says of its sender is printed in one-line summaries: no newlines or terminal
    # escape codes from a hostile bundle.
    manifest.app_version, manifest.author, manifest.team = (
        one_line(manifest.app_version), one_line(manifest.author), one_line(manifest.team))
    manifest.device.id, manifest.device.name = (one_line(manifest.device.id),
                                                one_line(manifest.device.name))
    options = manifest.options
    options.campaign = one_line(options.campaign) if options.campaign else options.campaign
    options.since_last = one_line(options.since_last) if options.since_last else options.since_last
    return manifest


def json_schema() -> dict[str, Any]:
    """The JSON Schema of the manifest (kept in docs/bundle-manifest.schema.json)."""
    schema = msgspec.json.schema(Manifest)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "FieldSafe sync bundle manifest, format 1"
    return schema
