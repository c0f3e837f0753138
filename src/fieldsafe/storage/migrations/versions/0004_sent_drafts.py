"""Migration 0004: the drafts this device sent in bundles (never saved in place again).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sent_drafts",
        sa.Column("revision_uuid", sa.String(length=36), nullable=False),
        sa.Column("bundle_uuid", sa.String(length=36), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("revision_uuid"),
    )
    op.execute("PRAGMA user_version = 4")


def downgrade() -> None:
    op.drop_table("sent_drafts")
    op.execute("PRAGMA user_version = 3")
