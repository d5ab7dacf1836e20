"""Roster import throughput, as a ratio against a bare bulk insert of the same rows run beside it.

For each size (by default 1,000 and 10,000 rows), into an agency of its own:

1. The import: ``import_services.upload_roster`` then ``import_services.apply_roster_import``
   on a roster CSV of N synthetic people, each with one to three course dates (checking every
   value, matching people by badge number, recording completions and the certifications they
   grant, the audit trail). Timed from the upload to the end of the apply.
2. The baseline: the same people loaded into the same roster table by ``bulk_create`` of
   ready-made rows, with no check, no completion and no audit event, into another agency.
3. A second baseline: the same people's values as prepared tuples, one ``executemany``
   into a bare table of the same columns (the database's own bulk path from Python).

It prints rows per second for each and the import's ratio to both baselines. Run on a fresh
SQLite file, or on PostgreSQL (a throwaway test database) with DATABASE_URL set:

    .venv/bin/python bench/roster_import.py --rows 1000 10000
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import os
import sys
import tempfile
import time
from pathlib import Path

COLUMNS = (
    "badge_number", "last_name", "first_name", "role", "shift", "district", "cit_volunteer",
    "cit", "mhfa_ps", "cit_refresher",
)  # fmt: skip
SHIFTS = ("Day", "Evening", "Night")
DISTRICTS = ("North", "South", "East", "West", "Central")


def roster_text(rows: int) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    start = dt.date(2015, 1, 5)
    for n in range(rows):
        day = start + dt.timedelta(days=n % 3000)
        writer.writerow(
            (
                f"{100000 + n}", f"Surname{n}", f"Given{n % 997}",
                "patrol_officer" if n % 5 else "supervisor",
                SHIFTS[n % 3], DISTRICTS[n % 5], ("yes", "no", "")[n % 3],
                day.isoformat() if n % 2 else "",
                (day + dt.timedelta(days=30)).isoformat(),
                (day + dt.timedelta(days=400)).isoformat() if n % 4 == 1 else "",
            )
        )  # fmt: skip
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000, 10_000])
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="pmhc-bench-"))
    on_postgres = bool(os.environ.get("DATABASE_URL"))
    if not on_postgres:
        os.environ["PMHC_VAR_DIR"] = str(folder)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pmhc.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    test_db = None
    if on_postgres:
        from django.test.utils import setup_test_environment

        setup_test_environment()
        test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        call_command("migrate", verbosity=0)
        from pmhc.platform.access import system_actor
        from pmhc.platform.models import Organization
        from pmhc.training import import_services, roster_csv
        from pmhc.training.models import RosterImport, Trainee

        # The files here may be larger than the upload's row limit of the code measured.
        roster_csv.MAX_ROWS = max(roster_csv.MAX_ROWS, *args.rows)  # type: ignore[misc]
        roster_csv.MAX_BYTES = max(roster_csv.MAX_BYTES, 64 * 1024 * 1024)  # type: ignore[misc]
        actor = system_actor("bench")
        print(f"database: {connection.vendor}")
        for rows in args.rows:
            text = roster_text(rows)
            organization = Organization.objects.create(slug=f"bench-{rows}", name=f"PD {rows}")
            started = time.perf_counter()
            upload = import_services.upload_roster(
                actor, organization=organization, file_name="roster.csv", content=text.encode()
            )
            result = import_services.apply_roster_import(actor, roster_import=upload)
            import_seconds = time.perf_counter() - started
            assert result.created == rows, result
            completions = result.completions
            RosterImport.objects.filter(pk=upload.pk).update(content="")

            bare = Organization.objects.create(slug=f"bench-bare-{rows}", name=f"Bare {rows}")
            reader = csv.DictReader(io.StringIO(text))
            started = time.perf_counter()
            Trainee.objects.bulk_create(
                (
                    Trainee(
                        organization=bare,
                        badge_number=row["badge_number"],
                        last_name=row["last_name"],
                        first_name=row["first_name"],
                        role=row["role"],
                        shift=row["shift"],
                        district=row["district"],
                        cit_selection="",
                    )
                    for row in reader
                ),
                batch_size=1000,
            )
            bulk_seconds = time.perf_counter() - started

            qn = connection.ops.quote_name
            table = qn(f"bench_bare_{rows}")
            names = ", ".join(qn(c) for c in COLUMNS[:7])
            with connection.cursor() as cursor:
                cursor.execute(
                    f"CREATE TABLE {table} ("
                    + ", ".join(f"{qn(c)} text" for c in COLUMNS[:7])
                    + ")"
                )
            values = [tuple(row[:7]) for row in csv.reader(io.StringIO(text))][1:]
            started = time.perf_counter()
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.executemany(
                    f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * 7)})",  # noqa: S608
                    values,
                )
            many_seconds = time.perf_counter() - started

            import_rate = rows / import_seconds
            bulk_rate = rows / bulk_seconds
            many_rate = rows / many_seconds
            print(f"{rows:,} rows ({completions:,} completions):")
            print(f"  import:      {import_seconds:8.2f} s  {import_rate:10,.0f} rows/s")
            print(f"  bulk_create: {bulk_seconds:8.2f} s  {bulk_rate:10,.0f} rows/s")
            print(f"  executemany: {many_seconds:8.2f} s  {many_rate:10,.0f} rows/s")
            print(f"  ratio:       the import runs at {import_rate / bulk_rate:.3f}x bulk_create")
            print(f"  ratio:       the import runs at {import_rate / many_rate:.3f}x executemany")
            sys.stdout.flush()
    finally:
        if test_db is not None:
            connection.creation.destroy_test_db(test_db, verbosity=0)


if __name__ == "__main__":
    main()
