"""The organization's administration pages: who may see and change what."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from pmhc.platform import audit, services
from pmhc.platform.access import actor_for_user, system_actor
from pmhc.platform.models import (
    ApiKey,
    AuditAction,
    AuditEvent,
    DataSharingAgreement,
    EmailStatus,
    MemberInvitation,
    Membership,
    OutboundEmail,
    User,
)

PAGES: list[tuple[str, dict[str, object]]] = [
    ("org_detail", {}),
    ("member_list", {}),
    ("agreement_list", {}),
    ("agreement_new", {}),
    ("api_key_list", {}),
    ("audit_list", {}),
    ("audit_export", {}),
    ("email_list", {}),
]


@pytest.mark.parametrize(("name", "extra"), PAGES)
def test_boundary_for_every_admin_page(cast, name, extra):
    url = reverse(name, kwargs={"slug": cast.agency.slug, **extra})
    anonymous = cast.client(None).get(url)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("login"))
    # Wrong role (a coordinator of the same agency) and another organization's administrator
    # get the same 404 as a page that does not exist.
    for user in (cast.member, cast.colleague, cast.partner_user, cast.outsider):
        response = cast.client(user).get(url)
        assert response.status_code == 404, user.username
        assert b"Agency PD" not in response.content
    missing = cast.client(cast.admin).get(reverse(name, kwargs={"slug": "no-such-org", **extra}))
    assert missing.status_code == 404
    allowed = cast.client(cast.admin).get(url)
    assert allowed.status_code == 200


def test_outsider_cannot_add_a_member_and_nothing_is_written(cast):
    url = reverse("member_list", kwargs={"slug": cast.agency.slug})
    memberships, users, events = (
        Membership.objects.count(),
        User.objects.count(),
        AuditEvent.objects.count(),
    )
    response = cast.client(cast.outsider).post(url, {"email": "x@example.org", "role": "officer"})
    assert response.status_code == 404
    assert (Membership.objects.count(), User.objects.count(), AuditEvent.objects.count()) == (
        memberships,
        users,
        events,
    )


@pytest.mark.django_db(transaction=True)
def test_admin_adds_a_new_member_who_gets_an_invitation(cast, django_capture_on_commit_callbacks):
    url = reverse("member_list", kwargs={"slug": cast.agency.slug})
    with django_capture_on_commit_callbacks(execute=True):
        response = cast.client(cast.admin).post(
            url,
            {"email": "New.Officer@Example.org", "first_name": "Nova", "last_name": "Reed",
             "role": "officer", "shift": "Night", "district": "North"},
        )  # fmt: skip
    assert response.status_code == 302
    # Nothing is made until the person acts on the link: they choose their username then.
    assert not User.objects.filter(email__iexact="new.officer@example.org").exists()
    invitation = MemberInvitation.objects.get(organization=cast.agency)
    assert (invitation.email, invitation.role, invitation.shift, invitation.district) == (
        "new.officer@example.org", "officer", "Night", "North"
    )  # fmt: skip
    assert (invitation.first_name, invitation.last_name) == ("Nova", "Reed")
    assert AuditAction.USER_CREATED not in AuditEvent.objects.values_list("action", flat=True)
    message = OutboundEmail.objects.get(purpose="invitation")
    assert message.to == ["new.officer@example.org"]
    # The message is saved first and sent by the background worker.
    call_command("worker", "--batch")
    message.refresh_from_db()
    assert message.status == EmailStatus.SENT
    assert len(mail.outbox) == 1
    assert "/accounts/invitations/" in mail.outbox[0].body


def test_shift_is_dropped_for_roles_without_a_post(cast):
    admin = system_actor("test")
    membership = services.add_member(admin, organization=cast.agency, email="c@example.org",
                                      role="clinician", shift="Day", district="North")  # fmt: skip
    assert (membership.shift, membership.district) == ("", "")


def test_adding_an_existing_member_twice_is_a_clear_error(cast):
    url = reverse("member_list", kwargs={"slug": cast.agency.slug})
    response = cast.client(cast.admin).post(url, {"email": cast.colleague.email, "role": "officer"})
    assert response.status_code == 400
    assert "already a member" in response.content.decode()


def test_admin_cannot_demote_themselves(cast):
    membership = cast.admin.memberships.get()
    url = reverse("member_edit", kwargs={"slug": cast.agency.slug, "pk": membership.pk})
    response = cast.client(cast.admin).post(url, {"role": "officer", "is_active": "on"})
    assert response.status_code == 400
    membership.refresh_from_db()
    assert membership.role == "administrator"


def test_member_edit_of_another_organizations_member_is_404(cast):
    foreign = cast.outsider.memberships.get()
    url = reverse("member_edit", kwargs={"slug": cast.agency.slug, "pk": foreign.pk})
    assert cast.client(cast.admin).get(url).status_code == 404
    own_url = reverse("member_edit", kwargs={"slug": cast.outsider_org.slug, "pk": foreign.pk})
    assert cast.client(cast.admin).get(own_url).status_code == 404


def test_deactivating_a_member_is_its_own_event(cast):
    membership = cast.colleague.memberships.get()
    url = reverse("member_edit", kwargs={"slug": cast.agency.slug, "pk": membership.pk})
    response = cast.client(cast.admin).post(url, {"role": "officer"})
    assert response.status_code == 302
    membership.refresh_from_db()
    assert not membership.is_active
    assert AuditEvent.objects.filter(action=AuditAction.MEMBERSHIP_DEACTIVATED).count() == 1
    assert not actor_for_user(cast.colleague).grants


def test_agreement_with_document_is_stored_privately_and_downloaded_as_attachment(
    cast, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    pdf = SimpleUploadedFile("mou.pdf", b"%PDF-1.4 signed", content_type="application/pdf")
    response = cast.client(cast.admin).post(
        reverse("agreement_new", kwargs={"slug": cast.agency.slug}),
        {"title": "MOU", "partners": [cast.outsider_org.pk], "classifications": ["personal"],
         "purposes": ["active_call"], "effective_on": "2026-01-01", "document": pdf},
    )  # fmt: skip
    assert response.status_code == 302
    agreement = DataSharingAgreement.objects.get(title="MOU")
    assert {p.slug for p in agreement.parties.all()} == {"agency", "outsider"}
    assert agreement.document.name.endswith(".bin")  # stored name reveals nothing
    url = reverse("agreement_document", kwargs={"slug": cast.agency.slug, "pk": agreement.pk})
    download = cast.client(cast.admin).get(url)
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert download["Content-Type"] == "application/pdf"
    assert "sandbox" in download["Content-Security-Policy"]
    assert b"".join(download.streaming_content) == b"%PDF-1.4 signed"
    assert AuditEvent.objects.filter(action=AuditAction.AGREEMENT_DOCUMENT_READ).count() == 1
    # The partner's administrator sees it too; an unrelated one does not.
    other = reverse(
        "agreement_document", kwargs={"slug": cast.outsider_org.slug, "pk": agreement.pk}
    )
    assert cast.client(cast.outsider).get(other).status_code == 200
    assert cast.client(cast.member).get(url).status_code == 404


def test_agreement_rejects_html_disguised_as_pdf(cast, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    fake = SimpleUploadedFile(
        "mou.pdf", b"<script>alert(1)</script>", content_type="application/pdf"
    )
    response = cast.client(cast.admin).post(
        reverse("agreement_new", kwargs={"slug": cast.agency.slug}),
        {"title": "Bad", "partners": [cast.partner.pk], "classifications": ["personal"],
         "purposes": ["active_call"], "effective_on": "2026-01-01", "document": fake},
    )  # fmt: skip
    assert response.status_code == 400
    assert "does not look like a PDF" in response.content.decode()
    assert not DataSharingAgreement.objects.filter(title="Bad").exists()


def test_agreement_dates_must_be_in_order(cast):
    response = cast.client(cast.admin).post(
        reverse("agreement_new", kwargs={"slug": cast.agency.slug}),
        {"title": "Backwards", "partners": [cast.partner.pk], "classifications": ["personal"],
         "purposes": ["active_call"], "effective_on": "2026-05-01", "ends_on": "2026-04-01"},
    )  # fmt: skip
    assert response.status_code == 400
    assert "on or after the effective date" in response.content.decode()


def test_api_key_is_shown_once_and_stored_hashed(cast):
    url = reverse("api_key_list", kwargs={"slug": cast.agency.slug})
    response = cast.client(cast.admin).post(url, {"name": "CAD", "scopes": ["organization:read"]})
    assert response.status_code == 200
    key = ApiKey.objects.get(name="CAD")
    raw = response.context["new_key"]
    assert raw.startswith(f"pmhc_{key.prefix}_")
    assert raw not in key.key_hash
    assert services.hash_api_key(raw) == key.key_hash
    again = cast.client(cast.admin).get(url)
    assert raw not in again.content.decode()


def test_revoking_a_key_of_another_organization_is_404(cast):
    key, _ = services.create_api_key(actor_for_user(cast.outsider), organization=cast.outsider_org,
                                     name="Theirs", scopes=["organization:read"])  # fmt: skip
    url = reverse("api_key_revoke", kwargs={"slug": cast.agency.slug, "pk": key.pk})
    assert cast.client(cast.admin).post(url).status_code == 404
    key.refresh_from_db()
    assert key.is_active


def test_audit_page_filters_and_records_its_own_viewing(cast):
    admin = actor_for_user(cast.admin)
    services.update_organization(admin, organization=cast.agency, name="Agency PD", time_zone="UTC")
    audit.record(AuditAction.RECORD_READ, actor=admin, organization_id=cast.outsider_org.pk)
    url = reverse("audit_list", kwargs={"slug": cast.agency.slug})
    response = cast.client(cast.admin).get(url, {"action": AuditAction.ORGANIZATION_CHANGED})
    assert response.status_code == 200
    events = list(response.context["page"])
    assert [e.action for e in events] == [AuditAction.ORGANIZATION_CHANGED]
    viewed = AuditEvent.objects.filter(action=AuditAction.AUDIT_VIEWED).get()
    assert "organization.changed" in viewed.detail
    # Another organization's events never show.
    everything = cast.client(cast.admin).get(url).context["page"]
    assert all(e.organization_id == cast.agency.pk for e in everything)


def test_audit_csv_export_neutralises_formulas(cast):
    audit.record(AuditAction.RECORD_READ, actor=actor_for_user(cast.admin),
                 organization_id=cast.agency.pk, detail="=HYPERLINK(\"http://x\")")  # fmt: skip
    url = reverse("audit_export", kwargs={"slug": cast.agency.slug})
    response = cast.client(cast.admin).get(url)
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode()
    assert body.splitlines()[0].startswith("sequence,occurred_at_utc")
    assert "'=HYPERLINK" in body
    assert AuditEvent.objects.filter(action=AuditAction.AUDIT_EXPORTED).count() == 1


def test_admin_list_pages_use_a_fixed_number_of_queries(cast, django_assert_max_num_queries):
    admin = system_actor("test")
    for i in range(15):
        services.add_member(
            admin, organization=cast.agency, email=f"m{i}@example.org", role="officer"
        )
    client = cast.client(cast.admin)
    url = reverse("member_list", kwargs={"slug": cast.agency.slug})
    with django_assert_max_num_queries(12):
        assert client.get(url).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_mail_failure_is_kept_and_retried(cast, settings, django_capture_on_commit_callbacks):
    """A mail-server outage delays a message but never loses it."""
    settings.EMAIL_BACKEND = "pmhc.platform.tests.failing_mail.Backend"
    admin = actor_for_user(cast.admin)
    message = services.queue_email(admin, to=["x@example.org"], subject="Hello", body="Body")
    call_command("worker", "--batch")
    message.refresh_from_db()
    assert message.status == EmailStatus.RETRYING
    assert message.attempts == 1
    assert "outage" in message.last_error
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    services.deliver_email(message_id=message.pk)
    message.refresh_from_db()
    assert message.status == EmailStatus.SENT
    assert message.attempts == 2
    assert [m.subject for m in mail.outbox] == ["Hello"]


def test_failed_email_is_listed_and_can_be_sent_again(cast, django_capture_on_commit_callbacks):
    admin = actor_for_user(cast.admin)
    message = services.queue_email(admin, organization=cast.agency, to=["x@example.org"],
                                   subject="Invitation", body="Body")  # fmt: skip
    OutboundEmail.objects.filter(pk=message.pk).update(
        status=EmailStatus.FAILED, attempts=5, last_error="ConnectionRefusedError: outage"
    )
    url = reverse("email_list", kwargs={"slug": cast.agency.slug})
    for user in (cast.member, cast.outsider):
        assert cast.client(user).get(url).status_code == 404
    page = cast.client(cast.admin).get(url, {"status": "failed"})
    assert page.status_code == 200
    assert "ConnectionRefusedError: outage" in page.content.decode()
    retry = reverse("email_retry", kwargs={"slug": cast.agency.slug, "pk": message.pk})
    assert cast.client(cast.outsider).post(retry).status_code == 404
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert cast.client(cast.admin).post(retry).status_code == 302
    message.refresh_from_db()
    assert (message.status, message.attempts) == (EmailStatus.QUEUED, 0)
    assert len(callbacks) == 1  # handed to the worker once the change commits


@pytest.mark.django_db(transaction=True)
def test_sent_mail_keeps_no_body_and_the_list_shortens_addresses(cast, settings):
    """Bodies may carry private links; addresses are personal: neither lingers on the page."""
    admin = actor_for_user(cast.admin)
    message = services.queue_email(
        admin,
        organization=cast.agency,
        to=["sam.person@example.org"],
        subject="Your link",
        body="https://pmhc.example/secret-token",
    )
    call_command("worker", "--batch")
    message.refresh_from_db()
    assert message.status == EmailStatus.SENT
    assert message.body == ""
    assert "secret-token" in mail.outbox[0].body
    page = cast.client(cast.admin).get(reverse("email_list", kwargs={"slug": cast.agency.slug}))
    text = page.content.decode()
    assert "s…@example.org" in text
    assert "sam.person@example.org" not in text
