"""CAD import throughput, as a ratio against the database's own bulk load run beside it.

1. ``import_services.import_file`` on a CSV of N synthetic calls in the canonical columns
   (streaming, checking every value, staging, skipping calls already on file, progress),
   read column-wise, or row by row with ``--row-path``.
2. The baseline: the same rows loaded into a bare table with the same columns and no checks,
   by the database's own bulk path: ``executemany`` in one transaction on SQLite, ``COPY`` on
   PostgreSQL.

It prints rows per second for both, their ratio, and the import's peak memory (the most
Python held during a second, untimed run, by tracemalloc). Run on a fresh SQLite file, or on
PostgreSQL (a throwaway test database) with DATABASE_URL set:

    .venv/bin/python bench/call_import.py --rows 100000
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

COLUMNS = (
    "cad_event_id", "received_at", "dispatched_at", "first_arrival_at", "cleared_at", "address",
    "district", "beat", "latitude", "longitude", "call_type", "apco_type", "priority", "source",
    "is_mental_health", "mh_indicators", "narrative", "units", "cad_disposition",
    "cit_requested", "cit_dispatched", "cit_arrived",
)  # fmt: skip


def write_rows(path: Path, rows: int) -> None:
    start = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    districts = ("North", "South", "East", "West")
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(COLUMNS)
        for n in range(rows):
            received = start + dt.timedelta(seconds=31 * n)
            writer.writerow(
                (
                    f"B{n:08d}", received.isoformat(),
                    (received + dt.timedelta(minutes=2)).isoformat(),
                    (received + dt.timedelta(minutes=9)).isoformat(),
                    (received + dt.timedelta(minutes=55)).isoformat(),
                    f"{n % 9000} Main St", districts[n % 4], f"B{n % 40}",
                    f"{41 + (n % 1000) / 10000:.6f}", f"{-87 - (n % 1000) / 10000:.6f}",
                    "MH", "PSYCH", 1 + n % 5, "911", "true" if n % 3 else "false",
                    "distress;substance" if n % 2 else "", "Caller worried about a relative.",
                    "A12;B3", "REPORT", "true", "true" if n % 2 else "false", "false",
                )
            )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument(
        "--trace-rows",
        type=int,
        default=100_000,
        help="rows for the traced (memory) run; at most --rows",
    )
    parser.add_argument(
        "--row-path",
        action="store_true",
        help="read the file row by row (the path for mappings the columnar reader leaves)",
    )
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="pmhc-bench-"))
    on_postgres = bool(os.environ.get("DATABASE_URL"))
    if not on_postgres:
        os.environ["PMHC_VAR_DIR"] = str(folder)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pmhc.settings")
    import django

    django.setup()
    from django.conf import settings

    settings.PMHC_IMPORT_COLUMNAR = not args.row_path
    from django.core.management import call_command
    from django.db import connection, transaction

    test_db = None
    if on_postgres:
        from django.test.utils import setup_test_environment

        setup_test_environment()
        test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        call_command("migrate", verbosity=0)
        from pmhc.dispatch import import_services
        from pmhc.platform.access import system_actor
        from pmhc.platform.models import Organization

        path = folder / "calls.csv"
        print(f"Writing {args.rows:,} synthetic calls…", file=sys.stderr)
        write_rows(path, args.rows)
        size_mb = path.stat().st_size / 1e6
        organization = Organization.objects.create(slug="bench", name="Bench PD")

        started = time.perf_counter()
        batch = import_services.import_file(
            system_actor("bench"), organization=organization, path=path
        )
        import_seconds = time.perf_counter() - started
        assert batch.imported == args.rows, (batch.status, batch.error, batch.rejected)
        # The whole process's peak resident size after the timed run (Linux: kilobytes).
        process_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3
        # Python's own peak is measured on a second, untimed run into another agency (tracing
        # every allocation slows Python down too much to time the same run), on the first
        # ``--trace-rows`` rows: it stays flat as the file grows.
        traced_path = folder / "calls-traced.csv"
        trace_rows = min(args.trace_rows, args.rows)
        write_rows(traced_path, trace_rows)
        traced = Organization.objects.create(slug="bench-traced", name="Bench PD, traced")
        tracemalloc.start()
        import_services.import_file(system_actor("bench"), organization=traced, path=traced_path)
        import_peak = tracemalloc.get_traced_memory()[1] / 1e6
        tracemalloc.stop()

        qn = connection.ops.quote_name
        columns = ", ".join(qn(c) for c in COLUMNS)
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE TABLE bench_bare (" + ", ".join(f"{qn(c)} text" for c in COLUMNS) + ")"
            )
        started = time.perf_counter()
        if connection.vendor == "postgresql":
            with (
                transaction.atomic(),
                connection.cursor() as cursor,
                cursor.copy(
                    f"COPY bench_bare ({columns}) FROM STDIN WITH (FORMAT csv, HEADER)"
                ) as copy,
                path.open("rb") as handle,
            ):
                while chunk := handle.read(1 << 20):
                    copy.write(chunk)
            how = "COPY"
        else:
            marks = ", ".join(["%s"] * len(COLUMNS))
            with (
                transaction.atomic(),
                connection.cursor() as cursor,
                path.open(newline="", encoding="utf-8") as handle,
            ):
                reader = csv.reader(handle)
                next(reader)
                cursor.executemany(
                    f"INSERT INTO bench_bare ({columns}) VALUES ({marks})",  # noqa: S608
                    reader,
                )
            how = "executemany in one transaction"
        bulk_seconds = time.perf_counter() - started

        import_rate = args.rows / import_seconds
        bulk_rate = args.rows / bulk_seconds
        reading = "row by row" if args.row_path else "column-wise (pyarrow)"
        print(
            f"database: {connection.vendor}; {args.rows:,} rows, {size_mb:.1f} MB of CSV, "
            f"read {reading}"
        )
        print(f"import_file:  {import_seconds:8.2f} s  {import_rate:10,.0f} rows/s")
        print(f"bulk load:    {bulk_seconds:8.2f} s  {bulk_rate:10,.0f} rows/s  ({how})")
        print(
            f"ratio:        the import runs at {import_rate / bulk_rate:.2f}x the bulk load's speed"
        )
        print(
            f"import peak memory: {import_peak:.1f} MB allocated by Python over "
            f"{trace_rows:,} rows (tracemalloc); process peak {process_peak:.0f} MB resident "
            f"after {args.rows:,} rows"
        )
    finally:
        if test_db is not None:
            connection.creation.destroy_test_db(test_db, verbosity=0)


if __name__ == "__main__":
    main()
