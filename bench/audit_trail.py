"""Audit trail cost, as ratios against a baseline run in the same process.

1. Appending: ``audit.record`` (chain-head lock, hash, insert, head update) against inserting
   the same rows without the chain (one ``INSERT`` each), both one transaction per event.
2. Verifying: ``audit.verify`` (recomputing every hash) against reading the same rows.

Run on the embedded default (a fresh SQLite file) or on PostgreSQL with DATABASE_URL set:

    .venv/bin/python bench/audit_trail.py --events 5000
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=5000)
    args = parser.parse_args()

    if not os.environ.get("DATABASE_URL"):
        os.environ["PMHC_VAR_DIR"] = tempfile.mkdtemp(prefix="pmhc-bench-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pmhc.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test.utils import setup_test_environment
    from django.utils import timezone

    setup_test_environment()
    test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        call_command("migrate", verbosity=0)
        from pmhc.platform import audit
        from pmhc.platform.access import system_actor
        from pmhc.platform.models import AuditAction, AuditEvent

        actor = system_actor("bench")
        n = args.events

        def chained() -> None:
            for i in range(n):
                with transaction.atomic():
                    audit.record(AuditAction.RECORD_CHANGED, actor=actor, object_type="bench",
                                 object_id=i, before={"n": i}, after={"n": i + 1})  # fmt: skip

        def plain() -> None:
            for i in range(n):
                with transaction.atomic():
                    AuditEvent(
                        sequence=10_000_000 + i, occurred_at=timezone.now(), actor_name="bench",
                        action=AuditAction.RECORD_CHANGED, object_type="bench", object_id=str(i),
                        before={"n": i}, after={"n": i + 1}, prev_hash="-", hash=f"plain-{i}",
                    ).save(force_insert=True)  # fmt: skip

        def timed(fn) -> float:  # type: ignore[no-untyped-def]
            start = time.perf_counter()
            fn()
            return time.perf_counter() - start

        t_plain = timed(plain)
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM platform_auditevent")
        t_chain = timed(chained)

        def read_all() -> None:
            for _ in AuditEvent.objects.order_by("sequence").iterator(chunk_size=2000):
                pass

        t_read = timed(read_all)
        t_verify = timed(audit.verify)
        assert audit.verify().ok

        print(f"database: {connection.vendor}, events: {n}")
        print(
            f"append  chained {n / t_chain:10.0f} events/s   plain insert {n / t_plain:10.0f} "
            f"rows/s   ratio {t_chain / t_plain:5.2f}x the time"
        )
        print(
            f"verify  {n / t_verify:10.0f} events/s   plain read {n / t_read:10.0f} rows/s"
            f"   ratio {t_verify / t_read:5.2f}x the time"
        )
    finally:
        connection.creation.destroy_test_db(test_db, verbosity=0)


if __name__ == "__main__":
    sys.exit(main())
