"""The people app's routes; ``pmhc/urls.py`` includes them."""

from __future__ import annotations

from django.urls import URLPattern, path

from pmhc.people import views

urlpatterns: list[URLPattern] = [
    path("operate/people/", views.index, name="people_index"),
    path("operate/people/<int:pk>/", views.person, name="people_person"),
    path("operate/people/<int:pk>/edit/", views.person_edit, name="people_person_edit"),
]
