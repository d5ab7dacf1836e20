"""Fixtures of the toolkit's tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pmhc.platform.models import (
    Organization,
    OrganizationKind,
    Role,
    User,
)
from pmhc.platform.tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from pmhc.toolkit.models import LibraryItem
from pmhc.toolkit.tests.library_support import Tta, publish, submit


@pytest.fixture(autouse=True)
def _private_media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "private"


@pytest.fixture
def tta(db: None, settings: Any) -> Tta:
    org = OrganizationFactory.create(
        slug="tta", name="TTA Center", kind=OrganizationKind.TTA_PROVIDER
    )
    other = OrganizationFactory.create(
        slug="other-tta", name="Other TTA Center", kind=OrganizationKind.TTA_PROVIDER
    )
    settings.TTA_ORGANIZATION = org.slug

    def staff(username: str, organization: Organization) -> User:
        user = UserFactory.create(username=username)
        MembershipFactory.create(user=user, organization=organization, role=Role.TTA_STAFF)
        return user

    return Tta(org, staff("reviewer", org), other, staff("other_reviewer", other))


@pytest.fixture
def library(tta: Tta) -> dict[str, LibraryItem]:
    made: dict[str, LibraryItem] = {}
    specs = [
        ("dispatch", "dispatch_protocol", "Dispatcher questions for crisis calls",
         "What call-takers ask.", "Ask about weapons and treatment history.", [4], ["cit"]),
        ("transport", "policy", "Transport and custodial transfer policy",
         "Safe handoff at the receiving facility.", "Record the time of transfer.", [6],
         ["co-responder"]),
        ("mou", "mou", "Information exchange agreement",
         "Confidentiality between partners.", "Cross-training on release of information.", [7],
         ["co-responder", "mobile-crisis"]),
    ]  # fmt: skip
    for key, kind, title, summary, body, elements, types in specs:
        item, _token = submit(kind=kind, title=title, summary=summary, body=body)
        made[key] = publish(tta, item, elements=elements, program_types=types)
    made["unpublished"], _token = submit(
        title="Dispatcher draft not yet reviewed", body="Dispatcher crisis weapons."
    )
    return made
