"""Referrals over FHIR: the ServiceRequest and Task out (validated), the provider's Task update
in (through the same service and transition table), invalid bodies as an OperationOutcome, and
the keys' scopes and organizations."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from fhir.resources.R4B.servicerequest import ServiceRequest
from fhir.resources.R4B.task import Task

from pmhc.care import referral_fhir, referral_services
from pmhc.care.audit_codes import CareAudit
from pmhc.care.models import Referral, ReferralEvent, ReferralStatus
from pmhc.care.tests.referral_helpers import NARRATIVE, REASON, Referrals, referral_world
from pmhc.platform import services as platform_services
from pmhc.platform.models import AuditEvent, Organization, Role
from pmhc.response.tests.factories import member

S = ReferralStatus


@pytest.fixture
def w(db: None) -> Referrals:
    return referral_world()


def _key(org: Organization, *scopes: str) -> str:
    admin = member(org, Role.ADMINISTRATOR)
    from pmhc.platform.access import actor_for_user

    _row, raw = platform_services.create_api_key(
        actor_for_user(admin), organization=org, name="EHR", scopes=list(scopes)
    )
    return raw


def _headers(raw: str | None) -> dict[str, Any]:
    return {"HTTP_AUTHORIZATION": f"Api-Key {raw}"} if raw else {}


def _task_url(referral: Referral) -> str:
    return reverse("api_referral_task", args=[referral.fhir_id])


def _put(referral: Referral, body: Any, raw: str | None, *, raw_body: bool = False) -> Any:
    return Client().put(
        _task_url(referral),
        data=body if raw_body else json.dumps(body),
        content_type="application/fhir+json",
        **_headers(raw),
    )


def _scheduled(w: Referrals) -> Referral:
    referral = w.send()
    actor = w.actor(w.intake)
    referral = referral_services.move_referral(actor, referral=referral, status=S.ACCEPTED)
    return referral_services.move_referral(
        actor,
        referral=referral,
        status=S.SCHEDULED,
        appointment_at=timezone.now() + dt.timedelta(days=2),
    )


def test_the_provider_reads_the_service_request_and_task(w: Referrals) -> None:
    referral = _scheduled(w)
    raw = _key(w.hospital, "referrals:read")
    response = Client().get(
        reverse("api_referral_service_request", args=[referral.fhir_id]), **_headers(raw)
    )
    assert response.status_code == 200
    resource = response.json()
    ServiceRequest.model_validate(resource)
    assert resource["id"] == str(referral.fhir_id) and resource["status"] == "active"
    assert resource["subject"]["display"] == "Vale, Robin"
    assert resource["reasonCode"] == [{"text": REASON}]
    assert resource["performer"][0]["reference"] == "Organization/hospital"
    assert NARRATIVE not in response.content.decode()
    task = Client().get(_task_url(referral), **_headers(raw)).json()
    Task.model_validate(task)
    assert task["status"] == "in-progress"
    assert task["businessStatus"]["coding"][0]["code"] == "scheduled"
    assert task["output"][0]["type"]["coding"][0]["code"] == "appointment"


def test_a_providers_task_update_moves_the_referral_to_attended(w: Referrals) -> None:
    referral = _scheduled(w)
    raw = _key(w.hospital, "referrals:read", "referrals:write")
    task = Client().get(_task_url(referral), **_headers(raw)).json()
    task["businessStatus"] = {
        "coding": [{"system": referral_fhir.STATE_SYSTEM, "code": "attended"}]
    }
    response = _put(referral, task, raw)
    assert response.status_code == 200, response.content
    assert response.json()["businessStatus"]["coding"][0]["code"] == "attended"
    referral.refresh_from_db()
    assert referral.status == S.ATTENDED and referral.attended_at is not None
    event = ReferralEvent.objects.filter(referral=referral).latest("pk")
    assert event.status == S.ATTENDED and event.by_key is not None and event.by is None


def test_the_same_task_sent_twice_is_200_and_writes_nothing(w: Referrals) -> None:
    referral = _scheduled(w)
    raw = _key(w.hospital, "referrals:read", "referrals:write")
    task = Client().get(_task_url(referral), **_headers(raw)).json()
    task["businessStatus"] = {
        "coding": [{"system": referral_fhir.STATE_SYSTEM, "code": "attended"}]
    }
    task["note"] = [{"text": "Came with her sister"}]
    assert _put(referral, task, raw).status_code == 200
    events, audits = ReferralEvent.objects.count(), AuditEvent.objects.count()
    referral.refresh_from_db()
    updated_at = referral.updated_at
    again = _put(referral, task, raw)
    assert again.status_code == 200, again.content
    assert again.json()["businessStatus"]["coding"][0]["code"] == "attended"
    assert ReferralEvent.objects.count() == events
    assert AuditEvent.objects.filter(action=CareAudit.REFERRAL_MOVED).count() == 3
    assert AuditEvent.objects.count() == audits
    referral.refresh_from_db()
    assert referral.updated_at == updated_at and referral.status == S.ATTENDED
    # A Task that asks for something else is still a move the table judges.
    task["businessStatus"]["coding"][0]["code"] = "scheduled"
    task["status"] = "in-progress"
    assert _put(referral, task, raw).status_code == 400


def test_the_same_scheduled_task_again_keeps_the_appointment(w: Referrals) -> None:
    referral = _scheduled(w)
    raw = _key(w.hospital, "referrals:read", "referrals:write")
    task = Client().get(_task_url(referral), **_headers(raw)).json()
    events = ReferralEvent.objects.count()
    assert _put(referral, task, raw).status_code == 200
    assert ReferralEvent.objects.count() == events
    # A new time is a new booking.
    task["output"][0]["valueDateTime"] = (timezone.now() + dt.timedelta(days=5)).isoformat()
    assert _put(referral, task, raw).status_code == 200
    assert ReferralEvent.objects.count() == events + 1


def test_an_appointment_before_the_referral_or_engaged_too_soon_is_a_400(w: Referrals) -> None:
    referral = _scheduled(w)
    raw = _key(w.hospital, "referrals:read", "referrals:write")
    task = Client().get(_task_url(referral), **_headers(raw)).json()
    task["output"][0]["valueDateTime"] = "2001-03-01T09:00:00+00:00"
    response = _put(referral, task, raw)
    assert response.status_code == 400, response.content
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert [i["expression"] for i in outcome["issue"]] == [["output"]]
    referral_services.move_referral(w.actor(w.intake), referral=referral, status=S.ATTENDED)
    task = Client().get(_task_url(referral), **_headers(raw)).json()
    task["status"] = "completed"
    task["businessStatus"] = {"coding": [{"system": referral_fhir.STATE_SYSTEM, "code": "engaged"}]}
    response = _put(referral, task, raw)
    assert response.status_code == 400, response.content
    assert response.json()["issue"][0]["expression"] == ["businessStatus"]
    referral.refresh_from_db()
    assert referral.status == S.ATTENDED


def test_the_round_trip_keeps_the_state(w: Referrals) -> None:
    referral = _scheduled(w)
    task = referral_fhir.task(referral, person_name=None)
    update, problems = referral_fhir.from_task(task, referral=referral)
    assert not problems and update is not None
    assert update.status == S.SCHEDULED and update.appointment_at == referral.appointment_at
    for status in S.values:
        referral.status = status
        exported = referral_fhir.task(referral, person_name=None)
        back, problems = referral_fhir.from_task(exported, referral=referral)
        assert back is not None and back.status == status, (status, problems.issues)


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ("{not json", ""),
        (["Task"], ""),
        ({"resourceType": "Patient"}, "resourceType"),
        ({"resourceType": "Task", "status": "in-progress", "intent": "order"}, "status"),
        ({"resourceType": "Task", "status": "accepted", "intent": 7}, "intent"),
        (
            {
                "resourceType": "Task",
                "status": "completed",
                "intent": "order",
                "businessStatus": {"coding": [{"system": referral_fhir.STATE_SYSTEM, "code": "x"}]},
            },
            "businessStatus.coding[0].code",
        ),
        (
            {
                "resourceType": "Task",
                "status": "in-progress",
                "intent": "order",
                "businessStatus": {
                    "coding": [{"system": referral_fhir.STATE_SYSTEM, "code": "engaged"}]
                },
            },
            "status",
        ),
        # Valid, but engaged cannot follow scheduled: the transition table answers.
        (
            {
                "resourceType": "Task",
                "status": "completed",
                "intent": "order",
                "businessStatus": {
                    "coding": [{"system": referral_fhir.STATE_SYSTEM, "code": "engaged"}]
                },
            },
            "businessStatus",
        ),
    ],
)
def test_an_invalid_task_is_a_400_outcome_and_changes_nothing(
    w: Referrals, body: Any, path: str
) -> None:
    referral = _scheduled(w)
    raw = _key(w.hospital, "referrals:write")
    response = _put(referral, body, raw, raw_body=isinstance(body, str))
    assert response.status_code == 400, response.content
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert any(issue["expression"] == ([path] if path else []) for issue in outcome["issue"])
    referral.refresh_from_db()
    assert referral.status == S.SCHEDULED


def test_keys_need_their_scope_and_their_organization(w: Referrals) -> None:
    referral = _scheduled(w)
    body = referral_fhir.task(referral, person_name=None)
    body["businessStatus"] = {
        "coding": [{"system": referral_fhir.STATE_SYSTEM, "code": "attended"}]
    }
    url = _task_url(referral)
    assert Client().get(url).status_code in {401, 403}
    assert Client().get(url, **_headers(_key(w.hospital, "calls:read"))).status_code == 404
    assert Client().get(url, **_headers(_key(w.other, "referrals:read"))).status_code == 404
    assert _put(referral, body, _key(w.hospital, "referrals:read")).status_code == 404
    assert _put(referral, body, _key(w.other, "referrals:write")).status_code == 404
    # The sender's key reads the referral but cannot move it.
    sender = _key(w.agency, "referrals:read", "referrals:write")
    assert Client().get(url, **_headers(sender)).status_code == 200
    assert _put(referral, body, sender).status_code == 404
    referral.refresh_from_db()
    assert referral.status == S.SCHEDULED
