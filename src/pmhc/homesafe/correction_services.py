"""The complaint and correction process: anyone asks an agency to see or correct what its
registry holds, or complains; a coordinator or supervisor answers, and the answer goes to the
asker by e-mail."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pmhc.homesafe import registry_common as common
from pmhc.homesafe.audit_codes import HomeSafeAudit
from pmhc.homesafe.models import (
    CorrectionKind,
    CorrectionRequest,
    CorrectionStatus,
    Enrolment,
    HomeSafeProgram,
)
from pmhc.platform import audit
from pmhc.platform.access import ANONYMOUS, Action, Actor
from pmhc.platform.services import queue_email

TEXT_MAX = 4000
AUDITED = ("reference", "kind", "status", "received_at", "answered_at")


@transaction.atomic
def request_correction(
    *,
    program: HomeSafeProgram,
    kind: str,
    name: str,
    email: str,
    text: str,
    phone: str = "",
    enrolment: Enrolment | None = None,
) -> CorrectionRequest:
    """Anyone may ask; ``enrolment`` is set only when the request comes from the family's
    private page (the link proves whose it is)."""
    errors: dict[str, str] = {}
    if kind not in CorrectionKind.values:
        errors["kind"] = _("Say what you ask.")
    if not text.strip():
        errors["text"] = _("Tell the agency what you ask or want to tell it.")
    elif len(text.strip()) > TEXT_MAX:
        errors["text"] = _("Keep this to %(max)d characters.") % {"max": TEXT_MAX}
    if errors:
        raise ValidationError(errors)
    if enrolment is not None and enrolment.organization_id != program.organization_id:
        enrolment = None
    correction = CorrectionRequest(
        organization_id=program.organization_id,
        reference=common.next_reference("HC"),
        enrolment=enrolment,
        kind=kind,
        name=name.strip(),
        email=email.strip(),
        phone=phone.strip(),
        text=text.strip(),
    )
    correction.full_clean()
    correction.save()
    audit.record(
        HomeSafeAudit.CORRECTION_REQUESTED,
        actor=ANONYMOUS,
        actor_name=common.FAMILY if enrolment is not None else None,
        organization_id=program.organization_id,
        obj=correction,
        after=audit.snapshot(correction, AUDITED),
    )
    to = [program.contact_email] if program.contact_email else []
    to += [e for e in common.reviewer_emails(program.organization) if e not in to]
    if to:
        queue_email(
            ANONYMOUS,
            organization=program.organization,
            to=to,
            subject=_("Home Safe: a request to answer (%(ref)s)") % {"ref": correction.reference},
            body=_(
                "Someone asked about your Home Safe registry (%(kind)s), request %(ref)s. "
                "Sign in to pmhc and open Home Safe, requests, to answer it.\n"
            )
            % {"kind": correction.get_kind_display(), "ref": correction.reference},
            purpose="homesafe_correction",
        )
    queue_email(
        ANONYMOUS,
        organization=program.organization,
        to=[correction.email],
        subject=_("Home Safe: we received your request (%(ref)s)") % {"ref": correction.reference},
        body=_(
            "Hello %(name)s,\n\n%(agency)s received your request (%(kind)s), reference "
            "%(ref)s. It answers you at this address.\n\n%(agency)s\n"
        )
        % {
            "name": correction.name,
            "agency": program.organization.name,
            "kind": correction.get_kind_display(),
            "ref": correction.reference,
        },
        purpose="homesafe_correction",
    )
    return correction


@transaction.atomic
def answer_correction(
    actor: Actor, *, correction: CorrectionRequest, answer: str
) -> CorrectionRequest:
    """A coordinator or supervisor of the agency answers; the answer is e-mailed to the asker."""
    correction = (
        CorrectionRequest.objects.select_related("organization")
        .select_for_update()
        .get(pk=correction.pk)
    )
    common.authorize(actor, Action.CHANGE, correction)
    if not common.is_reviewer(actor, correction.organization_id):
        raise PermissionDenied("only a coordinator or supervisor answers")
    answer = answer.strip()
    if not answer:
        raise ValidationError({"answer": _("Write the answer to send.")})
    if len(answer) > TEXT_MAX:
        raise ValidationError({"answer": _("Keep this to %(max)d characters.") % {"max": TEXT_MAX}})
    if correction.status == CorrectionStatus.ANSWERED:
        raise ValidationError(_("This request has already been answered."))
    before = audit.snapshot(correction, AUDITED)
    correction.answer = answer
    correction.status = CorrectionStatus.ANSWERED
    correction.answered_at = timezone.now()
    correction.answered_by_id = actor.user_id
    correction.save()
    audit.record(
        HomeSafeAudit.CORRECTION_ANSWERED,
        actor=actor,
        organization_id=correction.organization_id,
        obj=correction,
        purpose=common.PURPOSE,
        before=before,
        after=audit.snapshot(correction, AUDITED),
    )
    queue_email(
        actor,
        organization=correction.organization,
        to=[correction.email],
        subject=_("Home Safe: the answer to your request (%(ref)s)")
        % {"ref": correction.reference},
        body=_("Hello %(name)s,\n\n%(answer)s\n\n%(agency)s\n")
        % {"name": correction.name, "answer": answer, "agency": correction.organization.name},
        purpose="homesafe_correction",
    )
    return correction
