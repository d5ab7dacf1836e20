"""The state of each call's encounter report, for the lists of calls an officer was sent to.

Reports belong to ``response``, which builds on ``dispatch``; so ``dispatch`` does not import it,
and ``response`` registers here (in its ``AppConfig.ready``) how to read the state of the
officer's own report on each call. Without it, calls list newest first with no state.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import QuerySet

if TYPE_CHECKING:
    from pmhc.dispatch.models import Call

#: The order of the officer's list: reports returned for changes first (they wait on the
#: officer), then drafts and calls with no report yet, then reports submitted or accepted.
RETURNED, TO_FILE, DONE = 0, 1, 2


@dataclass(frozen=True)
class ReportStates:
    #: Adds ``report_state`` (the code of the officer's latest report on the call, or None)
    #: and ``report_rank`` (``RETURNED``, ``TO_FILE`` or ``DONE``) to each call, in the query.
    annotate: Callable[[QuerySet[Call], int], QuerySet[Call]]
    #: The state in words, for a code or for None (no report yet).
    label: Callable[[str | None], str]


_registered: list[ReportStates] = []


def register(states: ReportStates) -> None:
    _registered[:] = [states]


def registered() -> ReportStates | None:
    return _registered[0] if _registered else None
