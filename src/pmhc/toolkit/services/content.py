"""Writes for the Learn pages: TTA staff edit a program type or an essential element.

Each save is a new version: the page's ``version`` goes up by one, the saved text is kept as a
``ContentVersion``, and an audit event records the text before and after, all in one
transaction.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pmhc.platform import audit
from pmhc.platform.access import Actor
from pmhc.platform.models import Purpose
from pmhc.toolkit.audit_codes import ToolkitAudit
from pmhc.toolkit.models import ContentVersion, PageContent
from pmhc.toolkit.selectors.content import FACT_ROWS, editing_organization

CONTENT_FIELDS = ("kind", "slug", "title", "summary", "body", "facts", "version")
FACT_KEYS = frozenset(key for key, _label in FACT_ROWS)


def _clean_facts(content: PageContent, facts: Mapping[str, str] | None) -> dict[str, str]:
    if content.kind != PageContent.Kind.PROGRAM_TYPE:
        return dict(content.facts or {})  # only program types are compared side by side
    facts = facts or {}
    unknown = set(facts) - FACT_KEYS
    if unknown:
        raise ValidationError(
            _("Unknown comparison rows: %(keys)s.") % {"keys": ", ".join(sorted(unknown))}
        )
    return {key: str(facts.get(key, "")).strip() for key, _label in FACT_ROWS}


@transaction.atomic
def edit_content(
    actor: Actor,
    *,
    content: PageContent,
    title: str,
    summary: str,
    body: str,
    facts: Mapping[str, str] | None,
    note: str = "",
    expected_version: int | None = None,
) -> PageContent:
    """Save new text for ``content`` as its next version.

    ``expected_version`` is the version the editor started from: if someone else saved in the
    meantime, nothing is written and the editor is told, so no one's work is overwritten
    silently; unless the text now saved is the one submitted (the same form sent twice), which
    is success.
    """
    organization = editing_organization(actor)
    if organization is None:
        raise PermissionDenied(_("Only TTA staff of the handling organization edit these pages."))
    # Lock the row: two editors saving at once get versions n+1 and n+2, never two n+1.
    content = PageContent.objects.select_for_update().get(pk=content.pk)
    title, summary, body, note = title.strip(), summary.strip(), body.strip(), note.strip()
    new_facts = _clean_facts(content, facts)
    unchanged = (title, summary, body, new_facts) == (
        content.title,
        content.summary,
        content.body.strip(),
        content.facts or {},
    )
    if expected_version is not None and content.version != expected_version:
        if unchanged:
            # The same text was saved already (a repeated submit): the edit is done.
            return content
        raise ValidationError(
            _(
                "Someone else saved this page while you were editing it (it is now version "
                "%(version)s). Copy your changes, reload the page and apply them again."
            )
            % {"version": content.version},
            code="stale",
        )
    if unchanged:
        raise ValidationError(_("Nothing has changed, so no new version was saved."), code="same")

    before = audit.snapshot(content, CONTENT_FIELDS)
    content.title = title
    content.summary = summary
    content.body = body
    content.facts = new_facts
    content.version += 1
    content.updated_at = timezone.now()
    content.updated_by_id = actor.user_id
    content.full_clean()
    content.save()
    ContentVersion.objects.create(
        content=content,
        version=content.version,
        title=content.title,
        summary=content.summary,
        body=content.body,
        facts=content.facts,
        edited_by_id=actor.user_id,
        edited_at=content.updated_at,
        note=note[:300],
    )
    audit.record(
        ToolkitAudit.CONTENT_CHANGED,
        actor=actor,
        organization_id=organization.pk,
        obj=content,
        purpose=Purpose.ADMINISTRATION,
        before=before,
        after=audit.snapshot(content, CONTENT_FIELDS),
        detail=note[:500],
    )
    return content
