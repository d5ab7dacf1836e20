"""JSON bodies of the whole API are bounded in depth and size: a 400 that says why, never a
500, and nothing written."""

from __future__ import annotations

import bz2
import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from pmhc.platform import services as platform_services
from pmhc.platform.access import actor_for_user
from pmhc.platform.api_parsers import MAX_JSON_BYTES, MAX_JSON_DEPTH, nesting_exceeds
from pmhc.platform.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def key(cast) -> str:
    _key, raw = platform_services.create_api_key(
        actor_for_user(cast.admin), organization=cast.agency, name="CAD", scopes=["calls:write"]
    )
    return raw


def post(raw_key: str, body: str | bytes) -> Any:
    return Client().post(
        reverse("api_calls"),
        data=body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Api-Key {raw_key}",
    )


def test_a_deeply_nested_body_is_a_400_not_a_500(key):
    before = AuditEvent.objects.count()
    response = post(key, "[" * 5000 + "]" * 5000)
    assert response.status_code == 400
    assert response.json() == {
        "detail": f"The JSON body is nested more than {MAX_JSON_DEPTH} levels deep."
    }
    deep_object = '{"a":' * 5000 + "1" + "}" * 5000
    assert post(key, deep_object).status_code == 400
    assert AuditEvent.objects.count() == before


def test_an_oversized_body_is_a_400(key):
    body = json.dumps({"cad_event_id": "BIG-1", "narrative": "x" * MAX_JSON_BYTES})
    response = post(key, body)
    assert response.status_code == 400
    assert response.json() == {
        "detail": f"The request body is larger than {MAX_JSON_BYTES // 1024} KB."
    }


def test_bodies_within_the_bounds_still_parse(key):
    # Brackets inside strings are text, not depth; a body at the limit is taken.
    body = {
        "cad_event_id": "OK-1",
        "received_at": "2026-03-02T21:14:05-06:00",
        "narrative": "[[[[{{{{" * 100 + '\\"]',
    }
    response = post(key, json.dumps(body))
    assert response.status_code == 201, response.content
    at_the_limit = post(key, "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH)
    assert at_the_limit.status_code == 400  # parsed, and refused by the serializer: not a call
    assert "nested" not in at_the_limit.content.decode()
    bad = post(key, '{"cad_event_id": NaN}')
    assert bad.status_code == 400 and "JSON parse error" in bad.json()["detail"]
    assert post(key, b"\xff\xfe{}").status_code == 400


@pytest.mark.parametrize(
    ("text", "exceeds"),
    [
        ("[[[]]]", False),
        ("[[[[]]]]", True),
        ('["[[[[[[", {"a": "{{{{"}]', False),
        ('["\\"[[[[["]', False),  # an escaped quote does not end the string
        ('["\\\\", [[[]]]]', True),  # an escaped backslash does not escape the quote after it
    ],
)
def test_nesting_is_counted_outside_strings(text, exceeds):
    assert nesting_exceeds(text, 3) is exceeds


def test_a_body_cannot_name_a_decompressing_codec(key):
    response = Client().generic(
        "POST",
        reverse("api_calls"),
        bz2.compress(b"[" * 100_000 + b"]" * 100_000),
        content_type="application/json; charset=bz2_codec",
        HTTP_AUTHORIZATION=f"Api-Key {key}",
    )
    assert response.status_code == 400
    assert "bz2_codec" in response.json()["detail"]
