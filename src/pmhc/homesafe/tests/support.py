"""What the Home Safe tests share: an agency whose registry is open, its people in each role,
a filled-in enrolment form, and a small photo."""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from pmhc.homesafe import enrol_services, program_services
from pmhc.homesafe.enrol_services import CaregiverEntry
from pmhc.homesafe.models import Enrolment, HomeSafeProgram
from pmhc.platform.access import actor_for_user
from pmhc.platform.models import OutboundEmail, Role, User
from pmhc.platform.tests.factories import MembershipFactory, UserFactory

#: A 1x1 PNG image.
PNG_BYTES = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def png(name: str = "face.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG_BYTES, content_type="image/png")


def member(username: str, organization: Any, role: Role) -> User:
    user = UserFactory.create(username=username, email=f"{username}@example.org")
    MembershipFactory.create(user=user, organization=organization, role=role)
    return user


@dataclass
class Registry:
    program: HomeSafeProgram
    supervisor: User
    tta: User
    analyst: User
    call_taker: User
    outsider_supervisor: User


def open_registry(cast: Any) -> Registry:
    program = program_services.update_program(
        actor_for_user(cast.member),
        organization=cast.agency,
        is_open=True,
        area_served="Example County",
        areas=["North", "South"],
        contact_name="Records unit",
        contact_email="records@agency.example.org",
    )
    return Registry(
        program=program,
        supervisor=member("supervisor", cast.agency, Role.SUPERVISOR),
        tta=member("tta", cast.agency, Role.TTA_STAFF),
        analyst=member("analyst", cast.agency, Role.ANALYST),
        call_taker=member("calltaker", cast.agency, Role.CALL_TAKER),
        outsider_supervisor=member("outsup", cast.outsider_org, Role.SUPERVISOR),
    )


FORM: dict[str, Any] = {
    "enrolled_by": "family",
    "full_name": "Walter Example",
    "preferred_name": "Walt",
    "date_of_birth": "1948-03-02",
    "area": "North",
    "conditions": ["dementia"],
    "description": "Tall, grey beard, blue cap.",
    "calming": "Talk about trains.",
    "places": "The old rail depot.",
    "attracted_to_water": "on",
    "caregiver_1_name": "Ruth Example",
    "caregiver_1_relationship": "Daughter",
    "caregiver_1_phone": "555-010-0199",
    "consent_by": "guardian",
    "consent_name": "Ruth Example",
    "consent_confirmed": "on",
    "submitter_name": "Ruth Example",
    "submitter_relationship": "Daughter",
    "submitter_email": "ruth@family.example.org",
}


def submit(program: HomeSafeProgram, **changes: Any) -> tuple[Enrolment, str]:
    content = {
        "full_name": changes.pop("full_name", "Walter Example"),
        "area": "North",
        "conditions": ["dementia"],
        "description": "Tall, grey beard, blue cap.",
    }
    return enrol_services.submit_enrolment(
        program=program,
        content=content,
        caregivers=[CaregiverEntry(name="Ruth Example", phone="555-010-0199")],
        enrolled_by="family",
        consent_by="guardian",
        consent_name="Ruth Example",
        submitter={
            "submitter_name": "Ruth Example",
            "submitter_email": changes.pop("email", "ruth@family.example.org"),
        },
        **changes,
    )


def link_in(purpose: str, prefix: str = "/home-safe/") -> str:
    """The private path in the last e-mail of ``purpose``."""
    body = OutboundEmail.objects.filter(purpose=purpose).order_by("-pk").first().body  # type: ignore[union-attr]
    found = re.search(re.escape(prefix) + r"[a-z]+/[A-Za-z0-9_-]+/", body)
    assert found, body
    return found.group(0)
