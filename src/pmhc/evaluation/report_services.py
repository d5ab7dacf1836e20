"""The writes of the quarterly report: the coordinator's narratives, and the audit of each
download. Each in one transaction with its audit event."""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pmhc.evaluation import report_selectors
from pmhc.evaluation.audit_codes import EvaluationAudit
from pmhc.evaluation.models import QuarterlyReport
from pmhc.platform import audit
from pmhc.platform.access import Actor
from pmhc.platform.models import Organization, Purpose

FORMATS = ("pdf", "csv")


def _check_quarter(year: int, quarter: int) -> None:
    if not 1 <= quarter <= 4 or not report_selectors.FIRST_YEAR <= year <= 2100:
        raise ValidationError(_("Choose a year and a quarter from 1 to 4."))


@transaction.atomic
def save_narratives(
    actor: Actor,
    *,
    organization: Organization,
    year: int,
    quarter: int,
    narratives: Mapping[str, str],
) -> QuarterlyReport:
    """Save the narratives of the sections named in ``narratives``; refuses an unknown
    section and one longer than ``NARRATIVE_LIMIT`` characters (nothing saved then)."""
    if not report_selectors.may_write(actor, organization.pk):
        raise PermissionDenied(_("Only the coordinator writes the report's narratives."))
    _check_quarter(year, quarter)
    errors: dict[str, list[str]] = {}
    for key, text in narratives.items():
        if key not in report_selectors.SECTION_KEYS:
            errors.setdefault("__all__", []).append(_("No such section: %(key)s.") % {"key": key})
        elif len(text) > report_selectors.NARRATIVE_LIMIT:
            errors[key] = [
                _("Keep it to %(limit)d characters; it has %(n)d.")
                % {"limit": report_selectors.NARRATIVE_LIMIT, "n": len(text)}
            ]
    if errors:
        raise ValidationError(errors)
    report = (
        QuarterlyReport.objects.select_for_update()
        .filter(organization=organization, year=year, quarter=quarter)
        .first()
    ) or QuarterlyReport(organization=organization, year=year, quarter=quarter)
    current = dict(report.narratives or {})
    changed = sorted(key for key, text in narratives.items() if current.get(key, "") != text)
    if not changed:
        return report  # nothing to save: no row is written for an empty form
    current.update({key: narratives[key] for key in changed})
    report.narratives = {key: text for key, text in current.items() if text}
    report.updated_at = timezone.now()
    report.updated_by_id = actor.user_id
    report.save()
    audit.record(
        EvaluationAudit.REPORT_SAVED,
        actor=actor,
        organization_id=organization.pk,
        obj=report,
        purpose=Purpose.EVALUATION,
        after={"year": year, "quarter": quarter, "sections": changed},
    )
    return report


@transaction.atomic
def record_download(
    actor: Actor, *, organization: Organization, year: int, quarter: int, format: str
) -> None:
    """The audit event of a download of the report (the figures are counts)."""
    if not report_selectors.may_download(actor, organization.pk):
        raise PermissionDenied(_("You may not download this organization's report."))
    _check_quarter(year, quarter)
    if format not in FORMATS:
        raise ValidationError(_("Not a format of the report."))
    audit.record(
        EvaluationAudit.REPORT_DOWNLOADED,
        actor=actor,
        organization_id=organization.pk,
        object_type="evaluation.quarterlyreport",
        object_id=f"{year}-Q{quarter}",
        purpose=Purpose.EVALUATION,
        after={"year": year, "quarter": quarter},
        detail=format,
    )
