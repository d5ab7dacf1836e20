"""The rules an encounter report must follow, in one place for the form, the services and the
import. Each rule names the field its message belongs beside.

Two levels: ``consistency`` holds at every save, drafts included (times in order; an
involuntary transport names its legal basis); ``completeness`` is added when the report is
submitted, amended or imported (a disposition; a force narrative above officer presence; who
transported and where; why a facility refused).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _

from pmhc.response.models import FORCE_ORDER, Force, Transport

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
    "transport",
    "legal_basis",
    "transport_by",
    "destination",
    "arrived_facility_at",
    "handoff_at",
    "refused_at_facility",
    "refusal_reason",
    "back_in_service_at",
    "narrative",
)
#: The report's times in the order they happen; each must not come before the ones above it.
TIME_ORDER = ("arrived_at", "arrived_facility_at", "handoff_at", "back_in_service_at")


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


def consistency(values: Mapping[str, Any], received_at: dt.datetime | None) -> dict[str, str]:
    """Rules every save must meet, drafts included."""
    errors: dict[str, str] = {}
    labels = _time_labels()
    latest: tuple[str, dt.datetime] | None = ("received", received_at) if received_at else None
    for name in TIME_ORDER:
        moment = values.get(name)
        if not isinstance(moment, dt.datetime):
            continue
        if latest is not None and moment < latest[1]:
            errors[name] = _("This time comes before %(earlier)s (%(when)s).") % {
                "earlier": labels[latest[0]],
                "when": _when(latest[1]),
            }
            continue
        latest = (name, moment)
    if (
        values.get("transport") == Transport.INVOLUNTARY
        and not str(values.get("legal_basis") or "").strip()
    ):
        errors["legal_basis"] = _(
            "An involuntary transport needs its legal basis, e.g. the statute or the order."
        )
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
        if not str(values.get("destination") or "").strip():
            errors["destination"] = _("Say where the person was taken.")
    if values.get("refused_at_facility") and not str(values.get("refusal_reason") or "").strip():
        errors["refusal_reason"] = _("Say why the facility refused the person.")
    return errors


def check(
    values: Mapping[str, Any], received_at: dt.datetime | None, *, complete: bool
) -> dict[str, str]:
    """All the rules that apply: consistency always, completeness when ``complete``."""
    errors = consistency(values, received_at)
    if complete:
        for name, message in completeness(values).items():
            errors.setdefault(name, message)
    return errors
