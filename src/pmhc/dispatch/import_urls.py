"""The CAD import's routes; ``dispatch/urls.py`` includes them."""

from __future__ import annotations

from django.urls import URLPattern, path

from pmhc.dispatch import import_views

urlpatterns: list[URLPattern] = [
    path("operate/imports/", import_views.imports, name="dispatch_imports"),
    path("operate/imports/<int:pk>/", import_views.import_detail, name="dispatch_import"),
    path(
        "operate/imports/<int:pk>/rejected.csv",
        import_views.import_rejects,
        name="dispatch_import_rejects",
    ),
    path("operate/imports/mappings/", import_views.mappings, name="dispatch_mappings"),
    path(
        "operate/imports/mappings/<int:pk>/",
        import_views.mapping_edit,
        name="dispatch_mapping",
    ),
]
