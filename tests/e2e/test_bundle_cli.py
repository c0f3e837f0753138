"""The sync commands in a subprocess: bundle export, inspect, verify, import; devices;
conflicts between two laptops that edited one audit."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT


class Cli:
    """``fieldsafe --workspace FOLDER ...`` as a user runs it."""

    def __init__(self, workspace: Path) -> None:
        self.workspace = workspace

    def __call__(self, *args: str | Path, ok: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [sys.executable, "-m", "fieldsafe.cli.main", "--workspace", str(self.workspace),
             *map(str, args)], capture_output=True, text=True, timeout=300, cwd=ROOT,
            env={**os.environ, "PYTHONWARNINGS": "ignore"})
        if ok:
            assert result.returncode == 0, result.stdout + result.stderr
        assert "Traceback" not in result.stderr, result.stderr
        return result

    def json(self, *args: str | Path) -> Any:
        return json.loads(self(*args).stdout)

    def fails(self, *args: str | Path, fragment: str,
              code: int = 1) -> subprocess.CompletedProcess[str]:
        """Exit ``code``, one line on stderr saying ``fragment``."""
        result = self(*args, ok=False)
        assert result.returncode == code, result.stdout + result.stderr
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and fragment in lines[0], result.stderr
        return result


@dataclass
class Laptop:
    """Laptop A: a demo workspace, and its signed bundle (drafts included)."""

    folder: Path
    cli: Cli
    bundle: Path
    export: dict[str, Any]
    key: str


def new_workspace(folder: Path, template: Path) -> Cli:
    """A new workspace: a copy of the migrated template database (the first command gives
    it its own device ID), not migrations run again."""
    folder.mkdir()
    shutil.copyfile(template, folder / template.name)
    return Cli(folder)


@pytest.fixture
def fresh(tmp_path: Path, template_database: Path) -> Callable[[str], Cli]:
    return lambda name: new_workspace(tmp_path / name, template_database)


@pytest.fixture(scope="module")
def laptop(tmp_path_factory: pytest.TempPathFactory,
           template_database: Path) -> Iterator[Laptop]:
    folder = tmp_path_factory.mktemp("bundle-cli")
    cli = new_workspace(folder / "laptop-a", template_database)
    cli("demo", "--audits", "6", "--photos", "2")
    cli("workspace", "set", "--device-name", "laptop-a", "--team", "north")
    export = cli.json("bundle", "export", "-o", folder / "a", "--sign", "--include-drafts",
                      "--json")
    key = cli("devices", "key").stdout.strip()
    yield Laptop(folder, cli, Path(export["path"]), export, key)


def copy_of(bundle: Path, folder: Path, name: str) -> Path:
    target = folder / name
    shutil.copyfile(bundle, target)
    return target


def with_extra_entry(bundle: Path, target: Path, name: str) -> Path:
    """A copy of ``bundle`` with one more entry (written before the manifest)."""
    with zipfile.ZipFile(bundle) as src, zipfile.ZipFile(target, "w") as out:
        for info in src.infolist():
            if info.filename == "manifest.json":
                out.writestr(name, b"owned")
            out.writestr(info, src.read(info))
    return target


def test_export_json_and_inspect(laptop: Laptop) -> None:
    export = laptop.export
    assert set(export) == {"path", "bundle_uuid", "counts", "media_bytes", "signed",
                           "unchanged"}
    assert laptop.bundle.name == "a.fieldsafe" and laptop.bundle.is_file()
    assert export["signed"] is True and export["unchanged"] == 0
    assert export["counts"]["audits"] == 6 and export["counts"]["media"] == 2
    assert export["counts"]["forms"] >= 1 and export["media_bytes"] > 0
    assert laptop.key.startswith("ed25519:")

    info = laptop.cli.json("bundle", "inspect", laptop.bundle, "--json")
    assert info["bundle_uuid"] == export["bundle_uuid"]
    assert info["format_version"] == 1
    assert (info["device_name"], info["team"]) == ("laptop-a", "north")
    assert info["counts"] == export["counts"]
    assert info["media_bytes"] == export["media_bytes"]
    assert info["options"] == {"campaign": None, "since_last": None, "include_drafts": True,
                               "with_basemaps": False, "exclude_sensitive": False}
    assert info["signed"] is True and info["signed_by"] == laptop.key

    text = laptop.cli("bundle", "inspect", laptop.bundle).stdout
    assert f"bundle {export['bundle_uuid']} (format 1, FieldSafe " in text
    assert "from laptop-a (" in text and "team north" in text
    assert "options: include_drafts=True" in text
    assert f"signed by {laptop.key}" in text


def test_verify_intact_then_corrupted(laptop: Laptop, tmp_path: Path) -> None:
    with zipfile.ZipFile(laptop.bundle) as z:
        entries = len(z.namelist()) - 2  # manifest.json, manifest.sig
        media = next(i for i in z.infolist() if i.filename.startswith("media/"))
        photo = z.read(media)
    result = laptop.cli("bundle", "verify", laptop.bundle)
    assert result.stdout.strip().splitlines() == [
        f"a.fieldsafe: intact ({entries} entries match their SHA-256), signed by {laptop.key}"]

    # One byte of a photo flipped on the disk (photos are stored as they are): the zip's
    # CRC no longer matches.
    data = bytearray(laptop.bundle.read_bytes())
    data[bytes(data).index(photo[:256]) + len(photo) // 2] ^= 0xFF
    corrupt = tmp_path / "corrupt.fieldsafe"
    corrupt.write_bytes(bytes(data))
    result = laptop.cli.fails("bundle", "verify", corrupt, fragment=(
        f"fieldsafe: corrupt.fieldsafe: entry '{media.filename}' is damaged and cannot be read"))
    assert result.stdout == ""

    # The photo changed on purpose, the zip rewritten (its CRC right), the manifest kept.
    altered = tmp_path / "altered.fieldsafe"
    with zipfile.ZipFile(laptop.bundle) as src, zipfile.ZipFile(altered, "w") as out:
        for info in src.infolist():
            content = src.read(info)
            out.writestr(info, content[:100] + b"?" + content[101:]
                         if info.filename == media.filename else content)
    laptop.cli.fails("bundle", "verify", altered, fragment=(
        f"fieldsafe: altered.fieldsafe: entry '{media.filename}' does not match its SHA-256 "
        "in the manifest (damaged or altered)"))

    cut = tmp_path / "cut.fieldsafe"
    cut.write_bytes(laptop.bundle.read_bytes()[:-10])
    laptop.cli.fails("bundle", "verify", cut,
                     fragment="fieldsafe: cut.fieldsafe: not a complete FieldSafe bundle")
    laptop.cli.fails("bundle", "inspect", cut, "--json",
                     fragment="fieldsafe: cut.fieldsafe: not a complete FieldSafe bundle")


def test_import_a_good_and_a_hostile_bundle_with_reports(
        laptop: Laptop, tmp_path: Path, fresh: Callable[[str], Cli]) -> None:
    good = copy_of(laptop.bundle, tmp_path, "good.fieldsafe")
    evil = with_extra_entry(laptop.bundle, tmp_path / "evil.fieldsafe", "../evil")
    office = fresh("office")
    # A report that could not be written is refused before anything is merged.
    for where, why in ((tmp_path / "no-such-folder" / "r.csv", "does not exist"),
                       (tmp_path, "it is a folder")):
        office.fails("bundle", "import", good, "--report", where, fragment=why, code=2)
    assert office.json("workspace", "info")["counts"]["audits"] == 0
    result = office("bundle", "import", good, evil, "--report", tmp_path / "r.csv", ok=False)
    assert result.returncode == 1
    [summary] = result.stdout.strip().splitlines()
    assert summary.startswith("good.fieldsafe: ") and " new, 0 updated, " in summary
    assert summary.endswith("(from laptop-a, team north)"), summary
    assert result.stderr.strip().splitlines() == [
        "evil.fieldsafe: refused: unsafe entry name '../evil' (path outside the bundle)"]
    assert not list(tmp_path.rglob("evil"))

    with (tmp_path / "r.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert set(rows[0]) == {"bundle", "kind", "id", "status", "device", "team", "author",
                            "detail"}
    mine = [r for r in rows if r["bundle"] == "good.fieldsafe"]
    assert [r["status"] for r in mine if r["kind"] == "audit"] == ["new"] * 6
    assert {r["kind"] for r in mine} >= {"audit", "media", "form", "action", "campaign"}
    assert all(r["device"] and r["team"] for r in mine if r["kind"] == "audit")
    [refused] = [r for r in rows if r["bundle"] == "evil.fieldsafe"]
    assert (refused["kind"], refused["status"]) == ("bundle", "rejected")
    assert "unsafe entry name '../evil'" in refused["detail"]

    counts = office.json("workspace", "info")["counts"]
    # everything the good bundle reported as new is in the workspace, nothing of the other
    sent = {kind: sum(1 for r in mine if r["kind"] == kind) for kind in ("media", "action")}
    assert sent["media"] >= 1 and sent["action"] >= 1
    assert counts["audits"] == 6 and counts["media"] == sent["media"]
    assert counts["action_items"] == sent["action"]

    again = office("bundle", "import", good, evil, "--report", tmp_path / "r.json", ok=False)
    assert again.returncode == 1
    [summary] = again.stdout.strip().splitlines()
    assert "0 new, 0 updated, " in summary and " already present " in summary
    assert summary.endswith("(imported before: nothing changed)"), summary
    assert "evil.fieldsafe: refused: unsafe entry name" in again.stderr
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert [Path(r["file"]).name for r in report] == ["good.fieldsafe", "evil.fieldsafe"]
    assert report[0]["already_imported"] is True and report[0]["refused"] is None
    assert report[0]["counts"]["new"] == 0 and report[0]["counts"]["present"] > 0
    assert report[0]["device_name"] == "laptop-a"
    assert "unsafe entry name '../evil'" in report[1]["refused"]
    assert "already present" in office("bundle", "import", good).stdout


def test_import_into_a_busy_workspace_says_so_for_every_bundle(
        laptop: Laptop, tmp_path: Path, fresh: Callable[[str], Cli]) -> None:
    """Another program holds the workspace's write lock for the whole import: the first
    bundle is refused with the reason, the next is not imported, nothing is written."""
    import sqlite3

    first = copy_of(laptop.bundle, tmp_path, "first.fieldsafe")
    second = copy_of(laptop.bundle, tmp_path, "second.fieldsafe")
    office = fresh("office")
    office("workspace", "info")  # its device identity is written before the lock is taken
    db = office.workspace / "fieldsafe.sqlite"
    other = sqlite3.connect(db, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        result = subprocess.run(
            [sys.executable, "-m", "fieldsafe.cli.main", "--workspace", str(office.workspace),
             "bundle", "import", str(first), str(second)], capture_output=True, text=True,
            timeout=300, cwd=ROOT, env={**os.environ, "PYTHONWARNINGS": "ignore",
                                        "FIELDSAFE_BUSY_TIMEOUT_MS": "200"})
    finally:
        other.rollback()
        other.close()
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        f"first.fieldsafe: refused: {db}: the workspace is in use by another FieldSafe; "
        "close it and try again",
        "second.fieldsafe: refused: not imported: the import stopped at first.fieldsafe"]
    assert office.json("workspace", "info")["counts"]["audits"] == 0


def test_require_signature_accepts_only_trusted_devices(
        laptop: Laptop, tmp_path: Path, fresh: Callable[[str], Cli]) -> None:
    signed = copy_of(laptop.bundle, tmp_path, "signed.fieldsafe")
    unsigned = Path(laptop.cli.json("bundle", "export", "-o", tmp_path / "unsigned.fieldsafe",
                                    "--json")["path"])
    office = fresh("office")
    trusted = office("devices", "trust", laptop.key, "--name", "Laptop A").stdout
    assert trusted.strip() == f"trusted: Laptop A ({laptop.key})"
    [device] = office.json("devices", "list", "--json")
    assert (device["name"], device["public_key"]) == ("Laptop A", laptop.key)

    result = office("bundle", "import", "--require-signature", signed, unsigned, ok=False)
    assert result.returncode == 1
    [summary] = result.stdout.strip().splitlines()
    assert summary.startswith("signed.fieldsafe: ") and ", signed by Laptop A)" in summary
    assert result.stderr.strip().splitlines() == [
        "unsigned.fieldsafe: refused: it is not signed, and only signed bundles from trusted "
        "devices are accepted"]

    office("devices", "untrust", laptop.key)
    assert office.json("devices", "list", "--json") == []
    result = office("bundle", "import", "--require-signature", signed, ok=False)
    assert result.returncode == 1 and result.stdout == ""
    assert "which is not a trusted device" in result.stderr


def test_conflict_listed_then_resolved_by_taking_a_device(
        laptop: Laptop, tmp_path: Path, fresh: Callable[[str], Cli]) -> None:
    """Two laptops edit one audit (prepared in-process, for speed); the office's CLI lists
    the conflict and resolves it."""
    from sqlalchemy import select

    from fieldsafe.services.audits import edit_audit
    from fieldsafe.services.bundle_export import export_bundle
    from fieldsafe.services.bundles import import_bundle
    from fieldsafe.services.workspace import Workspace
    from fieldsafe.storage.models import Audit

    shutil.copytree(laptop.folder / "laptop-a", tmp_path / "laptop-a")  # the module's stays
    a, b = Workspace(tmp_path / "laptop-a"), Workspace(fresh("laptop-b").workspace)
    try:
        b.set_identity(device_name="laptop-b", team="south")
        import_bundle(b, laptop.bundle)
        with a.transaction() as db:
            audit = db.scalars(select(Audit.uuid).where(
                Audit.form_id == "womens_safety_walk", Audit.status == "finalized")).first()
        assert audit is not None
        bundles = []
        for ws, text in ((a, "Seen by A"), (b, "Seen by B")):
            edit_audit(ws, audit, {"route_desc": text}, finalize=True)
            bundles.append(export_bundle(ws, tmp_path / f"{text[-1]}.fieldsafe").path)
    finally:
        a.close()
        b.close()

    office = fresh("office")
    lines = office("bundle", "import", *bundles).stdout.strip().splitlines()
    assert len(lines) == 2 and "1 conflict" in lines[1], lines
    [conflict] = office.json("conflicts", "list", "--json")
    assert conflict["audit"] == audit and conflict["form_id"] == "womens_safety_walk"
    assert {s["device_name"] for s in conflict["sides"]} == {"laptop-a", "laptop-b"}
    [field] = conflict["fields"]
    assert field["name"] == "route_desc"
    assert sorted(field["values"].values()) == ["Seen by A", "Seen by B"]
    office.fails("conflicts", "resolve", audit, "--take", "laptop-z", code=2,
                 fragment=f"fieldsafe: no side of audit {audit} comes from 'laptop-z'")
    resolved = office("conflicts", "resolve", audit, "--take", "laptop-b").stdout
    assert resolved.strip() == f"audit {audit}: resolved as revision 3 (finalized)"
    assert office("conflicts", "list").stdout.strip() == "no conflicts"
    shown = office.json("audits", "show", audit, "--json")
    assert shown["answers"]["route_desc"] == "Seen by B"
