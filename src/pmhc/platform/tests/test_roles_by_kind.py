"""Each kind of organization gives only its own roles: a police department never offers a
learning site's coordinator or TTA staff, and the services refuse them with a reason."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from pmhc.platform import invitation_services, services
from pmhc.platform.access import actor_for_user, system_actor
from pmhc.platform.models import (
    MemberInvitation,
    Membership,
    OrganizationKind,
    Role,
    allowed_roles,
)
from pmhc.platform.tests.factories import OrganizationFactory


def test_the_table_of_roles_by_kind():
    assert allowed_roles(OrganizationKind.LEARNING_SITE) == {Role.SITE_COORDINATOR}
    assert Role.TTA_STAFF in allowed_roles(OrganizationKind.TTA_PROVIDER)
    assert Role.ADMINISTRATOR in allowed_roles(OrganizationKind.TTA_PROVIDER)
    assert Role.SITE_COORDINATOR not in allowed_roles(OrganizationKind.TTA_PROVIDER)
    for kind in OrganizationKind.values:
        if kind not in {OrganizationKind.LEARNING_SITE, OrganizationKind.TTA_PROVIDER}:
            roles = allowed_roles(kind)
            assert Role.SITE_COORDINATOR not in roles and Role.TTA_STAFF not in roles, kind
            assert Role.ADMINISTRATOR in roles


def test_a_police_departments_picker_offers_only_its_roles(cast):
    client = Client()
    client.force_login(cast.admin)
    url = reverse("member_list", kwargs={"slug": cast.agency.slug})
    page = client.get(url).content.decode()
    assert 'value="officer"' in page
    assert 'value="site_coordinator"' not in page and 'value="tta_staff"' not in page
    for role in ("site_coordinator", "tta_staff"):
        response = client.post(url, {"email": f"{role}@example.org", "role": role})
        assert response.status_code == 400
    assert not MemberInvitation.objects.exists()
    membership = Membership.objects.get(user=cast.colleague)
    edit = reverse("member_edit", kwargs={"slug": cast.agency.slug, "pk": membership.pk})
    assert 'value="tta_staff"' not in client.get(edit).content.decode()
    response = client.post(edit, {"role": "tta_staff", "is_active": "on"})
    assert response.status_code == 400
    membership.refresh_from_db()
    assert membership.role == Role.OFFICER


def test_the_services_refuse_a_role_the_kind_does_not_give(cast):
    admin = actor_for_user(cast.admin)
    with pytest.raises(ValidationError, match="cannot give the role “TTA staff”"):
        invitation_services.invite_member(
            admin, organization=cast.agency, email="x@example.org", role=Role.TTA_STAFF
        )
    membership = Membership.objects.get(user=cast.colleague)
    with pytest.raises(ValidationError, match="Learning site coordinator"):
        services.change_membership(admin, membership=membership, role=Role.SITE_COORDINATOR)
    with pytest.raises(ValidationError):
        services.add_member(
            system_actor(), organization=cast.agency, email="y@example.org", role="tta_staff"
        )
    site = OrganizationFactory.create(slug="site", kind=OrganizationKind.LEARNING_SITE)
    with pytest.raises(ValidationError):
        services.add_member(
            system_actor(), organization=site, email="z@example.org", role="administrator"
        )
    assert services.add_member(
        system_actor(), organization=site, email="z@example.org", role="site_coordinator"
    )
    # A change that keeps the present role is no change of role.
    assert services.change_membership(
        admin, membership=membership, role=Role.OFFICER, shift="Night"
    ).shift == ("Night")
