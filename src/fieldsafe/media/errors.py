"""The user error raised when a photo or the media store cannot be read or written."""

from __future__ import annotations

from pathlib import Path

from fieldsafe.errors import UserError


class MediaError(UserError):
    """A photo or stored file that cannot be used; one line: ``FILE: what is wrong``."""

    def __init__(self, file: Path | str, problem: str) -> None:
        self.file = str(file)
        self.problem = problem
        super().__init__(f"{self.file}: {problem}")

    def __reduce__(self) -> tuple[type[MediaError], tuple[str, str]]:
        # Exceptions pickle their args; ours are (message,), not (file, problem). Pickled
        # when a copy in the media worker process fails.
        return (type(self), (self.file, self.problem))
