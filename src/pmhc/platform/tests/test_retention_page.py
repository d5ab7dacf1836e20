"""The administrator's retention page: who reaches it, bounds on the server, its counts."""

from __future__ import annotations

from django.urls import reverse

from pmhc.dispatch.retention import CALLS
from pmhc.platform import retention
from pmhc.platform.models import AuditAction, AuditEvent, RetentionSchedule
from pmhc.platform.retention_forms import field_name
from pmhc.response.tests.factories import make_call


def _url(cast):
    return reverse("retention", kwargs={"slug": cast.agency.slug})


def _post(cast, **overrides):
    data = {field_name(kind.key): kind.default_days for kind in retention.kinds()}
    data.update({field_name(key): value for key, value in overrides.items()})
    return cast.client(cast.admin).post(_url(cast), data)


def test_boundary(cast):
    anonymous = cast.client(None).get(_url(cast))
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("login"))
    for user in (cast.member, cast.colleague, cast.partner_user, cast.outsider):
        response = cast.client(user).get(_url(cast))
        assert response.status_code == 404, user.username
        assert b"Agency PD" not in response.content
        posted = cast.client(user).post(_url(cast), {field_name(CALLS): 200})
        assert posted.status_code == 404
    assert not RetentionSchedule.objects.exists()
    missing = reverse("retention", kwargs={"slug": "no-such-org"})
    assert cast.client(cast.admin).get(missing).status_code == 404
    assert cast.client(cast.admin).get(_url(cast)).status_code == 200


def test_the_page_states_limits_and_counts_what_is_due(cast, django_assert_max_num_queries):
    for _ in range(2):
        make_call(cast.agency, hours_ago=24 * 200)
    make_call(cast.agency)
    RetentionSchedule.objects.create(organization=cast.agency, record_kind=CALLS, days=180)
    client = cast.client(cast.admin)
    # Two queries per kind at most (count, oldest), whatever the number of records.
    with django_assert_max_num_queries(2 * len(retention.kinds()) + 12):
        response = client.get(_url(cast))
    html = response.content.decode()
    assert "From 180 to 3650 days" in html
    assert "CJIS Security Policy" in html
    rows = [line for line in response.context["lines"] if line.kind.key == CALLS]
    assert rows[0].count == 2 and rows[0].schedule.days == 180


def test_out_of_bounds_is_refused_with_a_summary_and_nothing_is_saved(cast):
    events = AuditEvent.objects.count()
    response = _post(cast, **{CALLS: 20})
    assert response.status_code == 400
    html = response.content.decode()
    assert "pmhc-error-summary" in html
    assert "Calls for service: keep for at least 180 days." in html
    assert f'href="#id_{field_name(CALLS)}"' in html
    assert not RetentionSchedule.objects.exists()
    assert AuditEvent.objects.count() == events


def test_a_valid_schedule_is_saved_and_audited(cast):
    response = _post(cast, **{CALLS: 400})
    assert response.status_code == 302
    assert RetentionSchedule.objects.get(organization=cast.agency, record_kind=CALLS).days == 400
    assert AuditEvent.objects.filter(action=AuditAction.RETENTION_CHANGED).count() == 1
    # The same values again: saved as they were, nothing new in the trail.
    assert _post(cast, **{CALLS: 400}).status_code == 302
    assert AuditEvent.objects.filter(action=AuditAction.RETENTION_CHANGED).count() == 1
