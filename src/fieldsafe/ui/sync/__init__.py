"""Sync in the desktop app: send and receive bundles, the merge report and the Merge Center."""
