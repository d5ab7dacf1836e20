from __future__ import annotations

from django.urls import URLPattern, path

from pmhc.planning import views

urlpatterns: list[URLPattern] = [
    path("plan/", views.plan_home, name="plan_home"),
    path("plan/profile/", views.profile_edit, name="plan_profile"),
    path("plan/advice/", views.advice_page, name="plan_advice"),
    path("plan/staffing/", views.staffing_page, name="plan_staffing"),
    path("plan/one-mind/", views.onemind_page, name="plan_onemind"),
    path("plan/one-mind/pledge/", views.pledge_edit, name="plan_pledge"),
    path("plan/one-mind/policy/", views.policy_edit, name="plan_policy"),
    path("plan/one-mind/policy/file", views.policy_file, name="plan_policy_file"),
]
