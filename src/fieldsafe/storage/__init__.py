"""Storage: SQLAlchemy models, sessions and migrations of a workspace (workspace core)."""
