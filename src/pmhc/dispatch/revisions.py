"""The stamp of what triage reads of an agency besides the call (see ``DispatchRevision``).

Every service that writes the published rules, the shifts or the teams (not their statuses,
which triage reads fresh) calls ``changed`` in its transaction. The stamp is a fresh random
value each time, never a counter, so a value a process kept can never come back after a
rollback or in another database.
"""

from __future__ import annotations

import secrets

from pmhc.dispatch.models import DispatchRevision


def changed(organization_id: int) -> None:
    """Give the agency's triage inputs a new stamp, in the caller's transaction."""
    stamp = secrets.token_hex(16)
    rows = DispatchRevision.objects.filter(organization_id=organization_id)
    if rows.update(stamp=stamp):
        return
    DispatchRevision.objects.bulk_create(
        [DispatchRevision(organization_id=organization_id, stamp=stamp)], ignore_conflicts=True
    )
    # Another transaction may have made the row first: this change still needs its own stamp.
    rows.update(stamp=stamp)
