"""A response plan on a responder's phone: the whole approved plan of a person on the call, for
the responders on it, or under break-glass. Thin: one selector, one template."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from pmhc.dispatch import plan_selectors
from pmhc.platform.http import actor_of


@login_required
def call_plan(request: HttpRequest, pk: int, plan_pk: int) -> HttpResponse:
    shown = plan_selectors.plan_on_call(actor_of(request), pk, plan_pk)
    response = render(request, "dispatch/call_plan.html", {"shown": shown})
    # A plan is read on a phone in the street: never kept by a shared cache or the browser.
    response["Cache-Control"] = "no-store"
    return response
