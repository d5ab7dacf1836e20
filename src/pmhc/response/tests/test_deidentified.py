"""Measure's de-identified rows: who downloads them, and that no one can be found in them."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zoneinfo

import pytest
from django.urls import reverse

from pmhc.dispatch.models import Call, CallPerson
from pmhc.people.models import Person
from pmhc.platform.dates import today_in
from pmhc.platform.models import AuditEvent, Role
from pmhc.response.audit_codes import ResponseAudit
from pmhc.response.deidentified_selectors import MERGED_AREA
from pmhc.response.models import Encounter, EncounterStatus
from pmhc.response.tests.factories import make_call, member

SECRETS = ("Quillon-Marsh", "1313 Hidden Lane", "CAD-SECRET", "Shouted at the neighbour")


def _url(cast, days=30):
    today = today_in(cast.agency.time_zone)
    query = f"?since={today - dt.timedelta(days=days)}&until={today}"
    return reverse("response_deidentified_csv") + query


def _rows(response):
    text = b"".join(response.streaming_content).decode()
    return text, list(csv.DictReader(io.StringIO(text)))


@pytest.fixture
def calls(cast):
    made = []
    for n in range(13):
        call = make_call(cast.agency, hours_ago=24 * 3 + n)
        district = "North" if n < 11 else "Tiny Hamlet"
        Call.objects.filter(pk=call.pk).update(
            district=district,
            address=SECRETS[1],
            beat="B7",
            narrative=SECRETS[3],
            cad_event_id=f"{SECRETS[2]}-{n}",
            latitude=41.1,
            longitude=-88.2,
            apco_type="MENT",
        )
        made.append(call)
    person = Person.objects.create(organization=cast.agency, family_name=SECRETS[0])
    CallPerson.objects.create(call=made[0], person=person)
    Encounter.objects.create(
        organization=cast.agency,
        call=made[0],
        status=EncounterStatus.ACCEPTED,
        narrative=SECRETS[3],
        force_narrative=SECRETS[0],
        destination=SECRETS[0],
        highest_force="verbal",
    )
    other = make_call(cast.outsider_org)
    Call.objects.filter(pk=other.pk).update(district="Elsewhere")
    return made


def test_boundary(cast, calls):
    analyst = member(cast.agency, Role.ANALYST)
    anonymous = cast.client(None).get(_url(cast))
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("login"))
    supervisor = member(cast.agency, Role.SUPERVISOR)
    for user in (cast.admin, cast.colleague, supervisor, cast.partner_user):
        for name in ("response_deidentified", "response_deidentified_csv"):
            assert cast.client(user).get(reverse(name)).status_code == 404, user.username
        assert cast.client(user).get(_url(cast)).status_code == 404
    assert not AuditEvent.objects.filter(action=ResponseAudit.DEIDENTIFIED_DOWNLOADED).exists()
    # An analyst of another organization reads only their own.
    outsider_analyst = member(cast.outsider_org, Role.ANALYST)
    text, rows = _rows(cast.client(outsider_analyst).get(_url(cast)))
    assert len(rows) == 1 and "North" not in text
    for user in (analyst, cast.member):
        page = cast.client(user).get(reverse("response_deidentified"))
        assert page.status_code == 200
        assert "at least 11 calls" in page.content.decode()
        assert cast.client(user).get(_url(cast)).status_code == 200


def test_no_one_can_be_found_in_the_rows(cast, calls, django_assert_max_num_queries):
    analyst = member(cast.agency, Role.ANALYST)
    client = cast.client(analyst)
    response = client.get(_url(cast))
    with django_assert_max_num_queries(6):
        text, rows = _rows(response)
    assert len(rows) == 13
    for secret in SECRETS:
        assert secret not in text
    assert "B7" not in text and "41.1" not in text
    zone = zoneinfo.ZoneInfo(cast.agency.time_zone)
    days = [call.received_at.astimezone(zone).date() for call in calls]
    mondays = {(day - dt.timedelta(days=day.weekday())).isoformat() for day in days}
    assert {row["week_starting"] for row in rows} == mondays
    assert {row["month"] for row in rows} == {day.strftime("%Y-%m") for day in days}
    assert all(dt.date.fromisoformat(row["week_starting"]).weekday() == 0 for row in rows)
    assert not {"received_at", "cad_event_id", "address", "narrative"} & set(rows[0])
    districts = {row["district"] for row in rows}
    # Eleven calls in North: kept. Two in the hamlet: merged.
    assert districts == {"North", MERGED_AREA}
    assert sum(row["report"] == "yes" for row in rows) == 1
    assert {row["highest_force"] for row in rows if row["report"] == "yes"} == {"verbal"}
    event = AuditEvent.objects.get(action=ResponseAudit.DEIDENTIFIED_DOWNLOADED)
    assert event.actor_id == analyst.pk and event.purpose == "evaluation"
    assert event.organization_id == cast.agency.pk


def test_a_period_out_of_bounds_is_refused_with_a_summary(cast, calls):
    client = cast.client(cast.member)
    today = today_in(cast.agency.time_zone)
    url = reverse("response_deidentified_csv")
    too_long = client.get(url, {"since": today - dt.timedelta(days=400), "until": today})
    assert too_long.status_code == 400
    assert "A period is at most 366 days." in too_long.content.decode()
    backwards = client.get(url, {"since": today, "until": today - dt.timedelta(days=3)})
    assert backwards.status_code == 400 and "pmhc-error-summary" in backwards.content.decode()
    assert not AuditEvent.objects.filter(action=ResponseAudit.DEIDENTIFIED_DOWNLOADED).exists()
