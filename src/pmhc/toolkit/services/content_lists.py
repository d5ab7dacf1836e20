"""Writes for the toolkit's lists of frequently asked questions and agency experiences: TTA
staff add an entry, publish or withdraw it, and move it up or down its list. Editing an entry's
text is ``services.content.edit_content``, the same versioned edit as every toolkit page.

Each function checks that the actor is TTA staff of the handling organization, changes the
row, and writes its audit event in one transaction.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from pmhc.platform import audit
from pmhc.platform.access import Actor
from pmhc.platform.models import Organization, Purpose
from pmhc.toolkit.audit_codes import ToolkitAudit
from pmhc.toolkit.models import ContentVersion, PageContent
from pmhc.toolkit.selectors.content import editing_organization
from pmhc.toolkit.selectors.content_lists import LISTED_KINDS, MAX_ENTRIES

LIST_FIELDS = ("kind", "slug", "number", "title", "is_published", "version")
UP, DOWN = "up", "down"
#: An addition of the same title to the same list within this time is the same form sent twice.
REPEAT_WINDOW = timedelta(minutes=1)


def _organization(actor: Actor) -> Organization:
    organization = editing_organization(actor)
    if organization is None:
        raise PermissionDenied(_("Only TTA staff of the handling organization edit these pages."))
    return organization


def _unique_slug(kind: str, title: str) -> str:
    base = (slugify(title) or kind)[:50].strip("-") or kind
    slug, n = base, 2
    # "new" is the add page's address in the staff list.
    while slug == "new" or PageContent.objects.filter(kind=kind, slug=slug).exists():
        slug = f"{base}-{n}"
        n += 1
    return slug


@transaction.atomic
def add_entry(
    actor: Actor, *, kind: str, title: str, summary: str, body: str, note: str = ""
) -> PageContent:
    """Add a question or an experience at the end of its list, unpublished until staff
    publish it. Its text is version 1.

    The same title added to the same list by the handling organization (the only one that adds)
    within ``REPEAT_WINDOW`` is the same form sent twice: the entry already added is returned
    and nothing new is written."""
    organization = _organization(actor)
    if kind not in LISTED_KINDS:
        raise ValidationError(_("Only questions and experiences are added here."), code="kind")
    # Lock the handling organization's row: two additions at once wait for each other, so the
    # second sees the first when it counts, numbers and looks for a repeat.
    Organization.objects.select_for_update().only("pk").get(pk=organization.pk)
    title, summary, body, note = title.strip(), summary.strip(), body.strip(), note.strip()
    now = timezone.now()
    repeat = (
        PageContent.objects.filter(
            kind=kind,
            title=title,
            versions__version=1,
            versions__edited_at__gte=now - REPEAT_WINDOW,
        )
        .order_by("-pk")
        .first()
    )
    if repeat is not None:
        return repeat
    rows = PageContent.objects.filter(kind=kind)
    if rows.count() >= MAX_ENTRIES:
        raise ValidationError(
            _("This list holds at most %(limit)d entries; withdraw or merge one first.")
            % {"limit": MAX_ENTRIES},
            code="full",
        )
    last = rows.aggregate(last=Max("number"))["last"] or 0
    for attempt in (1, 2):
        content = PageContent(
            kind=kind,
            slug=_unique_slug(kind, title),
            number=last + 1,
            title=title,
            summary=summary,
            body=body,
            is_published=False,
            version=1,
            updated_at=now,
            updated_by_id=actor.user_id,
        )
        content.full_clean(validate_unique=False, validate_constraints=False)
        try:
            with transaction.atomic():
                content.save()
        except IntegrityError:
            if attempt == 2:
                raise
            continue  # another writer took the slug in between: pick the next one
        break
    ContentVersion.objects.create(
        content=content,
        version=1,
        title=title,
        summary=summary,
        body=body,
        facts={},
        edited_by_id=actor.user_id,
        edited_at=now,
        note=note[:300],
    )
    audit.record(
        ToolkitAudit.CONTENT_CREATED,
        actor=actor,
        organization_id=organization.pk,
        obj=content,
        purpose=Purpose.ADMINISTRATION,
        after=audit.snapshot(content, LIST_FIELDS),
        detail=note[:500],
    )
    return content


def _listed(content: PageContent) -> PageContent:
    if content.kind not in LISTED_KINDS:
        raise ValidationError(_("Only questions and experiences are listed."), code="kind")
    return PageContent.objects.select_for_update().get(pk=content.pk)


@transaction.atomic
def set_published(actor: Actor, *, content: PageContent, published: bool) -> PageContent:
    """Show an entry to the public, or withdraw it. Doing what is already done changes
    nothing and records nothing, so a repeated click is harmless."""
    organization = _organization(actor)
    content = _listed(content)
    if content.is_published == published:
        return content
    before = audit.snapshot(content, LIST_FIELDS)
    content.is_published = published
    content.save(update_fields=["is_published"])
    audit.record(
        ToolkitAudit.CONTENT_PUBLISHED if published else ToolkitAudit.CONTENT_UNPUBLISHED,
        actor=actor,
        organization_id=organization.pk,
        obj=content,
        purpose=Purpose.ADMINISTRATION,
        before=before,
        after=audit.snapshot(content, LIST_FIELDS),
    )
    return content


@transaction.atomic
def move_entry(
    actor: Actor, *, content: PageContent, direction: str, expected_number: int | None = None
) -> PageContent:
    """Swap an entry with its neighbour above or below. At the top or the bottom already,
    nothing changes.

    ``expected_number`` is the place the entry had on the page the editor used: if it has
    moved since (the same click sent twice, or another editor), nothing changes and a
    ``ValidationError`` with code ``moved`` says where it is now. Every row whose place
    changes gets an audit event."""
    organization = _organization(actor)
    if direction not in (UP, DOWN):
        raise ValidationError(_("Move an entry up or down."), code="direction")
    content = _listed(content)
    rows = list(
        PageContent.objects.select_for_update().filter(kind=content.kind).order_by("number", "pk")
    )
    index = next(i for i, row in enumerate(rows) if row.pk == content.pk)
    if expected_number is not None and content.number != expected_number:
        raise ValidationError(
            _("“%(title)s” had already moved; it is number %(number)s. Nothing changed.")
            % {"title": content.title, "number": content.number},
            code="moved",
        )
    other = index - 1 if direction == UP else index + 1
    if not 0 <= other < len(rows):
        return content
    neighbour = rows[other]
    rows[index], rows[other] = rows[other], rows[index]
    # Number the whole list again from 1, which also mends gaps and ties.
    for place, row in enumerate(rows, start=1):
        if row.number != place:
            before = audit.snapshot(row, LIST_FIELDS)
            row.number = place
            row.save(update_fields=["number"])
            if row.pk == content.pk:
                detail = direction
            elif row.pk == neighbour.pk:
                detail = f"swapped with {content.slug}"
            else:
                detail = "renumbered"
            audit.record(
                ToolkitAudit.CONTENT_MOVED,
                actor=actor,
                organization_id=organization.pk,
                obj=row,
                purpose=Purpose.ADMINISTRATION,
                before=before,
                after=audit.snapshot(row, LIST_FIELDS),
                detail=detail,
            )
        if row.pk == content.pk:
            content = row
    return content
