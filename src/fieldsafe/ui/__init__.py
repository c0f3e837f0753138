"""The desktop app: the only package that imports PySide6 (coming with the desktop issue)."""
