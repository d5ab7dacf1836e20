"""The consent API's routes, under ``/api/v1/``."""

from __future__ import annotations

from django.urls import URLPattern, path

from pmhc.people import api

urlpatterns: list[URLPattern] = [
    path("people/<int:pk>/consents", api.PersonConsentsView.as_view(), name="api_person_consents"),
]
