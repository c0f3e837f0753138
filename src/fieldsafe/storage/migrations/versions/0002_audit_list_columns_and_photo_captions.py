"""Migration 0002: audit list columns (period, team, instance name) and photo captions.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTER TABLE ADD COLUMN: no table is rebuilt, so no ON DELETE CASCADE can fire.
    op.add_column("attachments",
                  sa.Column("caption", sa.Text(), server_default="", nullable=False))
    op.add_column("audits",
                  sa.Column("period", sa.String(length=10), server_default="", nullable=False))
    op.add_column("audits",
                  sa.Column("team", sa.String(length=200), server_default="", nullable=False))
    op.add_column("audits", sa.Column("instance_name", sa.String(length=500),
                                      server_default="", nullable=False))
    op.create_index("ix_audits_period", "audits", ["period"], unique=False)
    op.create_index("ix_audits_team", "audits", ["team"], unique=False)
    # Fill them from each audit's current revision. The period question is named 'period'
    # in the built-in instruments; other forms get theirs on their next save.
    op.execute("""
        UPDATE audits SET
            team = coalesce((SELECT r.team FROM audit_revisions r
                             WHERE r.uuid = audits.head_uuid), ''),
            instance_name = coalesce((SELECT r.instance_name FROM audit_revisions r
                                      WHERE r.uuid = audits.head_uuid), ''),
            period = coalesce((SELECT json_extract(r.answers, '$.period')
                               FROM audit_revisions r WHERE r.uuid = audits.head_uuid), '')
    """)
    op.execute("PRAGMA user_version = 2")


def downgrade() -> None:
    op.drop_index("ix_audits_team", table_name="audits")
    op.drop_index("ix_audits_period", table_name="audits")
    op.drop_column("audits", "instance_name")
    op.drop_column("audits", "team")
    op.drop_column("audits", "period")
    op.drop_column("attachments", "caption")
    op.execute("PRAGMA user_version = 1")
