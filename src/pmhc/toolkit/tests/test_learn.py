"""Learn: the content the migration loads, the public pages, and who may edit them."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from pmhc.platform.access import actor_for_user
from pmhc.platform.models import AuditEvent, OrganizationKind, Role
from pmhc.platform.tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from pmhc.toolkit.audit_codes import ToolkitAudit
from pmhc.toolkit.models import (
    ContentVersion,
    LearningSite,
    LibraryItem,
    PageContent,
    ProgramTypeCode,
    ReviewStatus,
)
from pmhc.toolkit.selectors.content import BENEFITS, FACT_ROWS, OUTCOMES
from pmhc.toolkit.services.content import edit_content

MODULE_OF_ELEMENT = {
    1: "planning",
    2: "planning",
    3: "training",
    4: "dispatch",
    5: "response",
    6: "response",
    7: "people",
    8: "care",
    9: "assessment",
    10: "evaluation",
}


@pytest.fixture
def tta(cast, settings):
    """The handling TTA organization and another TTA provider."""
    settings.TTA_ORGANIZATION = "tta"
    handling = OrganizationFactory.create(
        slug="tta", name="TTA Center", kind=OrganizationKind.TTA_PROVIDER
    )
    other = OrganizationFactory.create(
        slug="other-tta", name="Other TTA Center", kind=OrganizationKind.TTA_PROVIDER
    )

    def person(username, org, role):
        user = UserFactory.create(username=username)
        MembershipFactory.create(user=user, organization=org, role=role)
        return user

    return {
        "org": handling,
        "other_org": other,
        "staff": person("tta-staff", handling, Role.TTA_STAFF),
        "admin": person("tta-admin", handling, Role.ADMINISTRATOR),
        "other_staff": person("other-tta-staff", other, Role.TTA_STAFF),
    }


def page_text(response) -> str:
    return response.content.decode()


# --- The content the migration loads ----------------------------------------------------------


def test_migration_loads_the_five_program_types_with_comparison_facts(db):
    types = PageContent.objects.filter(kind=PageContent.Kind.PROGRAM_TYPE)
    assert sorted(t.slug for t in types) == sorted(ProgramTypeCode.values)
    for content in types:
        assert content.title and content.summary and "## How it works" in content.body
        assert content.version == 1
        for key, _label in FACT_ROWS:
            assert content.facts.get(key), f"{content.slug} lacks the {key} fact"
        assert content.versions.get().version == 1


def test_migration_loads_the_ten_elements_with_intents_and_modules(db):
    elements = PageContent.objects.filter(kind=PageContent.Kind.ELEMENT).order_by("number")
    assert [e.number for e in elements] == list(range(1, 11))
    assert {e.number: e.module for e in elements} == MODULE_OF_ELEMENT
    for content in elements:
        assert len(content.summary) > 80, f"element {content.number} lacks its intent"
        assert "## What good looks like" in content.body
        assert "## Questions for your planning committee" in content.body
    assert elements[0].summary.startswith("Organizations and individuals representing")
    assert elements[3].title == "Call-Taker and Dispatcher Protocols"
    assert (
        ContentVersion.objects.filter(
            version=1, content__kind__in=[PageContent.Kind.PROGRAM_TYPE, PageContent.Kind.ELEMENT]
        ).count()
        == 15
    )


# --- Public pages -----------------------------------------------------------------------------

PUBLIC_PAGES = [
    ("home", {}),
    ("learn_index", {}),
    ("learn_programs", {}),
    ("learn_compare", {}),
    ("learn_elements", {}),
    *[("learn_program", {"slug": slug}) for slug in ProgramTypeCode.values],
    *[("learn_element", {"number": n}) for n in range(1, 11)],
]


@pytest.mark.parametrize(("name", "kwargs"), PUBLIC_PAGES)
def test_public_pages_render_for_anyone(db, name, kwargs):
    response = Client().get(reverse(name, kwargs=kwargs))
    assert response.status_code == 200
    text = page_text(response)
    assert "<h1" in text
    assert "Edit this page" not in text


def test_unknown_program_type_and_element_are_404(db):
    assert Client().get("/learn/programs/swat/").status_code == 404
    assert Client().get("/learn/elements/11/").status_code == 404
    assert Client().get("/learn/elements/0/").status_code == 404


def test_program_page_shows_its_facts_and_body(db):
    text = page_text(Client().get(reverse("learn_program", kwargs={"slug": "cit"})))
    assert "Crisis Intervention Team (CIT)" in text
    assert "40-hour course" in text
    assert "<h2>How it works</h2>" in text  # the Markdown body, rendered
    for _key, label in FACT_ROWS:
        assert f"<dt>{label}</dt>" in text


def test_comparison_table_has_the_five_types_as_columns(db):
    text = page_text(Client().get(reverse("learn_compare")))
    head = re.search(r"<thead>(.*?)</thead>", text, re.S)
    assert head is not None
    columns = re.findall(r'<th scope="col">(.*?)</th>', head.group(1), re.S)
    assert len(columns) == 5
    titles = [re.sub(r"<[^>]+>", "", c).strip() for c in columns]
    assert titles == [
        "Crisis Intervention Team (CIT)",
        "Co-responder team",
        "Mobile crisis team",
        "Case management team",
        "Tailored approach",
    ]
    rows = re.findall(r'<th scope="row">(.*?)</th>', text)
    assert rows == ["Who responds", "Training", "Staffing", "Depends on", "Fits"]
    body = re.search(r"<tbody>(.*?)</tbody>", text, re.S)
    assert body is not None
    assert body.group(1).count("<td>") == 25
    assert "<caption" in text


def test_program_page_lists_active_sites_and_published_items_only(db, tta):
    LearningSite.objects.create(
        agency="Active CIT Site PD",
        city="Springfield",
        state="IL",
        program_types=["cit"],
        contact_email="private.contact@example.org",
    )
    LearningSite.objects.create(
        agency="Inactive CIT Site PD", state="IL", program_types=["cit"], is_active=False
    )
    LearningSite.objects.create(
        agency="Co-responder Site PD", state="TX", program_types=["co-responder"]
    )

    def item(title, status, **tags):
        return LibraryItem.objects.create(
            reference=f"LIB-2026-{LibraryItem.objects.count() + 1:06d}",
            status_token_hash=title,
            reviewed_by_org=tta["org"],
            kind="policy",
            title=title,
            summary=f"About {title}",
            submitter_name="Sam Submitter",
            submitter_email="sam.submitter@example.org",
            status=status,
            **tags,
        )

    published = item("Published CIT policy", ReviewStatus.PUBLISHED, program_types=["cit"])
    item("Waiting CIT policy", ReviewStatus.SUBMITTED, program_types=["cit"])
    item("Published mobile crisis form", ReviewStatus.PUBLISHED, program_types=["mobile-crisis"])
    item("Published element 4 protocol", ReviewStatus.PUBLISHED, elements=[4])

    text = page_text(Client().get(reverse("learn_program", kwargs={"slug": "cit"})))
    assert "Active CIT Site PD" in text
    assert "Inactive CIT Site PD" not in text
    assert "Co-responder Site PD" not in text
    assert "Published CIT policy" in text
    assert reverse("library_item", kwargs={"pk": published.pk}) in text
    assert "Waiting CIT policy" not in text
    assert "Published mobile crisis form" not in text
    # Nothing personal reaches the public page.
    assert "private.contact@example.org" not in text
    assert "sam.submitter@example.org" not in text
    assert "Sam Submitter" not in text

    element = page_text(Client().get(reverse("learn_element", kwargs={"number": 4})))
    assert "Published element 4 protocol" in element
    assert "Published CIT policy" not in element
    other = page_text(Client().get(reverse("learn_element", kwargs={"number": 5})))
    assert "Published element 4 protocol" not in other
    assert "Nothing in the library is tagged with this element yet." in other


def test_element_page_names_its_module_and_never_links_one_not_built(db):
    care = page_text(Client().get(reverse("learn_element", kwargs={"number": 8})))
    assert "Care: service directory" in care
    assert "Coming" in care
    assert 'href="/operate/care' not in care
    response = Client().get(reverse("learn_element", kwargs={"number": 4}))
    assert 'href="/operate/"' in response.content.decode()
    text = page_text(response)
    assert "Dispatch: calls for service" in text
    assert "Call takers and dispatchers identify critical information" in text  # the intent
    assert "access to weapons" in text  # what good looks like
    assert "Questions for your planning committee" in text


def test_markdown_is_sanitised(db):
    PageContent.objects.filter(slug="cit").update(
        body='## Safe\n\n<script>alert("pwned")</script>\n\n'
        '<a href="javascript:alert(1)" onclick="steal()">click</a>\n\n'
        '<img src="x" onerror="steal()">'
    )
    text = page_text(Client().get(reverse("learn_program", kwargs={"slug": "cit"})))
    assert "<h2>Safe</h2>" in text
    assert "pwned" not in text
    assert "javascript:" not in text
    assert "onclick" not in text and "onerror" not in text and "steal()" not in text


def test_home_ties_every_benefit_to_an_outcome_or_marks_it(db):
    text = page_text(Client().get(reverse("home")))
    for outcome in OUTCOMES:
        assert str(outcome.label) in text
    for benefit in BENEFITS:
        assert str(benefit.label) in text
        assert benefit.outcome or benefit.note, f"{benefit.label} is neither tied nor explained"
    assert text.count("Also reported") == sum(1 for b in BENEFITS if not b.outcome)
    tied = {str(b.label): b.measured_by.label for b in BENEFITS if b.measured_by}
    assert tied["Fewer uses of force"] == "Less use of force and injury"
    assert tied["More referrals to behavioral health services"] == "More connections to resources"
    assert tied["Fewer repeat calls for service"] == "Fewer repeat encounters with law enforcement"
    assert tied["More jail diversions"] == (
        "Fewer arrests of people with mental illness where diversion fits"
    )


def test_home_has_the_starts_and_the_self_assessment(db):
    text = page_text(Client().get(reverse("home")))
    assert f'href="{reverse("sites_list")}"' in text
    assert f'href="{reverse("ta_request")}"' in text
    assert f'href="{reverse("library_index")}"' in text
    assert "Find a learning site" in text and "Request assistance" in text
    assert "Take the self-assessment" in text
    assert f'href="{reverse("assess_home")}"' in text
    element = page_text(Client().get(reverse("learn_element", kwargs={"number": 9})))
    assert f'href="{reverse("assess_home")}"' in element


def test_home_shows_a_signed_in_person_their_organizations(cast):
    text = page_text(cast.client(cast.colleague).get(reverse("home")))
    assert "Your organizations" in text
    assert "Agency PD — Officer" in text
    assert "Partner Clinic" not in text  # someone else's organization
    assert "Your organizations" not in page_text(Client().get(reverse("home")))


# --- Editing ----------------------------------------------------------------------------------


def edit_url(kind="program_type", slug="cit"):
    return reverse("learn_edit", kwargs={"kind": kind, "slug": slug})


def edit_data(content, **changes):
    data = {
        "title": content.title,
        "summary": content.summary,
        "body": content.body,
        "note": "",
        "version": content.version,
    }
    for key, _label in FACT_ROWS:
        data[f"fact_{key}"] = content.facts.get(key, "")
    data.update(changes)
    return data


def assert_nothing_written(content):
    content.refresh_from_db()
    assert content.version == 1
    assert "NEW TEXT" not in content.body
    assert not ContentVersion.objects.filter(content=content, version=2).exists()
    assert not AuditEvent.objects.filter(action=ToolkitAudit.CONTENT_CHANGED).exists()


def test_anonymous_editor_is_sent_to_sign_in(db):
    content = PageContent.objects.get(slug="cit")
    client = Client()
    for response in (
        client.get(edit_url()),
        client.post(edit_url(), edit_data(content, body="NEW TEXT")),
    ):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    assert_nothing_written(content)


@pytest.mark.parametrize("who", ["officer", "outsider", "other_tta_staff", "tta_admin"])
def test_only_tta_staff_of_the_handling_organization_may_edit(cast, tta, who):
    user = {
        "officer": cast.colleague,
        "outsider": cast.outsider,
        "other_tta_staff": tta["other_staff"],
        "tta_admin": tta["admin"],
    }[who]
    content = PageContent.objects.get(slug="cit")
    client = cast.client(user)
    get = client.get(edit_url())
    post = client.post(edit_url(), edit_data(content, body="NEW TEXT"))
    assert get.status_code == 404
    assert post.status_code == 404
    assert "Version history" not in page_text(get)
    assert_nothing_written(content)
    page = page_text(client.get(reverse("learn_program", kwargs={"slug": "cit"})))
    assert "Edit this page" not in page
    with pytest.raises(PermissionDenied):
        edit_content(
            actor_for_user(user),
            content=content,
            title="x",
            summary="x",
            body="NEW TEXT",
            facts=None,
        )
    assert_nothing_written(content)


def test_tta_staff_edit_a_program_type(cast, tta, django_assert_max_num_queries):
    staff = tta["staff"]
    client = cast.client(staff)
    public = client.get(reverse("learn_program", kwargs={"slug": "cit"}))
    assert f'href="{edit_url()}"' in page_text(public)

    form = client.get(edit_url())
    assert form.status_code == 200
    assert "Version history" in page_text(form)
    assert "Initial text, loaded with the product." in page_text(form)

    content = PageContent.objects.get(slug="cit")
    before_body = content.body
    response = client.post(
        edit_url(),
        edit_data(
            content,
            body=content.body + "\n\nNEW TEXT: officers from every shift.",
            fact_fits="NEW FIT TEXT",
            note="Added a line on shifts",
        ),
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("learn_program", kwargs={"slug": "cit"})

    content.refresh_from_db()
    assert content.version == 2
    assert content.updated_by == staff
    assert content.facts["fits"] == "NEW FIT TEXT"
    v2 = ContentVersion.objects.get(content=content, version=2)
    assert v2.edited_by == staff and v2.note == "Added a line on shifts"
    assert "NEW TEXT" in v2.body
    assert ContentVersion.objects.get(content=content, version=1).body == before_body

    event = AuditEvent.objects.get(action=ToolkitAudit.CONTENT_CHANGED)
    assert event.actor_id == staff.pk
    assert event.organization_id == tta["org"].pk
    assert event.object_id == str(content.pk)
    before, after = event.before, event.after
    assert before is not None and after is not None
    assert before["version"] == 1 and after["version"] == 2
    assert "NEW TEXT" not in before["body"] and "NEW TEXT" in after["body"]
    assert after["facts"]["fits"] == "NEW FIT TEXT"

    page = page_text(client.get(response["Location"]))
    assert "NEW TEXT: officers from every shift." in page
    assert "is now at version 2" in page
    compare = page_text(Client().get(reverse("learn_compare")))
    assert "NEW FIT TEXT" in compare
    history = page_text(client.get(edit_url()))
    assert "Added a line on shifts" in history
    with django_assert_max_num_queries(12):
        Client().get(reverse("learn_program", kwargs={"slug": "cit"}))


def test_tta_staff_edit_an_element(cast, tta):
    client = cast.client(tta["staff"])
    content = PageContent.objects.get(kind="element", number=3)
    public = page_text(client.get(reverse("learn_element", kwargs={"number": 3})))
    assert f'href="{edit_url("element", content.slug)}"' in public
    response = client.post(
        edit_url("element", content.slug),
        edit_data(content, summary="NEW INTENT for training."),
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("learn_element", kwargs={"number": 3})
    content.refresh_from_db()
    assert content.version == 2 and content.summary == "NEW INTENT for training."
    assert content.module == "training"
    assert "NEW INTENT for training." in page_text(client.get(response["Location"]))


def test_edit_form_explains_what_is_wrong(cast, tta):
    client = cast.client(tta["staff"])
    content = PageContent.objects.get(slug="cit")
    response = client.post(edit_url(), edit_data(content, title="", summary=""))
    assert response.status_code == 400
    text = page_text(response)
    assert "Enter a title." in text
    assert "Enter a summary of one or two sentences." in text
    unchanged = client.post(edit_url(), edit_data(content))
    assert unchanged.status_code == 400
    assert "Nothing has changed" in page_text(unchanged)
    content.refresh_from_db()
    assert content.version == 1


def test_a_stale_edit_does_not_overwrite_a_newer_one(cast, tta):
    client = cast.client(tta["staff"])
    content = PageContent.objects.get(slug="cit")
    stale = edit_data(content, body="SECOND EDITOR")
    assert client.post(edit_url(), edit_data(content, body="FIRST EDITOR")).status_code == 302
    response = client.post(edit_url(), stale)
    assert response.status_code == 400
    assert "Someone else saved this page" in page_text(response)
    content.refresh_from_db()
    assert content.version == 2 and content.body == "FIRST EDITOR"


def test_edit_service_refuses_unknown_comparison_rows(cast, tta):
    content = PageContent.objects.get(slug="cit")
    with pytest.raises(ValidationError):
        edit_content(
            actor_for_user(tta["staff"]),
            content=content,
            title=content.title,
            summary=content.summary,
            body=content.body,
            facts={"cost": "cheap"},
        )
    content.refresh_from_db()
    assert content.version == 1


def test_edit_page_for_an_unknown_kind_or_slug_is_404(cast, tta):
    client = cast.client(tta["staff"])
    assert client.get(edit_url("page", "cit")).status_code == 404
    assert client.get(edit_url("program_type", "nope")).status_code == 404
