"""``pmhc purge --dry-run`` lists what it would remove in the demo, and removes nothing."""

from __future__ import annotations

import io
import re

from django.core.management import call_command

from pmhc.demo import generator
from pmhc.dispatch.models import Call
from pmhc.platform import audit
from pmhc.platform.models import AuditEvent
from pmhc.response.demo_retention import DEMO_DAYS
from pmhc.response.models import Encounter


def test_the_dry_run_lists_the_demos_old_calls_and_reports(db):
    ctx = generator.build(password="demo-password-for-tests", log=lambda _: None)
    pd = ctx.organizations["pd"]
    narratives = Call.objects.exclude(narrative="").count()
    events = AuditEvent.objects.count()
    out = io.StringIO()
    call_command("purge", "--dry-run", "--quiet", stdout=out)
    output = out.getvalue()
    calls = re.search(rf"{pd.slug}  Calls for service: (\d+) would be de-identified", output)
    reports = re.search(rf"{pd.slug}  Encounter reports: (\d+) would be de-identified", output)
    assert calls and reports, output
    assert f"kept {DEMO_DAYS} days" in output
    assert int(calls.group(1)) > 0 and int(reports.group(1)) > 0
    # Exactly the calls received before the cut, the oldest named first.
    oldest = Call.objects.filter(organization=pd).order_by("received_at", "pk").first()
    assert oldest is not None and f"call {oldest.cad_event_id}" in output
    assert "nothing was changed" in output
    assert Call.objects.exclude(narrative="").count() == narratives
    assert not Call.objects.filter(deidentified_at__isnull=False).exists()
    assert not Encounter.objects.filter(deidentified_at__isnull=False).exists()
    assert AuditEvent.objects.count() == events
    assert audit.verify().ok
    # Starting the demo starts a worker: it queues the purge for the night, and the demo's
    # old calls are still there to list afterwards.
    from django_tasks_db.models import DBTaskResult

    from pmhc.platform import worker_hooks

    worker_hooks.run_startup_checks()
    assert not DBTaskResult.objects.ready().exists()
    call_command("purge", "--dry-run", "--quiet", stdout=io.StringIO())
    assert not Call.objects.filter(deidentified_at__isnull=False).exists()
