"""Filters for showing scores and ratings the same way on every page."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import template

from pmhc.assessment.models import LEVELS
from pmhc.assessment.reporting import delta_shown, shown

register = template.Library()


@register.filter
def score(value: float | None) -> str:
    """A 0-100 score as a whole number, or a dash."""
    return shown(value)


@register.filter
def delta(value: float | None) -> str:
    return delta_shown(value)


@register.filter
def rating(value: float | None) -> str:
    """A mean rating on the 0-3 continuum, to one decimal, or a dash."""
    return "–" if value is None else f"{value:.1f}"


@register.filter
def level(value: int | None) -> str:
    """The name of a step of the continuum."""
    if value is None or not 0 <= value < len(LEVELS):
        return "–"
    return str(LEVELS[value][1])


@register.filter
def get_item(mapping: Mapping[Any, Any], key: Any) -> Any:
    return mapping.get(key) if mapping else None
