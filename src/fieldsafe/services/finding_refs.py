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


def finding_ref(repeat: FormElement, finding: dict[str, Any]) -> dict[str, str]:
    """The reference of one finding (an instance of the repeat with role ``finding``): a
    digest of each of its answers with role category, location or note, by role. Answers
    the form marks sensitive are left out."""
    out: dict[str, str] = {}
    for element in repeat.walk():
        role, key = element.role, element.answer_key
        if role in REF_ROLES and role not in out and not element.sensitive and \
                finding.get(key) not in (None, ""):
            value = str(finding[key])
            if role == "location":  # the place: latitude and longitude, not the altitude
                value = " ".join(value.split()[:2])  # or the GPS accuracy of that fix
            out[role] = hashlib.sha256(value.encode()).hexdigest()[:16]
    return out


def locate(number: int, ref: dict[str, str] | None, repeat: FormElement | None,
           findings: list[Any]) -> int | None:
    """The number (from 1) of the finding an item made from finding ``number`` with
    reference ``ref`` is about, among ``findings`` now; None if it is no longer there.

    The same finding is the one whose reference is the same (where it stands now, if it
    did not move). Else a finding that still agrees on two of its category, place and note
    (one of them corrected): where it stood, or the only one elsewhere. An item made
    before references were kept (``ref`` None) keeps its number."""
    items = [f for f in findings if isinstance(f, dict)] if isinstance(findings, list) else []
    if not ref or repeat is None:
        return number if 1 <= number <= len(items) else None
    agree = [sum(r.get(k) == v for k, v in ref.items())
             for r in (finding_ref(repeat, f) for f in items)]
    same = [n for n, count in enumerate(agree, 1) if count == len(ref)]
    if number in same:
        return number
    if same:  # moved (among identical findings, any of them is the one)
        return same[0]
    need = min(2, len(ref))
    if 1 <= number <= len(items) and agree[number - 1] >= need:
        return number  # corrected where it stood
    close = [n for n, count in enumerate(agree, 1) if count >= need]
    return close[0] if len(close) == 1 else None
