"""The response app's routes; ``pmhc/urls.py`` includes them."""

from __future__ import annotations

from django.urls import URLPattern, path

from pmhc.response import contact_views, deidentified_views, views

urlpatterns: list[URLPattern] = [
    path("operate/encounters/", views.index, name="response_index"),
    path("operate/encounters/review/", views.review_queue, name="response_review_queue"),
    path(
        "operate/encounters/new/<int:call_pk>/",
        views.encounter_new,
        name="response_encounter_new",
    ),
    path("operate/encounters/<int:pk>/", views.encounter, name="response_encounter"),
    path(
        "operate/encounters/<int:pk>/responders/",
        views.responder_add,
        name="response_responder_add",
    ),
    path(
        "operate/encounters/<int:pk>/responders/<int:responder_pk>/remove/",
        views.responder_remove,
        name="response_responder_remove",
    ),
    path("operate/encounters/<int:pk>/people/", views.person_add, name="response_person_add"),
    path(
        "operate/encounters/<int:pk>/people/<int:link_pk>/remove/",
        views.person_remove,
        name="response_person_remove",
    ),
    path("operate/encounters/<int:pk>/review/", views.review, name="response_review"),
    path("operate/encounters/<int:pk>/amend/", views.amend, name="response_amend"),
    path(
        "operate/contacts/new/<int:assignment_pk>/",
        contact_views.contact_new,
        name="response_contact_new",
    ),
    path("operate/contacts/<int:pk>/", contact_views.contact, name="response_contact"),
    path("operate/follow-ups/", contact_views.follow_ups, name="response_follow_ups"),
    path(
        "operate/follow-ups/<int:pk>/done/",
        contact_views.follow_up_done,
        name="response_follow_up_done",
    ),
    path("operate/dispositions/", views.dispositions, name="response_dispositions"),
    path(
        "operate/dispositions/<int:pk>/",
        views.disposition_edit,
        name="response_disposition_edit",
    ),
    path("measure/deidentified/", deidentified_views.deidentified, name="response_deidentified"),
    path(
        "measure/deidentified.csv",
        deidentified_views.deidentified_csv,
        name="response_deidentified_csv",
    ),
]
