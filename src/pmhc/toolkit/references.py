"""Human-readable reference numbers (TA-2026-000123), unique and gap-free per year."""

from __future__ import annotations

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from pmhc.toolkit.models import ReferenceCounter


def next_reference(prefix: str) -> str:
    """The next number for ``prefix`` this year. Call inside the transaction that saves it:
    the counter row stays locked until that transaction ends, so no two requests share one."""
    year = timezone.now().year
    with transaction.atomic():
        counter, _ = ReferenceCounter.objects.select_for_update().get_or_create(
            prefix=prefix, year=year
        )
        counter.last += 1
        counter.save(update_fields=["last"])
    return f"{prefix}-{year}-{counter.last:06d}"


def new_token() -> tuple[str, str]:
    """A private link token and the hash that is stored; the token itself is never kept."""
    token = secrets.token_urlsafe(24)
    return token, token_hash(token)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
