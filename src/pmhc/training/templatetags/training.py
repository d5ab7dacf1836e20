from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def percent(value: float | None) -> str:
    """A share as a whole percentage, or a dash when there is nobody to count."""
    if value is None:
        return "—"
    return f"{value * 100:.0f}%"
