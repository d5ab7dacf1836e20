from __future__ import annotations

from django.urls import path

from pmhc.planning import api

urlpatterns = [
    path("staffing", api.StaffingView.as_view(), name="api_staffing"),
]
