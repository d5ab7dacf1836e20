"""Concurrent audited reads of a person, as a ratio against the same reads without the audit.

16 reader threads (each with its own database connection, as a threaded server's request
threads have) each open a person's record N times through the people selector behind the
person's page (``people.selectors.person_detail``: the policy, the person and their aliases,
and one ``people.person_read`` event). The baseline is the same 16 threads making the same
read without the audit event (``get_or_404`` and the check of the restricted fields), so the
ratio is what auditing costs when many people read at once. The readers belong to
``--organizations`` agencies (4 by default), spread evenly, each reading a person of its own.

    .venv/bin/python bench/audit_concurrency.py --requests 200

Set DATABASE_URL to run it on PostgreSQL (a test database is created and dropped).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from typing import Any


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))
    return ordered[index]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200, help="reads per thread")
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--organizations", type=int, default=4)
    args = parser.parse_args()

    var_dir = tempfile.mkdtemp(prefix="pmhc-bench-")
    if not os.environ.get("DATABASE_URL"):
        os.environ["PMHC_VAR_DIR"] = var_dir
    os.environ["PMHC_DEBUG"] = "false"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pmhc.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, connections

    if connection.vendor == "sqlite":
        # A file, not the in-memory default, so that the threads share it.
        connection.settings_dict["TEST"]["NAME"] = os.path.join(var_dir, "bench.sqlite3")
    test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        call_command("migrate", verbosity=0)
        readers = _prepare(args.threads, args.organizations)

        from pmhc.people import selectors
        from pmhc.people.models import Person
        from pmhc.platform import restricted
        from pmhc.platform.access import Action, get_or_404
        from pmhc.platform.models import AuditEvent, Purpose

        purpose = Purpose.ACTIVE_CALL

        def audited(actor: Any, pk: int) -> None:
            selectors.person_detail(actor, pk, purpose=purpose)

        def unaudited(actor: Any, pk: int) -> None:
            person = get_or_404(
                actor,
                Person.objects.select_related("organization").prefetch_related("aliases"),
                Action.VIEW,
                purpose,
                pk=pk,
            )
            restricted.readable(actor, person, purpose)

        def run(read: Callable[[Any, int], None], n: int) -> tuple[float, list[float]]:
            times: list[list[float]] = [[] for _ in readers]
            errors: list[BaseException] = []
            start_line = threading.Barrier(len(readers) + 1)

            def reader(i: int) -> None:
                actor, pk = readers[i]
                try:
                    start_line.wait()
                    for _ in range(n):
                        start = time.perf_counter()
                        read(actor, pk)
                        times[i].append(time.perf_counter() - start)
                except BaseException as error:  # reported after the run
                    errors.append(error)
                finally:
                    connections.close_all()

            threads = [threading.Thread(target=reader, args=(i,)) for i in range(len(readers))]
            for thread in threads:
                thread.start()
            start_line.wait()
            start = time.perf_counter()
            for thread in threads:
                thread.join()
            wall = time.perf_counter() - start
            if errors:
                raise SystemExit(f"a reader failed: {errors[0]!r}")
            return wall, [t for per_thread in times for t in per_thread]

        warm = min(20, args.requests)
        run(unaudited, warm)
        run(audited, warm)
        events_before = AuditEvent.objects.count()
        b_wall, b_times = run(unaudited, args.requests)
        a_wall, a_times = run(audited, args.requests)
        written = AuditEvent.objects.count() - events_before

        total = args.requests * len(readers)
        b_med, b_p99 = statistics.median(b_times), percentile(b_times, 0.99)
        a_med, a_p99 = statistics.median(a_times), percentile(a_times, 0.99)
        print(
            f"database: {connection.vendor}, readers: {len(readers)} threads in "
            f"{args.organizations} organizations, {args.requests} reads each "
            f"({written} audit events written)"
        )
        print(
            f"audited   (person_detail)   {total / a_wall:8.0f} reads/s   "
            f"median {a_med * 1000:7.2f} ms   p99 {a_p99 * 1000:7.2f} ms"
        )
        print(
            f"unaudited (same read)       {total / b_wall:8.0f} reads/s   "
            f"median {b_med * 1000:7.2f} ms   p99 {b_p99 * 1000:7.2f} ms"
        )
        print(
            f"ratio     throughput {(total / a_wall) / (total / b_wall):5.2f}x   "
            f"median {a_med / b_med:5.2f}x   p99 {a_p99 / b_p99:5.2f}x the unaudited read"
        )
    finally:
        connections.close_all()
        connection.creation.destroy_test_db(test_db, verbosity=0)


def _prepare(threads: int, organizations: int) -> list[tuple[Any, int]]:
    """The agencies, one call-taker per reader and one person per agency."""
    from pmhc.people import services as people_services
    from pmhc.platform import services as platform_services
    from pmhc.platform.access import actor_for_user, system_actor
    from pmhc.platform.models import Membership, Purpose, Role, User

    system = system_actor("bench")
    people = []
    for o in range(organizations):
        agency = platform_services.create_organization(
            system, slug=f"bench-pd-{o}", name=f"Bench PD {o}", kind="law_enforcement",
            is_synthetic=True,
        )  # fmt: skip
        person = people_services.create_person(
            system, organization=agency, purpose=Purpose.ACTIVE_CALL, family_name="Doe",
            given_name=f"Pat {o}", aliases=[("P. Doe", "alias")],
        )  # fmt: skip
        people.append((agency, person))
    readers = []
    for i in range(threads):
        agency, person = people[i % organizations]
        user = User.objects.create(username=f"reader{i}", email=f"reader{i}@example.org")
        Membership.objects.create(user=user, organization=agency, role=Role.CALL_TAKER)
        readers.append((actor_for_user(user), person.pk))
    return readers


if __name__ == "__main__":
    main()
