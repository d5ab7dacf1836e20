from __future__ import annotations

from typing import Any

import factory
from django.utils import timezone

from pmhc.platform.models import (
    AgreementAcceptance,
    AgreementStatus,
    DataSharingAgreement,
    Membership,
    Organization,
    OrganizationKind,
    Role,
    User,
)


class OrganizationFactory(factory.django.DjangoModelFactory[Organization]):
    class Meta:
        model = Organization
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"org-{n}")
    name = factory.Sequence(lambda n: f"Organization {n}")
    kind = OrganizationKind.LAW_ENFORCEMENT
    time_zone = "America/Chicago"


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    first_name = "Test"
    last_name = factory.LazyAttribute(lambda u: u.username.title())

    @factory.post_generation
    def password(obj: User, create: bool, extracted: str | None, **kwargs: Any) -> None:
        obj.set_password(extracted or "correct-horse-battery-staple")
        if create:
            obj.save(update_fields=["password"])


class MembershipFactory(factory.django.DjangoModelFactory[Membership]):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = Role.OFFICER


class AgreementFactory(factory.django.DjangoModelFactory[DataSharingAgreement]):
    class Meta:
        model = DataSharingAgreement
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Agreement {n}")
    classifications = factory.LazyFunction(lambda: ["personal", "safety"])
    purposes = factory.LazyFunction(lambda: ["active_call"])
    effective_on = factory.LazyFunction(timezone.localdate)
    ends_on = None
    #: Factories make agreements that every party has accepted; pass ``status="proposed"``
    #: for one that only its first party has.
    status = AgreementStatus.IN_FORCE

    @factory.post_generation
    def parties(
        obj: DataSharingAgreement,
        create: bool,
        extracted: list[Organization] | None,
        **kwargs: Any,
    ) -> None:
        if not (create and extracted):
            return
        obj.parties.set(extracted)
        accepting = extracted if obj.status == AgreementStatus.IN_FORCE else extracted[:1]
        for organization in accepting:
            AgreementAcceptance.objects.create(agreement=obj, organization=organization)
        if obj.status == AgreementStatus.IN_FORCE and obj.in_force_at is None:
            obj.in_force_at = timezone.now()
            obj.save(update_fields=["in_force_at"])
        if obj.proposed_by_organization_id is None:
            obj.proposed_by_organization = extracted[0]
            obj.save(update_fields=["proposed_by_organization"])
