"""The calls API: keys, scopes, organizations, and the same records as the screen."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from pmhc.dispatch.audit_codes import DispatchAudit
from pmhc.dispatch.models import Call
from pmhc.dispatch.tests.helpers import cit_officer_on_duty, member, team_all_week
from pmhc.platform import services as platform_services
from pmhc.platform.access import actor_for_user
from pmhc.platform.models import AuditEvent, Role

pytestmark = pytest.mark.django_db


def key_for(cast, organization, admin, scopes=("calls:write",), revoked=False):
    key, raw = platform_services.create_api_key(
        actor_for_user(admin), organization=organization, name="CAD", scopes=list(scopes)
    )
    if revoked:
        platform_services.revoke_api_key(actor_for_user(admin), key=key)
    return raw


def post(url, body, raw=None, client=None):
    headers: dict[str, Any] = {"HTTP_AUTHORIZATION": f"Api-Key {raw}"} if raw else {}
    return (client or Client()).post(
        url, data=json.dumps(body), content_type="application/json", **headers
    )


BODY = {
    "cad_event_id": "API-1",
    "received_at": "2026-03-02T21:14:05-06:00",
    "district": "North",
    "answers": {"danger_self": "yes", "weapons": "none"},
}


def test_create_with_answers_is_triaged_at_once(cast):
    officer = cit_officer_on_duty(cast.agency, district="North")
    team_all_week(cast.agency)
    raw = key_for(cast, cast.agency, cast.admin)
    response = post(reverse("api_calls"), BODY, raw)
    assert response.status_code == 201, response.content
    data = response.json()
    call = Call.objects.get(pk=data["id"])
    assert data["recommendation"] == "co_responder" == call.recommendation
    # A yes to danger to self, as callers of the protocol's first version send it, is read
    # as at risk with the grade not known.
    assert call.answers["danger_self"] == "at_risk"
    assert data["recommended_units"] == ["co_responder"] == call.recommended_units
    assert data["reasons"] == call.reasons
    assert data["on_duty"]["teams"][0]["status"] == "available"
    assert data["rule_version"] == 1
    assert data["on_duty"]["cit_officers"][0]["id"] == officer.pk
    assert data["on_duty"]["teams"][0]["kind"] == "co_responder"
    created = AuditEvent.objects.get(action=DispatchAudit.CALL_CREATED)
    assert created.actor_name.startswith("API key CAD")
    duplicate = post(reverse("api_calls"), BODY, raw)
    assert duplicate.status_code == 409
    assert duplicate.json()["id"] == call.pk


def test_create_without_answers_and_bad_input(cast):
    raw = key_for(cast, cast.agency, cast.admin)
    body = {k: v for k, v in BODY.items() if k != "answers"}
    response = post(reverse("api_calls"), body, raw)
    assert response.status_code == 201
    assert response.json()["recommendation"] is None
    bad = post(reverse("api_calls"), {"cad_event_id": "B-1", "received_at": "yesterday"}, raw)
    assert bad.status_code == 400 and "received_at" in bad.json()
    bad = post(
        reverse("api_calls"), BODY | {"cad_event_id": "B-2", "answers": {"weapons": "x"}}, raw
    )
    assert bad.status_code == 400 and "weapons" in bad.json()
    assert not Call.objects.filter(cad_event_id="B-2").exists()


def test_triage_endpoint_and_decision_reason(cast):
    raw = key_for(cast, cast.agency, cast.admin)
    created = post(reverse("api_calls"), {k: v for k, v in BODY.items() if k != "answers"}, raw)
    url = reverse("api_call_triage", args=[created.json()["id"]])
    response = post(url, {"answers": {"crime_in_progress": "yes"}}, raw)
    assert response.status_code == 200
    assert response.json()["recommendation"] == "patrol_priority"
    refused = post(url, {"answers": {}, "decision": "ems"}, raw)
    assert refused.status_code == 400 and "decision_reason" in refused.json()
    response = post(url, {"answers": {}, "decision": "ems", "decision_reason": "Fall"}, raw)
    assert response.json()["decision"] == "ems"
    assert AuditEvent.objects.filter(action=DispatchAudit.CALL_TRIAGED).count() == 2


def test_keys_are_refused_without_scope_for_another_org_or_revoked(cast):
    call = Call.objects.create(
        organization=cast.agency, cad_event_id="K-1", received_at=timezone.now()
    )
    url = reverse("api_call_triage", args=[call.pk])
    events = AuditEvent.objects.count()
    assert post(url, {"answers": {}}).status_code in (401, 403)
    assert post(reverse("api_calls"), BODY).status_code in (401, 403)
    other = key_for(cast, cast.outsider_org, cast.outsider)
    assert post(url, {"answers": {}}, other).status_code == 404
    read_only = key_for(cast, cast.agency, cast.admin, scopes=("calls:read",))
    assert post(url, {"answers": {}}, read_only).status_code == 404
    assert post(reverse("api_calls"), BODY, read_only).status_code == 403
    wrong_scope = key_for(cast, cast.agency, cast.admin, scopes=("organization:read",))
    assert post(reverse("api_calls"), BODY, wrong_scope).status_code == 403
    revoked = key_for(cast, cast.agency, cast.admin, revoked=True)
    assert post(url, {"answers": {}}, revoked).status_code == 401
    call.refresh_from_db()
    assert call.triaged_at is None
    assert Call.objects.count() == 1
    assert not AuditEvent.objects.filter(
        action__in=[DispatchAudit.CALL_CREATED, DispatchAudit.CALL_TRIAGED]
    ).exists()
    assert AuditEvent.objects.count() >= events


def test_session_users_by_role(cast):
    taker = member(cast.agency, Role.CALL_TAKER)
    client = Client(enforce_csrf_checks=False)
    client.force_login(taker)
    response = post(reverse("api_calls"), BODY, client=client)
    assert response.status_code == 201
    url = reverse("api_call_triage", args=[response.json()["id"]])
    for user in (cast.partner_user, cast.outsider, member(cast.agency, Role.ANALYST)):
        other = Client()
        other.force_login(user)
        assert post(url, {"answers": {}}, client=other).status_code == 404
        assert (
            post(reverse("api_calls"), BODY | {"cad_event_id": "S-2"}, client=other).status_code
            == 403
        )
    assert not Call.objects.filter(cad_event_id="S-2").exists()


def test_schema_documents_the_endpoints(cast):
    client = Client()
    client.force_login(cast.admin)
    schema = client.get(reverse("api_schema"), {"format": "json"}).json()
    assert "/api/v1/calls/" in schema["paths"]
    post_op = schema["paths"]["/api/v1/calls/{id}/triage"]["post"]
    assert "examples" in json.dumps(post_op)
