"""Migration 0003: sync bundles (received bundles, sent records, trusted devices) and
revisions that can branch (merged parents, redacted copies, revision numbers not unique).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("audit_revisions",
                  sa.Column("merges", sa.JSON(), server_default="[]", nullable=False))
    op.add_column("audit_revisions",
                  sa.Column("redacted", sa.Boolean(), server_default="0", nullable=False))
    # Dropping and re-creating an index rebuilds no table, so no ON DELETE CASCADE fires.
    op.drop_index("ix_audit_revisions_audit_number", table_name="audit_revisions")
    op.create_index("ix_audit_revisions_audit_number", "audit_revisions",
                    ["audit_uuid", "number"], unique=False)
    op.create_table(
        "received_bundles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bundle_uuid", sa.String(length=36), nullable=False),
        sa.Column("manifest_sha256", sa.String(length=64), nullable=False),
        sa.Column("device_id", sa.String(length=36), nullable=False),
        sa.Column("device_name", sa.String(length=200), nullable=False),
        sa.Column("team", sa.String(length=200), nullable=False),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_received_bundles_bundle_uuid", "received_bundles", ["bundle_uuid"])
    op.create_table(
        "sent_records",
        sa.Column("recipient", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("record_uuid", sa.String(length=64), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("recipient", "kind", "record_uuid"),
    )
    op.create_table(
        "trusted_devices",
        sa.Column("public_key", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("public_key"),
    )
    op.execute("PRAGMA user_version = 3")


def downgrade() -> None:
    op.drop_table("trusted_devices")
    op.drop_table("sent_records")
    op.drop_index("ix_received_bundles_bundle_uuid", table_name="received_bundles")
    op.drop_table("received_bundles")
    op.drop_index("ix_audit_revisions_audit_number", table_name="audit_revisions")
    op.create_index("ix_audit_revisions_audit_number", "audit_revisions",
                    ["audit_uuid", "number"], unique=True)
    with op.batch_alter_table("audit_revisions") as batch:
        batch.drop_column("redacted")
        batch.drop_column("merges")
    op.execute("PRAGMA user_version = 2")
