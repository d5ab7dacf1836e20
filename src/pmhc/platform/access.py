"""The one access policy.

``decide(actor, action, obj, purpose)`` answers "may this actor do this to this object, for
this purpose?" with a reason; ``restrict(actor, queryset, action, purpose)`` answers "which
objects may they?" as a narrowed query. Both read the same tables below, so the answer for one
object and for a list can never disagree. Anything not granted here is denied.

Inputs: the actor's role in each of their organizations; how the object's organization relates
to theirs (the same, or a partner under a data-sharing agreement in force today that covers the
data's classification and the purpose); the purpose; the data's classification; and, for
clinical and substance-use data crossing organizations, the person's consent.

``require(actor, action, obj, purpose)`` is ``decide`` for pages and selectors: it raises the
same 404 that a missing record gives.

Consent. For CLINICAL and SUBSTANCE_USE data that crosses organizations, ``decide`` asks the one
consent check that the ``people`` app registers at start-up (``register_consent_check``), so
this module imports no domain app. A record names its person with ``access_person_id``; the
check answers for (person, recipient organization, purpose, classification, the recipient's
today) from the database at the moment of the decision, so a revocation takes effect at once.
Substance-use (42 CFR Part 2) data needs a Part 2 consent that names the recipient organization:
a general consent does not count. Clinical data in an emergency needs none (45 CFR
164.512(j)); Part 2 data has no such exception here. With no check registered, or a record that
names no person, the answer is no. ``restrict`` leaves partners out for these classifications:
consent is per person, and the owning app's selector adds its own consent-aware condition.
A record of another classification may still need consent to cross: it names the consent data
class in ``access_consent_class`` (a response plan: safety data, shared with the person's
consent to share their plan), and is then treated as above, asked under that class.

Aggregates. ``AGGREGATE`` is the classification of de-identified counts (rollups, the figures of
a dashboard): never a row about a person. Analysts, and the roles that run and evaluate a
program, read and export it for evaluation; analysts are granted nothing personal. A figure
shown to the public passes through ``suppress_small_cells`` first: every count below
``MIN_CELL_SIZE`` (11) is withheld, and when one cell of a group is withheld the next smallest is
withheld with it, so that the group's total cannot give it back (complementary suppression
across several dimensions of a table is future work).

Shared records. A record that more than its holder writes (a referral: the sending agency and
the receiving provider) declares ``access_participants() -> {organization id: frozenset of the
fields and transitions it may write}``. A change of such a record must name what it writes
(``decide(..., fields=...)`` and/or ``transition=...``); each organization may write only what
its entry lists (the holder lists itself), with the role grants a change needs as usual.
Taking part grants no reads: the receiving provider reads only what the rules above grant it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.http import Http404
from django.utils import timezone

from pmhc.platform import dates
from pmhc.platform.models import (
    AgreementStatus,
    ApiKey,
    BreakGlassUse,
    Classification,
    DataSharingAgreement,
    Membership,
    Purpose,
    Role,
    User,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

C = Classification
P = Purpose


class Action(StrEnum):
    VIEW = "view"
    CREATE = "create"
    CHANGE = "change"
    DELETE = "delete"
    EXPORT = "export"
    MANAGE = "manage"  # run the organization itself: members, agreements, keys, audit


WRITE_ACTIONS = frozenset({Action.CREATE, Action.CHANGE, Action.DELETE})
ALL_PURPOSES = frozenset(P)
CARE = frozenset({P.ACTIVE_CALL, P.CASE_MANAGEMENT, P.EMERGENCY})
EVALUATION = frozenset({P.EVALUATION})

#: What each role may read, by classification, and for which purposes. Every member may see
#: their organization's agency-level directory (administration); the rest is by need.
#: Writes need the same grant and, in addition, membership of the organization that holds
#: the record.
ROLE_GRANTS: Mapping[Role, Mapping[Classification, frozenset[Purpose]]] = {
    Role.ADMINISTRATOR: {
        C.AGENCY: frozenset({P.ADMINISTRATION, P.EVALUATION}),
        C.AGGREGATE: EVALUATION,
    },
    Role.COORDINATOR: {
        C.AGENCY: frozenset({P.ADMINISTRATION, P.EVALUATION, P.CASE_MANAGEMENT, P.ACTIVE_CALL}),
        C.AGGREGATE: EVALUATION,
        C.PERSONAL: frozenset({P.CASE_MANAGEMENT}),
        C.SAFETY: frozenset({P.CASE_MANAGEMENT}),
    },
    Role.CALL_TAKER: {
        C.AGENCY: frozenset({P.ACTIVE_CALL, P.ADMINISTRATION}),
        C.PERSONAL: frozenset({P.ACTIVE_CALL, P.EMERGENCY}),
        C.SAFETY: frozenset({P.ACTIVE_CALL, P.EMERGENCY}),
    },
    Role.OFFICER: {
        C.AGENCY: frozenset({P.ACTIVE_CALL, P.CASE_MANAGEMENT, P.ADMINISTRATION}),
        C.PERSONAL: CARE,
        C.SAFETY: CARE,
        # 45 CFR 164.512(j): a serious and imminent threat may justify disclosure.
        C.CLINICAL: frozenset({P.EMERGENCY}),
    },
    Role.SUPERVISOR: {
        C.AGENCY: frozenset({P.ACTIVE_CALL, P.CASE_MANAGEMENT, P.EVALUATION, P.ADMINISTRATION}),
        C.AGGREGATE: EVALUATION,
        C.PERSONAL: CARE,
        C.SAFETY: CARE,
        C.CLINICAL: frozenset({P.EMERGENCY}),
    },
    Role.CLINICIAN: {
        C.AGENCY: frozenset({P.ACTIVE_CALL, P.CASE_MANAGEMENT, P.ADMINISTRATION}),
        C.PERSONAL: CARE,
        C.SAFETY: CARE,
        C.CLINICAL: CARE,
        # 42 CFR 2.51: medical personnel may receive Part 2 records in a medical emergency.
        C.SUBSTANCE_USE: frozenset({P.CASE_MANAGEMENT, P.EMERGENCY}),
    },
    Role.CASE_MANAGER: {
        C.AGENCY: frozenset({P.CASE_MANAGEMENT, P.ADMINISTRATION}),
        C.PERSONAL: frozenset({P.CASE_MANAGEMENT}),
        C.SAFETY: frozenset({P.CASE_MANAGEMENT}),
        C.CLINICAL: frozenset({P.CASE_MANAGEMENT}),
        C.SUBSTANCE_USE: frozenset({P.CASE_MANAGEMENT}),
    },
    Role.ANALYST: {
        # Analysts read counts, never rows about a person (least data).
        C.AGENCY: frozenset({P.EVALUATION, P.ADMINISTRATION}),
        C.AGGREGATE: EVALUATION,
    },
    Role.TTA_STAFF: {
        C.AGENCY: frozenset({P.ADMINISTRATION}),
        # The contact details in technical-assistance requests and library submissions.
        C.PERSONAL: frozenset({P.ADMINISTRATION}),
    },
    Role.SITE_COORDINATOR: {
        C.AGENCY: frozenset({P.ADMINISTRATION}),
        # The requester's contact details, only on requests matched to the coordinator's own
        # site: a request names the matched site's organization among its holders.
        C.PERSONAL: frozenset({P.ADMINISTRATION}),
    },
}

#: Roles that may run their own organization (members, agreements, API keys, audit trail).
MANAGING_ROLES = frozenset({Role.ADMINISTRATOR})
#: Roles that may export aggregate (agency-classified) data for evaluation.
EXPORTING_ROLES = frozenset({Role.ADMINISTRATOR, Role.COORDINATOR, Role.SUPERVISOR, Role.ANALYST})
#: Crossing an organization's boundary with these needs the person's consent too.
CONSENT_REQUIRED = frozenset({C.CLINICAL, C.SUBSTANCE_USE})
#: Counts below this are withheld from any figure shown outside the organizations that hold the
#: data (the usual small-cell rule for de-identified public figures).
MIN_CELL_SIZE = 11
#: What a withheld count is shown as.
SUPPRESSED = "<11"

#: (person id, recipient organization id, purpose, classification, the recipient's today) ->
#: the consent (a record with a ``pk``) that lets the person's data of that classification reach
#: that organization, or ``None``.
ConsentCheck = Callable[[int, int, str, str, dt.date], Any]
_consent_check: ConsentCheck | None = None


def register_consent_check(check: ConsentCheck | None) -> None:
    """Install the one function the policy asks about consent (``people`` does this in its
    ``AppConfig.ready``). ``None`` removes it: the policy then finds no consent anywhere."""
    global _consent_check  # one hook, set once at start-up
    _consent_check = check


def suppress_small_cells(counts: Mapping[Any, int]) -> dict[Any, int | None]:
    """The counts as a public figure may show them: a count from 1 to ``MIN_CELL_SIZE - 1`` is
    withheld (``None``; show ``SUPPRESSED``). If exactly one cell is withheld, the smallest other
    non-zero count is withheld too, so the total shown beside them cannot give it back. Zeros
    stay: a zero discloses nobody."""
    shown: dict[Any, int | None] = {
        key: (None if 0 < count < MIN_CELL_SIZE else count) for key, count in counts.items()
    }
    withheld = [key for key, value in shown.items() if value is None]
    if len(withheld) == 1:
        others = [(count, str(key), key) for key, count in counts.items() if shown[key]]
        if others:
            shown[min(others)[2]] = None
    return shown


@dataclass(frozen=True)
class Grant:
    organization_id: int
    role: Role


@dataclass(frozen=True)
class PartnerCover:
    """What one active agreement lets the actor's organization see of a partner's data."""

    own_organization_id: int
    partner_organization_id: int
    classifications: frozenset[str]
    purposes: frozenset[str]


@dataclass(frozen=True)
class MembershipChoice:
    """One organization a person may act for (an active membership), for the header switch."""

    organization_id: int
    name: str
    role: Role


@dataclass(frozen=True)
class Actor:
    """Who is acting: a signed-in user, an organization's API key, the system, or nobody.

    A user acts for one organization at a time (the acting organization, resolved once per
    request by ``ActorMiddleware``): ``grants`` and ``partners`` hold that membership only, so
    a member of two organizations never sees a mix of both. ``memberships`` lists every
    organization they may switch to."""

    kind: str  # "user" | "api_key" | "system" | "anonymous"
    name: str
    user_id: int | None = None
    grants: tuple[Grant, ...] = ()
    partners: tuple[PartnerCover, ...] = ()
    api_key_id: int | None = None
    key_organization_id: int | None = None
    scopes: frozenset[str] = frozenset()
    time_zone: str = ""
    #: The active break-glass use, if any (see "Break-glass" below).
    break_glass: BreakGlass | None = None
    memberships: tuple[MembershipChoice, ...] = ()

    @property
    def is_authenticated(self) -> bool:
        return self.kind != "anonymous"

    @property
    def is_system(self) -> bool:
        return self.kind == "system"

    @property
    def organization_ids(self) -> frozenset[int]:
        return frozenset(g.organization_id for g in self.grants)

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(g.role for g in self.grants)

    def has_role(self, *roles: Role) -> bool:
        return any(g.role in roles for g in self.grants)

    def role_in(self, organization_id: int) -> Role | None:
        for grant in self.grants:
            if grant.organization_id == organization_id:
                return grant.role
        return None

    @property
    def organization_id(self) -> int | None:
        """The acting organization: the one membership the grants hold, or the key's own."""
        if self.kind == "api_key":
            return self.key_organization_id
        return self.grants[0].organization_id if self.grants else None

    @property
    def role(self) -> Role | None:
        """The role in the acting organization."""
        return self.grants[0].role if self.grants else None

    @property
    def may_switch(self) -> bool:
        """Whether the person has more than one organization to act for."""
        return len(self.memberships) > 1


ANONYMOUS = Actor(kind="anonymous", name="anonymous")


def system_actor(name: str = "system") -> Actor:
    """For commands and the demo loader; still audited under this name."""
    return Actor(kind="system", name=name)


def organization_today(time_zone: str) -> dt.date:
    """Today's date in an organization's zone, by the zone's name (``Organization.today`` for
    an organization at hand): agreements start and end on local dates."""
    return dates.today_in(time_zone)


def _partner_covers(today_by_org: Mapping[int, dt.date]) -> tuple[PartnerCover, ...]:
    """What every agreement in force lets each of the actor's organizations see. Only a
    version that every party accepted counts (a proposal opens nothing); "in force" is then
    judged on each organization's own local date."""
    if not today_by_org:
        return ()
    earliest, latest = min(today_by_org.values()), max(today_by_org.values())
    agreements = (
        DataSharingAgreement.objects.filter(
            status=AgreementStatus.IN_FORCE,
            parties__in=list(today_by_org),
            effective_on__lte=latest,
        )
        .filter(models.Q(ends_on__isnull=True) | models.Q(ends_on__gte=earliest))
        .prefetch_related("parties")
        .distinct()
    )
    covers: list[PartnerCover] = []
    for agreement in agreements:
        party_ids = {p.pk for p in agreement.parties.all()}
        for own in party_ids & set(today_by_org):
            if not agreement.is_active_on(today_by_org[own]):
                continue
            for other in party_ids - {own}:
                covers.append(
                    PartnerCover(
                        own,
                        other,
                        frozenset(agreement.classifications),
                        frozenset(agreement.purposes),
                    )
                )
    return tuple(covers)


def actor_for_user(
    user: User | AnonymousUser | None,
    *,
    organization_id: int | None = None,
    organization_slug: str | None = None,
) -> Actor:
    """Build an actor with everything the policy needs, in two queries, once per request.

    The actor acts for one organization: the one named by ``organization_slug`` (a page's
    URL), else ``organization_id`` (the person's choice), when it is one of their active
    memberships; otherwise their oldest active membership. A choice that is not (or is no
    longer) theirs is ignored, never honoured."""
    if user is None or not user.is_authenticated or not user.is_active:
        return ANONYMOUS
    assert isinstance(user, User)
    memberships = list(
        Membership.objects.filter(user=user, is_active=True)
        .select_related("organization")
        .order_by("created_at", "pk")
    )
    acting = next(
        (m for m in memberships if organization_slug and m.organization.slug == organization_slug),
        None,
    ) or next((m for m in memberships if m.organization_id == organization_id), None)
    if acting is None and memberships:
        acting = memberships[0]
    choices = tuple(
        MembershipChoice(m.organization_id, m.organization.name, Role(m.role))
        for m in sorted(memberships, key=lambda m: (m.organization.name, m.organization_id))
    )
    if acting is None:
        return Actor(kind="user", name=user.display_name, user_id=user.pk)
    zone = acting.organization.time_zone
    grants = (Grant(acting.organization_id, Role(acting.role)),)
    return Actor(
        kind="user",
        name=user.display_name,
        user_id=user.pk,
        grants=grants,
        partners=_partner_covers({acting.organization_id: acting.organization.today()}),
        time_zone=zone,
        memberships=choices,
        break_glass=active_break_glass(
            user.pk, frozenset(g.organization_id for g in grants if g.role in EMERGENCY_ROLES)
        ),
    )


def actor_for_api_key(key: ApiKey) -> Actor:
    # A key acts for its own organization only, never through partners, and only within
    # its scopes.
    return Actor(
        kind="api_key",
        name=f"API key {key.name} ({key.prefix})",
        api_key_id=key.pk,
        key_organization_id=key.organization_id,
        scopes=frozenset(key.scopes),
    )


# --- Break-glass ----------------------------------------------------------------------------
# The emergency purpose is not a standing grant: ROLE_GRANTS says which roles may read what
# under it, and it opens only while the actor holds an active, unexpired break-glass use in
# the organization whose grant (or whose partner's agreement) is relied on. The use is looked
# up once, when the actor is built; ``_purpose_open`` is the one check decide and restrict make.

#: Roles that may break the glass: those ROLE_GRANTS gives any emergency read.
EMERGENCY_ROLES = frozenset(
    role for role, grants in ROLE_GRANTS.items() if any(P.EMERGENCY in p for p in grants.values())
)


@dataclass(frozen=True)
class BreakGlass:
    """The actor's active break-glass use, as the policy and the banner read it."""

    id: int
    organization_id: int
    until: dt.datetime

    def is_open(self, now: dt.datetime | None = None) -> bool:
        return self.until > (now or timezone.now())


def active_break_glass(user_id: int, organization_ids: frozenset[int]) -> BreakGlass | None:
    """The user's active, unexpired use in one of their organizations where their role may
    break the glass (one query, none for a role that never may)."""
    if not organization_ids:
        return None
    use = (
        BreakGlassUse.objects.filter(
            user_id=user_id,
            organization_id__in=sorted(organization_ids),
            ended_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .order_by("-started_at", "-pk")
        .values("pk", "organization_id", "expires_at")
        .first()
    )
    if use is None:
        return None
    return BreakGlass(use["pk"], use["organization_id"], use["expires_at"])


def _purpose_open(actor: Actor, purpose: str, organization_id: int) -> bool:
    """Every purpose but emergency is open; emergency only under an active use there."""
    if purpose != P.EMERGENCY:
        return True
    use = actor.break_glass
    return use is not None and use.organization_id == organization_id and use.is_open()


class BasisKind(StrEnum):
    CONSENT = "consent"
    EMERGENCY = "emergency"


@dataclass(frozen=True)
class Basis:
    """What let clinical or substance-use data cross to another organization: the person's
    consent (its id) or the emergency exception (under the break-glass use that opened it)."""

    kind: BasisKind
    consent_id: int | None = None
    break_glass_id: int | None = None

    def describe(self) -> str:
        """The basis as the audit trail's detail names it."""
        if self.kind is BasisKind.CONSENT:
            return f"shared under consent {self.consent_id}" if self.consent_id else "consent"
        named = f" (break-glass use {self.break_glass_id})" if self.break_glass_id else ""
        return f"shared in an emergency{named}"


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str
    #: For clinical and substance-use data read across organizations: what allowed it.
    basis: Basis | None = None

    def __bool__(self) -> bool:
        return self.allowed


class Protected(Protocol):
    """What the policy reads of any record: its classification and its organizations."""

    @property
    def access_classification(self) -> str: ...

    def access_organization_ids(self) -> frozenset[int]: ...


@dataclass(frozen=True)
class Target:
    """An object described only by what the policy reads; for checks before a record exists."""

    organization_ids: frozenset[int]
    access_classification: str = C.AGENCY
    consenting_organization_ids: frozenset[int] = field(default_factory=frozenset)
    scope: str = ""
    #: When set, only these roles may create, change or delete (see ``decide``).
    access_write_roles: frozenset[Role] | None = None
    #: When set, only these roles may view or export (see ``decide``).
    access_read_roles: frozenset[Role] | None = None
    #: The person whose data this is, for the registered consent check.
    access_person_id: int | None = None
    #: Organizations taking part in a shared record, with what each may write.
    participants: Mapping[int, frozenset[str]] | None = field(
        default=None, compare=False, hash=False
    )

    def access_organization_ids(self) -> frozenset[int]:
        return self.organization_ids

    def access_participants(self) -> Mapping[int, frozenset[str]] | None:
        return self.participants

    def consent_allows(self, organization_id: int, purpose: str) -> bool:
        return organization_id in self.consenting_organization_ids


def _role_allows(role: Role, action: Action, classification: str, purpose: str) -> bool:
    if action is Action.MANAGE:
        return role in MANAGING_ROLES and classification == C.AGENCY and purpose == P.ADMINISTRATION
    if action is Action.EXPORT:
        return (
            role in EXPORTING_ROLES
            and classification in {C.PUBLIC, C.AGENCY, C.AGGREGATE}
            and purpose in ROLE_GRANTS[role].get(C(classification), frozenset())
        )
    return purpose in ROLE_GRANTS[role].get(C(classification), frozenset())


def _role_may(
    role: Role,
    action: Action,
    write_roles: frozenset[Role] | None,
    read_roles: frozenset[Role] | None,
) -> bool:
    """Whether a record's own narrowing (``access_write_roles``/``access_read_roles``) lets
    this role take this action at all; the grants are checked separately."""
    if action in WRITE_ACTIONS:
        return write_roles is None or role in write_roles
    if action in {Action.VIEW, Action.EXPORT}:
        return read_roles is None or role in read_roles
    return True


def _consent_allows(
    obj: Any, organization_id: int, purpose: str, classification: str, today: dt.date
) -> Basis | None:
    """The person's consent, read now, as the basis it gives (``None``: no consent). A record
    that names its person asks the registered check; a ``Target`` without a person answers
    from its own ``consenting_organization_ids`` (checks before a record exists, and the
    policy's table tests)."""
    person_id = getattr(obj, "access_person_id", None)
    if person_id is not None:
        check = _consent_check
        if check is None:
            return None
        consent = check(person_id, organization_id, purpose, classification, today)
        if not consent:
            return None
        return Basis(BasisKind.CONSENT, consent_id=getattr(consent, "pk", None))
    own = getattr(obj, "consent_allows", None)
    if callable(own) and own(organization_id, purpose):
        return Basis(BasisKind.CONSENT)
    return None


def _participants(obj: Any) -> Mapping[int, frozenset[str]] | None:
    declared = getattr(obj, "access_participants", None)
    return declared() if callable(declared) else None


def _decide_shared_change(
    actor: Actor,
    obj: Any,
    participants: Mapping[int, frozenset[str]],
    level: str,
    purpose: str,
    writes: frozenset[str],
) -> Decision:
    if not writes:
        return Decision(False, "a change of a shared record must name its fields or transition")
    write_roles = getattr(obj, "access_write_roles", None)
    for grant in actor.grants:
        allowed = participants.get(grant.organization_id)
        if allowed is None or not writes <= allowed:
            continue
        if not _role_may(grant.role, Action.CHANGE, write_roles, None):
            continue
        if not _role_allows(grant.role, Action.CHANGE, level, purpose):
            continue
        return Decision(
            True,
            f"taking part in a shared record: {grant.role.label} may write "
            f"{', '.join(sorted(writes))}",
        )
    return Decision(False, "no organization of this actor may write this to the shared record")


def decide(
    actor: Actor,
    action: Action | str,
    obj: Protected | None,
    purpose: Purpose | str,
    *,
    classification: str | None = None,
    fields: Iterable[str] | None = None,
    transition: str | None = None,
) -> Decision:
    """May ``actor`` do ``action`` to ``obj`` for ``purpose``? Fails closed. ``fields`` and
    ``transition`` name what a change writes; a shared record (``access_participants``) needs
    them, and each participant may write only what its entry lists."""
    if obj is None:
        return Decision(False, "no such record")
    action = Action(action)
    if purpose not in ALL_PURPOSES:
        return Decision(False, f"unknown purpose {purpose!r}")
    level = classification or getattr(obj, "access_classification", None)
    if level not in C.values:
        return Decision(False, "the record has no classification")
    if actor.is_system:
        return Decision(True, "system operation")
    if level == C.PUBLIC and action is Action.VIEW:
        return Decision(True, "public information")
    if not actor.is_authenticated:
        return Decision(False, "sign-in required")
    owners = obj.access_organization_ids()
    if not owners:
        return Decision(False, "the record belongs to no organization")

    if actor.kind == "api_key":
        return _decide_for_key(actor, action, obj, owners)

    participants = _participants(obj)
    if participants is not None and action is Action.CHANGE:
        writes = frozenset(fields or ()) | ({transition} if transition else frozenset())
        return _decide_shared_change(actor, obj, participants, level, purpose, writes)

    # 1. The actor's own organization holds the record. Records may narrow who writes them
    #    (``access_write_roles``): the toolkit's pages are kept by TTA staff, not by every
    #    member of their organization.
    #    Likewise ``access_read_roles`` narrows who reads them: a roster's training records are
    #    for the people who run the program, not for every officer on it.
    write_roles = getattr(obj, "access_write_roles", None)
    read_roles = getattr(obj, "access_read_roles", None)
    for grant in actor.grants:
        if not _role_may(grant.role, action, write_roles, read_roles):
            continue
        if (
            grant.organization_id in owners
            and _role_allows(grant.role, action, level, purpose)
            and _purpose_open(actor, purpose, grant.organization_id)
        ):
            return Decision(
                True,
                f"same organization: {grant.role.label} may {action} {level} data "
                f"for {Purpose(purpose).label.lower()}",
            )
    if action in WRITE_ACTIONS or action is Action.MANAGE:
        return Decision(False, "only the organization that holds a record may change it")

    # 2. A partner holds it, under an agreement in force that covers this data and purpose.
    for cover in actor.partners:
        if cover.partner_organization_id not in owners:
            continue
        role = actor.role_in(cover.own_organization_id)
        if role is None or not _role_allows(role, action, level, purpose):
            continue
        if not _role_may(role, action, write_roles, read_roles):
            continue
        if not _purpose_open(actor, purpose, cover.own_organization_id):
            continue
        if level not in cover.classifications or purpose not in cover.purposes:
            continue
        # A record may name the consent data class it needs (``access_consent_class``: a
        # response plan is safety data that crosses only with the person's consent to share it).
        consent_class = getattr(obj, "access_consent_class", None)
        # Clinical data in an emergency is the one exception to consent (45 CFR 164.512(j)).
        emergency_exception = purpose == P.EMERGENCY and (level == C.CLINICAL or consent_class)
        basis: Basis | None = None
        if level in CONSENT_REQUIRED or consent_class:
            if emergency_exception:
                use = actor.break_glass
                basis = Basis(BasisKind.EMERGENCY, break_glass_id=use.id if use else None)
            else:
                basis = _consent_allows(
                    obj,
                    cover.own_organization_id,
                    purpose,
                    consent_class or level,
                    organization_today(actor.time_zone),
                )
                if basis is None:
                    continue
        return Decision(
            True,
            f"partner under an agreement in force: {role.label} may {action} {level} data "
            f"for {Purpose(purpose).label.lower()}",
            basis,
        )
    return Decision(False, f"no grant lets this actor {action} {level} data for {purpose}")


def _decide_for_key(
    actor: Actor, action: Action, obj: Protected, owners: frozenset[int]
) -> Decision:
    if actor.key_organization_id not in owners:
        return Decision(False, "an API key acts for its own organization only")
    scope = getattr(obj, "scope", "") or getattr(obj, "access_scope", "")
    needed = f"{scope}:{'read' if action is Action.VIEW else 'write'}"
    if scope and needed in actor.scopes:
        return Decision(True, f"API key holds scope {needed}")
    return Decision(False, f"API key lacks scope {needed}")


M = TypeVar("M", bound=models.Model)


def allowed_organization_ids(
    actor: Actor,
    action: Action | str,
    purpose: Purpose | str,
    classification: str,
    write_roles: frozenset[Role] | None = None,
    read_roles: frozenset[Role] | None = None,
    consent_class: str | None = None,
) -> frozenset[int]:
    """The organizations whose records of this classification the actor may act on.
    ``consent_class``: the records cross only with the person's consent (as clinical data)."""
    action = Action(action)
    ids: set[int] = set()
    for grant in actor.grants:
        if not _role_may(grant.role, action, write_roles, read_roles):
            continue
        if _role_allows(grant.role, action, classification, purpose) and _purpose_open(
            actor, purpose, grant.organization_id
        ):
            ids.add(grant.organization_id)
    if action in WRITE_ACTIONS or action is Action.MANAGE:
        return frozenset(ids)
    if classification in CONSENT_REQUIRED or consent_class:
        # Consent is per person; a generic query cannot see it, so partners are left out here
        # and the owning app's selector adds its own consent-aware condition.
        return frozenset(ids)
    for cover in actor.partners:
        role = actor.role_in(cover.own_organization_id)
        if (
            role is not None
            and _role_may(role, action, write_roles, read_roles)
            and _role_allows(role, action, classification, purpose)
            and _purpose_open(actor, purpose, cover.own_organization_id)
            and classification in cover.classifications
            and purpose in cover.purposes
        ):
            ids.add(cover.partner_organization_id)
    return frozenset(ids)


#: What ``organization_scope`` answers when the actor may read every row (the system, or public
#: data): no narrowing at all.
EVERY_ORGANIZATION = None


def organization_scope(
    actor: Actor,
    model: type[models.Model],
    action: Action | str,
    purpose: Purpose | str = P.ADMINISTRATION,
    *,
    classification: str | None = None,
) -> list[int] | None:
    """The organizations whose rows of ``model`` the actor may ``action`` for ``purpose``, in
    order (empty: none), or ``EVERY_ORGANIZATION`` when nothing narrows them. ``restrict`` is
    this applied to a query; a selector that reads through a statement of its own (a loose
    index scan, say) narrows by the same list."""
    level = classification or getattr(model, "access_classification", None)
    lookup = getattr(model, "access_org_lookup", None)
    if level not in C.values or lookup is None or purpose not in ALL_PURPOSES:
        return []
    if actor.is_system:
        return EVERY_ORGANIZATION
    if level == C.PUBLIC and Action(action) is Action.VIEW:
        return EVERY_ORGANIZATION
    if actor.kind == "api_key":
        key_org = actor.key_organization_id
        scope = getattr(model, "access_scope", "")
        needed = f"{scope}:{'read' if Action(action) is Action.VIEW else 'write'}"
        if key_org is None or not scope or needed not in actor.scopes:
            return []
        return [key_org]
    ids = allowed_organization_ids(
        actor,
        action,
        purpose,
        level,
        getattr(model, "access_write_roles", None),
        getattr(model, "access_read_roles", None),
        getattr(model, "access_consent_class", None),
    )
    return sorted(ids)


def restrict(
    actor: Actor,
    queryset: models.QuerySet[M],
    action: Action | str,
    purpose: Purpose | str = P.ADMINISTRATION,
    *,
    classification: str | None = None,
) -> models.QuerySet[M]:
    """Narrow ``queryset`` to the rows ``actor`` may ``action`` for ``purpose``. Each row comes
    once, with no ``DISTINCT`` over the rows (see ``_narrow``)."""
    model = queryset.model
    ids = organization_scope(actor, model, action, purpose, classification=classification)
    if ids is EVERY_ORGANIZATION:
        return queryset
    if not ids:
        return queryset.none()
    return _narrow(queryset, model.access_org_lookup, ids)  # type: ignore[attr-defined]


def _crosses_to_many(model: type[models.Model], lookup: str) -> bool:
    """Whether following ``lookup`` from ``model`` passes a relation that can match one row
    many times (a many-to-many, or a reverse foreign key)."""
    current: Any = model
    for part in lookup.split("__"):
        if part == "pk":
            return False
        field = current._meta.get_field(part)
        if field.many_to_many or field.one_to_many:
            return True
        if not field.is_relation:
            return False
        current = field.related_model
    return False


def _narrow(queryset: models.QuerySet[M], lookup: str, ids: list[int]) -> models.QuerySet[M]:
    """``queryset`` narrowed to rows whose organization (by ``lookup``) is one of ``ids``, each
    row once. A path of foreign keys alone cannot repeat a row, so it is a plain ``IN``; a path
    through a to-many relation is matched in a subquery of primary keys, so the outer query
    needs no ``DISTINCT`` over its (possibly wide) rows."""
    condition = {f"{lookup}__in": ids}
    model = queryset.model
    if not _crosses_to_many(model, lookup):
        return queryset.filter(**condition)
    matching = model._base_manager.filter(**condition).values("pk")
    return queryset.filter(pk__in=matching)


NOT_FOUND = "Not found"


def require(
    actor: Actor,
    action: Action | str,
    obj: Protected | None,
    purpose: Purpose | str,
    **options: Any,
) -> Decision:
    """``decide``, or the one 404 that a missing record also gives: missing and forbidden look
    the same. ``options`` are ``decide``'s keyword arguments (``classification``, ``fields``,
    ``transition``)."""
    decision = decide(actor, action, obj, purpose, **options)
    if not decision:
        raise Http404(NOT_FOUND)
    return decision


def get_or_404(
    actor: Actor,
    queryset: models.QuerySet[M],
    action: Action | str,
    purpose: Purpose | str = P.ADMINISTRATION,
    **lookup: Any,
) -> M:
    """Missing and forbidden look the same: 404."""
    try:
        obj = queryset.get(**lookup)
    except (ObjectDoesNotExist, ValueError, TypeError) as exc:
        raise Http404(NOT_FOUND) from exc
    require(actor, action, obj, purpose)  # type: ignore[arg-type]
    return obj
