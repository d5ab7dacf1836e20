"""How a consent's data classes and purposes read on its pages: in words, not stored codes."""

from __future__ import annotations

from collections.abc import Iterable

from django import template

from pmhc.people.consent_forms import data_class_label
from pmhc.platform.models import Purpose

register = template.Library()


@register.filter
def data_class_labels(values: Iterable[str]) -> str:
    return ", ".join(data_class_label(value) for value in values)


@register.filter
def purpose_labels(values: Iterable[str]) -> str:
    labels = dict(Purpose.choices)
    return ", ".join(str(labels.get(value, value)) for value in values)
