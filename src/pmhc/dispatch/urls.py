"""The dispatch app's routes; ``pmhc/urls.py`` includes them."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, include, path

from pmhc.dispatch import duty_views, plan_views, rules_views, unit_views, views

urlpatterns: list[URLPattern | URLResolver] = [
    path("operate/", views.index, name="dispatch_index"),
    path("operate/calls/", views.calls, name="dispatch_calls"),
    path("operate/calls/new/", views.call_new, name="dispatch_call_new"),
    path("operate/calls/recommend/", views.recommend, name="dispatch_recommend"),
    path("operate/calls/<int:pk>/", views.call_detail, name="dispatch_call"),
    path("operate/calls/<int:pk>/units/", views.call_assign, name="dispatch_call_assign"),
    path("operate/calls/<int:pk>/times/", views.call_times, name="dispatch_call_times"),
    path(
        "operate/calls/<int:pk>/plans/<int:plan_pk>/",
        plan_views.call_plan,
        name="dispatch_call_plan",
    ),
    path("operate/rules/", rules_views.rules, name="dispatch_rules"),
    path("operate/rules/draft/", rules_views.draft, name="dispatch_rules_draft"),
    path("operate/rules/try/", rules_views.try_draft, name="dispatch_rules_try"),
    path("operate/rules/publish/", rules_views.publish, name="dispatch_rules_publish"),
    path("operate/rules/<int:pk>/", rules_views.version, name="dispatch_rules_version"),
    path("operate/duty/", duty_views.board, name="dispatch_duty"),
    path("operate/duty/shifts/new/", duty_views.shift_new, name="dispatch_shift_new"),
    path("operate/duty/shifts/<int:pk>/", duty_views.shift_edit, name="dispatch_shift_edit"),
    path(
        "operate/duty/shifts/<int:pk>/delete/",
        duty_views.shift_delete,
        name="dispatch_shift_delete",
    ),
    path("operate/duty/teams/new/", duty_views.team_new, name="dispatch_team_new"),
    path("operate/duty/teams/<int:pk>/", duty_views.team_edit, name="dispatch_team_edit"),
    path(
        "operate/duty/teams/<int:pk>/status/",
        unit_views.team_status,
        name="dispatch_team_status",
    ),
    path("operate/unit/", unit_views.unit, name="dispatch_unit"),
    path("operate/unit/calls/<int:pk>/", unit_views.unit_call, name="dispatch_unit_call"),
    path("operate/unit/calls/<int:pk>/step/", unit_views.unit_step, name="dispatch_unit_step"),
    path("", include("pmhc.dispatch.import_urls")),
]
