"""What happens elsewhere when a follow-up is marked done.

Apps above response (care: the follow-up visit becomes a contact of the person's open case)
register a function here in their ``AppConfig.ready``; ``contact_services.complete_follow_up``
calls each one in its transaction, with the actor and the note, after the note is saved and
audited. A function that has nothing to do returns quietly; one that fails fails the change.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pmhc.platform.access import Actor
    from pmhc.response.models import ContactNote

FollowUpDone = Callable[["Actor", "ContactNote"], None]

AFTER_DONE: list[FollowUpDone] = []


def register(hook: FollowUpDone) -> None:
    """Add a hook (once: ``ready`` may run more than once in tests)."""
    if hook not in AFTER_DONE:
        AFTER_DONE.append(hook)


def run(actor: Actor, note: ContactNote) -> None:
    for hook in AFTER_DONE:
        hook(actor, note)
