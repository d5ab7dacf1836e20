"""Every write of Plan: the community profile, the One Mind pledge date and the adopted model
policy. Coordinators and administrators of the organization write them (see ``models``); each
save is audited with before and after in the same transaction."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pmhc.planning.audit_codes import PlanningAudit
from pmhc.planning.models import MAX_CALL_MINUTES, CommunityProfile, Pledge
from pmhc.planning.selectors import plan_target
from pmhc.platform import audit, uploads
from pmhc.platform.access import Action, Actor, decide
from pmhc.platform.models import Organization, Purpose

ADMIN = Purpose.ADMINISTRATION

PROFILE_FIELDS = (
    "population",
    "area_square_miles",
    "setting",
    "sworn_officers",
    "patrol_per_shift",
    "shifts",
    "first_shift_starts",
    "districts",
    "calls_per_year",
    "mh_calls_per_year",
    "mh_call_percent",
    "hourly_pattern",
    "weekday_pattern",
    "on_scene_minutes",
    "travel_minutes",
    "has_crisis_line",
    "has_mobile_crisis",
    "has_receiving_center",
    "has_co_responders",
    "case_management_capacity",
    "has_psychiatric_emergency",
    "service_target_percent",
    "answer_within_minutes",
    "overflow_bound_percent",
    "cit_available_percent",
)
PLEDGE_FIELDS = ("pledged_on",)
POLICY_FIELDS = (
    "policy_title",
    "policy_adopted_on",
    "policy_file_name",
    "policy_content_type",
    "policy_file_size",
)
#: The model policy is a document: PDF, Word or plain text (``platform.uploads`` checks it).
POLICY_KINDS = (uploads.PDF, uploads.DOCX, uploads.TEXT)
POLICY_TITLE_MAX = Pledge._meta.get_field("policy_title").max_length or 200


def _authorize(actor: Actor, action: Action, organization: Organization) -> None:
    decision = decide(actor, action, plan_target(organization), ADMIN)
    if not decision:
        raise PermissionDenied(decision.reason)


def _names(values: Sequence[str], field: str, what: str, errors: dict[str, str]) -> list[str]:
    names = [str(v).strip() for v in values if str(v).strip()]
    if not names:
        errors[field] = _("Enter at least one %(what)s.") % {"what": what}
    elif len({n.casefold() for n in names}) != len(names):
        errors[field] = _("Each %(what)s name may appear only once.") % {"what": what}
    elif any(len(n) > 60 for n in names):
        errors[field] = _("Keep each name to 60 characters or fewer.")
    return names


def _pattern(values: Sequence[float], size: int, field: str, errors: dict[str, str]) -> list[float]:
    numbers = [float(v) for v in values]
    if numbers and len(numbers) != size:
        errors[field] = _("Enter %(size)d numbers, or leave it empty.") % {"size": size}
    elif any(n < 0 for n in numbers):
        errors[field] = _("The numbers cannot be negative.")
    elif numbers and sum(numbers) <= 0:
        errors[field] = _("At least one of the numbers must be more than zero.")
    return numbers


def _apply(profile: CommunityProfile, data: dict[str, Any]) -> None:
    unknown = set(data) - set(PROFILE_FIELDS)
    if unknown:
        raise TypeError(f"unknown profile fields: {', '.join(sorted(unknown))}")
    errors: dict[str, str] = {}
    for name, value in data.items():
        setattr(profile, name, value)
    profile.shifts = _names(data.get("shifts") or [], "shifts", _("shift"), errors)
    profile.districts = _names(data.get("districts") or [], "districts", _("district"), errors)
    if profile.shifts and 24 % len(profile.shifts):
        errors["shifts"] = _(
            "The staffing model splits the day into equal shifts: enter 1, 2, 3, 4, 6 or 8 shifts."
        )
    profile.hourly_pattern = _pattern(
        data.get("hourly_pattern") or [], 24, "hourly_pattern", errors
    )
    profile.weekday_pattern = _pattern(
        data.get("weekday_pattern") or [], 7, "weekday_pattern", errors
    )
    if profile.mh_calls_per_year is None and profile.mh_call_percent is None:
        errors["mh_calls_per_year"] = _(
            "Enter the mental health calls counted in a year, or their estimated share of all "
            "calls."
        )
    elif (
        profile.mh_calls_per_year is not None
        and profile.calls_per_year is not None
        and profile.mh_calls_per_year > profile.calls_per_year
    ):
        errors["mh_calls_per_year"] = _(
            "Mental health calls cannot be more than all calls for service."
        )
    scene, travel = profile.on_scene_minutes, profile.travel_minutes
    for field, minutes in (("on_scene_minutes", scene), ("travel_minutes", travel)):
        if minutes is not None and float(minutes) > MAX_CALL_MINUTES:
            errors[field] = _("Enter at most %(max)d minutes (a day).") % {"max": MAX_CALL_MINUTES}
    if scene is not None and travel is not None and float(scene) + float(travel) <= 0:
        errors["on_scene_minutes"] = _("A call takes some time: enter the time on scene.")
    try:
        profile.full_clean(exclude=["organization", "updated_by", *errors])
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, " ".join(messages))
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def save_profile(actor: Actor, *, organization: Organization, **fields: Any) -> CommunityProfile:
    """Create or change ``organization``'s community profile (every field of
    ``PROFILE_FIELDS``, as keyword arguments)."""
    missing = set(PROFILE_FIELDS) - set(fields)
    if missing:
        raise TypeError(f"missing profile fields: {', '.join(sorted(missing))}")
    existing = (
        CommunityProfile.objects.select_for_update().filter(organization=organization).first()
    )
    _authorize(actor, Action.CHANGE if existing else Action.CREATE, organization)
    profile = existing or CommunityProfile(organization=organization)
    before = audit.snapshot(profile, PROFILE_FIELDS) if existing else None
    _apply(profile, dict(fields))
    after = audit.snapshot(profile, PROFILE_FIELDS)
    if before == after:
        return profile  # nothing changed: no write, no event
    profile.updated_at = timezone.now()
    profile.updated_by_id = actor.user_id
    profile.save()
    audit.record(
        PlanningAudit.PROFILE_SAVED,
        actor=actor,
        organization_id=organization.pk,
        obj=profile,
        purpose=ADMIN,
        before=before,
        after=after,
    )
    return profile


def _pledge_for_change(actor: Actor, organization: Organization) -> tuple[Pledge, bool]:
    existing = Pledge.objects.select_for_update().filter(organization=organization).first()
    _authorize(actor, Action.CHANGE if existing else Action.CREATE, organization)
    return existing or Pledge(organization=organization), existing is not None


@transaction.atomic
def save_pledge(actor: Actor, *, organization: Organization, pledged_on: dt.date) -> Pledge:
    """Record the date ``organization`` took the One Mind pledge."""
    pledge, existed = _pledge_for_change(actor, organization)
    if pledged_on > timezone.localdate() + dt.timedelta(days=366):
        raise ValidationError(
            {"pledged_on": _("Enter the date the pledge was (or will be) taken.")}
        )
    before = audit.snapshot(pledge, PLEDGE_FIELDS) if existed else None
    pledge.pledged_on = pledged_on
    after = audit.snapshot(pledge, PLEDGE_FIELDS)
    if before == after:
        return pledge
    pledge.updated_at = timezone.now()
    pledge.updated_by_id = actor.user_id
    pledge.save()
    audit.record(
        PlanningAudit.PLEDGE_SAVED,
        actor=actor,
        organization_id=organization.pk,
        obj=pledge,
        purpose=ADMIN,
        before=before,
        after=after,
    )
    return pledge


def _check_policy_file(upload: UploadedFile) -> uploads.CheckedUpload:
    return uploads.check_upload(
        upload,
        POLICY_KINDS,
        allowed_message=_("Attach the policy as a PDF, Word (.docx) or text file."),
    )


@transaction.atomic
def record_policy(
    actor: Actor,
    *,
    organization: Organization,
    title: str,
    adopted_on: dt.date | None,
    file: UploadedFile | None = None,
) -> Pledge:
    """Record the model policy: its title, the date it was adopted and, when given, its
    document (replacing the one before). The document is stored under a random name."""
    pledge, existed = _pledge_for_change(actor, organization)
    title = title.strip()
    errors: dict[str, str] = {}
    if not title:
        errors["title"] = _("Enter the policy's title.")
    elif len(title) > POLICY_TITLE_MAX:
        errors["title"] = _("Keep the policy's title to %(n)d characters.") % {
            "n": POLICY_TITLE_MAX
        }
    if adopted_on is not None and adopted_on > timezone.localdate() + dt.timedelta(days=366):
        errors["adopted_on"] = _("Enter the date the policy was (or will be) adopted.")
    if file is None and not pledge.policy_file:
        errors["file"] = _("Attach the policy document.")
    checked = None
    if file is not None:
        try:
            checked = _check_policy_file(file)
        except ValidationError as exc:
            errors.update({k: " ".join(v) for k, v in exc.message_dict.items()})
    if errors:
        raise ValidationError(errors)
    before = audit.snapshot(pledge, POLICY_FIELDS) if existed else None
    pledge.policy_title = title
    pledge.policy_adopted_on = adopted_on
    old_file = pledge.policy_file.name if pledge.policy_file else ""
    if file is not None and checked is not None:
        pledge.policy_file.save(f"{secrets.token_hex(16)}.bin", file, save=False)
        pledge.policy_file_name = checked.name
        pledge.policy_content_type = checked.content_type
        pledge.policy_file_size = checked.size
    after = audit.snapshot(pledge, POLICY_FIELDS)
    if file is None and before == after:
        return pledge
    pledge.updated_at = timezone.now()
    pledge.updated_by_id = actor.user_id
    pledge.save()
    audit.record(
        PlanningAudit.POLICY_ADOPTED,
        actor=actor,
        organization_id=organization.pk,
        obj=pledge,
        purpose=ADMIN,
        before=before,
        after={**after, "file_replaced": bool(file is not None and old_file)},
    )
    if file is not None and old_file:
        from django.core.files.storage import default_storage

        transaction.on_commit(lambda: default_storage.delete(old_file))
    return pledge
