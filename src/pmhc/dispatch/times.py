"""The rules a call's times follow, wherever the call comes from: the call-taker's screen, the
calls API, the times recorded on a call's page and the CAD import all call ``time_problems``,
so the four cannot drift apart.

A time is refused when it is later than now (a little leeway for clocks that drift), when it is
before ``EARLIEST`` (a year typed wrong, or a CAD's placeholder for "no time"), or when it comes
before the call's earlier times (received, dispatched, first unit arrived, cleared). Besides
being wrong, a time near year 1 or 9999 cannot even be moved to UTC for storage.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

#: A call's times in the order they happen; each must not come before the ones above it.
TIME_ORDER = ("received_at", "dispatched_at", "first_arrival_at", "cleared_at")
#: How far past the server's clock a time may be: a CAD's clock and the server's drift apart,
#: and the screen takes minutes, not seconds.
CLOCK_LEEWAY = dt.timedelta(minutes=5)
#: No call is older than this. The training roster holds its dates to the same year.
EARLIEST = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _label(name: str) -> str:
    from pmhc.dispatch.models import Call

    return str(getattr(Call._meta.get_field(name), "verbose_name", name))


def latest_allowed(now: dt.datetime | None = None) -> dt.datetime:
    """The latest time a call may carry now."""
    return (now or timezone.now()) + CLOCK_LEEWAY


def time_problems(times: Mapping[str, Any], *, latest: dt.datetime | None = None) -> dict[str, str]:
    """Why each of a call's times is refused, by field name, in ``TIME_ORDER``; empty when
    every time given holds. ``times`` may hold other fields (they are ignored) and leave times
    out or ``None`` (not known). ``latest`` is ``latest_allowed()`` unless given: an import
    takes it once for the whole file."""
    limit = latest if latest is not None else latest_allowed()
    problems: dict[str, str] = {}
    previous: tuple[str, dt.datetime] | None = None
    for name in TIME_ORDER:
        value = times.get(name)
        if value is None:
            continue
        # Aware times compare as instants whatever their offsets, without moving them to UTC
        # (which overflows near year 9999).
        if value > limit:
            problems[name] = _(
                "%(when)s is in the future: a call's times cannot be later than now."
            ) % {"when": value.isoformat()}
        elif value < EARLIEST:
            problems[name] = _("%(when)s is before %(earliest)s: check the year.") % {
                "when": value.isoformat(),
                "earliest": EARLIEST.year,
            }
        elif previous is not None and value < previous[1]:
            problems[name] = _("%(when)s is before %(earlier)s (%(earlier_when)s).") % {
                "when": value.isoformat(),
                "earlier": _label(previous[0]),
                "earlier_when": previous[1].isoformat(),
            }
        if name not in problems:
            previous = (name, value)
    return problems
