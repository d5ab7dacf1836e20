"""The actor of a request, typed, and the acting organization it acts for.

A person may belong to several organizations; a request acts for exactly one. It is resolved
once, when ``ActorMiddleware`` builds ``request.actor``:

1. the organization in the URL, on pages that belong to one (``/org/<slug>/…``), when the
   person is an active member of it;
2. otherwise the organization they chose with the switch in the header (kept in the session);
3. otherwise their only membership (with several and no choice yet, the oldest).

A choice that is not, or no longer, one of their active memberships is ignored. Views get the
actor with ``actor_of(request)``; selectors and services take the organization from
``actor.organization_id`` and never guess.
"""

from __future__ import annotations

from typing import cast

from django.http import HttpRequest
from django.urls import Resolver404, resolve

from pmhc.platform.access import ANONYMOUS, Actor, actor_for_user

#: Where the switch in the header keeps the person's choice.
SESSION_KEY = "pmhc_acting_organization"

#: Pages that belong to one organization, named by the ``slug`` in their URL.
ORGANIZATION_URL_NAMES = frozenset(
    {
        "org_detail",
        "member_list",
        "member_edit",
        "invitation_cancel",
        "agreement_list",
        "agreement_new",
        "agreement_detail",
        "agreement_accept",
        "agreement_decline",
        "agreement_change",
        "agreement_end",
        "agreement_document",
        "api_key_list",
        "api_key_revoke",
        "email_list",
        "email_retry",
        "audit_list",
        "audit_export",
    }
)


class ActorRequest(HttpRequest):
    """A request that ``ActorMiddleware`` has given an actor; for annotations."""

    actor: Actor


def actor_of(request: HttpRequest) -> Actor:
    """Who is acting in this request (``ANONYMOUS`` before the middleware has run)."""
    return cast(Actor, getattr(request, "actor", ANONYMOUS))


def url_organization_slug(request: HttpRequest) -> str | None:
    """The organization a page belongs to, from its URL, or None."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return None
    if match.url_name not in ORGANIZATION_URL_NAMES:
        return None
    slug = match.kwargs.get("slug")
    return slug if isinstance(slug, str) else None


def chosen_organization_id(request: HttpRequest) -> int | None:
    """The organization the person chose with the header switch, if any."""
    session = getattr(request, "session", None)
    if session is None:
        return None
    value = session.get(SESSION_KEY)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def build_actor(request: HttpRequest, user: object | None = None) -> Actor:
    """The request's actor, acting for the organization resolved as the module says."""
    who = user if user is not None else getattr(request, "user", None)
    if who is None or not getattr(who, "is_authenticated", False):
        return ANONYMOUS
    return actor_for_user(
        who,  # type: ignore[arg-type]
        organization_slug=url_organization_slug(request),
        organization_id=chosen_organization_id(request),
    )
