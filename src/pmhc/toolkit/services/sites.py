"""Every write to the learning-site directory: TTA staff of the organization that handles
requests add and change sites; each change is audited with before and after."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pmhc.platform import audit
from pmhc.platform.access import Action, Actor, decide
from pmhc.platform.models import Organization, Purpose
from pmhc.toolkit.audit_codes import ToolkitAudit
from pmhc.toolkit.models import STATE_REGION, LearningSite, Offer, ProgramTypeCode, Specialty
from pmhc.toolkit.selectors.common import handling_organization, toolkit_target

SITE_FIELDS = (
    "agency",
    "city",
    "state",
    "latitude",
    "longitude",
    "program_types",
    "specialties",
    "offers",
    "agency_size",
    "population_served",
    "description",
    "contact_name",
    "contact_email",
    "contact_phone",
    "is_active",
    "is_former",
    "visit_includes",
    "source",
)


def _authorize(actor: Actor, action: Action) -> Organization:
    """The directory belongs to the TTA organization that handles requests; only its staff
    (grant: agency data, administration) may change it."""
    organization = handling_organization()
    if organization is None:
        raise PermissionDenied(_("No TTA organization runs the learning-site directory."))
    decision = decide(actor, action, toolkit_target(organization), Purpose.ADMINISTRATION)
    if not decision:
        raise PermissionDenied(decision.reason)
    return organization


Coordinate = Decimal | float | str | None


def _coordinate(value: Coordinate, field: str, errors: dict[str, str]) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value))
        if not number.is_finite():
            raise ArithmeticError
        return number.quantize(Decimal("0.00001"))
    except ArithmeticError:
        errors[field] = _("Enter decimal degrees, e.g. 32.22174 or -110.92648.")
        return None


def _codes(
    values: Sequence[str], allowed: Sequence[str], field: str, errors: dict[str, str]
) -> list[str]:
    unknown = [v for v in values if v not in allowed]
    if unknown:
        errors[field] = _("Unknown choice: %(values)s.") % {"values": ", ".join(unknown)}
    # Keep the order of the choices, not of the submission, and each code once.
    return [code for code in allowed if code in values]


def _fields(**values: Any) -> dict[str, Any]:
    assert set(values) == set(SITE_FIELDS)
    return values


def _apply(site: LearningSite, data: dict[str, Any]) -> None:
    errors: dict[str, str] = {}
    state = str(data["state"]).strip().upper()
    if state not in STATE_REGION:
        errors["state"] = _("Choose a U.S. state or the District of Columbia.")
    latitude = _coordinate(data["latitude"], "latitude", errors)
    longitude = _coordinate(data["longitude"], "longitude", errors)
    if (latitude is None) != (longitude is None) and not errors.keys() & {"latitude", "longitude"}:
        missing = "longitude" if longitude is None else "latitude"
        errors[missing] = _("Enter both latitude and longitude, or leave both empty.")
    if latitude is not None and not Decimal(-90) <= latitude <= Decimal(90):
        errors["latitude"] = _("Latitude must be between -90 and 90 degrees.")
    if longitude is not None and not Decimal(-180) <= longitude <= Decimal(180):
        errors["longitude"] = _("Longitude must be between -180 and 180 degrees.")
    site.agency = str(data["agency"]).strip()
    site.city = str(data["city"]).strip()
    site.state = state
    site.latitude = latitude
    site.longitude = longitude
    site.program_types = _codes(
        data["program_types"], ProgramTypeCode.values, "program_types", errors
    )
    site.specialties = _codes(data["specialties"], Specialty.values, "specialties", errors)
    site.offers = _codes(data["offers"], Offer.values, "offers", errors)
    site.agency_size = str(data["agency_size"]).strip()
    site.population_served = data["population_served"]
    site.description = str(data["description"]).strip()
    site.contact_name = str(data["contact_name"]).strip()
    site.contact_email = str(data["contact_email"]).strip()
    site.contact_phone = str(data["contact_phone"]).strip()
    site.is_active = bool(data["is_active"])
    site.is_former = bool(data["is_former"])
    site.visit_includes = str(data["visit_includes"]).strip()
    site.source = str(data["source"]).strip()
    if not site.agency:
        errors["agency"] = _("Enter the agency's name.")
    try:
        site.full_clean()
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, " ".join(messages))
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def create_site(
    actor: Actor,
    *,
    agency: str,
    state: str,
    city: str = "",
    latitude: Coordinate = None,
    longitude: Coordinate = None,
    program_types: Sequence[str] = (),
    specialties: Sequence[str] = (),
    offers: Sequence[str] = (),
    agency_size: str = "",
    population_served: int | None = None,
    description: str = "",
    contact_name: str = "",
    contact_email: str = "",
    contact_phone: str = "",
    is_active: bool = True,
    is_former: bool = False,
    visit_includes: str = "",
    source: str = "",
) -> LearningSite:
    """Add a learning site to the public directory."""
    organization = _authorize(actor, Action.CREATE)
    site = LearningSite()
    _apply(
        site,
        _fields(
            agency=agency,
            state=state,
            city=city,
            latitude=latitude,
            longitude=longitude,
            program_types=program_types,
            specialties=specialties,
            offers=offers,
            agency_size=agency_size,
            population_served=population_served,
            description=description,
            contact_name=contact_name,
            contact_email=contact_email,
            contact_phone=contact_phone,
            is_active=is_active,
            is_former=is_former,
            visit_includes=visit_includes,
            source=source,
        ),
    )
    now = timezone.now()
    site.created_at = site.updated_at = now
    site.save()
    audit.record(
        ToolkitAudit.SITE_CREATED,
        actor=actor,
        organization_id=organization.pk,
        obj=site,
        purpose=Purpose.ADMINISTRATION,
        after=audit.snapshot(site, SITE_FIELDS),
    )
    return site


@transaction.atomic
def update_site(
    actor: Actor,
    *,
    site: LearningSite,
    agency: str,
    state: str,
    city: str = "",
    latitude: Coordinate = None,
    longitude: Coordinate = None,
    program_types: Sequence[str] = (),
    specialties: Sequence[str] = (),
    offers: Sequence[str] = (),
    agency_size: str = "",
    population_served: int | None = None,
    description: str = "",
    contact_name: str = "",
    contact_email: str = "",
    contact_phone: str = "",
    is_active: bool = True,
    is_former: bool = False,
    visit_includes: str = "",
    source: str = "",
) -> LearningSite:
    """Change a learning site (including hiding it from the directory: ``is_active=False``)."""
    organization = _authorize(actor, Action.CHANGE)
    site = LearningSite.objects.select_for_update().get(pk=site.pk)
    before = audit.snapshot(site, SITE_FIELDS)
    _apply(
        site,
        _fields(
            agency=agency,
            state=state,
            city=city,
            latitude=latitude,
            longitude=longitude,
            program_types=program_types,
            specialties=specialties,
            offers=offers,
            agency_size=agency_size,
            population_served=population_served,
            description=description,
            contact_name=contact_name,
            contact_email=contact_email,
            contact_phone=contact_phone,
            is_active=is_active,
            is_former=is_former,
            visit_includes=visit_includes,
            source=source,
        ),
    )
    after = audit.snapshot(site, SITE_FIELDS)
    if after == before:
        return site  # nothing changed: no write, no event
    site.updated_at = timezone.now()
    site.save()
    audit.record(
        ToolkitAudit.SITE_CHANGED,
        actor=actor,
        organization_id=organization.pk,
        obj=site,
        purpose=Purpose.ADMINISTRATION,
        before=before,
        after=after,
    )
    return site
