"""Encounter data the outcomes are computed from: arrest and diversion, coded destinations,
restraints, more than one disposition, each responder's time, what was recorded about the
person (restricted), times that make sense everywhere, and the outcomes query."""

from __future__ import annotations

import datetime as dt
import importlib
from io import StringIO
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from pmhc.conftest import Cast
from pmhc.people import services as people_services
from pmhc.platform import restricted
from pmhc.platform.access import system_actor
from pmhc.platform.models import AuditEvent, Purpose, Role
from pmhc.response import selectors, services
from pmhc.response.audit_codes import ResponseAudit
from pmhc.response.import_services import EncounterRecordError, PersonRecord
from pmhc.response.models import (
    DIVERTED_FROM_ARREST,
    ED_VISIT_AVOIDED,
    Encounter,
    EncounterPerson,
    EncounterResponder,
    EncounterStatus,
)
from pmhc.response.services import EncounterRecord, ResponderRecord, import_encounters
from pmhc.response.tests.factories import make_call, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def dispositions(cast: Cast) -> dict[str, Any]:
    return {
        d.code: d
        for d in services.ensure_dispositions(cast.actor(cast.member), organization=cast.agency)
    }


def _draft(cast: Cast) -> Encounter:
    return services.start_encounter(cast.actor(cast.colleague), call=make_call(cast.agency))


# --- The rules, at every save -------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"law_outcome": "arrested"}, "law_outcome"),
        ({"law_outcome": "cited"}, "law_outcome"),
        ({"offence_present": True, "law_outcome": "diverted"}, "law_outcome"),
        ({"arrest_eligible": True}, "arrest_eligible"),
        ({"offence_present": True, "booked": True}, "booked"),
        ({"offence_present": True, "law_outcome": "cited", "booked": True}, "booked"),
        ({"charge_level": "felony"}, "charge_level"),
        ({"restraint_kind": "handcuffs"}, "restraint_kind"),
        ({"destination_kind": "somewhere"}, "destination_kind"),
        ({"law_outcome": "maybe"}, "law_outcome"),
        ({"ed_otherwise": "perhaps"}, "ed_otherwise"),
        ({"narrative": "x" * 10001}, "narrative"),
    ],
)
def test_rules_refuse_with_the_field_named(cast: Cast, values: dict[str, Any], field) -> None:
    encounter = _draft(cast)
    with pytest.raises(ValidationError) as exc:
        services.update_encounter(cast.actor(cast.colleague), encounter=encounter, **values)
    assert field in exc.value.message_dict
    encounter.refresh_from_db()
    assert encounter.law_outcome == "none" and not encounter.booked


@pytest.mark.parametrize(
    "values",
    [
        {"offence_present": True, "law_outcome": "arrested", "booked": True},
        {"offence_present": True, "law_outcome": "cited"},
        {"offence_present": True, "arrest_eligible": True, "law_outcome": "diverted"},
        {"restraints_used": True, "restraint_kind": "soft"},
        {"narrative": "x" * 10000},
    ],
)
def test_rules_accept_what_agrees(cast: Cast, values: dict[str, Any]) -> None:
    encounter = _draft(cast)
    services.update_encounter(cast.actor(cast.colleague), encounter=encounter, **values)
    encounter.refresh_from_db()
    for name, value in values.items():
        assert getattr(encounter, name) == value


def test_times_cannot_be_in_the_future_or_before_the_year_1970(cast: Cast) -> None:
    encounter = _draft(cast)
    actor = cast.actor(cast.colleague)
    with pytest.raises(ValidationError) as exc:
        services.update_encounter(
            actor, encounter=encounter, back_in_service_at=timezone.now() + dt.timedelta(hours=1)
        )
    assert "in the future" in exc.value.message_dict["back_in_service_at"][0]
    with pytest.raises(ValidationError) as exc:
        services.update_encounter(
            actor, encounter=encounter, handoff_at=dt.datetime(1969, 5, 1, tzinfo=dt.UTC)
        )
    assert "check the year" in exc.value.message_dict["handoff_at"][0]


def test_an_arrest_disposition_needs_the_arrest_marked_to_submit(cast: Cast, dispositions) -> None:
    encounter = _draft(cast)
    actor = cast.actor(cast.colleague)
    services.update_encounter(
        actor, encounter=encounter, disposition=dispositions["subject_arrested"]
    )
    with pytest.raises(ValidationError) as exc:
        services.submit_encounter(actor, encounter=encounter)
    assert list(exc.value.message_dict) == ["law_outcome"]
    services.update_encounter(
        actor,
        encounter=encounter,
        offence_present=True,
        arrest_eligible=True,
        law_outcome="arrested",
        charge_level="misdemeanor",
    )
    services.submit_encounter(actor, encounter=encounter)


# --- Other dispositions ---------------------------------------------------------------------


def test_more_than_one_disposition(cast: Cast, dispositions) -> None:
    encounter = _draft(cast)
    actor = cast.actor(cast.colleague)
    main, shelter, clinic = (
        dispositions["resolved_at_scene"],
        dispositions["shelter"],
        dispositions["crisis_clinic"],
    )
    # The main one is not repeated among the others.
    services.update_encounter(
        actor,
        encounter=encounter,
        disposition=main,
        other_dispositions=[shelter.pk, clinic.pk, main.pk],
    )
    assert set(encounter.other_dispositions.all()) == {shelter, clinic}
    event = AuditEvent.objects.filter(action=ResponseAudit.ENCOUNTER_CHANGED).latest("pk")
    assert event.after is not None
    assert event.after["other_dispositions"] == sorted([shelter.pk, clinic.pk])
    foreign = services.ensure_dispositions(system_actor(), organization=cast.outsider_org)[0]
    with pytest.raises(ValidationError) as exc:
        services.update_encounter(actor, encounter=encounter, other_dispositions=[foreign.pk])
    assert "other_dispositions" in exc.value.message_dict
    # One in use as another disposition is retired, never deleted.
    with pytest.raises(ValidationError):
        services.delete_disposition(cast.actor(cast.member), disposition=shelter)


# --- Responders' time ------------------------------------------------------------------------


def test_responder_times_follow_the_rules(cast: Cast) -> None:
    encounter = _draft(cast)
    actor = cast.actor(cast.colleague)
    received = encounter.call.received_at
    cases = [
        (received - dt.timedelta(minutes=1), None, "arrived_at"),
        (received + dt.timedelta(minutes=30), received + dt.timedelta(minutes=10), "cleared_at"),
        (received, timezone.now() + dt.timedelta(hours=1), "cleared_at"),
    ]
    for arrived, cleared, field in cases:
        with pytest.raises(ValidationError) as exc:
            services.add_responder(
                actor, encounter=encounter, name="Ofc. Ames", arrived_at=arrived, cleared_at=cleared
            )
        assert list(exc.value.message_dict) == [field]
    responder = services.add_responder(
        actor,
        encounter=encounter,
        name="Ofc. Ames",
        arrived_at=received + dt.timedelta(minutes=9),
        cleared_at=received + dt.timedelta(minutes=70),
    )
    author = encounter.responders.get(user=cast.colleague)
    services.set_responder_times(
        actor,
        responder=author,
        arrived_at=received + dt.timedelta(minutes=5),
        cleared_at=received + dt.timedelta(minutes=65),
    )
    author.refresh_from_db()
    assert author.cleared_at == received + dt.timedelta(minutes=65)
    assert responder.arrived_at == received + dt.timedelta(minutes=9)
    with pytest.raises(ValidationError):
        services.set_responder_times(
            actor, responder=author, arrived_at=received, cleared_at=received - dt.timedelta(1)
        )


# --- The person at the encounter: personal data, restricted --------------------------------


def _person(cast: Cast) -> Any:
    return people_services.create_person(
        cast.actor(cast.colleague),
        organization=cast.agency,
        purpose=Purpose.ACTIVE_CALL,
        given_name="Robin",
    )


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"race_ethnicity": ["not_recorded", "asian"]}, "race_ethnicity"),
        ({"race_ethnicity": ["martian"]}, "race_ethnicity"),
        ({"housing_status": "castle"}, "housing_status"),
        ({"presenting_concerns": ["hunger"]}, "presenting_concerns"),
    ],
)
def test_person_details_are_checked(cast: Cast, values: dict[str, Any], field: str) -> None:
    encounter = _draft(cast)
    with pytest.raises(ValidationError) as exc:
        services.add_person(
            cast.actor(cast.colleague), encounter=encounter, person=_person(cast), **values
        )
    assert list(exc.value.message_dict) == [field]
    assert not EncounterPerson.objects.exists()


def _linked(cast: Cast) -> tuple[Encounter, EncounterPerson]:
    encounter = _draft(cast)
    link = services.add_person(
        cast.actor(cast.colleague),
        encounter=encounter,
        person=_person(cast),
        race_ethnicity=["black", "hispanic"],
        housing_status="unsheltered",
        presenting_concerns=["suicidal", "substance_use"],
    )
    return encounter, link


def test_person_details_shown_to_responders_and_audited(cast: Cast) -> None:
    encounter, link = _linked(cast)
    url = reverse("response_encounter", args=[encounter.pk])
    body = cast.client(cast.colleague).get(url).content.decode()
    assert "Black or African American, Hispanic or Latino" in body
    assert "Unsheltered" in body and "Suicidal, Substance use" in body
    read = AuditEvent.objects.filter(action=ResponseAudit.ENCOUNTER_PERSON_READ).latest("pk")
    assert read.object_id == str(link.pk)


def test_person_details_written_to_the_trail_as_digests(cast: Cast) -> None:
    """Recording the person's details is audited: the event names each field, and keeps
    its value only as a keyed digest."""
    _encounter, link = _linked(cast)
    event = AuditEvent.objects.filter(
        action=ResponseAudit.ENCOUNTER_CHANGED, object_id=str(link.pk)
    ).latest("pk")
    after = event.after or {}
    assert set(after) >= {"role", "race_ethnicity", "housing_status", "presenting_concerns"}
    text = str(after)
    for value in ("black", "hispanic", "unsheltered", "suicidal", "substance_use"):
        assert value not in text


def test_person_details_withheld_where_the_policy_does_not_grant(cast: Cast) -> None:
    """A coordinator reads reports, not what they say about a person for an active call."""
    _encounter, link = _linked(cast)
    before = AuditEvent.objects.filter(action=ResponseAudit.ENCOUNTER_PERSON_READ).count()
    fields = restricted.read(
        cast.actor(cast.member),
        link,
        Purpose.ACTIVE_CALL,
        audit_action=ResponseAudit.ENCOUNTER_PERSON_READ,
    )
    assert fields.withheld == {"race_ethnicity", "housing_status", "presenting_concerns"}
    rows = selectors.person_details_rows(fields)
    assert len(rows) == 3 and all(isinstance(v, restricted.Withheld) for _, v in rows)
    assert AuditEvent.objects.filter(action=ResponseAudit.ENCOUNTER_PERSON_READ).count() == before
    officer = restricted.read(
        cast.actor(cast.colleague),
        link,
        Purpose.ACTIVE_CALL,
        audit_action=ResponseAudit.ENCOUNTER_PERSON_READ,
    )
    assert not officer.withheld
    assert AuditEvent.objects.filter(action=ResponseAudit.ENCOUNTER_PERSON_READ).count() == (
        before + 1
    )


def test_person_details_not_on_the_page_for_a_coordinator(cast: Cast) -> None:
    encounter, _link = _linked(cast)
    url = reverse("response_encounter", args=[encounter.pk])
    response = cast.client(cast.member).get(url)
    body = response.content.decode()
    assert response.status_code == 200
    assert "Unsheltered" not in body and "Hispanic" not in body and "Suicidal" not in body
    assert cast.client(cast.outsider).get(url).status_code == 404
    assert cast.client(None).get(url).status_code == 302


# --- The page keeps what was typed -----------------------------------------------------------


def _typed(**changes: Any) -> dict[str, Any]:
    data = {
        "report": "1",
        "highest_force": "none",
        "officer_injury": "none",
        "subject_injury": "none",
        "other_injury": "none",
        "transport": "none",
        "law_outcome": "none",
        "charge_level": "none",
        "narrative": "Talked on the porch for twenty minutes.",
        "force_reason": "",
    }
    data.update(changes)
    return data


def test_adding_a_responder_saves_the_report_as_typed(cast: Cast) -> None:
    encounter = _draft(cast)
    client = cast.client(cast.colleague)
    url = reverse("response_responder_add", args=[encounter.pk])
    response = client.post(
        url,
        _typed(
            **{"responder-name": "Ofc. Diaz", "responder-role": "officer"},
            offence_present="on",
            arrest_eligible="on",
            law_outcome="diverted",
            charge_level="misdemeanor",
        ),
    )
    assert response.status_code == 302
    encounter.refresh_from_db()
    assert encounter.narrative == "Talked on the porch for twenty minutes."
    assert encounter.law_outcome == "diverted" and encounter.arrest_eligible
    assert encounter.responders.filter(name="Ofc. Diaz").exists()


def test_a_report_with_errors_keeps_the_responder_and_the_report_typed(cast: Cast) -> None:
    encounter = _draft(cast)
    client = cast.client(cast.colleague)
    url = reverse("response_responder_add", args=[encounter.pk])
    response = client.post(
        url,
        _typed(
            **{"responder-name": "Ofc. Diaz", "responder-role": "officer"},
            transport="involuntary",
        ),
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "needs its legal basis" in body
    assert 'value="Ofc. Diaz"' in body and "Talked on the porch" in body
    assert not encounter.responders.filter(name="Ofc. Diaz").exists()
    encounter.refresh_from_db()
    assert encounter.narrative == ""


def test_adding_a_new_person_saves_the_report_and_the_details(cast: Cast) -> None:
    encounter = _draft(cast)
    client = cast.client(cast.colleague)
    response = client.post(
        reverse("response_person_add", args=[encounter.pk]),
        _typed(
            kind="new",
            **{
                "person-given_name": "Sam",
                "person-sex": "U",
                "person-role": "subject",
                "person-race_ethnicity": ["not_recorded"],
                "person-housing_status": "sheltered",
                "person-presenting_concerns": ["dementia"],
            },
        ),
    )
    assert response.status_code == 302
    encounter.refresh_from_db()
    assert encounter.narrative.startswith("Talked on the porch")
    link = EncounterPerson.objects.get(encounter=encounter)
    assert link.housing_status == "sheltered" and link.presenting_concerns == ["dementia"]


def test_text_limits_are_stated_and_enforced(cast: Cast) -> None:
    encounter = _draft(cast)
    client = cast.client(cast.colleague)
    url = reverse("response_encounter", args=[encounter.pk])
    body = client.get(url).content.decode()
    assert "Up to 10,000 characters." in body and "Up to 300 characters." in body
    response = client.post(url, _typed(force_reason="x" * 301))
    assert response.status_code == 400
    encounter.refresh_from_db()
    assert encounter.force_reason == ""


# --- Import with the new columns --------------------------------------------------------------


def _record(call: Any, **kwargs: Any) -> EncounterRecord:
    arrived = call.received_at + dt.timedelta(minutes=12)
    values: dict[str, Any] = {
        "call": call,
        "disposition": "crisis_clinic",
        "arrived_at": arrived,
        "back_in_service_at": arrived + dt.timedelta(hours=1),
        "responders": [
            ResponderRecord(
                name="Ofc. Lee", arrived_at=arrived, cleared_at=arrived + dt.timedelta(hours=1)
            )
        ],
    }
    values.update(kwargs)
    return EncounterRecord(**values)


def test_import_carries_the_new_columns(cast: Cast) -> None:
    person = _person(cast)
    call = make_call(cast.agency, hours_ago=30)
    record = _record(
        call,
        offence_present=True,
        arrest_eligible=True,
        law_outcome="diverted",
        charge_level="misdemeanor",
        transport="voluntary",
        transport_by="police",
        destination_kind="crisis_center",
        destination="County crisis center",
        restraints_used=True,
        restraint_kind="handcuffs",
        ed_otherwise="yes",
        other_dispositions=["shelter", "crisis_clinic"],
        persons=[PersonRecord(person=person.pk, housing_status="housed", race_ethnicity=["white"])],
    )
    assert import_encounters(system_actor(), organization=cast.agency, records=[record]) == 1
    encounter = Encounter.objects.get()
    assert encounter.law_outcome == "diverted" and encounter.restraint_kind == "handcuffs"
    assert [d.code for d in encounter.other_dispositions.all()] == ["shelter"]
    assert Encounter.objects.filter(DIVERTED_FROM_ARREST).count() == 1
    assert Encounter.objects.filter(ED_VISIT_AVOIDED).count() == 1
    responder = EncounterResponder.objects.get()
    assert responder.cleared_at is not None and responder.arrived_at is not None
    link = EncounterPerson.objects.get()
    assert link.housing_status == "housed" and link.race_ethnicity == ["white"]


def test_import_reports_every_rejected_record_with_its_line(cast: Cast) -> None:
    calls = [make_call(cast.agency, hours_ago=40 + i) for i in range(5)]
    future = timezone.now() + dt.timedelta(days=1)
    records = [
        _record(calls[0]),
        _record(calls[1], law_outcome="diverted"),
        _record(calls[2]),
        _record(calls[3], back_in_service_at=future),
        _record(
            calls[4],
            responders=[
                ResponderRecord(
                    name="Ofc. Lee",
                    arrived_at=calls[4].received_at + dt.timedelta(hours=2),
                    cleared_at=calls[4].received_at + dt.timedelta(hours=1),
                )
            ],
        ),
    ]
    with pytest.raises(EncounterRecordError) as exc:
        import_encounters(system_actor(), organization=cast.agency, records=records)
    problems = [(p.line, p.field_name) for p in exc.value.problems]
    assert problems == [(2, "law_outcome"), (4, "back_in_service_at"), (5, "responders")]
    assert "Line 4: back_in_service_at: This time is in the future" in exc.value.messages[1]
    assert Encounter.objects.count() == 0


# --- The migration of free-text destinations --------------------------------------------------


def test_free_text_destinations_map_to_codes() -> None:
    migration = importlib.import_module("pmhc.response.migrations.0003_code_existing_reports")
    assert {
        text: migration.kind_of(text)
        for text in (
            "Example County General Hospital, emergency department",
            "St. Luke's ER",
            "County Crisis Stabilization Unit",
            "Sobering center",
            "Western State Hospital",
            "County jail",
            "Family shelter",
            "Left at scene",
            "Riverside Clinic",
        )
    } == {
        "Example County General Hospital, emergency department": "emergency_department",
        "St. Luke's ER": "emergency_department",
        "County Crisis Stabilization Unit": "crisis_center",
        "Sobering center": "detox",
        "Western State Hospital": "psychiatric_hospital",
        "County jail": "jail",
        "Family shelter": "shelter",
        "Left at scene": "home",
        "Riverside Clinic": "other",
    }


def test_reports_filed_before_the_codes_are_coded(cast: Cast, dispositions) -> None:
    from django.apps import apps

    migration = importlib.import_module("pmhc.response.migrations.0003_code_existing_reports")
    arrested, clinic = _draft(cast), _draft(cast)
    Encounter.objects.filter(pk=arrested.pk).update(
        disposition=dispositions["subject_arrested"], destination="County Jail"
    )
    Encounter.objects.filter(pk=clinic.pk).update(
        disposition=dispositions["crisis_clinic"], destination="Riverside Clinic"
    )
    migration.forwards(apps, None)
    arrested.refresh_from_db()
    clinic.refresh_from_db()
    assert (arrested.destination_kind, arrested.destination) == ("jail", "County Jail")
    assert arrested.law_outcome == "arrested" and arrested.arrest_eligible
    assert (clinic.destination_kind, clinic.destination) == ("other", "Riverside Clinic")
    assert clinic.law_outcome == "none" and not clinic.arrest_eligible


# --- The outcomes query ----------------------------------------------------------------------


def _world(cast: Cast) -> None:
    """Five accepted reports of the agency, a draft and another agency's report: two
    diversions and one arrest of three people who could have been arrested; two emergency
    department visits avoided (one taken to a crisis center, one not transported) and one not
    (taken to the ED); officer time of 1 h + 0.5 h (own times, the clinician's left out) on
    one call and 2 h (the report's times) on another."""
    calls = [make_call(cast.agency, hours_ago=48 + i) for i in range(5)]

    def at(call: Any, minutes: int) -> dt.datetime:
        return call.received_at + dt.timedelta(minutes=minutes)

    records = [
        _record(
            calls[0],
            offence_present=True,
            arrest_eligible=True,
            law_outcome="diverted",
            charge_level="misdemeanor",
            ed_otherwise="yes",
            transport="voluntary",
            transport_by="police",
            destination_kind="crisis_center",
            destination="Crisis center",
            arrived_at=at(calls[0], 10),
            back_in_service_at=at(calls[0], 100),
            responders=[
                ResponderRecord(name="A", arrived_at=at(calls[0], 10), cleared_at=at(calls[0], 70)),
                ResponderRecord(name="B", arrived_at=at(calls[0], 20), cleared_at=at(calls[0], 50)),
                ResponderRecord(
                    name="C",
                    role="clinician",
                    arrived_at=at(calls[0], 10),
                    cleared_at=at(calls[0], 300),
                ),
            ],
        ),
        _record(
            calls[1],
            offence_present=True,
            arrest_eligible=True,
            law_outcome="diverted",
            charge_level="violation",
            arrived_at=at(calls[1], 10),
            back_in_service_at=at(calls[1], 130),
            responders=[ResponderRecord(name="D")],
        ),
        _record(
            calls[2],
            disposition="subject_arrested",
            offence_present=True,
            arrest_eligible=True,
            law_outcome="arrested",
            charge_level="felony",
            booked=True,
            responders=[],
        ),
        _record(
            calls[3],
            ed_otherwise="yes",
            transport="voluntary",
            transport_by="ems",
            destination_kind="emergency_department",
            destination="General Hospital",
            responders=[],
        ),
        _record(calls[4], ed_otherwise="yes", responders=[]),
    ]
    import_encounters(system_actor(), organization=cast.agency, records=records)
    # A draft is not counted.
    draft = services.start_encounter(
        cast.actor(cast.colleague), call=make_call(cast.agency, hours_ago=47)
    )
    services.update_encounter(
        cast.actor(cast.colleague), encounter=draft, offence_present=True, arrest_eligible=True
    )
    # Another agency's reports are not counted either.
    outsider_call = make_call(cast.outsider_org, hours_ago=48)
    import_encounters(
        system_actor(),
        organization=cast.outsider_org,
        records=[_record(outsider_call, ed_otherwise="yes")],
    )


def test_outcomes_exact_counts(cast: Cast, django_assert_max_num_queries) -> None:
    _world(cast)
    today = timezone.localdate()
    coordinator = cast.actor(cast.member)
    with django_assert_max_num_queries(4):
        result = selectors.outcomes(
            coordinator, cast.agency, today - dt.timedelta(days=10), today + dt.timedelta(days=1)
        )
    assert result.encounters == 5
    assert result.arrest_eligible == 3
    assert result.arrests == 1
    assert result.citations == 0
    assert result.diverted == 2
    assert result.ed_visits_avoided == 2
    assert result.officer_hours == pytest.approx(1.0 + 0.5 + 2.0)
    assert result.timed_calls == 2
    assert result.officer_hours_per_call == pytest.approx(1.75)
    # A period before the calls counts nothing.
    empty = selectors.outcomes(
        coordinator, cast.agency, today - dt.timedelta(days=30), today - dt.timedelta(days=20)
    )
    assert empty.encounters == 0 and empty.officer_hours_per_call is None


def test_outcomes_access_boundary(cast: Cast) -> None:
    today = timezone.localdate()
    supervisor = member(cast.agency, Role.SUPERVISOR, "sup")
    assert selectors.outcomes(cast.actor(supervisor), cast.agency, today, today).encounters == 0
    for user in (cast.colleague, cast.partner_user, cast.outsider, cast.admin):
        with pytest.raises(Http404):
            selectors.outcomes(cast.actor(user), cast.agency, today, today)
    outsider_coordinator = member(cast.outsider_org, Role.COORDINATOR, "oc")
    with pytest.raises(Http404):
        selectors.outcomes(cast.actor(outsider_coordinator), cast.agency, today, today)


def test_outcomes_on_the_agency_list_for_a_coordinator_only(cast: Cast) -> None:
    _world(cast)
    url = reverse("response_index") + "?scope=agency"
    body = cast.client(cast.member).get(url).content.decode()
    assert 'data-outcome="diverted">2<' in body and 'data-outcome="ed">2<' in body
    officer = cast.client(cast.colleague).get(url).content.decode()
    assert "data-outcome" not in officer


def test_outcomes_command_prints_the_counts(cast: Cast) -> None:
    _world(cast)
    out = StringIO()
    today = timezone.localdate()
    since, until = today - dt.timedelta(days=10), today + dt.timedelta(days=1)
    call_command(
        "outcomes", "--agency", "agency", "--since", str(since), "--until", str(until), stdout=out
    )
    text = out.getvalue()
    assert "Arrests diverted" in text
    lines = dict(line.strip().rsplit(None, 1) for line in text.splitlines()[1:7])
    assert lines["Arrests diverted"] == "2"
    assert lines["Emergency-department visits avoided"] == "2"
    assert Encounter.objects.filter(status=EncounterStatus.DRAFT).count() == 1


def test_responders_times_are_saved_with_the_report(cast: Cast) -> None:
    encounter = _draft(cast)
    author = encounter.responders.get()
    client = cast.client(cast.colleague)
    url = reverse("response_encounter", args=[encounter.pk])
    zone = ZoneInfo(cast.agency.time_zone)

    def local(minutes: int) -> str:
        moment = encounter.call.received_at + dt.timedelta(minutes=minutes)
        return timezone.localtime(moment, zone).strftime("%Y-%m-%dT%H:%M")

    prefix = f"times-{author.pk}"
    response = client.post(
        url, _typed(**{f"{prefix}-arrived_at": local(30), f"{prefix}-cleared_at": local(20)})
    )
    assert response.status_code == 400
    assert "This time comes before the responder" in response.content.decode()
    author.refresh_from_db()
    assert author.cleared_at is None
    response = client.post(
        url, _typed(**{f"{prefix}-arrived_at": local(10), f"{prefix}-cleared_at": local(70)})
    )
    assert response.status_code == 302
    author.refresh_from_db()
    assert author.cleared_at is not None and author.arrived_at is not None
    assert (author.cleared_at - author.arrived_at) == dt.timedelta(hours=1)
    event = AuditEvent.objects.filter(action=ResponseAudit.ENCOUNTER_CHANGED).latest("pk")
    assert event.after is not None and "cleared" in event.after["responders"][0]
