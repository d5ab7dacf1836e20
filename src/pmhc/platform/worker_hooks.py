"""What the worker does when it starts, besides running queued tasks. The platform imports no
domain app, so each app registers its own checks here from ``AppConfig.ready``: a check finds
work that a stopped worker left behind (an import whose process died, say) and deals with it
or queues it, and returns a line for the worker's log, or "" when it found nothing."""

from __future__ import annotations

from collections.abc import Callable

StartupCheck = Callable[[], str]

STARTUP_CHECKS: list[StartupCheck] = []


def register_startup_check(check: StartupCheck) -> StartupCheck:
    if check not in STARTUP_CHECKS:
        STARTUP_CHECKS.append(check)
    return check


def run_startup_checks() -> list[str]:
    """Run every registered check, in the order the apps registered them; their log lines."""
    return [line for check in STARTUP_CHECKS if (line := check())]
