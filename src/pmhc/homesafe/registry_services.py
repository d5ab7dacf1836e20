"""Every write the agency makes in its registry: the review (approve or decline), and an
enrolment taken in person. Each asks the access policy and writes the trail in the same
transaction; the family hears by e-mail once it is committed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pmhc.homesafe import enrol_services
from pmhc.homesafe import registry_common as common
from pmhc.homesafe.audit_codes import HomeSafeAudit
from pmhc.homesafe.models import (
    ENROLMENT_REVIEWERS,
    EnrolledBy,
    Enrolment,
    EnrolmentStatus,
    HomeSafeProgram,
)
from pmhc.platform.access import Action, Actor
from pmhc.platform.models import Organization
from pmhc.platform.services import queue_email

NOTE_MAX = 2000


def _locked(actor: Actor, enrolment: Enrolment) -> Enrolment:
    locked = (
        Enrolment.objects.select_related("organization").select_for_update().get(pk=enrolment.pk)
    )
    common.authorize(actor, Action.CHANGE, locked)
    if not common.is_reviewer(actor, locked.organization_id):
        raise PermissionDenied("only a coordinator or supervisor reviews enrolments")
    return locked


def _tell_family(enrolment: Enrolment, subject: str, body: str) -> None:
    if not enrolment.submitter_email:
        return
    queue_email(
        common.ANONYMOUS,
        organization=enrolment.organization,
        to=[enrolment.submitter_email],
        subject=subject,
        body=body,
        purpose="homesafe_review",
    )


def _approve(actor: Actor, enrolment: Enrolment) -> None:
    now = timezone.now()
    enrolment.status = EnrolmentStatus.ACTIVE
    enrolment.reviewed_at = now
    enrolment.reviewed_by_id = actor.user_id
    enrolment.review_note = ""
    enrolment.confirmed_at = now
    enrolment.confirm_by = enrol_services.reconfirm_by(enrolment.organization.today())
    enrolment.reminders_sent = 0
    enrolment.last_reminder_at = None
    enrolment.hidden_at = None
    enrolment.purge_after = None


@transaction.atomic
def approve(actor: Actor, *, enrolment: Enrolment) -> Enrolment:
    """A coordinator or supervisor accepts the enrolment (or a change the family made to it):
    it is in the registry, can be searched, and is due for re-confirmation in six months."""
    enrolment = _locked(actor, enrolment)
    changed = enrolment.status == EnrolmentStatus.ACTIVE and (
        enrolment.reviewed_at is not None and enrolment.updated_at > enrolment.reviewed_at
    )
    if enrolment.status != EnrolmentStatus.IN_REVIEW and not changed:
        raise ValidationError(_("This enrolment is not waiting for a review."))
    before = common.snapshot(enrolment)
    _approve(actor, enrolment)
    enrolment.save()
    common.record(
        HomeSafeAudit.ENROLMENT_REVIEWED,
        actor,
        enrolment,
        before=before,
        detail=f"enrolment {enrolment.reference} approved",
    )
    _tell_family(
        enrolment,
        # Subjects name no one: administrators see them in the organization's e-mail list.
        _("Home Safe: your enrolment is in the registry (%(ref)s)") % {"ref": enrolment.reference},
        _(
            "Hello %(name)s,\n\n"
            "%(agency)s has reviewed the enrolment of %(person)s and added it to its Home Safe "
            "registry. Its officers and health partners can now find it if %(person)s goes "
            "missing.\n\n"
            "We will ask you to re-confirm it by %(due)s. You can see, change or withdraw it at "
            "any time through the private link we sent you when you enrolled.\n\n%(agency)s\n"
        )
        % {
            "name": enrolment.submitter_name,
            "agency": enrolment.organization.name,
            "person": enrolment.full_name,
            "due": enrolment.confirm_by,
        },
    )
    return enrolment


@transaction.atomic
def decline(actor: Actor, *, enrolment: Enrolment, note: str) -> Enrolment:
    """A coordinator or supervisor does not accept the enrolment, saying why in a note the
    family reads on its private page; the enrolment goes on the retention schedule."""
    enrolment = _locked(actor, enrolment)
    note = note.strip()
    if not note:
        raise ValidationError({"note": _("Tell the family why, so that they can answer.")})
    if len(note) > NOTE_MAX:
        raise ValidationError(
            {"note": _("Keep the note to %(max)d characters.") % {"max": NOTE_MAX}}
        )
    if enrolment.status != EnrolmentStatus.IN_REVIEW:
        raise ValidationError(_("This enrolment is not waiting for a review."))
    before = common.snapshot(enrolment)
    enrolment.status = EnrolmentStatus.DECLINED
    enrolment.reviewed_at = timezone.now()
    enrolment.reviewed_by_id = actor.user_id
    enrolment.review_note = note
    enrolment.purge_after = enrolment.organization.today()
    enrolment.save()
    common.record(
        HomeSafeAudit.ENROLMENT_REVIEWED,
        actor,
        enrolment,
        before=before,
        detail=f"enrolment {enrolment.reference} declined",
    )
    _tell_family(
        enrolment,
        _("Home Safe: your enrolment was not accepted (%(ref)s)") % {"ref": enrolment.reference},
        _(
            "Hello %(name)s,\n\n"
            "%(agency)s has reviewed the enrolment of %(person)s and could not accept it as it "
            "is. Its note to you is on the private page of the enrolment; you can change the "
            "enrolment there and send it again, through the private link we sent you when you "
            "enrolled.\n\n%(agency)s\n"
        )
        % {
            "name": enrolment.submitter_name,
            "agency": enrolment.organization.name,
            "person": enrolment.full_name,
        },
    )
    return enrolment


@transaction.atomic
def enrol_in_person(
    actor: Actor,
    *,
    organization: Organization,
    content: Mapping[str, Any],
    caregivers: Sequence[enrol_services.CaregiverEntry],
    consent_by: str,
    consent_name: str,
    submitter: Mapping[str, str],
    photo: enrol_services.Photo | None = None,
    base_url: str = "",
) -> tuple[Enrolment, str]:
    """An officer, supervisor or coordinator enrols someone with them or their guardian,
    face to face: the family's e-mail address counts as confirmed. Enrolled by a coordinator
    or supervisor, it is in the registry at once (they review it as they take it); enrolled
    by an officer, it waits for their review. The family gets its private link by e-mail."""
    common.authorize(actor, Action.CREATE, common.registry_target(organization.pk))
    program = HomeSafeProgram.objects.filter(organization=organization).first()
    values = enrol_services.clean_content(content, program.areas if program else [])
    listed = enrol_services.clean_caregivers(caregivers)
    enrolment = enrol_services._new_enrolment(
        organization.pk,
        values,
        enrolled_by=EnrolledBy.AGENCY,
        consent_by=consent_by,
        consent_name=consent_name,
        submitter=submitter,
    )
    token, digest = common.new_token()
    enrolment.token_hash = digest
    enrolment.enrolled_by_user_id = actor.user_id
    enrolment.email_confirmed_at = enrolment.submitted_at
    enrolment.status = EnrolmentStatus.IN_REVIEW
    enrolment.organization = organization
    reviewer = actor.role_in(organization.pk) in ENROLMENT_REVIEWERS
    if reviewer:
        _approve(actor, enrolment)
    enrol_services._set_photo(enrolment, photo)
    enrolment.full_clean(exclude=["photo"])
    enrolment.save()
    enrol_services._save_caregivers(enrolment, listed)
    common.record(
        HomeSafeAudit.ENROLMENT_SUBMITTED,
        actor,
        enrolment,
        detail=f"enrolment {enrolment.reference} taken in person",
    )
    if not reviewer:
        enrol_services.tell_reviewers(enrolment)
    link = common.absolute_link(base_url, enrol_services.private_path(token))
    _tell_family(
        enrolment,
        _("Home Safe: your private link (%(ref)s)") % {"ref": enrolment.reference},
        _(
            "Hello %(name)s,\n\n"
            "%(agency)s has enrolled %(person)s in its Home Safe registry with you. This "
            "private link lets you see, change, re-confirm or withdraw the enrolment at any "
            "time; keep it private:\n%(link)s\n\n%(agency)s\n"
        )
        % {
            "name": enrolment.submitter_name,
            "agency": organization.name,
            "person": enrolment.full_name,
            "link": link,
        },
    )
    return enrolment, token
