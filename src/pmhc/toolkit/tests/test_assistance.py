"""Technical assistance: the public request, the TTA staff's queue and steps, reminders and
escalation, the SLA board, the chart helper and the demo."""

from __future__ import annotations

import datetime as dt
import random
import re
from dataclasses import dataclass
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from pmhc.platform import audit
from pmhc.platform.access import ANONYMOUS, actor_for_user, system_actor
from pmhc.platform.models import (
    AuditEvent,
    Organization,
    OrganizationKind,
    OutboundEmail,
    Role,
    User,
)
from pmhc.platform.tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from pmhc.platform.timefmt import in_zone
from pmhc.toolkit import charts
from pmhc.toolkit.audit_codes import ToolkitAudit
from pmhc.toolkit.models import LearningSite, TANote, TARequest, TAStatus
from pmhc.toolkit.references import token_hash
from pmhc.toolkit.selectors import assistance as selectors
from pmhc.toolkit.services import assistance as services
from pmhc.toolkit.services import deadlines

REFERENCE = re.compile(r"TA-\d{4}-\d{6}")


@dataclass
class TTA:
    org: Organization
    other_org: Organization
    staff: User
    staff2: User
    other_staff: User  # TTA staff of another TTA provider


@pytest.fixture
def tta(cast, settings) -> TTA:
    org = OrganizationFactory.create(
        slug="tta", name="Example TA Center", kind=OrganizationKind.TTA_PROVIDER
    )
    other = OrganizationFactory.create(
        slug="other-tta", name="Other TA Center", kind=OrganizationKind.TTA_PROVIDER
    )
    settings.TTA_ORGANIZATION = "tta"

    def person(username: str, organization: Organization) -> User:
        user = UserFactory.create(username=username, first_name=username.title())
        MembershipFactory.create(user=user, organization=organization, role=Role.TTA_STAFF)
        return user

    return TTA(org, other, person("staff", org), person("staff2", org), person("elsewhere", other))


def site(**extra) -> LearningSite:
    return LearningSite.objects.create(
        **{"agency": "Synthetic Learning Site PD", "city": "Testville", "state": "TX", **extra}
    )


FORM: dict[str, Any] = {
    "jurisdiction_name": "Testville",
    "jurisdiction_type": "city",
    "state": "TX",
    "contact_name": "Robin Example",
    "contact_title": "CIT coordinator",
    "agency": "Testville Police Department",
    "email": "robin@example.org",
    "phone": "(555) 010-0199",
    "address": "1 Main St",
    "description": "We want to start a co-responder team.",
    "issues": "Night shift coverage",
    "steps_taken": "Planning committee formed",
    "federal_grantee": "on",
    "program_types": ["co-responder", "cit"],
    "preferred_help": ["site_visit"],
    "consent_to_contact": "on",
    "website": "",
}

DATA: dict[str, Any] = {
    "jurisdiction_name": "Testville",
    "jurisdiction_type": "city",
    "state": "TX",
    "contact_name": "Robin Example",
    "agency": "Testville Police Department",
    "email": "robin@example.org",
    "description": "We want to start a co-responder team.",
    "consent_to_contact": True,
}


def submit(**extra) -> TARequest:
    ta_request, _token = services.submit_request(ANONYMOUS, **{**DATA, **extra})
    return ta_request


def staff_client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- The public form ------------------------------------------------------------------------


def test_form_states_the_promise_and_prefills_the_site(tta):
    chosen = site()
    response = Client().get(reverse("ta_request") + f"?site={chosen.pk}")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Confirmed within 36 hours" in html
    assert f'<option value="{chosen.pk}" selected>' in html
    # The honeypot is hidden by a class (not usa-sr-only), out of the tab order, not autofilled.
    assert re.search(r'<div class="pmhc-honeypot">\s*<div class="usa-form-group">', html)
    assert 'name="website"' in html
    assert 'tabindex="-1"' in html and 'autocomplete="off"' in html
    assert "Leave this empty" in html


def test_inactive_or_unknown_site_is_not_prefilled(tta):
    closed = site(is_active=False)
    html = Client().get(reverse("ta_request") + f"?site={closed.pk}").content.decode()
    assert f'value="{closed.pk}"' not in html
    assert Client().get(reverse("ta_request") + "?site=abc").status_code == 200


def test_without_a_handling_organization_no_form_is_shown(db):
    response = Client().get(reverse("ta_request"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Requests cannot be taken right now" in html
    assert '<form method="post"' not in html
    with pytest.raises(services.RequestsUnavailable):
        submit()


def test_submit_saves_audits_mails_and_shows_the_reference(tta, django_capture_on_commit_callbacks):
    client = Client()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(reverse("ta_request"), FORM)
    assert response.status_code == 302
    ta_request = TARequest.objects.get()
    assert REFERENCE.fullmatch(ta_request.reference)
    assert ta_request.status == TAStatus.RECEIVED
    assert ta_request.handled_by == tta.org
    assert ta_request.program_types == ["cit", "co-responder"]  # in the choices' order
    assert ta_request.preferred_help == ["site_visit"]
    assert ta_request.federal_grantee and ta_request.consent_to_contact
    # The link carries the token; only its hash is stored.
    token = response["Location"].rstrip("/").rsplit("/", 1)[1]
    assert ta_request.status_token_hash == token_hash(token)
    assert token not in ta_request.status_token_hash
    # The audit event holds no personal data.
    event = AuditEvent.objects.get(action=ToolkitAudit.TA_RECEIVED)
    assert event.after == {
        "reference": ta_request.reference,
        "state": "TX",
        "jurisdiction_type": "city",
    }
    assert event.client_ip == "127.0.0.1"
    assert event.organization_id == tta.org.pk
    # The e-mail is saved with the reference and the private link; the deadline checks are
    # queued (two) besides the e-mail (one).
    message = OutboundEmail.objects.get(purpose="ta_received")
    assert message.to == ["robin@example.org"]
    assert ta_request.reference in message.subject
    assert f"http://testserver/assistance/status/{token}/" in message.body
    assert len(callbacks) == 3
    # The confirmation page: reference, private link, current status.
    page = client.get(response["Location"])
    html = page.content.decode()
    assert ta_request.reference in html
    assert "Thank you: we received your request" in html
    assert f"http://testserver/assistance/status/{token}/" in html
    assert page["Referrer-Policy"] == "strict-origin"
    assert page["Cache-Control"] == "no-store"
    # Seen again later, the thank-you is gone but the status stays.
    again = client.get(response["Location"]).content.decode()
    assert "Thank you" not in again and ta_request.reference in again


def test_clear_messages_and_nothing_saved_when_the_form_is_incomplete(tta):
    response = Client().post(
        reverse("ta_request"),
        {**FORM, "consent_to_contact": "", "email": "robin@", "phone": "12", "description": ""},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Tick this box to let us contact you" in html
    assert "Enter an e-mail address in the form name@agency.gov." in html
    assert "Enter a phone number with at least 7 digits" in html
    assert "Describe what you need, so we can find the right help." in html
    empty = Client().post(reverse("ta_request"), {}).content.decode()
    assert "Enter the name of your jurisdiction." in empty
    assert "Choose the type of jurisdiction." in empty
    assert "Choose the state your jurisdiction is in." in empty
    assert "Enter your name so we know whom to contact." in empty
    assert not TARequest.objects.exists()
    assert not OutboundEmail.objects.exists()


def test_honeypot_refuses_and_shows_the_field_so_a_person_can_empty_it(tta):
    response = Client().post(reverse("ta_request"), {**FORM, "website": "http://spam.example"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "This field catches automated spam: please empty it." in html
    assert 'class="pmhc-honeypot"' not in html
    assert not TARequest.objects.exists()
    assert not AuditEvent.objects.filter(action=ToolkitAudit.TA_RECEIVED).exists()


def test_rate_limit_per_client_address(tta, settings):
    settings.TA_REQUEST_LIMIT_PER_HOUR = 3
    client = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(3):
        assert client.post(reverse("ta_request"), FORM).status_code == 302
    blocked = client.post(reverse("ta_request"), FORM)
    assert blocked.status_code == 429
    html = blocked.content.decode()
    assert "Too many requests from your network" in html
    assert "We accept up to 3 requests an hour" in html
    assert 'value="Testville"' in html  # the answers are kept
    assert TARequest.objects.count() == 3
    # Another address is not held back.
    assert Client(REMOTE_ADDR="203.0.113.8").post(reverse("ta_request"), FORM).status_code == 302


def test_status_page_shows_status_and_history_but_no_notes(tta):
    ta_request, token = services.submit_request(ANONYMOUS, **DATA)
    actor = actor_for_user(tta.staff)
    services.add_note(actor, ta_request=ta_request, text="Private staff remark")
    services.confirm_request(actor, ta_request=ta_request)
    services.assign_request(actor, ta_request=ta_request, assignee=tta.staff2)
    response = Client().get(reverse("ta_status", kwargs={"token": token}))
    html = response.content.decode()
    assert "Current status: Confirmed" in html
    assert "Private staff remark" not in html
    assert "robin@example.org" not in html  # contact details only right after sending
    assert [s.status for s in selectors.status_history(ta_request)] == ["received", "confirmed"]
    assert Client().get(reverse("ta_status", kwargs={"token": "nope"})).status_code == 404


# --- The staff's pages: the boundary --------------------------------------------------------

STAFF_PAGES = ["ta_queue", "ta_sla"]


@pytest.mark.parametrize("name", STAFF_PAGES)
def test_boundary_of_the_queue_and_sla_board(cast, tta, name):
    ta_request = submit()
    url = reverse(name)
    anonymous = Client().get(url)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("login"))
    for user in (cast.member, cast.colleague, cast.admin):
        assert staff_client(user).get(url).status_code == 404, user.username
    # TTA staff of another provider see their own (empty) work, never this request.
    other = staff_client(tta.other_staff).get(url)
    assert ta_request.reference not in other.content.decode()
    allowed = staff_client(tta.staff).get(url)
    assert allowed.status_code == 200
    if name == "ta_queue":
        assert ta_request.reference in allowed.content.decode()


def test_boundary_of_the_request_page(cast, tta):
    ta_request = submit()
    url = reverse("ta_detail", kwargs={"reference": ta_request.reference})
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("login"))
    before = AuditEvent.objects.count()
    for user in (cast.member, cast.colleague, cast.admin, tta.other_staff):
        response = staff_client(user).get(url)
        assert response.status_code == 404, user.username
        assert b"robin@example.org" not in response.content
    assert AuditEvent.objects.count() == before  # nothing read, nothing recorded
    allowed = staff_client(tta.staff).get(url)
    assert allowed.status_code == 200
    assert "robin@example.org" in allowed.content.decode()
    read = AuditEvent.objects.get(action=ToolkitAudit.TA_READ)
    assert (read.actor_id, read.object_id) == (tta.staff.pk, str(ta_request.pk))
    missing = reverse("ta_detail", kwargs={"reference": "TA-2000-000001"})
    assert staff_client(tta.staff).get(missing).status_code == 404


@pytest.mark.parametrize(
    ("step", "data"),
    [
        ("confirm", {}),
        ("assign", {"assignee": ""}),
        ("decline", {"reason": "No"}),
        ("note", {"text": "Hello"}),
    ],
)
def test_other_providers_and_other_roles_cannot_act_and_nothing_is_written(cast, tta, step, data):
    ta_request = submit()
    url = reverse("ta_action", kwargs={"reference": ta_request.reference, "step": step})
    counts = (AuditEvent.objects.count(), OutboundEmail.objects.count(), TANote.objects.count())
    assert Client().post(url, data).status_code == 302  # to the sign-in page
    for user in (cast.member, cast.colleague, tta.other_staff):
        assert staff_client(user).post(url, data).status_code == 404, user.username
    assert (
        AuditEvent.objects.count(),
        OutboundEmail.objects.count(),
        TANote.objects.count(),
    ) == counts
    ta_request.refresh_from_db()
    assert ta_request.status == TAStatus.RECEIVED and ta_request.assigned_to is None
    # The services refuse too, whoever calls them.
    with pytest.raises(PermissionDenied):
        services.confirm_request(actor_for_user(tta.other_staff), ta_request=ta_request)


def test_actions_need_post(tta):
    ta_request = submit()
    url = reverse("ta_action", kwargs={"reference": ta_request.reference, "step": "confirm"})
    assert staff_client(tta.staff).get(url).status_code == 405
    unknown = reverse("ta_action", kwargs={"reference": ta_request.reference, "step": "erase"})
    assert staff_client(tta.staff).post(unknown).status_code == 404


# --- The staff's steps ----------------------------------------------------------------------


def _step(client: Client, ta_request: TARequest, step: str, data: dict[str, object] | None = None):
    url = reverse("ta_action", kwargs={"reference": ta_request.reference, "step": step})
    return client.post(url, data or {})


def test_the_whole_path_tells_the_requester_at_each_step(tta):
    ta_request = submit()
    learning_site = site()
    client = staff_client(tta.staff)
    day = timezone.localdate() + dt.timedelta(days=10)
    steps: list[tuple[str, dict[str, object], TAStatus]] = [
        ("confirm", {}, TAStatus.CONFIRMED),
        ("match", {"site": learning_site.pk}, TAStatus.MATCHED),
        ("schedule", {"scheduled_for": day.isoformat()}, TAStatus.SCHEDULED),
        ("complete", {}, TAStatus.COMPLETED),
    ]
    for step, data, status in steps:
        response = _step(client, ta_request, step, data)
        assert response.status_code == 302, response.content.decode()
        ta_request.refresh_from_db()
        assert ta_request.status == status
        message = OutboundEmail.objects.filter(purpose=f"ta_{status}").get()
        assert message.to == ["robin@example.org"]
        assert ta_request.reference in message.subject
    assert ta_request.confirmed_at is not None and ta_request.completed_at is not None
    assert ta_request.matched_site == learning_site and ta_request.scheduled_for == day
    changes = list(AuditEvent.objects.filter(action=ToolkitAudit.TA_CHANGED).order_by("sequence"))
    assert [((e.before or {})["status"], (e.after or {})["status"]) for e in changes] == [
        ("received", "confirmed"),
        ("confirmed", "matched"),
        ("matched", "scheduled"),
        ("scheduled", "completed"),
    ]
    assert all(e.actor_id == tta.staff.pk for e in changes)
    assert set(changes[0].after or {}) == {*services.CHANGE_FIELDS, "status_changed_at"}
    assert "Testville" in OutboundEmail.objects.get(purpose="ta_matched").body
    history = [s.status for s in selectors.status_history(ta_request)]
    assert history == ["received", "confirmed", "matched", "scheduled", "completed"]


def test_transitions_out_of_order_are_refused_with_a_reason(tta):
    ta_request = submit()
    client = staff_client(tta.staff)
    response = _step(client, ta_request, "complete")
    assert response.status_code == 400
    assert "A request that is “Received” cannot become “Completed”." in response.content.decode()
    response = _step(client, ta_request, "match", {"site": site().pk})
    assert response.status_code == 400
    ta_request.refresh_from_db()
    assert ta_request.status == TAStatus.RECEIVED
    assert not AuditEvent.objects.filter(action=ToolkitAudit.TA_CHANGED).exists()
    # Past dates are refused when scheduling.
    actor = actor_for_user(tta.staff)
    services.confirm_request(actor, ta_request=ta_request)
    services.match_request(actor, ta_request=ta_request, site=site())
    response = _step(client, ta_request, "schedule", {"scheduled_for": "2001-01-01"})
    assert response.status_code == 400
    assert "Choose a date from today on." in response.content.decode()


def test_decline_needs_a_reason_and_works_from_any_open_state(tta):
    client = staff_client(tta.staff)
    ta_request = submit()
    response = _step(client, ta_request, "decline", {"reason": "  "})
    assert response.status_code == 400
    assert "Give the reason; the requester will read it." in response.content.decode()
    with pytest.raises(ValidationError):
        services.decline_request(actor_for_user(tta.staff), ta_request=ta_request, reason="")
    actor = actor_for_user(tta.staff)
    services.confirm_request(actor, ta_request=ta_request)
    services.match_request(actor, ta_request=ta_request, site=site())
    assert _step(client, ta_request, "decline", {"reason": "Out of scope"}).status_code == 302
    ta_request.refresh_from_db()
    assert (ta_request.status, ta_request.declined_reason) == ("declined", "Out of scope")
    assert "Out of scope" in OutboundEmail.objects.get(purpose="ta_declined").body
    # A closed request cannot be declined again, nor completed.
    assert _step(client, ta_request, "decline", {"reason": "Again"}).status_code == 400
    assert _step(client, ta_request, "complete").status_code == 400


def test_assignment_only_to_the_organizations_tta_staff(cast, tta):
    ta_request = submit()
    client = staff_client(tta.staff)
    for outsider in (tta.other_staff, cast.colleague):
        response = _step(client, ta_request, "assign", {"assignee": outsider.pk})
        assert response.status_code == 400
        assert "Choose a member of the TTA staff." in response.content.decode()
    with pytest.raises(ValidationError):
        services.assign_request(
            actor_for_user(tta.staff), ta_request=ta_request, assignee=tta.other_staff
        )
    assert _step(client, ta_request, "assign", {"assignee": tta.staff2.pk}).status_code == 302
    ta_request.refresh_from_db()
    assert ta_request.assigned_to == tta.staff2
    message = OutboundEmail.objects.get(purpose="ta_assigned")
    assert message.to == [tta.staff2.email]
    event = AuditEvent.objects.get(action=ToolkitAudit.TA_CHANGED)
    before, after = event.before or {}, event.after or {}
    assert (before["assigned_to"], after["assigned_to"]) == (None, tta.staff2.pk)
    assert ta_request.status == TAStatus.RECEIVED  # assignment is not a status step


def test_notes_are_audited_and_shown_to_staff(tta):
    ta_request = submit()
    client = staff_client(tta.staff)
    assert _step(client, ta_request, "note", {"text": ""}).status_code == 400
    assert _step(client, ta_request, "note", {"text": "Called them back"}).status_code == 302
    note = TANote.objects.get()
    assert (note.author, note.text) == (tta.staff, "Called them back")
    event = AuditEvent.objects.get(action=ToolkitAudit.TA_NOTE_ADDED)
    assert event.after == {"note": note.pk, "length": len("Called them back")}
    page = client.get(reverse("ta_detail", kwargs={"reference": ta_request.reference}))
    assert "Called them back" in page.content.decode()


def test_only_the_system_may_backdate(tta):
    with pytest.raises(PermissionDenied):
        submit(received_at=timezone.now() - dt.timedelta(days=3))
    ta_request = submit()
    with pytest.raises(PermissionDenied):
        services.confirm_request(
            actor_for_user(tta.staff), ta_request=ta_request, at=timezone.now()
        )


def test_queue_filters_and_flags_overdue(tta, django_assert_max_num_queries):
    system = system_actor("test")
    now = timezone.now()
    late = services.submit_request(system, **DATA, received_at=now - dt.timedelta(hours=40))[0]
    fresh = services.submit_request(system, **DATA, received_at=now - dt.timedelta(hours=2))[0]
    done = services.submit_request(system, **DATA, received_at=now - dt.timedelta(hours=50))[0]
    services.assign_request(system, ta_request=fresh, assignee=tta.staff)
    services.confirm_request(system, ta_request=done, at=now - dt.timedelta(hours=45))
    services.decline_request(system, ta_request=done, reason="Duplicate")
    actor = actor_for_user(tta.staff)
    rows = selectors.queue(actor)
    assert [r.request for r in rows] == [late, fresh]  # open, oldest first
    assert [r.overdue for r in rows] == [True, False]
    assert [r.request for r in selectors.queue(actor, show="overdue")] == [late]
    assert [r.request for r in selectors.queue(actor, show="mine")] == [fresh]
    assert [r.request for r in selectors.queue(actor, show="declined")] == [done]
    assert len(selectors.queue(actor, show="all")) == 3
    client = staff_client(tta.staff)
    with django_assert_max_num_queries(12):
        html = client.get(reverse("ta_queue")).content.decode()
    assert "Overdue" in html and late.reference in html and done.reference not in html


# --- Reminders and escalation ---------------------------------------------------------------


def test_reminder_at_24h_and_escalation_at_36h_once_each(tta):
    system = system_actor("test")
    start = timezone.now() - dt.timedelta(hours=1)
    assigned = services.submit_request(system, **DATA, received_at=start)[0]
    services.assign_request(system, ta_request=assigned, assignee=tta.staff2)
    unassigned = services.submit_request(system, **DATA, received_at=start)[0]
    confirmed = services.submit_request(system, **DATA, received_at=start)[0]
    services.confirm_request(system, ta_request=confirmed, at=start + dt.timedelta(hours=3))

    def sent(purpose: str) -> list[list[str]]:
        return [m.to for m in OutboundEmail.objects.filter(purpose=purpose).order_by("pk")]

    assert deadlines.send_due_reminders(now=start + dt.timedelta(hours=23)).reminded == []
    run = deadlines.send_due_reminders(now=start + dt.timedelta(hours=25))
    assert set(run.reminded) == {assigned.reference, unassigned.reference}
    both = sorted([tta.staff.email, tta.staff2.email])
    assert sorted(sent("ta_reminder")) == sorted([[tta.staff2.email], both])
    # Again at 25 h and 30 h: nothing new.
    assert deadlines.send_due_reminders(now=start + dt.timedelta(hours=30)).reminded == []
    run = deadlines.send_due_reminders(now=start + dt.timedelta(hours=37))
    assert set(run.escalated) == {assigned.reference, unassigned.reference}
    assert sent("ta_escalated") == [both, both]
    again = deadlines.send_due_reminders(now=start + dt.timedelta(hours=48))
    assert (again.reminded, again.escalated) == ([], [])
    assert len(sent("ta_reminder")) == 2 and len(sent("ta_escalated")) == 2
    assigned.refresh_from_db()
    assert assigned.reminder_sent_at is not None and assigned.escalated_at is not None
    confirmed.refresh_from_db()
    assert confirmed.reminder_sent_at is None and confirmed.escalated_at is None
    assert AuditEvent.objects.filter(action=ToolkitAudit.TA_REMINDED).count() == 2
    assert AuditEvent.objects.filter(action=ToolkitAudit.TA_ESCALATED).count() == 2
    with pytest.raises(PermissionDenied):
        deadlines.send_due_reminders(actor_for_user(tta.staff))


def test_a_request_found_late_is_escalated_without_a_reminder_too(tta):
    system = system_actor("test")
    start = timezone.now() - dt.timedelta(hours=1)
    services.submit_request(system, **DATA, received_at=start)
    run = deadlines.send_due_reminders(now=start + dt.timedelta(hours=40))
    assert (len(run.reminded), len(run.escalated)) == (0, 1)
    assert not OutboundEmail.objects.filter(purpose="ta_reminder").exists()
    # Staff read times on their own clock, not in UTC.
    alert = OutboundEmail.objects.get(purpose="ta_escalated")
    zone = tta.org.time_zone
    assert in_zone(start, zone) in alert.body
    assert " UTC" not in alert.body or zone == "UTC"


@pytest.mark.django_db(transaction=True)
def test_the_worker_reminds_and_escalates_when_the_clock_moves(tta, monkeypatch):
    real_now = timezone.now
    start = real_now()
    submit()
    call_command("worker", "--batch")  # sends the receipt; the checks are not due yet
    assert [m.subject for m in mail.outbox] == [
        f"We received your request for technical assistance ({TARequest.objects.get()})"
    ]

    def move(hours: float) -> None:
        monkeypatch.setattr(timezone, "now", lambda: start + dt.timedelta(hours=hours))

    move(25)
    call_command("worker", "--batch")
    reminders = [m for m in mail.outbox if m.subject.startswith("Reminder:")]
    assert len(reminders) == 1
    assert sorted(reminders[0].to) == sorted([tta.staff.email, tta.staff2.email])
    move(37)
    call_command("worker", "--batch")
    assert len([m for m in mail.outbox if m.subject.startswith("Overdue:")]) == 1
    count = len(mail.outbox)
    move(60)
    call_command("worker", "--batch")  # nothing due, nothing new
    assert deadlines.send_due_reminders() == deadlines.ReminderRun()
    call_command("worker", "--batch")
    assert len(mail.outbox) == count


# --- The SLA board --------------------------------------------------------------------------


def test_sla_figures_against_a_hand_made_set(tta):
    now = timezone.now()

    def made(hours_ago: float, confirmed_after: float | None = None, **extra) -> TARequest:
        received = now - dt.timedelta(hours=hours_ago)
        number = TARequest.objects.count() + 1
        fields = {
            "reference": f"TA-2026-{number:06d}",
            "status_token_hash": f"{number:064d}",
            "handled_by": tta.org,
            "jurisdiction_name": "X",
            "jurisdiction_type": "city",
            "contact_name": "Y",
            "agency": "Z",
            "email": "y@example.org",
            "description": "d",
            "received_at": received,
            "status": TAStatus.RECEIVED,
        }
        if confirmed_after is not None:
            fields["confirmed_at"] = received + dt.timedelta(hours=confirmed_after)
            fields["status"] = TAStatus.CONFIRMED
        return TARequest.objects.create(**{**fields, **extra})

    made(100, 10, state="TX", program_types=["cit"])  # in time
    made(90, 30, state="TX", program_types=["cit", "co-responder"])  # in time
    made(80, 50, state="OH")  # late
    made(5, 2, state="OH", program_types=["mobile-crisis"])  # in time, recent
    overdue = made(40, state="AZ", program_types=["cit"])  # overdue
    made(10, state="TX")  # deadline not reached: not counted yet
    made(100, state="ME", status=TAStatus.DECLINED, declined_reason="dup")  # left out
    made(100, 100, state="CA", handled_by=tta.other_org)  # another provider's

    board = selectors.sla_board(actor_for_user(tta.staff), now=now)
    # Counted: 4 confirmed + 1 overdue; in time: 10 h, 30 h and 2 h.
    assert (board.total, board.counted, board.on_time, board.confirmed) == (7, 5, 3, 4)
    assert board.share == pytest.approx(60)
    assert board.median_hours == pytest.approx(20)  # median of 10, 30, 50 and 2
    assert board.declined_unconfirmed == 1
    assert [r.request for r in board.overdue] == [overdue]
    assert board.by_state == [
        ("TX", "Texas", 3),
        ("OH", "Ohio", 2),
        ("AZ", "Arizona", 1),
        ("ME", "Maine", 1),
    ]
    assert board.by_topic == [
        ("Crisis Intervention Team (CIT)", 3),
        ("Co-responder team", 1),
        ("Mobile crisis team", 1),
        ("None chosen", 3),
    ]
    # A period narrows everything.
    recent = selectors.sla_board(actor_for_user(tta.staff), now=now, days=1)
    assert (recent.total, recent.counted, recent.on_time) == (2, 1, 1)
    # The page shows the figures, with a chart and a table for each breakdown.
    html = staff_client(tta.staff).get(reverse("ta_sla")).content.decode()
    assert '<p class="pmhc-figure" data-testid="sla-share">60%</p>' in html
    assert '<p class="pmhc-figure" data-testid="sla-median">20.0 h</p>' in html
    assert html.count('<svg class="pmhc-chart"') == 2
    assert 'id="state-caption"' in html and 'id="topic-caption"' in html
    assert overdue.reference in html


def test_sla_board_with_no_requests(tta):
    board = selectors.sla_board(actor_for_user(tta.staff))
    assert board.share is None and board.median_hours is None
    assert staff_client(tta.staff).get(reverse("ta_sla")).status_code == 200


# --- Charts ---------------------------------------------------------------------------------


def test_bar_chart_is_labelled_scaled_and_escaped():
    svg = str(charts.bar_chart([("<b>Texas</b>", 4), ("Ohio", 2)], label="Requests by state"))
    assert svg.startswith("<svg") and 'role="img"' in svg
    assert 'aria-label="Requests by state"' in svg and "<title>Requests by state</title>" in svg
    assert "&lt;b&gt;Texas&lt;/b&gt;" in svg and "<b>" not in svg
    widths = [float(w) for w in re.findall(r'<rect[^>]* width="([\d.]+)"', svg)]
    assert widths[0] == pytest.approx(2 * widths[1])
    assert "style=" not in svg
    share = str(charts.bar_chart([("A", 50)], label="x", unit="%", max_value=100))
    assert ">50%<" in share
    assert "No data yet." in str(charts.bar_chart([], label="Empty"))


# --- Demo -----------------------------------------------------------------------------------


def test_demo_queue_is_synthetic_varied_and_verifiable(db):
    from pmhc.demo import generator
    from pmhc.toolkit import demo_assistance

    LearningSite.objects.create(agency="Synthetic Site PD", state="TX")
    ctx = generator.DemoContext(
        seed=7,
        scale=1,
        password="x",
        rng=random.Random(7),
        actor=system_actor("pmhc demo loader"),
        today=timezone.localdate(),
        log=lambda _line: None,
    )
    generator.step_organizations(ctx)
    generator.step_users(ctx)
    demo_assistance.step(ctx)
    requests = list(TARequest.objects.all())
    assert len(requests) == len(demo_assistance.SCENARIOS)
    assert all(r.email.endswith("@example.org") for r in requests)
    assert all("(synthetic)" in r.contact_name and "(synthetic)" in r.agency for r in requests)
    statuses = {r.status for r in requests}
    assert statuses == set(TAStatus.values)
    board = selectors.sla_board(actor_for_user(ctx.users["tta_staff"]))
    assert board.overdue and 0 < board.on_time < board.counted
    escalated = [r for r in requests if r.escalated_at]
    assert escalated
    for r in escalated:  # never confirmed, or confirmed after the 36 hours
        assert r.confirmed_at is None or r.confirmed_at - r.received_at > dt.timedelta(hours=36)
    assert any(r.reminder_sent_at and not r.escalated_at for r in requests)
    assert TANote.objects.exists()
    assert audit.verify().ok


def test_help_by_email_or_call_completes_without_a_site_or_date(tta):
    ta_request = submit()
    actor = actor_for_user(tta.staff)
    services.confirm_request(actor, ta_request=ta_request)
    services.complete_request(actor, ta_request=ta_request)
    ta_request.refresh_from_db()
    assert ta_request.status == TAStatus.COMPLETED
    assert ta_request.matched_site is None and ta_request.scheduled_for is None
