"""The resource library: the public list and search, an item's page and file, the submission
form and the submitter's private status page; for TTA staff, the review queue and decisions."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from pmhc.platform import uploads
from pmhc.platform.caching import public_page
from pmhc.platform.forms import apply_errors
from pmhc.platform.http import actor_of
from pmhc.toolkit.forms.library import (
    ChangesForm,
    LibrarySearchForm,
    PublishForm,
    QueueFilterForm,
    RejectForm,
    ResubmitForm,
    SubmissionForm,
)
from pmhc.toolkit.models import LibraryItem, ProgramTypeCode, ReviewStatus
from pmhc.toolkit.selectors import library as selectors
from pmhc.toolkit.services import library as services

PAGE_SIZE = 20


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/")


def _status(*candidates: object) -> int:
    return 400 if any(getattr(f, "errors", None) for f in candidates) else 200


# --- Public ---------------------------------------------------------------------------------


@public_page
def library_index(request: HttpRequest) -> HttpResponse:
    titles = selectors.element_titles()
    form = LibrarySearchForm(request.GET or None, element_titles=titles)
    query = selectors.LibraryQuery()
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        query = selectors.LibraryQuery(
            text=data["q"],
            element=data["element"],
            program_type=data["program_type"],
            kind=data["kind"],
        )
    items = selectors.search_published(query)
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "toolkit/library/index.html",
        {
            "form": form,
            "page": page,
            "query": params.urlencode(),
            "searching": query != selectors.LibraryQuery(),
        },
    )


@public_page
def library_item(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.published_item(pk)
    titles = selectors.element_titles()
    return render(
        request,
        "toolkit/library/item.html",
        {
            "item": item,
            "elements": [(n, titles.get(n, "")) for n in item.elements],
            "program_types": [
                (code, ProgramTypeCode(code).label)
                for code in item.program_types
                if code in ProgramTypeCode.values
            ],
        },
    )


@public_page
def library_file(request: HttpRequest, pk: int) -> FileResponse:
    item = selectors.library_file(actor_of(request), pk)
    response = uploads.attachment(
        item.file, filename=item.file_name or "file", content_type=item.file_content_type
    )
    if item.status != ReviewStatus.PUBLISHED:
        response["Cache-Control"] = "private, no-store"
    return response


def library_submit(request: HttpRequest) -> HttpResponse:
    form = SubmissionForm()
    if request.method == "POST":
        form = SubmissionForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                item, token = services.submit_item(
                    actor_of(request),
                    kind=data["kind"],
                    title=data["title"],
                    summary=data["summary"],
                    body=data["body"],
                    file=data["file"],
                    submitter_name=data["submitter_name"],
                    submitter_email=data["submitter_email"],
                    submitter_agency=data["submitter_agency"],
                    base_url=_base_url(request),
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(
                    request,
                    _(
                        "Thank you. Your reference is %(ref)s. We sent it by e-mail with the "
                        "link to this page, where you can follow the review."
                    )
                    % {"ref": item.reference},
                )
                return redirect("library_status", token=token)
    return render(request, "toolkit/library/submit.html", {"form": form}, status=_status(form))


@never_cache
def library_status(request: HttpRequest, token: str) -> HttpResponse:
    item = selectors.submission_for_token(token)
    form = None
    if item.status == ReviewStatus.CHANGES_REQUESTED:
        has_file = bool(item.file)
        if request.method == "POST":
            form = ResubmitForm(request.POST, request.FILES, has_file=has_file)
            if form.is_valid():
                data = form.cleaned_data
                try:
                    services.resubmit_item(
                        actor_of(request),
                        item=item,
                        kind=data["kind"],
                        title=data["title"],
                        summary=data["summary"],
                        body=data["body"],
                        file=data["file"],
                        base_url=_base_url(request),
                    )
                except ValidationError as exc:
                    apply_errors(form, exc)
                else:
                    messages.success(request, _("Your changes are sent for review. Thank you."))
                    return redirect("library_status", token=token)
        else:
            form = ResubmitForm(
                has_file=has_file,
                initial={
                    "kind": item.kind,
                    "title": item.title,
                    "summary": item.summary,
                    "body": item.body,
                },
            )
    response = render(
        request,
        "toolkit/library/status.html",
        {"item": item, "form": form, "token": token},
        status=_status(form),
    )
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


# --- TTA staff --------------------------------------------------------------------------------


@login_required
def library_review(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    counts = selectors.review_counts(actor)
    chosen = QueueFilterForm(request.GET)
    status = ReviewStatus.SUBMITTED.value
    if chosen.is_valid() and chosen.cleaned_data["status"]:
        status = chosen.cleaned_data["status"]
    return render(
        request,
        "toolkit/library/review_queue.html",
        {
            "items": selectors.review_queue(actor, status=status),
            "status": status,
            "status_label": ReviewStatus(status).label,
            "tabs": [(value, label, counts[value]) for value, label in ReviewStatus.choices],
        },
    )


def _review_forms(
    item: LibraryItem, titles: dict[int, str], data: QueryDict | None = None, decision: str = ""
) -> dict[str, forms.Form]:
    """The three decision forms; only the one that was sent is bound to the request."""

    def bound(name: str) -> QueryDict | None:
        return data if name == decision else None

    return {
        "publish": PublishForm(
            bound("publish"),
            prefix="publish",
            element_titles=titles,
            initial={
                "kind": item.kind,
                "elements": [str(n) for n in item.elements],
                "program_types": item.program_types,
            },
        ),
        "changes": ChangesForm(bound("changes"), prefix="changes"),
        "reject": RejectForm(bound("reject"), prefix="reject"),
    }


def _decide(request: HttpRequest, item: LibraryItem, decision: str, form: forms.Form) -> bool:
    """Call the service for ``decision``; True when it is done, False with the form's errors."""
    if not form.is_valid():
        return False
    actor, data, base_url = actor_of(request), form.cleaned_data, _base_url(request)
    try:
        if decision == "publish":
            services.publish_item(
                actor,
                item=item,
                kind=data["kind"],
                elements=data["elements"],
                program_types=data["program_types"],
                note=data["note"],
                base_url=base_url,
            )
            done = _("%(ref)s is published; the submitter is told.")
        elif decision == "changes":
            services.request_changes(actor, item=item, note=data["note"], base_url=base_url)
            done = _("%(ref)s is back with its submitter, who is told what to change.")
        else:
            services.reject_item(actor, item=item, reason=data["reason"], base_url=base_url)
            done = _("%(ref)s is declined; the submitter is told why.")
    except ValidationError as exc:
        apply_errors(form, exc)
        return False
    except PermissionDenied as exc:
        raise Http404("Not found") from exc
    messages.success(request, done % {"ref": item.reference})
    return True


@login_required
def library_review_item(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.review_item(actor_of(request), pk)
    titles = selectors.element_titles()
    review_forms = _review_forms(item, titles)
    if request.method == "POST":
        decision = request.POST.get("decision", "")
        if decision in review_forms:
            review_forms = _review_forms(item, titles, request.POST, decision)
            if _decide(request, item, decision, review_forms[decision]):
                return redirect("library_review")
        else:
            messages.error(request, _("Choose a decision."))
    return render(
        request,
        "toolkit/library/review_item.html",
        {
            "item": item,
            **review_forms,
            "can_publish": item.status in services.PUBLISHABLE,
            "is_open": item.status in services.OPEN,
        },
        status=_status(*review_forms.values()),
    )


urlpatterns: list[URLPattern] = [
    path("library/", library_index, name="library_index"),
    path("library/submit/", library_submit, name="library_submit"),
    path("library/status/<str:token>/", library_status, name="library_status"),
    path("library/review/", library_review, name="library_review"),
    path("library/review/<int:pk>/", library_review_item, name="library_review_item"),
    path("library/<int:pk>/", library_item, name="library_item"),
    path("library/<int:pk>/file/", library_file, name="library_file"),
]
