"""The writes of Measure's settings: the smallest count shown, and whether and what the public
page publishes. Each change is audited in the same transaction."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pmhc.evaluation import metrics, settings_selectors
from pmhc.evaluation.audit_codes import EvaluationAudit
from pmhc.evaluation.models import MAX_MIN_CELL, PUBLIC_MIN_CELL, MeasureSettings
from pmhc.platform import audit
from pmhc.platform.access import Action, Actor
from pmhc.platform.models import Organization, Purpose


@transaction.atomic
def save_settings(
    actor: Actor,
    *,
    organization: Organization,
    min_cell_size: int,
    public: bool,
    public_metrics: Sequence[str],
) -> MeasureSettings:
    """Save the settings; refuses a minimum outside ``PUBLIC_MIN_CELL``..``MAX_MIN_CELL``, an
    unknown measure, and publishing with no measure chosen (nothing saved then)."""
    if not settings_selectors.may_keep(actor, organization.pk, Action.CHANGE):
        raise PermissionDenied(_("Only the coordinator or an administrator keeps these settings."))
    errors: dict[str, list[str]] = {}
    if not PUBLIC_MIN_CELL <= min_cell_size <= MAX_MIN_CELL:
        errors["min_cell_size"] = [
            _("Choose a number from %(low)d to %(high)d.")
            % {"low": PUBLIC_MIN_CELL, "high": MAX_MIN_CELL}
        ]
    chosen = list(dict.fromkeys(public_metrics))
    unknown = [key for key in chosen if key not in metrics.BY_KEY]
    if unknown:
        errors["public_metrics"] = [_("Not a measure: %(keys)s.") % {"keys": ", ".join(unknown)}]
    elif public and not chosen:
        errors["public_metrics"] = [_("Choose at least one measure to publish.")]
    if errors:
        raise ValidationError(errors)
    # Keep the order of the measures' definitions.
    chosen = [m.key for m in metrics.METRICS if m.key in chosen]
    row = MeasureSettings.objects.select_for_update().filter(organization=organization).first()
    before = (
        {
            "min_cell_size": row.min_cell_size,
            "public": row.public,
            "public_metrics": row.public_metrics,
        }
        if row
        else {"min_cell_size": PUBLIC_MIN_CELL, "public": False, "public_metrics": []}
    )
    if row is None:
        row = MeasureSettings(organization=organization)
    now = timezone.now()
    row.min_cell_size = min_cell_size
    row.public = public
    row.public_metrics = chosen
    if public and not before["public"]:
        row.published_at = now
    row.updated_at = now
    row.updated_by_id = actor.user_id
    row.save()
    after = {"min_cell_size": min_cell_size, "public": public, "public_metrics": chosen}
    where: dict[str, Any] = {
        "actor": actor,
        "organization_id": organization.pk,
        "object_type": "evaluation.measuresettings",
        "object_id": organization.pk,
        "purpose": Purpose.ADMINISTRATION,
    }
    if before["min_cell_size"] != min_cell_size:
        audit.record(
            EvaluationAudit.SETTINGS_CHANGED,
            before={"min_cell_size": before["min_cell_size"]},
            after={"min_cell_size": min_cell_size},
            **where,
        )
    page = ("public", "public_metrics")
    if any(before[key] != after[key] for key in page):
        audit.record(
            EvaluationAudit.PUBLIC_PAGE_CHANGED,
            before={key: before[key] for key in page},
            after={key: after[key] for key in page},
            detail=_("published") if public else _("not published"),
            **where,
        )
    return row
