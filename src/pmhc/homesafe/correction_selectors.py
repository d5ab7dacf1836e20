"""Reads of the complaint and correction requests, for the agency's reviewers. Audited."""

from __future__ import annotations

from django.http import Http404

from pmhc.homesafe.audit_codes import HomeSafeAudit
from pmhc.homesafe.models import ENROLMENT_REVIEWERS, CorrectionRequest
from pmhc.homesafe.registry_common import PURPOSE
from pmhc.platform import audit
from pmhc.platform.access import Action, Actor, decide, restrict


def correction_for(actor: Actor, reference: str) -> CorrectionRequest:
    correction = (
        restrict(actor, CorrectionRequest.objects.all(), Action.VIEW, PURPOSE)
        .select_related("enrolment", "answered_by")
        .filter(reference=reference)
        .first()
    )
    if (
        correction is None
        or actor.role_in(correction.organization_id) not in ENROLMENT_REVIEWERS
        or not decide(actor, Action.VIEW, correction, PURPOSE)
    ):
        raise Http404("Not found")
    audit.record_read(
        HomeSafeAudit.ENROLMENT_READ,
        actor=actor,
        organization_id=correction.organization_id,
        purpose=PURPOSE,
        obj=correction,
        detail=f"request {correction.reference}",
    )
    return correction
