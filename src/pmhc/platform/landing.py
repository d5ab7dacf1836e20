"""Where a person lands after signing in, and when they open the product's name in the header:
the page of their work, by their role in the acting organization.

Modules register the page each role lands on (in their ``AppConfig.ready``), as they register
their sections of the navigation; ``platform`` imports no domain app. A role with no page
registered, or whose page is not installed, lands on the public home page.
"""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse

from pmhc.platform.access import Actor
from pmhc.platform.models import Role

#: The URL name each role lands on; modules fill it in their ``AppConfig.ready``.
LANDINGS: dict[Role, str] = {}


def register(url_name: str, *roles: Role) -> None:
    """Make ``url_name`` the landing page of ``roles``. One page per role: a second module
    claiming a role already taken is a mistake in the code, not a choice to make at run time."""
    for role in roles:
        taken = LANDINGS.get(role)
        if taken is not None and taken != url_name:
            raise ValueError(f"{role} already lands on {taken}, not {url_name}")
        LANDINGS[role] = url_name


def landing_url(actor: Actor) -> str:
    """The page of the actor's work: by their role in the acting organization, so that a
    person with several organizations lands on the work of the one they act for."""
    role = actor.role if actor.is_authenticated else None
    url_name = LANDINGS.get(role) if role is not None else None
    if url_name is not None:
        try:
            return reverse(url_name)
        except NoReverseMatch:
            pass
    return reverse("home")
