"""Break-glass pages: start a use, end it, and the supervisors' review queue."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pmhc.platform import break_glass_selectors as selectors
from pmhc.platform import break_glass_services as services
from pmhc.platform.access import Actor
from pmhc.platform.break_glass_forms import BreakGlassReviewForm, BreakGlassStartForm
from pmhc.platform.forms import apply_errors
from pmhc.platform.models import BreakGlassUse


def _actor(request: HttpRequest) -> Actor:
    return request.actor  # type: ignore[attr-defined]


@login_required
def start(request: HttpRequest) -> HttpResponse:
    """The start form, or the active use with its end button."""
    actor = _actor(request)
    organizations = selectors.break_glass_organizations(actor)
    if not organizations:
        raise Http404("Not found")
    form = BreakGlassStartForm(
        request.POST if request.method == "POST" else None, organizations=organizations
    )
    if request.method == "POST" and form.is_valid():
        chosen = {o.pk: o for o in organizations}[form.cleaned_data["organization"]]
        try:
            services.start_break_glass(
                actor, organization=chosen, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.warning(
                request,
                _("Emergency access is open. Every record you read is audited and reviewed."),
            )
            return redirect("break_glass_start")
    return render(
        request,
        "platform/break_glass_start.html",
        {
            "form": form,
            "active": selectors.my_active_use(actor),
            "minutes": int(services.time_box().total_seconds() // 60),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def end(request: HttpRequest) -> HttpResponse:
    """End the actor's active use now; ending twice is not an error."""
    use = services.end_break_glass(_actor(request))
    if use is not None:
        messages.success(request, _("Emergency access ended."))
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = ""
    return redirect(target or "dispatch_index")


@login_required
def reviews(request: HttpRequest) -> HttpResponse:
    """The review queue: each use waiting, with justified / not justified and a note."""
    actor = _actor(request)
    if not selectors.can_review(actor):
        raise Http404("Not found")
    bound: tuple[int, BreakGlassReviewForm] | None = None
    if request.method == "POST":
        try:
            use_id = int(request.POST.get("use", ""))
        except ValueError as exc:
            raise Http404("Not found") from exc
        form = BreakGlassReviewForm(request.POST, prefix=f"use-{use_id}")
        if form.is_valid():
            try:
                services.review_break_glass(
                    actor,
                    use_id=use_id,
                    justified=form.cleaned_data["justified"],
                    note=form.cleaned_data["note"],
                )
            except PermissionDenied as exc:
                raise Http404("Not found") from exc
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("Review saved."))
                return redirect("break_glass_reviews")
        bound = (use_id, form)
    queue = selectors.review_queue(actor)
    rows: list[tuple[BreakGlassUse, BreakGlassReviewForm]] = []
    for use in queue:
        if bound is not None and bound[0] == use.pk:
            rows.append((use, bound[1]))
        else:
            rows.append((use, BreakGlassReviewForm(prefix=f"use-{use.pk}")))
    if bound is not None and not any(use.pk == bound[0] for use in queue):
        raise Http404("Not found")
    errors = bound[1] if bound is not None else None
    return render(
        request,
        "platform/break_glass_reviews.html",
        {
            "rows": rows,
            "error_form": errors,
            "reviewed": selectors.recently_reviewed(actor),
            "limit": selectors.QUEUE_LIMIT,
        },
        status=400 if errors is not None and errors.errors else 200,
    )
