"""The per-address sign-in throttle, and the warnings about a proxy pmhc does not trust."""

from __future__ import annotations

import datetime as dt
import logging
import os
import subprocess
import sys
from typing import Any
from unittest import mock

import pytest
from django.core import checks, signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from pmhc.conftest import PASSWORD
from pmhc.platform.account_views import KNOWN_DEVICE_COOKIE
from pmhc.platform.checks import W_FORWARDED_FOR, check_forwarded_for
from pmhc.platform.middleware import RequestContextMiddleware
from pmhc.platform.models import AuditAction, AuditEvent

pytestmark = pytest.mark.django_db
TOO_MANY = "Too many failed sign-ins"
NOT_RIGHT = "username or password is not right"


def login(username: str, password: str = PASSWORD, address: str = "127.0.0.1"):
    return Client(REMOTE_ADDR=address).post(
        reverse("login"), {"username": username, "password": password}
    )


@pytest.fixture
def busy_address(cast, settings):
    """The shared address (a proxy, an office) is over its limit with made-up names."""
    settings.LOGIN_FAILURE_LIMIT_PER_IP = 5
    for n in range(5):
        assert NOT_RIGHT in login(f"made-up-{n}", "guess").content.decode()


def known_device(username: str, address: str = "127.0.0.1") -> Client:
    """A browser that signed in to ``username`` (before the address got busy), signed out."""
    browser = Client(REMOTE_ADDR=address)
    response = browser.post(reverse("login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302 and KNOWN_DEVICE_COOKIE in response.cookies
    browser.post(reverse("logout"))
    return browser


def sign_in(browser: Client, username: str, password: str = PASSWORD):
    return browser.post(reverse("login"), {"username": username, "password": password})


def test_spraying_from_one_address_is_blocked_after_the_limit(cast, busy_address):
    # New names, real or made up, and even the right password: the address is over its limit.
    for username in ("member", "colleague", "nobody-at-all"):
        response = login(username)
        assert response.status_code == 400 and TOO_MANY in response.content.decode()
    assert AuditEvent.objects.filter(action=AuditAction.LOGIN_THROTTLED).count() == 3
    assert not AuditEvent.objects.filter(action=AuditAction.LOGIN_SUCCEEDED).exists()
    # Elsewhere the same account is only under its own limit.
    assert login("colleague", address="192.0.2.10").status_code == 302


def test_at_a_busy_address_known_and_unknown_names_answer_alike(cast, busy_address):
    # Refused before the password is checked, so the answer does not say which names exist.
    assert login("nobody-at-all", "guess").content.decode().count(TOO_MANY) == 1
    assert login("member", "guess").content.decode().count(TOO_MANY) == 1


def test_a_known_device_still_signs_in_while_its_address_is_blocked(cast, settings):
    browser = known_device("member")
    for n in range(5):
        login(f"made-up-{n}", "guess")
    settings.LOGIN_FAILURE_LIMIT_PER_IP = 5
    assert TOO_MANY in login("member").content.decode()  # another browser at that address
    assert sign_in(browser, "member").status_code == 302
    assert not AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED, object_id="member")


def test_a_known_device_is_still_under_its_accounts_own_limit(cast, settings):
    browser = known_device("member")
    settings.LOGIN_FAILURE_LIMIT_PER_IP = 2
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        assert NOT_RIGHT in sign_in(browser, "member", "wrong").content.decode()
    blocked = sign_in(browser, "member")
    assert blocked.status_code == 400 and TOO_MANY in blocked.content.decode()


def test_a_cookie_for_another_account_does_not_help(cast, busy_address):
    browser = Client(REMOTE_ADDR="192.0.2.10")
    assert sign_in(browser, "colleague").status_code == 302
    browser.post(reverse("logout"))
    browser.defaults["REMOTE_ADDR"] = "127.0.0.1"
    assert TOO_MANY in sign_in(browser, "member").content.decode()
    assert sign_in(browser, "colleague").status_code == 302


def test_a_forged_or_expired_cookie_does_not_help(cast, busy_address, settings):
    browser = Client(REMOTE_ADDR="127.0.0.1")
    for forged in (
        "member",  # not signed at all
        signing.get_cookie_signer(salt=KNOWN_DEVICE_COOKIE + "other-salt").sign("member"),
        signing.get_cookie_signer(salt=KNOWN_DEVICE_COOKIE).sign("member"),  # a guessed salt
        signing.TimestampSigner(key="not-the-secret", salt="x").sign("member"),
    ):
        browser.cookies[KNOWN_DEVICE_COOKIE] = forged
        assert TOO_MANY in sign_in(browser, "member").content.decode()
    # A real cookie past its lifetime is no help either.
    real = known_device("member", address="192.0.2.10").cookies[KNOWN_DEVICE_COOKIE].value
    browser.cookies[KNOWN_DEVICE_COOKIE] = real
    later = timezone.now() + dt.timedelta(days=settings.LOGIN_KNOWN_DEVICE_DAYS, minutes=1)
    with mock.patch("time.time", return_value=later.timestamp()):
        assert TOO_MANY in sign_in(browser, "member").content.decode()


def test_the_known_device_cookie_is_signed_http_only_and_lax(cast, settings):
    settings.SESSION_COOKIE_SECURE = True  # as in production
    response = login("member")
    cookie = response.cookies[KNOWN_DEVICE_COOKIE]
    assert cookie.value != "member" and "member" in cookie.value  # signed, not encrypted
    assert cookie["httponly"] and cookie["secure"] and cookie["samesite"] == "Lax"
    assert cookie["max-age"] == settings.LOGIN_KNOWN_DEVICE_DAYS * 24 * 3600
    # A failed sign-in sets none.
    assert KNOWN_DEVICE_COOKIE not in login("member", "wrong").cookies


def test_the_password_alone_does_not_make_a_known_device_where_a_code_is_needed(cast):
    TOTPDevice.objects.create(user=cast.member, name="phone", confirmed=True)
    response = login("member")
    assert response.status_code == 302 and response["Location"] == reverse("two_factor_verify")
    assert KNOWN_DEVICE_COOKIE not in response.cookies


def test_the_proxy_check_can_be_silenced_from_the_environment(tmp_path):
    """What ``make check`` does: production mode, the proxy not trusted, ``pmhc.W001`` silenced
    by ``PMHC_SILENCED_CHECKS``. Without that variable the same command fails on it."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("PMHC_") and key != "DJANGO_SETTINGS_MODULE"
    }
    env |= {
        "PMHC_MODE": "production",
        "PMHC_SECRET_KEY": "check-deploy-" + "x" * 50,
        "PMHC_AUDIT_KEY": "check-deploy-audit-" + "y" * 50,
        "PMHC_ALLOWED_HOSTS": "pmhc.example.org",
        "PMHC_PUBLIC_BASE_URL": "https://pmhc.example.org",
        "PMHC_VAR_DIR": str(tmp_path),
    }
    command = [sys.executable, "-m", "pmhc.cli", "check", "--deploy", "--fail-level", "WARNING"]
    refused = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    assert refused.returncode != 0 and W_FORWARDED_FOR in refused.stderr
    assert "PMHC_SILENCED_CHECKS=pmhc.W001" in refused.stderr
    silenced = subprocess.run(  # noqa: S603
        command,
        env=env | {"PMHC_SILENCED_CHECKS": W_FORWARDED_FOR},
        capture_output=True,
        text=True,
        check=False,
    )
    assert silenced.returncode == 0, silenced.stderr


def test_the_deployment_check_warns_while_the_proxy_is_not_trusted(settings):
    settings.TRUST_X_FORWARDED_FOR = False
    [warning] = check_forwarded_for()
    assert warning.id == W_FORWARDED_FOR and warning.level == checks.WARNING
    deploy = checks.run_checks(include_deployment_checks=True, tags=[checks.Tags.security])
    assert W_FORWARDED_FOR in {message.id for message in deploy}
    assert W_FORWARDED_FOR not in {message.id for message in checks.run_checks()}
    settings.TRUST_X_FORWARDED_FOR = True
    assert check_forwarded_for() == []


def test_a_forwarded_request_in_production_is_warned_about_once(
    cast, settings, monkeypatch, caplog
):
    monkeypatch.setattr(RequestContextMiddleware, "warned_untrusted_proxy", False)
    settings.TRUST_X_FORWARDED_FOR = False
    settings.PRODUCTION = False
    forwarded: dict[str, Any] = {"HTTP_X_FORWARDED_FOR": "203.0.113.7"}
    with caplog.at_level(logging.WARNING, logger="pmhc.platform.middleware"):
        Client().get(reverse("healthz"), **forwarded)  # demo mode: no warning
        settings.PRODUCTION = True
        Client().get(reverse("healthz"))  # no proxy header: no warning
        assert not caplog.records
        for _ in range(3):
            assert Client().get(reverse("healthz"), **forwarded).status_code == 200
    [record] = caplog.records
    assert "PMHC_TRUST_X_FORWARDED_FOR is off" in record.getMessage()
    assert "127.0.0.1" in record.getMessage()


def test_no_warning_when_the_proxy_is_trusted(cast, settings, monkeypatch, caplog):
    monkeypatch.setattr(RequestContextMiddleware, "warned_untrusted_proxy", False)
    settings.PRODUCTION, settings.TRUST_X_FORWARDED_FOR = True, True
    with caplog.at_level(logging.WARNING, logger="pmhc.platform.middleware"):
        Client().get(reverse("healthz"), HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert not caplog.records
