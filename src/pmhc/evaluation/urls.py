from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from pmhc.evaluation import (
    analysis_views,
    change_views,
    dashboard_views,
    homesafe_views,
    public_views,
    report_views,
    whatif_views,
)

urlpatterns: list[URLPattern | URLResolver] = [
    path("measure/", dashboard_views.dashboard, name="evaluation_dashboard"),
    path("measure/dashboard.csv", dashboard_views.dashboard_csv, name="evaluation_dashboard_csv"),
    path(
        "measure/dashboard.xlsx", dashboard_views.dashboard_xlsx, name="evaluation_dashboard_xlsx"
    ),
    path("measure/public-settings/", public_views.settings_page, name="measure_public_settings"),
    path("measure/public/<slug:slug>/", public_views.public, name="measure_public"),
    path("measure/what-if/", whatif_views.what_if, name="measure_what_if"),
    path("measure/reports/", report_views.report_page, name="measure_reports"),
    path("measure/reports/report.pdf", report_views.report_pdf_download, name="measure_report_pdf"),
    path("measure/reports/report.csv", report_views.report_csv_download, name="measure_report_csv"),
    path("measure/changes/", change_views.change_list, name="evaluation_changes"),
    path("measure/changes/new/", change_views.change_new, name="evaluation_change_new"),
    path("measure/changes/<int:pk>/", change_views.change_edit, name="evaluation_change_edit"),
    path(
        "measure/changes/<int:pk>/remove/",
        change_views.change_remove,
        name="evaluation_change_remove",
    ),
    path("measure/before-after/", analysis_views.before_after, name="evaluation_before_after"),
    path("measure/home-safe/", homesafe_views.home_safe, name="measure_home_safe"),
    path(
        "measure/cit-comparison/", analysis_views.cit_comparison, name="evaluation_cit_comparison"
    ),
]
