"""Whether the user asked a command to stop (Ctrl+C, SIGTERM), remembered past Python.

Python raises KeyboardInterrupt wherever the main thread is when the signal comes. Raised
inside a garbage-collection callback or a ``__del__``, it is printed and dropped, and the
command goes on as if nothing had been asked. The command line's signal handlers also set
:data:`requested`, and work that must not be finished after a stop was asked (a merge about
to be committed) calls :func:`check` before it finishes.
"""

from __future__ import annotations

import threading

#: Set by the command line's SIGINT and SIGTERM handlers; never by the desktop app.
requested = threading.Event()


def check() -> None:
    """Raise KeyboardInterrupt if a stop was asked, even one Python dropped."""
    if requested.is_set():
        raise KeyboardInterrupt
