"""Measure's dashboard figures at ten million calls, beside DuckDB computing the same figures
over the raw rows.

A fresh PostgreSQL database gets the schema (the facts partitioned by month) and three agencies.
DuckDB draws ``--calls`` synthetic de-identified facts (ten million by default) spread at
random over the last ten years and the three agencies (half, three tenths, a fifth), with codes
for shift, 12 districts, 6 routes, 8 race and ethnicity categories, and outcome flags and
minutes drawn at fixed rates; it writes them to Parquet sorted by agency and month (its best
layout: row groups it can skip). They are loaded into ``evaluation_callfact`` with ``COPY`` in
chunks, and the monthly rollups are built from them, one month's partition at a time, by one
``INSERT … SELECT … GROUP BY GROUPING SETS`` a month that writes the rows ``rollup_services``
would (grouped by every breakdown, the month's totals, and grouped by each single breakdown;
its Python path is slower for a load of this size); the last month is checked against the
product's own sums of its detail rows.

Twice, first with the first ``--small`` calls (a hundred thousand by default), then with all of
them: the dashboard's server work, the headline figures of the largest agency by month over the
dashboard's default period (the last 12 full months and the current one) read through
``rollup_selectors.totals`` as an analyst (the access check and one query),
is timed ``--runs`` times, and so is DuckDB computing the same sums per month over the Parquet
rows. It prints both medians, their ratio, whether the figures are equal, and the dashboard's
time at all the calls against its time at the first hundred thousand.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/measure_dashboard.py --calls 10000000

The database named by ``--db`` is dropped and created afresh (``--keep`` leaves it); the one in
DATABASE_URL is only used to connect. ``--reuse DIR --db NAME`` measures a kept database again;
with ``--rebuild-rollups`` it first migrates it and builds its rollups again.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
YEARS = 10
ROUTES = ("co_responder", "cit_officer", "mobile_crisis", "patrol_priority", "follow_up",
          "transfer_988")  # fmt: skip
RACES = ("american_indian", "asian", "black", "hispanic", "mena", "pacific_islander", "white",
         "not_recorded")  # fmt: skip
PROGRAMS = ("co-responder", "cit", "mobile-crisis")
CHUNK = 500_000


def admin_sql(base_url: str, statement: str) -> None:
    import psycopg

    with psycopg.connect(base_url, autocommit=True) as conn:
        conn.execute(statement)


def _list(values: tuple[str, ...]) -> str:
    return "[" + ", ".join(f"'{v}'" for v in values) + "]"


def generate_sql(first: int, last: int, today: dt.date, organizations: list[int]) -> str:
    """DuckDB's SELECT of the facts of calls ``first`` to ``last - 1`` (the columns of
    ``evaluation_callfact`` but its id). Each value is drawn from a hash of the call's number,
    so a call is the same whatever the run's size."""
    a, b, c = organizations
    days = YEARS * 365
    return f"""
    WITH base AS (
      SELECT n,
        CASE WHEN r(n, 2) < 500000 THEN {a} WHEN r(n, 2) < 800000 THEN {b} ELSE {c} END
          AS organization_id,
        DATE '{today.isoformat()}' - CAST(r(n, 1) % {days} AS INTEGER) AS on_day,
        r(n, 25) < 20000 AS month_only,
        {_list(ROUTES)}[CAST(1 + r(n, 5) % {len(ROUTES)} AS INTEGER)] AS route,
        {_list(ROUTES)}[CAST(1 + (r(n, 5) + CASE WHEN r(n, 6) < 50000 THEN 1 ELSE 0 END)
          % {len(ROUTES)} AS INTEGER)] AS recommended,
        r(n, 10) < 600000 AS reported
      FROM range({first}, {last}) AS t(n)
    ), facts AS (
      SELECT *,
        route IN ('co_responder', 'mobile_crisis') AS clinician,
        r(n, 7) < 333333 AS cit_responder,
        reported AND r(n, 11) < 200000 AS arrest_eligible,
        reported AND r(n, 16) < 250000 AS transported,
        reported AND r(n, 18) < 300000 AS referred
      FROM base
    )
    SELECT
      organization_id,
      n AS call_id,
      CAST(date_trunc('month', on_day) AS DATE) AS month,
      CASE WHEN month_only THEN NULL ELSE on_day END AS day,
      CASE WHEN month_only THEN NULL ELSE isodow(on_day) - 1 END AS weekday,
      ['Day', 'Evening', 'Night'][CAST(1 + r(n, 3) % 3 AS INTEGER)] AS shift,
      'D' || lpad(CAST(1 + r(n, 4) % 12 AS VARCHAR), 2, '0') AS district,
      route,
      recommended,
      cit_responder,
      CASE organization_id WHEN {a} THEN '{PROGRAMS[0]}' WHEN {b} THEN '{PROGRAMS[1]}'
        ELSE '{PROGRAMS[2]}' END AS program_type,
      {_list(RACES)}[CAST(1 + r(n, 8) % {len(RACES)} AS INTEGER)] AS race_ethnicity,
      ['MH', 'SUIC', 'WELF', 'DIST'][CAST(1 + r(n, 26) % 4 AS INTEGER)] AS apco_type,
      CAST(1 + r(n, 27) % 5 AS INTEGER) AS priority,
      r(n, 9) < 350000 AS mental_health,
      clinician OR cit_responder AS cit_or_clinician,
      clinician,
      reported,
      arrest_eligible,
      arrest_eligible AND r(n, 12) < 400000 AS arrested,
      arrest_eligible AND r(n, 12) >= 400000 AS diverted,
      reported AND r(n, 13) < 30000 AS force_above_presence,
      r(n, 14) < 5000 AS officer_injured,
      r(n, 15) < 8000 AS subject_injured,
      transported,
      transported AND r(n, 17) < 500000 AS transport_ed,
      transported AND r(n, 17) >= 500000 AS transport_crisis,
      referred AND r(n, 19) < 600000 AS connected,
      referred,
      referred AND r(n, 19) < 600000 AND r(n, 20) < 700000 AS referral_attended_30d,
      r(n, 21) < 120000 AS repeat_90d,
      route = 'transfer_988' AS transfer_988,
      route = 'transfer_988' AND r(n, 22) < 700000 AS transfer_988_accepted,
      recommended IN ('co_responder', 'mobile_crisis') AND route = recommended
        AS matched_clinician_route,
      recommended IN ('co_responder', 'mobile_crisis') AND route <> recommended
        AS clinician_route_unavailable,
      CASE WHEN reported THEN 3 + r(n, 23) % 40 END AS minutes_to_scene,
      CASE WHEN reported THEN 10 + r(n, 24) % 180 END AS officer_minutes
    FROM facts
    ORDER BY organization_id, month
    """  # noqa: S608 - numbers and the product's own codes


def duck(threads: int) -> Any:
    import duckdb

    db = duckdb.connect()
    db.execute(f"SET threads = {threads}")
    db.execute("CREATE MACRO r(n, k) AS hash(n * 1000003 + k) % 1000000")
    return db


def write_parquet(db: Any, path: Path, sql: str) -> None:
    db.execute(f"COPY ({sql}) TO '{path}' (FORMAT parquet, ROW_GROUP_SIZE 122880)")


def copy_into_postgres(paths: list[Path], total: int) -> float:
    """``COPY`` the Parquet rows into the facts' table, in chunks; the seconds it took."""
    import pyarrow.csv as pa_csv
    import pyarrow.parquet as pq
    from django.db import connection
    from tqdm import tqdm

    from pmhc.evaluation.models import CallFact

    columns = [f.column for f in CallFact._meta.concrete_fields if not f.primary_key]
    statement = f"COPY evaluation_callfact ({', '.join(columns)}) FROM STDIN (FORMAT csv)"
    started = time.perf_counter()
    connection.ensure_connection()
    raw = connection.connection
    with tqdm(total=total, unit=" calls", unit_scale=True, desc="COPY", file=sys.stderr) as bar:
        for path in paths:
            for batch in pq.ParquetFile(path).iter_batches(batch_size=CHUNK, columns=columns):
                buffer = io.BytesIO()
                pa_csv.write_csv(batch, buffer, pa_csv.WriteOptions(include_header=False))
                with raw.cursor() as cursor, cursor.copy(statement) as copy:
                    copy.write(buffer.getbuffer())
                raw.commit()
                bar.update(batch.num_rows)
    return time.perf_counter() - started


def build_rollups() -> tuple[float, int]:
    """The monthly rollups of every organization, from the facts, one month's partition at a
    time; the seconds it took and the rows written. One ``INSERT … SELECT … GROUP BY GROUPING
    SETS`` a month writes the three sets ``rollup_services`` keeps: grouped by every
    dimension (``breakdown`` ""), the month's totals (``"total"``), and grouped by each single
    dimension (``breakdown`` its name, the other dimensions left empty)."""
    from django.db import connection, transaction
    from tqdm import tqdm

    from pmhc.evaluation.models import DETAIL, DIMENSIONS, FLAGS, MINUTES, TOTAL
    from pmhc.evaluation.rollup_services import EMPTY

    counts = ", ".join(f"count(*) FILTER (WHERE {f})" for f in FLAGS)
    minutes = ", ".join(f"COALESCE(sum({m}), 0), count({m})" for m in MINUTES)
    dims = ", ".join(DIMENSIONS)
    names = ", ".join([*FLAGS, *(c for m in MINUTES for c in (m, f"{m}_n"))])
    every = (1 << len(DIMENSIONS)) - 1
    # GROUPING(...) sets a dimension's bit (the first one the highest) when it is summed over.
    breakdown = " ".join(
        [
            f"CASE GROUPING({dims}) WHEN 0 THEN '{DETAIL}' WHEN {every} THEN '{TOTAL}'",
            *(
                f"WHEN {every - (1 << (len(DIMENSIONS) - 1 - i))} THEN '{d}'"
                for i, d in enumerate(DIMENSIONS)
            ),
            "END",
        ]
    )

    def empty(d: str) -> str:
        return "false" if EMPTY[d] is False else "''"

    held = ", ".join(f"COALESCE({d}, {empty(d)})" for d in DIMENSIONS)
    sets = ", ".join([f"({dims})", "()", *(f"({d})" for d in DIMENSIONS)])
    statement = (
        "INSERT INTO evaluation_rollup "  # noqa: S608
        f"(organization_id, grain, breakdown, period, {dims}, calls, {names}) "
        f"SELECT organization_id, 'month', {breakdown}, month, {held}, count(*), {counts}, "
        f"{minutes} FROM evaluation_callfact WHERE month = %s "
        f"GROUP BY organization_id, month, GROUPING SETS ({sets})"
    )
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE evaluation_rollup")
        cursor.execute("SELECT DISTINCT month FROM evaluation_callfact ORDER BY month")
        months = [row[0] for row in cursor.fetchall()]
    for month in tqdm(months, desc="rollups", unit=" months", file=sys.stderr):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, [month])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE evaluation_rollup")
        cursor.execute("SELECT count(*) FROM evaluation_rollup")
        rows = int(cursor.fetchone()[0])
    seconds = time.perf_counter() - started
    check_sets(months[-1])
    return seconds, rows


def check_sets(month: dt.date) -> None:
    """Stop when a month's rows of totals and per dimension differ from what
    ``rollup_services.summaries`` sums from its detail rows."""
    from pmhc.evaluation.models import DETAIL, DIMENSIONS, Grain, Rollup
    from pmhc.evaluation.rollup_selectors import COUNTS
    from pmhc.evaluation.rollup_services import summaries

    rows = Rollup.objects.filter(grain=Grain.MONTH, period=month)
    for organization_id in rows.values_list("organization_id", flat=True).distinct():
        mine = rows.filter(organization_id=organization_id)
        fields = ("period", "breakdown", *DIMENSIONS, *COUNTS)
        detail = list(mine.filter(breakdown=DETAIL).values(*fields))
        expected = sorted(tuple(r[f] for f in fields) for r in summaries(detail, COUNTS))
        found = sorted(mine.exclude(breakdown=DETAIL).values_list(*fields))
        if found != expected:
            raise SystemExit(f"The rollups of {month} differ from the product's sums.")


def window(today: dt.date) -> tuple[dt.date, dt.date]:
    """The dashboard's default period: the last 12 full months and the current one."""
    from pmhc.evaluation.partitions import add_months

    this_month = today.replace(day=1)
    return add_months(this_month, -12), this_month


def dashboard(actor: Any, organization_id: int, since: dt.date, until: dt.date) -> list[dict]:
    from pmhc.evaluation.rollup_selectors import totals

    return totals(actor, organization_id, since=since, until=until, by=("period",))


def duckdb_sql(glob: str) -> str:
    from pmhc.evaluation.models import FLAGS, MINUTES

    sums = ", ".join(
        [
            "count(*) AS calls",
            *(f"count(*) FILTER (WHERE {f}) AS {f}" for f in FLAGS),
            *(f"COALESCE(sum({m}), 0) AS {m}, count({m}) AS {m}_n" for m in MINUTES),
        ]
    )
    return (
        f"SELECT month AS period, {sums} FROM read_parquet('{glob}') "  # noqa: S608
        "WHERE organization_id = $org AND month BETWEEN $since AND $until "
        "GROUP BY month ORDER BY month"
    )


def page(
    db: Any, glob: str, actor: Any, organization_id: int, since: dt.date, until: dt.date, runs: int
) -> dict[str, Any] | None:
    """The whole dashboard page's figures (``dashboard_selectors.build``: the period by month
    with the same months a year before, and the values each filter offers), beside DuckDB
    computing the same sums over the raw rows; ``None`` where that selector is not there."""
    try:
        pages: Any = importlib.import_module("pmhc.evaluation.dashboard_selectors")
    except ImportError:
        return None
    from pmhc.evaluation.models import DIMENSIONS
    from pmhc.evaluation.partitions import add_months

    earliest = add_months(since, -12)
    by_month = duckdb_sql(glob)
    options = by_month.replace("SELECT month AS period,", f"SELECT {', '.join(DIMENSIONS)},")
    options = options.replace("GROUP BY month ORDER BY month", "GROUP BY ALL")

    def over_raw_rows() -> dict[dt.date, dict[str, int]]:
        cursor = db.execute(by_month, {"org": organization_id, "since": earliest, "until": until})
        names = [d[0] for d in cursor.description]
        months = {row[0]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()}
        db.execute(options, {"org": organization_id, "since": since, "until": until}).fetchall()
        return months

    filters = pages.Filters(since=since, until=until)
    server_ms, built = timed(lambda: pages.build(actor, organization_id, filters), runs)
    duck_ms, raw = timed(over_raw_rows, runs)
    equal = all(
        point.cell.numerator == int(raw.get(point.month, {}).get(f.metric.numerator, 0))
        and point.cell.denominator == int(raw.get(point.month, {}).get(f.metric.denominator, 0))
        for f in built.headline
        for point in f.months
    )
    return {"server": server_ms, "duck": duck_ms, "equal": equal}


def timed(call: Any, runs: int) -> tuple[float, Any]:
    """The median milliseconds of ``runs`` calls (after two to warm up), and the last result."""
    result = None
    for _ in range(2):
        result = call()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        result = call()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), result


def measure(
    db: Any, glob: str, actor: Any, organization_id: int, today: dt.date, runs: int
) -> dict[str, Any]:
    from pmhc.evaluation.models import Grain, Rollup
    from pmhc.evaluation.rollup_selectors import row_set

    since, until = window(today)
    sql = duckdb_sql(glob)
    params = {"org": organization_id, "since": since, "until": until}

    def over_raw_rows() -> list[dict[str, Any]]:
        cursor = db.execute(sql, params)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    server_ms, figures = timed(lambda: dashboard(actor, organization_id, since, until), runs)
    duck_ms, raw = timed(over_raw_rows, runs)
    equal = [{k: int(v) if k != "period" else v for k, v in r.items()} for r in figures] == [
        {k: int(v) if k != "period" else v for k, v in r.items()} for r in raw
    ]
    whole = page(db, glob, actor, organization_id, since, until, runs)
    calls = sum(int(r["calls"]) for r in figures)
    read = Rollup.objects.filter(
        organization_id=organization_id,
        grain=Grain.MONTH,
        breakdown=row_set(("period",), None),
        period__gte=since,
        period__lte=until,
    ).count()
    return {
        "server": server_ms,
        "duck": duck_ms,
        "equal": equal,
        "calls": calls,
        "read": read,
        "page": whole,
    }


def setup_world() -> tuple[list[int], Any]:
    from pmhc.platform.access import actor_for_user
    from pmhc.platform.models import Membership, Organization, Role, User

    organizations = [
        Organization.objects.create(slug=slug, name=name, time_zone="UTC").pk
        for slug, name in (("metro", "Metro PD"), ("county", "County SO"), ("harbor", "Harbor PD"))
    ]
    analyst = User.objects.create_user(username="analyst")
    Membership.objects.create(user=analyst, organization_id=organizations[0], role=Role.ANALYST)
    return organizations, actor_for_user(analyst)


def table_size() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_size_pretty(sum(pg_total_relation_size(inhrelid))) FROM pg_inherits "
            "WHERE inhparent = 'evaluation_callfact'::regclass"
        )
        return str(cursor.fetchone()[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=10_000_000)
    parser.add_argument("--small", type=int, default=100_000, help="the first measurement")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1, help="DuckDB's")
    parser.add_argument("--db", default="pmhc_bench_measure")
    parser.add_argument(
        "--keep", action="store_true", help="leave the database and the Parquet files"
    )
    parser.add_argument(
        "--reuse", metavar="DIR", help="measure a database kept before (its Parquet files in DIR)"
    )
    parser.add_argument(
        "--rebuild-rollups",
        action="store_true",
        help="with --reuse: migrate the kept database and build its rollups again first",
    )
    args = parser.parse_args()
    if not 0 < args.small <= args.calls:
        raise SystemExit("--small must be from 1 to --calls.")

    base_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    if not base_url.startswith("postgres"):
        raise SystemExit(
            "Set DATABASE_URL to a PostgreSQL server: the facts are partitioned there."
        )
    db_url = urlparse(base_url)._replace(path=f"/{args.db}").geturl()
    work = Path(args.reuse or tempfile.mkdtemp(prefix="pmhc-bench-measure-"))
    os.environ.update(
        {
            "DATABASE_URL": db_url,
            "PMHC_DEBUG": "false",
            "PMHC_VAR_DIR": str(work),
            "DJANGO_SETTINGS_MODULE": "pmhc.settings",
        }
    )
    if not args.reuse:
        admin_sql(base_url, f'DROP DATABASE IF EXISTS "{args.db}" WITH (FORCE)')
        admin_sql(base_url, f'CREATE DATABASE "{args.db}"')
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from pmhc.evaluation import partition_services
    from pmhc.evaluation.partitions import add_months
    from pmhc.platform.access import system_actor

    today = dt.date.today()
    if args.reuse:
        _measure_kept(args, work, today)
        return
    try:
        call_command("migrate", verbosity=0)
        added = partition_services.add_partitions(
            actor=system_actor("bench"),
            since=add_months(today.replace(day=1), -12 * YEARS - 1),
        )
        organizations, actor = setup_world()
        with connection.cursor() as cursor:
            cursor.execute("SELECT version()")
            version = str(cursor.fetchone()[0]).split(" on ")[0]
        print(f"{version}; cores: {os.cpu_count()}; DuckDB threads: {args.threads}")
        print(f"monthly partitions added for the load: {len(added.months)}")

        db = duck(args.threads)
        steps = (
            [(0, args.small), (args.small, args.calls)]
            if args.small < args.calls
            else [(0, args.calls)]
        )
        paths: list[Path] = []
        results = []
        for first, last in steps:
            path = work / f"facts-{first}.parquet"
            started = time.perf_counter()
            write_parquet(db, path, generate_sql(first, last, today, organizations))
            drawn = time.perf_counter() - started
            paths.append(path)
            loaded = copy_into_postgres([path], last - first)
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE evaluation_callfact")
            rollup_seconds, rollup_rows = build_rollups()
            print(
                f"{last:,} calls: drawn by DuckDB in {drawn:.1f} s, COPY {loaded:.1f} s "
                f"({(last - first) / loaded:,.0f} rows/s), facts {table_size()}; "
                f"rollups {rollup_rows:,} rows in {rollup_seconds:.1f} s"
            )
            glob = str(work / "facts-*.parquet")
            result = measure(db, glob, actor, organizations[0], today, args.runs)
            results.append((last, result))
        _report(results, args.runs)
    finally:
        from django.db import connections

        connections.close_all()
        if args.keep:
            print(f"kept: database {args.db}, Parquet files in {work} (--reuse {work})")
        else:
            admin_sql(base_url, f'DROP DATABASE IF EXISTS "{args.db}" WITH (FORCE)')
            for path in work.glob("*.parquet"):
                path.unlink()


def _measure_kept(args: argparse.Namespace, work: Path, today: dt.date) -> None:
    from pmhc.evaluation.models import CallFact
    from pmhc.platform.access import actor_for_user
    from pmhc.platform.models import Organization, User

    organization = Organization.objects.get(slug="metro")
    actor = actor_for_user(User.objects.get(username="analyst"))
    if args.rebuild_rollups:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        seconds, rows = build_rollups()
        print(f"rollups {rows:,} rows in {seconds:.1f} s")
    db = duck(args.threads)
    result = measure(db, str(work / "facts-*.parquet"), actor, organization.pk, today, args.runs)
    _report([(CallFact.objects.count(), result)], args.runs)


def _report(results: list[tuple[int, dict[str, Any]]], runs: int) -> None:
    print()
    print(f"load average: {os.getloadavg()[0]:.2f}; medians of {runs} runs")
    print(
        f"{'calls':>12}  {'in 13 months':>12}  {'rollup rows':>11}  {'dashboard':>10}  "
        f"{'DuckDB, raw rows':>16}  {'ratio':>6}  figures equal"
    )
    for calls, r in results:
        print(
            f"{calls:>12,}  {r['calls']:>12,}  {r['read']:>11,}  {r['server']:>7.1f} ms  "
            f"{r['duck']:>13.1f} ms  {r['server'] / r['duck']:>6.3f}  "
            f"{'yes' if r['equal'] else 'NO'}"
        )
    if any(r["page"] for _calls, r in results):
        print("the whole dashboard page's figures (dashboard_selectors.build):")
        for calls, r in results:
            p = r["page"]
            print(
                f"{calls:>12,}  {'':>12}  {'':>11}  {p['server']:>7.1f} ms  "
                f"{p['duck']:>13.1f} ms  {p['server'] / p['duck']:>6.3f}  "
                f"{'yes' if p['equal'] else 'NO'}"
            )
    if len(results) == 2:
        (small, a), (large, b) = results
        print(
            f"dashboard at {large:,} calls / at {small:,}: {b['server'] / a['server']:.2f}; "
            f"DuckDB over raw rows: {b['duck'] / a['duck']:.2f}"
        )
    last = results[-1][1]["page"] or results[-1][1]
    met = last["server"] < 300 and last["server"] < last["duck"] and last["equal"]
    print(
        "goal (dashboard under 300 ms, faster than DuckDB over the raw rows, same figures): "
        + ("met" if met else "NOT met")
    )


if __name__ == "__main__":
    main()
