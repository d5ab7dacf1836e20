"""The routes of the missing-person search: the registry search, the responder's page of an
enrolment, and the incidents. Included from ``urls.py``."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from pmhc.homesafe import incident_views, search_views

urlpatterns: list[URLPattern | URLResolver] = [
    path("operate/home-safe/search/", search_views.search, name="homesafe_search"),
    path(
        "operate/home-safe/search/<str:reference>/",
        search_views.enrolment,
        name="homesafe_search_enrolment",
    ),
    path(
        "operate/home-safe/search/<str:reference>/photo/",
        search_views.photo,
        name="homesafe_search_photo",
    ),
    path(
        "operate/home-safe/search/<str:reference>/incident/",
        incident_views.open_incident,
        name="homesafe_incident_open",
    ),
    path("operate/home-safe/incidents/", incident_views.open_list, name="homesafe_incidents"),
    path(
        "operate/home-safe/incidents/<str:reference>/",
        incident_views.incident,
        name="homesafe_incident",
    ),
    path(
        "operate/home-safe/incidents/<str:reference>/sighting/",
        incident_views.add_sighting,
        name="homesafe_incident_sighting",
    ),
    path(
        "operate/home-safe/incidents/<str:reference>/found/",
        incident_views.record_found,
        name="homesafe_incident_found",
    ),
    path(
        "operate/home-safe/incidents/<str:reference>/close/",
        incident_views.close,
        name="homesafe_incident_close",
    ),
    path(
        "operate/home-safe/incidents/<str:reference>/flyer.pdf",
        incident_views.flyer,
        name="homesafe_incident_flyer",
    ),
]
