"""Request plumbing: request ids and client address for the audit trail, the actor, the
organization's time zone, security headers, and the two-factor requirement."""

from __future__ import annotations

import ipaddress
import re
import uuid
import zoneinfo
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from pmhc.platform import context
from pmhc.platform.access import MANAGING_ROLES, ROLE_GRANTS, Actor, actor_for_user
from pmhc.platform.models import Classification

Handler = Callable[[HttpRequest], HttpResponse]
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def _client_ip(request: HttpRequest) -> str | None:
    raw = request.META.get("REMOTE_ADDR", "")
    if getattr(settings, "TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            # The last entry is the one our own proxy added; earlier ones are the client's word.
            raw = forwarded.split(",")[-1].strip()
    try:
        return str(ipaddress.ip_address(raw))
    except ValueError:
        return None


class RequestContextMiddleware:
    """Give each request an id (kept from a trusted proxy's X-Request-ID) and note its address."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        trusted = getattr(settings, "TRUST_X_FORWARDED_FOR", False)
        request_id = incoming if trusted and _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        with context.bind(context.RequestContext(request_id, _client_ip(request))):
            response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), payment=()")
        return response


class ActorMiddleware:
    """``request.actor``: who is acting, built once per request; shows times in their zone."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # A worker thread may still hold the previous request's zone.
        timezone.deactivate()
        request.actor = SimpleLazyObject(lambda: actor_for_user(request.user))  # type: ignore[attr-defined]
        actor: Actor = request.actor  # type: ignore[attr-defined]
        if actor.is_authenticated and actor.time_zone:
            timezone.activate(zoneinfo.ZoneInfo(actor.time_zone))
        else:
            timezone.deactivate()
        return self.get_response(request)


#: Roles that can see personal data of some kind, and the roles that decide who can;
#: production makes them use two factors.
SENSITIVE = {
    Classification.PERSONAL,
    Classification.SAFETY,
    Classification.CLINICAL,
    Classification.SUBSTANCE_USE,
}
ROLES_NEEDING_TWO_FACTOR = (
    frozenset(role for role, grants in ROLE_GRANTS.items() if SENSITIVE & set(grants))
    | MANAGING_ROLES
)


def needs_two_factor(actor: Actor) -> bool:
    return bool(actor.roles & ROLES_NEEDING_TWO_FACTOR)


class TwoFactorRequiredMiddleware:
    """Where two factors are required, a signed-in user without them can only enrol."""

    exempt_names = ("two_factor_setup", "logout", "healthz")

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.REQUIRE_TWO_FACTOR and request.user.is_authenticated:
            verified = getattr(request.user, "is_verified", lambda: False)()
            exempt = {reverse(name) for name in self.exempt_names}
            if (
                not verified
                and request.path not in exempt
                and not request.path.startswith(settings.STATIC_URL)
                and needs_two_factor(request.actor)  # type: ignore[attr-defined]
            ):
                return HttpResponseRedirect(reverse("two_factor_setup"))
        return self.get_response(request)
