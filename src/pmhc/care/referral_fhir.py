"""Referrals as HL7 FHIR R4 ``ServiceRequest`` and ``Task`` resources, out and in, validated with
``fhir.resources`` (its ``R4B`` models: R4B changed nothing in either resource that is used
here, and the package ships no separate R4 module).

Mapping. Both resources carry the referral's ``fhir_id`` as their id.

- ``ServiceRequest``: ``status`` ``active`` while the referral is open, ``completed`` once
  engaged (or closed after the first appointment), ``revoked`` when declined or closed before
  it; ``intent`` ``order``; ``subject`` ``Patient/<person id>`` with the person's name, or,
  when the person's details are withheld (consent ended), only the text ``Withheld``: no
  reference that would let the reader follow the person from referral to referral;
  ``requester`` and ``performer`` ``Organization/<slug>`` (sender and provider); ``code`` the
  service (its name, and its kind in ``urn:pmhc:service-kind``); ``reasonCode`` the reason
  (text); ``authoredOn`` when it was sent; ``occurrenceDateTime`` the appointment.
- ``Task``: ``focus`` the ServiceRequest; ``for`` the patient; ``owner`` the provider;
  ``requester`` the sender; ``businessStatus`` the exact state, code from
  ``urn:pmhc:referral-state`` (``sent`` … ``closed``); ``status``:

  ============  =================================================
  state         Task.status
  ============  =================================================
  sent          requested
  received      received
  accepted      accepted
  scheduled     in-progress (businessStatus ``scheduled``)
  attended      in-progress (businessStatus ``attended``)
  engaged       completed (businessStatus ``engaged``)
  declined      rejected
  no_show       failed
  closed        completed after the first appointment, else cancelled
  ============  =================================================

  ``statusReason`` the reason it was declined or closed; ``output`` an ``appointment``
  (``urn:pmhc:task-output``) with ``valueDateTime``; ``executionPeriod`` from sending to its end.

Import: a provider updates the referral by sending its Task. The state is read from
``businessStatus`` when given, otherwise from ``status`` where that names one state
(``received``, ``accepted``, ``rejected`` → declined, ``failed`` → did not attend,
``cancelled`` → closed); ``in-progress`` and ``completed`` need ``businessStatus``.
Every problem is reported with the path of the element at fault, as an OperationOutcome.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pydantic
from fhir.resources.R4B.servicerequest import ServiceRequest
from fhir.resources.R4B.task import Task

from pmhc.care.models import Referral, ReferralStatus
from pmhc.people.consent_fhir import Problems
from pmhc.platform.models import Organization

S = ReferralStatus
STATE_SYSTEM = "urn:pmhc:referral-state"
KIND_SYSTEM = "urn:pmhc:service-kind"
OUTPUT_SYSTEM = "urn:pmhc:task-output"
APPOINTMENT = "appointment"

TASK_STATUS: Mapping[str, str] = {
    S.SENT: "requested",
    S.RECEIVED: "received",
    S.ACCEPTED: "accepted",
    S.SCHEDULED: "in-progress",
    S.ATTENDED: "in-progress",
    S.ENGAGED: "completed",
    S.DECLINED: "rejected",
    S.NO_SHOW: "failed",
}
#: Task.status values that name one state, read back.
STATE_OF_TASK_STATUS: Mapping[str, str] = {
    "received": S.RECEIVED,
    "accepted": S.ACCEPTED,
    "rejected": S.DECLINED,
    "failed": S.NO_SHOW,
    "cancelled": S.CLOSED,
}
#: The Task.status values each state may be sent with.
STATUSES_OF_STATE: Mapping[str, frozenset[str]] = {
    S.SENT: frozenset({"requested"}),
    S.RECEIVED: frozenset({"received"}),
    S.ACCEPTED: frozenset({"accepted"}),
    S.SCHEDULED: frozenset({"in-progress"}),
    S.ATTENDED: frozenset({"in-progress"}),
    S.ENGAGED: frozenset({"completed"}),
    S.DECLINED: frozenset({"rejected"}),
    S.NO_SHOW: frozenset({"failed"}),
    S.CLOSED: frozenset({"completed", "cancelled"}),
}


def _org(org: Organization | None) -> dict[str, str]:
    if org is None:
        return {"display": "unknown"}
    return {"reference": f"Organization/{org.slug}", "display": org.name}


def _closed_after_care(referral: Referral) -> bool:
    return referral.attended_at is not None or referral.engaged_at is not None


def task_status(referral: Referral) -> str:
    if referral.status == S.CLOSED:
        return "completed" if _closed_after_care(referral) else "cancelled"
    return TASK_STATUS[referral.status]


#: The subject of a referral whose person's details are withheld.
WITHHELD = "Withheld"


def _patient(referral: Referral, name: str | None) -> dict[str, str]:
    """The person as a reference, or, when their details are withheld (``None``), a bare
    display: no identifier of the person crosses."""
    if not name:
        return {"display": WITHHELD}
    return {"reference": f"Patient/{referral.person_id}", "display": name}


def service_request(
    referral: Referral, *, person_name: str | None, reason: str | None
) -> dict[str, Any]:
    """The referral as a validated FHIR R4 ServiceRequest. The person's name and the reason
    are passed in as the caller was allowed to read them (``None``: withheld)."""
    if referral.status in (S.ENGAGED,) or (
        referral.status == S.CLOSED and _closed_after_care(referral)
    ):
        status = "completed"
    elif referral.status in (S.DECLINED, S.CLOSED):
        status = "revoked"
    else:
        status = "active"
    service = referral.service
    resource: dict[str, Any] = {
        "resourceType": "ServiceRequest",
        "id": str(referral.fhir_id),
        "status": status,
        "intent": "order",
        "code": {
            "coding": [{"system": KIND_SYSTEM, "code": service.kind}],
            "text": service.name,
        },
        "subject": _patient(referral, person_name),
        "authoredOn": referral.sent_at.isoformat(),
        "requester": _org(referral.organization),
        "performer": [_org(referral.provider)],
    }
    if reason:
        resource["reasonCode"] = [{"text": reason}]
    if referral.appointment_at is not None:
        resource["occurrenceDateTime"] = referral.appointment_at.isoformat()
    return ServiceRequest.model_validate(resource).model_dump(mode="json", exclude_none=True)


def task(referral: Referral, *, person_name: str | None) -> dict[str, Any]:
    """The referral's Task, validated: its state in ``businessStatus``."""
    resource: dict[str, Any] = {
        "resourceType": "Task",
        "id": str(referral.fhir_id),
        "status": task_status(referral),
        "businessStatus": {
            "coding": [{"system": STATE_SYSTEM, "code": referral.status}],
            "text": str(S(referral.status).label),
        },
        "intent": "order",
        "focus": {"reference": f"ServiceRequest/{referral.fhir_id}"},
        "for": _patient(referral, person_name),
        "authoredOn": referral.sent_at.isoformat(),
        "lastModified": referral.updated_at.isoformat(),
        "requester": _org(referral.organization),
        "owner": _org(referral.provider),
        "executionPeriod": {"start": referral.sent_at.isoformat()},
    }
    if referral.ended_at is not None:
        resource["executionPeriod"]["end"] = referral.ended_at.isoformat()
    why = referral.declined_reason or referral.closed_reason
    if why:
        resource["statusReason"] = {"text": why}
    if referral.appointment_at is not None:
        resource["output"] = [
            {
                "type": {"coding": [{"system": OUTPUT_SYSTEM, "code": APPOINTMENT}]},
                "valueDateTime": referral.appointment_at.isoformat(),
            }
        ]
    return Task.model_validate(resource).model_dump(mode="json", exclude_none=True)


# --- Import ---------------------------------------------------------------------------------


def _path(loc: Any) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


@dataclass(frozen=True)
class Update:
    """What a valid Task asks: ``move_referral``'s arguments."""

    status: str
    appointment_at: dt.datetime | None
    reason: str
    note: str


def _state(resource: Task, problems: Problems) -> str | None:
    business = resource.businessStatus
    codes = [c.code for c in (getattr(business, "coding", None) or []) if c.system == STATE_SYSTEM]
    if business is not None and not codes:
        problems.add("businessStatus", f"Must hold a coding from {STATE_SYSTEM}.")
        return None
    if codes:
        state = codes[0]
        if state not in S.values:
            problems.add("businessStatus.coding[0].code", f"Unknown state {state!r}.")
            return None
        if resource.status not in STATUSES_OF_STATE[state]:
            allowed = " or ".join(sorted(STATUSES_OF_STATE[state]))
            problems.add("status", f"A referral that is {state} has Task.status {allowed}.")
            return None
        return state
    state = STATE_OF_TASK_STATUS.get(resource.status or "")
    if state is None:
        problems.add(
            "status",
            f"Task.status {resource.status!r} does not name one state: give businessStatus "
            f"from {STATE_SYSTEM}.",
        )
    return state


def _appointment(resource: Task, problems: Problems) -> dt.datetime | None:
    for i, output in enumerate(resource.output or []):
        codes = [(c.system, c.code) for c in (getattr(output.type, "coding", None) or [])]
        if (OUTPUT_SYSTEM, APPOINTMENT) not in codes and (output.type.text or "") != APPOINTMENT:
            continue
        value = getattr(output, "valueDateTime", None)
        if not isinstance(value, dt.datetime) or value.tzinfo is None:
            problems.add(f"output[{i}].valueDateTime", "Give the date and time with its offset.")
            return None
        return value
    return None


def from_task(data: Any, *, referral: Referral) -> tuple[Update | None, Problems]:
    """Read a FHIR R4 Task sent to update ``referral``: the move to make, or every problem."""
    problems = Problems()
    if not isinstance(data, dict):
        problems.add("", "The body must be a JSON object: a FHIR Task resource.")
        return None, problems
    if data.get("resourceType") != "Task":
        problems.add("resourceType", 'Must be "Task".')
        return None, problems
    try:
        resource = Task.model_validate(data)
    except pydantic.ValidationError as exc:
        for error in exc.errors():
            problems.add(_path(error["loc"]), error["msg"])
        return None, problems
    if resource.id is not None and resource.id != str(referral.fhir_id):
        problems.add("id", f"Must be {referral.fhir_id}, the Task in the address.")
    focus = getattr(resource.focus, "reference", None)
    if focus is not None and focus != f"ServiceRequest/{referral.fhir_id}":
        problems.add("focus", f"Must refer to ServiceRequest/{referral.fhir_id}.")
    state = _state(resource, problems)
    appointment = _appointment(resource, problems)
    reason = (getattr(resource.statusReason, "text", None) or "").strip()
    notes = [str(n.text) for n in (resource.note or []) if getattr(n, "text", None)]
    if problems or state is None:
        return None, problems
    return Update(state, appointment, reason, "\n".join(notes)), problems


def already_stands(referral: Referral, update: Update, *, last_note: str) -> bool:
    """Whether the update asks for what the referral already is: the same state, appointment
    and reason, and no note but the last one recorded (the same Task sent again)."""
    if update.status != referral.status:
        return False
    asks_time = update.appointment_at is not None or referral.status == S.SCHEDULED
    if asks_time and update.appointment_at != referral.appointment_at:
        return False
    reason = referral.declined_reason or referral.closed_reason
    if update.reason and update.reason != reason:
        return False
    return not update.note or update.note.strip() == last_note.strip()


#: Where the service's errors belong in a Task.
SERVICE_PATHS = {
    "status": "businessStatus",
    "appointment_at": "output",
    "reason": "statusReason",
    "note": "note",
}
