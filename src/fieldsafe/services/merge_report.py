"""What merging a bundle did, record by record: new, updated, already present, conflict."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from fieldsafe.i18n import _, ngettext
from fieldsafe.outputs import write_atomically

NEW, UPDATED, PRESENT, CONFLICT, REJECTED = "new", "updated", "present", "conflict", "rejected"
STATUSES = (NEW, UPDATED, PRESENT, CONFLICT, REJECTED)


@dataclass
class Outcome:
    kind: str  # audit, action, campaign, form, layer, media
    id: str
    status: str
    device: str = ""
    team: str = ""
    author: str = ""
    detail: str = ""


@dataclass
class MergeReport:
    file: str
    bundle_uuid: str = ""
    device_id: str = ""
    device_name: str = ""
    team: str = ""
    author: str = ""
    signed_by: str | None = None
    trusted_as: str | None = None
    already_imported: bool = False
    refused: str | None = None
    outcomes: list[Outcome] = field(default_factory=list)
    present_unlisted: int = 0  # a bundle imported before: its records, not listed again

    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(STATUSES, 0)
        out[PRESENT] = self.present_unlisted
        for o in self.outcomes:
            out[o.status] += 1
        return out

    def summary(self, name: str | None = None) -> str:
        """One line: what the bundle brought, and from whom; the file named ``name`` (by
        default its file name, without its folder)."""
        name = name or Path(self.file).name
        if self.refused is not None:
            return _("{file}: refused: {why}").format(file=name, why=self.refused)
        c = self.counts()
        parts = [_("{n} new").format(n=c[NEW]), _("{n} updated").format(n=c[UPDATED]),
                 _("{n} already present").format(n=c[PRESENT])]
        if c[CONFLICT]:
            parts.append(ngettext("{n} conflict", "{n} conflicts", c[CONFLICT]).format(
                n=c[CONFLICT]))
        if c[REJECTED]:
            parts.append(_("{n} rejected").format(n=c[REJECTED]))
        source = _("from {device}, team {team}").format(device=self.device_name or
                                                        self.device_id, team=self.team)
        if self.trusted_as:
            source += _(", signed by {name}").format(name=self.trusted_as)
        again = _(" (imported before: nothing changed)") if self.already_imported else ""
        return f"{name}: {', '.join(parts)} ({source}){again}"

    def as_dict(self, name: str | None = None) -> dict[str, Any]:
        data = asdict(self)
        data["counts"] = self.counts()
        data["summary"] = self.summary(name)
        return data


def display_names(reports: list[MergeReport]) -> list[str]:
    """How each report's bundle is named: its file name, or its path where two bundles
    imported together have the same file name (week1.fieldsafe from two USB sticks)."""
    names = [Path(r.file).name for r in reports]
    return [r.file if names.count(name) > 1 else name
            for r, name in zip(reports, names, strict=True)]


def write_reports(reports: list[MergeReport], path: Path) -> None:
    """The merge report as JSON (``.json``) or CSV (any other name): one row per record."""
    shown = display_names(reports)
    if path.suffix.lower() == ".json":
        text = json.dumps([r.as_dict(name) for r, name in zip(reports, shown, strict=True)],
                          ensure_ascii=False, indent=2, default=str)
    else:
        from fieldsafe.services.exports_csv import defused

        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["bundle", "kind", "id", "status", "device", "team", "author",
                         "detail"])
        rows: list[list[str]] = []
        for report, name in zip(reports, shown, strict=True):
            if report.refused is not None:
                rows.append([name, "bundle", report.bundle_uuid,
                             REJECTED, report.device_name, report.team, report.author,
                             report.refused])
            if report.already_imported and not report.outcomes:  # its records: not listed
                rows.append([name, "bundle", report.bundle_uuid, PRESENT,
                             report.device_name, report.team, report.author,
                             _("imported before: its {n} records changed nothing").format(
                                 n=report.present_unlisted)])
            rows += [[name, o.kind, o.id, o.status, o.device, o.team, o.author, o.detail]
                     for o in report.outcomes]
        # Names and instance names come from other laptops: none runs as a formula.
        writer.writerows([defused(cell) for cell in row] for row in rows)
        text = buffer.getvalue()
    write_atomically(path, lambda out: out.write(text.encode("utf-8")))
