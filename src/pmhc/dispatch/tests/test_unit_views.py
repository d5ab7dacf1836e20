"""The team's pages: who sees them, what they show, and the buttons that record steps and set
the team's status (from the team's page and the duty board)."""

from __future__ import annotations

from django.urls import reverse

from pmhc.conftest import Cast
from pmhc.dispatch.audit_codes import DispatchAudit
from pmhc.dispatch.models import AssignmentStatus, TeamStatus
from pmhc.dispatch.tests.helpers import member
from pmhc.dispatch.tests.units import crisis_team, make_call, queue_call
from pmhc.platform.models import AuditEvent, Role


def test_anonymous_is_sent_to_sign_in(cast: Cast) -> None:
    unit = crisis_team(cast)
    client = cast.client(None)
    for url in (
        reverse("dispatch_unit"),
        reverse("dispatch_unit_call", args=[unit.assignment.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response["Location"], url
    response = client.post(
        reverse("dispatch_unit_step", args=[unit.assignment.pk]), {"to": "accepted"}
    )
    assert response.status_code == 302 and "/login" in response["Location"]


def test_the_member_sees_the_call_and_records_steps(cast: Cast) -> None:
    unit = crisis_team(cast, narrative="Caller says her brother has not slept for days.")
    client = cast.client(cast.partner_user)
    page = client.get(reverse("dispatch_unit")).content.decode()
    assert unit.call.cad_event_id in page and unit.team.name in page
    url = reverse("dispatch_unit_call", args=[unit.assignment.pk])
    body = client.get(url).content.decode()
    assert "12 Alder Street" in body
    assert "has not slept for days" in body
    assert "Accept the call" in body
    assert AuditEvent.objects.filter(action=DispatchAudit.CALL_NARRATIVE_READ).exists()
    step = reverse("dispatch_unit_step", args=[unit.assignment.pk])
    assert client.post(step, {"to": "accepted"}).status_code == 302
    unit.assignment.refresh_from_db()
    assert unit.assignment.status == AssignmentStatus.ACCEPTED
    assert "En route" in client.get(url).content.decode()
    # A step out of order changes nothing and says why.
    response = client.post(step, {"to": "clear"}, follow=True)
    unit.assignment.refresh_from_db()
    assert unit.assignment.status == AssignmentStatus.ACCEPTED
    assert "This step is not next" in response.content.decode()


def test_others_get_not_found(cast: Cast) -> None:
    unit = crisis_team(cast)
    url = reverse("dispatch_unit_call", args=[unit.assignment.pk])
    step = reverse("dispatch_unit_step", args=[unit.assignment.pk])
    status = reverse("dispatch_team_status", args=[unit.team.pk])
    for user in (
        member(cast.partner, Role.CLINICIAN),  # not on the team
        cast.colleague,  # the agency's officer, not on the team
        cast.outsider,
        cast.expired_user,
    ):
        client = cast.client(user)
        assert client.get(url).status_code == 404
        assert client.post(step, {"to": "accepted"}).status_code == 404
        assert (
            client.post(status, {f"team{unit.team.pk}-status": "out_of_service"}).status_code == 404
        )
    # A case manager has no team page at all.
    client = cast.client(member(cast.partner, Role.CASE_MANAGER))
    assert client.get(reverse("dispatch_unit")).status_code == 404
    unit.assignment.refresh_from_db()
    assert unit.assignment.status == AssignmentStatus.SENT


def test_the_duty_board_sets_a_teams_status_and_the_queue_moves(cast: Cast) -> None:
    unit = crisis_team(cast)
    clinician = cast.client(cast.partner_user)
    clinician.post(reverse("dispatch_unit_step", args=[unit.assignment.pk]), {"to": "accepted"})
    waiting = queue_call(unit.team, make_call(cast), minutes_ago=3)
    assert waiting.call.cad_event_id in clinician.get(reverse("dispatch_unit")).content.decode()
    supervisor = cast.client(member(cast.agency, Role.SUPERVISOR))
    board = supervisor.get(reverse("dispatch_duty")).content.decode()
    assert f'name="team{unit.team.pk}-status"' in board
    response = supervisor.post(
        reverse("dispatch_team_status", args=[unit.team.pk]),
        {f"team{unit.team.pk}-status": TeamStatus.AVAILABLE, "back": "duty"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("dispatch_duty")
    assert "took the next call in its queue" in response.content.decode()
    waiting.refresh_from_db()
    assert waiting.status == AssignmentStatus.SENT
    # An officer reads the board without the buttons.
    officer_board = cast.client(cast.colleague).get(reverse("dispatch_duty")).content.decode()
    assert f'name="team{unit.team.pk}-status"' not in officer_board


def test_the_operate_page_links_the_member_to_the_team(cast: Cast) -> None:
    crisis_team(cast)
    body = cast.client(cast.partner_user).get(reverse("dispatch_index")).content.decode()
    assert reverse("dispatch_unit") in body
    body = cast.client(cast.colleague).get(reverse("dispatch_index")).content.decode()
    assert reverse("dispatch_unit") not in body


def test_the_coordinator_puts_the_partners_clinician_on_a_team(cast: Cast) -> None:
    from pmhc.dispatch.tests.helpers import team_all_week

    team = team_all_week(cast.agency)
    url = reverse("dispatch_team_edit", args=[team.pk])
    client = cast.client(cast.member)
    body = client.get(url).content.decode()
    # The agency's officer and the partner's clinician are offered; the outsider is not, nor
    # the expired partner's clinician, nor the agency's administrator.
    assert "Partner Clinic" in body and cast.colleague.display_name in body
    assert "Unrelated PD" not in body and "Former Partner" not in body
    form = {
        "name": team.name,
        "kind": team.kind,
        "days": [str(d) for d in range(7)],
        "starts_at": "00:00",
        "ends_at": "00:00",
        "is_active": "on",
        "members": [str(cast.partner_user.pk), str(cast.colleague.pk)],
    }
    assert client.post(url, form).status_code == 302
    assert set(team.members.values_list("pk", flat=True)) == {
        cast.partner_user.pk,
        cast.colleague.pk,
    }
    assert AuditEvent.objects.filter(action=DispatchAudit.TEAM_MEMBERS_SET).count() == 1
    # Someone not offered cannot be put on the team.
    refused = client.post(url, form | {"members": [str(cast.outsider.pk)]})
    assert refused.status_code == 400
    assert team.members.count() == 2
    # Saving again without a change records nothing new.
    assert client.post(url, form).status_code == 302
    assert AuditEvent.objects.filter(action=DispatchAudit.TEAM_MEMBERS_SET).count() == 1
