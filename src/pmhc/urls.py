from __future__ import annotations

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

urlpatterns = [
    path("", include("pmhc.toolkit.urls")),
    path("", include("pmhc.assessment.urls")),
    path("", include("pmhc.planning.urls")),
    path("", include("pmhc.training.urls")),
    path("", include("pmhc.dispatch.urls")),
    path("", include("pmhc.response.urls")),
    path("", include("pmhc.people.urls")),
    path("", include("pmhc.care.urls")),
    path("", include("pmhc.homesafe.urls")),
    path("", include("pmhc.evaluation.urls")),
    path("", include("pmhc.platform.urls")),
    path("api/v1/", include("pmhc.platform.api_urls")),
    path("api/v1/", include("pmhc.planning.api_urls")),
    path("api/v1/", include("pmhc.dispatch.api_urls")),
    path("api/v1/", include("pmhc.people.api_urls")),
    path("api/v1/", include("pmhc.care.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api_schema"),
]
