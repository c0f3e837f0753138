"""Use cases shared by the desktop app and the CLI; each owns its own work and transaction."""
