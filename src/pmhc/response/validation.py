"""The rules an encounter report must follow, in one place for the form, the services and the
import. Each rule names the field its message belongs beside.

Two levels: ``consistency`` holds at every save, drafts included (times in order and not in
the future, each responder's too; an involuntary transport names its legal basis; the arrest
and diversion fields agree with each other; a restraint's kind only when one was used);
``completeness`` is added when the report is submitted, amended or imported (a disposition;
a force narrative above officer presence; who transported and where; why a facility refused;
the kind of restraint; the possible charge when an offence was involved).

The times follow the rule style of ``dispatch.times``: a time later than now (with the same
leeway for clocks) or before its ``EARLIEST`` is refused with a message naming the field.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _

from pmhc.dispatch.times import EARLIEST, latest_allowed
from pmhc.response.models import (
    FORCE_ORDER,
    ChargeLevel,
    Destination,
    DispositionOutcome,
    Force,
    HousingStatus,
    LawOutcome,
    PresentingConcern,
    RaceEthnicity,
    Transport,
)

#: The report's own fields, as the form, the services, amendments and the import know them.
ENCOUNTER_FIELDS = (
    "arrived_at",
    "danger_to_self",
    "danger_to_others",
    "crime_suspected",
    "deescalation",
    "highest_force",
    "force_reason",
    "force_narrative",
    "officer_injury",
    "subject_injury",
    "other_injury",
    "swat_callout",
    "disposition",
    "other_dispositions",
    "transport",
    "legal_basis",
    "transport_by",
    "destination_kind",
    "destination",
    "restraints_used",
    "restraint_kind",
    "offence_present",
    "arrest_eligible",
    "law_outcome",
    "charge_level",
    "booked",
    "ed_otherwise",
    "arrived_facility_at",
    "handoff_at",
    "refused_at_facility",
    "refusal_reason",
    "back_in_service_at",
    "narrative",
)
#: The report's times in the order they happen; each must not come before the ones above it.
TIME_ORDER = ("arrived_at", "arrived_facility_at", "handoff_at", "back_in_service_at")
#: The longest text each text field takes, stated beside the field and enforced by the
#: services (the screen, the API and the import alike).
TEXT_LIMITS = {
    "force_reason": 300,
    "force_narrative": 5000,
    "legal_basis": 200,
    "destination": 200,
    "refusal_reason": 300,
    "narrative": 10000,
}
#: The report's other dispositions (a many-to-many: saved after the report, listed by pk).
OTHER_DISPOSITIONS = "other_dispositions"


def report_value(encounter: Any, name: str) -> Any:
    """One of the report's fields as the form, the services and amendments compare it: the
    other dispositions as their sorted pks (those about to be saved, when set)."""
    if name != OTHER_DISPOSITIONS:
        return getattr(encounter, name)
    pending = getattr(encounter, "pending_other_dispositions", None)
    if pending is not None:
        return sorted(d.pk for d in pending)
    if encounter.pk is None:
        return []
    return sorted(d.pk for d in encounter.other_dispositions.all())


def force_above_presence(level: str) -> bool:
    return level in FORCE_ORDER and FORCE_ORDER.index(level) > FORCE_ORDER.index(Force.PRESENCE)


def _when(moment: dt.datetime) -> str:
    return date_format(localtime(moment), "N j, Y, P")


def _time_labels() -> dict[str, str]:
    return {
        "received": _("the call was received"),
        "arrived_at": _("arrival on scene"),
        "arrived_facility_at": _("arrival at the facility"),
        "handoff_at": _("the handoff"),
        "back_in_service_at": _("back in service"),
    }


def _out_of_range(moment: dt.datetime, limit: dt.datetime) -> str:
    if moment > limit:
        return _("This time is in the future (%(when)s): it cannot be later than now.") % {
            "when": _when(moment)
        }
    if moment < EARLIEST:
        return _("This time is before %(earliest)s: check the year.") % {"earliest": EARLIEST.year}
    return ""


def consistency(
    values: Mapping[str, Any],
    received_at: dt.datetime | None,
    *,
    latest: dt.datetime | None = None,
) -> dict[str, str]:
    """Rules every save must meet, drafts included. ``latest`` is the latest time allowed
    (``dispatch.times.latest_allowed()`` unless given: an import takes it once)."""
    errors: dict[str, str] = {}
    labels = _time_labels()
    limit = latest if latest is not None else latest_allowed()
    previous: tuple[str, dt.datetime] | None = ("received", received_at) if received_at else None
    for name in TIME_ORDER:
        moment = values.get(name)
        if not isinstance(moment, dt.datetime):
            continue
        problem = _out_of_range(moment, limit)
        if problem:
            errors[name] = problem
            continue
        if previous is not None and moment < previous[1]:
            errors[name] = _("This time comes before %(earlier)s (%(when)s).") % {
                "earlier": labels[previous[0]],
                "when": _when(previous[1]),
            }
            continue
        previous = (name, moment)
    if (
        values.get("transport") == Transport.INVOLUNTARY
        and not str(values.get("legal_basis") or "").strip()
    ):
        errors["legal_basis"] = _(
            "An involuntary transport needs its legal basis, e.g. the statute or the order."
        )
    errors.update(_arrest_rules(values))
    if values.get("restraint_kind") and not values.get("restraints_used"):
        errors["restraint_kind"] = _(
            "A kind of restraint is given, but restraints are not marked as used."
        )
    return errors


def _arrest_rules(values: Mapping[str, Any]) -> dict[str, str]:
    """The arrest and diversion fields agree: an arrest or citation needs an offence, a
    diversion needs a person who could have been arrested, booking needs an arrest."""
    errors: dict[str, str] = {}
    offence = bool(values.get("offence_present"))
    eligible = bool(values.get("arrest_eligible"))
    outcome = values.get("law_outcome") or LawOutcome.NONE
    if eligible and not offence:
        errors["arrest_eligible"] = _(
            "The person could only have been arrested for an offence: mark that an offence "
            "was involved."
        )
    if outcome in {LawOutcome.ARRESTED, LawOutcome.CITED} and not offence:
        errors["law_outcome"] = _(
            "An arrest or a citation needs an offence: mark that an offence was involved."
        )
    elif outcome == LawOutcome.DIVERTED and not eligible:
        errors["law_outcome"] = _(
            "Diverted means the person could have been arrested: mark that they could have "
            "been, or choose another answer."
        )
    if values.get("booked") and outcome != LawOutcome.ARRESTED:
        errors["booked"] = _("Only a person who was arrested is booked into jail.")
    charge = values.get("charge_level") or ChargeLevel.NONE
    if charge != ChargeLevel.NONE and not offence:
        errors["charge_level"] = _(
            "A possible charge needs an offence: mark that an offence was involved."
        )
    return errors


def responder_time_problems(
    arrived_at: dt.datetime | None,
    cleared_at: dt.datetime | None,
    received_at: dt.datetime | None,
    *,
    latest: dt.datetime | None = None,
) -> dict[str, str]:
    """A responder's arrival and clear times: not in the future, not before the call was
    received, and cleared no earlier than arrived."""
    errors: dict[str, str] = {}
    limit = latest if latest is not None else latest_allowed()
    for name, moment in (("arrived_at", arrived_at), ("cleared_at", cleared_at)):
        if moment is None:
            continue
        problem = _out_of_range(moment, limit)
        if problem:
            errors[name] = problem
        elif received_at is not None and moment < received_at:
            errors[name] = _("This time comes before %(earlier)s (%(when)s).") % {
                "earlier": _("the call was received"),
                "when": _when(received_at),
            }
    if arrived_at is not None and cleared_at is not None and not errors and cleared_at < arrived_at:
        errors["cleared_at"] = _("This time comes before %(earlier)s (%(when)s).") % {
            "earlier": _("the responder's arrival"),
            "when": _when(arrived_at),
        }
    return errors


def completeness(values: Mapping[str, Any]) -> dict[str, str]:
    """Rules a report must meet to be submitted (and to stay valid when amended)."""
    errors: dict[str, str] = {}
    if not values.get("disposition"):
        errors["disposition"] = _("Choose how the encounter ended before you submit.")
    if (
        force_above_presence(str(values.get("highest_force") or ""))
        and not str(values.get("force_narrative") or "").strip()
    ):
        errors["force_narrative"] = _(
            "Force above officer presence needs a description of what was used and why."
        )
    transport = values.get("transport") or Transport.NONE
    if transport != Transport.NONE:
        if not values.get("transport_by"):
            errors["transport_by"] = _("Say who transported the person.")
        if not values.get("destination_kind"):
            errors["destination_kind"] = _("Choose where the person was taken.")
        kind = values.get("destination_kind")
        if kind and kind != Destination.HOME and not str(values.get("destination") or "").strip():
            errors["destination"] = _("Give the name of the place the person was taken to.")
    if values.get("restraints_used") and not values.get("restraint_kind"):
        errors["restraint_kind"] = _("Choose the kind of restraint used.")
    if (
        values.get("offence_present")
        and (values.get("charge_level") or ChargeLevel.NONE) == ChargeLevel.NONE
    ):
        errors["charge_level"] = _("Choose the most serious charge the offence could bring.")
    disposition = values.get("disposition")
    if (
        getattr(disposition, "outcome", None) == DispositionOutcome.ARREST
        and values.get("law_outcome") != LawOutcome.ARRESTED
    ):
        errors["law_outcome"] = _(
            "The disposition is an arrest: choose Arrested here, or change the disposition."
        )
    if values.get("refused_at_facility") and not str(values.get("refusal_reason") or "").strip():
        errors["refusal_reason"] = _("Say why the facility refused the person.")
    return errors


def check(
    values: Mapping[str, Any],
    received_at: dt.datetime | None,
    *,
    complete: bool,
    latest: dt.datetime | None = None,
) -> dict[str, str]:
    """All the rules that apply: consistency always, completeness when ``complete``."""
    errors = consistency(values, received_at, latest=latest)
    if complete:
        for name, message in completeness(values).items():
            errors.setdefault(name, message)
    return errors


def person_details(
    race_ethnicity: Any = (), housing_status: Any = "", presenting_concerns: Any = ()
) -> dict[str, Any]:
    """What the responder recorded about a person at the encounter, checked: each a choice of
    its list; "not recorded" stands alone."""
    errors: dict[str, str] = {}
    races = list(dict.fromkeys(race_ethnicity or []))
    if any(item not in RaceEthnicity.values for item in races):
        errors["race_ethnicity"] = _("Choose race and ethnicity from the list.")
    elif RaceEthnicity.NOT_RECORDED in races and len(races) > 1:
        errors["race_ethnicity"] = _(
            "Choose “Not recorded” or the categories the person gave, not both."
        )
    housing = housing_status or ""
    if housing not in HousingStatus.values:
        errors["housing_status"] = _("Choose housing from the list.")
    concerns = list(dict.fromkeys(presenting_concerns or []))
    if any(item not in PresentingConcern.values for item in concerns):
        errors["presenting_concerns"] = _("Choose the presenting concern from the list.")
    if errors:
        raise ValidationError(errors)
    return {
        "race_ethnicity": races,
        "housing_status": housing,
        "presenting_concerns": concerns,
    }
