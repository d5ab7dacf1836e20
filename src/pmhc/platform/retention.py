"""How long each kind of record is kept: the kinds, registered by the apps that hold them.

The platform imports no domain app, so each app describes its own records in its
``retention.py`` and registers them from ``AppConfig.ready`` (as it registers its audit codes):
the bounds an administrator may set the schedule within, the default, and what a purge does
to a record past it: delete it, or de-identify it (blank its personal fields and keep the rest,
which the program is measured on).

A kind answers two questions for one organization and one cut (records dated before it are
past the schedule): which records are due (``due``: a queryset, so a dry run and a real run
read the same rows), and how to purge a batch of them (``purge``, given their primary keys,
returning how many it changed). A record already de-identified is no longer due, so a run
interrupted half-way resumes where it stopped and running twice changes nothing.

Bounds come from a rule when one can be named (``bound_source``); otherwise they are the
product's own, chosen to keep a record long enough for the program's yearly measures and no
longer than a decade, and the page says so.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class PurgeAction(models.TextChoices):
    DELETE = "delete", _("Delete")
    DEIDENTIFY = "deidentify", _("De-identify (blank the personal fields)")


#: Said of a bound that no rule sets.
PRODUCT_DEFAULT = _("the product's own default")

Due = Callable[[int, dt.datetime], "models.QuerySet[Any]"]
Purge = Callable[[Sequence[Any]], int]
Reference = Callable[[Any], str]


@dataclass(frozen=True)
class RecordKind:
    """One kind of record and how long it may be kept."""

    key: str
    label: str | Promise
    #: What "past the schedule" is measured from, in words ("when the call was received").
    measured_from: str | Promise
    minimum_days: int
    maximum_days: int
    default_days: int
    action: PurgeAction
    due: Due
    purge: Purge
    #: The field (or lookup) that dates a record, for the oldest date and the order of batches.
    date_field: str
    #: How a record is named in a dry run: its reference, never a name or a free text.
    reference: Reference
    bound_source: str | Promise = PRODUCT_DEFAULT
    #: Where it sits on the page and in the command's output (the framework's order).
    order: int = 1000
    #: The order batches and samples are taken in, on indexed columns; by default the date
    #: and the primary key. A kind whose date is not indexed names an indexed column that
    #: runs with it (the audit trail: the chain's sequence).
    batch_order: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not 1 <= self.minimum_days <= self.default_days <= self.maximum_days:
            raise ValueError(f"Retention bounds of {self.key!r} are out of order.")

    def ordering(self) -> tuple[str, ...]:
        return self.batch_order or (self.date_field, "pk")

    def clamp(self, days: int) -> int:
        return max(self.minimum_days, min(self.maximum_days, days))


_KINDS: dict[str, RecordKind] = {}


def register(kind: RecordKind) -> RecordKind:
    """Register a kind. Registering the same key again replaces it (tests reload apps)."""
    _KINDS[kind.key] = kind
    return kind


def kinds() -> list[RecordKind]:
    return sorted(_KINDS.values(), key=lambda kind: (kind.order, kind.key))


def kind(key: str) -> RecordKind:
    try:
        return _KINDS[key]
    except KeyError as exc:
        raise LookupError(f"No record kind {key!r} is registered for retention.") from exc


def is_registered(key: str) -> bool:
    return key in _KINDS
