from __future__ import annotations

from django import template
from django.forms import BoundField
from django.utils.safestring import SafeString

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


@register.filter
def masked_email(address: str) -> str:
    """``s…@example.org``: enough to tell messages apart, not to read who wrote in."""
    local, _, domain = str(address).partition("@")
    return f"{local[:1]}…@{domain}" if domain else "…"
