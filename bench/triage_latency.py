"""Triage decision latency through the API, as a ratio against a trivial view on the same server.

A real threaded WSGI server runs in this process. One keep-alive HTTP connection sends N
``POST /api/v1/calls/{id}/triage`` requests (the protocol's rules, who is on duty now, the
call's update and its audit event, with an organization API key), then N requests to
``/healthz`` (one ``SELECT 1``). It prints the median and the 99th percentile of each and their
ratios. The database is fresh and migrated; the agency gets the product's starting rules,
three shifts, a CIT officer on each and a co-responder team.

    .venv/bin/python bench/triage_latency.py --requests 10000

Set DATABASE_URL to run it on PostgreSQL (a test database is created and dropped).
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import socket
import statistics
import tempfile
import threading
import time
from typing import Any, cast

ANSWER_SETS = [
    {"danger_self": "yes", "weapons": "none"},
    {"danger_others": "yes", "weapons": "access"},
    {"weapons": "now", "danger_others": "yes"},
    {"danger_self": "no", "danger_others": "no", "weapons": "none", "caller_in_crisis": "yes"},
    {"medical_emergency": "yes"},
    {},
]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))
    return ordered[index]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=10_000)
    args = parser.parse_args()

    var_dir = tempfile.mkdtemp(prefix="pmhc-bench-")
    if not os.environ.get("DATABASE_URL"):
        os.environ["PMHC_VAR_DIR"] = var_dir
    # Debug mode keeps every query in memory; a server under load runs without it.
    os.environ["PMHC_DEBUG"] = "false"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pmhc.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
    from django.core.wsgi import get_wsgi_application
    from django.db import connection
    from django.utils import timezone

    if connection.vendor == "sqlite":
        # A file, not the in-memory default, so that the server's threads share it.
        connection.settings_dict["TEST"]["NAME"] = os.path.join(var_dir, "bench.sqlite3")
    test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    server: Any = None
    try:
        call_command("migrate", verbosity=0)
        raw_key, call_id = _prepare(timezone.now())

        class Quiet(WSGIRequestHandler):
            def setup(self) -> None:
                # Without this, Nagle's algorithm and delayed acknowledgements add ~40 ms to
                # every small response, whatever the view does.
                sock = cast(socket.socket, self.request)
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                super().setup()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        server = ThreadedWSGIServer(("127.0.0.1", 0), Quiet, allow_reuse_address=True)
        server.set_app(get_wsgi_application())
        threading.Thread(target=server.serve_forever, daemon=True).start()
        port = server.server_address[1]

        headers = {
            "Authorization": f"Api-Key {raw_key}",
            "Content-Type": "application/json",
            "Host": "127.0.0.1",
        }
        bodies = [json.dumps({"answers": answers}) for answers in ANSWER_SETS]
        triage_path = f"/api/v1/calls/{call_id}/triage"

        def connect() -> http.client.HTTPConnection:
            client = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            client.connect()
            assert client.sock is not None
            client.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            return client

        def run(n: int, method: str, path: str, with_body: bool) -> list[float]:
            client = connect()
            times: list[float] = []
            for i in range(n):
                body = bodies[i % len(bodies)] if with_body else None
                start = time.perf_counter()
                client.request(method, path, body=body, headers=headers if with_body else
                               {"Host": "127.0.0.1"})  # fmt: skip
                response = client.getresponse()
                response.read()
                times.append(time.perf_counter() - start)
                if response.status != 200:
                    raise SystemExit(f"{method} {path} answered {response.status}")
                if response.getheader("Connection", "").lower() == "close":
                    client.close()
                    client = connect()
            client.close()
            return times

        warm = min(200, args.requests)
        run(warm, "POST", triage_path, True)
        run(warm, "GET", "/healthz", False)
        triage_times = run(args.requests, "POST", triage_path, True)
        trivial_times = run(args.requests, "GET", "/healthz", False)

        t_med, t_p99 = statistics.median(triage_times), percentile(triage_times, 0.99)
        b_med, b_p99 = statistics.median(trivial_times), percentile(trivial_times, 0.99)
        print(f"database: {connection.vendor}, requests: {args.requests} each, one keep-alive")
        print(f"triage  (POST /api/v1/calls/{{id}}/triage)  median {t_med * 1000:7.2f} ms   "
              f"p99 {t_p99 * 1000:7.2f} ms")  # fmt: skip
        print(f"trivial (GET /healthz)                     median {b_med * 1000:7.2f} ms   "
              f"p99 {b_p99 * 1000:7.2f} ms")  # fmt: skip
        print(f"ratio   median {t_med / b_med:5.2f}x   p99 {t_p99 / b_p99:5.2f}x the trivial view")
    finally:
        if server is not None:
            server.shutdown()
            server.server_close()
        connection.close()
        connection.creation.destroy_test_db(test_db, verbosity=0)


def _prepare(now: dt.datetime) -> tuple[str, int]:
    """The agency, its rules, its duty board and roster, an API key and one call."""
    from pmhc.dispatch import rules_services
    from pmhc.dispatch import services as dispatch_services
    from pmhc.platform import services as platform_services
    from pmhc.platform.access import system_actor
    from pmhc.training.models import (
        Certification,
        CertificationKind,
        Completion,
        CompletionSource,
        Course,
        CourseKind,
        Trainee,
        TraineeRole,
    )

    actor = system_actor("bench")
    agency = platform_services.create_organization(
        actor, slug="bench-pd", name="Bench PD", kind="law_enforcement", is_synthetic=True
    )
    rules_services.ensure_default_rules(actor, organization=agency)
    for name, starts, ends in (("Day", 6, 14), ("Evening", 14, 22), ("Night", 22, 6)):
        dispatch_services.save_shift(
            actor, organization=agency, name=name, starts_at=dt.time(starts), ends_at=dt.time(ends)
        )
    dispatch_services.save_team(
        actor,
        organization=agency,
        name="Co-response 1",
        kind="co_responder",
        days=range(7),
        starts_at=dt.time(0),
        ends_at=dt.time(0),
    )
    # Roster rows written directly: the benchmark measures triage, not the roster's services.
    course = Course.objects.create(organization=agency, code="cit", name="CIT", kind=CourseKind.CIT)
    issued = now.date() - dt.timedelta(days=100)
    for badge, shift in enumerate(("Day", "Evening", "Night"), start=1):
        trainee = Trainee.objects.create(
            organization=agency, badge_number=str(badge), last_name=f"Officer{badge}",
            first_name="Bench", role=TraineeRole.PATROL, shift=shift, district="North",
        )  # fmt: skip
        completion = Completion.objects.create(
            trainee=trainee, course=course, completed_on=issued, source=CompletionSource.MANUAL
        )
        Certification.objects.create(
            trainee=trainee, completion=completion, kind=CertificationKind.CIT, issued_on=issued
        )
    _key, raw = platform_services.create_api_key(
        actor, organization=agency, name="bench", scopes=["calls:write"]
    )
    call = dispatch_services.create_call(
        actor, organization=agency, cad_event_id="BENCH-1", received_at=now
    )
    return raw, call.pk


if __name__ == "__main__":
    main()
