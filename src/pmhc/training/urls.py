"""Train's routes; ``pmhc/urls.py`` includes them."""

from __future__ import annotations

from django.urls import URLPattern, path

from pmhc.training import views

urlpatterns: list[URLPattern] = [
    path("train/", views.home, name="training_home"),
    path("train/mine/", views.mine, name="training_mine"),
    path("train/roster/", views.roster, name="training_roster"),
    path("train/roster/new/", views.trainee_new, name="training_trainee_new"),
    path("train/roster/<int:pk>/", views.trainee_detail, name="training_trainee"),
    path("train/roster/<int:pk>/edit/", views.trainee_edit, name="training_trainee_edit"),
    path(
        "train/roster/<int:pk>/completions/new/",
        views.completion_new,
        name="training_completion_new",
    ),
    path("train/courses/", views.courses, name="training_courses"),
    path("train/courses/standard/", views.courses_standard, name="training_courses_standard"),
    path("train/courses/new/", views.course_new, name="training_course_new"),
    path("train/courses/<int:pk>/edit/", views.course_edit, name="training_course_edit"),
    path("train/sessions/", views.sessions, name="training_sessions"),
    path("train/sessions/new/", views.session_new, name="training_session_new"),
    path("train/sessions/<int:pk>/", views.session_detail, name="training_session"),
    path("train/sessions/<int:pk>/edit/", views.session_edit, name="training_session_edit"),
    path(
        "train/enrollments/<int:pk>/status/",
        views.enrollment_status,
        name="training_enrollment_status",
    ),
    path("train/import/", views.roster_import, name="training_import"),
    path("train/import/sample.csv", views.sample_csv, name="training_import_sample"),
    path("train/import/<int:pk>/", views.roster_import_preview, name="training_import_preview"),
    path("train/import/<int:pk>/apply/", views.roster_import_apply, name="training_import_apply"),
]
