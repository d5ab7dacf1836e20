"""Which responses a browser or a proxy may keep.

Every response is ``no-store`` (see ``middleware.NoStoreMiddleware``) unless it is a page marked
here as the same for every anonymous visitor, requested by one, and setting no cookie. Marking
is opt-in so that a new page, which may show personal data, is never cached by mistake.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.http import HttpRequest, HttpResponseBase

View = TypeVar("View", bound=Callable[..., Any])

PUBLIC_PAGE = "pmhc_public_page"


def public_page(view: View) -> View:
    """Mark ``view`` as a public page: what it shows an anonymous visitor is the same for all of
    them and holds nothing private, so caches may keep that response. Signed-in visitors, API
    callers and any response that sets a cookie still get ``no-store``."""
    setattr(view, PUBLIC_PAGE, True)
    return view


def may_be_stored(request: HttpRequest, response: HttpResponseBase) -> bool:
    """Whether ``response`` may stay in a cache: a public page for an anonymous visitor."""
    if "HTTP_AUTHORIZATION" in request.META:
        return False  # an API key or other credentials: the answer is the caller's
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return False
    if response.cookies:
        return False  # a cookie (CSRF, session, messages) belongs to one visitor
    match = getattr(request, "resolver_match", None)
    return bool(match is not None and getattr(match.func, PUBLIC_PAGE, False))
