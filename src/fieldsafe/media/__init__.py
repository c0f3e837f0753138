"""Media: photos and attachments stored by content hash (coming with the workspace core)."""
