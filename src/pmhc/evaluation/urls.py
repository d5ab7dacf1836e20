from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from pmhc.evaluation import dashboard_views

urlpatterns: list[URLPattern | URLResolver] = [
    path("measure/", dashboard_views.dashboard, name="evaluation_dashboard"),
    path("measure/dashboard.csv", dashboard_views.dashboard_csv, name="evaluation_dashboard_csv"),
    path(
        "measure/dashboard.xlsx", dashboard_views.dashboard_xlsx, name="evaluation_dashboard_xlsx"
    ),
]
