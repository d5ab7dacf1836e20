"""Two teams sent to one call in one transaction, while one of them changes its status: the
two transactions queue on one lock order (the agency's audit chain, then the team) instead of
each holding what the other waits for, which PostgreSQL would end with a deadlock error."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, transaction
from django.utils import timezone

from pmhc.dispatch import services, unit_services
from pmhc.dispatch.models import Call, CallAssignment, TeamKind, TeamStatus
from pmhc.dispatch.tests.helpers import cad_id, team_all_week
from pmhc.platform.access import system_actor


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: SQLite's write lock covers the whole database, so nothing can "
    "interleave there",
)
def test_sending_two_teams_while_one_changes_status_queues_instead_of_deadlocking(cast):
    first_team = team_all_week(cast.agency, TeamKind.CO_RESPONDER)
    second_team = team_all_week(cast.agency, TeamKind.MOBILE_CRISIS)
    call = Call.objects.create(
        organization=cast.agency, cad_event_id=cad_id(), received_at=timezone.now()
    )
    actor = system_actor("dispatch test")
    one_sent = threading.Event()
    failures: list[BaseException] = []

    def send_both() -> None:
        try:
            with transaction.atomic():
                services.assign_unit(actor, call=Call.objects.get(pk=call.pk), team=first_team)
                one_sent.set()
                time.sleep(0.5)  # the status change starts meanwhile
                services.assign_unit(actor, call=Call.objects.get(pk=call.pk), team=second_team)
        except BaseException as exc:  # reported by the main thread
            failures.append(exc)
            one_sent.set()
        finally:
            connection.close()

    def change_status() -> None:
        try:
            assert one_sent.wait(timeout=30)
            with transaction.atomic():
                unit_services.set_team_status(
                    actor, team=second_team, status=TeamStatus.OUT_OF_SERVICE
                )
        except BaseException as exc:  # reported by the main thread
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=send_both), threading.Thread(target=change_status)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures, failures
    sent = set(CallAssignment.objects.filter(call=call).values_list("team_id", flat=True))
    assert sent == {first_team.pk, second_team.pk}
    second_team.refresh_from_db()
    assert second_team.status == TeamStatus.OUT_OF_SERVICE
