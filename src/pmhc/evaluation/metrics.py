"""The program's measures, as definitions: each names its numerator and denominator as counts
kept in the rollups (``models.FLAGS`` and ``models.MINUTES``), says in plain words what it
means, and carries a version. A definition that changes gets a new version and a line in its
``changes``; a chart says which version it shows.

The four outcomes the field measures a program by (more connections to services, fewer repeat
encounters, fewer arrests where diversion fits, less force and injury) each lead a group.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Outcome(StrEnum):
    CONNECTIONS = "connections"
    REPEAT = "repeat"
    ARRESTS = "arrests"
    FORCE = "force"
    RESPONSE = "response"


OUTCOME_NAMES: dict[Outcome, str | Promise] = {
    Outcome.CONNECTIONS: _("More people connected to services"),
    Outcome.REPEAT: _("Fewer repeat encounters"),
    Outcome.ARRESTS: _("Fewer arrests where diversion fits"),
    Outcome.FORCE: _("Less force and fewer injuries"),
    Outcome.RESPONSE: _("Who answers, and how fast"),
}


class Kind(StrEnum):
    #: numerator / denominator, shown as a percentage
    SHARE = "share"
    #: numerator / denominator × ``per``
    RATE = "rate"
    #: a sum of minutes / the calls that have them
    AVERAGE = "average"


@dataclass(frozen=True)
class Metric:
    key: str
    outcome: Outcome
    name: str | Promise
    meaning: str | Promise
    numerator: str
    #: A flag of ``models.FLAGS``, or "calls" for every call.
    denominator: str
    kind: Kind = Kind.SHARE
    per: int = 100
    version: int = 1
    #: Whether a higher figure is the program doing better (for the wording of trends).
    higher_is_better: bool = True
    changes: tuple[str | Promise, ...] = ()


METRICS: tuple[Metric, ...] = (
    Metric(
        "connected",
        Outcome.CONNECTIONS,
        _("Connected to services"),
        _(
            "Of the calls with an accepted encounter report, the share where the person was "
            "connected to services: a disposition that counts as connected, a transport to "
            "treatment (a crisis center, a psychiatric hospital or detox), or a referral sent "
            "from the encounter."
        ),
        "connected",
        "reported",
    ),
    Metric(
        "referral_attended",
        Outcome.CONNECTIONS,
        _("Referrals attended within 30 days"),
        _(
            "Of the calls with a referral sent from their encounter, the share whose person "
            "attended the service within 30 days of the referral."
        ),
        "referral_attended_30d",
        "referred",
    ),
    Metric(
        "repeat_90d",
        Outcome.REPEAT,
        _("Repeat crisis within 90 days"),
        _(
            "Of the calls with an accepted encounter report, the share where the report's "
            "person in crisis was on another of the agency's calls in the 90 days before. "
            "Lower is better."
        ),
        "repeat_90d",
        "reported",
        higher_is_better=False,
    ),
    Metric(
        "diverted",
        Outcome.ARRESTS,
        _("Diverted from arrest"),
        _(
            "Of the encounters where the person could have been arrested, the share whose "
            "report records them as diverted to services instead of arrest."
        ),
        "diverted",
        "arrest_eligible",
    ),
    Metric(
        "arrested",
        Outcome.ARRESTS,
        _("Arrests"),
        _("Of the calls with an accepted encounter report, the share ending in arrest."),
        "arrested",
        "reported",
        higher_is_better=False,
    ),
    Metric(
        "force",
        Outcome.FORCE,
        _("Force above presence, per 100 encounters"),
        _(
            "Encounters where the highest force was above officer presence and verbal "
            "direction, per 100 encounters with an accepted report."
        ),
        "force_above_presence",
        "reported",
        kind=Kind.RATE,
        higher_is_better=False,
    ),
    Metric(
        "subject_injured",
        Outcome.FORCE,
        _("People injured, per 100 encounters"),
        _("Encounters where the person was injured, per 100 encounters with an accepted report."),
        "subject_injured",
        "reported",
        kind=Kind.RATE,
        higher_is_better=False,
    ),
    Metric(
        "officer_injured",
        Outcome.FORCE,
        _("Officers injured, per 100 encounters"),
        _("Encounters where an officer was injured, per 100 encounters with an accepted report."),
        "officer_injured",
        "reported",
        kind=Kind.RATE,
        higher_is_better=False,
    ),
    Metric(
        "cit_or_clinician",
        Outcome.RESPONSE,
        _("Answered by a CIT officer or a clinician"),
        _(
            "Of the mental health calls, the share where a CIT-certified officer arrived or a "
            "clinician (a co-responder or mobile crisis team) answered."
        ),
        "cit_or_clinician",
        "mental_health",
    ),
    Metric(
        "clinician",
        Outcome.RESPONSE,
        _("Answered by a clinician"),
        _(
            "Of the mental health calls, the share answered by a co-responder or mobile crisis "
            "team."
        ),
        "clinician",
        "mental_health",
    ),
    Metric(
        "transport_ed",
        Outcome.CONNECTIONS,
        _("Transports to an emergency department"),
        _("Of the transports, the share that went to an emergency department."),
        "transport_ed",
        "transported",
        higher_is_better=False,
    ),
    Metric(
        "transport_crisis",
        Outcome.CONNECTIONS,
        _("Transports to a crisis center"),
        _("Of the transports, the share that went to a crisis receiving or stabilization center."),
        "transport_crisis",
        "transported",
    ),
    Metric(
        "transfer_988_accepted",
        Outcome.RESPONSE,
        _("988 transfers accepted"),
        _("Of the calls warm-transferred to 988 or the local crisis line, the share accepted."),
        "transfer_988_accepted",
        "transfer_988",
    ),
    Metric(
        "minutes_to_scene",
        Outcome.RESPONSE,
        _("Minutes to scene"),
        _(
            "The average minutes from the call received to the first unit on scene, over the "
            "calls whose day is known and that had a unit on scene."
        ),
        "minutes_to_scene",
        "minutes_to_scene_n",
        kind=Kind.AVERAGE,
        per=1,
        higher_is_better=False,
    ),
    Metric(
        "officer_minutes",
        Outcome.RESPONSE,
        _("Officer-minutes per call"),
        _(
            "The average minutes officers spent on a call with an accepted encounter report, "
            "from arrival to clear, summed over the report's officers (clinicians and other "
            "responders are not counted)."
        ),
        "officer_minutes",
        "officer_minutes_n",
        kind=Kind.AVERAGE,
        per=1,
        version=2,
        higher_is_better=False,
        changes=(
            _(
                "Version 2: only responders recorded as officers are summed; version 1 summed "
                "every responder, clinicians included."
            ),
        ),
    ),
)

BY_KEY: dict[str, Metric] = {metric.key: metric for metric in METRICS}
#: The four outcomes' headline measures, in the field's order.
HEADLINE: tuple[str, ...] = ("connected", "repeat_90d", "diverted", "force")


def value(metric: Metric, numerator: int, denominator: int) -> float | None:
    """The figure, or None when there is nothing to divide by."""
    if not denominator:
        return None
    if metric.kind == Kind.AVERAGE:
        return numerator / denominator
    return numerator * metric.per / denominator
