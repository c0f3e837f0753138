"""Answers the demo gives any form, guided by the form's roles, through the forms engine."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime

from fieldsafe.forms.answers import instance_json
from fieldsafe.forms.model import FormElement
from fieldsafe.forms.session import FormSession
from fieldsafe.forms.xpath.nodes import XNode
from fieldsafe.services.audit_content import question_path

NOTES = ["Street light out for a whole block", "Wall with no windows, nobody can see in",
         "Broken pavement: people walk in the road", "Open drain without a cover",
         "Bus stop with no shelter and no light", "Dense bushes next to the footpath",
         "No phone signal in the underpass", "Water stands here after rain",
         "Men loiter outside the closed shop at night", "No shade at all at midday"]
RECOMMENDATIONS = ["Repair and add street lights", "Trim the bushes back to 1 m",
                   "Cover the drain and mend the kerb", "Add a lit shelter at the stop",
                   "Resurface the footpath", "Ask the operator for a mast here"]
# What a finding of each category (the built-in forms' choice names) says, what is asked
# for, and who is asked: a demo finding's note, recommendation and agency fit its category.
_FITS: dict[str, tuple[list[str], list[str], str]] = {
    "lighting": (["Street light out for a whole block", "Only one lamp works on the lane"],
                 ["Repair and add street lights"], "utilities"),
    "broken_pavement": (["Broken pavement: people walk in the road"],
                        ["Resurface the footpath"], "municipality"),
    "open_drain": (["Open drain without a cover"], ["Cover the drain and mend the kerb"],
                   "utilities"),
    "flooding": (["Water stands here after rain"], ["Clear the storm drain and raise the path"],
                 "municipality"),
    "hiding_place": (["Dense bushes next to the footpath"], ["Trim the bushes back to 1 m"],
                     "parks"),
    "sightlines": (["Wall with no windows, nobody can see in"],
                   ["Add a mirror and a light at the blind corner"], "municipality"),
    "isolation": (["Nobody around once the shops close"],
                  ["Ask the shops to keep their fronts lit until 10 pm"], "community"),
    "harassment": (["Men loiter outside the closed shop at night",
                    "Comments and staring from the tea stall"],
                   ["Evening police patrols and a help point"], "police"),
    "no_phone_coverage": (["No phone signal in the underpass"],
                          ["Ask the operator for a mast here"], "other"),
    "heat_shade": (["No shade at all at midday", "The footpath gets no shade all day"],
                   ["Plant shade trees along the footpath"],
                   "parks"),
    "signage": (["No sign to the bus stop or the way out"],
                ["Put up clear signs to the exits"], "transport"),
    "maintenance": (["Litter and broken benches by the stop"],
                    ["Clean up and mend the benches"], "municipality"),
    "crossing": (["No crossing for 500 m on a busy road"],
                 ["Paint a zebra crossing with a refuge"], "transport"),
    "curb_ramp": (["No ramp down from the kerb"], ["Build kerb ramps at the corner"],
                  "municipality"),
    "no_sidewalk": (["No footpath: people walk in the road"],
                    ["Build a footpath on this side"], "municipality"),
    "obstruction": (["Parked bikes block the footpath"],
                    ["Keep the footpath clear of parking"], "police"),
    "signal_timing": (["The green light is too short to cross"],
                      ["Lengthen the pedestrian green"], "transport"),
    "speeding": (["Cars race through the junction"], ["Add speed humps before the school"],
                 "police"),
}
SITES = ["Cubbon Park east gate", "Majestic bus station, platform 9", "Lalbagh west gate",
         "Metro station forecourt", "Market car park"]
# The places of each of the demo's four wards (1 north-west, 2 north-east, 3 south-west,
# 4 south-east): an audit's area is one in the ward its route lies in.
AREAS = {1: ["Ward 1, Market Road", "Ward 1, Metro underpass"],
         2: ["Ward 2, Station Road", "Ward 2, Temple Street"],
         3: ["Ward 3, Lake View Colony", "Ward 3, Gandhi Bazaar"],
         4: ["Ward 4, Old Bus Stand", "Ward 4, Mill Road"]}
OTHERS = ["Market traders' association", "Metro rail corporation", "Ward committee",
          "Residents' welfare association"]
# A finding's "other" problem: what it is called, what is noted, and what is asked for.
_OTHER_PROBLEMS = [
    ("Stray dogs", "Stray dogs chase people", "Ask the ward office to deal with the dogs"),
    ("Building rubble", "Building rubble blocks the footpath", "Make the builder clear it"),
    ("Empty building", "An empty building where people hide", "Board up the doors")]
# Other "specify other" answers, by the built-in forms' question names; any other form's
# gets a general one.
_SPECIFY = {
    "avoid_places_other": ["The lane behind the market", "The railway footbridge"],
    "avoid_why_other": ["Men drink there in the evening", "Too dark after 7 pm"],
    "inc_other": ["Followed home from the bus stop", "Photographed without asking"],
    "inc_why_other": ["I did not think they would act", "Afraid of being blamed"],
    "site_type_other": ["Temple forecourt", "Construction site"],
    "sw_other": ["Cables hanging low over the footpath", "Broken manhole lid"],
    "cr_other": ["The crossing leads into a parked bus", "No ramp on the far side"],
    "dr_other": ["Drivers honk at people crossing", "Auto-rickshaws drive on the footpath"],
    "ru_other": ["No place to cross near the bus stop", "Barriers force people onto the road"],
    "pl_other": ["Garbage smell near the market", "Loud generators on the footpath"],
}
_SPECIFY_ANY = ["Cables hanging low over the path", "Broken railing"]
# Who is asked for what the built-in agencies do not cover, by the finding's category.
_OTHER_AGENCY = {"no_phone_coverage": "Mobile network operator"}
SITE_SIDE = 0.0004  # degrees: the side of a site audit's square outline (about 44 m)
_SKIP = ("calculate", "note", "metadata", "trigger", "hidden", "audio", "video", "file", "osm")


@dataclass
class FindingPlan:
    lat: float
    lon: float
    severity: int  # 1..5
    photo: str = ""  # file name of the photo to attach, or ""


@dataclass
class AuditPlan:
    period: str
    route: list[tuple[float, float]]  # (lat, lon)
    when: datetime
    lighting: int  # 0..3 along the route
    ward: int = 1  # which of the demo's wards (see AREAS) the route lies in, most of it
    area: str = ""  # the place, one of AREAS[ward]: the same for every walk of the route
    site: bool = False  # a site audit: the place drawn north-east of the route's start
    findings: list[FindingPlan] = field(default_factory=list)


def _odk(points: list[tuple[float, float]]) -> str:
    return ";".join(f"{lat:.6f} {lon:.6f} 900 5" for lat, lon in points)


class DemoFiller:
    """Walks a form in order and answers every relevant question sensibly."""

    def __init__(self, session: FormSession, plan: AuditPlan, rng: random.Random) -> None:
        self.session, self.plan, self.rng = session, plan, rng
        self.photos: dict[str, str] = {}  # question path -> photo file name
        self.category = ""  # the category of the finding being filled in
        self.other = _OTHER_PROBLEMS[0]  # its "other" problem, when it is one

    def fill(self) -> dict[str, object]:
        self._container(self.session.form.root, self.session.root, None)
        return instance_json(self.session)

    def _container(self, element: FormElement, node: XNode, finding: FindingPlan | None) -> None:
        for child in element.children:
            if child.kind == "group":
                target = node.child(child.name)
                if target is not None and target.is_relevant():
                    self._container(child, target, finding)
            elif child.kind == "repeat":
                self._repeat(child, node)
            elif child.qtype not in _SKIP:
                target = node.child(child.name)
                if target is not None and target.is_relevant():
                    self._answer(child, target, finding)

    def _repeat(self, element: FormElement, parent: XNode) -> None:
        existing = parent.children_named(element.name)
        if element.role == "finding":
            wanted = len(self.plan.findings)
        else:
            wanted = len(existing) if element.repeat_count else self.rng.randint(2, 4)
        for index in range(wanted):
            if index < len(existing):
                instance = existing[index]
            else:
                instance = self.session.add_repeat(element, parent)
            if not instance.is_relevant():
                continue
            finding = self.plan.findings[index] if element.role == "finding" else None
            self.category = ""
            self._container(element, instance, finding)

    def _answer(self, element: FormElement, node: XNode, finding: FindingPlan | None) -> None:
        for attempt in range(6):
            value = self._value(element, node, finding, attempt)
            if value is None:
                return
            self.session.set_value(node, value)
            if element.role == "category":
                self.category = value
            if self._asks_personal_details():
                # The demo invents no personal details: its respondents say no to what
                # would ask for them (to be contacted), so their answers can be sent.
                value = "no" if value == "yes" else ""
                self.session.set_value(node, value)
            problem = self.session.problem(node)
            if problem is None or problem.kind == "required":
                if element.qtype == "image" and value:
                    self.photos[question_path(self.session, node)] = value
                return
        self.session.set_value(node, "")

    def _asks_personal_details(self) -> bool:
        """Whether a sensitive question the demo leaves empty is now required."""
        return any(problem.kind == "required"
                   for element in self.session.form.questions() if element.sensitive
                   for node in self.session.nodes_of(element)
                   if (problem := self.session.problem(node)) is not None)

    def _value(self, element: FormElement, node: XNode, finding: FindingPlan | None,
               attempt: int) -> str | None:
        rng, plan, role, qtype = self.rng, self.plan, element.role, element.qtype
        options = [c.name for c in self.session.options(node)] if qtype in (
            "select_one", "select_multiple", "rank") else []
        if role == "period" and plan.period in options:
            return plan.period
        if role == "severity" and finding is not None and options:
            return _scaled(options, (finding.severity - 1) / 4)
        if role == "rating" and options:
            quality = plan.lighting / 3 if "light" in element.name else rng.random()
            if plan.period == "night" and "light" not in element.name:
                quality *= 0.8
            return _scaled(options, quality)
        if role == "participants":
            return str(rng.randint(3, 12))
        fits = _FITS.get(self.category)
        if self.category == "other":
            fits = ([self.other[1]], [self.other[2]], "municipality")
        if role == "agency" and fits is not None and fits[2] in options and attempt == 0:
            return fits[2]
        if qtype == "select_one":
            if not options:
                return None
            if "yes" in options and attempt == 0 and rng.random() < 0.85:
                return "yes"
            return rng.choice(options)
        if qtype == "select_multiple":
            return " ".join(rng.sample(options, k=min(len(options), rng.randint(1, 2)))) \
                if options else None
        if qtype == "rank":
            return " ".join(rng.sample(options, k=len(options))) if options else None
        if qtype == "integer":
            return str(rng.randint(*((1, 10), (0, 5), (1, 3), (0, 1), (10, 60), (18, 70))[attempt]))
        if qtype == "decimal":
            return f"{rng.uniform(0, 10):.1f}"
        if qtype == "range":
            start = int(float(element.parameters.get("start", "1")))
            end = int(float(element.parameters.get("end", "10")))
            return str(rng.randint(min(start, end), max(start, end)))
        if qtype == "date":
            return plan.when.date().isoformat()
        if qtype == "time":
            return plan.when.strftime("%H:%M:%S.000+05:30")
        if qtype == "datetime":
            return plan.when.strftime("%Y-%m-%dT%H:%M:%S.000+05:30")
        if qtype == "geopoint":
            if finding is not None:
                return _odk([(finding.lat, finding.lon)])
            if plan.site:  # the site's location: the middle of its outline
                lat, lon = plan.route[0]
                return _odk([(lat + SITE_SIDE / 2, lon + SITE_SIDE / 2)])
            return _odk([rng.choice(plan.route)])
        if qtype == "geotrace":
            return _odk(plan.route)
        if qtype == "geoshape":
            lat, lon = plan.route[0]
            d = SITE_SIDE
            return _odk([(lat, lon), (lat + d, lon), (lat + d, lon + d), (lat, lon + d),
                         (lat, lon)])
        if qtype == "image":
            if finding is not None and finding.photo and finding.photo not in \
                    self.photos.values():
                return finding.photo
            return None
        if qtype == "acknowledge":
            return "OK"
        if qtype in ("text", "barcode"):
            if element.sensitive:
                return None  # the demo invents no personal details
            if role == "recommendation":
                return rng.choice(fits[1] if fits is not None else RECOMMENDATIONS)
            if role == "note" and fits is not None:
                return _of_the_time(fits[0], plan.period, rng)
            if element.name == "area":  # the built-in forms' "area audited"
                return plan.area or rng.choice(AREAS.get(plan.ward, AREAS[1]))
            if element.name == "site_name":  # the CPTED form's site
                return rng.choice(SITES)
            if element.name.endswith("_other"):  # "specify other"
                if "agency" in element.name:
                    return _OTHER_AGENCY.get(self.category) or rng.choice(OTHERS)
                if "_cat_" in element.name:  # the finding's problem
                    self.other = rng.choice(_OTHER_PROBLEMS)
                    return self.other[0]
                return rng.choice(_SPECIFY.get(element.name, _SPECIFY_ANY))
            return _of_the_time(NOTES, plan.period, rng)
        return None


def _of_the_time(notes: list[str], period: str, rng: random.Random) -> str:
    """One of ``notes`` that could be seen when the walk was made: no "at night" by day,
    no "at midday" at night."""
    other = "at midday" if period == "night" else "at night"
    return rng.choice([n for n in notes if other not in n] or notes)


def _scaled(options: list[str], quality: float) -> str:
    """The option at ``quality`` (0 worst .. 1 best) of options sorted by their number."""
    try:
        ordered = sorted(options, key=float)
    except ValueError:
        ordered = options
    index = round(max(0.0, min(1.0, quality)) * (len(ordered) - 1))
    return ordered[index]
