"""Migration 0006: an action item remembers what its finding said, to find it again if moved.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # ADD COLUMN rebuilds no table (a rebuild would fire ON DELETE CASCADE on its changes).
    op.add_column("action_items", sa.Column("finding_ref", sa.JSON(), nullable=True))
    op.execute("PRAGMA user_version = 6")


def downgrade() -> None:
    op.execute("ALTER TABLE action_items DROP COLUMN finding_ref")  # SQLite 3.35+, no rebuild
    op.execute("PRAGMA user_version = 5")
