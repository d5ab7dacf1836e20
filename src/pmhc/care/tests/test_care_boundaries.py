"""Boundaries of care's records: what a partner organization under a data-sharing agreement,
an officer or a coordinator must not see or write, each refused exactly like a missing record,
beside the party who still may."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from pmhc.care import case_selectors, case_services
from pmhc.care.models import CaseClosure, ContactKind, ContactOutcome
from pmhc.care.tests.case_world import build, member, open_for
from pmhc.conftest import Cast
from pmhc.platform.models import Role

pytestmark = pytest.mark.django_db


def test_a_partner_organization_opens_none_of_the_agencys_cases(cast: Cast) -> None:
    world = build(cast)
    case = open_for(cast, world.manager, world.person)
    partners = [
        cast.partner_user,
        member(cast.partner, Role.CASE_MANAGER, "partner-manager"),
        member(cast.partner, Role.COORDINATOR, "partner-coordinator"),
    ]
    missing = case.pk + 1000
    for name in ("care_case", "care_contact_new", "care_case_plan", "care_case_transfer"):
        url = reverse(name, args=[case.pk])
        assert cast.client(world.manager).get(url).status_code == 200, url
        for user in partners:
            client = cast.client(user)
            assert client.get(reverse(name, args=[missing])).status_code == 404
            response = client.get(url)
            assert response.status_code == 404, (url, user.username)
            assert "Okafor" not in response.content.decode()
    for user in partners:
        client = cast.client(user)
        close = reverse("care_case_close", args=[case.pk])
        assert client.post(close, {"reason": CaseClosure.OTHER, "note": "x"}).status_code == 404
        assert client.post(reverse("care_case_reopen", args=[case.pk])).status_code == 404
        assert case_selectors.open_case_of(cast.actor(user), world.person) is None
        with pytest.raises(PermissionDenied):
            case_services.log_contact(
                cast.actor(user),
                case=case,
                kind=ContactKind.CALL,
                outcome=ContactOutcome.REACHED,
            )
    case.refresh_from_db()
    assert case.status == "open" and case.last_contact_at is None
