from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from pmhc.care import case_views, directory_views, referral_views

urlpatterns: list[URLPattern | URLResolver] = [
    path("operate/care/directory/", directory_views.directory, name="care_directory"),
    path(
        "operate/care/directory/import/",
        directory_views.directory_import,
        name="care_directory_import",
    ),
    path(
        "operate/care/directory/import/template.csv",
        directory_views.directory_template,
        name="care_directory_template",
    ),
    path("operate/care/directory/new/", directory_views.service_new, name="care_service_new"),
    path("operate/care/directory/<int:pk>/", directory_views.service, name="care_service"),
    path(
        "operate/care/directory/<int:pk>/edit/",
        directory_views.service_edit,
        name="care_service_edit",
    ),
    path(
        "operate/care/directory/<int:pk>/capacity/",
        directory_views.capacity,
        name="care_capacity",
    ),
    path(
        "operate/care/directory/<int:pk>/listing/",
        directory_views.listing,
        name="care_service_listing",
    ),
    path("operate/care/now/", directory_views.where_now, name="care_now"),
    path("operate/care/referrals/", referral_views.referral_list, name="care_referrals"),
    path("operate/care/referrals/new/", referral_views.referral_new, name="care_referral_new"),
    path(
        "operate/care/referrals/stalled/",
        referral_views.stalled,
        name="care_referrals_stalled",
    ),
    path(
        "operate/care/referrals/received/",
        referral_views.inbox,
        name="care_referral_inbox",
    ),
    path(
        "operate/care/referrals/received/<int:pk>/",
        referral_views.received,
        name="care_referral_received",
    ),
    path(
        "operate/care/referrals/received/<int:pk>/move/",
        referral_views.received_move,
        name="care_referral_move",
    ),
    path("operate/care/referrals/<int:pk>/", referral_views.referral, name="care_referral"),
    path(
        "operate/care/referrals/<int:pk>/close/",
        referral_views.referral_close,
        name="care_referral_close",
    ),
    # --- Cases ---
    path("operate/care/cases/", case_views.caseload, name="care_caseload"),
    path("operate/care/cases/new/", case_views.case_new, name="care_case_new"),
    path("operate/care/cases/<int:pk>/", case_views.case, name="care_case"),
    path(
        "operate/care/cases/<int:pk>/contacts/new/", case_views.contact_new, name="care_contact_new"
    ),
    path("operate/care/cases/<int:pk>/plan/", case_views.plan, name="care_case_plan"),
    path("operate/care/cases/<int:pk>/transfer/", case_views.transfer, name="care_case_transfer"),
    path("operate/care/cases/<int:pk>/close/", case_views.close, name="care_case_close"),
    path("operate/care/cases/<int:pk>/reopen/", case_views.reopen, name="care_case_reopen"),
]
