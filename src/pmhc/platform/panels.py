"""Panels that a higher app adds to a lower app's page.

A lower app must not import a higher one (CONTRIBUTING.md, "Where code goes"), yet its page
may need to show the higher app's records: a person's page lists the calls and encounters the
person appears in. The higher app registers a panel for the page, by the page's name, in its
``AppConfig.ready``; the lower app's view renders whatever is registered, in order. A panel's
``context`` gets what the page passes (the actor and the page's object) and reads through its
own app's selectors, so the access policy and the audit trail apply as on its own pages.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe


@dataclass(frozen=True)
class Panel:
    #: The page's name, ``"<app>.<page>"``: ``"people.person"``.
    page: str
    template: str
    #: Called with the page's keyword arguments; returns the template's context.
    context: Callable[..., dict[str, Any]]
    #: Position on the page, lowest first.
    order: int = 100


_PANELS: dict[str, list[Panel]] = {}


def register(
    page: str, *, template: str, context: Callable[..., dict[str, Any]], order: int = 100
) -> None:
    panels = _PANELS.setdefault(page, [])
    panels.append(Panel(page=page, template=template, context=context, order=order))
    panels.sort(key=lambda panel: panel.order)


def panels_for(page: str) -> list[Panel]:
    return list(_PANELS.get(page, ()))


def render(page: str, **kwargs: Any) -> list[SafeString]:
    """Each panel of ``page`` rendered with its context from ``kwargs``, in order."""
    # render_to_string escapes the template's variables; its result is safe markup.
    return [
        mark_safe(render_to_string(panel.template, panel.context(**kwargs)))  # noqa: S308
        for panel in panels_for(page)
    ]
