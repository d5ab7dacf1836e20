"""``GET /api/v1/staffing``: answers, validation, who may call it, and its OpenAPI entry."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from pmhc.planning import erlang
from pmhc.platform import services
from pmhc.platform.access import actor_for_user
from pmhc.platform.models import AuditEvent

URL = "/api/v1/staffing"
VALID: dict[str, Any] = {
    "arrivals_per_hour": 2,
    "handle_minutes": 60,
    "answer_within_minutes": 10,
    "target": 0.8,
}


def test_route_name():
    assert reverse("api_staffing") == URL


def test_answer(cast):
    events = AuditEvent.objects.count()
    response = cast.client(cast.colleague).get(URL, VALID)
    assert response.status_code == 200
    body = response.json()
    assert body["offered_load"] == pytest.approx(2.0)
    assert body["units"] == 4
    rows = {row["units"]: row for row in body["candidates"]}
    assert rows[3]["service_level"] < 0.8 <= rows[4]["service_level"]
    assert rows[3]["wait_probability"] == pytest.approx(4 / 9)
    assert rows[4]["overflow_probability"] == pytest.approx(erlang.erlang_b(4, 2.0))
    assert max(rows) == 4 + 3  # a few rows past the answer
    assert AuditEvent.objects.count() == events  # pure arithmetic: nothing recorded


def test_large_load_lists_rows_near_the_answer(cast):
    query = {"arrivals_per_hour": 900, "handle_minutes": 30, "answer_within_minutes": 1,
             "target": 0.9}  # fmt: skip
    body = cast.client(cast.member).get(URL, query).json()
    units = body["units"]
    assert 450 < units < 520
    assert [r["units"] for r in body["candidates"]] == list(range(units - 10, units + 4))


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"arrivals_per_hour": None}, "arrivals_per_hour", "arrivals_per_hour is required"),
        ({"arrivals_per_hour": "lots"}, "arrivals_per_hour", "must be a number"),
        ({"arrivals_per_hour": 0}, "arrivals_per_hour", "more than 0"),
        ({"handle_minutes": -5}, "handle_minutes", "more than 0"),
        ({"answer_within_minutes": -1}, "answer_within_minutes", "cannot be negative"),
        ({"target": 80}, "target", "0.8 for 80%"),
        ({"target": 1}, "target", "strictly between 0 and 1"),
        ({"target": 0}, "target", "strictly between 0 and 1"),
        ({"arrivals_per_hour": 5000, "handle_minutes": 600}, "non_field_errors", "erlangs"),
    ],
)
def test_invalid_parameters_get_a_clear_400(cast, change, field, message):
    query = {k: v for k, v in (VALID | change).items() if v is not None}
    response = cast.client(cast.member).get(URL, query)
    assert response.status_code == 400
    errors = response.json()
    assert field in errors
    assert message in " ".join(errors[field])


def test_anonymous_is_refused(db):
    response = Client().get(URL, VALID)
    assert response.status_code in {401, 403}
    assert "units" not in response.json()


def test_any_api_key_may_call_it_whatever_its_scopes(cast):
    # A key holds at least one scope; none of them is about staffing.
    key, raw = services.create_api_key(
        actor_for_user(cast.admin),
        organization=cast.agency,
        name="CAD",
        scopes=["organization:read"],
    )
    client = Client()
    response = client.get(URL, VALID, HTTP_AUTHORIZATION=f"Api-Key {raw}")
    assert response.status_code == 200
    assert response.json()["units"] == 4
    services.revoke_api_key(actor_for_user(cast.admin), key=key)
    assert client.get(URL, VALID, HTTP_AUTHORIZATION=f"Api-Key {raw}").status_code == 401


def test_every_role_of_any_organization_may_call_it(cast):
    for user in (cast.admin, cast.colleague, cast.partner_user, cast.outsider):
        assert cast.client(user).get(URL, VALID).status_code == 200


def test_documented_in_openapi(db):
    document = Client().get(reverse("api_schema"), {"format": "json"}).json()
    operation = document["paths"]["/api/v1/staffing"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert names == {"arrivals_per_hour", "handle_minutes", "answer_within_minutes", "target"}
    assert all(p["required"] for p in operation["parameters"])
    content = operation["responses"]["200"]["content"]["application/json"]
    assert content["examples"]
    assert "Erlang C" in operation["description"]
