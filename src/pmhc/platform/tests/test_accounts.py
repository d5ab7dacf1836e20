"""Signing in and out, throttling, passwords, two factors, idle sessions."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from pmhc.conftest import PASSWORD
from pmhc.platform.models import AuditAction, AuditEvent, Outcome
from pmhc.platform.tests.factories import MembershipFactory, UserFactory


def login(client: Client, username: str, password: str = PASSWORD, **extra):
    return client.post(reverse("login"), {"username": username, "password": password, **extra})


def test_login_success_is_recorded(cast):
    client = Client()
    response = login(client, "member")
    assert response.status_code == 302
    assert response["Location"] == reverse("landing")
    event = AuditEvent.objects.get(action=AuditAction.LOGIN_SUCCEEDED)
    assert event.actor_id == cast.member.pk
    assert event.organization_id == cast.agency.pk
    assert event.request_id and event.client_ip == "127.0.0.1"


def test_login_failure_is_recorded_and_says_nothing_about_which_part_was_wrong(cast):
    response = login(Client(), "member", "wrong-password")
    assert response.status_code == 400
    assert "username or password is not right" in response.content.decode()
    event = AuditEvent.objects.get(action=AuditAction.LOGIN_FAILED)
    assert event.outcome == Outcome.FAILURE
    assert event.object_id == "member"
    assert event.organization_id == cast.agency.pk  # visible to the agency's administrators
    unknown = login(Client(), "nobody-here", "x")
    assert unknown.content.decode().count("username or password is not right") == 1


def test_repeated_failures_are_throttled_even_with_the_right_password(cast, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    client = Client()
    for _ in range(3):
        assert login(client, "member", "wrong").status_code == 400
    blocked = login(client, "member")
    assert blocked.status_code == 400
    assert "Too many failed sign-ins" in blocked.content.decode()
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action=AuditAction.LOGIN_THROTTLED).count() == 1
    # Another account is not affected.
    assert login(Client(), "colleague").status_code == 302


def test_throttle_lifts_after_the_window(cast, settings, monkeypatch):
    settings.LOGIN_FAILURE_LIMIT = 2
    for _ in range(2):
        login(Client(), "member", "wrong")
    later = timezone.now() + dt.timedelta(minutes=settings.LOGIN_FAILURE_WINDOW_MINUTES + 1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert login(Client(), "member").status_code == 302


def test_login_next_must_be_local(cast):
    response = login(Client(), "member", next="https://evil.example/")
    assert response["Location"] == reverse("landing")
    response = login(Client(), "member", next="/accounts/")
    assert response["Location"] == "/accounts/"


def test_logout_is_post_only_and_recorded(cast):
    client = cast.client(cast.member)
    assert client.get(reverse("logout")).status_code == 405
    assert client.post(reverse("logout")).status_code == 302
    assert AuditEvent.objects.filter(action=AuditAction.LOGOUT, actor_id=cast.member.pk).exists()
    assert client.get(reverse("account")).status_code == 302


def test_idle_session_expiry_is_the_configured_minutes(cast, settings):
    client = Client()
    login(client, "member")
    assert settings.SESSION_COOKIE_AGE == settings.SESSION_IDLE_MINUTES * 60 == 30 * 60
    assert client.session.get_expiry_age() == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST


def test_password_change_is_audited(cast):
    client = cast.client(cast.member)
    new = "a-much-longer-new-passphrase"
    response = client.post(
        reverse("password_change"),
        {"current_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302
    cast.member.refresh_from_db()
    assert cast.member.check_password(new)
    assert AuditEvent.objects.filter(action=AuditAction.PASSWORD_CHANGED).count() == 1


@pytest.mark.django_db(transaction=True)
def test_password_reset_by_email_end_to_end(cast, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post(reverse("password_reset"), {"email": cast.member.email})
    assert response.status_code == 302
    call_command("worker", "--batch")
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/]+(/accounts/password/reset/\S+/)", str(mail.outbox[0].body))
    assert link
    client = Client()
    form_page = client.get(link.group(1), follow=True)
    assert form_page.status_code == 200
    new = "reset-passphrase-that-is-long"
    done = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": new, "new_password2": new}
    )
    assert done.status_code == 302
    cast.member.refresh_from_db()
    assert cast.member.check_password(new)
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {AuditAction.PASSWORD_RESET_REQUESTED, AuditAction.PASSWORD_RESET_COMPLETED} <= actions


def test_password_reset_for_unknown_address_looks_the_same(cast):
    response = Client().post(reverse("password_reset"), {"email": "nobody@example.org"})
    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_done")
    event = AuditEvent.objects.get(action=AuditAction.PASSWORD_RESET_REQUESTED)
    assert event.outcome == Outcome.FAILURE


def _enroll(client: Client, user) -> TOTPDevice:
    client.get(reverse("two_factor_setup"))
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    token = f"{totp(device.bin_key):06d}"
    response = client.post(
        reverse("two_factor_setup"), {"token": token, "current_password": PASSWORD}
    )
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    return device


def test_two_factor_enrollment_and_sign_in(cast, settings):
    # django-otp also slows down guessing per device (seconds after each failure); the
    # sign-in throttle is what this test is about, so that pause is switched off here.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    client = cast.client(cast.member)
    device = _enroll(client, cast.member)
    assert AuditEvent.objects.filter(action=AuditAction.TWO_FACTOR_ENABLED).count() == 1
    fresh = Client()
    step_one = login(fresh, "member")
    assert step_one["Location"] == reverse("two_factor_verify")
    assert "_auth_user_id" not in fresh.session
    wrong = fresh.post(reverse("two_factor_verify"), {"token": "000000"})
    assert wrong.status_code == 200
    assert "not right" in wrong.content.decode()
    # A code is accepted once: the next time step's code (within the device's tolerance)
    # stands in for the code the phone would show half a minute later.
    device.refresh_from_db()
    token = f"{totp(device.bin_key, t0=device.t0, step=device.step, drift=1):06d}"
    step_two = fresh.post(reverse("two_factor_verify"), {"token": token})
    assert step_two.status_code == 302
    assert fresh.session["_auth_user_id"] == str(cast.member.pk)
    success = AuditEvent.objects.filter(action=AuditAction.LOGIN_SUCCEEDED).get()
    assert "one-time code" in success.detail


def test_second_step_without_first_goes_back_to_sign_in(db):
    response = Client().get(reverse("two_factor_verify"))
    assert response["Location"] == reverse("login")


def test_two_factor_required_in_production_setting(cast, settings):
    settings.REQUIRE_TWO_FACTOR = True
    client = Client()
    login(client, "colleague")  # an officer: sees personal data
    response = client.get(reverse("account"))
    assert response.status_code == 302
    assert response["Location"] == reverse("two_factor_setup")
    assert client.get(reverse("two_factor_setup")).status_code == 200
    _enroll(client, cast.colleague)
    assert client.get(reverse("account")).status_code == 200


def test_roles_without_personal_data_are_not_forced(cast, settings):
    settings.REQUIRE_TWO_FACTOR = True
    analyst = UserFactory.create(username="analyst")
    MembershipFactory.create(user=analyst, organization=cast.agency, role="analyst")
    client = Client()
    login(client, "analyst")
    assert client.get(reverse("account")).status_code == 200
    # Administrators decide who sees what, so they need the second factor too.
    admin = Client()
    login(admin, "admin")
    assert admin.get(reverse("account"))["Location"] == reverse("two_factor_setup")


def test_demo_says_two_factor_is_relaxed(cast, settings):
    settings.REQUIRE_TWO_FACTOR = False
    page = cast.client(cast.colleague).get(reverse("home")).content.decode()
    assert "Two-factor sign-in is optional in this demo" in page


@pytest.mark.parametrize("username", ["member", "colleague", "partner_user"])
def test_removing_two_factor_is_audited(cast, username):
    user = getattr(cast, username)
    client = cast.client(user)
    device = _enroll(client, user)
    next_code = f"{totp(device.bin_key, t0=device.t0, step=device.step, drift=1):06d}"
    response = client.post(
        reverse("two_factor_remove"),
        {"device": device.pk, "current_password": PASSWORD, "current_code": next_code},
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert AuditEvent.objects.filter(action=AuditAction.TWO_FACTOR_DISABLED).count() == 1


def test_a_code_retyped_during_the_authenticator_pause_is_not_called_wrong(cast):
    client = cast.client(cast.member)
    device = _enroll(client, cast.member)
    fresh = Client()
    login(fresh, "member")
    fresh.post(reverse("two_factor_verify"), {"token": "000000"})
    failures = AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED).count()
    device.refresh_from_db()
    token = f"{totp(device.bin_key, t0=device.t0, step=device.step, drift=1):06d}"
    retry = fresh.post(reverse("two_factor_verify"), {"token": token})
    assert retry.status_code == 200
    assert "Wait a few seconds" in retry.content.decode()
    assert AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED).count() == failures
