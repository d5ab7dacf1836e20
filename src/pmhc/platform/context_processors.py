from __future__ import annotations

import math
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

from pmhc.platform.access import Actor
from pmhc.platform.http import actor_of
from pmhc.platform.middleware import needs_two_factor
from pmhc.platform.navigation import sections_for


def shell(request: HttpRequest) -> dict[str, Any]:
    actor = actor_of(request)
    user = getattr(request, "user", None)
    verified = bool(user is not None and getattr(user, "is_verified", lambda: False)())
    return {
        "nav_items": [
            {"label": s.label, "url": s.url, "current": request.path.startswith(s.match_prefix)}
            for s in sections_for(actor)
        ],
        "actor": actor,
        "demo_mode": not settings.PRODUCTION,
        "two_factor_relaxed": (
            not settings.REQUIRE_TWO_FACTOR
            and actor.is_authenticated
            and needs_two_factor(actor)
            and not verified
        ),
        "session_idle_minutes": settings.SESSION_IDLE_MINUTES,
        **_break_glass(actor),
    }


def _break_glass(actor: Actor) -> dict[str, Any]:
    """The banner shown on every page while the actor's break-glass use is open."""
    use = actor.break_glass
    now = timezone.now()
    if use is None or not use.is_open(now):
        return {"break_glass": None}
    left = math.ceil((use.until - now).total_seconds() / 60)
    return {"break_glass": use, "break_glass_minutes_left": left}
