"""The demo jurisdiction: deterministic, complete, synthetic, audited."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from pmhc.demo import generator
from pmhc.platform import audit
from pmhc.platform.models import Membership, Organization, Role, User


def _snapshot():
    return sorted(
        Membership.objects.values_list(
            "user__username", "user__first_name", "user__last_name", "role", "shift", "district"
        )
    )


def test_demo_has_every_role_and_is_synthetic(db, settings):
    generator.build(password="demo-password-for-tests", log=lambda _: None)
    assert set(Membership.objects.values_list("role", flat=True)) == set(Role.values)
    assert all(Organization.objects.values_list("is_synthetic", flat=True))
    for username, *_ in generator.DEMO_USERS:
        assert User.objects.get(username=username).check_password("demo-password-for-tests")
    assert audit.verify().ok


@pytest.mark.django_db(transaction=True)
def test_demo_is_deterministic():
    generator.build(seed=7, password="x-password-123", log=lambda _: None)
    first = _snapshot()
    call_command("flush", interactive=False, verbosity=0)
    generator.build(seed=7, password="x-password-123", log=lambda _: None)
    assert _snapshot() == first
    call_command("flush", interactive=False, verbosity=0)
    generator.build(seed=8, password="x-password-123", log=lambda _: None)
    assert _snapshot() != first


def test_demo_scales(db):
    generator.build(scale=2, password="x-password-123", log=lambda _: None)
    assert (
        Membership.objects.filter(role=Role.OFFICER, user__username__startswith="ofc").count() == 60
    )


def test_every_demo_user_can_sign_in(db, settings):
    settings.DEMO_PASSWORD = "demo-password-for-tests"
    call_command("demo")
    for username, *_ in generator.DEMO_USERS:
        response = Client().post(
            "/accounts/login/", {"username": username, "password": settings.DEMO_PASSWORD}
        )
        assert response.status_code == 302, username


def test_demo_command_refuses_to_load_twice_and_in_production(db, settings):
    call_command("demo")
    with pytest.raises(CommandError, match="already loaded"):
        call_command("demo")
    call_command("demo", if_empty=True)
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="production"):
        call_command("demo", reset=True)


@pytest.mark.django_db(transaction=True)
def test_a_reset_puts_back_what_the_migrations_loaded():
    """``flush`` empties the migrations' reference data; the demo loads it again."""
    from pmhc.assessment.models import Instrument
    from pmhc.toolkit.models import LearningSite, PageContent

    generator.restore_reference_data()  # an earlier transactional test may have flushed it
    counts = (PageContent.objects.count(), LearningSite.objects.count())
    assert all(counts) and Instrument.objects.filter(edition=1).exists()
    call_command("flush", interactive=False, verbosity=0)
    assert not PageContent.objects.exists() and not Instrument.objects.exists()
    generator.build(password="x-password-123", log=lambda _: None)
    assert (PageContent.objects.count(), LearningSite.objects.count()) == counts
    assert Instrument.objects.filter(edition=1, status="published").exists()
    assert Client().get("/learn/elements/").status_code == 200
