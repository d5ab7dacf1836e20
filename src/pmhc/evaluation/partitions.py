"""The monthly partitions of the de-identified facts on PostgreSQL (see ``docs/adr/0017``).

``evaluation_callfact`` is partitioned by range of ``month``: one partition a month, named
``evaluation_callfact_yYYYYmMM``, and a DEFAULT partition that takes any month without one.
``ensure_partitions`` adds the partitions of the months to come (and of any earlier month asked
for), and gives each month found in the DEFAULT partition its own partition, moving its rows
there. It is what ``pmhc partitions`` and the worker's start run, through
``partition_services.add_partitions`` (audited). On SQLite there is nothing to do.

The caller holds a transaction: the work takes a transaction-scoped advisory lock, so two
workers starting at once add each partition once.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

from django.db import connection
from django.db.backends.utils import CursorWrapper

TABLE = "evaluation_callfact"
DEFAULT_PARTITION = f"{TABLE}_default"
#: The most partitions one run adds (fifty years of months), so a mistyped start is refused
#: rather than filling the catalog.
MAX_NEW = 600
_LOCK = 0x70686D63  # the advisory lock's key for this table's partitions
_FROM = re.compile(r"FROM \('(\d{4}-\d{2}-\d{2})'\)")


@dataclasses.dataclass(frozen=True)
class Added:
    months: tuple[dt.date, ...] = ()
    #: Rows moved out of the DEFAULT partition into the new partitions.
    moved: int = 0


def add_months(month: dt.date, count: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + count
    return dt.date(index // 12, index % 12 + 1, 1)


def partition_name(month: dt.date) -> str:
    return f"{TABLE}_y{month:%Y}m{month:%m}"


def is_partitioned() -> bool:
    """Whether the facts' table is partitioned here (PostgreSQL after the migration)."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid "
            "WHERE c.relname = %s AND c.relnamespace = current_schema()::regnamespace",
            [TABLE],
        )
        return cursor.fetchone() is not None


def monthly_partitions() -> dict[dt.date, str]:
    """The first day of each month that has its own partition -> the partition's name."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i "
            "JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = %s::regclass",
            [TABLE],
        )
        found = {}
        for name, bound in cursor.fetchall():
            start = _FROM.search(bound or "")
            if start:
                found[dt.date.fromisoformat(start.group(1))] = name
        return found


def months_in_default() -> list[dt.date]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT DISTINCT date_trunc('month', month)::date FROM {DEFAULT_PARTITION}"  # noqa: S608
        )
        return sorted(row[0] for row in cursor.fetchall())


def ensure_partitions(
    *, months_ahead: int = 3, since: dt.date | None = None, today: dt.date | None = None
) -> Added:
    """Add a partition for each month from ``since`` (else this month) to ``months_ahead``
    months after this one, and for each month whose rows sit in the DEFAULT partition; the
    months added, oldest first. Must run inside a transaction."""
    if not is_partitioned():
        return Added()
    if not 0 <= months_ahead <= 120:
        raise ValueError("Months ahead is from 0 to 120.")
    this_month = (today or dt.date.today()).replace(day=1)
    first = (since or this_month).replace(day=1)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK])
    existing = monthly_partitions()
    wanted = set()
    month = min(first, this_month)
    while month <= add_months(this_month, months_ahead):
        wanted.add(month)
        month = add_months(month, 1)
    stranded = set(months_in_default())
    missing = sorted((wanted | stranded) - set(existing))
    if len(missing) > MAX_NEW:
        raise ValueError(f"That would add {len(missing)} partitions; at most {MAX_NEW} at once.")
    moved = 0
    with connection.cursor() as cursor:
        for month in missing:
            moved += _add(cursor, month, has_rows=month in stranded)
    return Added(months=tuple(missing), moved=moved)


def _add(cursor: CursorWrapper, month: dt.date, *, has_rows: bool) -> int:
    name = partition_name(month)
    bounds = f"FROM ('{month.isoformat()}') TO ('{add_months(month, 1).isoformat()}')"
    execute = cursor.execute
    if not has_rows:
        execute(f"CREATE TABLE {name} PARTITION OF {TABLE} FOR VALUES {bounds}")
        return 0
    # The DEFAULT partition may not hold rows of a new partition's range: take them out into a
    # table of the same shape, then attach it (which builds its indexes and checks the range).
    execute(f"CREATE TABLE {name} (LIKE {TABLE} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
    execute(
        f"WITH moved AS (DELETE FROM {DEFAULT_PARTITION} "  # noqa: S608
        "WHERE month >= %s AND month < %s RETURNING *) "
        f"INSERT INTO {name} SELECT * FROM moved",
        [month, add_months(month, 1)],
    )
    moved: int = cursor.rowcount
    execute(f"ALTER TABLE {TABLE} ATTACH PARTITION {name} FOR VALUES {bounds}")
    return moved
