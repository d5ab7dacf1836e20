"""The instrument: the first edition's shape, and TTA staff revising it into a new edition
while assessments keep the edition they were taken with."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from pmhc.assessment import instrument_services, selectors, services
from pmhc.assessment.audit_codes import AssessmentAudit
from pmhc.assessment.instrument_content import ELEMENTS
from pmhc.assessment.instrument_services import ItemRevision
from pmhc.assessment.models import EditionStatus, Instrument
from pmhc.platform.access import ANONYMOUS, actor_for_user
from pmhc.platform.models import AuditEvent, Role, User
from pmhc.platform.tests.factories import MembershipFactory, OrganizationFactory, UserFactory

SEED_TITLES = [
    "Collaborative Planning and Implementation",
    "Program Design",
    "Specialized Training",
    "Call-Taker and Dispatcher Protocols",
    "Stabilization, Observation and Disposition",
    "Transportation and Custodial Transfer",
    "Information Exchange and Confidentiality",
    "Treatment, Supports, and Services",
    "Organizational Support",
    "Program Evaluation and Sustainability",
]


def test_first_edition_is_published_with_ten_elements(edition):
    assert [e.title for e in edition.elements] == SEED_TITLES
    assert [e.number for e in edition.elements] == list(range(1, 11))
    keys = [item.key for item in edition.items]
    assert len(keys) == len(set(keys))
    for element in edition.elements:
        assert len(element.items) >= 5, element.title
        for item in element.items:
            assert all(level.strip() for level in item.levels)
            assert item.statement.strip() and item.next_step.strip()
            assert item.key.startswith(f"{element.number}.")
    assert edition.item_count == sum(len(e["items"]) for e in ELEMENTS)
    assert {q.key for q in edition.profile} >= {"jurisdiction_type", "population"}
    assert Instrument.objects.get(edition=1).status == EditionStatus.PUBLISHED


@pytest.fixture
def tta(db):
    organization = OrganizationFactory.create(slug="tta", kind="tta_provider")
    staff = UserFactory.create(username="tta-staff")
    MembershipFactory.create(user=staff, organization=organization, role=Role.TTA_STAFF)
    admin = UserFactory.create(username="tta-admin")
    MembershipFactory.create(user=admin, organization=organization, role=Role.ADMINISTRATOR)
    return actor_for_user(staff), actor_for_user(admin)


def _revisions(element, **changes):
    rows = [
        ItemRevision(
            key=item.key.split(".", 1)[1],
            statement=item.statement,
            levels=item.levels,
            next_step=item.next_step,
        )
        for item in element.items
    ]
    rows[0] = ItemRevision(
        key=rows[0].key,
        statement=changes.get("statement", rows[0].statement),
        levels=rows[0].levels,
        next_step=rows[0].next_step,
    )
    rows[1] = ItemRevision(rows[1].key, rows[1].statement, rows[1].levels, rows[1].next_step, True)
    rows.append(ItemRevision("", "A brand new statement", ("n", "b", "d", "e"), "Start doing it."))
    return rows


def test_revising_makes_a_new_edition_and_old_assessments_keep_theirs(tta, cast, edition):
    staff, _admin = tta
    coordinator = cast.actor(cast.member)
    old = services.open_assessment(coordinator, organization=cast.agency, title="Before")

    draft = instrument_services.start_draft(staff)
    assert (draft.edition, draft.status) == (2, EditionStatus.DRAFT)
    assert instrument_services.start_draft(staff).pk == draft.pk  # one draft at a time
    element = edition.element(3)
    instrument_services.revise_element(
        staff,
        draft=draft,
        number=3,
        intent="Reworded intent.",
        items=_revisions(element, statement="Reworded first statement"),
    )
    # Until it is published, new assessments still take edition 1.
    assert services.current_instrument().edition == 1
    with pytest.raises(ValidationError):
        instrument_services.publish_draft(staff, draft=draft, note=" ")
    # A note too long is refused, never cut short.
    with pytest.raises(ValidationError, match="300 characters"):
        instrument_services.publish_draft(staff, draft=draft, note="x" * 301)
    instrument_services.publish_draft(staff, draft=draft, note="Element 3 reworded.")

    new = services.open_assessment(coordinator, organization=cast.agency, title="After")
    assert (old.instrument.edition, new.instrument.edition) == (1, 2)
    revised = selectors.edition_of(new).element(3)
    original = selectors.edition_of(old).element(3)
    assert original.items == element.items  # the old assessment's wording never changed
    assert revised.intent == "Reworded intent."
    assert revised.items[0].statement == "Reworded first statement"
    assert revised.items[0].key == element.items[0].key  # identity kept across editions
    assert element.items[1].key not in {i.key for i in revised.items}
    assert revised.items[-1].key == "3.a-brand-new-statement"
    with pytest.raises(ValidationError):  # a published edition never changes
        instrument_services.revise_element(staff, draft=draft, number=3, intent="x", items=[])
    events = AuditEvent.objects.filter(action=AssessmentAudit.INSTRUMENT_REVISED)
    assert events.count() == 3  # started, revised, published


def test_revision_refuses_incomplete_items_and_too_few(tta, edition):
    staff, _admin = tta
    draft = instrument_services.start_draft(staff)
    element = edition.element(1)
    broken = [ItemRevision("", "Only a statement", ("", "", "", ""), "")]
    with pytest.raises(ValidationError) as error:
        instrument_services.revise_element(staff, draft=draft, number=1, intent="x", items=broken)
    assert "item-0" in error.value.message_dict
    removing = [
        ItemRevision(i.key.split(".", 1)[1], i.statement, i.levels, i.next_step, True)
        for i in element.items
    ]
    with pytest.raises(ValidationError) as error:
        instrument_services.revise_element(staff, draft=draft, number=1, intent="x", items=removing)
    assert "items" in error.value.message_dict


def test_only_tta_staff_revise(tta, cast, edition):
    _staff, admin = tta
    for actor in (admin, cast.actor(cast.member), ANONYMOUS):
        with pytest.raises(PermissionDenied):
            instrument_services.start_draft(actor)
    assert not Instrument.objects.filter(status=EditionStatus.DRAFT).exists()


def test_revision_pages(tta, cast, client, edition):
    staff, _admin = tta
    assert client.get("/assess/instrument/").status_code == 200
    assert client.get("/assess/instrument/1/").status_code == 200
    assert client.get("/assess/instrument/9/").status_code == 404
    # Nobody but TTA staff reaches the draft.
    assert cast.client(cast.member).post("/assess/instrument/draft/start/").status_code == 404
    staff_client = cast.client(User.objects.get(pk=staff.user_id))
    assert staff_client.post("/assess/instrument/draft/start/").status_code == 302
    page = staff_client.get("/assess/instrument/draft/element/2/")
    assert page.status_code == 200
    form = page.context["form"]
    data = dict(form.initial)
    data["item0_statement"] = "Changed through the page"
    assert staff_client.post("/assess/instrument/draft/element/2/", data).status_code == 302
    response = staff_client.post("/assess/instrument/draft/", {"note": "Element 2 edited."})
    assert response.status_code == 302
    assert services.current_instrument().edition == 2
    second = selectors.edition_of_instrument(services.current_instrument())
    assert second.element(2).items[0].statement == "Changed through the page"
