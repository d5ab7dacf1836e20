"""The trail of a learning site's part holds every field it changes, and a re-match's wipe
of the site's answer."""

from __future__ import annotations

from django.utils import timezone

from pmhc.platform.access import ANONYMOUS, actor_for_user
from pmhc.platform.models import AuditEvent
from pmhc.toolkit.audit_codes import ToolkitAudit
from pmhc.toolkit.models import TARequest
from pmhc.toolkit.services import assistance, site_work
from pmhc.toolkit.tests.test_site_work import world  # noqa: F401


def _last(action: str) -> AuditEvent:
    event = AuditEvent.objects.filter(action=action).order_by("id").last()
    assert event is not None
    return event


def test_the_answer_the_visit_and_travel_keep_every_field(world):  # noqa: F811
    coordinator = actor_for_user(world.coordinator)
    site_work.answer_request(coordinator, ta_request=world.ta, note="First note.")
    site_work.answer_request(coordinator, ta_request=world.ta, note="Second note.")
    answered = _last(ToolkitAudit.TA_SITE_ANSWERED)
    before, after = answered.before or {}, answered.after or {}
    assert "site_note" in before and "site_note" in after
    assert before["site_note"] != after["site_note"]
    site_work.record_visit(
        coordinator,
        ta_request=world.ta,
        held_on=timezone.localdate(),
        visitors=2,
        covered="Ride-along",
    )
    visit = _last(ToolkitAudit.TA_CHANGED)
    assert "visit_covered" in (visit.before or {}) and (visit.after or {})["visit_covered"]
    site_work.record_travel(ANONYMOUS, ta_request=world.ta, requested="100", purpose="Bus")
    site_work.record_travel(ANONYMOUS, ta_request=world.ta, requested="100", purpose="Train")
    travel = _last(ToolkitAudit.TA_TRAVEL_RECORDED)
    assert (travel.before or {})["travel_purpose"] != (travel.after or {})["travel_purpose"]


def test_a_rematch_shows_the_wipe_and_reads_the_locked_row(world):  # noqa: F811
    site_work.answer_request(
        actor_for_user(world.coordinator),
        ta_request=world.ta,
        dates=[timezone.localdate()],
        note="See you then.",
    )
    # A stale copy that already names the new site: the wipe still happens.
    stale = TARequest.objects.get(pk=world.ta.pk)
    stale.matched_site = world.other_site
    moved = assistance.match_request(
        actor_for_user(world.staff), ta_request=stale, site=world.other_site
    )
    assert (moved.site_accepted_at, moved.proposed_dates, moved.site_note) == (None, [], "")
    event = _last(ToolkitAudit.TA_CHANGED)
    before, after = event.before or {}, event.after or {}
    assert before["proposed_dates"] and before["site_accepted_at"] and before["site_note"]
    assert after["proposed_dates"] == [] and after["site_accepted_at"] is None
