"""The calls API's routes, under ``/api/v1/``."""

from __future__ import annotations

from django.urls import URLPattern, path

from pmhc.dispatch import api

urlpatterns: list[URLPattern] = [
    path("calls/", api.CallsView.as_view(), name="api_calls"),
    path("calls/<int:pk>/triage", api.CallTriageView.as_view(), name="api_call_triage"),
]
