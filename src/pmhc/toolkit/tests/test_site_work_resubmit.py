"""A repeated submit on a learning site's answer, the visit, the chosen date and the travel
support changes nothing and never shows a failure."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from pmhc.platform.models import AuditEvent, OutboundEmail
from pmhc.toolkit.audit_codes import ToolkitAudit
from pmhc.toolkit.models import TAStatus
from pmhc.toolkit.tests.test_site_work import client_for, days, world  # noqa: F401


def test_the_same_answer_twice_is_saved_and_told_once(world):  # noqa: F811
    client = client_for(world.coordinator)
    answer = reverse("site_request_answer", args=[world.ta.reference])
    data = {"date_1": days(10), "date_2": days(20), "note": "Bring two officers."}
    assert client.post(answer, data).status_code == 302
    world.ta.refresh_from_db()
    accepted_at = world.ta.site_accepted_at
    assert client.post(answer, data).status_code == 302
    world.ta.refresh_from_db()
    assert world.ta.site_accepted_at == accepted_at
    assert OutboundEmail.objects.filter(purpose="ta_site_answered").count() == 1
    assert AuditEvent.objects.filter(action=ToolkitAudit.TA_SITE_ANSWERED).count() == 1


def test_the_same_date_chosen_twice_succeeds_and_errors_always_show(world):  # noqa: F811
    client = client_for(world.coordinator)
    answer = reverse("site_request_answer", args=[world.ta.reference])
    assert client.post(answer, {"date_1": days(10), "date_2": days(20)}).status_code == 302
    choose = reverse("ta_choose_date", kwargs={"token": world.token})
    assert Client().post(choose, {"day": days(20)}).status_code == 302
    again = Client().post(choose, {"day": days(20)})
    assert again.status_code == 302
    assert OutboundEmail.objects.filter(purpose="ta_date_chosen").count() == 1
    # Another date once one is chosen: refused, and the reason is shown.
    other = Client().post(choose, {"day": days(10)})
    assert other.status_code == 400
    assert "There is no date to choose on this request now." in other.content.decode()


def test_the_same_visit_recorded_twice_succeeds_once(world):  # noqa: F811
    client = client_for(world.coordinator)
    answer = reverse("site_request_answer", args=[world.ta.reference])
    assert client.post(answer, {}).status_code == 302
    visit = reverse("site_request_visit", args=[world.ta.reference])
    good = {"held_on": timezone.localdate().isoformat(), "visitors": 3, "covered": "Ride-along"}
    assert client.post(visit, good).status_code == 302
    assert client.post(visit, good).status_code == 302
    world.ta.refresh_from_db()
    assert world.ta.status == TAStatus.COMPLETED
    assert OutboundEmail.objects.filter(purpose="ta_completed").count() == 1
    # A different record on a completed request is still refused.
    assert client.post(visit, {**good, "visitors": 4}).status_code == 400


def test_identical_travel_support_is_not_recorded_again(world):  # noqa: F811
    travel = reverse("ta_travel", kwargs={"token": world.token})
    data = {"requested": "1250.50", "purpose": "Airfare"}
    assert Client().post(travel, data).status_code == 302
    assert Client().post(travel, data).status_code == 302
    assert AuditEvent.objects.filter(action=ToolkitAudit.TA_TRAVEL_RECORDED).count() == 1
    # A changed purpose alone is a change.
    assert Client().post(travel, {**data, "purpose": "Airfare and a night"}).status_code == 302
    assert AuditEvent.objects.filter(action=ToolkitAudit.TA_TRAVEL_RECORDED).count() == 2
