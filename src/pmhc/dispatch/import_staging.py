"""The temporary tables of one CAD import: each batch of converted rows is staged there (with
``COPY`` on PostgreSQL, ``executemany`` on SQLite) and then moved into the calls with one
``INSERT … SELECT … ON CONFLICT DO NOTHING``, so a call the agency already has is skipped and
counted, never changed. Table and column names come from the model and go through
``quote_name``; every value is a bound parameter. Used by ``import_services`` only.

Staged rows are told apart by their number in the file (the n-th record), not by their line: a
JSON array written on one line puts every incident on line 1."""

from __future__ import annotations

import datetime as dt
import enum
import io
import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
from django.db import DEFAULT_DB_ALIAS, connection, connections, models
from django.utils import timezone

from pmhc.dispatch.cad_mapping import FIELDS
from pmhc.dispatch.models import Call, CallImport
from pmhc.platform import bulk
from pmhc.platform.access import Actor

#: The columns of a call that a file fills: the mapping's fields, and how much of the received
#: date is known.
STAGED = frozenset({*FIELDS, "received_precision"})
#: Rows of a column-wise batch made into Python values (or CSV text) at once.
SLICE_ROWS = 2_000


def _utc_text(value: dt.datetime) -> str:
    """An aware time as SQLite's column holds it: naive UTC text (what Django's own
    ``adapt_datetimefield_value`` gives, without its checks on every value)."""
    return str(value.astimezone(dt.UTC).replace(tzinfo=None))


def _prep_for(field: models.Field[Any, Any], db: Any) -> Callable[[Any], Any] | None:
    """How one column's converted value is made ready for the database, per row; ``None``
    where it already is. The converter (``cad_rows``) has checked every value, so the common
    kinds skip Django's per-value preparation, which costs more than the rest of a row."""
    plain = (models.CharField, models.TextField, models.BooleanField, models.IntegerField)
    if isinstance(field, plain) and not field.is_relation:
        return None
    if isinstance(field, models.DateTimeField):
        # Aware datetimes: psycopg sends them as they are; SQLite keeps naive UTC text.
        return None if db.vendor == "postgresql" else _utc_text
    if isinstance(field, models.JSONField):
        # JSON text: COPY's text format reads it into jsonb; SQLite stores the text.
        return json.dumps
    return lambda value: field.get_db_prep_save(value, db)


@dataclass
class Pending:
    number: int
    line: int
    cad_event_id: str
    row: tuple[Any, ...]


class Stage:
    """The temporary tables of one import: staged rows, and every CAD id seen so far with its
    line (so a repeat names the line it repeats, without keeping the ids in memory)."""

    def __init__(self, batch: CallImport, actor: Actor) -> None:
        self.vendor = connection.vendor
        qn = connection.ops.quote_name
        every = [f for f in Call._meta.concrete_fields if not f.primary_key]
        # Only what a file can fill is staged; the rest (the agency, the import, who and when,
        # the defaults) is the same for every row and joins them on the way into the calls.
        self.fields = [f for f in every if f.name in STAGED]
        self.fixed = [f for f in every if f.name not in STAGED]
        self.columns = ", ".join(qn(f.column) for f in self.fields)
        self.stage_name = f"pmhc_import_rows_{batch.pk}"
        self.stage = qn(self.stage_name)
        self.staged_columns = [*(f.column for f in self.fields), "import_number", "import_line"]
        self.seen = qn(f"pmhc_import_seen_{batch.pk}")
        self.number_index = qn(f"pmhc_import_rows_{batch.pk}_number")
        self.calls = qn(Call._meta.db_table)
        now = timezone.now()
        constants: dict[str, Any] = {
            "organization": batch.organization_id,
            "import_batch": batch.pk,
            "created_by": actor.user_id,
            "created_at": now,
            "updated_at": now,
        }
        # The connection itself, not Django's per-thread proxy: it is read for every value.
        db = connections[DEFAULT_DB_ALIAS]
        self.defaults: list[Any] = []
        #: The same values before the database's preparation, for batches written column-wise.
        self.plain_defaults: list[Any] = []
        for f in self.fields:
            value = f.get_default()
            self.defaults.append(f.get_db_prep_save(value, db))
            self.plain_defaults.append(value)
        self.fixed_values = [
            f.get_db_prep_save(constants[f.name] if f.name in constants else f.get_default(), db)
            for f in self.fixed
        ]
        if self.vendor == "postgresql":
            marks = [f"CAST(%s AS {f.db_type(db)})" for f in self.fixed]
        else:
            marks = ["%s"] * len(self.fixed)
        self.fixed_columns = ", ".join(qn(f.column) for f in self.fixed)
        self.fixed_marks = ", ".join(marks)
        self.index = {f.name: i for i, f in enumerate(self.fields)}
        self.preps: list[Callable[[Any], Any] | None] = [_prep_for(f, db) for f in self.fields]

    def create(self) -> None:
        with connection.cursor() as cursor:
            self.drop(cursor)
            cursor.execute(
                f"CREATE TEMPORARY TABLE {self.stage} AS SELECT {self.columns}, "  # noqa: S608
                f"0 AS import_number, 0 AS import_line FROM {self.calls} WHERE 1 = 0"
            )
            # All-or-nothing keeps every row staged: each batch looks up only its own rows.
            cursor.execute(f"CREATE INDEX {self.number_index} ON {self.stage} (import_number)")
            cursor.execute(
                f"CREATE TEMPORARY TABLE {self.seen} "
                "(cad_event_id varchar(64) PRIMARY KEY, line integer NOT NULL)"
            )

    def drop(self, cursor: Any) -> None:
        cursor.execute(f"DROP TABLE IF EXISTS {self.stage}")
        cursor.execute(f"DROP TABLE IF EXISTS {self.seen}")

    def row(self, values: dict[str, Any], number: int, line: int) -> tuple[Any, ...]:
        row = list(self.defaults)
        for name, value in values.items():
            i = self.index[name]
            prep = self.preps[i]
            row[i] = value if prep is None or value is None else prep(value)
        row.append(number)
        row.append(line)
        return tuple(row)

    def put(self, pending: list[Pending]) -> None:
        bulk.insert_rows(self.stage_name, self.staged_columns, [item.row for item in pending])

    def put_columns(self, good: pa.Table, extra: list[Pending]) -> None:
        """Stage a batch converted column-wise (``cad_columns``): ``good`` holds one column per
        converted field plus "number" and "line"; ``extra`` rows came through the row
        converter. PostgreSQL: one ``COPY`` of CSV text written by pyarrow; SQLite: one
        ``executemany`` of tuples zipped from the columns."""
        n = good.num_rows
        if self.vendor == "postgresql":
            if n:
                from pmhc.dispatch.cad_columns import utc_text_column

                arrays = [
                    good.column(f.name) if f.name in good.column_names else _repeat(value, n)
                    for f, value in zip(self.fields, self.plain_defaults, strict=True)
                ]
                arrays = [
                    utc_text_column(a) if pa.types.is_timestamp(a.type) else a for a in arrays
                ]
                arrays += [good.column("number"), good.column("line")]
                table = pa.table(arrays, names=[f"c{i}" for i in range(len(arrays))])
                options = pacsv.WriteOptions(include_header=False, quoting_style="all_valid")
                with (
                    connection.cursor() as cursor,
                    cursor.copy(
                        f"COPY {self.stage} ({self.columns}, import_number, import_line) "
                        "FROM STDIN WITH (FORMAT csv)"
                    ) as copy,
                ):
                    for start in range(0, n, SLICE_ROWS):
                        text = io.BytesIO()
                        pacsv.write_csv(table.slice(start, SLICE_ROWS), text, options)
                        copy.write(text.getbuffer())
            if extra:
                self.put(extra)
            return
        from pmhc.dispatch.cad_columns import sqlite_columns

        names = [f.name for f in self.fields if f.name in good.column_names]
        # A slice at a time: the Python values of a whole batch would hold far more memory
        # than its columns do.
        for start in range(0, n, SLICE_ROWS):
            part = good.slice(start, SLICE_ROWS)
            lists = sqlite_columns(part, [*names, "number", "line"])
            columns = [
                lists[f.name] if f.name in lists else itertools.repeat(value, part.num_rows)
                for f, value in zip(self.fields, self.defaults, strict=True)
            ]
            rows = zip(*columns, lists["number"], lists["line"], strict=False)
            bulk.insert_rows(self.stage_name, self.staged_columns, rows)
        bulk.insert_rows(self.stage_name, self.staged_columns, [item.row for item in extra])

    def repeats(self, first_number: int) -> list[tuple[int, str, int]]:
        """Staged rows (numbered ``first_number`` on) whose CAD id an earlier batch already
        had: (line, CAD id, the earlier line) each. They leave the stage."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT s.import_number, s.import_line, s.cad_event_id, p.line "  # noqa: S608
                f"FROM {self.stage} s JOIN {self.seen} p ON p.cad_event_id = s.cad_event_id "
                "WHERE s.import_number >= %s",
                [first_number],
            )
            rows = cursor.fetchall()
            found = [(int(line), str(cad), int(earlier)) for _, line, cad, earlier in rows]
            if rows:
                numbers = [int(number) for number, _, _, _ in rows]
                marks = ", ".join(["%s"] * len(numbers))
                cursor.execute(
                    f"DELETE FROM {self.stage} WHERE import_number IN ({marks})",  # noqa: S608
                    numbers,
                )
            cursor.execute(
                f"INSERT INTO {self.seen} (cad_event_id, line) "  # noqa: S608
                f"SELECT cad_event_id, import_line FROM {self.stage} WHERE import_number >= %s",
                [first_number],
            )
        return found

    def remember(self, seen: list[tuple[str, int]]) -> None:
        """Note CAD ids (with their lines) that rows committed by an earlier run of this import
        had, so that a later row repeating one is rejected as it would have been in one run.
        The first line of an id wins, as it did then."""
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {self.seen} (cad_event_id, line) VALUES (%s, %s) "  # noqa: S608
                "ON CONFLICT DO NOTHING",
                seen,
            )

    def move(self) -> tuple[int, int]:
        """Move every staged row into the calls; (staged, inserted). A row whose CAD id the
        agency already has is skipped by the unique constraint."""
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM {self.stage}")  # noqa: S608
            staged = int(cursor.fetchone()[0])
            cursor.execute(
                f"INSERT INTO {self.calls} ({self.columns}, {self.fixed_columns}) "  # noqa: S608
                f"SELECT {self.columns}, {self.fixed_marks} FROM {self.stage} WHERE 1 = 1 "
                "ON CONFLICT DO NOTHING",
                self.fixed_values,
            )
            inserted = max(cursor.rowcount, 0)
            cursor.execute(f"DELETE FROM {self.stage}")  # noqa: S608
        return staged, inserted


def _repeat(value: Any, n: int) -> pa.Array:
    """A column of ``n`` copies of a default, typed so that ``COPY`` reads pyarrow's CSV."""
    if value is None:
        return pa.nulls(n, pa.string())
    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(value, dict | list):
        value = json.dumps(value)
    if isinstance(value, dt.datetime):
        return pa.repeat(pa.scalar(value, pa.timestamp("us", tz="UTC")), n)
    return pa.repeat(value, n)
