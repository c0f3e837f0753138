"""Migration 0001: the first workspace schema.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "campaigns",
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("area_geojson", sa.Text(), nullable=False),
        sa.Column("segment_m", sa.Float(), nullable=False),
        sa.Column("tolerance_m", sa.Float(), nullable=False),
        sa.Column("form_ids", sa.JSON(), nullable=False),
        sa.Column("layer_uuids", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("modified_at", sa.DateTime(), nullable=False),
        sa.Column("device_id", sa.String(length=36), nullable=False),
        sa.Column("device_name", sa.String(length=200), nullable=False),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("team", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("uuid"),
    )
    op.create_table(
        "form_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("form_id", sa.String(length=200), nullable=False),
        sa.Column("version", sa.String(length=100), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("source_name", sa.String(length=500), nullable=False),
        sa.Column("source_bytes", sa.LargeBinary(), nullable=False),
        sa.Column("method", sa.Text(), nullable=False),
        sa.Column("builtin", sa.Boolean(), nullable=False),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("form_id", "version"),
    )
    with op.batch_alter_table("form_versions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_form_versions_form_id"), ["form_id"], unique=False)

    op.create_table(
        "layers",
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("filename", sa.String(length=500), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("info", sa.JSON(), nullable=False),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("uuid"),
    )
    op.create_table(
        "local_settings",
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "media",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("mime", sa.String(length=100), nullable=False),
        sa.Column("info", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("sha256"),
    )
    op.create_table(
        "audits",
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("form_id", sa.String(length=200), nullable=False),
        sa.Column("campaign_uuid", sa.String(length=36), nullable=True),
        sa.Column("head_uuid", sa.String(length=36), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("conflict", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("modified_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["campaign_uuid"], ["campaigns.uuid"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("uuid"),
    )
    with op.batch_alter_table("audits", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_audits_campaign_uuid"), ["campaign_uuid"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_audits_form_id"), ["form_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_audits_modified_at"), ["modified_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_audits_status"), ["status"], unique=False)

    op.create_table(
        "action_items",
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("audit_uuid", sa.String(length=36), nullable=False),
        sa.Column("finding_index", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("recommendation", sa.Text(), nullable=False),
        sa.Column("agency", sa.String(length=200), nullable=False),
        sa.Column("priority", sa.String(length=20), nullable=False),
        sa.Column("target_date", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("modified_at", sa.DateTime(), nullable=False),
        sa.Column("device_id", sa.String(length=36), nullable=False),
        sa.Column("device_name", sa.String(length=200), nullable=False),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("team", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["audit_uuid"], ["audits.uuid"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("uuid"),
    )
    with op.batch_alter_table("action_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_action_items_agency"), ["agency"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_action_items_audit_uuid"), ["audit_uuid"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_action_items_status"), ["status"], unique=False)

    op.create_table(
        "audit_revisions",
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("audit_uuid", sa.String(length=36), nullable=False),
        sa.Column("parent_uuid", sa.String(length=36), nullable=True),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("form_id", sa.String(length=200), nullable=False),
        sa.Column("form_version", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("instance_name", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("saved_at", sa.DateTime(), nullable=False),
        sa.Column("device_id", sa.String(length=36), nullable=False),
        sa.Column("device_name", sa.String(length=200), nullable=False),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("team", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["audit_uuid"], ["audits.uuid"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("uuid"),
    )
    with op.batch_alter_table("audit_revisions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_audit_revisions_audit_number", ["audit_uuid", "number"], unique=True
        )
        batch_op.create_index(
            batch_op.f("ix_audit_revisions_audit_uuid"), ["audit_uuid"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_audit_revisions_parent_uuid"), ["parent_uuid"], unique=False
        )

    op.create_table(
        "action_changes",
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("item_uuid", sa.String(length=36), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("device_id", sa.String(length=36), nullable=False),
        sa.Column("device_name", sa.String(length=200), nullable=False),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("team", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["item_uuid"], ["action_items.uuid"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("uuid"),
    )
    with op.batch_alter_table("action_changes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_action_changes_item_uuid"), ["item_uuid"], unique=False
        )

    op.create_table(
        "attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("revision_uuid", sa.String(length=36), nullable=False),
        sa.Column("question_path", sa.String(length=500), nullable=False),
        sa.Column("filename", sa.String(length=500), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["revision_uuid"], ["audit_revisions.uuid"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["sha256"],
            ["media.sha256"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("revision_uuid", "question_path"),
    )
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_attachments_revision_uuid"), ["revision_uuid"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_attachments_sha256"), ["sha256"], unique=False)

    op.create_table(
        "geometries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("revision_uuid", sa.String(length=36), nullable=False),
        sa.Column("question_path", sa.String(length=500), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("role", sa.String(length=40), nullable=False),
        sa.Column("geojson", sa.Text(), nullable=False),
        sa.Column("length_m", sa.Float(), nullable=False),
        sa.Column("area_m2", sa.Float(), nullable=False),
        sa.Column("min_lon", sa.Float(), nullable=False),
        sa.Column("min_lat", sa.Float(), nullable=False),
        sa.Column("max_lon", sa.Float(), nullable=False),
        sa.Column("max_lat", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["revision_uuid"], ["audit_revisions.uuid"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("geometries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_geometries_revision_uuid"), ["revision_uuid"], unique=False
        )
    op.execute("PRAGMA user_version = 1")


def downgrade() -> None:
    with op.batch_alter_table("geometries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_geometries_revision_uuid"))

    op.drop_table("geometries")
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attachments_sha256"))
        batch_op.drop_index(batch_op.f("ix_attachments_revision_uuid"))

    op.drop_table("attachments")
    with op.batch_alter_table("action_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_action_changes_item_uuid"))

    op.drop_table("action_changes")
    with op.batch_alter_table("audit_revisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_revisions_parent_uuid"))
        batch_op.drop_index(batch_op.f("ix_audit_revisions_audit_uuid"))
        batch_op.drop_index("ix_audit_revisions_audit_number")

    op.drop_table("audit_revisions")
    with op.batch_alter_table("action_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_action_items_status"))
        batch_op.drop_index(batch_op.f("ix_action_items_audit_uuid"))
        batch_op.drop_index(batch_op.f("ix_action_items_agency"))

    op.drop_table("action_items")
    with op.batch_alter_table("audits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audits_status"))
        batch_op.drop_index(batch_op.f("ix_audits_modified_at"))
        batch_op.drop_index(batch_op.f("ix_audits_form_id"))
        batch_op.drop_index(batch_op.f("ix_audits_campaign_uuid"))

    op.drop_table("audits")
    op.drop_table("media")
    op.drop_table("local_settings")
    op.drop_table("layers")
    with op.batch_alter_table("form_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_form_versions_form_id"))

    op.drop_table("form_versions")
    op.drop_table("campaigns")
