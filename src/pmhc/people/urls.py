"""The people app's routes; ``pmhc/urls.py`` includes them."""

from __future__ import annotations

from django.urls import URLPattern, path

from pmhc.people import identity_views, plan_views, views

urlpatterns: list[URLPattern] = [
    path("operate/people/", views.index, name="people_index"),
    path("operate/people/<int:pk>/", views.person, name="people_person"),
    path("operate/people/<int:pk>/edit/", views.person_edit, name="people_person_edit"),
    path("operate/people/review/", identity_views.review, name="people_review"),
    path("operate/people/review/<int:pk>/", identity_views.pair, name="people_pair"),
    path("operate/people/identities/<int:pk>/", identity_views.identity, name="people_identity"),
    path(
        "operate/people/identities/<int:pk>/merge/",
        identity_views.merge,
        name="people_identity_merge",
    ),
    path(
        "operate/people/records/<int:pk>/take-out/",
        identity_views.take_out,
        name="people_take_out",
    ),
    path("operate/people/changes/", identity_views.changes, name="people_changes"),
    path("operate/people/changes/<int:pk>/undo/", identity_views.undo, name="people_undo"),
    path("operate/people/linkage/", identity_views.linkage, name="people_linkage"),
    path("operate/people/frequent/", identity_views.utilizers, name="people_utilizers"),
    path("operate/people/import/", identity_views.people_import, name="people_import"),
]

# Response plans.

urlpatterns += [
    path("operate/people/<int:pk>/plan/", plan_views.person_plan, name="people_plan"),
    path("operate/people/<int:pk>/plan/draft/", plan_views.plan_draft, name="people_plan_draft"),
    path("operate/people/plans/", plan_views.waiting, name="people_plans_waiting"),
    path("operate/people/plans/versions/<int:pk>/", plan_views.version, name="people_plan_version"),
    path(
        "operate/people/plans/versions/<int:pk>/submit/",
        plan_views.submit,
        name="people_plan_submit",
    ),
    path(
        "operate/people/plans/versions/<int:pk>/approve/",
        plan_views.approve,
        name="people_plan_approve",
    ),
    path("operate/people/plans/<int:pk>/retire/", plan_views.retire, name="people_plan_retire"),
]

from pmhc.people import consent_views  # noqa: E402

CONSENTS = "operate/people/<int:pk>/consents/"
urlpatterns += [
    path(CONSENTS, consent_views.consents, name="people_consents"),
    path(f"{CONSENTS}new/", consent_views.consent_new, name="people_consent_new"),
    path(f"{CONSENTS}form.pdf", consent_views.consent_blank_pdf, name="people_consent_blank_pdf"),
    path(f"{CONSENTS}<int:consent_pk>/", consent_views.consent, name="people_consent"),
    path(
        f"{CONSENTS}<int:consent_pk>/revoke/",
        consent_views.consent_revoke,
        name="people_consent_revoke",
    ),
    path(
        f"{CONSENTS}<int:consent_pk>/consent.pdf",
        consent_views.consent_pdf_copy,
        name="people_consent_pdf",
    ),
    path(
        f"{CONSENTS}<int:consent_pk>/signed-copy",
        consent_views.consent_document,
        name="people_consent_document",
    ),
]
