"""Records for the search and incident tests, made with the models directly: an enrolment
already in the registry (its review is the registry's part, tested there)."""

from __future__ import annotations

import datetime as dt
import io
import itertools
import uuid
from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image

from pmhc.homesafe.models import (
    Caregiver,
    ConsentBy,
    EnrolledBy,
    Enrolment,
    EnrolmentStatus,
    HomeSafeProgram,
)
from pmhc.platform.models import Organization

_numbers = itertools.count(1)


def photo_png(color: tuple[int, int, int] = (90, 120, 160)) -> bytes:
    """A small real PNG (a flyer embeds it; the page shows it)."""
    buffer = io.BytesIO()
    Image.new("RGB", (60, 80), color).save(buffer, format="PNG")
    return buffer.getvalue()


def born_years_ago(years: int, days: int = 30) -> dt.date:
    today = timezone.localdate()
    return today.replace(year=today.year - years) - dt.timedelta(days=days)


def enrolment(
    organization: Organization,
    *,
    status: str = EnrolmentStatus.ACTIVE,
    photo: bool = False,
    caregivers: list[dict[str, Any]] | None = None,
    **fields: Any,
) -> Enrolment:
    number = next(_numbers)
    now = timezone.now()
    values: dict[str, Any] = {
        "organization": organization,
        "reference": f"HS-T{number:05d}",
        "token_hash": uuid.uuid4().hex,
        "status": status,
        "enrolled_by": EnrolledBy.FAMILY,
        "full_name": f"Test Person {number}",
        "consent_by": ConsentBy.GUARDIAN,
        "consent_name": "Guardian Name",
        "consent_at": now,
        "submitter_name": "Family Member",
        "submitter_email": f"family{number}@example.org",
        "reviewed_at": now if status == EnrolmentStatus.ACTIVE else None,
        "confirmed_at": now,
    }
    values.update(fields)
    made = Enrolment(**values)
    if photo:
        made.photo.save(f"photo-{number}.png", ContentFile(photo_png()), save=False)
        made.photo_content_type = "image/png"
    made.save()
    for position, caregiver in enumerate(
        caregivers
        if caregivers is not None
        else [{"name": "First Caregiver", "phone": "555-0100", "email": ""}]
    ):
        Caregiver.objects.create(enrolment=made, position=position, **caregiver)
    return made


def program(organization: Organization, phone: str = "555-0199") -> HomeSafeProgram:
    return HomeSafeProgram.objects.create(organization=organization, contact_phone=phone)
