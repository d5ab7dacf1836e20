"""The program-type advisor: a table of rules, read top to bottom like a checklist.

Each rule has an id, the program types it moves and by how much (+ for, - against), the
condition it checks on the community profile and the training coverage, the reason shown when
it fires, and, for a rule that counts against a program type, the prerequisite that type is
missing. The five program types are ranked by the sum of the weights of the rules that fired
(ties keep the toolkit's order). The thresholds below are this product's planning assumptions,
named so a reader can see and question them; they are not findings from the literature.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from pmhc.planning.staffing import GUIDELINE_LOW, mh_calls_per_year
from pmhc.toolkit.models import ProgramTypeCode

if TYPE_CHECKING:
    from pmhc.planning.models import CommunityProfile
    from pmhc.training.coverage import Coverage

P = ProgramTypeCode

#: Mental health calls per shift, on average, that keep a co-responder team busy ...
BUSY_CALLS_PER_SHIFT = 4.0
#: ... and below which a dedicated team would mostly wait.
FEW_CALLS_PER_SHIFT = 2.0
#: A rural area at least this large (square miles) has long distances between calls.
LARGE_AREA_SQUARE_MILES = 500.0
#: With this many patrol officers per shift or fewer, a 20-25% specialist share is one
#: officer or none.
SMALL_SHIFT = 4
#: The thresholds as the rule table quotes them.
THRESHOLDS = {
    "busy": f"{BUSY_CALLS_PER_SHIFT:g}",
    "few": f"{FEW_CALLS_PER_SHIFT:g}",
    "large": f"{LARGE_AREA_SQUARE_MILES:,.0f}",
    "small": str(SMALL_SHIFT),
}


@dataclass(frozen=True)
class Facts:
    """What the rules read, worked out once from the profile and the coverage."""

    setting: str
    area_square_miles: float
    patrol_per_shift: int
    mh_calls_per_shift: float
    has_crisis_line: bool
    has_mobile_crisis: bool
    has_receiving_center: bool
    has_co_responders: bool
    has_psychiatric_emergency: bool
    case_management_capacity: int
    #: From Train; None when the roster has no patrol officers yet.
    cit_share_of_patrol: float | None = None
    uncovered_shifts: tuple[str, ...] = ()

    def values(self) -> dict[str, str]:
        """The figures the reasons quote, formatted."""
        share = self.cit_share_of_patrol
        return {
            **THRESHOLDS,
            "calls": f"{self.mh_calls_per_shift:.1f}",
            "area": f"{self.area_square_miles:,.0f}",
            "patrol": str(self.patrol_per_shift),
            "capacity": str(self.case_management_capacity),
            "share": "" if share is None else f"{share:.0%}",
            "shifts": ", ".join(self.uncovered_shifts),
        }


def facts_for(profile: CommunityProfile, coverage: Coverage | None = None) -> Facts:
    shifts = len(profile.shifts or []) or 1
    return Facts(
        setting=profile.setting,
        area_square_miles=float(profile.area_square_miles),
        patrol_per_shift=profile.patrol_per_shift,
        mh_calls_per_shift=mh_calls_per_year(profile) / 365.0 / shifts,
        has_crisis_line=profile.has_crisis_line,
        has_mobile_crisis=profile.has_mobile_crisis,
        has_receiving_center=profile.has_receiving_center,
        has_co_responders=profile.has_co_responders,
        has_psychiatric_emergency=profile.has_psychiatric_emergency,
        case_management_capacity=profile.case_management_capacity,
        cit_share_of_patrol=coverage.cit_share_of_patrol if coverage else None,
        uncovered_shifts=coverage.uncovered_shifts if coverage else (),
    )


@dataclass(frozen=True)
class Rule:
    id: str
    effects: Mapping[str, int]
    condition: Callable[[Facts], bool]
    #: How the condition reads, for the rule table on the page.
    when: str | Promise
    reason: str | Promise
    missing: str | Promise = ""

    def when_text(self) -> str:
        return str(self.when) % THRESHOLDS

    def reason_for(self, facts: Facts) -> str:
        return str(self.reason) % facts.values()

    def missing_for(self, facts: Facts) -> str:
        return str(self.missing) % facts.values() if self.missing else ""


def _large_rural(f: Facts) -> bool:
    return f.setting == "rural" and f.area_square_miles >= LARGE_AREA_SQUARE_MILES


RULES: tuple[Rule, ...] = (
    Rule(
        "receiving-center",
        {P.CIT: +2},
        lambda f: f.has_receiving_center,
        _("a receiving or stabilization center accepts police drop-offs"),
        _(
            "The profile records a crisis receiving or stabilization center that accepts police "
            "drop-offs: a place where CIT officers can hand a person over and return to duty."
        ),
    ),
    Rule(
        "no-receiving-center",
        {P.CIT: -2},
        lambda f: not f.has_receiving_center,
        _("no receiving or stabilization center accepts police drop-offs"),
        _(
            "The profile records no crisis receiving or stabilization center that accepts police "
            "drop-offs: CIT officers have no such place to hand a person over."
        ),
        _("A crisis receiving or stabilization center that accepts police drop-offs."),
    ),
    Rule(
        "psychiatric-emergency",
        {P.CIT: +1, P.CO_RESPONDER: +1},
        lambda f: f.has_psychiatric_emergency,
        _("a psychiatric emergency service exists"),
        _(
            "The profile records a psychiatric emergency service, which this product counts in "
            "favor of CIT and co-responder teams."
        ),
    ),
    Rule(
        "busy-enough-for-co-response",
        {P.CO_RESPONDER: +2},
        lambda f: f.mh_calls_per_shift >= BUSY_CALLS_PER_SHIFT,
        _("%(busy)s or more mental health calls per shift on average"),
        _(
            "About %(calls)s mental health calls per shift in the profile: at or above the "
            "%(busy)s per shift this product assumes keep a co-responder team busy."
        ),
    ),
    Rule(
        "too-few-calls-for-co-response",
        {P.CO_RESPONDER: -2},
        lambda f: f.mh_calls_per_shift < FEW_CALLS_PER_SHIFT,
        _("fewer than %(few)s mental health calls per shift on average"),
        _(
            "About %(calls)s mental health calls per shift in the profile: below the %(few)s per "
            "shift this product assumes a dedicated co-responder team needs to be kept busy."
        ),
        _(
            "At least %(few)s mental health calls per shift for each co-responder team (this "
            "product's planning assumption)."
        ),
    ),
    Rule(
        "co-responder-clinicians",
        {P.CO_RESPONDER: +2},
        lambda f: f.has_co_responders,
        _("clinicians are available to respond with officers"),
        _(
            "The profile records clinicians who can respond with officers: a co-responder team "
            "pairs a trained officer and a crisis worker, in the same car or meeting on scene."
        ),
    ),
    Rule(
        "no-co-responder-clinicians",
        {P.CO_RESPONDER: -1},
        lambda f: not f.has_co_responders,
        _("no clinicians are available to respond with officers"),
        _("The profile records no clinicians who can respond with officers."),
        _(
            "Clinicians, through a mental health partner, who ride with officers or meet them on "
            "scene."
        ),
    ),
    Rule(
        "mobile-crisis-team",
        {P.MOBILE_CRISIS: +2},
        lambda f: f.has_mobile_crisis,
        _("a mobile crisis team exists"),
        _(
            "The profile records a mobile crisis team: mental health professionals who respond "
            "at the request of officers and of the public."
        ),
    ),
    Rule(
        "no-mobile-crisis-team",
        {P.MOBILE_CRISIS: -2},
        lambda f: not f.has_mobile_crisis,
        _("no mobile crisis team exists"),
        _("The profile records no mobile crisis team."),
        _(
            "A mobile crisis team of mental health professionals that officers and the public "
            "can request."
        ),
    ),
    Rule(
        "crisis-line",
        {P.MOBILE_CRISIS: +1},
        lambda f: f.has_crisis_line,
        _("a crisis line or 988 center exists"),
        _(
            "The profile records a crisis line or 988 center, which this product counts in favor "
            "of a mobile crisis team."
        ),
    ),
    Rule(
        "no-crisis-line",
        {P.MOBILE_CRISIS: -1},
        lambda f: not f.has_crisis_line,
        _("no crisis line or 988 center"),
        _("The profile records no crisis line or 988 center."),
        _("A crisis line or 988 center."),
    ),
    Rule(
        "large-rural-area",
        {P.TAILORED: +2, P.CIT: +1, P.CO_RESPONDER: -1, P.MOBILE_CRISIS: -1},
        _large_rural,
        _("a rural area of %(large)s square miles or more"),
        _(
            "The profile describes a rural area of %(area)s square miles, at or above the "
            "%(large)s this product treats as large (it assumes long distances between calls). "
            "Trained officers are needed to cover every shift and district."
        ),
        _("A way to reach every part of a large rural area in time."),
    ),
    Rule(
        "few-officers-per-shift",
        {P.TAILORED: +2, P.CIT: -1},
        lambda f: f.patrol_per_shift <= SMALL_SHIFT,
        _("%(small)s or fewer patrol officers per shift"),
        _(
            "The profile gives %(patrol)s patrol officers per shift: a 20-25%% CIT share of "
            "them is one officer or none. In a tailored approach every patrol officer must be "
            "able to respond."
        ),
        _("Enough patrol officers per shift to hold a CIT officer on each one."),
    ),
    Rule(
        "case-management-capacity",
        {P.CASE_MANAGEMENT: +2},
        lambda f: f.case_management_capacity > 0,
        _("case managers can take on people"),
        _(
            "The profile records case management capacity for %(capacity)s people at once. A "
            "case management program is a proactive team for repeat callers and high utilizers."
        ),
    ),
    Rule(
        "no-case-management",
        {P.CASE_MANAGEMENT: -2},
        lambda f: f.case_management_capacity == 0,
        _("no case management capacity"),
        _("The profile records no case management capacity."),
        _("Case management capacity for people who call repeatedly."),
    ),
    Rule(
        "cit-share-in-guideline",
        {P.CIT: +2},
        lambda f: f.cit_share_of_patrol is not None and f.cit_share_of_patrol >= GUIDELINE_LOW,
        _("20%% or more of patrol is CIT-certified (from Train)"),
        _(
            "On the Train roster, %(share)s of patrol officers hold a current CIT certification: "
            "at or above the 20%% low end of the common 20-25%% target."
        ),
    ),
    Rule(
        "cit-shift-gaps",
        {P.CIT: -1, P.TAILORED: +1},
        lambda f: bool(f.uncovered_shifts),
        _("a shift has no CIT-certified patrol officer (from Train)"),
        _(
            "On the Train roster, no patrol officer with a current CIT certification works on: "
            "%(shifts)s."
        ),
        _("A CIT-certified officer on every shift (none on: %(shifts)s)."),
    ),
)


@dataclass(frozen=True)
class Fired:
    rule: Rule
    weight: int
    reason: str
    missing: str


@dataclass
class Ranked:
    code: str
    label: str
    score: int = 0
    fired: list[Fired] = field(default_factory=list)

    @property
    def reasons_for(self) -> list[Fired]:
        return [f for f in self.fired if f.weight > 0]

    @property
    def reasons_against(self) -> list[Fired]:
        return [f for f in self.fired if f.weight < 0]

    @property
    def missing(self) -> list[str]:
        return [f.missing for f in self.fired if f.weight < 0 and f.missing]


@dataclass(frozen=True)
class Advice:
    ranking: list[Ranked]
    fired_ids: frozenset[str]
    facts: Facts


def fired_rules(facts: Facts, rules: tuple[Rule, ...] = RULES) -> list[Rule]:
    return [rule for rule in rules if rule.condition(facts)]


def advise(facts: Facts, rules: tuple[Rule, ...] = RULES) -> Advice:
    """Rank the five program types for ``facts``, best first, with what moved each."""
    ranked = {code: Ranked(code, str(label)) for code, label in P.choices}
    fired = fired_rules(facts, rules)
    for rule in fired:
        reason = rule.reason_for(facts)
        missing = rule.missing_for(facts)
        for code, weight in rule.effects.items():
            entry = ranked[code]
            entry.score += weight
            entry.fired.append(Fired(rule, weight, reason, missing))
    order = list(P.values)
    ranking = sorted(ranked.values(), key=lambda r: (-r.score, order.index(r.code)))
    return Advice(ranking, frozenset(r.id for r in fired), facts)


def rule_table() -> list[tuple[Rule, list[tuple[str, int]]]]:
    """Every rule with its effects as (program type label, weight), for the page."""
    labels = dict(P.choices)
    return [
        (rule, [(str(labels[code]), weight) for code, weight in rule.effects.items()])
        for rule in RULES
    ]
