from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import path

from pmhc.platform import (
    account_views,
    agreement_views,
    break_glass_views,
    org_views,
    retention_views,
    views,
)

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("api/docs/", views.api_docs, name="api_docs"),
    path("start/", views.landing, name="landing"),
    # Accounts
    path("accounts/login/", account_views.login_view, name="login"),
    path("accounts/login/code/", account_views.two_factor_verify, name="two_factor_verify"),
    path("accounts/logout/", account_views.logout_view, name="logout"),
    path("accounts/", account_views.account, name="account"),
    path(
        "accounts/acting-organization/",
        account_views.acting_organization,
        name="acting_organization",
    ),
    path("accounts/two-factor/", account_views.two_factor_setup, name="two_factor_setup"),
    path("accounts/two-factor/remove/", account_views.two_factor_remove, name="two_factor_remove"),
    path("accounts/email/", account_views.email_change, name="email_change"),
    path(
        "accounts/email/confirm/<str:token>/",
        account_views.email_change_confirm,
        name="email_change_confirm",
    ),
    path(
        "accounts/invitations/<str:token>/",
        account_views.invitation_accept,
        name="invitation_accept",
    ),
    path("accounts/password/", account_views.password_change, name="password_change"),
    path(
        "accounts/password/reset/", account_views.PasswordResetView.as_view(), name="password_reset"
    ),
    path(
        "accounts/password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/password/reset/<uidb64>/<token>/",
        account_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/password/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    # Break-glass: emergency access with a reason, a time box and a review
    path("operate/break-glass/", break_glass_views.start, name="break_glass_start"),
    path("operate/break-glass/end/", break_glass_views.end, name="break_glass_end"),
    path("operate/break-glass/reviews/", break_glass_views.reviews, name="break_glass_reviews"),
    # The organization's own administration
    path("org/", org_views.org_home, name="org_home"),
    path("org/<slug:slug>/", org_views.org_detail, name="org_detail"),
    path("org/<slug:slug>/members/", org_views.member_list, name="member_list"),
    path("org/<slug:slug>/members/<int:pk>/", org_views.member_edit, name="member_edit"),
    path(
        "org/<slug:slug>/members/invitations/<int:pk>/cancel/",
        org_views.member_invitation_cancel,
        name="member_invitation_cancel",
    ),
    path("org/<slug:slug>/agreements/", agreement_views.agreement_list, name="agreement_list"),
    path("org/<slug:slug>/agreements/new/", agreement_views.agreement_new, name="agreement_new"),
    path(
        "org/<slug:slug>/agreements/<int:pk>/",
        agreement_views.agreement_detail,
        name="agreement_detail",
    ),
    path(
        "org/<slug:slug>/agreements/<int:pk>/accept/",
        agreement_views.agreement_accept,
        name="agreement_accept",
    ),
    path(
        "org/<slug:slug>/agreements/<int:pk>/decline/",
        agreement_views.agreement_decline,
        name="agreement_decline",
    ),
    path(
        "org/<slug:slug>/agreements/<int:pk>/change/",
        agreement_views.agreement_amend,
        name="agreement_amend",
    ),
    path(
        "org/<slug:slug>/agreements/<int:pk>/end/",
        agreement_views.agreement_end,
        name="agreement_end",
    ),
    path(
        "org/<slug:slug>/agreements/<int:pk>/document/",
        agreement_views.agreement_document,
        name="agreement_document",
    ),
    path("org/<slug:slug>/api-keys/", org_views.api_key_list, name="api_key_list"),
    path(
        "org/<slug:slug>/api-keys/<int:pk>/revoke/",
        org_views.api_key_revoke,
        name="api_key_revoke",
    ),
    path("org/<slug:slug>/email/", org_views.email_list, name="email_list"),
    path("org/<slug:slug>/email/<int:pk>/retry/", org_views.email_retry, name="email_retry"),
    path("org/<slug:slug>/audit/", org_views.audit_list, name="audit_list"),
    path("org/<slug:slug>/audit/export.csv", org_views.audit_export, name="audit_export"),
    path("org/<slug:slug>/retention/", retention_views.retention_page, name="retention"),
]
