"""Alembic migrations of the workspace schema (run only when a workspace needs one)."""
