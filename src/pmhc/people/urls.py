"""The people app's routes; ``pmhc/urls.py`` includes them."""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
