"""Reads of the resource library.

Published items are public and are read without the policy, but only through their public
fields: the submitter's name and e-mail never leave the review pages. Everything else (the
review queue, a submission under review, its file) goes through the access policy, and reading
a submitter's contact details or an unpublished file is audited.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Count, Q, QuerySet
from django.http import Http404

from pmhc.platform import audit
from pmhc.platform.access import Action, Actor, get_or_404, require, restrict
from pmhc.platform.models import AuditAction, Classification, Purpose
from pmhc.toolkit.audit_codes import ToolkitAudit
from pmhc.toolkit.models import LibraryItem, PageContent, ReviewStatus
from pmhc.toolkit.references import token_hash
from pmhc.toolkit.selectors.common import handling_organization, toolkit_target

ADMIN = Purpose.ADMINISTRATION
#: The fields a published item shows the public. Never the submitter's name or e-mail.
PUBLIC_FIELDS = (
    "pk", "reference", "kind", "title", "summary", "body", "file", "file_name",
    "file_content_type", "file_size", "submitter_agency", "status", "elements", "program_types",
    "published_at",
)  # fmt: skip
#: For lists: the same without the body, which can be long.
LIST_FIELDS = tuple(f for f in PUBLIC_FIELDS if f != "body")
#: The essential elements' titles as the seed names them; the pages' own titles win.
ELEMENT_TITLES = (
    "Collaborative Planning and Implementation",
    "Program Design",
    "Specialized Training",
    "Call-Taker and Dispatcher Protocols",
    "Stabilization, Observation and Disposition",
    "Transportation and Custodial Transfer",
    "Information Exchange and Confidentiality",
    "Treatment, Supports, and Services",
    "Organizational Support",
    "Program Evaluation and Sustainability",
)


# --- Public ---------------------------------------------------------------------------------


def element_titles() -> dict[int, str]:
    """Number -> title of the 10 essential elements (public page content)."""
    titles = dict(enumerate(ELEMENT_TITLES, start=1))
    edited = PageContent.objects.filter(
        kind=PageContent.Kind.ELEMENT, number__in=list(titles)
    ).values_list("number", "title")
    titles.update({number: title for number, title in edited if number is not None})
    return titles


def published_items() -> QuerySet[LibraryItem]:
    """Every published item, newest first, with its public fields only."""
    return (
        LibraryItem.objects.filter(status=ReviewStatus.PUBLISHED)
        .only(*LIST_FIELDS)
        .order_by("-published_at", "-pk")
    )


@dataclass(frozen=True)
class LibraryQuery:
    text: str = ""
    element: int | None = None
    program_type: str = ""
    kind: str = ""


def _search_postgresql(qs: QuerySet[LibraryItem], text: str) -> QuerySet[LibraryItem]:
    from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

    vector = (
        SearchVector("title", weight="A", config="english")
        + SearchVector("summary", weight="B", config="english")
        + SearchVector("body", weight="C", config="english")
    )
    query = SearchQuery(text, search_type="websearch", config="english")
    return (
        qs.annotate(search=vector, rank=SearchRank(vector, query))
        .filter(search=query)
        .order_by("-rank", "-published_at", "-pk")
    )


def _search_fallback(qs: QuerySet[LibraryItem], text: str) -> QuerySet[LibraryItem]:
    # Every word must appear somewhere in the title, summary or body, in any case.
    for word in text.split():
        qs = qs.filter(
            Q(title__icontains=word) | Q(summary__icontains=word) | Q(body__icontains=word)
        )
    return qs


def search_published(query: LibraryQuery) -> list[LibraryItem]:
    """Published items matching the words and the filters; best matches first on PostgreSQL
    (ranked full-text search), newest first elsewhere."""
    qs = published_items()
    if query.kind:
        qs = qs.filter(kind=query.kind)
    text = query.text.strip()
    if text:
        search = _search_postgresql if connection.vendor == "postgresql" else _search_fallback
        qs = search(qs, text)
    if connection.vendor == "postgresql":
        if query.element is not None:
            qs = qs.filter(elements__contains=[query.element])
        if query.program_type:
            qs = qs.filter(program_types__contains=[query.program_type])
        return list(qs)
    # SQLite has no containment lookup for JSON lists; the library is small enough to filter
    # its published items here.
    items = list(qs)
    if query.element is not None:
        items = [i for i in items if query.element in i.elements]
    if query.program_type:
        items = [i for i in items if query.program_type in i.program_types]
    return items


def published_tagged(*, element: int | None = None, program_type: str = "") -> list[LibraryItem]:
    """Published items tagged with an essential element or a program type, for the pages of
    that element or program type."""
    return search_published(LibraryQuery(element=element, program_type=program_type))


def published_item(pk: int) -> LibraryItem:
    item = (
        LibraryItem.objects.filter(status=ReviewStatus.PUBLISHED, pk=pk)
        .only(*PUBLIC_FIELDS)
        .first()
    )
    if item is None:
        raise Http404("Not found")
    return item


# --- The submitter, by private link ---------------------------------------------------------


def submission_for_token(token: str) -> LibraryItem:
    """The submission whose private link this is (the token is the only key); 404 otherwise."""
    if not token or len(token) > 100:
        raise Http404("Not found")
    item = LibraryItem.objects.filter(status_token_hash=token_hash(token)).first()
    if item is None:
        raise Http404("Not found")
    return item


# --- TTA staff --------------------------------------------------------------------------------


def _require_reviewer(actor: Actor) -> None:
    """The review pages exist only for those who may review the handling organization's
    items; everyone else gets the same 404 as a page that does not exist."""
    organization = handling_organization()
    if organization is None:
        raise Http404("Not found")
    target = toolkit_target(organization, Classification.PERSONAL)
    require(actor, Action.CHANGE, target, ADMIN)


def review_queue(actor: Actor, *, status: str = ReviewStatus.SUBMITTED) -> QuerySet[LibraryItem]:
    """Items in ``status`` the actor may review, oldest first (no contact details)."""
    _require_reviewer(actor)
    return (
        restrict(actor, LibraryItem.objects.all(), Action.CHANGE, ADMIN)
        .filter(status=status)
        .defer("body", "submitter_name", "submitter_email")
        .order_by("submitted_at", "pk")
    )


def review_counts(actor: Actor) -> dict[str, int]:
    """How many items the actor may review are in each status."""
    _require_reviewer(actor)
    rows = (
        restrict(actor, LibraryItem.objects.all(), Action.CHANGE, ADMIN)
        .order_by()
        .values("status")
        .annotate(n=Count("pk"))
    )
    counts = dict.fromkeys(ReviewStatus.values, 0)
    counts.update({row["status"]: row["n"] for row in rows})
    return counts


@transaction.atomic
def review_item(actor: Actor, pk: int) -> LibraryItem:
    """One item with the submitter's contact details, for review; the read is audited."""
    _require_reviewer(actor)
    item = get_or_404(
        actor, LibraryItem.objects.select_related("reviewed_by"), Action.CHANGE, ADMIN, pk=pk
    )
    audit.record_read(
        AuditAction.RECORD_READ,
        actor=actor,
        organization_id=item.reviewed_by_org_id,
        obj=item,
        purpose=ADMIN,
        detail="library submission read for review (submitter contact details)",
    )
    return item


@transaction.atomic
def library_file(actor: Actor, pk: int) -> LibraryItem:
    """The item whose file is about to be streamed. A published item's file is public; an
    unpublished one is for its reviewers only, and their download is audited."""
    item = LibraryItem.objects.filter(pk=pk).first()
    if item is None or not item.file:
        raise Http404("Not found")
    if item.status == ReviewStatus.PUBLISHED:
        return item
    require(actor, Action.VIEW, item, ADMIN)
    audit.record_read(
        ToolkitAudit.LIBRARY_FILE_READ,
        actor=actor,
        organization_id=item.reviewed_by_org_id,
        obj=item,
        purpose=ADMIN,
    )
    return item
