from __future__ import annotations

from django.urls import URLPattern, path

from pmhc.assessment import committee_views, instrument_views, plan_views, views

urlpatterns: list[URLPattern] = [
    path("assess/", views.home, name="assess_home"),
    path("assess/quick/", views.quick_start, name="assess_quick_start"),
    # One respondent: by private link, or as the invited account.
    path("assess/r/<str:token>/", views.respond_overview, name="assess_respond"),
    path("assess/r/<str:token>/profile/", views.respond_profile, name="assess_respond_profile"),
    path(
        "assess/r/<str:token>/element/<int:number>/",
        views.respond_element,
        name="assess_respond_element",
    ),
    path("assess/r/<str:token>/review/", views.respond_review, name="assess_respond_review"),
    path("assess/r/<str:token>/results/", views.respond_results, name="assess_respond_results"),
    path("assess/r/<str:token>/report.pdf", views.respond_pdf, name="assess_respond_pdf"),
    path("assess/r/<str:token>/answers.csv", views.respond_csv, name="assess_respond_csv"),
    path("assess/mine/<int:pk>/", views.respond_overview, name="assess_mine"),
    path(
        "assess/mine/<int:pk>/element/<int:number>/",
        views.respond_element,
        name="assess_mine_element",
    ),
    path("assess/mine/<int:pk>/review/", views.respond_review, name="assess_mine_review"),
    # A program's committee assessment.
    path("assess/new/", committee_views.new, name="assess_new"),
    path("assess/<int:pk>/", committee_views.detail, name="assess_detail"),
    path("assess/<int:pk>/invite/", committee_views.invite, name="assess_invite"),
    path("assess/<int:pk>/profile/", committee_views.profile, name="assess_profile"),
    path("assess/<int:pk>/combined/", committee_views.combined, name="assess_combined"),
    path("assess/<int:pk>/agree/<int:number>/", committee_views.agree, name="assess_agree"),
    path("assess/<int:pk>/report/", committee_views.report, name="assess_report"),
    path("assess/<int:pk>/report.pdf", committee_views.report_pdf, name="assess_report_pdf"),
    path("assess/<int:pk>/answers.csv", committee_views.answers_csv, name="assess_answers_csv"),
    path("assess/<int:pk>/close/", committee_views.close, name="assess_close"),
    path("assess/<int:pk>/compare/", committee_views.compare, name="assess_compare"),
    # The action plan.
    path("assess/plan/", plan_views.plan, name="assess_plan"),
    path("assess/plan/new/", plan_views.action_new, name="assess_action_new"),
    path("assess/plan/<int:pk>/", plan_views.action_edit, name="assess_action_edit"),
    # The instrument.
    path("assess/instrument/", instrument_views.editions, name="assess_editions"),
    path("assess/instrument/<int:number>/", instrument_views.edition, name="assess_edition"),
    path("assess/instrument/draft/", instrument_views.draft, name="assess_draft"),
    path("assess/instrument/draft/start/", instrument_views.draft_start, name="assess_draft_start"),
    path(
        "assess/instrument/draft/discard/",
        instrument_views.draft_discard,
        name="assess_draft_discard",
    ),
    path(
        "assess/instrument/draft/element/<int:number>/",
        instrument_views.draft_element,
        name="assess_draft_element",
    ),
]
