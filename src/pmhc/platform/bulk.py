"""Inserting many ready rows with the database's own bulk path: ``COPY`` on PostgreSQL, one
``executemany`` on SQLite. The rows hold values as the database stores them; the caller has
checked every value and the access policy, and audits the write."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection


def insert_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Insert ``rows`` into ``table``'s ``columns`` (database names, quoted here)."""
    rows = list(rows)
    if not rows:
        return
    quote = connection.ops.quote_name
    names = ", ".join(quote(column) for column in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.copy(f"COPY {quote(table)} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(
                f"INSERT INTO {quote(table)} ({names}) VALUES ({marks})",  # noqa: S608
                rows,
            )
