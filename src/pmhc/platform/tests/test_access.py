"""The access policy, as a table: role x organization relation x purpose x classification."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.http import Http404
from django.utils import timezone

from pmhc.platform.access import (
    ANONYMOUS,
    EMERGENCY_ROLES,
    Action,
    Target,
    actor_for_user,
    decide,
    get_or_404,
    organization_today,
    restrict,
    system_actor,
)
from pmhc.platform.break_glass_services import start_break_glass
from pmhc.platform.models import Classification as C
from pmhc.platform.models import Membership, Organization, User
from pmhc.platform.models import Purpose as P
from pmhc.platform.models import Role as R
from pmhc.platform.tests.factories import (
    AgreementFactory,
    MembershipFactory,
    OrganizationFactory,
    UserFactory,
)

RELATIONS = ("same", "partner", "expired", "unrelated")


@pytest.fixture
def world(db):
    """One actor organization and one holder organization per relation; an agreement that
    covers everything for 'partner', the same agreement ended yesterday for 'expired'."""
    today = timezone.localdate()
    home = OrganizationFactory.create(slug="home")
    holders = {
        "same": home,
        "partner": OrganizationFactory.create(slug="partner-holder"),
        "expired": OrganizationFactory.create(slug="expired-holder"),
        "unrelated": OrganizationFactory.create(slug="unrelated-holder"),
    }
    everything = [c for c in C.values if c != C.PUBLIC]
    AgreementFactory.create(
        parties=[home, holders["partner"]],
        classifications=everything,
        purposes=list(P.values),
        effective_on=today - dt.timedelta(days=10),
        ends_on=None,
    )
    AgreementFactory.create(
        parties=[home, holders["expired"]],
        classifications=everything,
        purposes=list(P.values),
        effective_on=today - dt.timedelta(days=100),
        ends_on=today - dt.timedelta(days=2),
    )
    actors = {}
    for role in R:
        user = UserFactory.create(username=f"u-{role}")
        MembershipFactory.create(user=user, organization=home, role=role)
        actors[role] = actor_for_user(user)
    return actors, holders


@pytest.fixture
def glass_actors(world):
    """The same actors, each with an active break-glass use at home where their role allows."""
    home = Organization.objects.get(slug="home")
    glass = {}
    for role, actor in world[0].items():
        if role in EMERGENCY_ROLES:
            start_break_glass(actor, organization=home, reason="Table test")
            actor = actor_for_user(User.objects.get(pk=actor.user_id))
        glass[role] = actor
    return glass


def target(holder: Organization, level: str, consent: bool = False) -> Target:
    return Target(
        organization_ids=frozenset({holder.pk}),
        access_classification=level,
        consenting_organization_ids=frozenset({Organization.objects.get(slug="home").pk})
        if consent
        else frozenset(),
    )


# Hand-written expectations: (role, relation, action, classification, purpose, consent, allowed)
TABLE = [
    # Same organization: care roles see what their work needs, for that work only.
    (R.CALL_TAKER, "same", "view", C.SAFETY, P.ACTIVE_CALL, False, True),
    (R.CALL_TAKER, "same", "view", C.PERSONAL, P.CASE_MANAGEMENT, False, False),
    (R.CALL_TAKER, "same", "view", C.CLINICAL, P.ACTIVE_CALL, False, False),
    (R.OFFICER, "same", "view", C.PERSONAL, P.ACTIVE_CALL, False, True),
    (R.OFFICER, "same", "view", C.CLINICAL, P.ACTIVE_CALL, False, False),
    (R.OFFICER, "same", "view", C.CLINICAL, P.EMERGENCY, False, True),
    (R.OFFICER, "same", "view", C.SUBSTANCE_USE, P.EMERGENCY, False, False),
    (R.OFFICER, "same", "view", C.PERSONAL, P.EVALUATION, False, False),
    (R.CLINICIAN, "same", "view", C.CLINICAL, P.CASE_MANAGEMENT, False, True),
    (R.CLINICIAN, "same", "view", C.SUBSTANCE_USE, P.EMERGENCY, False, True),
    (R.CLINICIAN, "same", "view", C.SUBSTANCE_USE, P.ACTIVE_CALL, False, False),
    (R.CASE_MANAGER, "same", "view", C.SUBSTANCE_USE, P.CASE_MANAGEMENT, False, True),
    (R.CASE_MANAGER, "same", "view", C.PERSONAL, P.ACTIVE_CALL, False, False),
    (R.COORDINATOR, "same", "view", C.PERSONAL, P.CASE_MANAGEMENT, False, True),
    (R.COORDINATOR, "same", "view", C.CLINICAL, P.CASE_MANAGEMENT, False, False),
    (R.SUPERVISOR, "same", "view", C.SAFETY, P.ACTIVE_CALL, False, True),
    # Analysts and administrators never see personal data; analysts export aggregates.
    (R.ANALYST, "same", "view", C.PERSONAL, P.EVALUATION, False, False),
    (R.ANALYST, "same", "view", C.AGENCY, P.EVALUATION, False, True),
    (R.ANALYST, "same", "export", C.AGENCY, P.EVALUATION, False, True),
    (R.ANALYST, "same", "export", C.PERSONAL, P.EVALUATION, False, False),
    (R.ADMINISTRATOR, "same", "view", C.PERSONAL, P.ADMINISTRATION, False, False),
    (R.ADMINISTRATOR, "same", "manage", C.AGENCY, P.ADMINISTRATION, False, True),
    (R.COORDINATOR, "same", "manage", C.AGENCY, P.ADMINISTRATION, False, False),
    (R.TTA_STAFF, "same", "view", C.PERSONAL, P.ACTIVE_CALL, False, False),
    (R.TTA_STAFF, "same", "view", C.PERSONAL, P.ADMINISTRATION, False, True),
    (R.TTA_STAFF, "same", "view", C.SAFETY, P.ADMINISTRATION, False, False),
    # Writes: same organization, with the read grant.
    (R.OFFICER, "same", "create", C.PERSONAL, P.ACTIVE_CALL, False, True),
    (R.ANALYST, "same", "create", C.AGENCY, P.ADMINISTRATION, False, True),
    (R.ANALYST, "same", "change", C.PERSONAL, P.EVALUATION, False, False),
    # A partner under an agreement in force reads what the agreement and their role allow.
    (R.OFFICER, "partner", "view", C.PERSONAL, P.ACTIVE_CALL, False, True),
    (R.CLINICIAN, "partner", "view", C.SAFETY, P.ACTIVE_CALL, False, True),
    (R.CLINICIAN, "partner", "view", C.CLINICAL, P.CASE_MANAGEMENT, False, False),
    (R.CLINICIAN, "partner", "view", C.CLINICAL, P.CASE_MANAGEMENT, True, True),
    (R.CASE_MANAGER, "partner", "view", C.SUBSTANCE_USE, P.CASE_MANAGEMENT, False, False),
    (R.CASE_MANAGER, "partner", "view", C.SUBSTANCE_USE, P.CASE_MANAGEMENT, True, True),
    (R.OFFICER, "partner", "view", C.CLINICAL, P.EMERGENCY, False, True),
    (R.OFFICER, "partner", "change", C.PERSONAL, P.ACTIVE_CALL, False, False),
    (R.ADMINISTRATOR, "partner", "manage", C.AGENCY, P.ADMINISTRATION, False, False),
    # An ended agreement is no agreement; unrelated organizations see nothing.
    (R.OFFICER, "expired", "view", C.PERSONAL, P.ACTIVE_CALL, False, False),
    (R.CLINICIAN, "expired", "view", C.CLINICAL, P.CASE_MANAGEMENT, True, False),
    (R.OFFICER, "unrelated", "view", C.PERSONAL, P.EMERGENCY, False, False),
    (R.ADMINISTRATOR, "unrelated", "manage", C.AGENCY, P.ADMINISTRATION, False, False),
    # Public information is public to every role and relation.
    (R.ANALYST, "unrelated", "view", C.PUBLIC, P.EVALUATION, False, True),
]


@pytest.mark.parametrize(
    ("role", "relation", "action", "level", "purpose", "consent", "allowed"), TABLE
)
def test_policy_table(
    world, glass_actors, role, relation, action, level, purpose, consent, allowed
):
    actors, holders = world
    if purpose == P.EMERGENCY:
        # The emergency purpose opens only under break-glass (test_break_glass.py has its
        # own table); these rows say what each role may read once the glass is broken.
        actors = glass_actors
    decision = decide(actors[role], action, target(holders[relation], level, consent), purpose)
    assert decision.allowed is allowed, decision.reason
    assert decision.reason


def test_whole_grid_properties(world):
    """Every cell of role x relation x action x purpose x classification obeys the rules."""
    actors, holders = world
    cells = itertools.product(R, RELATIONS, Action, P, C, (False, True))
    for role, relation, action, purpose, level, consent in cells:
        decision = decide(actors[role], action, target(holders[relation], level, consent), purpose)
        same = decide(actors[role], action, target(holders["same"], level, consent), purpose)
        where = f"{role} {relation} {action} {level} {purpose} consent={consent}"
        if level == C.PUBLIC and action == Action.VIEW:
            assert decision.allowed, where
            continue
        if relation in {"expired", "unrelated"}:
            assert not decision.allowed, where
        if relation == "partner":
            if action in {Action.CREATE, Action.CHANGE, Action.DELETE, Action.MANAGE}:
                assert not decision.allowed, where
            if decision.allowed:
                # A partner never gets more than a member of the holder would.
                assert same.allowed, where
        if role in {R.ANALYST, R.ADMINISTRATOR} and level not in {C.PUBLIC, C.AGENCY, C.AGGREGATE}:
            assert not decision.allowed, where
        if role == R.TTA_STAFF and level not in {C.PUBLIC, C.AGENCY}:
            # Requesters' contact details only, for running the toolkit.
            assert not decision.allowed or (level, purpose) == (C.PERSONAL, P.ADMINISTRATION), where
        if action == Action.EXPORT and level not in {C.PUBLIC, C.AGENCY, C.AGGREGATE}:
            assert not decision.allowed, where


def test_anonymous_sees_only_public(world):
    _, holders = world
    assert decide(ANONYMOUS, "view", target(holders["same"], C.PUBLIC), P.EVALUATION)
    for level in [c for c in C.values if c != C.PUBLIC]:
        decision = decide(ANONYMOUS, "view", target(holders["same"], level), P.ACTIVE_CALL)
        assert not decision.allowed
        assert decision.reason == "sign-in required"


def test_fails_closed_on_bad_input(world):
    actors, holders = world
    officer = actors[R.OFFICER]
    assert not decide(officer, "view", None, P.ACTIVE_CALL)
    assert not decide(officer, "view", target(holders["same"], "secret"), P.ACTIVE_CALL)
    assert not decide(officer, "view", target(holders["same"], C.PERSONAL), "curiosity")
    orphan = Target(organization_ids=frozenset(), access_classification=C.PERSONAL)
    assert not decide(officer, "view", orphan, P.ACTIVE_CALL)
    with pytest.raises(ValueError, match="teleport"):
        decide(officer, "teleport", target(holders["same"], C.PERSONAL), P.ACTIVE_CALL)


def test_deactivated_membership_grants_nothing(world):
    _, holders = world
    Membership.objects.filter(user__username=f"u-{R.OFFICER}").update(is_active=False)

    officer = actor_for_user(User.objects.get(username=f"u-{R.OFFICER}"))
    assert not officer.grants
    assert not decide(officer, "view", target(holders["same"], C.PERSONAL), P.ACTIVE_CALL)


def test_agreement_covers_only_its_classifications_and_purposes(db):
    today = timezone.localdate()
    home, other = OrganizationFactory.create(slug="a"), OrganizationFactory.create(slug="b")
    AgreementFactory.create(
        parties=[home, other],
        classifications=[C.SAFETY],
        purposes=[P.ACTIVE_CALL],
        effective_on=today - dt.timedelta(days=2),
    )
    user = UserFactory.create(username="o")
    MembershipFactory.create(user=user, organization=home, role=R.OFFICER)
    officer = actor_for_user(user)
    held = Target(organization_ids=frozenset({other.pk}), access_classification=C.SAFETY)
    assert decide(officer, "view", held, P.ACTIVE_CALL)
    assert not decide(officer, "view", held, P.CASE_MANAGEMENT)
    personal = Target(organization_ids=frozenset({other.pk}), access_classification=C.PERSONAL)
    assert not decide(officer, "view", personal, P.ACTIVE_CALL)


def test_agreement_not_yet_in_force(db):
    today = timezone.localdate()
    home, other = OrganizationFactory.create(slug="a"), OrganizationFactory.create(slug="b")
    AgreementFactory.create(
        parties=[home, other],
        classifications=[C.PERSONAL],
        purposes=[P.ACTIVE_CALL],
        effective_on=today + dt.timedelta(days=1),
    )
    user = UserFactory.create(username="o")
    MembershipFactory.create(user=user, organization=home, role=R.OFFICER)
    held = Target(organization_ids=frozenset({other.pk}), access_classification=C.PERSONAL)
    assert not decide(actor_for_user(user), "view", held, P.ACTIVE_CALL)


def test_restrict_matches_decide_for_memberships(cast):
    """The list answer and the one-object answer agree for every actor in the cast."""
    everyone = [cast.admin, cast.member, cast.colleague, cast.partner_user, cast.outsider]
    for user in everyone:
        actor = actor_for_user(user)
        for action in (Action.VIEW, Action.MANAGE):
            listed = set(
                restrict(actor, Membership.objects.all(), action, P.ADMINISTRATION).values_list(
                    "pk", flat=True
                )
            )
            decided = {
                m.pk for m in Membership.objects.all() if decide(actor, action, m, P.ADMINISTRATION)
            }
            assert listed == decided, (user.username, action)


def test_restrict_scopes_memberships_by_organization(cast):
    admin = actor_for_user(cast.admin)
    managed = restrict(admin, Membership.objects.all(), Action.MANAGE, P.ADMINISTRATION)
    assert {m.organization_id for m in managed} == {cast.agency.pk}
    # The partner's clinician may view the agency's directory (agency data, administration,
    # covered by the agreement) but may not manage it.
    partner = actor_for_user(cast.partner_user)
    viewed = restrict(partner, Membership.objects.all(), Action.VIEW, P.ADMINISTRATION)
    assert {m.organization_id for m in viewed} == {cast.agency.pk, cast.partner.pk}
    assert not restrict(partner, Membership.objects.all(), Action.MANAGE, P.ADMINISTRATION).filter(
        organization=cast.agency
    )
    assert not restrict(ANONYMOUS, Membership.objects.all(), Action.VIEW).exists()


def test_restrict_fails_closed_for_unknown_purpose(cast):
    admin = actor_for_user(cast.admin)
    assert not restrict(admin, Membership.objects.all(), Action.MANAGE, "curiosity").exists()


def test_get_or_404_same_answer_for_missing_and_forbidden(cast):
    outsider = actor_for_user(cast.outsider)
    qs = Organization.objects.all()
    with pytest.raises(Http404) as forbidden:
        get_or_404(outsider, qs, Action.MANAGE, slug=cast.agency.slug)
    with pytest.raises(Http404) as missing:
        get_or_404(outsider, qs, Action.MANAGE, slug="no-such-org")
    assert str(forbidden.value) == str(missing.value)
    assert get_or_404(actor_for_user(cast.admin), qs, Action.MANAGE, slug="agency") == cast.agency


def test_system_actor_is_allowed_but_named(cast):
    decision = decide(system_actor("loader"), "manage", cast.agency, P.ADMINISTRATION)
    assert decision.allowed
    assert decision.reason == "system operation"


def test_actor_is_built_in_a_fixed_number_of_queries(cast, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        actor = actor_for_user(cast.member)
    with django_assert_max_num_queries(0):
        for _ in range(200):
            decide(actor, "view", cast.agency, P.ADMINISTRATION)


def test_in_force_is_judged_on_each_organizations_own_date(db):
    """An agreement's last day ends at local midnight: far-east partners drop it first."""
    east = OrganizationFactory.create(slug="east", time_zone="Pacific/Kiritimati")  # UTC+14
    west = OrganizationFactory.create(slug="west", time_zone="Pacific/Pago_Pago")  # UTC-11
    west_today = organization_today("Pacific/Pago_Pago")
    assert organization_today("Pacific/Kiritimati") > west_today
    AgreementFactory.create(
        parties=[east, west],
        classifications=[C.PERSONAL],
        purposes=[P.ACTIVE_CALL],
        effective_on=west_today - dt.timedelta(days=30),
        ends_on=west_today,
    )
    people = {}
    for org in (east, west):
        user = UserFactory.create(username=f"officer-{org.slug}")
        MembershipFactory.create(user=user, organization=org, role=R.OFFICER)
        people[org.slug] = actor_for_user(user)
    held_by_east = Target(organization_ids=frozenset({east.pk}), access_classification=C.PERSONAL)
    held_by_west = Target(organization_ids=frozenset({west.pk}), access_classification=C.PERSONAL)
    assert decide(people["west"], "view", held_by_east, P.ACTIVE_CALL)
    assert not decide(people["east"], "view", held_by_west, P.ACTIVE_CALL)


def test_records_may_narrow_who_writes_them(db):
    """Toolkit records are kept by TTA staff; the provider's administrator only reads them."""
    tta = OrganizationFactory.create(slug="tta", kind="tta_provider")
    actors = {}
    for role in (R.TTA_STAFF, R.ADMINISTRATOR):
        user = UserFactory.create(username=f"tta-{role}")
        MembershipFactory.create(user=user, organization=tta, role=role)
        actors[role] = actor_for_user(user)
    kept = Target(
        organization_ids=frozenset({tta.pk}),
        access_classification=C.AGENCY,
        access_write_roles=frozenset({R.TTA_STAFF}),
    )
    assert decide(actors[R.TTA_STAFF], "change", kept, P.ADMINISTRATION)
    assert not decide(actors[R.ADMINISTRATOR], "change", kept, P.ADMINISTRATION)
    assert decide(actors[R.ADMINISTRATOR], "view", kept, P.ADMINISTRATION)


def test_records_may_narrow_who_reads_them(db):
    """A record with ``access_read_roles`` is read only by those roles, in its organization and
    through partners alike, and ``restrict`` agrees with ``decide``."""
    from pmhc.platform.access import allowed_organization_ids

    agency = OrganizationFactory.create(slug="agency")
    actors = {}
    for role in (R.COORDINATOR, R.OFFICER):
        user = UserFactory.create(username=f"agency-{role}")
        MembershipFactory.create(user=user, organization=agency, role=role)
        actors[role] = actor_for_user(user)
    narrowed = Target(
        organization_ids=frozenset({agency.pk}),
        access_classification=C.AGENCY,
        access_read_roles=frozenset({R.COORDINATOR}),
    )
    assert decide(actors[R.COORDINATOR], "view", narrowed, P.ADMINISTRATION)
    assert not decide(actors[R.OFFICER], "view", narrowed, P.ADMINISTRATION)
    assert not decide(actors[R.OFFICER], "export", narrowed, P.ADMINISTRATION)
    roles = frozenset({R.COORDINATOR})
    for role, expected in ((R.COORDINATOR, {agency.pk}), (R.OFFICER, set())):
        ids = allowed_organization_ids(
            actors[role], "view", P.ADMINISTRATION, C.AGENCY, read_roles=roles
        )
        assert ids == expected


def test_require_gives_the_same_404_as_a_missing_record(world):
    from pmhc.platform.access import require

    actors, holders = world
    officer = actors[R.OFFICER]
    allowed = require(officer, "view", target(holders["same"], C.PERSONAL), P.ACTIVE_CALL)
    assert allowed.allowed
    with pytest.raises(Http404) as forbidden:
        require(officer, "view", target(holders["unrelated"], C.PERSONAL), P.ACTIVE_CALL)
    with pytest.raises(Http404) as missing:
        require(officer, "view", None, P.ACTIVE_CALL)
    assert str(forbidden.value) == str(missing.value) == "Not found"
