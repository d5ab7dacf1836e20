"""How the directory writes the freshness of a figure: "updated 1 minute ago"."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from pmhc.care.directory_selectors import Freshness

register = template.Library()


@register.filter
def updated_ago(fresh: Freshness) -> str:
    minutes = fresh.minutes
    if minutes is None:
        return _("never updated")
    if minutes < 1:
        return _("updated just now")
    if minutes < 60:
        return ngettext("updated %(n)d minute ago", "updated %(n)d minutes ago", minutes) % {
            "n": minutes
        }
    hours = minutes // 60
    if hours < 48:
        return ngettext("updated %(n)d hour ago", "updated %(n)d hours ago", hours) % {"n": hours}
    days = hours // 24
    return ngettext("updated %(n)d day ago", "updated %(n)d days ago", days) % {"n": days}


@register.filter
def km_and_miles(km: float) -> str:
    return _("%(mi).1f mi (%(km).1f km)") % {"mi": km / 1.609344, "km": km}
