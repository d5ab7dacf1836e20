"""The audit trail keeps ids, field names and digests of personal, safety, clinical and
substance-use values, never the values (finding #2 of the outside test): on the audit page and
in its CSV export, for every audit code, for events written now and for those written before
the rule, which still hold values in the database."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import models
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from pmhc.conftest import Cast
from pmhc.dispatch import services as dispatch_services
from pmhc.dispatch.audit_codes import DispatchAudit
from pmhc.people import services as people_services
from pmhc.people.audit_codes import PeopleAudit
from pmhc.platform import audit, audit_codes
from pmhc.platform.access import ANONYMOUS, actor_for_user, system_actor
from pmhc.platform.models import (
    AuditAction,
    AuditEvent,
    Classification,
    Organization,
    OrganizationKind,
    Purpose,
    Role,
    User,
)
from pmhc.platform.tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from pmhc.response import services as response_services
from pmhc.response.audit_codes import ResponseAudit
from pmhc.response.models import Transport
from pmhc.toolkit.audit_codes import ToolkitAudit
from pmhc.toolkit.services import assistance as ta_services
from pmhc.toolkit.services import library as library_services

pytestmark = pytest.mark.django_db
CALL = Purpose.ACTIVE_CALL

# --- What must never show: one record's sensitive values per object type ---------------------
#
# Written out here, not read from the models' declarations, so that a declaration that misses
# a field fails these tests instead of silently agreeing with them.

PERSON: dict[str, Any] = {
    "family_name": "Quarrington",
    "given_name": "Zebediah",
    "date_of_birth": "1957-03-14",
    "approximate_age": 67,
    "sex": "M",
    "veteran": "yes",
    "description": "Tall, scar over the left eyebrow, orange parka",
    "aliases": ["Zeb the Lighthouse (alias)"],
}
ALIAS: dict[str, Any] = {"name": "Zeb the Lighthouse"}
CALL_VALUES: dict[str, Any] = {
    "narrative": "Caller says Zebediah means to jump from the Harrowgate bridge",
    "answers": {"behavior": "Pacing on the Harrowgate railing", "violence_history": "yes"},
    "address": "1417 Quillfeather Lane",
    "latitude": "47.613205",
    "longitude": "-122.331421",
    "mh_indicators": ["suicide", "substance"],
    "decision_reason": "His sister Philippa Quarrington asked for EMS",
    "matched": ["suicide_risk"],
    "reasons": ["Talk of the Harrowgate bridge"],
}
ENCOUNTER: dict[str, Any] = {
    "narrative": "Zebediah spoke of the Harrowgate bridge and of his late wife Ottoline",
    "force_narrative": "Escorted by the arm after Zebediah lunged for the railing",
    "force_reason": "Lunged toward the Harrowgate railing",
    "refusal_reason": "St Ignatius ward turned Quarrington away: no bed",
    "danger_to_self": True,
    "danger_to_others": True,
    "crime_suspected": True,
    "comment": "Say what Ottoline's brother told you",
    "reason": "Corrected the name of Ottoline Quarrington",
}
TA_REQUEST: dict[str, Any] = {
    "contact_name": "Philippa Quarrington-Vance",
    "contact_title": "Sergeant of the Wobbleton desk",
    "agency": "Quillfeather Constabulary",
    "address": "88 Marrowbone Row",
    "phone": "(555) 017-4242",
    "email": "philippa.qv@quillfeather.example",
    "description": "Our Wobbleton crises keep repeating at night",
    "issues": "Nobody answers the Marrowbone line after dark",
    "steps_taken": "Met the Wobbleton clinic twice",
    "jurisdiction_name": "Quillfeather Borough",
    "declined_reason": "Wobbleton is outside our Marrowbone region",
}
LIBRARY_ITEM: dict[str, Any] = {
    "submitter_name": "Ottoline Brackenridge",
    "submitter_email": "ottoline.b@marrowbone.example",
    "submitter_agency": "Marrowbone Sheriff",
    "summary": "Brackenridge's notes on the Harrowgate crossing",
    "body": "Ask Ottoline Brackenridge for the Harrowgate forms",
    "review_note": "Brackenridge should remove the Harrowgate names",
}
SENSITIVE: dict[str, dict[str, Any]] = {
    "people.person": PERSON,
    "people.personalias": ALIAS,
    "dispatch.call": CALL_VALUES,
    "response.encounter": ENCOUNTER,
    "toolkit.tarequest": TA_REQUEST,
    "toolkit.libraryitem": LIBRARY_ITEM,
}
#: A detail that once held typed text (an amendment's reason).
TYPED_DETAIL = "Amended after Ottoline Quarrington's statement"


def _texts(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _texts(item)


#: Every seeded text long enough to be found only where it leaked.
NEEDLES = sorted(
    {
        text
        for values in SENSITIVE.values()
        for text in _texts(values)
        # Codes (``suicide``) also name things that are not values; those are checked
        # field by field instead.
        if " " in text or "@" in text
    }
    | {"1957-03-14", "Quarrington", "Zebediah", "Ottoline", "Harrowgate", TYPED_DETAIL}
)


# --- Reading the trail as the organization's administrator ------------------------------------


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _export(client: Client, organization: Organization, **query: str) -> list[dict[str, str]]:
    response = client.get(reverse("audit_export", args=[organization.slug]), query)
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode()  # type: ignore[attr-defined]
    if "text" not in query:  # a search is recorded with what was searched for
        _assert_no_needle(text, f"export {query}")
    return list(csv.DictReader(io.StringIO(text)))


def _page(client: Client, organization: Organization, **query: str) -> str:
    response = client.get(reverse("audit_list", args=[organization.slug]), query)
    assert response.status_code == 200
    text = response.content.decode()
    if "text" not in query:  # a search is shown and recorded with what was searched for
        _assert_no_needle(text, f"page {query}")
    return text


def _assert_no_needle(text: str, where: str) -> None:
    leaked = [needle for needle in NEEDLES if needle in text]
    assert not leaked, f"{where} shows {leaked}"


def _assert_values_hidden(rows: list[dict[str, str]]) -> int:
    """Every seeded field of every row holds nothing or a digest; the field name is kept.
    Returns how many seeded values were checked, so a test cannot pass on nothing."""
    checked = 0
    for row in rows:
        seeded = SENSITIVE.get(row["object_type"], {})
        for column in ("before", "after"):
            values = json.loads(row[column]) if row[column] else {}
            for key in seeded.keys() & values.keys():
                value = values[key]
                assert value in (None, "", [], {}) or audit.is_digest(value), (
                    f"{row['action']} {row['object_type']} {column}[{key}] = {value!r}"
                )
                checked += 1
    return checked


# --- Every audit code, synthetic events now and from before the rule ---------------------------


def _write_events(action: str, organization: Organization, *, old: bool) -> None:
    """One event per object type with every seeded field in before and after. ``old``
    writes them as the trail did before it kept digests: values as they are."""
    actor = system_actor("redaction test")
    for object_type, values in SENSITIVE.items():
        detail = TYPED_DETAIL if old and action in audit.typed_detail_actions() else ""
        audit.record(
            action,
            actor=actor,
            organization_id=organization.pk,
            object_type=object_type,
            object_id=4242,
            before=values,
            after=values,
            detail=detail,
        )


def test_every_audit_code_hides_sensitive_values_on_the_page_and_in_the_export(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as before_the_rule:
        # Events written before the rule: ``record`` stored what it was given.
        before_the_rule.setattr(audit, "redact", lambda values, **_: values)
        for action in audit_codes.codes():
            _write_events(action, cast.agency, old=True)
    people = AuditEvent.objects.filter(
        action=PeopleAudit.PERSON_CREATED, object_type="people.person"
    ).order_by("sequence")
    raw = people.first()
    assert raw is not None and "Quarrington" in str(raw.after)  # the old rows hold values
    for action in audit_codes.codes():
        _write_events(action, cast.agency, old=False)
    stored = people.last()
    assert stored is not None and "Quarrington" not in str(stored.before) + str(stored.after)

    client = _client(cast.admin)
    every_value = 2 * 2 * sum(len(values) for values in SENSITIVE.values())
    for action in audit_codes.codes():
        _page(client, cast.agency, action=action)
        # Viewing and exporting write events of their own; the seeded ones are all there.
        rows = [
            row
            for row in _export(client, cast.agency, action=action)
            if row["object_type"] in SENSITIVE
        ]
        assert len(rows) == 2 * len(SENSITIVE), action
        assert _assert_values_hidden(rows) == every_value, action
        # Field names stay, so a reader still sees what changed.
        person = next(r for r in rows if r["object_type"] == "people.person")
        assert set(json.loads(person["after"])) == set(PERSON)
    # The hashes cover what is stored: both kinds of event verify.
    call_command("audit", "verify", "--quiet")


def test_a_search_does_not_match_a_typed_detail_it_hides(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as before_the_rule:
        before_the_rule.setattr(audit, "redact", lambda values, **_: values)
        _write_events(ResponseAudit.ENCOUNTER_AMENDED, cast.agency, old=True)
    client = _client(cast.admin)
    found = _export(client, cast.agency, text="Ottoline")
    # Only the trail's own record of the search matches, not the amendment's hidden reason.
    assert {row["action"] for row in found} <= {AuditAction.AUDIT_EXPORTED.value}
    by_id = _export(client, cast.agency, text="4242")
    assert {row["action"] for row in by_id} >= {ResponseAudit.ENCOUNTER_AMENDED.value}
    assert all(audit.is_digest(row["detail"]) for row in by_id if row["object_id"] == "4242")


# --- The finding itself, and the same through every service that writes personal data ---------


def _create_person(cast: Cast) -> Any:
    return people_services.create_person(
        cast.actor(cast.colleague),
        organization=cast.agency,
        purpose=CALL,
        family_name=PERSON["family_name"],
        given_name=PERSON["given_name"],
        date_of_birth=dt.date(1957, 3, 14),
        sex=PERSON["sex"],
        veteran=PERSON["veteran"],
        description=PERSON["description"],
        aliases=[ALIAS["name"]],
    )


def test_the_person_created_export_shows_no_names_dates_aliases_or_descriptions(
    cast: Cast,
) -> None:
    """The outside test's request: an administrator, who holds no grant for people, exported
    ``people.person_created`` and read names, dates of birth, aliases and descriptions."""
    person = _create_person(cast)
    rows = _export(_client(cast.admin), cast.agency, action=PeopleAudit.PERSON_CREATED.value)
    assert len(rows) == 1
    after = json.loads(rows[0]["after"])
    assert rows[0]["object_id"] == str(person.pk)
    assert {"family_name", "given_name", "date_of_birth", "aliases", "description"} <= set(after)
    assert all(audit.is_digest(after[key]) for key in ("family_name", "aliases", "description"))
    assert _assert_values_hidden(rows) >= 5


@dataclass
class TTA:
    org: Organization
    staff: User
    admin: User


@pytest.fixture
def tta(cast: Cast, settings: Any) -> TTA:
    org = OrganizationFactory.create(
        slug="tta", name="Example TA Center", kind=OrganizationKind.TTA_PROVIDER
    )
    settings.TTA_ORGANIZATION = "tta"

    def person(username: str, role: Role) -> User:
        user = UserFactory.create(username=username)
        MembershipFactory.create(user=user, organization=org, role=role)
        return user

    return TTA(org, person("tta-staff", Role.TTA_STAFF), person("tta-admin", Role.ADMINISTRATOR))


def _member(organization: Organization, role: Role, username: str) -> User:
    user = UserFactory.create(username=username)
    MembershipFactory.create(user=user, organization=organization, role=role)
    return user


def _operate(cast: Cast) -> None:
    """A person in crisis through every service that writes about them."""
    taker = cast.actor(_member(cast.agency, Role.CALL_TAKER, "taker"))
    officer = cast.actor(cast.colleague)
    supervisor = cast.actor(_member(cast.agency, Role.SUPERVISOR, "sup"))
    person = _create_person(cast)
    people_services.update_person(
        officer, person=person, purpose=CALL, description="Now in a Harrowgate rain cape"
    )
    people_services.import_people(
        system_actor("loader"),
        organization=cast.agency,
        purpose=CALL,
        records=[{"family_name": "Quarrington", "given_name": "Ottoline"}],
        source="past reports",
    )
    received = timezone.now() - dt.timedelta(hours=3)
    call = dispatch_services.create_call(
        taker,
        organization=cast.agency,
        cad_event_id="R-0001",
        received_at=received,
        address=CALL_VALUES["address"],
        latitude=CALL_VALUES["latitude"],
        longitude=CALL_VALUES["longitude"],
        narrative=CALL_VALUES["narrative"],
        mh_indicators=CALL_VALUES["mh_indicators"],
    )
    dispatch_services.triage_call(
        taker,
        call=call,
        answers=CALL_VALUES["answers"],
        decision="ems",
        decision_reason=CALL_VALUES["decision_reason"],
    )
    dispatch_services.link_person(taker, call=call, person=person, role="subject")
    dispositions = response_services.ensure_dispositions(
        cast.actor(cast.member), organization=cast.agency
    )
    encounter = response_services.start_encounter(officer, call=call)
    arrived = received + dt.timedelta(minutes=10)
    response_services.update_encounter(
        officer,
        encounter=encounter,
        arrived_at=arrived,
        danger_to_self=True,
        danger_to_others=True,
        crime_suspected=True,
        highest_force="hands_on",
        force_reason=ENCOUNTER["force_reason"],
        force_narrative=ENCOUNTER["force_narrative"],
        transport=Transport.VOLUNTARY,
        transport_by="police",
        destination_kind="crisis_center",
        destination="Crisis center",
        arrived_facility_at=arrived + dt.timedelta(minutes=30),
        refused_at_facility=True,
        refusal_reason=ENCOUNTER["refusal_reason"],
        back_in_service_at=arrived + dt.timedelta(minutes=50),
        disposition=next(d for d in dispositions if d.code == "voluntary_transport"),
        narrative=ENCOUNTER["narrative"],
    )
    response_services.add_person(officer, encounter=encounter, person=person)
    response_services.submit_encounter(officer, encounter=encounter)
    response_services.review_encounter(
        supervisor, encounter=encounter, accept=False, comment=ENCOUNTER["comment"]
    )
    response_services.submit_encounter(officer, encounter=encounter)
    response_services.review_encounter(supervisor, encounter=encounter, accept=True)
    response_services.amend_encounter(
        supervisor,
        encounter=encounter,
        changes={"narrative": ENCOUNTER["narrative"] + " (and of the Quillfeather pier)"},
        reason=ENCOUNTER["reason"],
    )


def _toolkit(tta: TTA) -> None:
    """A member of the public asks for help and sends a document; TTA staff handle both."""
    staff = actor_for_user(tta.staff)
    ta_request, _token = ta_services.submit_request(
        ANONYMOUS,
        jurisdiction_type="city",
        state="WA",
        consent_to_contact=True,
        **{k: v for k, v in TA_REQUEST.items() if k != "declined_reason"},
    )
    ta_services.confirm_request(staff, ta_request=ta_request)
    ta_services.add_note(staff, ta_request=ta_request, text="Spoke with Philippa Quarrington-Vance")
    ta_services.decline_request(staff, ta_request=ta_request, reason=TA_REQUEST["declined_reason"])
    item, _token = library_services.submit_item(
        ANONYMOUS,
        kind="question",
        title="Crossing protocol",
        summary=LIBRARY_ITEM["summary"],
        body=LIBRARY_ITEM["body"],
        submitter_name=LIBRARY_ITEM["submitter_name"],
        submitter_email=LIBRARY_ITEM["submitter_email"],
        submitter_agency=LIBRARY_ITEM["submitter_agency"],
    )
    library_services.request_changes(staff, item=item, note=LIBRARY_ITEM["review_note"])


#: The codes the services above write, which carry values about a person.
OPERATE_CODES = {
    PeopleAudit.PERSON_CREATED,
    PeopleAudit.PERSON_CHANGED,
    PeopleAudit.PERSON_LINKED,
    PeopleAudit.PEOPLE_IMPORTED,
    DispatchAudit.CALL_CREATED,
    DispatchAudit.CALL_TRIAGED,
    ResponseAudit.ENCOUNTER_CREATED,
    ResponseAudit.ENCOUNTER_CHANGED,
    ResponseAudit.ENCOUNTER_SUBMITTED,
    ResponseAudit.ENCOUNTER_RETURNED,
    ResponseAudit.ENCOUNTER_ACCEPTED,
    ResponseAudit.ENCOUNTER_AMENDED,
}
TOOLKIT_CODES = {
    ToolkitAudit.TA_RECEIVED,
    ToolkitAudit.TA_CHANGED,
    ToolkitAudit.TA_NOTE_ADDED,
    ToolkitAudit.LIBRARY_SUBMITTED,
    ToolkitAudit.LIBRARY_REVIEWED,
}


def test_real_events_of_every_service_that_writes_about_a_person_show_no_value(
    cast: Cast, tta: TTA
) -> None:
    _operate(cast)
    _toolkit(tta)
    for organization, admin, codes in (
        (cast.agency, cast.admin, OPERATE_CODES),
        (tta.org, tta.admin, TOOLKIT_CODES),
    ):
        client = _client(admin)
        rows = _export(client, organization)
        written = {row["action"] for row in rows}
        expected = {code.value for code in codes}
        assert expected <= written, expected - written
        assert _assert_values_hidden(rows) > 0
        for action in sorted(written):
            _page(client, organization, action=action)
            _export(client, organization, action=action)
    call_command("audit", "verify", "--quiet")


def test_real_events_keep_what_the_trail_is_for(cast: Cast, tta: TTA) -> None:
    """Ids, field names, statuses and whether a value changed remain readable."""
    _operate(cast)
    _toolkit(tta)
    changed = AuditEvent.objects.get(action=PeopleAudit.PERSON_CHANGED)
    assert set(changed.after or {}) >= {"description", "family_name"}
    before, after = changed.before or {}, changed.after or {}
    assert before["description"] != after["description"]
    assert before["family_name"] == after["family_name"]
    linked = AuditEvent.objects.filter(action=PeopleAudit.PERSON_LINKED)
    assert all((e.after or {})["role"] == "subject" for e in linked)
    triaged = AuditEvent.objects.get(action=DispatchAudit.CALL_TRIAGED)
    assert (triaged.after or {})["decision"] == "ems"
    assert set(CALL_VALUES["answers"]) <= set((triaged.after or {})["answered_questions"])
    returned = AuditEvent.objects.get(action=ResponseAudit.ENCOUNTER_RETURNED)
    assert (returned.after or {})["status"] == "returned"
    declined = AuditEvent.objects.filter(action=ToolkitAudit.TA_CHANGED).order_by("sequence").last()
    assert declined is not None and (declined.after or {})["status"] == "declined"
    imported = AuditEvent.objects.get(action=PeopleAudit.PEOPLE_IMPORTED)
    assert (imported.after or {})["count"] == 1 and (imported.after or {})["source"]


# --- The rule itself --------------------------------------------------------------------------


def test_digests_are_keyed_per_object_and_repeatable(settings: Any) -> None:
    where = {"object_type": "people.person", "object_id": "1", "key": "veteran"}
    first = audit.digest("yes", **where)
    assert audit.is_digest(first) and first == audit.digest("yes", **where)
    # Another person's "yes" does not match: the most common digest gives nothing away.
    assert first != audit.digest("yes", **{**where, "object_id": "2"})
    assert first != audit.digest("no", **where)
    # Without the key (outside the database) nobody can test a guess.
    settings.SECRET_KEY = "another-secret-key-for-this-test-only-0123456789"
    assert first != audit.digest("yes", **where)


def test_redaction_fails_closed_and_is_idempotent() -> None:
    # An object type that names no model keeps ids and counts only.
    unknown = audit.redact(
        {"name": "Zebediah", "ids": [1, 2], "count": 2, "flag": False, "empty": ""},
        object_type="elsewhere.thing",
        object_id="9",
    )
    assert audit.is_digest(unknown["name"]) and audit.is_digest(unknown["flag"])
    assert (unknown["ids"], unknown["count"], unknown["empty"]) == ([1, 2], 2, "")
    # A PERSONAL record keeps ids (its relations) and what it declares; a key holding more
    # than an id under an id's name is hidden too.
    person = audit.redact(
        {"organization": 3, "role": "subject", "ids": ["Zebediah"], "aliases": ["Zeb"]},
        object_type="people.person",
        object_id="9",
    )
    assert (person["organization"], person["role"]) == (3, "subject")
    assert audit.is_digest(person["ids"]) and audit.is_digest(person["aliases"])
    assert audit.redact(person, object_type="people.person", object_id="9") == person
    # An agency record keeps its fields, except the ones declared stricter.
    call = audit.redact(
        {"cad_event_id": "C-1", "narrative": "Zebediah", "priority": 2},
        object_type="dispatch.call",
        object_id="9",
    )
    assert (call["cad_event_id"], call["priority"]) == ("C-1", 2)
    assert audit.is_digest(call["narrative"])


# --- A new field cannot slip through unclassified ---------------------------------------------

#: Free text on agency or public records, read as agency data on purpose and never about a
#: member of the public. Anything else must be declared on its model (``restricted_fields``,
#: ``agency_text_fields`` or ``audit_classifications``).
REVIEWED_AGENCY_TEXT = {
    ("platform", "datasharingagreement", "notes"),  # the parties' notes on their agreement
    ("platform", "outboundemail", "body"),  # never audited: its events hold status, attempts
    ("toolkit", "pagecontent", "summary"),  # published pages
    ("toolkit", "pagecontent", "body"),
    ("toolkit", "learningsite", "description"),  # published on the map
    ("toolkit", "learningsite", "visit_includes"),  # published on the site's page
    ("assessment", "planaction", "detail"),  # the program's own action plan
    ("training", "course", "description"),  # the agency's catalogue
    ("training", "rosterimport", "content"),  # staff roster; its events hold name and digest
}


def _declared(model: type[models.Model]) -> set[str]:
    return {
        *getattr(model, "restricted_fields", {}),
        *getattr(model, "agency_text_fields", ()),
        *getattr(model, "audit_classifications", {}),
    }


def test_every_free_text_field_of_an_agency_record_is_classified() -> None:
    """A PERSONAL record fails closed on its own; on an AGENCY one, free text is where a
    person's details hide, so each such field is a decision someone wrote down."""
    missing = []
    for model in apps.get_models():
        level = getattr(model, "access_classification", None)
        if not model.__module__.startswith("pmhc.") or level not in audit.CLEAR_LEVELS:
            continue
        for field in model._meta.concrete_fields:
            if not isinstance(field, models.TextField):
                continue
            key = (model._meta.app_label, model._meta.model_name, field.name)
            if field.name not in _declared(model) and key not in REVIEWED_AGENCY_TEXT:
                missing.append(".".join(str(part) for part in key))
    assert not missing, f"classify these for the audit trail: {missing}"


def test_classifications_named_in_declarations_exist() -> None:
    for model in apps.get_models():
        for level in getattr(model, "audit_classifications", {}).values():
            assert level in Classification.values, (model, level)
