"""``{% csrf_token %}`` for every template, with a one-time submit token beside it.

Loaded as a template builtin (``settings.TEMPLATES``), so this tag replaces Django's: every
form that posts carries a fresh token and ``submit_once.SubmitOnceMiddleware`` runs it once.
"""

from __future__ import annotations

from django import template
from django.template.base import Parser, Token
from django.template.context import Context
from django.template.defaulttags import CsrfTokenNode
from django.utils.html import format_html
from django.utils.safestring import SafeString

from pmhc.platform import submit_once

register = template.Library()


class FormTokensNode(template.Node):
    def render(self, context: Context) -> SafeString:
        csrf = CsrfTokenNode().render(context)
        if not csrf:
            return SafeString("")
        return format_html(
            '{}<input type="hidden" name="{}" value="{}">',
            csrf,
            submit_once.FIELD,
            submit_once.new_token(),
        )


@register.tag
def csrf_token(parser: Parser, token: Token) -> FormTokensNode:
    return FormTokensNode()
