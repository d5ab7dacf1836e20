"""Restricted fields follow one rule on every page, export and API.

The fields are taken from the models' own ``restricted_fields`` declarations (so a field added
to one is covered here at once), each is filled with a value no page would print by chance,
and every page that shows its model is read: by a role the policy keeps from it (the value is
absent and a "Restricted" marker names the field), by a role it allows (the value is there and
the read is in the audit trail), and with the policy answering "no" for every restricted field,
which proves the page asks ``platform.restricted`` and not a list of its own. A last group
checks the declarations themselves: every free-text field of these apps' models is either
declared restricted or named as agency data on purpose.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import Any

import pytest
from django.apps import apps
from django.db import models
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from pmhc.conftest import Cast
from pmhc.dispatch import services as dispatch_services
from pmhc.dispatch.audit_codes import DispatchAudit
from pmhc.dispatch.models import Call
from pmhc.people import services as people_services
from pmhc.people.audit_codes import PeopleAudit
from pmhc.people.models import Consent, Person, PersonAlias
from pmhc.people.plan_models import ResponsePlanVersion
from pmhc.platform import restricted
from pmhc.platform.models import AuditEvent, Classification, Purpose, Role, User
from pmhc.response import services
from pmhc.response.audit_codes import ResponseAudit
from pmhc.response.forms import SECTIONS
from pmhc.response.models import (
    ContactNote,
    Encounter,
    EncounterAmendment,
    EncounterPerson,
    EncounterReview,
    EncounterStatus,
)
from pmhc.response.tests.factories import member

pytestmark = pytest.mark.django_db
CALL = Purpose.ACTIVE_CALL
APPS = ("dispatch", "response", "people")
#: Models that declare restricted fields, and the audit code their reads are recorded under.
READ_EVENTS: dict[type[models.Model], str] = {
    Call: DispatchAudit.CALL_NARRATIVE_READ,
    Encounter: ResponseAudit.ENCOUNTER_NARRATIVE_READ,
    EncounterReview: ResponseAudit.ENCOUNTER_NARRATIVE_READ,
    EncounterAmendment: ResponseAudit.ENCOUNTER_NARRATIVE_READ,
    EncounterPerson: ResponseAudit.ENCOUNTER_PERSON_READ,
    Person: PeopleAudit.PERSON_READ,
    PersonAlias: PeopleAudit.PERSON_READ,
    ContactNote: ResponseAudit.CONTACT_NOTE_READ,
    ResponsePlanVersion: PeopleAudit.PLAN_READ,
    Consent: PeopleAudit.CONSENT_READ,
}
#: The models of these apps that hold no restricted field, with their free-text fields, all
#: agency data: operational settings, import bookkeeping, the agency's own staff, and links
#: whose person is read through ``people``. A new free-text field here must be classified.
AGENCY_ONLY: dict[str, frozenset[str]] = {
    "dispatch.triageruleset": frozenset({"note"}),
    "dispatch.dutyshift": frozenset({"name"}),
    "dispatch.dispatchrevision": frozenset({"stamp"}),
    "dispatch.team": frozenset({"name", "provider", "contact"}),
    "dispatch.importmapping": frozenset({"name", "description"}),
    "dispatch.callimport": frozenset({"file_name", "stored_path", "error", "notes"}),
    "dispatch.callimportrejection": frozenset({"cad_event_id", "reason"}),
    "dispatch.callassignment": frozenset({"unit"}),
    "dispatch.callperson": frozenset(),
    # A warm transfer holds no free text: the line, its time and whether it was accepted.
    "dispatch.calltransfer": frozenset(),
    "response.disposition": frozenset({"code", "label"}),
    "response.encounterresponder": frozenset({"name"}),
    "response.encounterperson": frozenset({"role"}),
    # Identity resolution holds ids, scores and settings; the records it links are read
    # through ``people``.
    "people.identity": frozenset(),
    "people.linkagesettings": frozenset(),
    "people.linkagerun": frozenset({"stage", "error"}),
    "people.matchcandidate": frozenset({"status"}),
    "people.identitychange": frozenset({"kind"}),
    # A plan's content is in its versions; the plan holds its state and links.
    "people.responseplan": frozenset(),
}
#: A date no page prints by chance; the year is what is looked for.
BIRTH = dt.date(1913, 2, 17)


# --- Seeding every declared field ----------------------------------------------------------


def token(model: type[models.Model], name: str) -> str:
    return f"Seed{model.__name__}{name.replace('_', '')}"


def _field(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field), f"{model.__name__}.{name} is not a field"
    return field


def _is_text(field: object) -> bool:
    return isinstance(field, models.CharField | models.TextField) and not field.choices


def seed(model: type[models.Model], name: str) -> Any:
    """A value for a declared field that the page would show in a way the test can find."""
    field = _field(model, name)
    if model is Call and name == "answers":
        return {"behavior": token(model, name)}
    if model is Call and name == "reasons":
        return [token(model, name)]
    if isinstance(field, models.BooleanField):
        return True
    if field.choices:
        return [value for value, _label in field.choices][-2]
    if _is_text(field):
        return token(model, name)
    if isinstance(field, models.DateField):
        return BIRTH
    if isinstance(field, models.PositiveSmallIntegerField):
        return 117
    raise AssertionError(f"no seed for {model.__name__}.{name}: teach seed() how to fill it")


def visible(model: type[models.Model], name: str) -> str | None:
    """What a page shows of the seeded value, when it can be told apart from the rest."""
    field = _field(model, name)
    if _is_text(field) or (model is Call and name in {"answers", "reasons"}):
        return token(model, name)
    if isinstance(field, models.DateField):
        return str(BIRTH.year)
    return None


def tokens(*models_: type[models.Model]) -> list[str]:
    found = [visible(m, n) for m in models_ for n in restricted.declared(m)]
    return [t for t in found if t]


def seeds(model: type[models.Model], *, suffix: str = "") -> dict[str, Any]:
    """Every declared field of ``model`` seeded; free text ends with ``suffix``."""
    values = {name: seed(model, name) for name in restricted.declared(model)}
    return {
        name: value + suffix if _is_text(_field(model, name)) else value
        for name, value in values.items()
    }


class World:
    """A call with its narrative and answers, a person on it, an encounter report that was
    returned, accepted and amended, and a second report returned to its author; every
    restricted field filled."""

    def __init__(self, cast: Cast) -> None:
        self.cast = cast
        agency = cast.agency
        self.taker = member(agency, Role.CALL_TAKER, "taker")
        self.supervisor = member(agency, Role.SUPERVISOR, "sup")
        self.analyst = member(agency, Role.ANALYST, "analyst")
        self.author = cast.colleague
        self.coordinator = cast.member
        author = cast.actor(self.author)
        supervisor = cast.actor(self.supervisor)
        disposition = services.ensure_dispositions(cast.actor(cast.admin), organization=agency)[0]

        self.person = people_services.create_person(
            author,
            organization=agency,
            purpose=CALL,
            aliases=[token(PersonAlias, "name")],
            **seeds(Person),
        )
        call_values = seeds(Call)
        answers = call_values.pop("answers")
        close_reason = call_values.pop("close_reason")
        reasons = call_values.pop("reasons")
        self.call = dispatch_services.create_call(
            cast.actor(self.taker),
            organization=agency,
            cad_event_id="R-1",
            received_at=timezone.now() - dt.timedelta(hours=2),
            **call_values,
        )
        dispatch_services.triage_call(cast.actor(self.taker), call=self.call, answers=answers)
        # The rules' reasons come from the rule set; a seeded one stands for them, so that the
        # pages can be searched for it.
        Call.objects.filter(pk=self.call.pk).update(reasons=[*self.call.reasons, *reasons])
        self.call.refresh_from_db()
        # Cleared with no unit sent: the reason is restricted like the narrative.
        dispatch_services.record_times(
            cast.actor(self.taker),
            call=self.call,
            cleared_at=timezone.now() - dt.timedelta(hours=1),
            close_reason=close_reason,
        )
        dispatch_services.link_person(
            cast.actor(self.taker), call=self.call, person=self.person, role="subject"
        )

        def report(suffix: str) -> Encounter:
            encounter = services.start_encounter(author, call=self.call)
            services.update_encounter(
                author,
                encounter=encounter,
                highest_force="hands_on",
                disposition=disposition,
                **seeds(Encounter, suffix=suffix),
            )
            services.add_person(author, encounter=encounter, person=self.person)
            services.submit_encounter(author, encounter=encounter)
            services.review_encounter(
                supervisor,
                encounter=encounter,
                accept=False,
                comment=token(EncounterReview, "comment"),
            )
            return encounter

        # The filed report: its fields were corrected by an amendment, so the page shows
        # the values from before ("...Was") and after.
        self.filed = report("Was")
        services.submit_encounter(author, encounter=self.filed)
        services.review_encounter(supervisor, encounter=self.filed, accept=True)
        text = {
            name: value
            for name, value in seeds(Encounter).items()
            if _is_text(_field(Encounter, name))
        }
        services.amend_encounter(
            supervisor,
            encounter=self.filed,
            changes=text,
            reason=token(EncounterAmendment, "reason"),
        )
        self.filed.refresh_from_db()
        assert self.filed.status == EncounterStatus.ACCEPTED
        self.returned = report("")
        self.review = EncounterReview.objects.get(encounter=self.filed, decision="returned")
        self.amendment = EncounterAmendment.objects.get(encounter=self.filed)

    def client(self, user: User) -> Client:
        return self.cast.client(user)


@pytest.fixture
def world(cast: Cast) -> World:
    return World(cast)


@pytest.fixture
def policy_says_no(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every restricted field of every record refused, the records themselves still allowed:
    what a page shows then is what it shows without asking ``platform.restricted``."""
    monkeypatch.setattr(restricted, "readable", lambda *args, **kwargs: frozenset())


def _get(client: Client, url: str) -> tuple[int, str]:
    response = client.get(url)
    return response.status_code, response.content.decode()


def _marker(name: str) -> str:
    return f'data-restricted="{name}"'


def _fields_read(action: str, obj: models.Model) -> set[str]:
    names: set[str] = set()
    for detail in AuditEvent.objects.filter(
        action=action, object_type=obj._meta.label_lower, object_id=str(obj.pk)
    ).values_list("detail", flat=True):
        names |= set(detail.removeprefix("read: ").split(", "))
    return names


def _assert_withheld(body: str, hidden: Iterable[str], names: Iterable[str]) -> None:
    for value in hidden:
        assert value not in body, value
    for name in names:
        assert _marker(name) in body, name
    assert "Restricted" in body


def _assert_shown(body: str, values: Iterable[str]) -> None:
    for value in values:
        assert value in body, value
    assert "data-restricted=" not in body


# --- Encounters ----------------------------------------------------------------------------

ENCOUNTER_TOKENS = (Encounter, EncounterReview, EncounterAmendment)
PEOPLE_TOKENS = (Person, PersonAlias)
#: What the call and encounter pages print of a person they may show (the people pages print
#: the rest); withheld, none of ``tokens(*PEOPLE_TOKENS)`` may appear.
NAMES = [token(Person, "family_name"), token(Person, "given_name")]


def _encounter_pages(world: World) -> dict[str, tuple[User, str]]:
    """Each page that shows an encounter's restricted fields, with a role that may open it."""
    return {
        "filed": (world.supervisor, reverse("response_encounter", args=[world.filed.pk])),
        "author_form": (world.author, reverse("response_encounter", args=[world.returned.pk])),
        "amend": (world.supervisor, reverse("response_amend", args=[world.filed.pk])),
    }


def test_every_declared_encounter_field_is_on_the_report() -> None:
    """A declared field the pages never show would pass every check below without meaning."""
    on_report = {name for _key, _title, names in SECTIONS for name in names}
    assert set(restricted.declared(Encounter)) <= on_report


def test_coordinator_reads_the_filed_report_without_any_restricted_field(world: World) -> None:
    before = AuditEvent.objects.count()
    status, body = _get(
        world.client(world.coordinator), reverse("response_encounter", args=[world.filed.pk])
    )
    assert status == 200
    _assert_withheld(
        body,
        tokens(*ENCOUNTER_TOKENS, *PEOPLE_TOKENS),
        [*restricted.declared(Encounter), "comment", "reason", "person"],
    )
    assert AuditEvent.objects.count() == before


def test_supervisor_reads_the_filed_report_and_each_read_is_audited(world: World) -> None:
    status, body = _get(
        world.client(world.supervisor), reverse("response_encounter", args=[world.filed.pk])
    )
    assert status == 200
    _assert_shown(body, [*tokens(*ENCOUNTER_TOKENS), *NAMES])
    assert f"{token(Encounter, 'force_reason')}Was" in body  # the amendment's "from"
    event = READ_EVENTS[Encounter]
    assert _fields_read(event, world.filed) == set(restricted.declared(Encounter))
    assert _fields_read(event, world.review) == {"comment"}
    assert _fields_read(event, world.amendment) == {"reason"}
    assert world.person.pk and _fields_read(PeopleAudit.PERSON_READ, world.person)


def test_author_form_and_amend_page_show_and_audit(world: World) -> None:
    for page in ("author_form", "amend"):
        user, url = _encounter_pages(world)[page]
        before = AuditEvent.objects.filter(action=READ_EVENTS[Encounter]).count()
        status, body = _get(world.client(user), url)
        assert status == 200, page
        _assert_shown(body, tokens(Encounter))
        assert AuditEvent.objects.filter(action=READ_EVENTS[Encounter]).count() > before, page


@pytest.mark.usefixtures("policy_says_no")
@pytest.mark.parametrize("page", ["filed", "author_form", "amend"])
def test_every_encounter_page_asks_the_helper(world: World, page: str) -> None:
    user, url = _encounter_pages(world)[page]
    before = AuditEvent.objects.count()
    status, body = _get(world.client(user), url)
    assert status == 200
    expected = [*restricted.declared(Encounter)]
    if page == "filed":
        expected += ["comment", "reason", "person"]
    if page == "author_form":
        expected += ["comment", "person"]
    _assert_withheld(body, tokens(*ENCOUNTER_TOKENS, *PEOPLE_TOKENS), expected)
    assert AuditEvent.objects.count() == before


def test_a_withheld_field_is_not_changed_by_the_author_form(
    world: World, policy_says_no: None
) -> None:
    """The form leaves out what the actor may not read, so saving it keeps those values."""
    client = world.client(world.author)
    url = reverse("response_encounter", args=[world.returned.pk])
    response = client.post(
        url,
        {
            "highest_force": "hands_on",
            "officer_injury": "none",
            "subject_injury": "none",
            "other_injury": "none",
            "transport": "none",
            "narrative": "",
            "force_reason": "",
            "action": "save",
        },
    )
    assert response.status_code == 302
    world.returned.refresh_from_db()
    for name, value in seeds(Encounter).items():
        assert getattr(world.returned, name) == value, name


@pytest.mark.parametrize("who", ["analyst", "outsider"])
def test_encounter_pages_are_missing_for_those_who_may_not_read_reports(
    world: World, who: str
) -> None:
    user = getattr(world, who, None) or getattr(world.cast, who)
    before = AuditEvent.objects.count()
    for _page, (_owner, url) in _encounter_pages(world).items():
        status, body = _get(world.client(user), url)
        assert status == 404
        for value in tokens(*ENCOUNTER_TOKENS, *PEOPLE_TOKENS):
            assert value not in body
    assert AuditEvent.objects.count() == before


# --- Calls ---------------------------------------------------------------------------------


def test_coordinator_reads_the_call_without_its_restricted_fields(world: World) -> None:
    before = AuditEvent.objects.count()
    status, body = _get(
        world.client(world.coordinator), reverse("dispatch_call", args=[world.call.pk])
    )
    assert status == 200
    _assert_withheld(body, tokens(Call, *PEOPLE_TOKENS), [*restricted.declared(Call), "person"])
    assert AuditEvent.objects.count() == before


def test_call_taker_reads_the_call_and_the_read_is_audited(world: World) -> None:
    status, body = _get(world.client(world.taker), reverse("dispatch_call", args=[world.call.pk]))
    assert status == 200
    _assert_shown(body, [*tokens(Call), *NAMES, token(Person, "description")])
    assert _fields_read(READ_EVENTS[Call], world.call) == set(restricted.declared(Call))


@pytest.mark.usefixtures("policy_says_no")
def test_the_call_page_asks_the_helper(world: World) -> None:
    before = AuditEvent.objects.count()
    status, body = _get(world.client(world.taker), reverse("dispatch_call", args=[world.call.pk]))
    assert status == 200
    _assert_withheld(body, tokens(Call, *PEOPLE_TOKENS), [*restricted.declared(Call), "person"])
    assert AuditEvent.objects.count() == before


def test_call_page_is_missing_for_the_analyst(world: World) -> None:
    status, body = _get(world.client(world.analyst), reverse("dispatch_call", args=[world.call.pk]))
    assert status == 404
    assert not any(value in body for value in tokens(Call, *PEOPLE_TOKENS))


# --- People --------------------------------------------------------------------------------


def _people_pages(world: World) -> list[str]:
    return [
        reverse("people_person", args=[world.person.pk]),
        reverse("people_person_edit", args=[world.person.pk]),
        _search(world),
    ]


def _search(world: World) -> str:
    # Searched by the alias: the search box repeats what was typed.
    return reverse("people_index") + "?q=" + token(PersonAlias, "name")


def test_people_pages_show_the_person_whole_and_audit_each_read(world: World) -> None:
    shown = {
        reverse("people_person", args=[world.person.pk]): tokens(*PEOPLE_TOKENS),
        reverse("people_person_edit", args=[world.person.pk]): tokens(*PEOPLE_TOKENS),
        _search(world): [*NAMES, str(BIRTH.year)],
    }
    for url, values in shown.items():
        before = AuditEvent.objects.filter(action=PeopleAudit.PERSON_READ).count()
        status, body = _get(world.client(world.author), url)
        assert status == 200, url
        _assert_shown(body, values)
        assert AuditEvent.objects.filter(action=PeopleAudit.PERSON_READ).count() == before + 1
    assert _fields_read(PeopleAudit.PERSON_READ, world.person) == set(restricted.declared(Person))


@pytest.mark.parametrize("who", ["coordinator", "analyst"])
def test_people_pages_are_missing_for_those_who_may_not_read_people(world: World, who: str) -> None:
    before = AuditEvent.objects.count()
    for url in _people_pages(world):
        status, body = _get(world.client(getattr(world, who)), url)
        assert status == 404, url
        assert not any(value in body for value in tokens(*PEOPLE_TOKENS))
    assert AuditEvent.objects.count() == before


@pytest.mark.usefixtures("policy_says_no")
def test_a_person_any_of_whose_fields_is_refused_is_not_shown(world: World) -> None:
    for url in _people_pages(world)[:2]:
        assert world.client(world.author).get(url).status_code == 404
    _status, body = _get(world.client(world.author), _search(world))
    assert not any(value in body for value in [*NAMES, token(Person, "description")])
    assert reverse("people_person", args=[world.person.pk]) not in body


def test_people_declarations_follow_the_record() -> None:
    """The people pages print a person whole once the record may be read; that is only right
    while every declared field is as sensitive as the record (``people.selectors`` withholds
    the whole person otherwise)."""
    for model in PEOPLE_TOKENS:
        levels = set(restricted.declared(model).values())
        assert levels == {model.access_classification}, model


# --- Pages, exports and APIs that show these models but none of their restricted fields ----


def test_lists_and_the_api_show_no_restricted_field(world: World) -> None:
    hidden = tokens(*ENCOUNTER_TOKENS, Call)
    for user, url in (
        (world.supervisor, reverse("response_index") + "?scope=agency"),
        (world.supervisor, reverse("response_review_queue")),
        (world.author, reverse("response_index")),
        (world.taker, reverse("dispatch_calls")),
        (world.taker, reverse("dispatch_index")),
        (world.author, reverse("dispatch_index")),
        (world.author, reverse("people_person", args=[world.person.pk])),
    ):
        status, body = _get(world.client(user), url)
        assert status == 200, url
        assert not any(value in body for value in hidden), url
    response = world.client(world.taker).post(
        reverse("api_calls"),
        data=json.dumps(
            {
                "cad_event_id": "R-API",
                "received_at": (timezone.now() - dt.timedelta(minutes=5)).isoformat(),
                "narrative": token(Call, "narrative"),
                "answers": seed(Call, "answers"),
            }
        ),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert not any(value in response.content.decode() for value in hidden)


# --- The declarations ----------------------------------------------------------------------


def _models() -> list[type[models.Model]]:
    return [model for label in APPS for model in apps.get_app_config(label).get_models()]


def _free_text(model: type[models.Model]) -> set[str]:
    return {
        field.name
        for field in model._meta.get_fields()
        if isinstance(field, models.Field) and not field.is_relation and _is_text(field)
    }


@pytest.mark.parametrize("model", _models(), ids=lambda m: m._meta.label_lower)
def test_every_free_text_field_is_classified(model: type[models.Model]) -> None:
    """Forgetting to classify a new free-text field (or a new model's) fails here."""
    declared = restricted.declared(model)
    label = model._meta.label_lower
    if not declared:
        assert label in AGENCY_ONLY, f"{label}: declare restricted_fields or list it here"
        assert _free_text(model) <= AGENCY_ONLY[label], label
        return
    assert model in READ_EVENTS, f"{label}: say which audit code its reads are recorded under"
    agency = restricted.agency_text_fields(model)
    names = {field.name for field in model._meta.get_fields()}
    assert set(declared) <= names and agency <= names
    assert not set(declared) & agency
    unclassified = _free_text(model) - set(declared) - agency
    assert not unclassified, f"{label}: classify {sorted(unclassified)}"
    for level in declared.values():
        assert level not in {Classification.PUBLIC, Classification.AGENCY}, label


def test_the_models_the_finding_names_declare_their_fields() -> None:
    assert {"force_reason", "force_narrative", "narrative"} <= set(restricted.declared(Encounter))
    assert {"narrative", "answers"} <= set(restricted.declared(Call))
    assert {"family_name", "given_name", "date_of_birth", "description"} <= set(
        restricted.declared(Person)
    )
    assert "name" in restricted.declared(PersonAlias)


# --- The helper itself ---------------------------------------------------------------------


def test_read_marks_withheld_fields_and_audits_only_what_is_shown(world: World) -> None:
    cast = world.cast
    coordinator = restricted.read(
        cast.actor(world.coordinator), world.filed, CALL, audit_action=READ_EVENTS[Encounter]
    )
    assert coordinator.withheld == frozenset(restricted.declared(Encounter))
    marker = coordinator["force_reason"]
    assert isinstance(marker, restricted.Withheld) and str(marker) == "Restricted"
    assert _marker("force_reason") in marker.__html__()
    assert coordinator.data("force_reason") is None
    assert coordinator["highest_force"] == world.filed.highest_force  # not restricted
    before = AuditEvent.objects.count()
    nothing_shown = restricted.read(
        cast.actor(world.supervisor),
        world.filed,
        CALL,
        audit_action=READ_EVENTS[Encounter],
        shown=(),
    )
    assert nothing_shown["force_reason"] == token(Encounter, "force_reason")
    assert AuditEvent.objects.count() == before
    restricted.read(
        cast.actor(world.supervisor),
        world.filed,
        CALL,
        audit_action=READ_EVENTS[Encounter],
        shown=["narrative", "highest_force"],
    )
    event = AuditEvent.objects.latest("sequence")
    assert event.detail == "read: narrative" and event.purpose == CALL
    assert event.organization_id == world.filed.organization_id
