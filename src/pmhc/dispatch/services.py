"""Every write to a call for service: recording it, triaging it with the protocol, sending
units, linking the people involved and recording its times. Each is checked against the policy
and audited in the same transaction. The routing rules' and the duty board's writes live in
``rules_services`` and ``duty_services``; the ones other apps call are named here too."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pmhc.dispatch import times, triage, unit_services
from pmhc.dispatch.audit_codes import DispatchAudit
from pmhc.dispatch.duty_services import delete_shift, save_shift, save_team
from pmhc.dispatch.models import (
    AssignmentStatus,
    Call,
    CallAssignment,
    CallPerson,
    CallSource,
    CallTransfer,
    CrisisLine,
    Indicator,
    PersonRole,
    Routing,
    Team,
    TeamStatus,
)
from pmhc.dispatch.rules_services import (
    ensure_default_rules,
    publish_rules,
    published_or_default,
    save_rules_draft,
)
from pmhc.dispatch.selectors import (
    OnDuty,
    call_for_triage,
    calls_target,
    compiled,
    local_now,
    on_duty,
    plan_units,
    team_queues,
)
from pmhc.people import services as people_services
from pmhc.people.audit_codes import PeopleAudit
from pmhc.people.models import Person
from pmhc.platform import audit
from pmhc.platform.access import Action, Actor, decide
from pmhc.platform.models import Organization, Purpose
from pmhc.training.models import Trainee
from pmhc.training.selectors import holds_cit

__all__ = [
    "DuplicateCall",
    "assign_unit",
    "create_call",
    "delete_shift",
    "dispatch_units",
    "ensure_default_rules",
    "link_person",
    "publish_rules",
    "record_times",
    "record_transfer",
    "save_rules_draft",
    "save_shift",
    "save_team",
    "take_call",
    "triage_call",
]

ACTIVE_CALL = Purpose.ACTIVE_CALL
CLOSE_REASON_MAX = 500

#: The fields of a call that ``create_call`` accepts besides its CAD id and received time.
CALL_FIELDS = (
    "dispatched_at",
    "first_arrival_at",
    "cleared_at",
    "address",
    "district",
    "beat",
    "latitude",
    "longitude",
    "call_type",
    "apco_type",
    "priority",
    "source",
    "is_mental_health",
    "mh_indicators",
    "narrative",
    "units",
    "cad_disposition",
    "cit_requested",
    "cit_dispatched",
    "cit_arrived",
)
#: What the audit trail keeps of a call. The narrative is restricted: only whether there is
#: one is kept, never its text.
AUDITED_FIELDS = tuple(f for f in ("cad_event_id", "received_at", *CALL_FIELDS) if f != "narrative")
TRIAGE_FIELDS = (
    "rule_set",
    "recommendation",
    "recommended_units",
    "reasons",
    "decision",
    "decision_reason",
    "is_mental_health",
    "cit_requested",
)


class DuplicateCall(ValidationError):
    """The agency already has a call with this CAD event id."""

    def __init__(self, existing_id: int) -> None:
        super().__init__(
            {"cad_event_id": _("This agency already has a call with this CAD event id.")},
        )
        self.existing_id = existing_id


def _authorize(actor: Actor, action: Action, obj: Any) -> None:
    decision = decide(actor, action, obj, ACTIVE_CALL)
    if not decision:
        raise PermissionDenied(decision.reason)


def _call_snapshot(call: Call) -> dict[str, Any]:
    data = audit.snapshot(call, AUDITED_FIELDS)
    data["narrative_recorded"] = bool(call.narrative)
    return data


def _triage_snapshot(call: Call) -> dict[str, Any]:
    data = audit.snapshot(call, TRIAGE_FIELDS)
    # The answers are safety data about a person (behavior, treatment, violence and
    # victimization history): ``audit.record`` keeps them as a digest (``Call.restricted_fields``)
    # in the trail, which administrators read, so a change of answers still shows. Which
    # questions were answered says nothing about the person and stays readable.
    data["answers"] = call.answers
    data["answered_questions"] = sorted(call.answers)
    return data


def _check_times(call: Call, errors: dict[str, str]) -> None:
    for name, problem in times.time_problems(
        {name: getattr(call, name) for name in times.TIME_ORDER}
    ).items():
        errors.setdefault(name, problem)


def _clean_call(call: Call) -> None:
    errors: dict[str, str] = {}
    call.cad_event_id = call.cad_event_id.strip()
    if not call.cad_event_id:
        errors["cad_event_id"] = _("Enter the CAD event id.")
    for name in ("address", "district", "beat", "call_type", "apco_type", "cad_disposition"):
        setattr(call, name, str(getattr(call, name) or "").strip())
    if call.source not in CallSource.values:
        errors["source"] = _("Choose where the call came from.")
    if not isinstance(call.mh_indicators, list) or any(
        i not in Indicator.values for i in call.mh_indicators
    ):
        errors["mh_indicators"] = _("Unknown indicator: use %(known)s.") % {
            "known": ", ".join(Indicator.values)
        }
    else:
        call.mh_indicators = [i for i in Indicator.values if i in call.mh_indicators]
    if not isinstance(call.units, list) or any(not isinstance(u, str) for u in call.units):
        errors["units"] = _("Units are a list of call signs.")
    if call.priority is not None and not 1 <= int(call.priority) <= 9:
        errors["priority"] = _("Priority runs from 1 to 9.")
    for name in ("latitude", "longitude"):
        value = getattr(call, name)
        if value is not None:
            setattr(call, name, Decimal(str(value)).quantize(Decimal("0.000001")))
    if call.latitude is not None and not -90 <= call.latitude <= 90:
        errors["latitude"] = _("Latitude runs from -90 to 90.")
    if call.longitude is not None and not -180 <= call.longitude <= 180:
        errors["longitude"] = _("Longitude runs from -180 to 180.")
    if call.mh_indicators:
        call.is_mental_health = True
    _check_times(call, errors)
    try:
        call.full_clean(exclude=["organization", *errors], validate_unique=False)
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            errors.setdefault(name, " ".join(messages))
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def create_call(
    actor: Actor,
    *,
    organization: Organization,
    cad_event_id: str,
    received_at: dt.datetime,
    **fields: Any,
) -> Call:
    """Record a call for service. Its CAD event id is unique for the agency: a second call
    with the same id raises ``DuplicateCall`` with the first one's id."""
    _authorize(actor, Action.CREATE, calls_target(organization))
    unknown = sorted(set(fields) - set(CALL_FIELDS))
    if unknown:
        raise ValidationError(_("Unknown call fields: %(names)s.") % {"names": ", ".join(unknown)})
    now = timezone.now()
    call = Call(
        organization=organization,
        cad_event_id=str(cad_event_id or ""),
        received_at=received_at,
        created_at=now,
        updated_at=now,
        created_by_id=actor.user_id,
        **fields,
    )
    _clean_call(call)
    existing = Call.objects.filter(organization=organization, cad_event_id=call.cad_event_id)
    found = existing.values_list("pk", flat=True).first()
    if found is not None:
        raise DuplicateCall(found)
    try:
        with transaction.atomic():
            call.save(force_insert=True)
    except IntegrityError as exc:
        # Another request recorded the same CAD id between the check and the insert.
        raced = existing.values_list("pk", flat=True).first()
        if raced is None:
            raise
        raise DuplicateCall(raced) from exc
    audit.record(
        DispatchAudit.CALL_CREATED,
        actor=actor,
        organization_id=organization.pk,
        obj=call,
        purpose=ACTIVE_CALL,
        after=_call_snapshot(call),
    )
    return call


@transaction.atomic
def triage_call(
    actor: Actor,
    *,
    call: Call,
    answers: dict[str, Any],
    decision: str | None = None,
    decision_reason: str = "",
    duty: OnDuty | None = None,
) -> Call:
    """Apply the agency's published rules to the answers, with who is on duty now, and
    record the answers, the rule version, the recommendation with its reasons and the
    decision taken (the recommendation unless the call-taker chose otherwise, which needs a
    reason). ``duty`` lets a caller that already looked up who is on duty pass it on."""
    _authorize(actor, Action.CHANGE, call)
    # Locked and read again, so that two triages at once each record what the other left.
    Call.objects.select_for_update().filter(pk=call.pk).values_list("pk").get()
    call.refresh_from_db()
    return _triage(actor, call, answers, decision, decision_reason, duty)


@transaction.atomic
def triage_call_by_id(
    actor: Actor,
    *,
    pk: int,
    answers: dict[str, Any],
    decision: str | None = None,
    decision_reason: str = "",
) -> tuple[Call, OnDuty]:
    """``triage_call`` for a call known by its id (the API): the call is read and locked in
    one query (404 when it is missing or not the actor's to change), then triaged with who is
    on duty now, which is returned with it."""
    call = call_for_triage(actor, pk)
    duty = on_duty(call.organization)
    return _triage(actor, call, answers, decision, decision_reason, duty), duty


def _triage(
    actor: Actor,
    call: Call,
    answers: dict[str, Any],
    decision: str | None,
    decision_reason: str,
    duty: OnDuty | None,
) -> Call:
    """The work of ``triage_call`` on a call locked and read in this transaction."""
    _authorize(actor, Action.CHANGE, call)
    cleaned = triage.clean_answers(answers)
    organization = call.organization
    duty = duty if duty is not None else on_duty(organization)
    rule_set = duty.rule_set or published_or_default(organization)
    result = triage.evaluate(compiled(rule_set), cleaned, duty.availability)
    chosen = decision or result.route
    reason = decision_reason.strip()
    if chosen not in Routing.values:
        raise ValidationError({"decision": _("Choose a route.")})
    if chosen != result.route and not reason:
        raise ValidationError(
            {"decision_reason": _("Say why the decision differs from the recommendation.")}
        )
    if chosen == result.route:
        reason = ""
    before = _triage_snapshot(call) if call.triaged_at else None
    call.answers = cleaned
    call.rule_set = rule_set
    call.recommendation = result.route
    call.recommended_units = [str(unit) for unit in result.units]
    call.reasons = [*result.reasons, *result.notes]
    call.decision = chosen
    call.decision_reason = reason
    call.is_mental_health = True
    sent = result.units if chosen == result.route else (Routing(chosen),)
    call.cit_requested = call.cit_requested or bool(
        {Routing.CIT_OFFICER, Routing.CO_RESPONDER} & set(sent)
    )
    call.triaged_at = timezone.now()
    call.triaged_by_id = actor.user_id
    call.triaged_by_name = actor.name[:200]
    call.updated_at = call.triaged_at
    call.save(
        update_fields=[
            "answers",
            "rule_set",
            "recommendation",
            "recommended_units",
            "reasons",
            "decision",
            "decision_reason",
            "is_mental_health",
            "cit_requested",
            "triaged_at",
            "triaged_by",
            "triaged_by_name",
            "updated_at",
        ]
    )
    audit.record(
        DispatchAudit.CALL_TRIAGED,
        actor=actor,
        organization_id=call.organization_id,
        obj=call,
        purpose=ACTIVE_CALL,
        before=before,
        after=_triage_snapshot(call) | {"matched": list(result.matched)},
    )
    return call


def _trainee_unit(trainee: Trainee) -> str:
    return f"{trainee.first_name} {trainee.last_name} ({trainee.badge_number})"[:60]


@transaction.atomic
def assign_unit(
    actor: Actor,
    *,
    call: Call,
    trainee: Trainee | None = None,
    team: Team | None = None,
    unit: str = "",
) -> CallAssignment:
    """Send a unit to a call: an officer from the roster, a team, or a unit by its call sign.
    Whether the officer holds a current CIT certification is read from Train now and kept. A
    team that is not available (on a call, or out of service) is not sent: the call waits in
    its queue, and the call counts as dispatched only once a unit is sent. A team out of
    service is refused."""
    _authorize(actor, Action.CHANGE, call)
    unit = unit.strip()
    chosen = [x for x in (trainee, team) if x is not None]
    if len(chosen) > 1:
        raise ValidationError(_("Send one officer or one team at a time."))
    if not chosen and not unit:
        raise ValidationError({"unit": _("Choose an officer or a team, or enter a call sign.")})
    if trainee is not None and (
        trainee.organization_id != call.organization_id or not trainee.is_active
    ):
        raise PermissionDenied("the officer is not on this agency's active roster")
    if team is not None and (team.organization_id != call.organization_id or not team.is_active):
        raise PermissionDenied("the team is not one of this agency's teams in service")
    if len(unit) > 60:
        raise ValidationError({"unit": _("Keep the call sign under 60 characters.")})
    now = timezone.now()
    certified = False
    if trainee is not None:
        certified = holds_cit(trainee, local_now(call.organization, now).date())
        unit = unit or _trainee_unit(trainee)
    elif team is not None:
        unit = unit or team.name[:60]
    queued = False
    if team is not None:
        # Locked, so that two calls sent at once cannot both find the team free; after the
        # agency's audit chain, as every service that locks a team does (``audit.hold_chain``).
        audit.hold_chain(call.organization_id)
        locked_team = Team.objects.select_for_update().get(pk=team.pk)
        if locked_team.status == TeamStatus.OUT_OF_SERVICE:
            raise ValidationError(
                {"team": _("%(team)s is out of service: choose another unit.") % {"team": team}}
            )
        queued = locked_team.status != TeamStatus.AVAILABLE
        if not queued:
            unit_services.team_sent(actor, locked_team)
    assignment = CallAssignment.objects.create(
        call=call,
        trainee=trainee,
        team=team,
        unit=unit,
        cit_certified=certified,
        assigned_at=now,
        assigned_by_id=actor.user_id,
        status=AssignmentStatus.QUEUED if queued else AssignmentStatus.SENT,
    )
    before = audit.snapshot(call, ("units", "cit_dispatched", "dispatched_at"))
    if not queued:
        if unit not in call.units:
            call.units = [*call.units, unit]
        call.cit_dispatched = call.cit_dispatched or certified
        if call.dispatched_at is None:
            call.dispatched_at = max(now, call.received_at)
    call.updated_at = now
    call.save(update_fields=["units", "cit_dispatched", "dispatched_at", "updated_at"])
    audit.record(
        DispatchAudit.UNIT_ASSIGNED,
        actor=actor,
        organization_id=call.organization_id,
        obj=call,
        purpose=ACTIVE_CALL,
        before=before,
        after=audit.snapshot(call, ("units", "cit_dispatched", "dispatched_at"))
        | {
            "assignment": assignment.pk,
            "trainee": trainee.pk if trainee else None,
            "team": team.pk if team else None,
            "cit_certified": certified,
            "status": assignment.status,
        },
    )
    return assignment


@transaction.atomic
def link_person(actor: Actor, *, call: Call, person: Person, role: str) -> CallPerson:
    """Record that a person is involved in a call, and how."""
    _authorize(actor, Action.CHANGE, call)
    _authorize(actor, Action.VIEW, person)
    if person.organization_id != call.organization_id:
        raise PermissionDenied("the person is recorded by another organization")
    if role not in PersonRole.values:
        raise ValidationError({"role": _("Choose how the person is involved.")})
    if CallPerson.objects.filter(call=call, person=person).exists():
        raise ValidationError(_("This person is already on the call."))
    link = CallPerson.objects.create(call=call, person=person, role=role)
    # Who was on a call is part of the call: its figures (a repeat call) are built again.
    call.updated_at = timezone.now()
    call.save(update_fields=["updated_at"])
    audit.record(
        PeopleAudit.PERSON_LINKED,
        actor=actor,
        organization_id=call.organization_id,
        obj=link,
        purpose=ACTIVE_CALL,
        after={"call": call.pk, "person": person.pk, "role": role},
    )
    return link


@transaction.atomic
def record_times(
    actor: Actor,
    *,
    call: Call,
    first_arrival_at: dt.datetime | None = None,
    cleared_at: dt.datetime | None = None,
    cit_arrived: bool | None = None,
    close_reason: str = "",
) -> Call:
    """Record when the first unit arrived and when the call was cleared (and whether a CIT
    officer arrived). Times must follow each other. A call with no unit sent and no transfer
    accepted is closed only with a reason."""
    _authorize(actor, Action.CHANGE, call)
    fields = ("first_arrival_at", "cleared_at", "cit_arrived", "close_reason")
    before = audit.snapshot(call, fields)
    close_reason = close_reason.strip()
    if len(close_reason) > CLOSE_REASON_MAX:
        raise ValidationError(
            {"close_reason": _("Keep it under %(n)d characters.") % {"n": CLOSE_REASON_MAX}}
        )
    changed = copy.copy(call)
    if first_arrival_at is not None:
        changed.first_arrival_at = first_arrival_at
    if cleared_at is not None:
        changed.cleared_at = cleared_at
    errors: dict[str, str] = {}
    _check_times(changed, errors)
    closing = cleared_at is not None and call.cleared_at is None and not close_reason
    if closing and not _has_unit_or_transfer(call):
        errors["close_reason"] = _(
            "No unit was sent and no transfer was accepted: say why the call is closed."
        )
    if errors:
        raise ValidationError(errors)
    call.first_arrival_at = changed.first_arrival_at
    call.cleared_at = changed.cleared_at
    if cit_arrived is not None:
        call.cit_arrived = cit_arrived
    if close_reason:
        call.close_reason = close_reason
    call.updated_at = timezone.now()
    call.save(update_fields=[*fields, "updated_at"])
    # A closed call leaves every queue it waits in, so no team is later sent to it.
    withdrawn: list[int] = []
    if call.cleared_at is not None:
        waiting = CallAssignment.objects.select_for_update().filter(
            call=call, status=AssignmentStatus.QUEUED
        )
        withdrawn = sorted(waiting.values_list("pk", flat=True))
        waiting.update(status=AssignmentStatus.CANCELLED)
    audit.record(
        DispatchAudit.CALL_CHANGED,
        actor=actor,
        organization_id=call.organization_id,
        obj=call,
        purpose=ACTIVE_CALL,
        before=before,
        after=audit.snapshot(call, fields) | ({"queue_cancelled": withdrawn} if withdrawn else {}),
    )
    return call


def _has_unit_or_transfer(call: Call) -> bool:
    sent = CallAssignment.objects.filter(call=call).exclude(
        status__in=(AssignmentStatus.QUEUED, AssignmentStatus.CANCELLED)
    )
    return bool(call.units) or sent.exists() or call.transfers.filter(accepted=True).exists()


@transaction.atomic
def record_transfer(
    actor: Actor,
    *,
    call: Call,
    line: str,
    accepted: bool,
    transferred_at: dt.datetime | None = None,
) -> CallTransfer:
    """Record a warm transfer of the call to 988 or the local crisis line, its time and
    whether the line took it. One not accepted falls back to a unit: the call's decision
    becomes what the rules advise without the transfer, with that reason."""
    _authorize(actor, Action.CHANGE, call)
    Call.objects.select_for_update().filter(pk=call.pk).values_list("pk").get()
    call.refresh_from_db()
    if line not in CrisisLine.values:
        raise ValidationError({"transfer_line": _("Choose 988 or the local crisis line.")})
    now = timezone.now()
    when = transferred_at or now
    if when > times.latest_allowed(now):
        raise ValidationError({"transferred_at": _("The transfer cannot be later than now.")})
    if when < call.received_at:
        raise ValidationError(
            {"transferred_at": _("The transfer cannot come before the call was received.")}
        )
    transfer = CallTransfer.objects.create(
        call=call,
        line=line,
        transferred_at=when,
        accepted=accepted,
        recorded_at=now,
        recorded_by_id=actor.user_id,
    )
    before = audit.snapshot(call, ("recommendation", "decision", "recommended_units"))
    changed = ["updated_at"]
    if not accepted:
        rule_set = call.rule_set or published_or_default(call.organization)
        answers = triage.clean_answers(call.answers)
        fallback = triage.evaluate(
            compiled(rule_set),
            answers,
            on_duty(call.organization).availability,
            without_transfer=True,
        )
        not_taken = _("The warm transfer to %(line)s was not accepted.") % {
            "line": transfer.get_line_display()
        }
        # The recommendation becomes the fallback's units, all of them. A decision that was
        # the transfer follows it; a route the call-taker chose with a reason stays theirs.
        followed = call.decision in ("", Routing.TRANSFER_988, call.recommendation)
        call.recommendation = fallback.route
        call.recommended_units = [str(unit) for unit in fallback.units]
        if followed:
            call.decision = fallback.route
            call.decision_reason = ""
        call.reasons = [
            *call.reasons,
            *(r for r in (not_taken, *fallback.reasons) if r not in call.reasons),
        ]
        changed += ["recommendation", "decision", "decision_reason", "recommended_units", "reasons"]
    call.updated_at = now
    call.save(update_fields=changed)
    audit.record(
        DispatchAudit.CALL_CHANGED,
        actor=actor,
        organization_id=call.organization_id,
        obj=call,
        purpose=ACTIVE_CALL,
        before=before,
        after=audit.snapshot(call, ("recommendation", "decision", "recommended_units"))
        | {
            "transfer": transfer.pk,
            "transfer_line": line,
            "transfer_accepted": accepted,
            "transferred_at": when.isoformat(),
        },
    )
    return transfer


@transaction.atomic
def dispatch_units(actor: Actor, *, call: Call, duty: OnDuty | None = None) -> list[CallAssignment]:
    """Send the call's decided response: the recommended units when the call-taker followed
    the recommendation, else the one route chosen. Teams free now are sent, busy teams queue
    the call; a transfer or a referral sends nothing."""
    _authorize(actor, Action.CHANGE, call)
    duty = duty if duty is not None else on_duty(call.organization)
    if call.decision and call.decision != call.recommendation:
        routes: list[Routing] = [Routing(call.decision)]
    else:
        routes = [Routing(u) for u in call.recommended_units if u in Routing.values]
    plan = plan_units(routes, duty, team_queues(duty.teams))
    sent: list[CallAssignment] = []
    for planned in plan:
        sent.append(
            assign_unit(
                actor,
                call=call,
                trainee=planned.trainee,
                team=planned.team,
                unit="" if planned.team or planned.trainee else planned.call_sign,
            )
        )
    return sent


@transaction.atomic
def take_call(
    actor: Actor,
    *,
    organization: Organization,
    cad_event_id: str,
    received_at: dt.datetime,
    answers: dict[str, Any],
    decision: str | None = None,
    decision_reason: str = "",
    trainees: Sequence[Trainee] = (),
    teams: Sequence[Team] = (),
    unit: str = "",
    person: dict[str, Any] | None = None,
    person_role: str = PersonRole.SUBJECT,
    dispatch_recommended: bool = False,
    transfer_line: str = "",
    transfer_accepted: bool | None = None,
    **fields: Any,
) -> Call:
    """The call-taker's screen in one transaction: record the call, the person involved if
    any, the triage, a warm transfer and the units sent. With ``dispatch_recommended`` and no
    unit chosen by hand, the decided response is sent (``dispatch_units``). A transfer not
    accepted sends the fallback's units. Any refusal leaves nothing behind."""
    call = create_call(
        actor,
        organization=organization,
        cad_event_id=cad_event_id,
        received_at=received_at,
        **fields,
    )
    if person:
        recorded = people_services.create_person(
            actor, organization=organization, purpose=ACTIVE_CALL, **person
        )
        link_person(actor, call=call, person=recorded, role=person_role)
    triage_call(
        actor, call=call, answers=answers, decision=decision, decision_reason=decision_reason
    )
    transferred = bool(transfer_line) or transfer_accepted is not None
    if transferred:
        if not transfer_line or transfer_accepted is None:
            raise ValidationError(
                {
                    "transfer_line": _(
                        "For a warm transfer, choose the line and whether it was accepted."
                    )
                }
            )
        record_transfer(actor, call=call, line=transfer_line, accepted=transfer_accepted)
        call.refresh_from_db()
    elif call.decision == Routing.TRANSFER_988 and dispatch_recommended:
        raise ValidationError(
            {"transfer_line": _("Record the warm transfer: the line and whether it was accepted.")}
        )
    by_hand = bool(trainees or teams or unit.strip())
    if dispatch_recommended and not by_hand:
        dispatch_units(actor, call=call)
    for trainee in trainees:
        assign_unit(actor, call=call, trainee=trainee)
    for team in teams:
        assign_unit(actor, call=call, team=team)
    if unit.strip():
        assign_unit(actor, call=call, unit=unit)
    return call
