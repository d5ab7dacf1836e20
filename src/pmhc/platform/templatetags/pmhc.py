from __future__ import annotations

from typing import Any

from django import template
from django.forms import BaseForm, BaseFormSet, BoundField
from django.template import Context
from django.template.defaultfilters import linebreaksbr
from django.utils.safestring import SafeString

from pmhc.platform.restricted import Withheld

register = template.Library()


@register.filter
def widget_type(field: BoundField) -> str:
    return type(field.field.widget).__name__.lower()


@register.simple_tag
def describe(field: BoundField) -> SafeString:
    """Render the input with aria-describedby pointing at its hint and error, if any."""
    ids = []
    if field.help_text:
        ids.append(f"{field.auto_id}-hint")
    if field.errors:
        ids.append(f"{field.auto_id}-error")
    attrs: dict[str, str | bool] = {}
    if ids:
        attrs["aria-describedby"] = " ".join(ids)
    if field.errors:
        attrs["aria-invalid"] = "true"
    return field.as_widget(attrs=attrs)


def _has_errors(value: Any) -> bool:
    if isinstance(value, BaseForm):
        return value.is_bound and bool(value.errors)
    if isinstance(value, BaseFormSet):
        return value.is_bound and not value.is_valid()
    return False


@register.simple_tag(takes_context=True)
def form_errors_shown(context: Context) -> bool:
    """Whether the page shows a form with errors: then a success banner would contradict it
    and is left out (an error, warning or note still shows)."""
    for value in context.flatten().values():
        if _has_errors(value):
            return True
        if isinstance(value, dict) and any(_has_errors(v) for v in value.values()):
            return True
    return False


@register.filter
def masked_email(address: str) -> str:
    """``s…@example.org``: enough to tell messages apart, not to read who wrote in."""
    local, _, domain = str(address).partition("@")
    return f"{local[:1]}…@{domain}" if domain else "…"


@register.filter(needs_autoescape=True)
def restricted_text(value: Any, autoescape: bool = True) -> SafeString:
    """Text with its line breaks, or the "Restricted" marker in place of a value the reader
    may not see (``platform.restricted``): a marker must not be escaped into plain words."""
    if isinstance(value, Withheld):
        return value.__html__()
    return SafeString(linebreaksbr(value, autoescape))
