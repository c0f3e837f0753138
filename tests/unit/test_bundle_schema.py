"""The published manifest schema (docs/bundle-manifest.schema.json): it is exactly what the code
says, a real exported manifest fits it, and a newer format version is refused by name."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest

from fieldsafe.sync.manifest import FORMAT_VERSION, Manifest, decode_manifest, json_schema

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_FILE = ROOT / "docs" / "bundle-manifest.schema.json"
# Keywords that describe rather than constrain; anything else must be understood below.
ANNOTATIONS = {"$schema", "title", "description", "default"}


def expected_text() -> str:
    return json.dumps(json_schema(), indent=2, sort_keys=True) + "\n"


def test_the_schema_file_is_what_the_code_says() -> None:
    assert SCHEMA_FILE.read_text(encoding="utf-8") == expected_text(), (
        "docs/bundle-manifest.schema.json is out of date; write it again with "
        "json.dumps(fieldsafe.sync.manifest.json_schema(), indent=2, sort_keys=True) + '\\n'")


def problems(value: Any, schema: dict[str, Any], root: dict[str, Any],
             where: str = "$") -> list[str]:
    """What ``value`` breaks in ``schema``: the subset of JSON Schema that msgspec writes for
    the manifest. An unknown keyword fails, so the schema cannot outgrow this check."""
    found: list[str] = []
    for keyword, rule in schema.items():
        if keyword in ANNOTATIONS or keyword in ("$defs", "properties", "required"):
            continue
        if keyword == "$ref":
            name = rule.removeprefix("#/$defs/")
            found += problems(value, root["$defs"][name], root, where)
        elif keyword == "type":
            kinds = {"string": str, "integer": int, "boolean": bool, "object": dict,
                     "null": type(None)}
            ok = isinstance(value, kinds[rule]) and not (
                rule == "integer" and isinstance(value, bool))
            if not ok:
                found.append(f"{where}: not of type {rule}")
        elif keyword == "enum":
            if not any(type(value) is type(x) and value == x for x in rule):  # True is not 1
                found.append(f"{where}: {value!r} not one of {rule}")
        elif keyword == "anyOf":
            if all(problems(value, option, root, where) for option in rule):
                found.append(f"{where}: matches none of anyOf")
        elif keyword == "pattern":
            if isinstance(value, str) and not re.search(rule, value):
                found.append(f"{where}: {value!r} does not match {rule}")
        elif keyword == "maxLength":
            if isinstance(value, str) and len(value) > rule:
                found.append(f"{where}: longer than {rule}")
        elif keyword == "minimum":
            if isinstance(value, int | float) and value < rule:
                found.append(f"{where}: below {rule}")
        elif keyword == "propertyNames":
            if isinstance(value, dict):
                for key in value:
                    found += problems(key, rule, root, f"{where} key {key!r}")
        elif keyword == "additionalProperties":
            if isinstance(value, dict):
                known = schema.get("properties", {})
                for key, item in value.items():
                    if key not in known:
                        found += problems(item, rule, root, f"{where}.{key}")
        else:
            raise AssertionError(f"the schema uses {keyword!r}, which this test cannot check")
    if isinstance(value, dict):
        for key in schema.get("required", []):
            if key not in value:
                found.append(f"{where}: required key {key!r} is missing")
        for key, rule in schema.get("properties", {}).items():
            if key in value:
                found += problems(value[key], rule, root, f"{where}.{key}")
    return found


@pytest.fixture
def exported(workspace: Any, walk_answers: dict[str, Any], tmp_path: Path) -> bytes:
    """The manifest.json of a real, signed bundle with one finalized audit."""
    from fieldsafe.services.audits import new_audit
    from fieldsafe.services.bundle_export import export_bundle

    new_audit(workspace, "womens_safety_walk", walk_answers, finalize=True)
    result = export_bundle(workspace, tmp_path / "out.fieldsafe", sign_bundle=True)
    with zipfile.ZipFile(result.path) as archive:
        assert "manifest.sig" in archive.namelist()
        return archive.read("manifest.json")


def test_a_real_manifest_fits_the_schema(exported: bytes) -> None:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    manifest = decode_manifest(exported)
    assert isinstance(manifest, Manifest), manifest
    raw = json.loads(exported)
    assert problems(raw, schema, schema) == []
    # Every key the schema requires is there, at every level.
    manifest_schema = schema["$defs"]["Manifest"]
    assert set(manifest_schema["required"]) <= set(raw)
    assert set(schema["$defs"]["SourceDevice"]["required"]) <= set(raw["device"])
    assert raw["entries"], "a bundle lists its record files"
    for entry in raw["entries"].values():
        assert set(schema["$defs"]["ManifestEntry"]["required"]) <= set(entry)
    # The optional parts are written too, so a reader never has to guess a default.
    assert set(manifest_schema["properties"]) == set(raw)
    assert set(raw["counts"]) == {"forms", "layers", "campaigns", "media", "audits", "actions"}
    assert raw["counts"]["audits"] == 1


def test_the_check_is_not_vacuous(exported: bytes) -> None:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    raw = json.loads(exported)
    name = next(iter(raw["entries"]))
    raw["entries"][name]["sha256"] = "ABC"
    raw["format_version"] = True
    del raw["device"]["id"]
    found = problems(raw, schema, schema)
    assert any("sha256" in p and "does not match" in p for p in found)
    assert any("format_version" in p for p in found)
    assert any("'id' is missing" in p for p in found)


def test_a_newer_format_is_refused_by_name(exported: bytes) -> None:
    raw = json.loads(exported)
    raw["format_version"] = FORMAT_VERSION + 1
    found = decode_manifest(json.dumps(raw).encode())
    assert isinstance(found, str)
    assert "newer FieldSafe" in found
    assert f"format {FORMAT_VERSION + 1}" in found
