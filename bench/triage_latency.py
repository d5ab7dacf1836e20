"""Triage decision latency through the API, as a ratio against a trivial view on the same server.

``POST /api/v1/calls/{id}/triage`` (the protocol's rules, who is on duty now, the call's update
and its audit event, with an organization API key) is timed beside ``GET /healthz`` (one
``SELECT 1``) on the same server, first with one client, then with several at once (each with
its own keep-alive connection and its own call, as several call-takers would). It prints the
median and the 99th percentile of each and their ratios. The database is fresh and migrated;
the agency gets the product's starting rules, three shifts, a CIT officer on each and a
co-responder team.

Two servers:

* ``--server dev`` (the default): Django's threaded development server, in this process.
* ``--server gunicorn``: gunicorn as a separate process, set up as in production
  (``PMHC_MODE=production``, its own secret and audit keys; see ``.ci/smoke-production``).
  Needs DATABASE_URL (PostgreSQL).

    .venv/bin/python bench/triage_latency.py --requests 2000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pmhc_bench \
        .venv/bin/python bench/triage_latency.py --server gunicorn --requests 2000

Set DATABASE_URL to run it on PostgreSQL (a test database is created and dropped).
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
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


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2_000, help="per run, all clients")
    parser.add_argument("--clients", default="1,8", help="comma-separated client counts")
    parser.add_argument("--server", choices=["dev", "gunicorn"], default="dev")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    args = parser.parse_args()
    client_counts = [int(n) for n in args.clients.split(",") if n.strip()]

    var_dir = tempfile.mkdtemp(prefix="pmhc-bench-")
    port = free_port()
    if args.server == "gunicorn":
        if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
            raise SystemExit("--server gunicorn needs DATABASE_URL (PostgreSQL)")
        # The same production settings here (which prepares the data) and in the server.
        os.environ.update(
            PMHC_MODE="production",
            PMHC_SECRET_KEY="bench-" + secrets.token_hex(32),
            PMHC_AUDIT_KEY="bench-" + secrets.token_hex(32),
            PMHC_ALLOWED_HOSTS="127.0.0.1,localhost",
            PMHC_SSL_REDIRECT="false",
            PMHC_PUBLIC_BASE_URL=f"http://127.0.0.1:{port}",
            PMHC_VAR_DIR=var_dir,
        )
        os.environ.setdefault("PMHC_ASSETS_DIR", str(Path(__file__).parents[1] / "node_modules"))
    elif not os.environ.get("DATABASE_URL"):
        os.environ["PMHC_VAR_DIR"] = var_dir
    # Debug mode keeps every query in memory; a server under load runs without it.
    os.environ["PMHC_DEBUG"] = "false"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pmhc.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    if connection.vendor == "sqlite":
        # A file, not the in-memory default, so that the server's threads share it.
        connection.settings_dict["TEST"]["NAME"] = os.path.join(var_dir, "bench.sqlite3")
    test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    stop: Any = None
    try:
        call_command("migrate", verbosity=0)
        raw_key, call_ids = _prepare(timezone.now(), max(client_counts))
        if args.server == "gunicorn":
            connection.close()
            stop = _start_gunicorn(test_db, port, args.workers, var_dir)
            label = f"gunicorn ({args.workers} sync workers, production settings)"
        else:
            port, stop = _start_dev_server()
            label = "development server (threaded, in process)"
        headers = {
            "Authorization": f"Api-Key {raw_key}",
            "Content-Type": "application/json",
            "Host": "127.0.0.1",
        }
        # Bytes, so that http.client sends each request in one write, as a CAD client would.
        bodies = [json.dumps({"answers": answers}).encode() for answers in ANSWER_SETS]

        def connect() -> http.client.HTTPConnection:
            client = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            client.connect()
            assert client.sock is not None
            client.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            return client

        def run_one(n: int, triage_path: str | None, out: list[float]) -> None:
            client = connect()
            for i in range(n):
                if triage_path is not None:
                    method, path, body, sent = "POST", triage_path, bodies[i % len(bodies)], headers
                else:
                    method, path, body, sent = "GET", "/healthz", None, {"Host": "127.0.0.1"}
                start = time.perf_counter()
                client.request(method, path, body=body, headers=sent)
                response = client.getresponse()
                response.read()
                out.append(time.perf_counter() - start)
                if response.status != 200:
                    raise SystemExit(f"{method} {path} answered {response.status}")
                if response.getheader("Connection", "").lower() == "close":
                    client.close()
                    client = connect()
            client.close()

        def run(clients: int, n: int, triage: bool) -> list[float]:
            per_client = max(1, n // clients)
            results: list[list[float]] = [[] for _ in range(clients)]
            threads = [
                threading.Thread(
                    target=run_one,
                    args=(
                        per_client,
                        f"/api/v1/calls/{call_ids[c]}/triage" if triage else None,
                        results[c],
                    ),
                )
                for c in range(clients)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            return [t for times in results for t in times]

        load = os.getloadavg()
        print(f"server: {label}; database: {connection.vendor}; {args.requests} requests a run")
        print(f"load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
        for clients in client_counts:
            warm = min(200, args.requests)
            run(clients, warm, True)
            run(clients, warm, False)
            triage_times = run(clients, args.requests, True)
            trivial_times = run(clients, args.requests, False)
            t_med, t_p99 = statistics.median(triage_times), percentile(triage_times, 0.99)
            b_med, b_p99 = statistics.median(trivial_times), percentile(trivial_times, 0.99)
            print(f"-- {clients} client(s) at once")
            print(f"   triage  (POST /api/v1/calls/{{id}}/triage)  median {t_med * 1000:7.2f} ms"
                  f"   p99 {t_p99 * 1000:7.2f} ms")  # fmt: skip
            print(f"   trivial (GET /healthz)                     median {b_med * 1000:7.2f} ms"
                  f"   p99 {b_p99 * 1000:7.2f} ms")  # fmt: skip
            print(f"   ratio   median {t_med / b_med:5.2f}x   p99 {t_p99 / b_p99:5.2f}x the trivial"
                  " view")  # fmt: skip
        load = os.getloadavg()
        print(f"load average after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    finally:
        if stop is not None:
            stop()
        connection.close()
        connection.creation.destroy_test_db(test_db, verbosity=0)
        shutil.rmtree(var_dir, ignore_errors=True)


def _start_dev_server() -> tuple[int, Any]:
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
    from django.core.wsgi import get_wsgi_application

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

    def stop() -> None:
        server.shutdown()
        server.server_close()

    return int(server.server_address[1]), stop


def _start_gunicorn(database: str, port: int, workers: int, var_dir: str) -> Any:
    """gunicorn in its own process, on the test database, with this process's settings."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(os.environ["DATABASE_URL"])
    env = dict(os.environ, DATABASE_URL=urlunsplit(parts._replace(path="/" + database)))
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    log = open(os.path.join(var_dir, "gunicorn.log"), "w")  # noqa: SIM115 (closed in stop)
    gunicorn = Path(sys.executable).with_name("gunicorn")
    command = [str(gunicorn), "pmhc.wsgi", "--bind", f"127.0.0.1:{port}"]
    command += ["--workers", str(workers), "--timeout", "60"]
    process = subprocess.Popen(  # noqa: S603 (a fixed command line)
        command,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )

    def stop() -> None:
        process.terminate()
        process.wait(timeout=30)
        log.close()

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.flush()
            stop()
            raise SystemExit("gunicorn stopped: " + Path(log.name).read_text()[-2000:])
        try:
            probe = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            probe.request("GET", "/healthz", headers={"Host": "127.0.0.1"})
            if probe.getresponse().status == 200:
                probe.close()
                return stop
        except OSError:
            time.sleep(0.2)
    stop()
    raise SystemExit("gunicorn did not answer /healthz within a minute")


def _prepare(now: dt.datetime, calls: int) -> tuple[str, list[int]]:
    """The agency, its rules, its duty board and roster, an API key and one call a client."""
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
    call_ids = [
        dispatch_services.create_call(
            actor, organization=agency, cad_event_id=f"BENCH-{n}", received_at=now
        ).pk
        for n in range(1, calls + 1)
    ]
    return raw, call_ids


if __name__ == "__main__":
    main()
