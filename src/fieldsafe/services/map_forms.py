"""What the map reads in a form: its ratings grouped into parameters, its score, its findings.

A form is read once (by content hash) into a :class:`FormInfo`; an audit's answers are then
read through it without touching the form again.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from fieldsafe.forms.keys import sensitive_keys
from fieldsafe.forms.model import FormDef, FormElement, pick_translation
from fieldsafe.i18n import N_, gettext_code
from fieldsafe.services.map_types import Scale

OVERALL = "overall"

# (key, English label (translated where shown), pattern searched in the question's name,
# pattern searched in its label). Names are tried first against every pattern, then labels:
# names are short and deliberate, labels are prose ("... guide people without hiding them").
_KEYS: tuple[tuple[str, str, str, str], ...] = (
    ("lighting", N_("Lighting"), r"light", r"\blight"),
    ("sightlines", N_("Sightlines"), r"sightline", r"\bsightlines?\b"),
    ("hiding", N_("Hiding places"), r"hiding|hide", r"\bhiding places?\b"),
    ("isolation", N_("Isolation"), r"isol", r"\bisolat"),
    ("signage", N_("Signs and information"), r"sign", r"\bsignage\b|signs and information"),
    ("maintenance", N_("Maintenance"), r"maint|^mnt_", r"\bmaintenance\b|\bupkeep\b"),
    ("people", N_("People present"), r"people", r"^people\b"),
    ("phone", N_("Phone coverage"), r"phone", r"phone (coverage|signal)"),
    ("feeling", N_("Feeling of safety"), r"feel", r"\bfeel"),
    ("openness", N_("Openness"), r"open", r"^openness\b"),
    ("visibility", N_("Visibility"), r"visib", r"eyes on the street|visible from the street"),
    ("security", N_("Security"), r"secur", r"^security\b"),
    ("walkpath", N_("Walk path"), r"walk_?path", r"walk path|room to walk"),
    ("transport", N_("Public transport"), r"^(sp_)?(transport|pt)$", r"^public transport$"),
    ("gender", N_("Gender usage"), r"gender", r"gender usage"),
    ("crossing", N_("Crossing streets"), r"crossing", r"\bcross (the )?streets?\b"),
    ("drivers", N_("Driver behaviour"), r"driver", r"\bdrivers\b"),
    ("rules", N_("Following safety rules"), r"rules", r"safety rules"),
    ("comfort", N_("Pleasant and comfortable"), r"comfort|pleasant", r"pleasant|comfortable"),
    ("walkability", N_("Walkability"), r"walkab", r"walkable|walkability"),
)
KEY_LABELS = {key: label for key, label, _n, _l in _KEYS} | {OVERALL: N_("Overall score")}
_REF = re.compile(r"\$\{([^}]+)\}")
_WORSE_HIGH = (re.compile(r"\bnever\b"), re.compile(r"\b(often|always|frequent\w*|daily)\b"))


@dataclass(frozen=True, slots=True)
class Rated:
    """A rating (or, keyed "overall", a score) question and how to read it. ``name``,
    ``repeats`` and ``location`` are answer keys (see fieldsafe.forms.keys)."""

    name: str
    key: str
    label: str
    scale: Scale
    higher_is_better: bool
    values: dict[str, float] | None  # choice name -> number; None: the answer is a number
    repeats: tuple[str, ...]  # the repeats it sits in, outermost first
    location: str  # the location question of its innermost repeat ("" : route-wide)

    def score(self, raw: float) -> float:
        low, high = self.scale
        norm = min(1.0, max(0.0, (raw - low) / (high - low)))
        return norm if self.higher_is_better else 1.0 - norm

    def number(self, value: Any) -> float | None:
        if value is None or isinstance(value, bool):
            return None
        text = str(value).strip()
        if self.values is not None:
            return self.values.get(text)
        try:
            number = float(text)
        except ValueError:
            return None
        return number if math.isfinite(number) else None


@dataclass(frozen=True, slots=True)
class FindingSpec:
    """Where a form keeps its findings: the repeat and the question of each role in it (by
    answer key)."""

    repeats: tuple[str, ...]  # the finding repeat last
    location: str
    category: str
    category_other: str
    category_labels: dict[str, str]
    severity: Rated | None
    note: str
    recommendation: str
    agency: str
    agency_other: str
    agency_labels: dict[str, str]
    photos: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class FormInfo:
    form_id: str
    title: str
    rated: tuple[Rated, ...]  # ratings and scores ("overall")
    labels: dict[str, str]  # parameter key -> label, in this form's words
    finding: FindingSpec | None
    has_route: bool
    points: tuple[tuple[str, tuple[str, ...], str], ...]  # (key, repeats, label) of other
    # location questions: stops, sites
    sensitive: frozenset[str] = frozenset()  # keys sensitive answers sit under (any scope)

    def parameter_keys(self) -> list[str]:
        return list(dict.fromkeys(r.key for r in self.rated))


_INFOS: dict[tuple[str, str], FormInfo] = {}


def match_language(form: FormDef, language: str) -> str | None:
    """The form's language named by ``language``: its name ("French (fr)"), its code ("fr",
    the part in parentheses), another name with the same code ("Français (fr)") or the name
    without the code ("french"); None if the form has none."""
    if language in form.languages:
        return language
    code = gettext_code(language)
    return next((name for name in form.languages if gettext_code(name) == code
                 or name.split("(")[0].strip().lower() == language.strip().lower()), None)


def form_info(form: FormDef, language: str | None = None) -> FormInfo:
    """The map's reading of ``form`` with its labels in ``language`` (see
    :func:`match_language`) where the form has it, else in its default language (cached:
    form versions never change)."""
    chosen = (match_language(form, language) if language else None) or form.default_language
    key = (form.content_hash, chosen)
    cached = _INFOS.get(key) if form.content_hash else None
    if cached is None:
        cached = _read(form, chosen)
        if form.content_hash:
            _INFOS[key] = cached
    return cached


def _read(form: FormDef, language: str) -> FormInfo:
    """Keys and directions come from the form's default language (the patterns are
    English), labels from ``language``."""
    default = form.default_language
    by_name = form.by_name()
    rated: list[Rated] = []
    labels: dict[str, str] = {}
    for element in form.questions():
        if element.role == "rating":
            read = _values(element)
            if read is None:
                continue
            values, scale = read
            key, label = parameter_key(element, default)
            if language != default and key not in KEY_LABELS:
                label = _own_label(element, language)
            labels.setdefault(key, label)
            rated.append(Rated(element.answer_key, key, element.label(language), scale,
                               _higher_is_better(element, default), values,
                               *_placement(element)))
        elif element.role == "score":
            score_scale = _score_scale(element, by_name, set())
            if score_scale is not None:
                rated.append(Rated(element.answer_key, OVERALL, element.label(language),
                                   score_scale, True, None, *_placement(element)))
    labels[OVERALL] = KEY_LABELS[OVERALL]
    finding = next((_finding(e, language) for e in form.elements()
                    if e.kind == "repeat" and e.role == "finding"), None)
    in_findings = finding.repeats if finding else ()
    points = tuple((e.answer_key, _placement(e)[0], e.label(language))
                   for e in form.questions()
                   if e.role == "location" and e.qtype == "geopoint"
                   and not (in_findings and _placement(e)[0][:len(in_findings)] == in_findings))
    has_route = any(e.qtype == "geotrace" for e in form.questions())
    return FormInfo(form.form_id, form.title, tuple(rated), labels, finding, has_route, points,
                    sensitive_keys(form))


def parameter_key(element: FormElement, language: str | None = None) -> tuple[str, str]:
    """The normalised key of a rating and its label: "lighting" for r_lighting, lighting,
    sv_lighting or a question labelled "Lighting ..."; otherwise the name without its short
    prefix (sv_, thr_ ...) and a label with its group's label in front."""
    name = element.name.lower()
    label = element.label(language)
    for key, key_label, name_pattern, _label in _KEYS:
        if re.search(name_pattern, name):
            return key, key_label
    for key, key_label, _name, label_pattern in _KEYS:
        if re.search(label_pattern, label.lower()):
            return key, key_label
    stem = re.sub(r"^[a-z]{1,3}_(?=.)", "", name)
    stem = re.sub(r"_?(rating|score)$", "", stem) or name
    if stem in KEY_LABELS:
        stem = name
    return stem, _own_label(element, language)


def _own_label(element: FormElement, language: str | None) -> str:
    """A rating's label with its group's label in front ("Surveillance: Lighting ...")."""
    label = element.label(language)
    group = element.parent.label(language) if element.parent is not None and \
        element.parent.kind == "group" else ""
    return f"{group}: {label}" if group and label else (label or element.name)


def _placement(element: FormElement) -> tuple[tuple[str, ...], str]:
    """The repeats ``element`` sits in, and the location question of the innermost one."""
    ancestors = element.repeat_ancestors()
    if not ancestors:
        return (), ""
    location = next((e.answer_key for e in _own(ancestors[-1])
                     if e.role == "location" and e.qtype == "geopoint"), "")
    return tuple(a.answer_key for a in ancestors), location


def _own(repeat: FormElement) -> Iterator[FormElement]:
    """The questions of a repeat, through its groups but not into nested repeats."""
    for child in repeat.children:
        if child.kind == "question":
            yield child
        elif child.kind == "group":
            yield from _own(child)


def _values(element: FormElement) -> tuple[dict[str, float] | None, Scale] | None:
    """How to read a rating as a number, and its scale: numeric choice names, else the
    choices' order (0, 1, ...); a range's start and end. None if it has no scale."""
    if element.choices:
        names = [c.name for c in element.choices]
        try:
            values = {n: float(n) for n in names}
        except ValueError:
            values = {n: float(i) for i, n in enumerate(names)}
        low, high = min(values.values()), max(values.values())
        return (values, (low, high)) if high > low else None
    if element.qtype == "range":
        try:
            start = float(element.parameters.get("start", "1"))
            end = float(element.parameters.get("end", "10"))
        except ValueError:
            return None
        return (None, (min(start, end), max(start, end))) if start != end else None
    return None


def _higher_is_better(element: FormElement, language: str | None) -> bool:
    """False for "how often" scales (never .. often), where a higher answer is worse."""
    if not element.choices:
        return True
    ordered = sorted(element.choices, key=lambda c: _as_float(c.name))
    low = pick_translation(ordered[0].labels, language).lower()
    high = pick_translation(ordered[-1].labels, language).lower()
    return not (_WORSE_HIGH[0].search(low) and _WORSE_HIGH[1].search(high))


def _as_float(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return 0.0


def _score_scale(element: FormElement, by_name: dict[str, FormElement],
                 seen: set[str]) -> Scale | None:
    """The scale of a score calculation, from the ratings it is made of: an average
    (``div``) has their scale, a plain sum the sum of their scales. Counts of answered
    ratings in a divisor (sums of calculations) are left out."""
    if element.role == "rating":
        read = _values(element)
        return read[1] if read else None
    if element.qtype != "calculate" or element.name in seen:
        return None
    seen = seen | {element.name}
    refs = [by_name[r] for r in dict.fromkeys(_REF.findall(element.calculation))
            if r in by_name]
    averaged = " div " in f" {element.calculation} "
    scales: list[Scale] = []
    for ref in refs:
        if averaged and ref.role != "rating" and " div " not in f" {ref.calculation} ":
            continue  # the number of answers, in the divisor
        scale = _score_scale(ref, by_name, seen)
        if scale is not None:
            scales.append(scale)
    if not scales:
        return None
    if averaged:
        return min(s[0] for s in scales), max(s[1] for s in scales)
    return sum(s[0] for s in scales), sum(s[1] for s in scales)


def _finding(repeat: FormElement, language: str | None) -> FindingSpec:
    questions = list(_own(repeat))
    keys = {q.name: q.answer_key for q in reversed(questions)}  # the first of a name

    def role(wanted: str) -> FormElement | None:
        return next((q for q in questions if q.role == wanted), None)

    def name(element: FormElement | None) -> str:
        return element.answer_key if element is not None else ""

    def other(element: FormElement | None) -> str:  # its "specify other", beside it first
        if element is None:
            return ""
        wanted = f"{element.name}_other"
        siblings = element.parent.children if element.parent is not None else []
        beside = [c for c in siblings if c.name == wanted and c.kind == "question"]
        return beside[0].answer_key if beside else keys.get(wanted, "")

    def choices(element: FormElement | None) -> dict[str, str]:
        return {c.name: pick_translation(c.labels, language) or c.name
                for c in (element.choices if element is not None else [])}

    severity = role("severity")
    read = _values(severity) if severity is not None else None
    rated = Rated(severity.answer_key, "severity", severity.label(language), read[1], True,
                  read[0], (), "") if severity is not None and read is not None else None
    category, agency = role("category"), role("agency")
    location = next((q for q in questions if q.role == "location" and q.qtype == "geopoint"),
                    None)
    photos = tuple(q.answer_key for q in questions if q.role == "photo" or q.qtype == "image")
    return FindingSpec((*(a.answer_key for a in repeat.repeat_ancestors()), repeat.answer_key),
                       name(location), name(category), other(category), choices(category),
                       rated, name(role("note")), name(role("recommendation")), name(agency),
                       other(agency), choices(agency), photos)


def whole_score(rated: Iterable[Rated]) -> Rated | None:
    """The score of the whole audit among ``rated``: where a form scores each point and
    the whole audit (SafetiPin's stop and route scores), the one outside any repeat; else
    its first overall score; None if it has none."""
    overall = [r for r in rated if r.key == OVERALL]
    return next((r for r in overall if not r.repeats), overall[0] if overall else None)


def instances(answers: dict[str, Any], repeats: tuple[str, ...],
              prefix: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """``(path prefix, answers)`` of every instance of the nested ``repeats``: ("stop[2]/",
    {...}); the whole answers with prefix "" when ``repeats`` is empty."""
    if not repeats:
        yield prefix, answers
        return
    items = answers.get(repeats[0])
    if not isinstance(items, list):
        return
    for number, item in enumerate(items, start=1):
        if isinstance(item, dict):
            yield from instances(item, repeats[1:], f"{prefix}{repeats[0]}[{number}]/")


def text(value: Any) -> str:
    return "" if value is None else str(value).strip()
