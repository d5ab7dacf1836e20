"""A call's times follow the same rules on the call-taker's screen, in the calls API, on the
call's page and in the CAD import: not in the future, not before 1970, and in order."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from pmhc.conftest import Cast
from pmhc.dispatch import import_services, services
from pmhc.dispatch.audit_codes import DispatchAudit
from pmhc.dispatch.models import Call
from pmhc.dispatch.tests.helpers import member
from pmhc.dispatch.times import CLOCK_LEEWAY, EARLIEST, time_problems
from pmhc.platform import services as platform_services
from pmhc.platform.models import AuditEvent, Role

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)


def test_the_rules_in_one_place() -> None:
    latest = NOW + CLOCK_LEEWAY
    assert time_problems({"received_at": NOW}, latest=latest) == {}
    assert time_problems({"received_at": latest}, latest=latest) == {}
    late = time_problems({"received_at": latest + dt.timedelta(seconds=1)}, latest=latest)
    assert "in the future" in late["received_at"]
    far = dt.datetime(9999, 12, 31, 23, 59, tzinfo=dt.timezone(dt.timedelta(hours=-6)))
    assert "in the future" in time_problems({"received_at": far}, latest=latest)["received_at"]
    old = dt.datetime(1, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=5)))
    assert "before 1970" in time_problems({"received_at": old}, latest=latest)["received_at"]
    assert time_problems({"received_at": EARLIEST}, latest=latest) == {}
    order = time_problems(
        {
            "received_at": NOW,
            "dispatched_at": None,
            "first_arrival_at": NOW - dt.timedelta(minutes=1),
            "cleared_at": NOW + dt.timedelta(minutes=1),
        },
        latest=latest,
    )
    assert list(order) == ["first_arrival_at"]
    assert "is before received" in order["first_arrival_at"]


def test_screen_refuses_a_received_time_in_year_9999(cast: Cast) -> None:
    taker = member(cast.agency, Role.CALL_TAKER)
    response = cast.client(taker).post(
        reverse("dispatch_call_new"),
        {
            "cad_event_id": "E-9999",
            "received_at": "9999-12-31T23:59",
            "source": "911",
            "person_role": "subject",
            "action": "save",
        },
    )
    assert response.status_code == 400
    assert "is in the future: a call&#x27;s times cannot be later than now." in (
        response.content.decode()
    )
    assert not Call.objects.exists()


def _api_post(cast: Cast, body: dict[str, str]) -> tuple[int, dict[str, list[str]]]:
    _key, raw = platform_services.create_api_key(
        cast.actor(cast.admin), organization=cast.agency, name="CAD", scopes=["calls:write"]
    )
    response = cast.client(None).post(
        reverse("api_calls"),
        data=json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Api-Key {raw}",
    )
    return response.status_code, response.json()


@pytest.mark.parametrize(
    ("received_at", "words"),
    [
        ("9999-12-31T23:59:59Z", "in the future"),
        ("9999-12-31T23:59:59-06:00", "in the future"),
        ("1900-01-01T00:00:00Z", "before 1970"),
    ],
)
def test_api_refuses_a_received_time_out_of_range(cast: Cast, received_at: str, words: str) -> None:
    code, body = _api_post(cast, {"cad_event_id": "API-9", "received_at": received_at})
    assert code == 400, body
    assert words in body["received_at"][0]
    assert not Call.objects.exists()
    assert not AuditEvent.objects.filter(action=DispatchAudit.CALL_CREATED).exists()


def test_api_accepts_now(cast: Cast) -> None:
    code, body = _api_post(
        cast, {"cad_event_id": "API-1", "received_at": timezone.now().isoformat()}
    )
    assert code == 201, body


def test_times_recorded_on_a_call_follow_the_rules(cast: Cast) -> None:
    taker = member(cast.agency, Role.CALL_TAKER)
    actor = cast.actor(taker)
    call = services.create_call(
        actor, organization=cast.agency, cad_event_id="T-1", received_at=timezone.now()
    )
    with pytest.raises(ValidationError) as caught:
        services.record_times(
            actor, call=call, cleared_at=dt.datetime(9999, 12, 31, 23, 0, tzinfo=dt.UTC)
        )
    assert "in the future" in caught.value.message_dict["cleared_at"][0]
    call.refresh_from_db()
    assert call.cleared_at is None


def test_import_rejects_rows_whose_times_break_the_rules(cast: Cast, tmp_path: Path) -> None:
    path = tmp_path / "cad.csv"
    path.write_text(
        "cad_event_id,received_at,dispatched_at,cleared_at\n"
        "A,2026-01-01T10:00,2026-01-01T10:05,2026-01-01T11:00\n"
        "B,9999-12-31T23:59,,\n"
        "C,0001-01-01T00:00+05:00,,\n"
        "D,2026-01-01T10:00,,9999-12-31T23:59:59-06:00\n"
        "E,2026-01-01T10:00,2026-01-01T09:00,\n",
        encoding="utf-8",
    )
    batch = import_services.import_file(
        cast.actor(cast.member), organization=cast.agency, path=path
    )
    reasons = dict(batch.rejections.values_list("line", "reason"))
    assert set(reasons) == {3, 4, 5, 6}
    # Far outside the mapping's plausible dates, before any rule of a call's times applies.
    assert reasons[3].startswith('received_at: "9999-12-31T23:59" is outside the dates')
    assert reasons[4].startswith('received_at: "0001-01-01T00:00+05:00" is outside the dates')
    assert reasons[5].startswith('cleared_at: "9999-12-31T23:59:59-06:00" is outside the dates')
    assert reasons[6].startswith("dispatched_at: ") and "is before received" in reasons[6]
    assert list(Call.objects.values_list("cad_event_id", flat=True)) == ["A"]
