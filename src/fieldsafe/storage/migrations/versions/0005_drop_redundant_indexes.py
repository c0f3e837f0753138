"""Migration 0005: two redundant indexes dropped (cheaper bulk inserts, as in bundle merges).

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Dropping an index rebuilds no table, so no ON DELETE CASCADE fires.
    # ix_audit_revisions_audit_number (audit_uuid, number) covers lookups by audit_uuid.
    op.drop_index("ix_audit_revisions_audit_uuid", table_name="audit_revisions")
    # The UNIQUE (revision_uuid, question_path) autoindex covers lookups by revision_uuid.
    op.drop_index("ix_attachments_revision_uuid", table_name="attachments")
    op.execute("PRAGMA user_version = 5")


def downgrade() -> None:
    op.create_index("ix_attachments_revision_uuid", "attachments", ["revision_uuid"],
                    unique=False)
    op.create_index("ix_audit_revisions_audit_uuid", "audit_revisions", ["audit_uuid"],
                    unique=False)
    op.execute("PRAGMA user_version = 4")
