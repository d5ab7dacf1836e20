"""The shell: health check, security headers, navigation by role, settings helpers."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.urls import reverse

from pmhc.env import env_bool, env_int, env_str


def test_healthz_reports_the_database(db):
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] == "reachable"


def test_security_headers(db):
    response = Client().get("/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert len(response["X-Request-ID"]) >= 8


def test_request_id_from_upstream_is_kept_when_well_formed(db, settings):
    assert Client().get("/", HTTP_X_REQUEST_ID="abc123-def456")["X-Request-ID"] != "abc123-def456"
    settings.TRUST_X_FORWARDED_FOR = True
    assert Client().get("/", HTTP_X_REQUEST_ID="abc123-def456")["X-Request-ID"] == "abc123-def456"
    assert Client().get("/", HTTP_X_REQUEST_ID="<bad>")["X-Request-ID"] != "<bad>"


def test_pages_reference_no_external_assets(cast):
    for client in (Client(), cast.client(cast.admin)):
        page = client.get("/").content.decode()
        assert "https://" not in page.replace("https://pmhc", "")
        assert "/static/uswds/css/uswds.min.css" in page


def test_navigation_by_role(cast):
    admin_page = cast.client(cast.admin).get("/").content.decode()
    assert f'href="{reverse("org_home")}"' in admin_page
    officer_page = cast.client(cast.colleague).get("/").content.decode()
    assert f'href="{reverse("org_home")}"' not in officer_page
    assert "My account" in officer_page
    anonymous = Client().get("/").content.decode()
    assert "Sign in" in anonymous and "My account" not in anonymous


def test_times_shown_in_the_organizations_zone(cast):
    cast.agency.time_zone = "America/Los_Angeles"
    cast.agency.save()
    response = cast.client(cast.admin).get(reverse("audit_list", kwargs={"slug": "agency"}))
    from django.utils import timezone

    assert str(timezone.get_current_timezone()) in {"America/Los_Angeles", "UTC"}
    assert response.status_code == 200


def test_env_helpers_are_strict(monkeypatch, tmp_path):
    monkeypatch.setenv("PMHC_X", "maybe")
    with pytest.raises(ImproperlyConfigured, match="true or false"):
        env_bool("PMHC_X", False)
    monkeypatch.setenv("PMHC_X", "1")
    with pytest.raises(ImproperlyConfigured, match="true or false"):
        env_bool("PMHC_X", False)
    monkeypatch.setenv("PMHC_X", "TRUE")
    assert env_bool("PMHC_X", False) is True
    monkeypatch.setenv("PMHC_X", "false")
    assert env_bool("PMHC_X", True) is False
    monkeypatch.setenv("PMHC_N", "ten")
    with pytest.raises(ImproperlyConfigured, match="whole number"):
        env_int("PMHC_N", 1)
    monkeypatch.setenv("PMHC_N", "0")
    with pytest.raises(ImproperlyConfigured, match="at least 1"):
        env_int("PMHC_N", 1, minimum=1)
    secret = tmp_path / "secret"
    secret.write_text("s3cret\n")
    monkeypatch.setenv("PMHC_S_FILE", str(secret))
    assert env_str("PMHC_S") == "s3cret"
    monkeypatch.delenv("PMHC_S_FILE")
    with pytest.raises(ImproperlyConfigured, match="required"):
        env_str("PMHC_S")


def test_production_refuses_the_demo_secret_key():
    import os
    import subprocess
    import sys

    env = {**os.environ, "PMHC_MODE": "production", "DJANGO_SETTINGS_MODULE": "pmhc.settings"}
    env.pop("PMHC_SECRET_KEY", None)
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode != 0
    assert "refuses the demo secret key" in result.stderr


def test_bootstrap_creates_an_organization_and_its_administrator(db, capsys):
    from django.core.management import CommandError, call_command

    from pmhc.platform.models import AuditEvent, Membership

    call_command("bootstrap", "--slug", "springfield-pd", "--name", "Springfield PD",
                 "--kind", "law_enforcement", "--admin-email", "chief@example.org",
                 "--admin-username", "chief", "--base-url", "https://pmhc.example.org")  # fmt: skip
    out = capsys.readouterr().out
    assert "https://pmhc.example.org/accounts/password/reset/" in out
    membership = Membership.objects.get(user__username="chief")
    assert membership.role == "administrator"
    assert membership.organization.slug == "springfield-pd"
    assert AuditEvent.objects.filter(action="organization.created").count() == 1
    with pytest.raises(CommandError, match="exists"):
        call_command("bootstrap", "--slug", "springfield-pd", "--name", "X",
                     "--kind", "law_enforcement", "--admin-email", "x@example.org",
                     "--admin-username", "x", "--base-url", "https://pmhc.example.org")  # fmt: skip


def test_client_address_is_the_one_the_trusted_proxy_added(db, settings):
    from pmhc.platform.middleware import _client_ip

    request = Client().get("/").wsgi_request
    request.META["REMOTE_ADDR"] = "10.0.0.2"
    request.META["HTTP_X_FORWARDED_FOR"] = "198.51.100.7, 203.0.113.9"
    assert _client_ip(request) == "10.0.0.2"  # no proxy trusted: the socket's address
    settings.TRUST_X_FORWARDED_FOR = True
    # A client may put anything first; the last entry is what our proxy saw.
    assert _client_ip(request) == "203.0.113.9"


def test_times_for_people_are_written_in_the_organizations_zone():
    import datetime as dt

    from pmhc.platform.timefmt import in_zone

    moment = dt.datetime(2026, 11, 27, 14, 5, tzinfo=dt.UTC)
    assert in_zone(moment, "America/Chicago") == "2026-11-27 08:05 CST"
    assert in_zone(moment, "Pacific/Honolulu") == "2026-11-27 04:05 HST"
    assert in_zone(moment, "Not/AZone") == "2026-11-27 14:05 UTC"


def test_production_refuses_the_demo_audit_key():
    import os
    import subprocess
    import sys

    env = {**os.environ, "PMHC_MODE": "production", "DJANGO_SETTINGS_MODULE": "pmhc.settings",
           "PMHC_SECRET_KEY": "a-production-secret-" + "k" * 40}  # fmt: skip
    env.pop("PMHC_AUDIT_KEY", None)
    env.pop("PMHC_AUDIT_KEY_FILE", None)
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode != 0
    assert "refuses the demo audit key" in result.stderr


def test_the_deploy_check_wants_an_audit_key_of_its_own(settings):
    from pmhc.platform.checks import W_AUDIT_KEY, check_audit_key

    settings.AUDIT_KEY = settings.SECRET_KEY
    assert [m.id for m in check_audit_key()] == [W_AUDIT_KEY]
    settings.AUDIT_KEY = "short"
    assert [m.id for m in check_audit_key()] == [W_AUDIT_KEY]
    settings.AUDIT_KEY = "a-long-random-audit-key-" + "z" * 40
    assert check_audit_key() == []
