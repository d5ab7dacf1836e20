from __future__ import annotations

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def percent(share: float | None, places: int = 1) -> str:
    """A share between 0 and 1 as a percentage, e.g. 0.8461 -> "84.6%"."""
    if share is None:
        return "—"
    return f"{number_format(share * 100, decimal_pos=places)}%"
