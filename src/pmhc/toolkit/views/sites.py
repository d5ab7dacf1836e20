"""The learning-site directory: a filtered list with an offline map beside it, a page per site,
and the staff forms that keep it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _

from pmhc.platform.caching import public_page
from pmhc.platform.forms import apply_errors
from pmhc.platform.http import actor_of
from pmhc.toolkit import geo
from pmhc.toolkit.forms.site_work import InviteCoordinatorForm
from pmhc.toolkit.forms.sites import REGION_LABELS, SiteDirectoryForm, SiteForm
from pmhc.toolkit.models import LearningSite, Offer, ProgramTypeCode, Specialty
from pmhc.toolkit.selectors import site_work as site_work_selectors
from pmhc.toolkit.selectors import sites as selectors
from pmhc.toolkit.services import sites as services


@public_page
def sites_list(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    form = SiteDirectoryForm(request.GET or None)
    if form.is_bound:
        form.is_valid()
    rows = selectors.directory(form.filters(), form.origin)
    shapes = geo.state_shapes()
    states_with_sites = {row.site.state for row in rows}
    return render(
        request,
        "toolkit/sites/list.html",
        {
            "form": form,
            "rows": rows,
            "mapped": [row for row in rows if row.on_map],
            "unmapped": [row for row in rows if not row.on_map],
            "shapes": [(shape, shape.code in states_with_sites) for shape in shapes],
            "map_ready": bool(shapes),
            "viewbox": " ".join(f"{v:g}" for v in geo.VIEWBOX),
            "origin_label": form.origin_label,
            "origin_xy": geo.project(*form.origin) if form.origin else None,
            "filtered": bool(form.filters()),
            "state_names": geo.state_names(),
            "can_manage": selectors.can_manage_sites(actor),
            "inactive": selectors.inactive_sites(actor),
            "former": selectors.former_sites(),
        },
    )


@public_page
def sites_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    return render_detail(request, selectors.site_page(actor, pk))


def render_detail(
    request: HttpRequest,
    site: LearningSite,
    *,
    invite_form: InviteCoordinatorForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """A site's page; for the staff who keep the directory, with the site's accounts."""
    actor = actor_of(request)
    can_manage = selectors.can_manage_sites(actor)
    return render(
        request,
        "toolkit/sites/detail.html",
        {
            "invite_form": invite_form or InviteCoordinatorForm(),
            "accounts": site_work_selectors.site_accounts(site) if can_manage else None,
            "site": site,
            "state_name": geo.state_names().get(site.state, site.state),
            "region_label": REGION_LABELS.get(site.region, site.region),
            "program_types": selectors.labels(site.program_types, ProgramTypeCode),
            "specialties": selectors.labels(site.specialties, Specialty),
            "offers": selectors.labels(site.offers, Offer),
            "can_manage": can_manage,
        },
        status=status,
    )


def _initial(site: LearningSite) -> dict[str, object]:
    return {name: getattr(site, name) for name in SiteForm.SERVICE_FIELDS}


@login_required
def sites_new(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    selectors.require_site_manager(actor)
    form = SiteForm(request.POST or None, initial={"is_active": True})
    if request.method == "POST" and form.is_valid():
        try:
            site = services.create_site(actor, **form.service_arguments())
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Learning site added."))
            return redirect("sites_detail", pk=site.pk)
    return render(
        request,
        "toolkit/sites/form.html",
        {"form": form, "site": None},
        status=400 if form.errors else 200,
    )


@login_required
def sites_edit(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    site = selectors.site_for_change(actor, pk)
    form = SiteForm(request.POST or None, initial=_initial(site))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_site(actor, site=site, **form.service_arguments())
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Learning site saved."))
            return redirect("sites_detail", pk=site.pk)
    return render(
        request,
        "toolkit/sites/form.html",
        {"form": form, "site": site},
        status=400 if form.errors else 200,
    )


urlpatterns: list[URLPattern] = [
    path("learn/sites/", sites_list, name="sites_list"),
    path("learn/sites/new/", sites_new, name="sites_new"),
    path("learn/sites/<int:pk>/", sites_detail, name="sites_detail"),
    path("learn/sites/<int:pk>/edit/", sites_edit, name="sites_edit"),
]
