"""The triage API's work per request: its queries are pinned, and what it keeps between
requests (the rules, the shifts, the teams) is read again as soon as a service changes it."""

from __future__ import annotations

import datetime as dt
import json
import threading
from typing import Any

import pytest
from django.db import OperationalError, connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from pmhc.dispatch import rules_services, selectors, unit_services
from pmhc.dispatch import services as dispatch_services
from pmhc.dispatch.models import Call, DutyShift, Team, TeamKind, TeamStatus
from pmhc.dispatch.tests.helpers import cad_id, cit_officer_on_duty, member, team_all_week
from pmhc.platform import services as platform_services
from pmhc.platform.access import actor_for_user
from pmhc.platform.models import ApiKey, Role
from pmhc.platform.tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db

WELFARE = {"danger_self": "yes", "weapons": "none"}  # a co-responder call when one is free


def _key(cast: Any, organization: Any, user: Any, scopes: tuple[str, ...] = ("calls:write",)):
    key, raw = platform_services.create_api_key(
        actor_for_user(user), organization=organization, name="CAD", scopes=list(scopes)
    )
    return key, raw


def _triage(client: Client, call: Call, raw: str, answers: dict[str, str]) -> Any:
    return client.post(
        reverse("api_call_triage", args=[call.pk]),
        data=json.dumps({"answers": answers}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Api-Key {raw}",
    )


@pytest.fixture
def board(cast):
    """An agency with its starting rules, a CIT officer on the current shift, a co-responder
    team on all week, an API key and a call."""
    actor = actor_for_user(cast.member)  # the agency's coordinator
    rules_services.ensure_default_rules(actor, organization=cast.agency)
    officer = cit_officer_on_duty(cast.agency)
    team = team_all_week(cast.agency)
    _key_row, raw = _key(cast, cast.agency, cast.admin)
    call = Call.objects.create(
        organization=cast.agency, cad_event_id="Q-1", received_at=timezone.now()
    )
    return {"actor": actor, "officer": officer, "team": team, "raw": raw, "call": call}


def test_triage_queries_are_pinned_cold_and_warm(board, django_assert_num_queries):
    client = Client()
    ApiKey.objects.update(last_used_at=timezone.now())  # the once-a-minute note is not due
    # Cold: the key with its agency; the call locked with its agency and the agency's stamp;
    # the shifts, the teams and the published rules, and the rules to compile (kept from now
    # on); the teams' statuses (read fresh each time); the officers on the shift; the call's
    # update; the audit event (savepoint, chain head locked, event, head,
    # release). The test's own transaction makes the service's transaction a savepoint and
    # its release: two more than a server counts.
    with django_assert_num_queries(16):
        response = _triage(client, board["call"], board["raw"], WELFARE)
    assert response.status_code == 200, response.content
    # Warm: the same without the shifts, the teams and the rules. A server counts ten.
    for _ in range(2):
        with django_assert_num_queries(12):
            response = _triage(client, board["call"], board["raw"], WELFARE)
        assert response.status_code == 200
    data = response.json()
    assert data["on_duty"]["cit_officers"][0]["id"] == board["officer"].pk
    assert data["on_duty"]["teams"][0]["id"] == board["team"].pk
    assert data["recommendation"] == "co_responder"


def test_a_team_status_change_is_seen_by_the_next_triage(board):
    client = Client()
    first = _triage(client, board["call"], board["raw"], WELFARE).json()
    assert first["on_duty"]["teams"][0]["status"] == "available"
    assert first["recommendation"] == "co_responder"
    unit_services.set_team_status(
        board["actor"], team=board["team"], status=TeamStatus.OUT_OF_SERVICE
    )
    after = _triage(client, board["call"], board["raw"], WELFARE).json()
    assert after["on_duty"]["teams"][0]["status"] == "out_of_service"
    assert after["recommendation"] != "co_responder"


def test_team_and_shift_edits_are_seen_by_the_next_triage(board, cast):
    client = Client()
    actor = board["actor"]
    team: Team = board["team"]
    assert _triage(client, board["call"], board["raw"], WELFARE).json()["on_duty"]["teams"]
    dispatch_services.save_team(
        actor,
        organization=cast.agency,
        team=team,
        name=team.name,
        kind=team.kind,
        days=team.days,
        starts_at=team.starts_at,
        ends_at=team.ends_at,
        is_active=False,
    )
    assert _triage(client, board["call"], board["raw"], WELFARE).json()["on_duty"]["teams"] == []
    added = dispatch_services.save_team(
        actor,
        organization=cast.agency,
        name="Mobile crisis",
        kind=TeamKind.MOBILE_CRISIS,
        days=range(7),
        starts_at=dt.time(0),
        ends_at=dt.time(0),
    )
    teams = _triage(client, board["call"], board["raw"], WELFARE).json()["on_duty"]["teams"]
    assert [t["id"] for t in teams] == [added.pk]

    shift_name = board["officer"].shift
    on_now = DutyShift.objects.get(organization=cast.agency, name=shift_name)
    assert _triage(client, board["call"], board["raw"], WELFARE).json()["on_duty"]["shift"]
    for shift in DutyShift.objects.filter(organization=cast.agency):
        dispatch_services.delete_shift(actor, shift=shift)
    emptied = _triage(client, board["call"], board["raw"], WELFARE).json()["on_duty"]
    assert emptied["shift"] == "" and emptied["cit_officers"] == []
    dispatch_services.save_shift(
        actor,
        organization=cast.agency,
        name=shift_name,
        starts_at=on_now.starts_at,
        ends_at=on_now.ends_at,
    )
    back = _triage(client, board["call"], board["raw"], WELFARE).json()["on_duty"]
    assert back["shift"] == shift_name
    assert [o["id"] for o in back["cit_officers"]] == [board["officer"].pk]


def test_published_rules_are_seen_by_the_next_triage(board, cast):
    client = Client()
    first = _triage(client, board["call"], board["raw"], WELFARE).json()
    assert first["rule_version"] == 1
    published = selectors.published_rule_set(cast.agency)
    assert published is not None
    draft = rules_services.save_rules_draft(
        board["actor"],
        organization=cast.agency,
        rules=published.rules,
        note="Same rules, a new version",
    )
    # A draft is not used.
    assert _triage(client, board["call"], board["raw"], WELFARE).json()["rule_version"] == 1
    rules_services.publish_rules(board["actor"], rule_set=draft)
    assert _triage(client, board["call"], board["raw"], WELFARE).json()["rule_version"] == 2


def test_a_change_rolled_back_is_not_kept(board, cast):
    """A stamp moved in a transaction that rolled back never matches what others read."""
    client = Client()
    assert _triage(client, board["call"], board["raw"], WELFARE).json()["on_duty"]["teams"]
    with pytest.raises(RuntimeError), transaction.atomic():
        unit_services.set_team_status(
            board["actor"], team=board["team"], status=TeamStatus.OUT_OF_SERVICE
        )
        # Read inside the transaction: this process now holds the uncommitted picture.
        assert selectors.on_duty(Call.objects.get(pk=board["call"].pk).organization).teams[
            0
        ].status == (TeamStatus.OUT_OF_SERVICE)
        raise RuntimeError("rolled back")
    teams = _triage(client, board["call"], board["raw"], WELFARE).json()["on_duty"]["teams"]
    assert teams[0]["status"] == "available"


def test_keys_valid_unknown_revoked_other_agency_and_scope(board, cast):
    client = Client()
    call = board["call"]
    assert _triage(client, call, board["raw"], WELFARE).status_code == 200
    # A key of the right form that was never issued, and a valid one with a character changed.
    assert _triage(client, call, "pmhc_00000000_" + "x" * 43, WELFARE).status_code == 401
    assert _triage(client, call, board["raw"][:-1] + "!", WELFARE).status_code == 401
    key, raw = _key(cast, cast.agency, cast.admin)
    assert _triage(client, call, raw, WELFARE).status_code == 200
    platform_services.revoke_api_key(actor_for_user(cast.admin), key=key)
    assert _triage(client, call, raw, WELFARE).status_code == 401
    _other, other_raw = _key(cast, cast.outsider_org, cast.outsider)
    assert _triage(client, call, other_raw, WELFARE).status_code == 404
    _read, read_raw = _key(cast, cast.agency, cast.admin, scopes=("calls:read",))
    assert _triage(client, call, read_raw, WELFARE).status_code == 404
    call.refresh_from_db()
    assert call.triaged_by_name.startswith("API key CAD")


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: SQLite's write lock covers the whole database by design",
)
def test_a_triage_holds_no_lock_that_stops_another_agency(cast):
    """While a triage of one agency's call is still in its transaction, another agency's
    triage goes through at once; a second triage of the first agency waits for the first (its
    audit chain is one sequence), which is what the short lock timeout shows."""
    other = OrganizationFactory.create(slug="other-pd", name="Other PD")
    takers = {org.pk: actor_for_user(member(org, Role.CALL_TAKER)) for org in (cast.agency, other)}
    calls = [
        Call.objects.create(organization=org, cad_event_id=cad_id(), received_at=timezone.now())
        for org in (cast.agency, other, cast.agency)
    ]
    holding, release = threading.Event(), threading.Event()
    failures: list[BaseException] = []

    def first() -> None:
        try:
            with transaction.atomic():
                dispatch_services.triage_call_by_id(
                    takers[cast.agency.pk], pk=calls[0].pk, answers=WELFARE
                )
                holding.set()
                release.wait(timeout=60)
        except BaseException as exc:  # reported by the main thread
            failures.append(exc)
            holding.set()
        finally:
            connection.close()

    thread = threading.Thread(target=first)
    thread.start()
    try:
        assert holding.wait(timeout=60)
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '2s'")
            dispatch_services.triage_call_by_id(takers[other.pk], pk=calls[1].pk, answers=WELFARE)
        with pytest.raises(OperationalError), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '200ms'")
            dispatch_services.triage_call_by_id(
                takers[cast.agency.pk], pk=calls[2].pk, answers=WELFARE
            )
    finally:
        release.set()
        thread.join(timeout=60)
    assert not failures
    triaged = set(Call.objects.filter(triaged_at__isnull=False).values_list("pk", flat=True))
    assert triaged == {calls[0].pk, calls[1].pk}
