"""Every write a family makes: the enrolment sent from the public form, the e-mail address
confirmed, changes, re-confirmation and withdrawal through the private link.

A family has no account: the private link (a token only its hash of is stored) is what lets
it act, so these services take the token, not an actor, and the trail names the family as
"family (private link)". The agency's own steps are in ``registry_services``.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.db import transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from pmhc.homesafe import registry_common as common
from pmhc.homesafe.audit_codes import HomeSafeAudit
from pmhc.homesafe.models import (
    RECONFIRM_MONTHS,
    Caregiver,
    Condition,
    ConsentBy,
    EnrolledBy,
    Enrolment,
    EnrolmentStatus,
    HomeSafeProgram,
)
from pmhc.platform import audit, dates
from pmhc.platform.access import ANONYMOUS, Actor
from pmhc.platform.services import queue_email
from pmhc.platform.uploads import JPEG, PNG, check_upload

#: How many people a family lists to call, and the photo's largest size.
MAX_CAREGIVERS = 4
PHOTO_MAX_MB = 5
PHOTO_MAX_BYTES = PHOTO_MAX_MB * 1024 * 1024
TEXT_MAX = 2000
#: What the family writes about the person (the fields of the IACP guide, FACTS.md).
CONTENT_FIELDS = (
    "full_name",
    "preferred_name",
    "date_of_birth",
    "address",
    "area",
    "conditions",
    "sex",
    "height_cm",
    "weight_kg",
    "hair",
    "eyes",
    "description",
    "communication",
    "medical_needs",
    "calming",
    "avoid",
    "routines",
    "places",
    "attracted_to_water",
    "attracted_to_traffic",
    "wandering_direction",
    "device_type",
    "device_identifier",
    "device_access",
    "photo_taken_on",
)
LONG_TEXT = ("description", "communication", "medical_needs", "calming", "avoid", "routines")
SUBMITTER_FIELDS = (
    "submitter_name",
    "submitter_relationship",
    "submitter_email",
    "submitter_phone",
)
#: What withdrawing blanks at once: everything said about the person and who to call.
BLANKED: dict[str, Any] = {
    "full_name": "",
    "preferred_name": "",
    "date_of_birth": None,
    "address": "",
    "area": "",
    "conditions": [],
    "sex": "",
    "height_cm": None,
    "weight_kg": None,
    "hair": "",
    "eyes": "",
    "description": "",
    "communication": "",
    "medical_needs": "",
    "calming": "",
    "avoid": "",
    "routines": "",
    "places": "",
    "attracted_to_water": False,
    "attracted_to_traffic": False,
    "wandering_direction": "",
    "device_type": "",
    "device_identifier": "",
    "device_access": "",
    "consent_name": "",
    "submitter_name": "",
    "submitter_relationship": "",
    "submitter_phone": "",
    "submitter_email": "",
    "photo": "",
    "photo_content_type": "",
    "photo_taken_on": None,
    "review_note": "",
}


@dataclass
class CaregiverEntry:
    name: str = ""
    relationship: str = ""
    phone: str = ""
    email: str = ""

    @property
    def is_empty(self) -> bool:
        return not any((self.name.strip(), self.relationship.strip(), self.phone.strip()))


@dataclass(frozen=True)
class Photo:
    """A checked photo, ready to save."""

    upload: UploadedFile
    content_type: str


def check_photo(upload: UploadedFile, *, field: str = "photo") -> Photo:
    """A PNG or JPEG photo of at most ``PHOTO_MAX_MB`` MB, or a ``ValidationError``.

    The photo is drawn again from its pixels, turned the way the camera held it, so that what
    is kept holds no metadata: a phone's photo often carries where it was taken (the home)."""
    checked = check_upload(
        upload,
        [PNG, JPEG],
        field=field,
        max_bytes=PHOTO_MAX_BYTES,
        allowed_message=_("Choose a photo saved as PNG or JPEG (.png, .jpg or .jpeg)."),
    )
    return Photo(_without_metadata(upload, checked.content_type, field), checked.content_type)


#: The most pixels a photo may have (a 50-megapixel camera's; larger is refused, not drawn).
PHOTO_MAX_PIXELS = 50_000_000


def _without_metadata(upload: UploadedFile, content_type: str, field: str) -> UploadedFile:
    from PIL import Image, ImageOps, UnidentifiedImageError

    upload.seek(0)
    try:
        with Image.open(upload) as opened:
            if opened.width * opened.height > PHOTO_MAX_PIXELS:
                raise ValidationError(
                    {field: _("This photo is too large to show; send a smaller one.")}
                )
            image = ImageOps.exif_transpose(opened)
            image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise ValidationError(
            {field: _("This photo could not be read; choose another PNG or JPEG photo.")}
        ) from exc
    buffer = io.BytesIO()
    if content_type == JPEG.content_type:
        image.convert("RGB").save(buffer, format="JPEG", quality=90)
    else:
        image.save(buffer, format="PNG")
    return SimpleUploadedFile(upload.name or "photo", buffer.getvalue(), content_type=content_type)


def reconfirm_by(day: dt.date) -> dt.date:
    return dates.add_months(day, RECONFIRM_MONTHS)


def private_path(token: str) -> str:
    return reverse("homesafe_mine", kwargs={"token": token})


def confirm_path(token: str) -> str:
    return reverse("homesafe_confirm", kwargs={"token": token})


def clean_caregivers(entries: Sequence[CaregiverEntry]) -> list[CaregiverEntry]:
    listed = [entry for entry in entries if not entry.is_empty]
    if len(listed) > MAX_CAREGIVERS:
        raise ValidationError(
            {"caregivers": _("List at most %(max)d people to call.") % {"max": MAX_CAREGIVERS}}
        )
    if not listed:
        raise ValidationError(
            {"caregivers": _("Give at least one person to call, with a phone number.")}
        )
    for entry in listed:
        if not entry.name.strip() or not entry.phone.strip():
            raise ValidationError(
                {"caregivers": _("Give each person to call a name and a phone number.")}
            )
    return listed


def clean_content(values: Mapping[str, Any], areas: Sequence[str]) -> dict[str, Any]:
    content = {name: values.get(name) for name in CONTENT_FIELDS if name in values}
    for name, value in list(content.items()):
        if isinstance(value, str):
            content[name] = value.strip()
    errors: dict[str, str] = {}
    if not content.get("full_name"):
        errors["full_name"] = _("Give the person's full name.")
    for name in LONG_TEXT:
        if len(content.get(name) or "") > TEXT_MAX:
            errors[name] = _("Keep this to %(max)d characters.") % {"max": TEXT_MAX}
    conditions = list(content.get("conditions") or [])
    if any(value not in Condition.values for value in conditions):
        errors["conditions"] = _("Choose from the conditions listed.")
    content["conditions"] = [value for value in Condition.values if value in conditions]
    area = content.get("area") or ""
    if areas and area and area not in areas:
        errors["area"] = _("Choose one of the agency's areas.")
    born = content.get("date_of_birth")
    if born is not None and born > timezone.localdate():
        errors["date_of_birth"] = _("The date of birth cannot be in the future.")
    taken = content.get("photo_taken_on")
    if taken is not None and taken > timezone.localdate():
        errors["photo_taken_on"] = _("The day the photo was taken cannot be in the future.")
    if errors:
        raise ValidationError(errors)
    return content


def _save_caregivers(enrolment: Enrolment, entries: Sequence[CaregiverEntry]) -> None:
    enrolment.caregivers.all().delete()
    Caregiver.objects.bulk_create(
        Caregiver(
            enrolment=enrolment,
            position=position,
            name=entry.name.strip(),
            relationship=entry.relationship.strip(),
            phone=entry.phone.strip(),
            email=entry.email.strip(),
        )
        for position, entry in enumerate(entries)
    )


def _set_photo(enrolment: Enrolment, photo: Photo | None) -> str:
    """Put the new photo in place; the name of the old file to delete once committed."""
    if photo is None:
        return ""
    old = enrolment.photo.name or ""
    extension = ".png" if photo.content_type == PNG.content_type else ".jpg"
    enrolment.photo.save(f"{enrolment.reference}{extension}", photo.upload, save=False)
    enrolment.photo_content_type = photo.content_type
    return old


def delete_file_on_commit(name: str) -> None:
    if not name:
        return
    from django.core.files.storage import default_storage

    transaction.on_commit(lambda: default_storage.delete(name))


def open_program(slug: str) -> HomeSafeProgram:
    """The program of an agency that takes enrolments online, or 404."""
    program = (
        HomeSafeProgram.objects.select_related("organization")
        .filter(organization__slug=slug, is_open=True)
        .first()
    )
    if program is None:
        raise Http404("Not found")
    return program


@transaction.atomic
def submit_enrolment(
    *,
    program: HomeSafeProgram,
    content: Mapping[str, Any],
    caregivers: Sequence[CaregiverEntry],
    enrolled_by: str,
    consent_by: str,
    consent_name: str,
    submitter: Mapping[str, str],
    photo: Photo | None = None,
    base_url: str = "",
) -> tuple[Enrolment, str]:
    """A family, a guardian or the person enrols with an agency that takes enrolments online.
    The enrolment waits for the e-mail address to be confirmed; returns it and the private
    link's token (sent by e-mail, never kept)."""
    program = HomeSafeProgram.objects.select_for_update().get(pk=program.pk)
    if not program.is_open:
        raise ValidationError(_("This agency is not taking enrolments online."))
    if enrolled_by not in {EnrolledBy.FAMILY, EnrolledBy.GUARDIAN, EnrolledBy.SELF}:
        raise ValidationError({"enrolled_by": _("Say who is filling in this form.")})
    values = clean_content(content, program.areas)
    listed = clean_caregivers(caregivers)
    enrolment = _new_enrolment(
        program.organization_id,
        values,
        enrolled_by=enrolled_by,
        consent_by=consent_by,
        consent_name=consent_name,
        submitter=submitter,
    )
    token, digest = common.new_token()
    enrolment.token_hash = digest
    # Never confirmed, it is deleted on the retention schedule counted from today.
    enrolment.purge_after = program.organization.today()
    _set_photo(enrolment, photo)
    enrolment.full_clean(exclude=["photo"])
    enrolment.save()
    _save_caregivers(enrolment, listed)
    common.record(HomeSafeAudit.ENROLMENT_SUBMITTED, ANONYMOUS, enrolment)
    link = common.absolute_link(base_url, confirm_path(token))
    queue_email(
        ANONYMOUS,
        organization=program.organization,
        to=[enrolment.submitter_email],
        subject=_("Confirm your Home Safe enrolment (%(ref)s)") % {"ref": enrolment.reference},
        body=_(
            "Hello %(name)s,\n\n"
            "You asked %(agency)s to add %(person)s to its Home Safe registry.\n\n"
            "Please confirm your e-mail address by opening this private link. The agency "
            "reviews the enrolment once you have confirmed it:\n%(link)s\n\n"
            "The same link lets you see, change, re-confirm or withdraw the enrolment at any "
            "time. Keep it private: anyone with the link can see what you wrote.\n\n"
            "If you did not send this, do nothing: an enrolment that is not confirmed is "
            "never reviewed or searched.\n\n%(agency)s\n"
        )
        % {
            "name": enrolment.submitter_name,
            "agency": program.organization.name,
            "person": enrolment.full_name,
            "link": link,
        },
        purpose="homesafe_confirm",
    )
    return enrolment, token


def _new_enrolment(
    organization_id: int,
    values: Mapping[str, Any],
    *,
    enrolled_by: str,
    consent_by: str,
    consent_name: str,
    submitter: Mapping[str, str],
) -> Enrolment:
    errors: dict[str, str] = {}
    if consent_by not in ConsentBy.values:
        errors["consent_by"] = _("Say who gives consent: the person or their legal guardian.")
    if not consent_name.strip():
        errors["consent_name"] = _("Give the name of who consents.")
    if not (submitter.get("submitter_name") or "").strip():
        errors["submitter_name"] = _("Give your name.")
    if not (submitter.get("submitter_email") or "").strip():
        errors["submitter_email"] = _("Give your e-mail address: the private link is sent there.")
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    return Enrolment(
        organization_id=organization_id,
        reference=common.next_reference("HS"),
        status=EnrolmentStatus.UNCONFIRMED,
        enrolled_by=enrolled_by,
        consent_by=consent_by,
        consent_name=consent_name.strip(),
        consent_at=now,
        submitted_at=now,
        updated_at=now,
        **{name: (submitter.get(name) or "").strip() for name in SUBMITTER_FIELDS},
        **values,
    )


def by_token(token: str, *, lock: bool = False) -> Enrolment:
    """The one enrolment a private link opens, or 404 (an unknown link and a withdrawn or
    purged enrolment look alike)."""
    queryset = Enrolment.objects.select_related("organization")
    if lock:
        queryset = queryset.select_for_update()
    enrolment = queryset.filter(token_hash=common.token_hash(token)).first()
    if enrolment is None or enrolment.status == EnrolmentStatus.WITHDRAWN:
        raise Http404("Not found")
    return enrolment


def read_by_family(token: str, *, shown: str) -> Enrolment:
    """The enrolment a private link opens, for the family to read (``shown``: what the page
    shows, e.g. "enrolment" or "photo"); the read is in the agency's trail like any other, so
    that a link that has leaked leaves a trace."""
    enrolment = by_token(token)
    audit.record_read(
        HomeSafeAudit.ENROLMENT_READ,
        actor=ANONYMOUS,
        organization_id=enrolment.organization_id,
        purpose=common.PURPOSE,
        obj=enrolment,
        detail=f"{common.FAMILY}: {shown}",
    )
    return enrolment


@transaction.atomic
def confirm_email(*, token: str) -> Enrolment:
    """The family opened the link from the first e-mail: the enrolment goes to review and the
    agency's reviewers are told. Opening it again changes nothing."""
    enrolment = by_token(token, lock=True)
    if enrolment.status != EnrolmentStatus.UNCONFIRMED:
        return enrolment
    before = common.snapshot(enrolment)
    enrolment.status = EnrolmentStatus.IN_REVIEW
    enrolment.email_confirmed_at = timezone.now()
    enrolment.purge_after = None
    enrolment.save(update_fields=["status", "email_confirmed_at", "purge_after"])
    common.record(HomeSafeAudit.ENROLMENT_CONFIRMED, ANONYMOUS, enrolment, before=before)
    tell_reviewers(enrolment)
    return enrolment


def tell_reviewers(enrolment: Enrolment, *, changed: bool = False) -> None:
    """E-mail the agency's reviewers: an enrolment waits for review, or (``changed``) the
    family changed one that is in the registry, which responders already see."""
    to = common.reviewer_emails(enrolment.organization)
    if not to:
        return
    if changed:
        queue_email(
            ANONYMOUS,
            organization=enrolment.organization,
            to=to,
            subject=_("A Home Safe enrolment was changed by the family (%(ref)s)")
            % {"ref": enrolment.reference},
            body=_(
                "The family changed Home Safe enrolment %(ref)s, which is in the registry: "
                "responders see the change now. Sign in to pmhc and open Home Safe, "
                '"Changed by the family since review", to check it.\n'
            )
            % {"ref": enrolment.reference},
            purpose="homesafe_review",
        )
        return
    queue_email(
        ANONYMOUS,
        organization=enrolment.organization,
        to=to,
        subject=_("A Home Safe enrolment waits for review (%(ref)s)")
        % {"ref": enrolment.reference},
        body=_(
            "A Home Safe enrolment, %(ref)s, waits for your review. Sign in to pmhc and open "
            "Home Safe to review it.\n"
        )
        % {"ref": enrolment.reference},
        purpose="homesafe_review",
    )


@transaction.atomic
def change_enrolment(
    *,
    token: str,
    content: Mapping[str, Any],
    caregivers: Sequence[CaregiverEntry],
    submitter: Mapping[str, str],
    photo: Photo | None = None,
    remove_photo: bool = False,
) -> Enrolment:
    """The family changes what the registry holds. An enrolment in the registry stays there;
    the agency sees it as changed since its review."""
    enrolment = by_token(token, lock=True)
    program = HomeSafeProgram.objects.filter(organization_id=enrolment.organization_id).first()
    values = clean_content(content, program.areas if program else [])
    listed = clean_caregivers(caregivers)
    if not (submitter.get("submitter_name") or "").strip():
        raise ValidationError({"submitter_name": _("Give your name.")})
    before = common.snapshot(enrolment)
    for name, value in values.items():
        setattr(enrolment, name, value)
    for name in ("submitter_name", "submitter_relationship", "submitter_phone"):
        setattr(enrolment, name, (submitter.get(name) or "").strip())
    old_photo = ""
    if photo is not None:
        old_photo = _set_photo(enrolment, photo)
    elif remove_photo and enrolment.photo:
        old_photo = enrolment.photo.name
        enrolment.photo = ""
        enrolment.photo_content_type = ""
    if enrolment.status == EnrolmentStatus.DECLINED:
        # A declined enrolment that the family changes goes back to the agency.
        enrolment.status = EnrolmentStatus.IN_REVIEW
        enrolment.purge_after = None
        tell_reviewers(enrolment)
    elif enrolment.status == EnrolmentStatus.ACTIVE:
        tell_reviewers(enrolment, changed=True)
    # ``updated_at`` is when what the record says last changed: after ``reviewed_at`` it
    # shows the agency a change since its review.
    enrolment.updated_at = timezone.now()
    enrolment.full_clean(exclude=["photo", "token_hash"])
    enrolment.save()
    _save_caregivers(enrolment, listed)
    delete_file_on_commit(old_photo)
    common.record(HomeSafeAudit.ENROLMENT_CHANGED, ANONYMOUS, enrolment, before=before)
    return enrolment


def reconfirm(enrolment: Enrolment, actor: Actor | None = None) -> None:
    """Mark ``enrolment`` (locked by the caller) as confirmed now, for six months more."""
    before = common.snapshot(enrolment)
    now = timezone.now()
    enrolment.confirmed_at = now
    enrolment.confirm_by = reconfirm_by(enrolment.organization.today())
    enrolment.reminders_sent = 0
    enrolment.last_reminder_at = None
    if enrolment.status == EnrolmentStatus.HIDDEN:
        enrolment.status = EnrolmentStatus.ACTIVE
        enrolment.hidden_at = None
        enrolment.purge_after = None
    enrolment.save(
        update_fields=[
            "confirmed_at",
            "confirm_by",
            "reminders_sent",
            "last_reminder_at",
            "status",
            "hidden_at",
            "purge_after",
        ]
    )
    common.record(HomeSafeAudit.ENROLMENT_RECONFIRMED, actor, enrolment, before=before)


@transaction.atomic
def reconfirm_enrolment(*, token: str) -> Enrolment:
    """The family says the record is still right: six more months; a record hidden for want
    of re-confirmation is back in the registry at once."""
    enrolment = by_token(token, lock=True)
    if enrolment.status not in {EnrolmentStatus.ACTIVE, EnrolmentStatus.HIDDEN}:
        raise ValidationError(
            _("Only an enrolment in the registry, or hidden from it, can be re-confirmed.")
        )
    reconfirm(enrolment)
    return enrolment


@transaction.atomic
def withdraw_enrolment(*, token: str) -> Enrolment:
    """The family withdraws: the enrolment leaves the registry at once, everything said about
    the person is blanked now and the photo deleted; the row that is left (reference, dates)
    goes on the retention schedule. The private link opens nothing afterwards."""
    enrolment = by_token(token, lock=True)
    before = common.snapshot(enrolment)
    photo = enrolment.photo.name or ""
    now = timezone.now()
    for name, value in BLANKED.items():
        setattr(enrolment, name, value)
    enrolment.status = EnrolmentStatus.WITHDRAWN
    enrolment.withdrawn_at = now
    enrolment.purge_after = enrolment.organization.today()
    enrolment.updated_at = now
    enrolment.save()
    enrolment.caregivers.all().delete()
    delete_file_on_commit(photo)
    common.record(HomeSafeAudit.ENROLMENT_WITHDRAWN, ANONYMOUS, enrolment, before=before)
    return enrolment
