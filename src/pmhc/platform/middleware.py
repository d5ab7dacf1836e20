"""Request plumbing: request ids and client address for the audit trail, the actor, the
organization's time zone, security headers, caching, and the two-factor requirement."""

from __future__ import annotations

import ipaddress
import logging
import re
import uuid
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.functional import SimpleLazyObject

from pmhc.platform import caching, context, dates
from pmhc.platform.access import MANAGING_ROLES, ROLE_GRANTS, Actor
from pmhc.platform.http import actor_of, build_actor
from pmhc.platform.models import Classification

Handler = Callable[[HttpRequest], HttpResponse]
logger = logging.getLogger(__name__)
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

    #: Whether this process has warned about an untrusted proxy (once is enough to be seen; a
    #: second warning from a race between threads does no harm).
    warned_untrusted_proxy = False

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not RequestContextMiddleware.warned_untrusted_proxy:
            self._warn_if_untrusted_proxy(request)
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        trusted = getattr(settings, "TRUST_X_FORWARDED_FOR", False)
        request_id = incoming if trusted and _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        with context.bind(context.RequestContext(request_id, _client_ip(request))):
            response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response

    @staticmethod
    def _warn_if_untrusted_proxy(request: HttpRequest) -> None:
        """The deployment check cannot see a proxy; a request can. Behind one that pmhc does
        not trust, every client has the proxy's address in the audit trail and in the
        per-address sign-in throttle, so say so in the log, once per process."""
        if (
            getattr(settings, "PRODUCTION", False)
            and not getattr(settings, "TRUST_X_FORWARDED_FOR", False)
            and "HTTP_X_FORWARDED_FOR" in request.META
        ):
            RequestContextMiddleware.warned_untrusted_proxy = True
            logger.warning(
                "A request came through a proxy (it has an X-Forwarded-For header) but "
                "PMHC_TRUST_X_FORWARDED_FOR is off: every client is recorded with the proxy's "
                "address %s, and the per-address sign-in throttle counts them all together. "
                "Set PMHC_TRUST_X_FORWARDED_FOR=true if the proxy is yours and replaces that "
                "header (README, Production deployment, step 6).",
                request.META.get("REMOTE_ADDR", ""),
            )


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), payment=()")
        return response


class NoStoreMiddleware:
    """Nothing a signed-in person, an API caller or a private link sees stays in a browser's
    or a proxy's cache (a shared computer, the back button after sign-out): every response is
    ``no-store`` unless ``caching.may_be_stored`` says it is a public page. A view that already
    said ``no-store`` keeps its own header. Static files never reach this middleware
    (whitenoise answers them first) and keep their long caching."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if caching.may_be_stored(request, response):
            return response
        if "no-store" not in response.get("Cache-Control", ""):
            add_never_cache_headers(response)
        # For HTTP/1.0 caches, which do not read Cache-Control.
        response.setdefault("Pragma", "no-cache")
        return response


class ActorMiddleware:
    """``request.actor``: who is acting and for which organization, built once per request;
    shows times in that organization's zone."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # A worker thread may still hold the previous request's zone.
        timezone.deactivate()
        # The acting organization is resolved here, once (see ``pmhc.platform.http``).
        request.actor = SimpleLazyObject(lambda: build_actor(request))  # type: ignore[attr-defined]
        actor = actor_of(request)
        if actor.is_authenticated and actor.time_zone:
            timezone.activate(dates.zone(actor.time_zone))
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
                and needs_two_factor(actor_of(request))
            ):
                return HttpResponseRedirect(reverse("two_factor_setup"))
        return self.get_response(request)
