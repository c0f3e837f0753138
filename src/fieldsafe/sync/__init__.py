"""Sync bundles: export, import and merge between laptops (coming with the sync issue)."""
