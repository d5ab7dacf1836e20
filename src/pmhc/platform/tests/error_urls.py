"""The product's URLs and one page that fails, for the tests of the 500 page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def fails(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a failure the error page must not show")


urlpatterns = [
    path("fails/", fails),
    path("", include("pmhc.urls")),
]
