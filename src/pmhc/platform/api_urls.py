from __future__ import annotations

from django.urls import path

from pmhc.platform import api

urlpatterns = [
    path("me", api.MeView.as_view(), name="api_me"),
    path("organizations/<slug:slug>", api.OrganizationView.as_view(), name="api_organization"),
]
