"""The care API's routes, under ``/api/v1/``."""

from __future__ import annotations

from django.urls import URLPattern, path

from pmhc.care import referral_api

urlpatterns: list[URLPattern] = [
    path(
        "care/fhir/ServiceRequest/<uuid:fhir_id>",
        referral_api.ServiceRequestView.as_view(),
        name="api_referral_service_request",
    ),
    path(
        "care/fhir/Task/<uuid:fhir_id>",
        referral_api.TaskView.as_view(),
        name="api_referral_task",
    ),
]
