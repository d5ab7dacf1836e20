"""Changing how an account signs in, or where its mail goes, takes the password and a current
code, not just a signed-in session; each change is audited and e-mailed to the owner."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from pmhc.conftest import PASSWORD
from pmhc.platform import account_services
from pmhc.platform.models import AuditAction, AuditEvent, OutboundEmail, Outcome


@pytest.fixture(autouse=True)
def _no_otp_pause(settings):
    # django-otp makes a device wait seconds after a wrong code; these tests are about the
    # sign-in throttle and the audit trail, not that pause (test_accounts.py covers it).
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


def code(device: TOTPDevice, step: int = 0) -> str:
    """The code an app shows ``step`` time steps from now (each code works once, and the
    device accepts one step either side)."""
    device.refresh_from_db()
    return f"{totp(device.bin_key, t0=device.t0, step=device.step, drift=step):06d}"


def wrong_code(device: TOTPDevice) -> str:
    valid = {code(device, step) for step in range(-2, 3)}
    return next(c for c in ("000000", "111111", "222222") if c not in valid)


def enroll(client: Client, user, *, name: str = "") -> TOTPDevice:
    """The first authenticator app: the password and a code from the new app."""
    client.get(reverse("two_factor_setup"))
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(
        reverse("two_factor_setup"),
        {"token": code(device), "current_password": PASSWORD, "name": name},
    )
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    return device


def counts(user) -> tuple[int, int, int]:
    return (
        TOTPDevice.objects.filter(user=user).count(),
        AuditEvent.objects.count(),
        OutboundEmail.objects.count(),
    )


def notices(address: str) -> list[OutboundEmail]:
    return list(
        OutboundEmail.objects.filter(purpose="security_notice", to=[address]).order_by("pk")
    )


# --- Removing two-factor sign-in ---------------------------------------------------------------


def test_removal_with_only_the_csrf_token_is_refused_and_writes_nothing(cast):
    """The reported attack: from a signed-in session, one POST took every device away."""
    enroll(cast.client(cast.member), cast.member)
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.member)
    page = client.get(reverse("two_factor_remove"))
    assert page.status_code == 200
    csrf = client.cookies["csrftoken"].value
    before = counts(cast.member)
    response = client.post(reverse("two_factor_remove"), {"csrfmiddlewaretoken": csrf})
    assert response.status_code == 400
    assert counts(cast.member) == before
    assert TOTPDevice.objects.filter(user=cast.member, confirmed=True).count() == 1


def test_removal_with_a_wrong_password_is_refused_counted_and_audited(cast):
    client = cast.client(cast.member)
    device = enroll(client, cast.member)
    response = client.post(
        reverse("two_factor_remove"),
        {"device": device.pk, "current_password": "not-it", "current_code": code(device, 1)},
    )
    assert response.status_code == 400
    assert "That is not your current password" in response.content.decode()
    assert TOTPDevice.objects.filter(pk=device.pk).exists()
    failure = AuditEvent.objects.get(action=AuditAction.LOGIN_FAILED)
    assert (failure.actor_id, failure.outcome) == (cast.member.pk, Outcome.FAILURE)
    assert (failure.object_id, failure.organization_id) == ("member", cast.agency.pk)
    assert "removing two-factor sign-in: wrong password" in failure.detail
    assert not AuditEvent.objects.filter(action=AuditAction.TWO_FACTOR_DISABLED).exists()
    assert not notices(cast.member.email)[1:]  # only the notice of turning it on


def test_removal_with_a_wrong_code_is_refused_counted_and_audited(cast):
    client = cast.client(cast.member)
    device = enroll(client, cast.member)
    response = client.post(
        reverse("two_factor_remove"),
        {"device": device.pk, "current_password": PASSWORD, "current_code": wrong_code(device)},
    )
    assert response.status_code == 400
    assert "That code is not right" in response.content.decode()
    assert TOTPDevice.objects.filter(pk=device.pk).exists()
    assert AuditEvent.objects.filter(
        action=AuditAction.TWO_FACTOR_FAILED, actor_id=cast.member.pk
    ).exists()
    # Counted like a failed sign-in.
    assert AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED, object_id="member").exists()


def test_removal_with_password_and_code_removes_audits_and_tells_the_owner(cast):
    client = cast.client(cast.member)
    device = enroll(client, cast.member, name="Work phone")
    response = client.post(
        reverse("two_factor_remove"),
        {"device": device.pk, "current_password": PASSWORD, "current_code": code(device, 1)},
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=cast.member).exists()
    event = AuditEvent.objects.get(action=AuditAction.TWO_FACTOR_DISABLED)
    assert (event.actor_id, event.organization_id) == (cast.member.pk, cast.agency.pk)
    assert event.after == {"count": 0}  # apps left; their names are digests
    notice = notices(cast.member.email)[-1]
    assert notice.subject == "Two-factor sign-in changed on your pmhc account"
    assert "Two-factor sign-in was turned off" in notice.body
    assert "“Work phone”" in notice.body
    assert "When: " in notice.body
    assert "/accounts/password/reset/" in notice.body  # what to do if it was not them
    assert notice.organization_id == cast.agency.pk


def test_the_errors_are_summarised_at_the_top_with_links_to_the_fields(cast):
    client = cast.client(cast.member)
    enroll(client, cast.member)
    response = client.post(reverse("two_factor_remove"), {})
    text = response.content.decode()
    assert response.status_code == 400
    assert "Nothing was removed" in text
    assert 'href="#id_current_password"' in text
    assert 'href="#id_current_code"' in text
    assert "Enter your current password." in text
    assert text.index("Nothing was removed") < text.index('id="id_current_password"')


def test_failures_count_towards_the_sign_in_throttle(cast, settings):
    settings.LOGIN_FAILURE_LIMIT = 2
    client = cast.client(cast.member)
    device = enroll(client, cast.member)
    for _ in range(2):
        client.post(
            reverse("two_factor_remove"),
            {"device": device.pk, "current_password": "wrong", "current_code": code(device, 1)},
        )
    blocked = client.post(
        reverse("two_factor_remove"),
        {"device": device.pk, "current_password": PASSWORD, "current_code": code(device, 1)},
    )
    assert blocked.status_code == 400
    assert "Too many wrong passwords or codes" in blocked.content.decode()
    assert TOTPDevice.objects.filter(pk=device.pk).exists()
    assert AuditEvent.objects.filter(action=AuditAction.LOGIN_THROTTLED).count() == 1
    # The same count guards signing in.
    fresh = Client()
    refused = fresh.post(reverse("login"), {"username": "member", "password": PASSWORD})
    assert "Too many failed sign-ins" in refused.content.decode()


# --- Enrolling ---------------------------------------------------------------------------------


def test_the_first_app_needs_the_password_too(cast):
    client = cast.client(cast.member)
    client.get(reverse("two_factor_setup"))
    device = TOTPDevice.objects.get(user=cast.member, confirmed=False)
    response = client.post(reverse("two_factor_setup"), {"token": code(device)})
    assert response.status_code == 400
    device.refresh_from_db()
    assert not device.confirmed
    assert not AuditEvent.objects.filter(action=AuditAction.TWO_FACTOR_ENABLED).exists()


def test_a_name_too_long_is_refused_with_the_limit_not_cut_short(cast):
    client = cast.client(cast.member)
    page = client.get(reverse("two_factor_setup")).content.decode()
    assert "Up to 64 characters." in page
    device = TOTPDevice.objects.get(user=cast.member, confirmed=False)
    response = client.post(
        reverse("two_factor_setup"),
        {"token": code(device), "current_password": PASSWORD, "name": "n" * 65},
    )
    assert response.status_code == 400
    assert (
        "Name for this app can be up to 64 characters; you entered 65. Please shorten it."
        in response.content.decode()
    )
    device.refresh_from_db()
    assert not device.confirmed


def test_a_second_app_needs_a_code_from_the_first_and_both_then_work(cast):
    client = cast.client(cast.member)
    first = enroll(client, cast.member, name="Work phone")
    page = client.get(reverse("two_factor_setup"))
    assert "Add an authenticator app" in page.content.decode()
    second = TOTPDevice.objects.get(user=cast.member, confirmed=False)

    # A session alone (the reported attack) is not enough.
    alone = client.post(reverse("two_factor_setup"), {"token": code(second)})
    assert alone.status_code == 400
    # Nor is the password without a code from the app already in use.
    no_code = client.post(
        reverse("two_factor_setup"), {"token": code(second), "current_password": PASSWORD}
    )
    assert no_code.status_code == 400
    wrong = client.post(
        reverse("two_factor_setup"),
        {
            "token": code(second),
            "current_password": PASSWORD,
            "current_code": wrong_code(first),
        },
    )
    assert wrong.status_code == 400
    second.refresh_from_db()
    assert not second.confirmed
    assert AuditEvent.objects.filter(action=AuditAction.TWO_FACTOR_ENABLED).count() == 1

    added = client.post(
        reverse("two_factor_setup"),
        {
            "token": code(second),
            "current_password": PASSWORD,
            "current_code": code(first, 1),
            "name": "Spare phone",
        },
    )
    assert added.status_code == 302
    names = set(TOTPDevice.objects.filter(user=cast.member, confirmed=True).values_list("name"))
    assert names == {("Work phone",), ("Spare phone",)}
    event = AuditEvent.objects.filter(action=AuditAction.TWO_FACTOR_ENABLED).latest("sequence")
    assert event.detail == "another authenticator app added"
    assert event.after == {"count": 2}
    notice = notices(cast.member.email)[-1]
    assert "Another authenticator app, “Spare phone”, was added" in notice.body

    # Signing in with the second app works, and leaves the first one unslowed.
    fresh = Client()
    fresh.post(reverse("login"), {"username": "member", "password": PASSWORD})
    signed_in = fresh.post(reverse("two_factor_verify"), {"token": code(second, 1)})
    assert signed_in.status_code == 302
    first.refresh_from_db()
    assert first.throttling_failure_count == 0


def test_a_qr_code_from_another_session_cannot_be_confirmed(cast):
    """The device confirmed is the one this session showed, never the newest one."""
    client = cast.client(cast.member)
    other = cast.client(cast.member)
    other.get(reverse("two_factor_setup"))
    planted = TOTPDevice.objects.get(user=cast.member, confirmed=False)
    response = client.post(
        reverse("two_factor_setup"), {"token": code(planted), "current_password": PASSWORD}
    )
    assert response.status_code == 400
    assert "no longer in use" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=cast.member, confirmed=True).exists()


# --- Password ----------------------------------------------------------------------------------


def test_password_change_with_a_wrong_current_password_changes_nothing(cast):
    client = cast.client(cast.member)
    new = "a-much-longer-new-passphrase"
    response = client.post(
        reverse("password_change"),
        {"current_password": "wrong", "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 400
    cast.member.refresh_from_db()
    assert cast.member.check_password(PASSWORD)
    assert not AuditEvent.objects.filter(action=AuditAction.PASSWORD_CHANGED).exists()
    assert AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED).count() == 1
    assert not notices(cast.member.email)


def test_password_change_needs_a_code_when_two_factor_is_on(cast):
    client = cast.client(cast.member)
    device = enroll(client, cast.member)
    new = "a-much-longer-new-passphrase"
    fields = {"current_password": PASSWORD, "new_password1": new, "new_password2": new}
    assert client.post(reverse("password_change"), fields).status_code == 400
    cast.member.refresh_from_db()
    assert cast.member.check_password(PASSWORD)
    response = client.post(reverse("password_change"), {**fields, "current_code": code(device, 1)})
    assert response.status_code == 302
    cast.member.refresh_from_db()
    assert cast.member.check_password(new)
    # This session stays signed in.
    assert client.get(reverse("account")).status_code == 200
    notice = notices(cast.member.email)[-1]
    assert notice.subject == "Your pmhc password was changed"
    assert "(username: member) was changed" in notice.body


def test_password_change_ends_other_sessions(cast):
    client, other = cast.client(cast.member), cast.client(cast.member)
    new = "a-much-longer-new-passphrase"
    client.post(
        reverse("password_change"),
        {"current_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert other.get(reverse("account")).status_code == 302


# --- E-mail address ----------------------------------------------------------------------------


def test_email_change_needs_the_password_and_tells_both_addresses(cast):
    client = cast.client(cast.member)
    device = enroll(client, cast.member)
    old = cast.member.email
    refused = client.post(
        reverse("email_change"),
        {"email": "new.address@example.net", "current_password": PASSWORD},
    )
    assert refused.status_code == 400
    cast.member.refresh_from_db()
    assert cast.member.email == old
    response = client.post(
        reverse("email_change"),
        {
            "email": "New.Address@Example.net",
            "current_password": PASSWORD,
            "current_code": code(device, 1),
        },
    )
    assert response.status_code == 302
    # Nothing changes until the link sent to the new address is opened, signed in.
    cast.member.refresh_from_db()
    assert cast.member.email == old
    assert not AuditEvent.objects.filter(action=AuditAction.EMAIL_CHANGED).exists()
    confirm = notices("new.address@example.net")[-1]
    assert confirm.subject == "Confirm the new e-mail address of your pmhc account"
    assert not [m for m in notices(old) if "e-mail address" in m.subject]  # nothing yet
    link = confirmation_link(confirm.body)
    assert client.get(link).status_code == 200
    assert client.post(link).status_code == 302
    cast.member.refresh_from_db()
    assert cast.member.email == "new.address@example.net"
    event = AuditEvent.objects.get(action=AuditAction.EMAIL_CHANGED, object_type="platform.user")
    assert event.before == {"email": old} and event.after == {"email": cast.member.email}
    assert event.actor_id == cast.member.pk
    to_old = notices(old)[-1]
    assert to_old.subject == "The e-mail address of your pmhc account was changed"
    assert "n…@example.net" in to_old.body
    assert "new.address@example.net" not in to_old.body
    assert "administrator" in to_old.body
    to_new = notices("new.address@example.net")[-1]
    assert "This is now the e-mail address of your pmhc account" in to_new.body


def confirmation_link(body: str) -> str:
    found = re.search(r"https?://[^/\s]+(/accounts/email/confirm/[^/\s]+/)", body)
    assert found, body
    return found.group(1)


def test_an_email_change_takes_effect_only_from_the_new_mailbox(cast):
    """The review's finding: any address could be set with only the password, so an account
    could claim an invitation's address."""
    client = cast.client(cast.member)
    old = cast.member.email
    response = client.post(
        reverse("email_change"),
        {"email": "elsewhere@example.net", "current_password": PASSWORD},
        follow=True,
    )
    assert "A link to confirm the change was sent to the new address." in response.content.decode()
    cast.member.refresh_from_db()
    assert cast.member.email == old
    link = confirmation_link(notices("elsewhere@example.net")[-1].body)
    # The link works only for its own account, and only once.
    assert cast.client(cast.colleague).post(link).status_code == 400
    assert cast.client(cast.colleague).get(link).status_code == 404
    assert cast.client(None).get(link).status_code == 302  # to sign in
    cast.colleague.refresh_from_db()
    assert cast.colleague.email != "elsewhere@example.net"
    assert client.post(link).status_code == 302
    cast.member.refresh_from_db()
    assert cast.member.email == "elsewhere@example.net"
    assert client.post(link).status_code == 400
    made_up = reverse("email_change_confirm", kwargs={"token": "made-up"})
    assert client.get(made_up).status_code == 404


def test_an_address_another_account_uses_is_refused_without_a_word(cast):
    client = cast.client(cast.member)
    mail_before = OutboundEmail.objects.count()
    pages = [
        client.post(
            reverse("email_change"),
            {"email": email, "current_password": PASSWORD},
            follow=True,
        ).content.decode()
        for email in (cast.outsider.email.upper(), "free.address@example.net")
    ]
    said = [re.findall(r'<p class="usa-alert__text">(.*?)</p>', page, re.S) for page in pages]
    assert said[0] == said[1] and said[0]
    cast.member.refresh_from_db()
    assert cast.member.email == "member@example.org"
    # Only the free address got a link; the taken one got nothing.
    assert OutboundEmail.objects.count() == mail_before + 1
    assert not notices(cast.outsider.email)
    # And a link whose address was taken since no longer works.
    link = confirmation_link(notices("free.address@example.net")[-1].body)
    cast.colleague.email = "free.address@example.net"
    cast.colleague.save(update_fields=["email"])
    assert client.post(link).status_code == 400
    cast.member.refresh_from_db()
    assert cast.member.email == "member@example.org"


def test_email_change_to_the_same_address_is_a_clear_error(cast):
    response = cast.client(cast.member).post(
        reverse("email_change"), {"email": cast.member.email, "current_password": PASSWORD}
    )
    assert response.status_code == 400
    assert "That is already your e-mail address." in response.content.decode()
    # Refused before the password was checked: nothing counted.
    assert not AuditEvent.objects.exists()


def test_account_page_links_to_every_change(cast):
    client = cast.client(cast.member)
    page = client.get(reverse("account")).content.decode()
    for name in ("password_change", "email_change", "two_factor_setup"):
        assert reverse(name) in page
    enroll(client, cast.member)
    page = client.get(reverse("account")).content.decode()
    assert "Add another authenticator app" in page
    assert reverse("two_factor_remove") in page


# --- The services themselves -------------------------------------------------------------------


def test_services_refuse_without_proof_or_with_someone_elses(cast):
    member, colleague = cast.actor(cast.member), cast.actor(cast.colleague)
    with pytest.raises(PermissionDenied):
        account_services.change_email(
            actor=member, user=cast.member, new_email="x@example.org", proof=None
        )
    proof = account_services.confirm_identity(
        actor=colleague, user=cast.colleague, password=PASSWORD, code="", change="test"
    )
    assert isinstance(proof, account_services.IdentityConfirmed)
    with pytest.raises(PermissionDenied):
        account_services.change_password(
            actor=member, user=cast.member, new_password="x" * 20, via_reset=False, proof=proof
        )
    with pytest.raises(PermissionDenied):
        account_services.remove_totp(actor=member, user=cast.member, proof=proof)
    with pytest.raises(PermissionDenied):
        account_services.confirm_identity(
            actor=member, user=cast.colleague, password=PASSWORD, code="", change="test"
        )
    cast.member.refresh_from_db()
    assert cast.member.email == "member@example.org"
