"""SQLAlchemy models of a workspace: replicated records (UUIDs, provenance) and local state."""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# The schema version this release writes. Stored in PRAGMA user_version, so the check at
# start-up is one cheap query; Alembic is imported only when a migration is due.
SCHEMA_VERSION = 6


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[object, object]] = {
        dict[str, object]: JSON, list[object]: JSON}


class Provenance:
    """Who made a record, where: travels with the record between laptops."""

    device_id: Mapped[str] = mapped_column(String(36))
    device_name: Mapped[str] = mapped_column(String(200), default="")
    author: Mapped[str] = mapped_column(String(200), default="")
    team: Mapped[str] = mapped_column(String(200), default="")


class LocalSetting(Base):
    """This device's own settings and identity; never replicated."""

    __tablename__ = "local_settings"
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text, default="")


class FormVersion(Base):
    """An immutable form version, identified by form_id and version."""

    __tablename__ = "form_versions"
    __table_args__ = (UniqueConstraint("form_id", "version"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    form_id: Mapped[str] = mapped_column(String(200), index=True)
    version: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(500), default="")
    content_hash: Mapped[str] = mapped_column(String(64))
    source_name: Mapped[str] = mapped_column(String(500))
    source_bytes: Mapped[bytes] = mapped_column(LargeBinary)
    method: Mapped[str] = mapped_column(Text, default="")
    builtin: Mapped[bool] = mapped_column(Boolean, default=False)
    added_at: Mapped[datetime] = mapped_column(DateTime)  # local: when it came here


class Campaign(Provenance, Base):
    __tablename__ = "campaigns"
    uuid: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(500))
    area_geojson: Mapped[str] = mapped_column(Text, default="")
    segment_m: Mapped[float] = mapped_column(Float, default=50.0)
    tolerance_m: Mapped[float] = mapped_column(Float, default=25.0)
    form_ids: Mapped[list[object]] = mapped_column(JSON, default=list)
    layer_uuids: Mapped[list[object]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    modified_at: Mapped[datetime] = mapped_column(DateTime)


class Audit(Base):
    """An audit: one form filled in, under a UUID that stays across its revisions."""

    __tablename__ = "audits"
    uuid: Mapped[str] = mapped_column(String(36), primary_key=True)
    form_id: Mapped[str] = mapped_column(String(200), index=True)
    campaign_uuid: Mapped[str | None] = mapped_column(
        ForeignKey("campaigns.uuid", ondelete="SET NULL"), index=True)
    head_uuid: Mapped[str | None] = mapped_column(String(36))  # the current revision
    status: Mapped[str] = mapped_column(String(20), index=True)  # the head's status
    conflict: Mapped[bool] = mapped_column(Boolean, default=False)
    # Copied from the current revision so that long lists filter and sort in SQL.
    period: Mapped[str] = mapped_column(String(10), default="", server_default="", index=True)
    team: Mapped[str] = mapped_column(String(200), default="", server_default="", index=True)
    instance_name: Mapped[str] = mapped_column(String(500), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    modified_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    revisions: Mapped[list[AuditRevision]] = relationship(
        back_populates="audit", order_by="AuditRevision.number",
        cascade="all, delete-orphan")


class AuditRevision(Provenance, Base):
    """One revision of an audit. Finalized and retired revisions never change; a draft is
    saved in place until it is finalized."""

    __tablename__ = "audit_revisions"
    uuid: Mapped[str] = mapped_column(String(36), primary_key=True)
    # No index of its own: ix_audit_revisions_audit_number (audit_uuid, number) covers it.
    audit_uuid: Mapped[str] = mapped_column(ForeignKey("audits.uuid", ondelete="CASCADE"))
    parent_uuid: Mapped[str | None] = mapped_column(String(36), index=True)
    number: Mapped[int] = mapped_column(Integer)
    form_id: Mapped[str] = mapped_column(String(200))
    form_version: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20))  # draft, finalized, retired
    answers: Mapped[dict[str, object]] = mapped_column(JSON)
    instance_name: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    saved_at: Mapped[datetime] = mapped_column(DateTime)
    # The other revisions a conflict resolution joins (parent_uuid is the first one).
    merges: Mapped[list[object]] = mapped_column(JSON, default=list, server_default="[]")
    # Sent with its sensitive answers left out (bundle export --exclude-sensitive).
    redacted: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    audit: Mapped[Audit] = relationship(back_populates="revisions")
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="revision", cascade="all, delete-orphan")
    geometries: Mapped[list[Geometry]] = relationship(
        back_populates="revision", cascade="all, delete-orphan")


class Media(Base):
    """A file in the content-addressed media store, with what was read from it."""

    __tablename__ = "media"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    mime: Mapped[str] = mapped_column(String(100), default="")
    info: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)  # EXIF and size


class Attachment(Base):
    """A file answering a question of a revision (a photo of a finding, say)."""

    __tablename__ = "attachments"
    __table_args__ = (UniqueConstraint("revision_uuid", "question_path"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # No index of its own: the UNIQUE (revision_uuid, question_path) autoindex covers it.
    revision_uuid: Mapped[str] = mapped_column(
        ForeignKey("audit_revisions.uuid", ondelete="CASCADE"))
    question_path: Mapped[str] = mapped_column(String(500))  # "findings[2]/photo"
    filename: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(ForeignKey("media.sha256"), index=True)
    caption: Mapped[str] = mapped_column(Text, default="", server_default="")
    revision: Mapped[AuditRevision] = relationship(back_populates="attachments")
    media: Mapped[Media] = relationship()


class Geometry(Base):
    """A location answer of a revision, as GeoJSON: a point, a walked route or an area."""

    __tablename__ = "geometries"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    revision_uuid: Mapped[str] = mapped_column(
        ForeignKey("audit_revisions.uuid", ondelete="CASCADE"), index=True)
    question_path: Mapped[str] = mapped_column(String(500))
    kind: Mapped[str] = mapped_column(String(20))  # point, route, area
    role: Mapped[str] = mapped_column(String(40), default="")
    geojson: Mapped[str] = mapped_column(Text)
    length_m: Mapped[float] = mapped_column(Float, default=0.0)
    area_m2: Mapped[float] = mapped_column(Float, default=0.0)
    min_lon: Mapped[float] = mapped_column(Float)
    min_lat: Mapped[float] = mapped_column(Float)
    max_lon: Mapped[float] = mapped_column(Float)
    max_lat: Mapped[float] = mapped_column(Float)
    revision: Mapped[AuditRevision] = relationship(back_populates="geometries")


class ActionItem(Provenance, Base):
    """What should be done about a finding, by whom and by when."""

    __tablename__ = "action_items"
    uuid: Mapped[str] = mapped_column(String(36), primary_key=True)
    audit_uuid: Mapped[str] = mapped_column(ForeignKey("audits.uuid", ondelete="CASCADE"),
                                            index=True)
    finding_index: Mapped[int] = mapped_column(Integer)  # 1-based repeat instance
    # What the finding said when the item was made (its category, location and note, as
    # stored), to find it again after findings were removed or reordered: see
    # fieldsafe.services.finding_refs. None for items made before it was kept.
    finding_ref: Mapped[dict[str, str] | None] = mapped_column(JSON, default=None)
    title: Mapped[str] = mapped_column(Text, default="")
    recommendation: Mapped[str] = mapped_column(Text, default="")
    agency: Mapped[str] = mapped_column(String(200), default="", index=True)
    priority: Mapped[str] = mapped_column(String(20), default="medium")
    target_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    modified_at: Mapped[datetime] = mapped_column(DateTime)
    changes: Mapped[list[ActionChange]] = relationship(
        back_populates="item", order_by="ActionChange.changed_at",
        cascade="all, delete-orphan")


class ActionChange(Provenance, Base):
    """One change to an action item: which fields, from what, to what."""

    __tablename__ = "action_changes"
    uuid: Mapped[str] = mapped_column(String(36), primary_key=True)
    item_uuid: Mapped[str] = mapped_column(
        ForeignKey("action_items.uuid", ondelete="CASCADE"), index=True)
    changed_at: Mapped[datetime] = mapped_column(DateTime)
    fields: Mapped[dict[str, object]] = mapped_column(JSON)  # name -> [old, new]
    item: Mapped[ActionItem] = relationship(back_populates="changes")


class Layer(Base):
    """A GeoJSON area layer or an MBTiles basemap, copied into the workspace."""

    __tablename__ = "layers"
    uuid: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # areas, basemap
    name: Mapped[str] = mapped_column(String(500))
    filename: Mapped[str] = mapped_column(String(500))  # inside the workspace's layers/
    sha256: Mapped[str] = mapped_column(String(64))
    info: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    added_at: Mapped[datetime] = mapped_column(DateTime)


class ReceivedBundle(Base):
    """A sync bundle merged here: recognised again by its UUID and manifest hash."""

    __tablename__ = "received_bundles"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bundle_uuid: Mapped[str] = mapped_column(String(36), index=True)
    manifest_sha256: Mapped[str] = mapped_column(String(64))
    device_id: Mapped[str] = mapped_column(String(36), default="")
    device_name: Mapped[str] = mapped_column(String(200), default="")
    team: Mapped[str] = mapped_column(String(200), default="")
    imported_at: Mapped[datetime] = mapped_column(DateTime)
    summary: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)


class SentRecord(Base):
    """What the last bundles sent to a recipient held: a fingerprint per record, so that
    ``--since-last`` sends only what changed since."""

    __tablename__ = "sent_records"
    recipient: Mapped[str] = mapped_column(String(200), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    record_uuid: Mapped[str] = mapped_column(String(64), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))


class SentDraft(Base):
    """A draft of this device that left it in a bundle: it is never saved in place again
    (a change becomes a new revision), since a receiver may already have built on it."""

    __tablename__ = "sent_drafts"
    revision_uuid: Mapped[str] = mapped_column(String(36), primary_key=True)
    bundle_uuid: Mapped[str] = mapped_column(String(36))
    sent_at: Mapped[datetime] = mapped_column(DateTime)


class TrustedDevice(Base):
    """A device whose signed bundles are accepted (``devices trust``)."""

    __tablename__ = "trusted_devices"
    public_key: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    added_at: Mapped[datetime] = mapped_column(DateTime)


# Not unique: two laptops that edit the same revision both make revision number N + 1.
Index("ix_audit_revisions_audit_number", AuditRevision.audit_uuid, AuditRevision.number)
