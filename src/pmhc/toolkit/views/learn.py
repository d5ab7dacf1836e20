"""Learn: the home page, the five program types and their comparison, the 10 essential
elements, and the edit page TTA staff use to change their text."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils.translation import gettext as _

from pmhc.platform.caching import public_page
from pmhc.platform.http import actor_of
from pmhc.toolkit.forms.content import ContentForm
from pmhc.toolkit.models import PageContent
from pmhc.toolkit.selectors import content as selectors
from pmhc.toolkit.services.content import edit_content
from pmhc.toolkit.views import content_pages


def _self_assessment_url() -> str | None:
    """The self-assessment's start, once that module exists; never a dead link."""
    try:
        return reverse("assess_home")
    except NoReverseMatch:
        return None


def _public_url(content: PageContent) -> str:
    if content.kind == PageContent.Kind.ELEMENT and content.number is not None:
        return reverse("learn_element", kwargs={"number": content.number})
    if content.kind == PageContent.Kind.PROGRAM_TYPE:
        return reverse("learn_program", kwargs={"slug": content.slug})
    return content_pages.public_url(content)


def _after_save_url(content: PageContent) -> str:
    """Back to the public page; a question or experience goes back to its staff list, where
    an unpublished one can still be seen."""
    if content.kind in content_pages.LIST_NAMES:
        manage = reverse("learn_manage", kwargs={"kind": content.kind})
        return f"{manage}#{content_pages.anchor(content)}"
    return _public_url(content)


def _common(request: HttpRequest) -> dict[str, Any]:
    return {
        "may_edit": selectors.may_edit_content(actor_of(request)),
        "assessment_url": _self_assessment_url(),
    }


@public_page
def home(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    return render(
        request,
        "toolkit/home.html",
        {
            **_common(request),
            "memberships": selectors.own_memberships(actor),
            "outcomes": selectors.OUTCOMES,
            "benefits": selectors.BENEFITS,
            "program_types": selectors.program_types(),
            "elements": selectors.elements(),
        },
    )


@public_page
def learn_index(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "toolkit/learn/index.html",
        {
            **_common(request),
            "program_types": selectors.program_types(),
            "elements": selectors.elements(),
        },
    )


@public_page
def programs(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "toolkit/learn/programs.html",
        {**_common(request), "program_types": selectors.program_types()},
    )


@public_page
def compare(request: HttpRequest) -> HttpResponse:
    types = selectors.program_types()
    return render(
        request,
        "toolkit/learn/compare.html",
        {**_common(request), "program_types": types, "rows": selectors.comparison(types)},
    )


@public_page
def program(request: HttpRequest, slug: str) -> HttpResponse:
    content = selectors.program_type(slug)
    return render(
        request,
        "toolkit/learn/program.html",
        {
            **_common(request),
            "content": content,
            "program_types": selectors.program_types(),
            "facts": selectors.comparison([content]),
            "sites": selectors.sites_practising(slug),
            "library": selectors.published_library(program_type=slug),
        },
    )


@public_page
def elements(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "toolkit/learn/elements.html",
        {
            **_common(request),
            "elements": [(e, selectors.module_for(e)) for e in selectors.elements()],
        },
    )


@public_page
def element(request: HttpRequest, number: int) -> HttpResponse:
    content = selectors.element(number)
    module = selectors.module_for(content)
    return render(
        request,
        "toolkit/learn/element.html",
        {
            **_common(request),
            "content": content,
            "elements": selectors.elements(),
            "module": module,
            "module_url": module.url if module else None,
            "library": selectors.published_library(element=number),
        },
    )


@login_required
def edit(request: HttpRequest, kind: str, slug: str) -> HttpResponse:
    actor = actor_of(request)
    content = selectors.editable_content(actor, kind, slug)
    form = ContentForm(
        request.POST or None, content=content, initial=ContentForm.initial_for(content)
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = edit_content(
                actor,
                content=content,
                title=data["title"],
                summary=data["summary"],
                body=data["body"],
                facts=form.facts(),
                note=data["note"],
                expected_version=data["version"],
            )
        except ValidationError as exc:
            for error in exc.messages:
                form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Saved. “%(title)s” is now at version %(version)s.")
                % {"title": saved.title, "version": saved.version},
            )
            return redirect(_after_save_url(saved))
    return render(
        request,
        "toolkit/learn/edit.html",
        {
            "content": content,
            "form": form,
            "back_url": _after_save_url(content),
            "back_label": (
                _("Manage: %(name)s") % {"name": content_pages.LIST_NAMES[content.kind][0]}
                if content.kind in content_pages.LIST_NAMES
                else content.title
            ),
            "history": selectors.content_history(actor, content),
        },
        status=400 if form.errors else 200,
    )


urlpatterns: list[URLPattern] = [
    path("", home, name="home"),
    path("learn/", learn_index, name="learn_index"),
    path("learn/programs/", programs, name="learn_programs"),
    path("learn/programs/compare/", compare, name="learn_compare"),
    path("learn/programs/<slug:slug>/", program, name="learn_program"),
    path("learn/elements/", elements, name="learn_elements"),
    path("learn/elements/<int:number>/", element, name="learn_element"),
    path("learn/edit/<slug:kind>/<slug:slug>/", edit, name="learn_edit"),
]
