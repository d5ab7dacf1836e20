"""``decide`` and ``restrict`` agree for every model that holds personal data.

The records are one of every kind, held by two organizations (the authorization crawl's
world). Hypothesis generates the actor (memberships: which organizations, which roles) and
the agreements around them (parties, data classes, purposes, dates, status); for every model
found in the app registry with a personal, safety, clinical or substance-use classification,
and an action and purpose drawn with them, a record is in ``restrict(actor, Model.objects.all(),
action, purpose)`` exactly when ``decide(actor, action, record, purpose)`` allows it.

The documented exception: for CLINICAL and SUBSTANCE_USE data, ``restrict`` leaves partners
out (consent is per person; the owning selector adds its own consent-aware condition), so
there the list may only be narrower than the one-record answer, never wider.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.db import models, transaction
from django.test import override_settings
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pmhc.demo.generator import restore_reference_data
from pmhc.people.consent_services import give_consent
from pmhc.platform.access import CONSENT_REQUIRED, Action, actor_for_user, decide, restrict
from pmhc.platform.models import AgreementStatus, Classification, Membership, Purpose, Role, User
from pmhc.platform.tests.crawl_world import World, build_world, private_media
from pmhc.platform.tests.factories import AgreementFactory

PERSONAL_LEVELS = frozenset(
    {
        Classification.PERSONAL,
        Classification.SAFETY,
        Classification.CLINICAL,
        Classification.SUBSTANCE_USE,
    }
)


def personal_models() -> list[type[models.Model]]:
    return sorted(
        (
            model
            for model in apps.get_models()
            if getattr(model, "access_classification", None) in PERSONAL_LEVELS
        ),
        key=lambda model: model._meta.label,
    )


def needs_consent(model: type[models.Model]) -> bool:
    """Records that cross organizations only with the person's consent: ``restrict`` leaves
    partners out and the owning app's selector asks each person's consent."""
    return getattr(model, "access_classification", None) in CONSENT_REQUIRED or bool(
        getattr(model, "access_consent_class", None)
    )


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any) -> Iterator[World]:
    with (
        django_db_blocker.unblock(),
        private_media() as workdir,
        override_settings(
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
            TTA_ORGANIZATION="crawl-owner",
        ),
        transaction.atomic(),
    ):
        try:
            # A transactional test run before this module may have flushed the reference data
            # (the self-assessment's edition) that the world's records need.
            restore_reference_data()
            built = build_world(workdir)
            # The crawl's world has no consent yet: each holder's person gives one.
            for key in ("owner", "unrelated"):
                give_consent(
                    actor_for_user(built.members[key][Role.CLINICIAN]),
                    person=built.holdings[key].person,
                    purpose=Purpose.CASE_MANAGEMENT,
                    recipients=[built.organizations["partner"]],
                    purposes=[Purpose.CASE_MANAGEMENT],
                    data_classes=[Classification.CLINICAL],
                )
            yield built
        finally:
            transaction.set_rollback(True)


ORG_KEYS = ("owner", "partner", "proposed", "unrelated")
memberships = st.lists(
    st.tuples(st.sampled_from(ORG_KEYS), st.sampled_from(list(Role))),
    min_size=1,
    max_size=3,
    unique_by=lambda m: m[0],
)
agreements = st.lists(
    st.fixed_dictionaries(
        {
            "parties": st.lists(st.sampled_from(ORG_KEYS), min_size=2, max_size=3, unique=True),
            "classifications": st.sets(st.sampled_from(list(Classification.values)), min_size=1),
            "purposes": st.sets(st.sampled_from(list(Purpose.values)), min_size=1),
            "starts": st.integers(-60, 5),
            "lasts": st.one_of(st.none(), st.integers(0, 90)),
            "status": st.sampled_from([AgreementStatus.IN_FORCE, AgreementStatus.PROPOSED]),
        }
    ),
    max_size=3,
)


@pytest.mark.django_db
@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    held=memberships,
    agreed=agreements,
    action=st.sampled_from(list(Action)),
    purpose=st.sampled_from(list(Purpose)),
)
def test_decide_and_restrict_agree(
    world: World,
    held: list[tuple[str, Role]],
    agreed: list[dict[str, Any]],
    action: Action,
    purpose: Purpose,
) -> None:
    today = timezone.localdate()
    with transaction.atomic():
        user = User.objects.create(username="generated", password=make_password(None))
        for key, role in held:
            Membership.objects.create(user=user, organization=world.organizations[key], role=role)
        for terms in agreed:
            start = today + dt.timedelta(days=terms["starts"])
            AgreementFactory.create(
                parties=[world.organizations[key] for key in terms["parties"]],
                classifications=sorted(terms["classifications"]),
                purposes=sorted(terms["purposes"]),
                effective_on=start,
                ends_on=None
                if terms["lasts"] is None
                else start + dt.timedelta(days=terms["lasts"]),
                status=terms["status"],
            )
        actor = actor_for_user(user)
        for model in personal_models():
            records = list(model._default_manager.all())
            listed = set(
                restrict(actor, model._default_manager.all(), action, purpose).values_list(
                    "pk", flat=True
                )
            )
            decided = {r.pk for r in records if decide(actor, action, r, purpose)}  # type: ignore[arg-type]
            where = (model._meta.label, action, purpose, held, agreed)
            if needs_consent(model):
                assert listed <= decided, where
            else:
                assert listed == decided, where
        transaction.set_rollback(True)


def test_the_grid_covers_every_personal_model(world: World) -> None:
    """Every model found holds at least one record in the world, and each can be listed."""
    found = personal_models()
    assert found
    for model in found:
        assert getattr(model, "access_org_lookup", None), model
        assert model._default_manager.exists(), model


def test_decide_and_restrict_agree_for_the_worlds_members(world: World) -> None:
    """The fixed grid: every role of the holder and of its partner (the generated actors above
    cover the other relations), every model, action and purpose."""
    for key in ("owner", "partner"):
        for role, user in world.members[key].items():
            actor = actor_for_user(user)
            for model, action, purpose in itertools.product(personal_models(), Action, Purpose):
                listed = set(
                    restrict(actor, model._default_manager.all(), action, purpose).values_list(
                        "pk", flat=True
                    )
                )
                decided = {
                    r.pk
                    for r in model._default_manager.all()
                    if decide(actor, action, r, purpose)  # type: ignore[arg-type]
                }
                where = (key, role, model._meta.label, action, purpose)
                if needs_consent(model):
                    assert listed <= decided, where
                else:
                    assert listed == decided, where
