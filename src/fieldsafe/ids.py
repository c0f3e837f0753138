"""New record IDs: random UUIDs, or a seeded sequence while a reproducible demo is built."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_SEEDED: ContextVar[random.Random | None] = ContextVar("fieldsafe_seeded_ids", default=None)


def new_id() -> str:
    """A new UUID (version 4) as text."""
    rng = _SEEDED.get()
    if rng is None:
        return str(uuid.uuid4())
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


@contextmanager
def seeded_ids(seed: int) -> Iterator[None]:
    """Within the block, IDs come from ``seed``: the same seed gives the same IDs."""
    token = _SEEDED.set(random.Random(seed))
    try:
        yield
    finally:
        _SEEDED.reset(token)
