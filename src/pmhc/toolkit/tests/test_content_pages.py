"""Frequently asked questions, agency experiences, the lived-experience page and the content
review: what the migration loads, the public pages and search, and who may add, publish, order
and edit questions and experiences."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import Client
from django.urls import reverse

from pmhc.platform.access import actor_for_user
from pmhc.platform.models import AuditEvent, OrganizationKind, Role
from pmhc.platform.tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from pmhc.toolkit.audit_codes import ToolkitAudit
from pmhc.toolkit.models import PageContent
from pmhc.toolkit.selectors import content_lists as selectors
from pmhc.toolkit.services import content_lists as services

Kind = PageContent.Kind


@pytest.fixture
def tta(cast, settings):
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
        "staff": person("tta-staff", handling, Role.TTA_STAFF),
        "admin": person("tta-admin", handling, Role.ADMINISTRATOR),
        "other_staff": person("other-tta-staff", other, Role.TTA_STAFF),
    }


def text(response) -> str:
    return response.content.decode()


def add(user, title="How long is a site visit?", **changes):
    data = {"title": title, "summary": "It depends on the site.", "body": "Ask the site."}
    data.update(changes)
    return services.add_entry(actor_for_user(user), kind=Kind.FAQ, **data)


# --- What the migration loads -----------------------------------------------------------------


def test_migration_loads_questions_experiences_and_the_lived_experience_page(db):
    questions = list(selectors.published(Kind.FAQ))
    assert [q.number for q in questions] == list(range(1, len(questions) + 1))
    assert {q.slug for q in questions} >= {
        "what-is-a-pmhc",
        "which-program-type-fits",
        "request-technical-assistance",
        "visit-a-learning-site",
        "share-material-with-the-field",
        "what-is-home-safe",
        "sharing-information",
    }
    by_slug = {q.slug: q for q in questions}
    assert "within 36 hours" in by_slug["request-technical-assistance"].body
    assert "HIPAA binds the health partners" in by_slug["sharing-information"].body
    experiences = [e.slug for e in selectors.published(Kind.EXPERIENCE)]
    assert experiences == ["charlotte-mecklenburg-cit", "one-mind", "home-safe"]
    cmpd = PageContent.objects.get(kind=Kind.EXPERIENCE, slug="charlotte-mecklenburg-cit")
    assert "704" not in cmpd.body  # the seed's phone number is not copied
    page = selectors.page("lived-experience")
    for step in ("## Plan", "## Train", "## Respond", "## Follow up", "## Evaluate"):
        assert step in page.body
    for content in PageContent.objects.filter(kind__in=[Kind.FAQ, Kind.EXPERIENCE, Kind.PAGE]):
        assert content.version == 1 and content.versions.get().version == 1


def test_element_7_describes_part_2_as_the_2024_rule_has_it_and_whom_hipaa_binds(db):
    body = " ".join(PageContent.objects.get(kind=Kind.ELEMENT, number=7).body.split())
    assert "HIPAA binds the health partners**, not the police" in body
    assert "only where clinicians are part of its own workforce" in body
    assert "records of federally assisted substance use disorder treatment programs" in body
    assert "does not cover an officer's note that someone seemed intoxicated" in body
    assert "2024 final rule, one consent can cover all future uses" in body
    assert "treatment, payment and health care operations" in body
    assert "Sharing the records still needs the person's written consent" in body
    assert "HIPAA covered entity or business associate, or a Part 2 program" in body
    assert "usually including a police department, may not pass them on without" in body
    assert "limits on using the records against the person in legal proceedings remain" in body
    faq = " ".join(PageContent.objects.get(kind=Kind.FAQ, slug="sharing-information").body.split())
    assert "still needs the person's written consent" in faq
    assert "may not pass them on without the person's consent" in faq


def test_mobile_crisis_names_988_and_samhsa_national_guidelines(db):
    body = " ".join(
        PageContent.objects.get(kind=Kind.PROGRAM_TYPE, slug="mobile-crisis").body.split()
    )
    assert "988 is the national crisis line" in body
    assert "National Guidelines for Behavioral Health Crisis Care (2020, updated in 2025)" in body
    assert "someone to contact, someone to respond, and a safe place for help" in body
    assert "CAHOOTS" not in body  # a figure without a source here is removed
    assert "Indianapolis" not in PageContent.objects.get(slug="co-responder").body


# --- Public pages ---------------------------------------------------------------------------


def test_public_reads_published_questions_only(db, tta, django_assert_max_num_queries):
    hidden = add(tta["staff"], title="A draft question about zebras")
    client = Client()
    with django_assert_max_num_queries(4):
        response = client.get(reverse("learn_faq"))
    page = text(response)
    assert response.status_code == 200
    assert "What is a police–mental health collaboration?" in page
    assert hidden.title not in page
    assert "Manage the questions" not in page


def test_experiences_and_lived_experience_pages_are_public(db, django_assert_max_num_queries):
    client = Client()
    with django_assert_max_num_queries(4):
        response = client.get(reverse("learn_experiences"))
    page = text(response)
    assert "Charlotte-Mecklenburg Police Department" in page and "One Mind" in page
    assert "Kevin and Avonte" in page
    with django_assert_max_num_queries(4):
        response = client.get(reverse("learn_lived_experience"))
    page = text(response)
    assert "Where pmhc gives them a role" in page
    assert f'href="{reverse("assess_home")}"' in page
    assert "Response plans" in page and "Home Safe" in page


def test_home_learn_and_element_1_link_the_new_pages(db):
    client = Client()
    home = text(client.get(reverse("home")))
    for name in ("learn_experiences", "learn_lived_experience", "learn_faq"):
        assert f'href="{reverse(name)}"' in home
    learn = text(client.get(reverse("learn_index")))
    assert f'href="{reverse("learn_experiences")}"' in learn
    element = text(client.get(reverse("learn_element", kwargs={"number": 1})))
    assert f'href="{reverse("learn_lived_experience")}"' in element
    element_2 = text(client.get(reverse("learn_element", kwargs={"number": 2})))
    assert f'href="{reverse("learn_lived_experience")}"' not in element_2


# --- Search (runs on SQLite and on PostgreSQL) ----------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("learning site visit", "visit-a-learning-site"),
        ("Part 2 consent", "sharing-information"),
        ("Kevin Avonte", "what-is-home-safe"),
        ("technical assistance request form", "request-technical-assistance"),
        ("assistance requests", "request-technical-assistance"),
    ],
)
def test_search_finds_the_question_with_those_words(db, query, expected):
    found = [q.slug for q in selectors.search_questions(query)]
    assert found and found[0] == expected, (connection.vendor, found)


def test_search_leaves_out_unpublished_questions_and_nonsense(db, tta):
    add(tta["staff"], title="Zebras and crossings", summary="Zebras.", body="Zebras.")
    assert selectors.search_questions("zebras") == []
    assert selectors.search_questions("qwertyuiop") == []
    assert selectors.search_questions("the and of") == []
    assert selectors.search_questions("") == []


def test_search_results_are_bounded_and_the_page_query_count_is_pinned(
    db, tta, django_assert_max_num_queries
):
    for n in range(selectors.SEARCH_LIMIT + 5):
        entry = add(tta["staff"], title=f"Walrus question {n}", body="Walrus walrus.")
        services.set_published(actor_for_user(tta["staff"]), content=entry, published=True)
    assert len(selectors.search_questions("walrus")) == selectors.SEARCH_LIMIT
    client = Client()
    with django_assert_max_num_queries(4):
        response = client.get(reverse("learn_faq"), {"q": "walrus " * 200})
    page = text(response)
    assert response.status_code == 200
    assert page.count('class="pmhc-faq"') == selectors.SEARCH_LIMIT
    assert "Only the 20 best matches are shown" in page


def test_search_page_shows_matches_and_says_when_none(db):
    client = Client()
    page = text(client.get(reverse("learn_faq"), {"q": "Home Safe wandering"}))
    assert "What is Home Safe?" in page and "What is a police–mental health" not in page
    page = text(client.get(reverse("learn_faq"), {"q": "qwertyuiop"}))
    assert "No question matches" in page


# --- Staff keep the lists -------------------------------------------------------------------


def test_tta_staff_add_publish_and_order_a_question(db, tta):
    staff = tta["staff"]
    actor = actor_for_user(staff)
    entry = add(staff, note="From a caller")
    assert not entry.is_published and entry.version == 1
    assert entry.number == PageContent.objects.filter(kind=Kind.FAQ).count()
    assert entry.versions.get().note == "From a caller"
    services.set_published(actor, content=entry, published=True)
    assert entry.title in text(Client().get(reverse("learn_faq")))
    services.set_published(actor, content=entry, published=True)  # again: nothing happens
    last = entry.number
    moved = services.move_entry(actor, content=entry, direction=services.UP)
    assert moved.number == last - 1
    services.move_entry(actor, content=moved, direction=services.DOWN)
    entry.refresh_from_db()
    assert entry.number == last
    assert services.move_entry(actor, content=entry, direction=services.DOWN).number == last
    numbers = list(PageContent.objects.filter(kind=Kind.FAQ).values_list("number", flat=True))
    assert sorted(n or 0 for n in numbers) == list(range(1, last + 1))
    codes = list(
        AuditEvent.objects.filter(object_id=str(entry.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert codes == [
        ToolkitAudit.CONTENT_CREATED,
        ToolkitAudit.CONTENT_PUBLISHED,
        ToolkitAudit.CONTENT_MOVED,
        ToolkitAudit.CONTENT_MOVED,
    ]
    services.set_published(actor, content=entry, published=False)
    assert entry.title not in text(Client().get(reverse("learn_faq")))
    assert AuditEvent.objects.filter(action=ToolkitAudit.CONTENT_UNPUBLISHED).count() == 1


def test_a_slug_never_takes_the_add_page_address(db, tta):
    assert add(tta["staff"], title="New").slug == "new-2"


def test_staff_pages_add_act_and_edit(db, tta, cast):
    client = cast.client(tta["staff"])
    manage = reverse("learn_manage", kwargs={"kind": "faq"})
    assert "What is Home Safe?" in text(client.get(manage))
    add_url = reverse("learn_manage_add", kwargs={"kind": "faq"})
    empty = client.post(add_url, {"title": "", "summary": "", "body": ""})
    assert empty.status_code == 400 and "pmhc-error-summary" in text(empty)
    response = client.post(
        add_url, {"title": "Do sites charge a fee?", "summary": "No.", "body": "No fee."}
    )
    assert response.status_code == 302
    entry = PageContent.objects.get(kind=Kind.FAQ, title="Do sites charge a fee?")
    act = reverse("learn_manage_act", kwargs={"kind": "faq", "slug": entry.slug})
    assert client.post(act, {"action": "publish"}).status_code == 302
    entry.refresh_from_db()
    assert entry.is_published
    events = AuditEvent.objects.count()
    bogus = client.post(act, {"action": "bogus"}, follow=True)
    assert "Choose publish, withdraw, up or down." in text(bogus)
    after = PageContent.objects.get(pk=entry.pk)
    assert (after.is_published, after.number, after.version) == (True, entry.number, 1)
    assert AuditEvent.objects.count() == events
    edit = reverse("learn_edit", kwargs={"kind": "faq", "slug": entry.slug})
    assert "Short answer" in text(client.get(edit))
    saved = client.post(
        edit,
        {"title": entry.title, "summary": "No fee.", "body": "No fee at all.", "version": 1},
    )
    assert saved.status_code == 302 and saved["Location"].startswith(manage)
    entry.refresh_from_db()
    assert entry.version == 2 and entry.versions.count() == 2
    page = reverse("learn_edit", kwargs={"kind": "page", "slug": "lived-experience"})
    assert client.get(page).status_code == 200


def test_anonymous_visitors_are_sent_to_sign_in(db):
    client = Client()
    entry = PageContent.objects.get(kind=Kind.FAQ, slug="what-is-a-pmhc")
    act = reverse("learn_manage_act", kwargs={"kind": "faq", "slug": entry.slug})
    for response in (
        client.get(reverse("learn_manage", kwargs={"kind": "faq"})),
        client.post(reverse("learn_manage_add", kwargs={"kind": "faq"}), {"title": "X"}),
        client.post(act, {"action": "withdraw"}),
    ):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    entry.refresh_from_db()
    assert entry.is_published
    assert not AuditEvent.objects.filter(action__startswith="content.").exists()


@pytest.mark.parametrize("who", ["officer", "outsider", "other_tta_staff", "tta_admin"])
def test_only_tta_staff_of_the_handling_organization_keep_the_lists(db, cast, tta, who):
    user = {
        "officer": cast.colleague,
        "outsider": cast.outsider,
        "other_tta_staff": tta["other_staff"],
        "tta_admin": tta["admin"],
    }[who]
    client = cast.client(user)
    entry = PageContent.objects.get(kind=Kind.FAQ, slug="what-is-a-pmhc")
    act = reverse("learn_manage_act", kwargs={"kind": "faq", "slug": entry.slug})
    count = PageContent.objects.count()
    assert client.get(reverse("learn_manage", kwargs={"kind": "faq"})).status_code == 404
    add_url = reverse("learn_manage_add", kwargs={"kind": "faq"})
    assert client.post(add_url, {"title": "X", "summary": "Y", "body": "Z"}).status_code == 404
    assert client.post(act, {"action": "withdraw"}).status_code == 404
    edit = reverse("learn_edit", kwargs={"kind": "faq", "slug": entry.slug})
    assert client.get(edit).status_code == 404
    assert "Manage the questions" not in text(client.get(reverse("learn_faq")))
    actor = actor_for_user(user)
    with pytest.raises(PermissionDenied):
        services.add_entry(actor, kind=Kind.FAQ, title="X", summary="Y", body="Z")
    with pytest.raises(PermissionDenied):
        services.set_published(actor, content=entry, published=False)
    with pytest.raises(PermissionDenied):
        services.move_entry(actor, content=entry, direction=services.DOWN)
    entry.refresh_from_db()
    assert entry.is_published and entry.number == 1
    assert PageContent.objects.count() == count
    assert not AuditEvent.objects.filter(action__startswith="content.").exists()


def test_staff_list_query_count_is_pinned(db, tta, cast, django_assert_max_num_queries):
    for n in range(10):
        add(tta["staff"], title=f"Extra question {n}")
    client = cast.client(tta["staff"])
    client.get(reverse("learn_manage", kwargs={"kind": "faq"}))  # warm the session
    with django_assert_max_num_queries(12):
        response = client.get(reverse("learn_manage", kwargs={"kind": "faq"}))
    assert text(response).count('">Extra question') == 10


def test_a_full_list_takes_no_more(db, tta, monkeypatch):
    monkeypatch.setattr(services, "MAX_ENTRIES", PageContent.objects.filter(kind="faq").count())
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        add(tta["staff"])
