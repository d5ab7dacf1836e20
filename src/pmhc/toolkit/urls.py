"""The toolkit's pages. Each part keeps its routes beside its views."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

from pmhc.toolkit.views import assistance, content_pages, learn, library, site_work, sites

urlpatterns: list[URLPattern | URLResolver] = [
    *learn.urlpatterns,
    *content_pages.urlpatterns,
    *sites.urlpatterns,
    *assistance.urlpatterns,
    *library.urlpatterns,
    *site_work.urlpatterns,
]
