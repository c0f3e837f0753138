"""Which finding an action item is about, found again after findings were removed or moved.

An item keeps the number of its finding (the repeat instance, from 1) and a reference to
what that finding said when the item was made: digests of its category, location and note
as stored (not the text: an item travels in bundles, and a note may be long or private).
Findings are numbered by their place in the list, so removing or reordering them in a
correction would leave the number pointing at another finding; the reference finds the
right one again, or tells that it is no longer there.
"""

from __future__ import annotations

import hashlib
from typing import Any

from fieldsafe.forms.model import FormElement

REF_ROLES = ("category", "location", "note")
_PLACE = ("category", "location")  # what a finding is about; its note may be corrected


def finding_ref(repeat: FormElement, finding: dict[str, Any]) -> dict[str, str]:
    """The reference of one finding (an instance of the repeat with role ``finding``): a
    digest of each of its answers with role category, location or note, by role. Answers
    the form marks sensitive are left out."""
    out: dict[str, str] = {}
    for element in repeat.walk():
        role, key = element.role, element.answer_key
        if role in REF_ROLES and role not in out and not element.sensitive and \
                finding.get(key) not in (None, ""):
            out[role] = hashlib.sha256(str(finding[key]).encode()).hexdigest()[:16]
    return out


def locate(number: int, ref: dict[str, str] | None, repeat: FormElement | None,
           findings: list[Any]) -> int | None:
    """The number (from 1) of the finding an item made from finding ``number`` with
    reference ``ref`` is about, among ``findings`` now; None if it is no longer there.

    The same finding is the one whose reference is the same (where it stands now, if it
    did not move); else one about the same category and place (its note corrected). An
    item made before references were kept (``ref`` None) keeps its number."""
    items = [f for f in findings if isinstance(f, dict)] if isinstance(findings, list) else []
    if not ref or repeat is None:
        return number if 1 <= number <= len(items) else None
    refs = [finding_ref(repeat, f) for f in items]
    same = [n for n, r in enumerate(refs, 1) if r == ref]
    if number in same:
        return number
    if same:  # moved (among identical findings, any of them is the one)
        return same[0]
    place = [n for n, r in enumerate(refs, 1)
             if all(r.get(k) == ref.get(k) for k in _PLACE if k in ref)]
    if number in place:
        return number
    return place[0] if len(place) == 1 else None
