"""Where each role lands after signing in; the menu offers exactly the sections a role may open;
the officer's list of calls puts returned reports first; missing pages and errors show the
product's own pages, in the demo's settings too."""

from __future__ import annotations

import datetime as dt
import re
import runpy
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from pmhc.conftest import PASSWORD, Cast
from pmhc.demo import generator
from pmhc.demo.generator import DEMO_USERS
from pmhc.dispatch import selectors as dispatch_selectors
from pmhc.dispatch import services as dispatch_services
from pmhc.dispatch.models import Call
from pmhc.dispatch.tests.helpers import cad_id, cit_officer_on_duty, member
from pmhc.platform.http import SESSION_KEY
from pmhc.platform.models import Role
from pmhc.platform.navigation import SECTIONS
from pmhc.platform.tests.factories import MembershipFactory, UserFactory
from pmhc.response.models import Encounter, EncounterStatus

DEMO_PASSWORD = "landing-demo-password-2026"

#: Where each demo role's sign-in ends (after every redirect).
LANDS_ON: dict[Role, str] = {
    Role.ADMINISTRATOR: "/org/example-county-pd/",
    Role.COORDINATOR: "/plan/",
    Role.CALL_TAKER: "/operate/calls/new/",
    Role.OFFICER: "/operate/",
    Role.SUPERVISOR: "/operate/encounters/review/",
    Role.CLINICIAN: "/operate/",
    Role.CASE_MANAGER: "/operate/people/review/",
    Role.ANALYST: "/measure/",
    Role.TTA_STAFF: "/assistance/queue/",
    Role.SITE_COORDINATOR: "/site/requests/",
}

_NAV = re.compile(r'<ul class="usa-nav__primary usa-accordion">(.*?)</ul>', re.S)
_HREF = re.compile(r'href="([^"]+)"')


def _sign_in(username: str, password: str, **query: str) -> tuple[Client, str]:
    client = Client()
    url = reverse("login") + (f"?next={query['next']}" if "next" in query else "")
    response = client.post(url, {"username": username, "password": password}, follow=True)
    assert response.status_code == 200, username
    return client, response.request["PATH_INFO"]


@pytest.mark.django_db
def test_each_demo_role_lands_on_its_work_and_its_menu_matches_what_it_may_open() -> None:
    generator.build(password=DEMO_PASSWORD, log=lambda _line: None)
    assert {role for _u, _o, role, _s, _d in DEMO_USERS} == set(LANDS_ON)
    sections = {reverse(section.url_name) for section in SECTIONS}
    for username, _org, role, _shift, _district in DEMO_USERS:
        client, landed = _sign_in(username, DEMO_PASSWORD)
        assert landed == LANDS_ON[role], username
        # The product's name in the header leads to the same page.
        assert client.get("/start/", follow=True).request["PATH_INFO"] == landed

        page = client.get(reverse("home")).content.decode()
        match = _NAV.search(page)
        assert match is not None
        menu = set(_HREF.findall(match.group(1))) & sections
        opens = {url for url in sections if client.get(url, follow=True).status_code == 200}
        assert menu == opens, f"{username}: menu {sorted(menu)}, opens {sorted(opens)}"
        # The landing page is one of the sections the menu offers, or under one.
        assert any(landed.startswith(url) for url in menu if url != "/"), username


@pytest.mark.django_db
def test_a_safe_next_still_wins_and_an_unsafe_one_lands_on_the_work(cast: Cast) -> None:
    _client, landed = _sign_in("member", PASSWORD, next="/learn/")
    assert landed == "/learn/"
    _client, landed = _sign_in("member", PASSWORD, next="https://evil.example/")
    assert landed == reverse("plan_home")


def test_anonymous_visitors_are_sent_to_sign_in(db: None) -> None:
    response = Client().get(reverse("landing"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_a_person_with_two_organizations_lands_by_the_one_they_act_for(cast: Cast) -> None:
    user = UserFactory.create(username="two-hats")
    MembershipFactory.create(user=user, organization=cast.agency, role=Role.ADMINISTRATOR)
    MembershipFactory.create(user=user, organization=cast.partner, role=Role.CLINICIAN)
    client = cast.client(user)
    assert client.get(reverse("landing"))["Location"] == reverse("org_home")
    # Switching with no page to return to lands on the work of the new organization.
    switched = client.post(reverse("acting_organization"), {"organization": cast.partner.pk})
    assert switched["Location"] == reverse("landing")
    assert client.session[SESSION_KEY] == cast.partner.pk
    assert client.get(reverse("landing"))["Location"] == reverse("dispatch_index")


@pytest.mark.django_db
def test_a_role_with_no_registered_page_lands_on_the_home_page(cast: Cast, monkeypatch) -> None:
    from pmhc.platform import landing

    monkeypatch.delitem(landing.LANDINGS, Role.ADMINISTRATOR)
    assert cast.client(cast.admin).get(reverse("landing"))["Location"] == reverse("home")


def test_a_role_cannot_land_on_two_pages() -> None:
    from pmhc.platform import landing

    with pytest.raises(ValueError, match="already lands on"):
        landing.register("home", Role.OFFICER)


@pytest.mark.django_db
def test_sections_not_offered_are_not_there(cast: Cast) -> None:
    analyst = member(cast.agency, Role.ANALYST)
    tta = member(cast.agency, Role.TTA_STAFF)
    for user in (analyst, tta):
        client = cast.client(user)
        assert client.get(reverse("dispatch_index")).status_code == 404
        assert client.get(reverse("training_home")).status_code == 404
        assert client.get(reverse("org_home")).status_code == 404
    # Allowed: each of these roles still opens its own.
    assert cast.client(cast.colleague).get(reverse("dispatch_index")).status_code == 200
    assert cast.client(cast.colleague).get(reverse("training_home")).status_code == 302
    assert cast.client(cast.member).get(reverse("training_home")).status_code == 200
    assert cast.client(cast.admin).get(reverse("org_home")).status_code == 302
    case_manager = member(cast.partner, Role.CASE_MANAGER)
    assert cast.client(case_manager).get(reverse("dispatch_index")).status_code == 200


# --- The officer's list of calls ------------------------------------------------------------


@pytest.mark.django_db
def test_officers_calls_put_returned_reports_first_then_to_file_then_done(
    cast: Cast, django_assert_max_num_queries
) -> None:
    taker = member(cast.agency, Role.CALL_TAKER)
    mine = cit_officer_on_duty(cast.agency, user=cast.colleague)
    now = timezone.now()

    def sent(hours_ago: int, status: str | None) -> str:
        call = dispatch_services.create_call(
            cast.actor(taker),
            organization=cast.agency,
            cad_event_id=cad_id(),
            received_at=now - dt.timedelta(hours=hours_ago),
        )
        dispatch_services.assign_unit(cast.actor(taker), call=call, trainee=mine)
        if status is not None:
            Encounter.objects.create(
                organization=cast.agency, call=call, filed_by=cast.colleague, status=status
            )
        return call.cad_event_id

    accepted = sent(1, EncounterStatus.ACCEPTED)
    submitted = sent(2, EncounterStatus.SUBMITTED)
    fresh = sent(3, None)
    draft = sent(4, EncounterStatus.DRAFT)
    returned = sent(5, EncounterStatus.RETURNED)
    # Another officer's report on a call does not give this officer's call a state.
    other = sent(6, None)
    Encounter.objects.create(
        organization=cast.agency,
        call=Call.objects.get(cad_event_id=other),
        filed_by=member(cast.agency, Role.OFFICER),
        status=EncounterStatus.RETURNED,
    )

    actor = cast.actor(cast.colleague)
    with django_assert_max_num_queries(1):
        rows = dispatch_selectors.officer_calls(actor, limit=10)
    order = [call.cad_event_id for call in rows]
    assert order == [returned, fresh, draft, other, accepted, submitted]
    labels = {call.cad_event_id: call.report_label for call in rows}  # type: ignore[attr-defined]
    assert labels == {
        returned: "Returned for changes",
        fresh: "Not started",
        draft: "Draft",
        other: "Not started",
        accepted: "Accepted",
        submitted: "Waiting for review",
    }

    body = cast.client(cast.colleague).get(reverse("dispatch_index")).content.decode()
    section = body.split("Calls you were sent to", 1)[1].split("</section>")[0]
    positions = [section.index(cad) for cad in order]
    assert positions == sorted(positions)
    assert "Returned for changes" in section and "Waiting for review" in section
    # A report still to finish opens; a call with none offers to file one; a done one, neither.
    card = section.split(returned, 1)[1].split("</li>")[0]
    assert "Open the report" in card
    card = section.split(fresh, 1)[1].split("</li>")[0]
    assert "File the encounter" in card
    card = section.split(submitted, 1)[1].split("</li>")[0]
    assert "Open the report" not in card and "File the encounter" not in card


@pytest.mark.django_db
def test_the_officers_list_is_bounded(cast: Cast) -> None:
    taker = member(cast.agency, Role.CALL_TAKER)
    mine = cit_officer_on_duty(cast.agency, user=cast.colleague)
    for _ in range(4):
        call = dispatch_services.create_call(
            cast.actor(taker),
            organization=cast.agency,
            cad_event_id=cad_id(),
            received_at=timezone.now(),
        )
        dispatch_services.assign_unit(cast.actor(taker), call=call, trainee=mine)
    assert len(dispatch_selectors.officer_calls(cast.actor(cast.colleague), limit=3)) == 3
    # Someone else sees none of them as theirs.
    assert dispatch_selectors.officer_calls(cast.actor(cast.member), limit=3) == []


# --- The product's own error pages ------------------------------------------------------------


def _demo_settings(monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    """The settings module as ``pmhc run`` loads it for the demo, read afresh."""
    monkeypatch.setenv("PMHC_MODE", "demo")
    monkeypatch.delenv("PMHC_DEBUG", raising=False)
    source = Path(django_settings.PACKAGE_DIR) / "settings.py"
    return runpy.run_path(str(source))


@pytest.mark.django_db
def test_a_missing_page_in_the_demo_is_the_products_own(monkeypatch, settings) -> None:
    demo = _demo_settings(monkeypatch)
    assert demo["MODE"] == "demo"
    assert demo["WHITENOISE_USE_FINDERS"] is True  # the demo still serves its static files
    settings.DEBUG = demo["DEBUG"]
    response = Client().get("/no-such-page/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "Page not found" in body
    assert 'href="/"' in body  # a way back
    assert "URLconf" not in body and "operate/calls/" not in body
    # With DEBUG off, the demo still serves its static files (WhiteNoise, from the finders).
    css = Client().get("/static/pmhc/pmhc.css")
    assert css.status_code == 200
    assert b"".join(css.streaming_content)  # type: ignore[attr-defined]


@pytest.mark.django_db
def test_with_debug_on_django_would_list_every_url(settings) -> None:
    # What the demo's settings avoid: shows that the check above can fail.
    settings.DEBUG = True
    body = Client().get("/no-such-page/").content.decode()
    assert "URLconf" in body


@pytest.mark.django_db
@pytest.mark.urls("pmhc.platform.tests.error_urls")
def test_an_error_in_the_demo_is_the_products_own_page(monkeypatch, settings) -> None:
    settings.DEBUG = _demo_settings(monkeypatch)["DEBUG"]
    response = Client(raise_request_exception=False).get("/fails/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "Something went wrong" in body
    assert 'href="/"' in body
    assert "Traceback" not in body and "RuntimeError" not in body


@pytest.mark.django_db
def test_a_signed_in_persons_missing_page_leads_back_to_their_work(cast: Cast) -> None:
    response = cast.client(cast.colleague).get("/no-such-page/")
    assert response.status_code == 404
    assert f'href="{reverse("landing")}"' in response.content.decode()


@pytest.mark.django_db
def test_without_report_states_the_calls_list_newest_first(cast: Cast, monkeypatch) -> None:
    from pmhc.dispatch import report_states

    monkeypatch.setattr(report_states, "_registered", [])
    taker = member(cast.agency, Role.CALL_TAKER)
    mine = cit_officer_on_duty(cast.agency, user=cast.colleague)
    made = []
    for hours_ago in (3, 1, 2):
        call = dispatch_services.create_call(
            cast.actor(taker),
            organization=cast.agency,
            cad_event_id=cad_id(),
            received_at=timezone.now() - dt.timedelta(hours=hours_ago),
        )
        dispatch_services.assign_unit(cast.actor(taker), call=call, trainee=mine)
        made.append(call.cad_event_id)
    rows = dispatch_selectors.officer_calls(cast.actor(cast.colleague))
    assert [call.cad_event_id for call in rows] == [made[1], made[2], made[0]]
    body = cast.client(cast.colleague).get(reverse("dispatch_index")).content.decode()
    section = body.split("Calls you were sent to", 1)[1].split("</section>")[0]
    assert section.count("File the encounter") == 3
    assert "Report:" not in section
