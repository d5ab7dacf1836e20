from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from pmhc.evaluation import dashboard_views, public_views, report_views, whatif_views

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
]
