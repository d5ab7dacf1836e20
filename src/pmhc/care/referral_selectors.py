"""Every read of referrals, narrowed to what the actor may see.

Two sides read a referral. The *sender* (the organization that holds it) reads its own
referrals whole: the reason is clinical, read through ``platform.restricted`` (an audited
read), and the person through ``people.selectors``. The *receiving provider* (the service's
organization) reads only what the referral grants it: the person's name, date of birth or age,
the reason, the service, who sent it and how to reach them, and the appointment. Never the
encounter, the contact note, the case or anything else of the sender's records. Each reading
of the person's details or the reason by the provider is audited. Another provider, and any
organization that is neither, finds nothing (404, as for a missing referral).

When the referral crossed to another organization under the person's consent, the provider
reads the person's details and the reason only while that consent is in force: a revocation
takes effect at the next reading.

Transitions: ``TRANSITIONS`` is the one table of which state may follow which. The provider
moves a referral through it; the sender may only close it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.http import Http404, QueryDict
from django.utils import timezone

from pmhc.care.audit_codes import CareAudit
from pmhc.care.models import (
    REFERRAL_SENDERS,
    Case,
    Referral,
    ReferralEvent,
    ReferralSource,
    ReferralStatus,
    Service,
    ServiceKind,
)
from pmhc.people.consent_selectors import consent_allows
from pmhc.people.models import Person
from pmhc.people.selectors import people_in_encounter, read_people
from pmhc.platform import audit, dates, keyset, restricted
from pmhc.platform.access import Action, Actor, Target, decide, get_or_404, restrict
from pmhc.platform.models import Classification, Purpose, Role
from pmhc.response.models import ContactNote, Encounter
from pmhc.response.selectors import encounter_detail

PURPOSE = Purpose.CASE_MANAGEMENT
S = ReferralStatus

#: Which state may follow which. ``closed`` may follow any state but itself; a person who did
#: not attend may be booked again.
TRANSITIONS: Mapping[str, frozenset[str]] = {
    S.SENT: frozenset({S.RECEIVED, S.ACCEPTED, S.DECLINED, S.CLOSED}),
    S.RECEIVED: frozenset({S.ACCEPTED, S.DECLINED, S.CLOSED}),
    S.ACCEPTED: frozenset({S.SCHEDULED, S.DECLINED, S.CLOSED}),
    S.SCHEDULED: frozenset({S.SCHEDULED, S.ATTENDED, S.NO_SHOW, S.CLOSED}),
    S.ATTENDED: frozenset({S.ENGAGED, S.CLOSED}),
    S.ENGAGED: frozenset({S.CLOSED}),
    S.DECLINED: frozenset({S.CLOSED}),
    S.NO_SHOW: frozenset({S.SCHEDULED, S.CLOSED}),
    S.CLOSED: frozenset(),
}
#: The states still waiting on the provider: a referral in one of them has not yet been
#: scheduled.
WAITING = frozenset({S.SENT, S.RECEIVED, S.ACCEPTED})
#: What each side may move a referral to.
PROVIDER_MOVES = frozenset(s for s in S.values if s != S.SENT)
SENDER_MOVES = frozenset({S.CLOSED.value})
#: Who works the referrals a provider receives.
PROVIDER_STAFF = frozenset({Role.COORDINATOR, Role.CLINICIAN, Role.CASE_MANAGER})
#: The scope an API key of the provider needs: ``referrals:read`` / ``referrals:write``.
SCOPE = "referrals"
#: Lists: newest first, a page at a time.
ORDER = ("-sent_at", "-pk")
ORDER_KINDS = (dt.datetime, int)
PAGE_SIZE = 25
#: How many events a referral's timeline shows at most.
TIMELINE_LIMIT = 50
#: How many stalled referrals the coordinator's list shows at most, the oldest first.
STALLED_LIMIT = 100
#: A referral not received within this many business days, or not scheduled within this many
#: days of being sent, has stalled.
RECEIVE_WITHIN_BUSINESS_DAYS = 1
SCHEDULE_WITHIN = dt.timedelta(days=7)
#: What the sender's list and page read of the service and the provider.
LIST_RELATED = ("service", "provider", "organization", "sent_by")


# --- What the policy sees -------------------------------------------------------------------


def sending_target(organization_id: int) -> Target:
    """An organization's referrals as the policy sees them, before one exists."""
    return Target(
        organization_ids=frozenset({organization_id}),
        access_classification=Classification.AGENCY,
        access_write_roles=REFERRAL_SENDERS,
        access_read_roles=REFERRAL_SENDERS,
    )


def provider_target(provider_id: int) -> Target:
    """What a referral grants its receiving provider, as the policy sees it: held, for the
    provider, by the provider itself; its staff (or its API key, with the ``referrals``
    scope) read and move it."""
    return Target(
        organization_ids=frozenset({provider_id}),
        access_classification=Classification.AGENCY,
        access_write_roles=PROVIDER_STAFF,
        access_read_roles=PROVIDER_STAFF,
        scope=SCOPE,
    )


def change_target(referral: Referral) -> Target:
    """A change of a referral: held by the sender, a record both sides write (the sender may
    close it, the provider moves it through its states)."""
    participants: dict[int, frozenset[str]] = {referral.organization_id: SENDER_MOVES}
    if referral.provider_id is not None:
        participants[referral.provider_id] = (
            participants.get(referral.provider_id, frozenset()) | PROVIDER_MOVES
        )
    return Target(
        organization_ids=frozenset({referral.organization_id}),
        access_classification=Classification.AGENCY,
        access_write_roles=REFERRAL_SENDERS | PROVIDER_STAFF,
        participants=participants,
    )


def may_move(actor: Actor, referral: Referral, status: str) -> bool:
    """Whether the actor may move the referral to ``status`` now: the transition is in the
    table, and the actor's side may write it."""
    if status not in TRANSITIONS.get(referral.status, frozenset()):
        return False
    if actor.kind == "api_key":
        return (
            referral.provider_id is not None
            and status in PROVIDER_MOVES
            and bool(decide(actor, Action.CHANGE, provider_target(referral.provider_id), PURPOSE))
        )
    return bool(decide(actor, Action.CHANGE, change_target(referral), PURPOSE, transition=status))


def next_states(actor: Actor, referral: Referral) -> list[str]:
    """The states the actor may move the referral to, in the order of the states."""
    return [s for s in S.values if may_move(actor, referral, s)]


def sends_referrals(actor: Actor) -> bool:
    org = actor.organization_id
    return org is not None and bool(decide(actor, Action.CREATE, sending_target(org), PURPOSE))


def reads_sent(actor: Actor) -> bool:
    org = actor.organization_id
    return org is not None and bool(decide(actor, Action.VIEW, sending_target(org), PURPOSE))


def receives_referrals(actor: Actor) -> bool:
    """Whether the actor works the referrals their organization receives."""
    org = actor.organization_id
    return org is not None and bool(decide(actor, Action.VIEW, provider_target(org), PURPOSE))


# --- Sending --------------------------------------------------------------------------------


#: How many services the form offers at most.
SERVICES_LIMIT = 200


def referable_services(actor: Actor) -> QuerySet[Service]:
    """The services a referral may go to: listed in a directory the actor may read, taking
    referrals through pmhc, run by an organization that uses it."""
    return restrict(actor, Service.objects.all(), Action.VIEW, PURPOSE).filter(
        active=True, accepts_referrals=True, provider__isnull=False
    )


def service_choices(actor: Actor) -> list[Service]:
    return list(
        referable_services(actor).select_related("provider").order_by("name", "pk")[:SERVICES_LIMIT]
    )


#: Services whose very name says the person uses substances (Part 2 data).
SUBSTANCE_USE_KINDS = frozenset({ServiceKind.DETOX.value, ServiceKind.SUBSTANCE_USE.value})


def reason_classification(service_kind: str) -> Classification:
    """What a referral's reason is: to a detox or substance-use service it is substance-use
    data (42 CFR Part 2), to any other service clinical."""
    if service_kind in SUBSTANCE_USE_KINDS:
        return Classification.SUBSTANCE_USE
    return Classification.CLINICAL


def consent_for(
    person: Person, provider_id: int, *, today: dt.date, service_kind: str = ""
) -> object | None:
    """The consent in force that lets the person's details and the reason reach the provider
    for case management, or ``None``: to a detox or substance-use service, a Part 2 consent
    naming the provider."""
    return consent_allows(
        person.pk, provider_id, PURPOSE, reason_classification(service_kind), today
    )


def needs_consent(sender_id: int, provider_id: int) -> bool:
    """A referral to another organization carries the person's details and a clinical reason
    across: it needs the person's consent."""
    return sender_id != provider_id


# --- The sender's side ----------------------------------------------------------------------


def reads_clinical_sent(actor: Actor) -> bool:
    """Whether the actor may read the clinical side of the referrals their organization sent
    (asked as the policy decides the ``reason``: its clinical read for the purpose)."""
    org = actor.organization_id
    return org is not None and bool(
        decide(
            actor,
            Action.VIEW,
            sending_target(org),
            PURPOSE,
            classification=Classification.CLINICAL,
        )
    )


def sent_visible(actor: Actor, query: QuerySet[Referral]) -> QuerySet[Referral]:
    """The sent referrals the actor may see at all. A referral from a contact note or a case,
    or to a detox or substance-use service, tells of the person's clinical care: those without
    a clinical read see only referrals from an encounter report to other services, and the
    referrals they sent themselves."""
    if reads_clinical_sent(actor):
        return query
    allowed = Q(source=ReferralSource.ENCOUNTER) & ~Q(service__kind__in=sorted(SUBSTANCE_USE_KINDS))
    if actor.user_id is not None:
        allowed |= Q(sent_by_id=actor.user_id)
    return query.filter(allowed)


def sent_list(actor: Actor, params: QueryDict, status: str = "") -> keyset.KeysetPage[Referral]:
    """The referrals the actor's organization sent, newest first, a page at a time (no
    personal or clinical field is shown in the list)."""
    org = actor.organization_id
    if org is None:
        return keyset.paginate(
            Referral.objects.none(), params, order=ORDER, kinds=ORDER_KINDS, size=PAGE_SIZE
        )
    query = sent_visible(
        actor,
        restrict(actor, Referral.objects.filter(organization_id=org), Action.VIEW, PURPOSE),
    )
    if status in S.values:
        query = query.filter(status=status)
    return keyset.paginate(
        query.select_related(*LIST_RELATED), params, order=ORDER, kinds=ORDER_KINDS, size=PAGE_SIZE
    )


@dataclass(frozen=True)
class SenderRead:
    referral: Referral
    fields: restricted.FieldsRead
    person: Person | None
    events: list[ReferralEvent]
    moves: list[str]
    #: Whether the reader sees the events' notes (clinical).
    shows_notes: bool = False
    #: Whether events older than those shown exist.
    older_events: bool = False


def _timeline(referral: Referral) -> tuple[list[ReferralEvent], bool]:
    """The referral's newest events (at most TIMELINE_LIMIT), in time order, and whether
    older ones exist."""
    newest = list(
        ReferralEvent.objects.filter(referral=referral)
        .select_related("by", "by_key")
        .order_by("-at", "-pk")[: TIMELINE_LIMIT + 1]
    )
    return newest[:TIMELINE_LIMIT][::-1], len(newest) > TIMELINE_LIMIT


def _has_notes(events: list[ReferralEvent]) -> bool:
    return any(event.note for event in events)


def sent_detail(actor: Actor, pk: int) -> SenderRead:
    """One referral the actor's organization sent, with its timeline; the reason and the
    person are audited reads. 404 for anyone else."""
    referral = get_or_404(
        actor,
        sent_visible(
            actor, Referral.objects.filter(organization_id=actor.organization_id or 0)
        ).select_related(*LIST_RELATED, "person"),
        Action.VIEW,
        PURPOSE,
        pk=pk,
    )
    fields = restricted.read(actor, referral, PURPOSE, audit_action=CareAudit.REFERRAL_READ)
    people = read_people(actor, [referral.person], purpose=PURPOSE)
    events, older = _timeline(referral)
    # The events' notes are clinical: shown to those who read the reason, and the reading
    # is audited.
    shows_notes = fields.may_read("reason")
    if shows_notes and _has_notes(events):
        audit.record_read(
            CareAudit.REFERRAL_READ,
            actor=actor,
            organization_id=referral.organization_id,
            obj=referral,
            purpose=PURPOSE,
            fields=["notes"],
        )
    return SenderRead(
        referral,
        fields,
        people[0] if people else None,
        events,
        next_states(actor, referral),
        shows_notes=shows_notes,
        older_events=older,
    )


def referral_for_sender_change(actor: Actor, pk: int) -> Referral:
    return get_or_404(
        actor,
        sent_visible(
            actor, Referral.objects.filter(organization_id=actor.organization_id or 0)
        ).select_related("service"),
        Action.VIEW,
        PURPOSE,
        pk=pk,
    )


# --- The provider's side --------------------------------------------------------------------


def _provider_referral(actor: Actor, pk: int) -> Referral:
    """A referral to the actor's organization (a member of its staff, or its API key);
    404 for anyone else, as for a missing one."""
    org = actor.organization_id
    found = (
        Referral.objects.filter(pk=pk, provider_id=org)
        .select_related("service", "organization", "sent_by", "person")
        .first()
        if org is not None
        else None
    )
    if found is None or not decide(actor, Action.VIEW, provider_target(org or 0), PURPOSE):
        raise Http404("Not found")
    return found


def inbox(actor: Actor, params: QueryDict, status: str = "") -> keyset.KeysetPage[Referral]:
    """The referrals the actor's organization received, newest first, a page at a time (the
    list names no person: the referral's page does, as an audited read)."""
    org = actor.organization_id
    query = Referral.objects.none()
    if org is not None and receives_referrals(actor):
        query = Referral.objects.filter(provider_id=org)
        if status in S.values:
            query = query.filter(status=status)
    return keyset.paginate(
        query.select_related("service", "organization"),
        params,
        order=ORDER,
        kinds=ORDER_KINDS,
        size=PAGE_SIZE,
    )


@dataclass(frozen=True)
class Granted:
    """What the referral grants its receiving provider."""

    referral: Referral
    #: The person's details, while the consent it relied on is in force (else ``None``).
    name: str | None
    date_of_birth: dt.date | None
    approximate_age: int | None
    #: The reason: ``None`` when the reader's role reads no clinical data or consent ended.
    reason: str | None
    consent_in_force: bool
    sender_name: str
    sender_email: str
    moves: list[str]
    #: The timeline (its page only), with the notes for those who read the reason.
    events: list[ReferralEvent] = field(default_factory=list)
    shows_notes: bool = False
    older_events: bool = False


#: The person's details a referral grants its provider.
GRANTED_PERSON_FIELDS = ("family_name", "given_name", "date_of_birth", "approximate_age")


def _consent_in_force(referral: Referral) -> bool:
    if referral.provider_id is None:
        return False
    if not needs_consent(referral.organization_id, referral.provider_id):
        return True
    today = dates.today_in(referral.organization.time_zone)
    return (
        consent_for(
            referral.person, referral.provider_id, today=today, service_kind=referral.service.kind
        )
        is not None
    )


def _granted(actor: Actor, referral: Referral, *, timeline: bool = False) -> Granted:
    """What the referral grants the provider reading it, with the reading audited; with its
    timeline when ``timeline``."""
    in_force = _consent_in_force(referral)
    reads_reason = bool(
        decide(
            actor,
            Action.VIEW,
            provider_target(referral.provider_id or 0),
            PURPOSE,
            classification=Classification.CLINICAL,
        )
    )
    person = referral.person
    if in_force and (
        person.organization_id == actor.organization_id
        or not needs_consent(referral.organization_id, referral.provider_id or 0)
    ):
        # The provider holds the person's record itself, or the referral stayed inside one
        # organization and relied on no consent (the record may be a partner's): the rules
        # for people apply, not the referral's grant.
        in_force = bool(decide(actor, Action.VIEW, person, PURPOSE))
    events, older = _timeline(referral) if timeline else ([], False)
    shows_notes = in_force and reads_reason
    if in_force:
        shown = [f"person.{name}" for name in GRANTED_PERSON_FIELDS if getattr(person, name)]
        if reads_reason and referral.reason:
            shown.append("reason")
        if shows_notes and _has_notes(events):
            shown.append("notes")
        audit.record_read(
            CareAudit.REFERRAL_PROVIDER_READ,
            actor=actor,
            organization_id=referral.organization_id,
            obj=referral,
            purpose=PURPOSE,
            fields=shown,
        )
    sender = referral.sent_by
    return Granted(
        referral=referral,
        name=str(person) if in_force else None,
        date_of_birth=person.date_of_birth if in_force else None,
        approximate_age=person.approximate_age if in_force else None,
        reason=referral.reason if in_force and reads_reason else None,
        consent_in_force=in_force,
        sender_name=sender.display_name if sender else "",
        sender_email=sender.email if sender else "",
        moves=next_states(actor, referral),
        events=events,
        shows_notes=shows_notes,
        older_events=older,
    )


def received_detail(actor: Actor, pk: int) -> Granted:
    """One referral to the actor's organization, showing only what it grants, with its
    timeline; the reading of the person's details, the reason and the notes is audited."""
    return _granted(actor, _provider_referral(actor, pk), timeline=True)


def referral_for_provider_change(actor: Actor, pk: int) -> Referral:
    return _provider_referral(actor, pk)


def _by_fhir_id(fhir_id: str) -> Referral | None:
    return (
        Referral.objects.filter(fhir_id=fhir_id)
        .select_related("service", "organization", "provider", "sent_by", "person")
        .first()
    )


def _is_provider(actor: Actor, referral: Referral, action: Action = Action.VIEW) -> bool:
    return (
        referral.provider_id is not None
        and referral.provider_id == actor.organization_id
        and bool(decide(actor, action, provider_target(referral.provider_id), PURPOSE))
    )


@dataclass(frozen=True)
class ApiRead:
    referral: Referral
    person_name: str | None
    reason: str | None


def referral_for_api(actor: Actor, fhir_id: str) -> ApiRead:
    """A referral by its FHIR id, for its provider or its sender (an API key with the
    ``referrals:read`` scope, or a signed-in member), with the person's name and the reason
    as far as the reader may read them (audited reads); 404 for anyone else."""
    found = _by_fhir_id(fhir_id)
    if found is None:
        raise Http404("Not found")
    if _is_provider(actor, found):
        granted = _granted(actor, found)
        return ApiRead(found, granted.name, granted.reason)
    if found.organization_id != actor.organization_id or not decide(
        actor, Action.VIEW, found, PURPOSE
    ):
        raise Http404("Not found")
    fields = restricted.read(actor, found, PURPOSE, audit_action=CareAudit.REFERRAL_READ)
    people = read_people(actor, [found.person], purpose=PURPOSE)
    return ApiRead(found, str(people[0]) if people else None, fields.data("reason"))


def referral_for_api_change(actor: Actor, fhir_id: str) -> Referral:
    """A referral to the actor's organization, for its provider to update; 404 otherwise."""
    found = _by_fhir_id(fhir_id)
    if found is None or not _is_provider(actor, found, Action.CHANGE):
        raise Http404("Not found")
    return found


def last_note(referral: Referral) -> str:
    """The note of the referral's latest event ("" when it has none)."""
    event = ReferralEvent.objects.filter(referral=referral).order_by("-at", "-pk").first()
    return event.note if event is not None else ""


# --- Stalled referrals ----------------------------------------------------------------------


def business_days_back(moment: dt.datetime, days: int, time_zone: str) -> dt.datetime:
    """The latest moment a referral may have been sent and have waited ``days`` business days
    (Monday to Friday, by the clock of ``time_zone``) by ``moment``: one sent at or before it
    has waited that long. A business day ends at the same time of the next business day (sent
    Friday 09:00, it has waited one at Monday 09:00); a referral sent at the weekend starts
    waiting on Monday morning. At the weekend, no business time passes: the count stands where
    Friday ended."""
    zone = dates.zone(time_zone or "UTC")
    local = timezone.localtime(moment, zone).replace(tzinfo=None)
    if local.weekday() >= 5:
        # At the weekend, the clock stopped at the end of Friday (Saturday 00:00).
        saturday = local.date() - dt.timedelta(days=local.weekday() - 5)
        local = dt.datetime.combine(saturday, dt.time())
    for _ in range(days):
        local -= dt.timedelta(days=1)
        while local.weekday() >= 5:
            local -= dt.timedelta(days=1)
    # Wall-clock arithmetic: the same time of day across a change of daylight saving time.
    return timezone.make_aware(local, zone)


def stalled_condition(now: dt.datetime, time_zone: str) -> Q:
    """Not received within one business day, or not scheduled within seven days."""
    not_received = Q(
        status=S.SENT,
        sent_at__lte=business_days_back(now, RECEIVE_WITHIN_BUSINESS_DAYS, time_zone),
    )
    not_scheduled = Q(status__in=sorted(WAITING), sent_at__lt=now - SCHEDULE_WITHIN)
    return not_received | not_scheduled


def stalled_list(actor: Actor, limit: int = STALLED_LIMIT) -> list[Referral]:
    """The actor's organization's referrals that have not moved, the oldest first (no
    personal or clinical field is shown)."""
    org = actor.organization_id
    if org is None or not reads_sent(actor):
        return []
    now = timezone.now()
    return list(
        sent_visible(
            actor,
            restrict(actor, Referral.objects.filter(organization_id=org), Action.VIEW, PURPOSE),
        )
        .filter(stalled_condition(now, actor.time_zone))
        .select_related(*LIST_RELATED)
        .order_by("sent_at", "pk")[:limit]
    )


def is_stalled(referral: Referral, time_zone: str, now: dt.datetime | None = None) -> bool:
    now = now or timezone.now()
    if referral.status == S.SENT and referral.sent_at <= business_days_back(
        now, RECEIVE_WITHIN_BUSINESS_DAYS, time_zone
    ):
        return True
    return referral.status in WAITING and referral.sent_at < now - SCHEDULE_WITHIN


# --- Measures -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Intervals:
    """What Measure counts of one referral: the time from the encounter to the referral, and
    from the referral to the first appointment and to engagement."""

    encounter_to_referral: dt.timedelta | None
    referral_to_first_appointment: dt.timedelta | None
    referral_to_engagement: dt.timedelta | None


def intervals(referral: Referral, encounter_at: dt.datetime | None = None) -> Intervals:
    def since(start: dt.datetime | None, end: dt.datetime | None) -> dt.timedelta | None:
        return end - start if start is not None and end is not None else None

    return Intervals(
        since(encounter_at, referral.sent_at),
        since(referral.sent_at, referral.attended_at),
        since(referral.sent_at, referral.engaged_at),
    )


# --- Where a referral comes from ------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """What a new referral is sent from, and the people it may be about."""

    kind: str
    encounter: Encounter | None
    contact_note: ContactNote | None
    case: Case | None
    people: list[Person]

    @property
    def query(self) -> str:
        """The new referral page's query string for this source."""
        obj = self.encounter or self.contact_note or self.case
        assert obj is not None
        return f"{self.kind}={obj.pk}"


def _pk(raw: str | None) -> int | None:
    try:
        return int(raw) if raw else None
    except ValueError:
        return None


def referral_source(actor: Actor, params: QueryDict) -> Source:
    """The encounter (``?encounter=``), contact note (``?note=``) or case (``?case=``) of the
    actor's organization a referral is sent from, with the people the actor may read in it
    (each an audited read); 404 when there is none the actor may send from."""
    org = actor.organization_id
    if org is None or not sends_referrals(actor):
        raise Http404("Not found")
    encounter_pk, note_pk, case_pk = (_pk(params.get(k)) for k in ("encounter", "note", "case"))
    if encounter_pk is not None:
        encounter = encounter_detail(actor, encounter_pk)
        if encounter.organization_id != org:
            raise Http404("Not found")
        people = people_in_encounter(actor, encounter.pk, purpose=PURPOSE)
        return Source("encounter", encounter, None, None, people)
    if note_pk is not None:
        note = get_or_404(
            actor,
            ContactNote.objects.filter(organization_id=org).select_related("person", "call"),
            Action.VIEW,
            PURPOSE,
            pk=note_pk,
        )
        people = read_people(actor, [note.person], purpose=PURPOSE) if note.person else []
        return Source("note", None, note, None, people)
    if case_pk is not None:
        case = get_or_404(
            actor,
            Case.objects.filter(organization_id=org).select_related("person"),
            Action.VIEW,
            PURPOSE,
            pk=case_pk,
        )
        people = read_people(actor, [case.person], purpose=PURPOSE)
        return Source("case", None, None, case, people)
    raise Http404("Not found")
