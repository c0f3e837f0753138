"""The two kinds of failure: user errors (explained, nothing lost) and everything else (bugs)."""

from __future__ import annotations


class UserError(Exception):
    """Something the user can fix: a bad file, a full disk, an invalid form.

    Its message is complete and translated, names the file (and sheet, row or field),
    and is shown as it is, without a traceback.
    """
