"""Every write a learning site makes for itself, and the requester's answers to it.

A learning site has its own organization (kind "learning site"), made when TTA staff invite
its first coordinator. Its coordinators change the site's public profile and, on requests that
TTA staff matched to their site, write the site's part only: the answer (accepting, with up to
three proposed dates and a note) and the record of the visit, which completes the request.
The policy's target for those writes is ``site_part``: the site's organization, writable by
its coordinators alone, so a coordinator never reaches another site's requests, and TTA staff
never write the site's words for it.

The requester, from the private status page (the link is the key), picks one of the proposed
dates and records the travel support the visiting agency asked for and received.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pmhc.platform import audit
from pmhc.platform import services as platform_services
from pmhc.platform.access import (
    Action,
    Actor,
    Target,
    decide,
    organization_today,
    system_actor,
)
from pmhc.platform.invitation_services import invite_member
from pmhc.platform.models import (
    Classification,
    Membership,
    Organization,
    OrganizationKind,
    Purpose,
    Role,
)
from pmhc.platform.services import queue_email
from pmhc.toolkit.audit_codes import ToolkitAudit
from pmhc.toolkit.models import LearningSite, ProgramTypeCode, Specialty, TARequest, TAStatus
from pmhc.toolkit.services.sites import _authorize, _codes

ADMIN = Purpose.ADMINISTRATION
#: A site proposes at most this many dates, each from today to this many days ahead.
MAX_DATES = 3
DATES_AHEAD = 365
NOTE_LIMIT = 2000
COVERED_LIMIT = 4000
#: Visitors on one visit: stated on the form and checked here.
MAX_VISITORS = 200
#: Travel support, in U.S. dollars: stated on the form and checked here.
TRAVEL_LIMIT = Decimal("10000.00")
TRAVEL_PURPOSE_LIMIT = 300

PROFILE_FIELDS = (
    "program_types",
    "specialties",
    "description",
    "visit_includes",
    "contact_name",
    "contact_email",
    "contact_phone",
)
SITE_PART_FIELDS = (
    "status",
    "site_accepted_at",
    "proposed_dates",
    "scheduled_for",
    "visit_held_on",
    "visit_visitors",
    "completed_at",
)
TRAVEL_FIELDS = ("travel_requested", "travel_purpose", "travel_received")


def site_part(site: LearningSite | None) -> Target:
    """What the policy decides on for a site's own writes: its organization, changed by its
    coordinators only. A site without accounts has no organization, so nobody may."""
    owners = frozenset({site.organization_id}) if site and site.organization_id else frozenset()
    return Target(
        organization_ids=owners,
        access_classification=Classification.AGENCY,
        access_write_roles=frozenset({Role.SITE_COORDINATOR}),
    )


def _require_site(actor: Actor, site: LearningSite | None) -> None:
    decision = decide(actor, Action.CHANGE, site_part(site), ADMIN)
    if not decision:
        raise PermissionDenied(decision.reason)


def _today(organization: Organization | None) -> dt.date:
    if organization is None:
        return timezone.localdate()
    return organization_today(organization.time_zone)


# --- TTA staff give a site its accounts -----------------------------------------------------


@transaction.atomic
def invite_coordinator(
    actor: Actor,
    *,
    site: LearningSite,
    email: str,
    first_name: str = "",
    last_name: str = "",
    invite_base_url: str = "",
) -> Organization:
    """Invite a coordinator for ``site`` by e-mail. The site's organization is made with the
    first invitation. Only TTA staff who keep the directory may; the invitation itself goes
    through the platform's one way of joining an organization."""
    tta = _authorize(actor, Action.CHANGE)
    locked = LearningSite.objects.select_for_update().get(pk=site.pk)
    if locked.is_former or not locked.is_active:
        raise ValidationError({"email": _("Only a site in the directory can have accounts.")})
    # The platform's operator steps (making an organization, inviting into one that TTA staff
    # do not run) are taken for them, under a name that says who asked.
    operator = system_actor(f"learning-site accounts ({actor.name})")
    organization = locked.organization
    if organization is None:
        organization = platform_services.create_organization(
            operator,
            slug=f"learning-site-{locked.pk}",
            name=locked.agency[:200],
            kind=OrganizationKind.LEARNING_SITE,
            time_zone=tta.time_zone,
        )
        locked.organization = organization
        locked.save(update_fields=["organization"])
    invite_member(
        operator,
        organization=organization,
        email=email,
        role=Role.SITE_COORDINATOR,
        first_name=first_name,
        last_name=last_name,
        invite_base_url=invite_base_url,
    )
    audit.record(
        ToolkitAudit.SITE_ACCOUNT_INVITED,
        actor=actor,
        organization_id=tta.pk,
        obj=locked,
        purpose=ADMIN,
        after={"organization": organization.pk, "role": Role.SITE_COORDINATOR.value},
        detail="coordinator invited",
    )
    return organization


@transaction.atomic
def link_organization(
    actor: Actor, *, site: LearningSite, organization: Organization
) -> LearningSite:
    """Give ``site`` an organization that already exists (the demo loader and platform
    operators only; TTA staff give a site its accounts with ``invite_coordinator``)."""
    if not actor.is_system:
        raise PermissionDenied(_("Only a platform operator links an organization to a site."))
    if organization.kind != OrganizationKind.LEARNING_SITE:
        raise ValidationError({"organization": _("Choose a learning site's organization.")})
    locked = LearningSite.objects.select_for_update().get(pk=site.pk)
    if locked.organization_id == organization.pk:
        return locked
    before = {"organization": locked.organization_id}
    locked.organization = organization
    locked.save(update_fields=["organization"])
    audit.record(
        ToolkitAudit.SITE_CHANGED,
        actor=actor,
        organization_id=organization.pk,
        obj=locked,
        purpose=ADMIN,
        before=before,
        after={"organization": organization.pk},
    )
    return locked


# --- The site's own profile -----------------------------------------------------------------


@transaction.atomic
def update_profile(
    actor: Actor,
    *,
    site: LearningSite,
    program_types: Sequence[str],
    specialties: Sequence[str],
    description: str,
    visit_includes: str,
    contact_name: str,
    contact_email: str,
    contact_phone: str,
) -> LearningSite:
    """The site's coordinators keep what the public reads about their site (not its name,
    place or listing, which TTA staff keep)."""
    _require_site(actor, site)
    locked = LearningSite.objects.select_for_update().get(pk=site.pk)
    _require_site(actor, locked)
    before = audit.snapshot(locked, PROFILE_FIELDS)
    errors: dict[str, str] = {}
    locked.program_types = _codes(program_types, ProgramTypeCode.values, "program_types", errors)
    locked.specialties = _codes(specialties, Specialty.values, "specialties", errors)
    locked.description = description.strip()
    locked.visit_includes = visit_includes.strip()
    locked.contact_name = contact_name.strip()
    locked.contact_email = contact_email.strip()
    locked.contact_phone = contact_phone.strip()
    try:
        locked.full_clean()
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, " ".join(messages))
    if errors:
        raise ValidationError(errors)
    after = audit.snapshot(locked, PROFILE_FIELDS)
    if after == before:
        return locked
    locked.updated_at = timezone.now()
    locked.save()
    audit.record(
        ToolkitAudit.SITE_PROFILE_CHANGED,
        actor=actor,
        organization_id=locked.organization_id,
        obj=locked,
        purpose=ADMIN,
        before=before,
        after=after,
    )
    return locked


# --- The site's part of a matched request ---------------------------------------------------


def _locked_request(ta_request: TARequest) -> TARequest:
    return (
        TARequest.objects.select_for_update(of=("self",))
        .select_related("handled_by", "matched_site", "matched_site__organization")
        .get(pk=ta_request.pk)
    )


def _clean_dates(dates: Sequence[dt.date], today: dt.date) -> list[dt.date]:
    unique = sorted(set(dates))
    if len(unique) > MAX_DATES:
        raise ValidationError({"dates": _("Propose at most %(n)d dates.") % {"n": MAX_DATES}})
    last = today + dt.timedelta(days=DATES_AHEAD)
    for day in unique:
        if day < today or day > last:
            raise ValidationError({"dates": _("Propose dates from today to a year from now.")})
    return unique


@transaction.atomic
def answer_request(
    actor: Actor,
    *,
    ta_request: TARequest,
    dates: Sequence[dt.date] = (),
    note: str = "",
) -> TARequest:
    """The matched site accepts the request, proposing up to three dates for the requester
    to choose from (none: the contact is by e-mail or call, or TTA staff set the date), with
    a note. It may answer again while no date is chosen; the requester is told each time."""
    locked = _locked_request(ta_request)
    site = locked.matched_site
    _require_site(actor, site)
    assert site is not None
    if locked.status != TAStatus.MATCHED:
        raise ValidationError(
            _("Only a request waiting for the site's answer can be answered; this one is “%(s)s”.")
            % {"s": locked.get_status_display()}
        )
    note = note.strip()
    if len(note) > NOTE_LIMIT:
        raise ValidationError(
            {"note": _("Keep the note under %(n)d characters.") % {"n": NOTE_LIMIT}}
        )
    chosen = _clean_dates(dates, _today(site.organization))
    proposed = [day.isoformat() for day in chosen]
    if locked.site_accepted_at and locked.proposed_dates == proposed and locked.site_note == note:
        # The same answer again (a repeated submit): nothing changes and nobody is told twice.
        return locked
    before = {**audit.snapshot(locked, SITE_PART_FIELDS), "site_note": locked.site_note}
    locked.site_accepted_at = timezone.now()
    locked.proposed_dates = proposed
    locked.site_note = note
    locked.save(update_fields=["site_accepted_at", "proposed_dates", "site_note"])
    audit.record(
        ToolkitAudit.TA_SITE_ANSWERED,
        actor=actor,
        organization_id=locked.handled_by_id,
        obj=locked,
        purpose=ADMIN,
        before=before,
        after={**audit.snapshot(locked, SITE_PART_FIELDS), "site_note": locked.site_note},
    )
    if chosen:
        news = _(
            "%(site)s has accepted your request and proposes these dates:\n%(dates)s\n\n"
            "Choose one on your private status page (the link is in our first message)."
        ) % {"site": site.agency, "dates": "\n".join(f"- {d.isoformat()}" for d in chosen)}
    else:
        news = _(
            "%(site)s has accepted your request and will be in touch about how it can help."
        ) % {"site": site.agency}
    if note:
        news += "\n\n" + _("Their note:\n%(note)s") % {"note": note}
    queue_email(
        actor,
        organization=locked.handled_by,
        to=[locked.email],
        subject=_("The learning site has answered your request %(ref)s")
        % {"ref": locked.reference},
        body=_("Hello %(name)s,\n\n%(news)s\n\nYour reference number is %(ref)s.\n\n%(org)s\n")
        % {
            "name": locked.contact_name,
            "news": news,
            "ref": locked.reference,
            "org": locked.handled_by.name,
        },
        purpose="ta_site_answered",
    )
    return locked


@transaction.atomic
def record_visit(
    actor: Actor,
    *,
    ta_request: TARequest,
    held_on: dt.date,
    visitors: int,
    covered: str,
) -> TARequest:
    """The matched site records the visit it held (date, how many visitors, what it
    covered), which completes the request."""
    locked = _locked_request(ta_request)
    site = locked.matched_site
    _require_site(actor, site)
    assert site is not None
    if (
        locked.status == TAStatus.COMPLETED
        and locked.visit_held_on == held_on
        and locked.visit_visitors == visitors
        and locked.visit_covered == covered.strip()
    ):
        # The same visit recorded again (a repeated submit): it is already recorded.
        return locked
    if locked.status not in {TAStatus.MATCHED, TAStatus.SCHEDULED} or not locked.site_accepted_at:
        raise ValidationError(
            _("Record a visit on a request your site has accepted and that is not yet closed.")
        )
    errors: dict[str, str] = {}
    today = _today(site.organization)
    if held_on > today:
        errors["held_on"] = _("The date of the visit cannot be in the future.")
    elif held_on < timezone.localtime(locked.received_at).date():
        errors["held_on"] = _("The visit cannot be before the request was received.")
    if not 1 <= visitors <= MAX_VISITORS:
        errors["visitors"] = _("Enter from 1 to %(n)d visitors.") % {"n": MAX_VISITORS}
    covered = covered.strip()
    if not covered:
        errors["covered"] = _("Say what the visit covered.")
    elif len(covered) > COVERED_LIMIT:
        errors["covered"] = _("Keep it under %(n)d characters.") % {"n": COVERED_LIMIT}
    if errors:
        raise ValidationError(errors)
    before = {**audit.snapshot(locked, SITE_PART_FIELDS), "visit_covered": locked.visit_covered}
    now = timezone.now()
    locked.status = TAStatus.COMPLETED
    locked.completed_at = now
    locked.visit_held_on = held_on
    locked.visit_visitors = visitors
    locked.visit_covered = covered
    locked.save(
        update_fields=["status", "completed_at", "visit_held_on", "visit_visitors", "visit_covered"]
    )
    audit.record(
        ToolkitAudit.TA_CHANGED,
        actor=actor,
        organization_id=locked.handled_by_id,
        obj=locked,
        purpose=ADMIN,
        before=before,
        after={
            **audit.snapshot(locked, SITE_PART_FIELDS),
            "visit_covered": locked.visit_covered,
            "status_changed_at": now,
        },
    )
    queue_email(
        actor,
        organization=locked.handled_by,
        to=[locked.email],
        subject=_("Your request %(ref)s is completed") % {"ref": locked.reference},
        body=_(
            "Hello %(name)s,\n\n%(site)s has recorded your visit of %(date)s, and the request "
            "is completed. Thank you for working with us.\n\nYour reference number is "
            "%(ref)s.\n\n%(org)s\n"
        )
        % {
            "name": locked.contact_name,
            "site": site.agency,
            "date": held_on.isoformat(),
            "ref": locked.reference,
            "org": locked.handled_by.name,
        },
        purpose="ta_completed",
    )
    return locked


# --- The requester, from the private status page --------------------------------------------


def site_recipients(site: LearningSite) -> list[str]:
    """Where news for a site goes: its published contact and its active coordinators."""
    addresses = [site.contact_email] if site.contact_email else []
    if site.organization_id:
        addresses += list(
            Membership.objects.filter(
                organization_id=site.organization_id,
                role=Role.SITE_COORDINATOR,
                is_active=True,
                user__is_active=True,
            )
            .exclude(user__email="")
            .order_by("user__email")
            .values_list("user__email", flat=True)
        )
    return list(dict.fromkeys(a.lower() for a in addresses))


@transaction.atomic
def choose_date(actor: Actor, *, ta_request: TARequest, day: dt.date) -> TARequest:
    """The requester picks one of the site's proposed dates: it becomes the request's date,
    and the site is told. ``ta_request`` comes from the private link (the key)."""
    locked = _locked_request(ta_request)
    site = locked.matched_site
    if locked.status == TAStatus.SCHEDULED and locked.scheduled_for == day:
        # The same date chosen again (a repeated submit): it is already the request's date.
        return locked
    if locked.status != TAStatus.MATCHED or site is None or not locked.site_accepted_at:
        raise ValidationError(_("There is no date to choose on this request now."))
    if day.isoformat() not in locked.proposed_dates:
        raise ValidationError({"day": _("Choose one of the dates the site proposed.")})
    if day < _today(site.organization):
        raise ValidationError({"day": _("That date has passed; choose a later one.")})
    before = audit.snapshot(locked, SITE_PART_FIELDS)
    now = timezone.now()
    locked.status = TAStatus.SCHEDULED
    locked.scheduled_for = day
    locked.save(update_fields=["status", "scheduled_for"])
    audit.record(
        ToolkitAudit.TA_CHANGED,
        actor=actor,
        organization_id=locked.handled_by_id,
        obj=locked,
        purpose=ADMIN,
        before=before,
        after={**audit.snapshot(locked, SITE_PART_FIELDS), "status_changed_at": now},
        detail="date chosen by the requester",
    )
    recipients = site_recipients(site)
    if recipients:
        queue_email(
            actor,
            organization=locked.handled_by,
            to=recipients,
            subject=_("A date is chosen for request %(ref)s") % {"ref": locked.reference},
            body=_(
                "Hello,\n\n%(agency)s (%(jurisdiction)s) has chosen %(date)s from the dates "
                "%(site)s proposed for request %(ref)s. The request is on your site's "
                "requests page.\n\n%(org)s\n"
            )
            % {
                "agency": locked.agency,
                "jurisdiction": locked.jurisdiction_name,
                "date": day.isoformat(),
                "site": site.agency,
                "ref": locked.reference,
                "org": locked.handled_by.name,
            },
            purpose="ta_date_chosen",
        )
    return locked


def _amount(value: Decimal | str | None, field: str, errors: dict[str, str]) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        errors[field] = _("Enter an amount in dollars, e.g. 1250 or 1250.50.")
        return None
    if not amount.is_finite() or amount < 0 or amount > TRAVEL_LIMIT:
        errors[field] = _("Enter an amount from $0 to $%(limit)s.") % {
            "limit": f"{TRAVEL_LIMIT:,.0f}"
        }
        return None
    return amount


@transaction.atomic
def record_travel(
    actor: Actor,
    *,
    ta_request: TARequest,
    requested: Decimal | str | None,
    purpose: str,
    received: Decimal | str | None = None,
) -> TARequest:
    """The visiting agency records the travel support it asked for (amount, what for) and,
    later, what it received. Only on a request matched to a site, until it is declined."""
    locked = _locked_request(ta_request)
    if locked.matched_site_id is None or locked.status == TAStatus.DECLINED:
        raise ValidationError(_("Travel support is recorded once a site is matched."))
    errors: dict[str, str] = {}
    asked = _amount(requested, "requested", errors)
    got = _amount(received, "received", errors)
    purpose = purpose.strip()
    if asked is None and "requested" not in errors:
        errors["requested"] = _("Enter the amount asked for.")
    if asked is not None and asked <= 0:
        errors["requested"] = _("Enter an amount above $0.")
    if not purpose:
        errors["purpose"] = _("Say what the support is for, e.g. airfare and two nights.")
    elif len(purpose) > TRAVEL_PURPOSE_LIMIT:
        errors["purpose"] = _("Keep it under %(n)d characters.") % {"n": TRAVEL_PURPOSE_LIMIT}
    if errors:
        raise ValidationError(errors)
    before = audit.snapshot(locked, TRAVEL_FIELDS)
    if (locked.travel_requested, locked.travel_purpose, locked.travel_received) == (
        asked,
        purpose,
        got,
    ):
        # The same support recorded again (a repeated submit): nothing changes.
        return locked
    locked.travel_requested = asked
    locked.travel_purpose = purpose
    locked.travel_received = got
    locked.save(update_fields=["travel_requested", "travel_purpose", "travel_received"])
    audit.record(
        ToolkitAudit.TA_TRAVEL_RECORDED,
        actor=actor,
        organization_id=locked.handled_by_id,
        obj=locked,
        purpose=ADMIN,
        before=before,
        after=audit.snapshot(locked, TRAVEL_FIELDS),
    )
    return locked
