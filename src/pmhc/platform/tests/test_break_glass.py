"""Break-glass: the emergency purpose opens only under an active, unexpired use in the
organization relied on; starting alerts supervisors and administrators on commit; supervisors
review; every page refuses the wrong callers and writes nothing for them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from pmhc.platform import audit
from pmhc.platform.access import (
    Action,
    Target,
    actor_for_user,
    allowed_organization_ids,
    decide,
)
from pmhc.platform.break_glass_selectors import review_queue
from pmhc.platform.break_glass_services import (
    end_break_glass,
    review_break_glass,
    start_break_glass,
)
from pmhc.platform.models import AuditAction, AuditEvent, BreakGlassUse, OutboundEmail
from pmhc.platform.models import Classification as C
from pmhc.platform.models import Purpose as P
from pmhc.platform.models import Role as R
from pmhc.platform.tests.factories import MembershipFactory, UserFactory

REASON = "Person on the bridge; need the response plan now"


def _member(username, org, role, **kwargs):
    user = UserFactory.create(username=username, **kwargs)
    MembershipFactory.create(user=user, organization=org, role=role)
    return user


@pytest.fixture
def supervisor(cast):
    return _member("sup", cast.agency, R.SUPERVISOR)


def _clinical(org):
    return Target(organization_ids=frozenset({org.pk}), access_classification=C.CLINICAL)


def _glass(cast, user, org=None, **changes):
    """Start a use for ``user`` and apply ``changes`` to it (to expire or end it)."""
    org = org or cast.agency
    # Started while acting for that organization (a person acts for one at a time).
    use = start_break_glass(
        actor_for_user(user, organization_id=org.pk), organization=org, reason=REASON
    )
    if changes:
        BreakGlassUse.objects.filter(pk=use.pk).update(**changes)
    return actor_for_user(user)


# --- The policy -----------------------------------------------------------------------------

PAST = {"started_at": timezone.now() - dt.timedelta(hours=2)}


@pytest.mark.parametrize(
    ("state", "holder", "allowed"),
    [
        ("none", "agency", False),
        ("active", "agency", True),
        ("active", "partner", True),  # the agency's officer, under the agreement in force
        ("active", "outsider_org", False),
        ("expired", "agency", False),
        ("ended", "agency", False),
        ("other_organization", "agency", False),
    ],
)
def test_emergency_needs_an_active_use_in_that_organization(cast, state, holder, allowed):
    officer = cast.colleague
    now = timezone.now()
    if state == "none":
        actor = actor_for_user(officer)
    elif state == "active":
        actor = _glass(cast, officer)
    elif state == "expired":
        actor = _glass(
            cast,
            officer,
            started_at=now - dt.timedelta(hours=2),
            expires_at=now - dt.timedelta(hours=1),
        )
    elif state == "ended":
        actor = _glass(cast, officer)
        end_break_glass(actor)
        actor = actor_for_user(officer)
    else:
        # A use at another organization the officer also serves opens nothing here.
        MembershipFactory.create(user=officer, organization=cast.outsider_org, role=R.OFFICER)
        actor = _glass(cast, officer, org=cast.outsider_org)
    held = _clinical(getattr(cast, holder))
    assert decide(actor, Action.VIEW, held, P.EMERGENCY).allowed is allowed
    listed = getattr(cast, holder).pk in allowed_organization_ids(
        actor, Action.VIEW, P.EMERGENCY, C.SAFETY
    )
    assert listed is allowed
    # Other purposes are as they were, with or without the glass.
    personal = Target(
        organization_ids=frozenset({cast.agency.pk}), access_classification=C.PERSONAL
    )
    assert decide(actor, Action.VIEW, personal, P.ACTIVE_CALL)
    assert not decide(actor, Action.VIEW, _clinical(cast.agency), P.ACTIVE_CALL)


def test_a_use_that_expires_while_the_actor_is_held_closes(cast):
    actor = _glass(cast, cast.colleague)
    assert decide(actor, Action.VIEW, _clinical(cast.agency), P.EMERGENCY)
    later = actor.break_glass.until + dt.timedelta(seconds=1)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(timezone, "now", lambda: later)
        assert not decide(actor, Action.VIEW, _clinical(cast.agency), P.EMERGENCY)


def test_role_without_an_emergency_grant_cannot_start(cast):
    for user in (cast.member, cast.admin):
        with pytest.raises(PermissionDenied):
            start_break_glass(actor_for_user(user), organization=cast.agency, reason=REASON)
    with pytest.raises(PermissionDenied):  # an officer of the agency, at the partner
        start_break_glass(actor_for_user(cast.colleague), organization=cast.partner, reason=REASON)
    assert not BreakGlassUse.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.BREAK_GLASS_STARTED).exists()


@pytest.mark.parametrize("reason", ["", "   ", "x" * (BreakGlassUse.REASON_MAX_LENGTH + 1)])
def test_a_reason_is_required_and_bounded(cast, reason):
    with pytest.raises(ValidationError):
        start_break_glass(actor_for_user(cast.colleague), organization=cast.agency, reason=reason)
    assert not BreakGlassUse.objects.exists()


def test_starting_twice_gives_the_same_use(cast):
    actor = actor_for_user(cast.colleague)
    first = start_break_glass(actor, organization=cast.agency, reason=REASON)
    again = start_break_glass(actor, organization=cast.agency, reason=REASON)
    assert first.pk == again.pk
    assert AuditEvent.objects.filter(action=AuditAction.BREAK_GLASS_STARTED).count() == 1


def test_time_box_follows_the_setting(cast, settings):
    settings.BREAK_GLASS_MINUTES = 15
    use = start_break_glass(actor_for_user(cast.colleague), organization=cast.agency, reason=REASON)
    assert use.expires_at - use.started_at == dt.timedelta(minutes=15)


# --- Alerts and audit -----------------------------------------------------------------------


def test_alert_goes_to_active_supervisors_and_administrators_on_commit(
    cast, supervisor, django_capture_on_commit_callbacks
):
    gone = _member("gone-sup", cast.agency, R.SUPERVISOR)
    gone.memberships.update(is_active=False)
    _member("other-sup", cast.outsider_org, R.SUPERVISOR)
    with django_capture_on_commit_callbacks() as callbacks:
        use = start_break_glass(
            actor_for_user(cast.colleague), organization=cast.agency, reason=REASON
        )
    assert len(callbacks) == 1  # the message is handed to the worker only once committed
    message = OutboundEmail.objects.get(purpose="break_glass")
    assert sorted(message.to) == sorted([cast.admin.email, supervisor.email])
    assert REASON not in message.body  # the reason stays in the product
    assert message.organization_id == use.organization_id


def test_no_alert_when_the_start_is_rolled_back(
    cast, supervisor, django_capture_on_commit_callbacks
):
    from django.db import transaction

    with (
        django_capture_on_commit_callbacks() as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        start_break_glass(actor_for_user(cast.colleague), organization=cast.agency, reason=REASON)
        raise RuntimeError
    assert callbacks == []
    assert not OutboundEmail.objects.exists()
    assert not BreakGlassUse.objects.exists()


def test_start_end_and_reads_are_audited_with_the_use(cast):
    actor = _glass(cast, cast.colleague)
    use = BreakGlassUse.objects.get()
    started = AuditEvent.objects.get(action=AuditAction.BREAK_GLASS_STARTED)
    assert started.purpose == P.EMERGENCY
    assert f"break-glass use {use.pk}" in started.detail
    # The typed reason is in the use, for its reviewers; the trail keeps a digest.
    after = started.after or {}
    assert audit.is_digest(after["reason"])
    assert after["expires_at"]
    # A read under the emergency purpose names the use it relied on.
    read = audit.record(
        AuditAction.RECORD_READ,
        actor=actor,
        object_type="people.person",
        object_id=1,
        purpose=P.EMERGENCY,
        detail="fields: name",
    )
    assert read.detail == f"break-glass use {use.pk}; fields: name"
    other = audit.record(
        AuditAction.RECORD_READ,
        actor=actor,
        object_type="people.person",
        object_id=1,
        purpose=P.ACTIVE_CALL,
    )
    assert other.detail == ""
    end_break_glass(actor)
    ended = AuditEvent.objects.get(action=AuditAction.BREAK_GLASS_ENDED)
    assert ended.detail == f"break-glass use {use.pk}"
    # Ending again changes nothing and writes nothing.
    count = AuditEvent.objects.count()
    assert end_break_glass(actor_for_user(cast.colleague)) is None
    assert AuditEvent.objects.count() == count


# --- Review ---------------------------------------------------------------------------------


def test_a_supervisor_reviews_once(cast, supervisor):
    _glass(cast, cast.colleague)
    use = BreakGlassUse.objects.get()
    reviewer = actor_for_user(supervisor)
    assert [u.pk for u in review_queue(reviewer)] == [use.pk]
    review_break_glass(reviewer, use_id=use.pk, justified=True, note="Bridge call, confirmed")
    use.refresh_from_db()
    assert (use.justified, use.reviewed_by_id) == (True, supervisor.pk)
    event = AuditEvent.objects.get(action=AuditAction.BREAK_GLASS_REVIEWED)
    after = event.after or {}
    assert audit.is_digest(after["review_note"])
    assert after["justified"] is True
    # A repeated submit changes nothing.
    review_break_glass(reviewer, use_id=use.pk, justified=False)
    use.refresh_from_db()
    assert use.justified is True
    assert review_queue(reviewer) == []


@pytest.mark.parametrize("who", ["self", "coordinator", "administrator", "other_org_supervisor"])
def test_review_refused(cast, supervisor, who):
    if who == "self":
        _glass(cast, supervisor)  # a supervisor's own use waits for another supervisor
        reviewer = supervisor
    else:
        _glass(cast, cast.colleague)
        reviewer = {
            "coordinator": cast.member,
            "administrator": cast.admin,
            "other_org_supervisor": _member("other-sup", cast.outsider_org, R.SUPERVISOR),
        }[who]
    use = BreakGlassUse.objects.get()
    actor = actor_for_user(reviewer)
    count = AuditEvent.objects.count()
    with pytest.raises(PermissionDenied):
        review_break_glass(actor, use_id=use.pk, justified=True)
    assert review_queue(actor) == []
    use.refresh_from_db()
    assert use.reviewed_at is None
    assert AuditEvent.objects.count() == count


def test_review_queue_query_count(cast, supervisor, django_assert_num_queries):
    for n in range(5):
        officer = _member(f"officer-{n}", cast.agency, R.OFFICER)
        _glass(cast, officer)
    actor = actor_for_user(supervisor)
    with django_assert_num_queries(1):
        rows = review_queue(actor)
        assert [u.user.username for u in rows] == [f"officer-{n}" for n in range(5)]


# --- Pages: anonymous, wrong role, other organization, allowed ------------------------------

START = "/operate/break-glass/"
END = "/operate/break-glass/end/"
REVIEWS = "/operate/break-glass/reviews/"


def _counts():
    return BreakGlassUse.objects.count(), AuditEvent.objects.count()


def test_start_page_boundaries(cast):
    before = _counts()
    anonymous = cast.client(None).post(START, {"reason": REASON})
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    for user in (cast.member, cast.admin, cast.outsider):
        response = cast.client(user).post(START, {"reason": REASON})
        assert response.status_code == 404
        assert REASON not in response.content.decode()
    assert _counts() == before
    client = cast.client(cast.colleague)
    page = client.get(START)
    assert page.status_code == 200
    assert "a supervisor reviews whether it was justified" in page.content.decode()
    refused = client.post(START, {"organization": cast.agency.pk, "reason": ""})
    assert refused.status_code == 400
    assert "error-summary-heading" in refused.content.decode()
    # Typed input survives a refusal.
    long = "y" * (BreakGlassUse.REASON_MAX_LENGTH + 1)
    kept = client.post(START, {"organization": cast.agency.pk, "reason": long})
    assert kept.status_code == 400 and long in kept.content.decode()
    assert _counts() == before
    # Another organization's id is refused and writes nothing.
    other = client.post(START, {"organization": cast.outsider_org.pk, "reason": REASON})
    assert other.status_code == 400
    assert _counts() == before
    done = client.post(START, {"organization": cast.agency.pk, "reason": REASON})
    assert done.status_code == 302
    assert client.post(START, {"organization": cast.agency.pk, "reason": REASON}).status_code == 302
    assert BreakGlassUse.objects.count() == 1
    home = client.get("/operate/")
    assert "pmhc-break-glass-banner" in home.content.decode()
    assert "End now" in home.content.decode()


def test_end_page_boundaries(cast):
    _glass(cast, cast.colleague)
    before = _counts()
    assert cast.client(None).post(END).status_code == 302
    assert cast.client(cast.member).post(END).status_code == 302  # nothing of theirs to end
    assert cast.client(cast.colleague).get(END).status_code == 405
    assert _counts() == before
    client = cast.client(cast.colleague)
    response = client.post(END, {"next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == "/operate/"
    assert BreakGlassUse.objects.get().ended_at is not None
    assert client.post(END, {"next": "/operate/people/"})["Location"] == "/operate/people/"
    assert "pmhc-break-glass-banner" not in client.get("/operate/").content.decode()


def test_review_page_boundaries(cast, supervisor):
    _glass(cast, cast.colleague)
    use = BreakGlassUse.objects.get()
    form = {"use": use.pk, f"use-{use.pk}-justified": "no", f"use-{use.pk}-note": "Not needed"}
    before = _counts()
    assert cast.client(None).get(REVIEWS).status_code == 302
    other_sup = _member("other-sup", cast.outsider_org, R.SUPERVISOR)
    for user in (cast.colleague, cast.member, cast.admin, other_sup):
        client = cast.client(user)
        page = client.get(REVIEWS)
        assert REASON not in page.content.decode()
        assert page.status_code == (200 if user == other_sup else 404)
        assert client.post(REVIEWS, form).status_code == 404
    assert _counts() == before
    client = cast.client(supervisor)
    page = client.get(REVIEWS)
    assert page.status_code == 200 and REASON in page.content.decode()
    refused = client.post(REVIEWS, {"use": use.pk, f"use-{use.pk}-note": "typed note"})
    assert refused.status_code == 400
    assert "typed note" in refused.content.decode()
    assert f'href="#id_use-{use.pk}-justified"' in refused.content.decode()
    assert _counts() == before
    assert client.post(REVIEWS, form).status_code == 302
    assert client.post(REVIEWS, form).status_code == 302  # a repeated submit
    use.refresh_from_db()
    assert use.justified is False and use.review_note == "Not needed"


def test_navigation_shows_reviews_to_supervisors_only(cast, supervisor):
    assert "Break-glass reviews" in cast.client(supervisor).get("/operate/").content.decode()
    for user in (cast.colleague, cast.admin, cast.member):
        assert "Break-glass reviews" not in cast.client(user).get("/operate/").content.decode()
