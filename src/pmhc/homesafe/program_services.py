"""The agency's Home Safe settings: whether families may enrol online, the area it serves,
its areas, and who a family contacts. Kept by an administrator or coordinator of a law
enforcement agency."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pmhc.homesafe.audit_codes import HomeSafeAudit
from pmhc.homesafe.models import PROGRAM_KEEPERS, HomeSafeProgram
from pmhc.platform import audit
from pmhc.platform.access import Action, Actor, Target, decide
from pmhc.platform.models import Classification, Organization, OrganizationKind, Purpose

PURPOSE = Purpose.ADMINISTRATION
MAX_AREAS = 50
AREA_MAX = 100
FIELDS = (
    "is_open",
    "area_served",
    "areas",
    "contact_name",
    "contact_email",
    "contact_phone",
)


def program_target(organization: Organization) -> Target:
    return Target(
        frozenset({organization.pk}),
        access_classification=Classification.AGENCY,
        access_write_roles=PROGRAM_KEEPERS,
    )


def may_keep(actor: Actor, organization: Organization | None) -> bool:
    if organization is None or organization.kind != OrganizationKind.LAW_ENFORCEMENT:
        return False
    return bool(decide(actor, Action.CHANGE, program_target(organization), PURPOSE))


def clean_areas(lines: Sequence[str]) -> list[str]:
    areas: list[str] = []
    for line in lines:
        area = " ".join(line.split())
        if area and area not in areas:
            areas.append(area)
    if len(areas) > MAX_AREAS:
        raise ValidationError({"areas": _("List at most %(max)d areas.") % {"max": MAX_AREAS}})
    if any(len(area) > AREA_MAX for area in areas):
        raise ValidationError(
            {"areas": _("Keep each area to %(max)d characters.") % {"max": AREA_MAX}}
        )
    return areas


@transaction.atomic
def update_program(
    actor: Actor,
    *,
    organization: Organization,
    is_open: bool,
    area_served: str = "",
    areas: Sequence[str] = (),
    contact_name: str = "",
    contact_email: str = "",
    contact_phone: str = "",
) -> HomeSafeProgram:
    """Change the agency's settings. Opening it to the public needs a contact: the public
    pages name who to ask to see or correct what is held, or to complain."""
    if not may_keep(actor, organization):
        raise PermissionDenied("only an administrator or coordinator of a law enforcement agency")
    program, _created = HomeSafeProgram.objects.select_for_update().get_or_create(
        organization=organization
    )
    before = audit.snapshot(program, FIELDS)
    program.is_open = is_open
    program.area_served = area_served.strip()
    program.areas = clean_areas(areas)
    program.contact_name = contact_name.strip()
    program.contact_email = contact_email.strip()
    program.contact_phone = contact_phone.strip()
    if is_open and not (program.contact_name and (program.contact_email or program.contact_phone)):
        raise ValidationError(
            {
                "contact_name": _(
                    "Before families may enrol online, name a contact with an e-mail address "
                    "or a phone number: the public pages say who to ask."
                )
            }
        )
    program.updated_at = timezone.now()
    program.full_clean()
    program.save()
    audit.record(
        HomeSafeAudit.PROGRAM_CHANGED,
        actor=actor,
        organization_id=organization.pk,
        obj=program,
        purpose=PURPOSE,
        before=before,
        after=audit.snapshot(program, FIELDS),
    )
    return program
