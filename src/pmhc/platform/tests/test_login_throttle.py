"""The per-address sign-in throttle, and the warnings about a proxy pmhc does not trust."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.core import checks
from django.test import Client
from django.urls import reverse

from pmhc.conftest import PASSWORD
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


def test_made_up_names_do_not_lock_out_real_accounts_at_the_address(cast, busy_address):
    response = login("member")
    assert response.status_code == 302
    assert login("colleague").status_code == 302


def test_at_a_busy_address_a_name_that_failed_is_refused(cast, busy_address):
    # A made-up name tried again, and a real account that has failed, even with its password.
    assert TOO_MANY in login("made-up-1", "guess").content.decode()
    assert NOT_RIGHT in login("colleague", "wrong").content.decode()
    blocked = login("colleague")
    assert blocked.status_code == 400 and TOO_MANY in blocked.content.decode()
    assert AuditEvent.objects.filter(action=AuditAction.LOGIN_THROTTLED).count() == 2
    # Elsewhere the same account is only under its own limit.
    assert login("colleague", address="192.0.2.10").status_code == 302


def test_at_a_busy_address_known_and_unknown_names_answer_alike(cast, busy_address):
    # A first try is checked for both, so the answer does not say which names exist.
    assert login("nobody-at-all", "guess").content.decode().count(NOT_RIGHT) == 1
    assert login("member", "guess").content.decode().count(NOT_RIGHT) == 1


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
