"""Finding records by the IDs users type (a full UUID or an unambiguous prefix), and IDs in
batches for SQL IN lists."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from fieldsafe.errors import UserError
from fieldsafe.i18n import _
from fieldsafe.storage.models import ActionItem, Audit, Campaign

T = TypeVar("T", Audit, Campaign, ActionItem)
B = TypeVar("B")
MIN_PREFIX = 4
BATCH = 500  # IDs per SQL IN list: well under SQLite's limit on bound parameters


def batches(items: Sequence[B], size: int = BATCH) -> Iterator[list[B]]:
    """``items`` in lists of at most ``size``, in order: IDs for ``column.in_(...)``."""
    for start in range(0, len(items), size):
        yield list(items[start:start + size])


def _resolve(session: Session, model: type[T], what: str, key: str) -> T:
    given, key = key.strip(), key.strip().lower()
    found = session.get(model, key)
    if found is not None:
        return found
    if len(key) >= MIN_PREFIX and all(c in "0123456789abcdef-" for c in key):
        column = model.uuid
        matches = list(session.scalars(select(model).where(column.startswith(key)).limit(2)))
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise UserError(_("more than one {what} has an ID starting with '{key}'; give "
                              "more of it").format(what=what, key=key))
    if len(key) < MIN_PREFIX and all(c in "0123456789abcdef-" for c in key):
        raise UserError(_("no {what} with ID '{key}': give the ID, or at least its first "
                          "{n} characters").format(what=what, key=given, n=MIN_PREFIX))
    raise UserError(_("no {what} with ID '{key}'").format(what=what, key=given))


def resolve_audit(session: Session, key: str) -> Audit:
    return _resolve(session, Audit, _("audit"), key)


def resolve_campaign(session: Session, key: str) -> Campaign:
    """A campaign by ID (or prefix), or by its exact name."""
    by_name = list(session.scalars(select(Campaign).where(Campaign.name == key)
                                   .order_by(Campaign.uuid).limit(10)))
    if len(by_name) == 1:
        return by_name[0]
    if by_name:  # two laptops each made one of that name, and they were merged
        raise UserError(_("more than one campaign is named '{name}'; give its ID instead "
                          "({ids})").format(name=key, ids=", ".join(c.uuid[:8] for c in by_name)))
    return _resolve(session, Campaign, _("campaign"), key)


def resolve_action(session: Session, key: str) -> ActionItem:
    return _resolve(session, ActionItem, _("action item"), key)
