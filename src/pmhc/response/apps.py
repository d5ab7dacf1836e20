from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResponseConfig(AppConfig):
    name = "pmhc.response"
    label = "response"
    verbose_name = _("Response (Operate)")
