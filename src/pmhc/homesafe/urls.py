from __future__ import annotations

from django.urls import URLPattern, URLResolver, include, path

from pmhc.homesafe import public_views, registry_views

urlpatterns: list[URLPattern | URLResolver] = [
    path("", include("pmhc.homesafe.search_urls")),
    *public_views.urlpatterns,
    *registry_views.urlpatterns,
]
