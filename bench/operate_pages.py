"""Operate's list and home pages at a million calls, beside ``/healthz`` on the same server.

A fresh PostgreSQL database gets the schema and a synthetic world: two agencies, a behavioral
health partner under agreements with both (so the access policy's narrowing spans several
organizations), an unrelated agency; ``--calls`` calls (one million by default) spread over
them and over about two years, in 25 districts, a third marked mental health and one in
twenty routed otherwise than recommended, loaded with ``INSERT … SELECT`` over
``generate_series``; one encounter report for every twentieth call of the first agency; a
team, a roster and a handful of assignments. Then gunicorn (two workers, as on this machine)
serves the product, and one keep-alive connection per role asks each page that role lands on
``--requests`` times, then ``/healthz`` as many times. It prints each page's median and 95th
percentile and their ratios to ``/healthz``'s, with the machine's load.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/operate_pages.py --calls 1000000 --requests 40

The database named by ``--db`` is dropped and created afresh; the one in DATABASE_URL is only
used to connect. ``--keep`` leaves the loaded database for another run (``--reuse``).
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))
    return ordered[index]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def admin_sql(base_url: str, statement: str) -> None:
    import psycopg

    with psycopg.connect(base_url, autocommit=True) as conn:
        conn.execute(statement)  # type: ignore[arg-type]


def insert_select(model: Any, count: int, expressions: dict[str, str], offset: int = 0) -> None:
    """``count`` rows of ``model`` in one ``INSERT … SELECT`` over ``generate_series`` (``n``
    runs from ``offset + 1``): the columns named in ``expressions`` take those SQL expressions,
    every other column its field's default."""
    from django.db import connection

    columns, values, params = [], [], []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(connection.ops.quote_name(field.column))
        if field.name in expressions:
            values.append(expressions[field.name])
            continue
        default = field.get_default()
        if default is None and not field.null:
            raise SystemExit(f"{model.__name__}.{field.name} needs a value")
        values.append("%s")
        params.append(field.get_db_prep_save(default, connection))
    table = connection.ops.quote_name(model._meta.db_table)
    sql = (
        f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608 - names from the models
        f"SELECT {', '.join(values)} FROM generate_series(%s, %s) AS n"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, offset + 1, offset + count])


def build_world(calls: int) -> dict[str, Any]:
    """The organizations, people and rows; returns each role's session cookie and ids."""
    import datetime as dt

    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from pmhc.dispatch.models import (
        AssignmentStatus,
        Call,
        CallAssignment,
        DutyShift,
        Team,
        TeamKind,
    )
    from pmhc.platform.models import (
        AgreementStatus,
        Classification,
        DataSharingAgreement,
        Membership,
        Organization,
        Purpose,
        Role,
        User,
    )
    from pmhc.response.models import Encounter, EncounterStatus
    from pmhc.training.models import Trainee

    today = timezone.localdate()
    agency = Organization.objects.create(slug="metro", name="Metro PD", time_zone="UTC")
    county = Organization.objects.create(slug="county", name="County SO", time_zone="UTC")
    clinic = Organization.objects.create(
        slug="clinic", name="Crisis Clinic", kind="behavioral_health", time_zone="UTC"
    )
    other = Organization.objects.create(slug="other", name="Other PD", time_zone="UTC")
    for party in (agency, county):
        agreement = DataSharingAgreement.objects.create(
            title=f"{party.name} and {clinic.name}",
            classifications=[c for c in Classification.values if c != Classification.PUBLIC],
            purposes=list(Purpose.values),
            effective_on=today - dt.timedelta(days=365),
            ends_on=today + dt.timedelta(days=365),
            status=AgreementStatus.IN_FORCE,
        )
        agreement.parties.set([party, clinic])
        _accept(agreement)

    def person(username: str, org: Organization, role: Role) -> User:
        user = User.objects.create_user(username=username)  # signs in by session only
        Membership.objects.create(user=user, organization=org, role=role)
        return user

    people = {
        "call taker": person("taker", agency, Role.CALL_TAKER),
        "coordinator": person("coordinator", agency, Role.COORDINATOR),
        "supervisor": person("supervisor", agency, Role.SUPERVISOR),
        "officer": person("officer", agency, Role.OFFICER),
        "partner clinician": person("clinician", clinic, Role.CLINICIAN),
        "case manager": person("casemanager", agency, Role.CASE_MANAGER),
    }
    for name, (start, end) in {"Day": (6, 14), "Evening": (14, 22), "Night": (22, 6)}.items():
        DutyShift.objects.create(
            organization=agency, name=name, starts_at=dt.time(start), ends_at=dt.time(end)
        )
    team = Team.objects.create(
        organization=agency,
        name="Co-responder 1",
        kind=TeamKind.CO_RESPONDER,
        days=list(range(7)),
        starts_at=dt.time(0),
        ends_at=dt.time(0),
    )
    team.members.set([people["officer"], people["partner clinician"], people["supervisor"]])
    trainee = Trainee.objects.create(
        organization=agency,
        badge_number="1001",
        last_name="Officer",
        first_name="Bench",
        role="patrol",
        user=people["officer"],
    )

    started = time.perf_counter()
    orgs = [agency.pk] * 6 + [county.pk] * 2 + [clinic.pk] + [other.pk]
    org_case = "CASE n %% 10 " + " ".join(f"WHEN {i} THEN {o}" for i, o in enumerate(orgs)) + " END"
    routes = ["co_responder", "cit_officer", "mobile_crisis", "patrol_priority", "follow_up"]
    route = "(ARRAY[{}])[1 + (n %% 5)]".format(", ".join(f"'{r}'" for r in routes))
    other_route = "(ARRAY[{}])[1 + ((n + 1) %% 5)]".format(", ".join(f"'{r}'" for r in routes))
    span = 2 * 365 * 24 * 3600
    step = max(1, span // max(calls, 1))
    insert_select(
        Call,
        calls,
        {
            "organization": org_case,
            "cad_event_id": "'B-' || lpad(n::text, 8, '0')",
            "received_at": f"now() - make_interval(secs => n * {step})",
            "district": "'D' || lpad((n %% 25)::text, 2, '0')",
            "is_mental_health": "n %% 3 = 0",
            "recommendation": route,
            "decision": f"CASE WHEN n %% 20 = 0 THEN {other_route} ELSE '' END",
            "created_at": "now()",
            "updated_at": "now()",
        },
    )
    loaded = time.perf_counter() - started
    first = Call.objects.filter(organization=agency).order_by("-received_at", "-pk")
    call_table = connection.ops.quote_name(Call._meta.db_table)
    # One report for every twentieth call of the first agency, by the officer; some submitted.
    insert_select(
        Encounter,
        calls // 100,
        {
            "organization": str(agency.pk),
            "call": (
                f"(SELECT id FROM {call_table} WHERE organization_id = {agency.pk} "  # noqa: S608
                "AND cad_event_id = 'B-' || lpad((n * 10)::text, 8, '0'))"
            ),
            "status": (
                f"CASE WHEN n %% 7 = 0 THEN '{EncounterStatus.SUBMITTED}' "
                f"ELSE '{EncounterStatus.DRAFT}' END"
            ),
            "filed_by": str(people["officer"].pk),
            "submitted_at": "CASE WHEN n %% 7 = 0 THEN now() - make_interval(mins => n) END",
            "created_at": "now()",
            "updated_at": "now()",
        },
    )
    for call in first[:5]:
        CallAssignment.objects.create(
            call=call,
            trainee=trainee,
            unit="Unit 1",
            status=AssignmentStatus.ON_SCENE,
            assigned_at=timezone.now(),
        )
    for call in first[5:10]:
        CallAssignment.objects.create(
            call=call,
            team=team,
            unit=team.name,
            status=AssignmentStatus.QUEUED,
            assigned_at=timezone.now(),
        )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    sessions = {}
    for role, user in people.items():
        client = Client()
        client.force_login(user)
        sessions[role] = client.cookies["sessionid"].value
    return {"sessions": sessions, "load_seconds": loaded}


def _accept(agreement: Any) -> None:
    """Every party has accepted the agreement and it is in force (the end state the product's
    agreement pages reach; the bench records it directly)."""
    from django.utils import timezone

    from pmhc.platform.models import AgreementAcceptance

    parties = list(agreement.parties.all())
    for organization in parties:
        AgreementAcceptance.objects.create(agreement=agreement, organization=organization)
    agreement.in_force_at = timezone.now()
    agreement.proposed_by_organization = parties[0]
    agreement.save(update_fields=["in_force_at", "proposed_by_organization"])


#: The pages each role lands on. A query string starting "@older" follows the list's link to
#: the next page (whatever that list's pagination calls it).
PAGES: dict[str, list[str]] = {
    "call taker": [
        "/operate/",
        "/operate/calls/",
        "@older /operate/calls/",
        "/operate/calls/?mental_health=on",
        "/operate/calls/?district=D07",
        "/operate/calls/?differs=on",
        "/operate/calls/?start={month_ago}&end={today}",
        "/operate/calls/?start={year_ago}&end={year_ago_plus}&mental_health=on",
        "/operate/duty/",
    ],
    "coordinator": [
        "/operate/",
        "/operate/calls/",
        "/operate/encounters/?scope=agency",
        "@older /operate/encounters/?scope=agency",
        "/operate/encounters/?scope=agency&status=submitted",
        "/operate/imports/",
        "/operate/rules/",
        "/operate/dispositions/",
        "/operate/duty/",
    ],
    "supervisor": [
        "/operate/",
        "/operate/calls/",
        "/operate/encounters/review/",
        "/operate/unit/",
    ],
    "officer": ["/operate/", "/operate/encounters/", "/operate/unit/"],
    "partner clinician": ["/operate/", "/operate/calls/", "/operate/unit/"],
    "case manager": ["/operate/", "/operate/follow-ups/"],
}

NEXT_LINK = re.compile(r'<a href="(\?[^"]*)"[^>]*(?:rel="next"|usa-pagination__next-page)')


class Session:
    def __init__(self, port: int, cookie: str) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.cookie = cookie

    def get(self, path: str) -> tuple[int, str, float]:
        started = time.perf_counter()
        self.conn.request("GET", path, headers={"Cookie": f"sessionid={self.cookie}"})
        response = self.conn.getresponse()
        body = response.read().decode("utf-8", "replace")
        return response.status, body, (time.perf_counter() - started) * 1000


def measure(session: Session, path: str, requests: int) -> tuple[int, list[float]]:
    for _ in range(2):
        session.get(path)
    times = []
    status = 0
    for _ in range(requests):
        status, _body, ms = session.get(path)
        times.append(ms)
    return status, times


def resolve(session: Session, spec: str, dates: dict[str, str]) -> str | None:
    spec = spec.format(**dates)
    if not spec.startswith("@older "):
        return spec
    base = spec.removeprefix("@older ")
    _status, body, _ms = session.get(base)
    found = NEXT_LINK.search(body)
    if found is None:
        return None
    return urlparse(base).path + found.group(1).replace("&amp;", "&")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--db", default="pmhc_bench_pages")
    parser.add_argument("--keep", action="store_true", help="leave the database loaded")
    parser.add_argument("--reuse", action="store_true", help="serve a database kept before")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    base_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    if not base_url.startswith("postgres"):
        raise SystemExit("Set DATABASE_URL to a PostgreSQL server: the bench loads with SQL.")
    parsed = urlparse(base_url)
    db_url = parsed._replace(path=f"/{args.db}").geturl()
    var_dir = tempfile.mkdtemp(prefix="pmhc-bench-pages-")
    os.environ.update(
        {
            "DATABASE_URL": db_url,
            "PMHC_DEBUG": "false",
            "PMHC_VAR_DIR": var_dir,
            "DJANGO_SETTINGS_MODULE": "pmhc.settings",
        }
    )
    world_file = Path(tempfile.gettempdir()) / f"{args.db}.sessions"
    if not args.reuse:
        admin_sql(base_url, f'DROP DATABASE IF EXISTS "{args.db}" WITH (FORCE)')
        admin_sql(base_url, f'CREATE DATABASE "{args.db}"')
    import django

    django.setup()
    from django.core.management import call_command

    if args.reuse:
        import json

        world = json.loads(world_file.read_text())
    else:
        import json

        call_command("migrate", verbosity=0)
        world = build_world(args.calls)
        world_file.write_text(json.dumps(world))
        print(f"loaded {args.calls:,} calls in {world['load_seconds']:.1f} s")

    from django.db import connections

    connections.close_all()
    port = free_port()
    server = subprocess.Popen(  # noqa: S603 - our own venv's gunicorn
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "pmhc.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.workers),
            "--timeout",
            "120",
        ],
        env={**os.environ, "PYTHONPATH": os.environ.get("PYTHONPATH", str(ROOT / "src"))},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_until_up(port)
        _report(args, world, port)
    finally:
        server.terminate()
        server.wait(timeout=30)
        if not args.keep:
            connections.close_all()
            admin_sql(base_url, f'DROP DATABASE IF EXISTS "{args.db}" WITH (FORCE)')


def _wait_until_up(port: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("gunicorn did not answer /healthz within a minute")


def _report(args: Any, world: dict[str, Any], port: int) -> None:
    import datetime as dt

    today = dt.date.today()
    dates = {
        "today": today.isoformat(),
        "month_ago": (today - dt.timedelta(days=30)).isoformat(),
        "year_ago": (today - dt.timedelta(days=365)).isoformat(),
        "year_ago_plus": (today - dt.timedelta(days=358)).isoformat(),
    }
    print(f"uptime: {os.popen('uptime').read().strip()}")  # noqa: S605, S607
    print(f"{args.calls:,} calls, {args.requests} requests a page, gunicorn {args.workers} workers")
    columns = ("status", "p50 ms", "p95 ms", "p50/healthz", "p95/healthz")
    print(f"{'role':<18} {'page':<62} " + " ".join(f"{c:>11}" for c in columns))

    def line(
        role: str, page: str, status: int, p50: float, p95: float, r50: float, r95: float
    ) -> str:
        figures = (f"{status}", f"{p50:.1f}", f"{p95:.1f}", f"{r50:.1f}", f"{r95:.1f}")
        return f"{role:<18} {page:<62} " + " ".join(f"{f:>11}" for f in figures)

    worst = 0.0
    for role, specs in PAGES.items():
        session = Session(port, world["sessions"][role])
        _status, health = measure(session, "/healthz", args.requests)
        h50, h95 = statistics.median(health), percentile(health, 0.95)
        print(line(role, "/healthz", 200, h50, h95, 1.0, 1.0))
        for spec in specs:
            path = resolve(session, spec, dates)
            if path is None:
                print(f"{role:<18} {spec:<62} {'-':>6} (no next page)")
                continue
            status, times = measure(session, path, args.requests)
            p50, p95 = statistics.median(times), percentile(times, 0.95)
            if status == 200:
                worst = max(worst, p95)
            shown = path if len(path) <= 62 else path[:59] + "..."
            print(line(role, shown, status, p50, p95, p50 / h50, p95 / h95))
    print(f"slowest page p95: {worst:.1f} ms (goal < 150 ms)")
    print(f"uptime: {os.popen('uptime').read().strip()}")  # noqa: S605, S607


if __name__ == "__main__":
    main()
