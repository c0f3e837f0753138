"""The ``fieldsafe`` command line: the same services as the desktop app, without a window."""
