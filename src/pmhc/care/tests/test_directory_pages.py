"""The directory's pages at their boundary (anonymous, wrong role, other organization,
allowed), what they show, and the queries their lists take."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from pmhc.care.models import CapacityUpdate, Service
from pmhc.care.tests.directory_helpers import SCENE, service
from pmhc.conftest import Cast
from pmhc.dispatch.tests.helpers import member
from pmhc.platform.models import Role

pytestmark = pytest.mark.django_db


def _now_params(**extra: str) -> dict[str, str]:
    return {"latitude": str(SCENE[0]), "longitude": str(SCENE[1]), **extra}


@pytest.mark.parametrize(
    "name", ["care_directory", "care_now", "care_directory_import", "care_directory_template"]
)
def test_anonymous_is_sent_to_sign_in(cast: Cast, name: str) -> None:
    response = cast.client(None).get(reverse(name))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_service_page_boundary(cast: Cast) -> None:
    kept = service(cast.agency, name="Lakeside Crisis Center", phone="555-0142")
    url = reverse("care_service", args=[kept.pk])
    assert cast.client(None).get(url).status_code == 302
    for allowed in (cast.colleague, cast.member, cast.partner_user):
        response = cast.client(allowed).get(url)
        assert response.status_code == 200
        assert "Lakeside Crisis Center" in response.text and "555-0142" in response.text
    for other in (cast.outsider, cast.expired_user):
        response = cast.client(other).get(url)
        assert response.status_code == 404
        assert "Lakeside" not in response.text
    missing = cast.client(cast.colleague).get(reverse("care_service", args=[kept.pk + 999]))
    assert missing.status_code == 404


def test_directory_lists_only_what_the_actor_reads(cast: Cast) -> None:
    service(cast.agency, name="Ours Crisis Center")
    service(cast.outsider_org, name="Theirs Crisis Center")
    service(cast.agency, name="Gone Crisis Center", active=False)
    colleague = cast.client(cast.colleague).get(reverse("care_directory")).text
    assert "Ours Crisis Center" in colleague
    assert "Theirs" not in colleague and "Gone Crisis Center" not in colleague
    # The keeper sees the unlisted one too, marked.
    keeper = cast.client(cast.member).get(reverse("care_directory")).text
    assert "Gone Crisis Center" in keeper and "Not listed" in keeper
    outsider = cast.client(cast.outsider).get(reverse("care_directory")).text
    assert "Theirs Crisis Center" in outsider and "Ours" not in outsider


def test_capacity_page_boundary_and_save(cast: Cast) -> None:
    kept = service(cast.agency, provider=cast.partner, capacity_total=12)
    url = reverse("care_capacity", args=[kept.pk])
    assert cast.client(None).get(url).status_code == 302
    # Wrong role (the keeper's officer), another organization, and a missing service.
    for refused in (cast.colleague, cast.outsider, cast.expired_user):
        assert cast.client(refused).get(url).status_code == 404
        assert cast.client(refused).post(url, {"capacity_open": "3"}).status_code == 404
    assert not CapacityUpdate.objects.exists()
    staff = cast.client(cast.partner_user)
    assert staff.get(url).status_code == 200
    response = staff.post(url, {"capacity_open": "3", "wait_minutes": "15"})
    assert response.status_code == 302
    kept.refresh_from_db()
    assert (kept.capacity_open, kept.wait_minutes) == (3, 15)
    shown = cast.client(cast.colleague).get(reverse("care_service", args=[kept.pk])).text
    assert "3 open" in shown and "updated just now" in shown


def test_capacity_errors_are_shown_and_nothing_saved(cast: Cast) -> None:
    kept = service(cast.agency, capacity_total=12)
    response = cast.client(cast.member).post(
        reverse("care_capacity", args=[kept.pk]), {"capacity_open": "13"}
    )
    assert response.status_code == 400
    assert "usa-error-message" in response.text or "usa-alert--error" in response.text
    assert not CapacityUpdate.objects.exists()


def test_listing_is_for_the_keepers(cast: Cast) -> None:
    kept = service(cast.agency)
    url = reverse("care_service_listing", args=[kept.pk])
    assert cast.client(cast.colleague).post(url, {"listed": "no"}).status_code == 404
    assert cast.client(cast.outsider).post(url, {"listed": "no"}).status_code == 404
    assert Service.objects.get(pk=kept.pk).active
    assert cast.client(cast.member).post(url, {"listed": "no"}).status_code == 302
    assert not Service.objects.get(pk=kept.pk).active


def test_where_now_lists_the_nearest_open_place_first_with_its_freshness(cast: Cast) -> None:
    now = timezone.now()
    service(cast.agency, name="Far Crisis Center", latitude=40.3)
    service(
        cast.agency,
        name="Near Crisis Center",
        latitude=40.02,
        capacity_open=4,
        capacity_updated_at=now - dt.timedelta(minutes=1),
    )
    service(cast.agency, name="No Drop-off Center", latitude=40.0, police_drop_off=False)
    service(cast.outsider_org, name="Elsewhere Crisis Center", latitude=40.0)
    response = cast.client(cast.colleague).get(
        reverse("care_now"), _now_params(police_drop_off="on", age="34")
    )
    assert response.status_code == 200
    text = response.text
    assert text.index("Near Crisis Center") < text.index("Far Crisis Center")
    assert "No Drop-off" not in text and "Elsewhere" not in text
    assert "updated 1 minute ago" in text and "4 open" in text
    assert "straight-line" in text and "<svg" in text


def test_where_now_validates_the_scene(cast: Cast) -> None:
    response = cast.client(cast.colleague).get(
        reverse("care_now"), {"latitude": "91", "longitude": "x"}
    )
    assert response.status_code == 400
    assert "usa-alert" in response.text or "usa-error-message" in response.text
    blank = cast.client(cast.colleague).get(reverse("care_now"))
    assert blank.status_code == 200 and 'data-testid="place"' not in blank.text


def test_where_now_shows_no_other_organizations_call(cast: Cast) -> None:
    response = cast.client(cast.outsider).get(reverse("care_now"), {"call": "999999"})
    assert response.status_code == 404


def test_operate_links_to_where_now(cast: Cast) -> None:
    service(cast.agency)
    officer = member(cast.agency, Role.OFFICER)
    response = cast.client(officer).get(reverse("dispatch_index"))
    assert reverse("care_now") in response.text


@pytest.mark.parametrize(("rows", "queries"), [(3, 10), (60, 10)])
def test_directory_page_queries_stay_fixed(
    cast: Cast, rows: int, queries: int, django_assert_num_queries
) -> None:
    for _n in range(rows):
        service(cast.agency, provider=cast.partner)
    client = cast.client(cast.colleague)
    client.get(reverse("care_directory"))
    with django_assert_num_queries(queries):
        response = client.get(reverse("care_directory"))
    assert response.status_code == 200
    assert response.text.count("/operate/care/directory/") >= min(rows, 50)


@pytest.mark.parametrize(("rows", "queries"), [(3, 10), (40, 10)])
def test_where_now_queries_stay_fixed(
    cast: Cast, rows: int, queries: int, django_assert_num_queries
) -> None:
    for _n in range(rows):
        service(cast.agency, provider=cast.partner)
    client = cast.client(cast.colleague)
    client.get(reverse("care_now"), _now_params())
    with django_assert_num_queries(queries):
        response = client.get(reverse("care_now"), _now_params())
    assert response.status_code == 200
    assert response.text.count('data-testid="place"') == min(rows, 20)


SERVICE_POST = {
    "name": "Riverbend Sobering Center",
    "external_id": "SOB-9",
    "kind": "sobering",
    "provider": "partner",
    "latitude": "40.01",
    "longitude": "-90.02",
    "open_all_hours": "on",
    "min_age": "18",
    "conditions": ["substance_use"],
    "police_drop_off": "on",
    "languages": "en, ES",
    "capacity_unit": "chairs",
    "capacity_total": "20",
}


def test_keepers_add_and_change_a_service(cast: Cast) -> None:
    new_url = reverse("care_service_new")
    # Wrong role (an officer) and a partner's clinician; another organization's keeper adds
    # to their own directory only (their page is theirs).
    for refused in (cast.colleague, cast.partner_user):
        assert cast.client(refused).get(new_url).status_code == 404
        assert cast.client(refused).post(new_url, SERVICE_POST).status_code == 404
    assert not Service.objects.exists()
    keeper = cast.client(cast.member)
    assert keeper.get(new_url).status_code == 200
    response = keeper.post(new_url, SERVICE_POST)
    assert response.status_code == 302
    added = Service.objects.get(organization=cast.agency, external_id="SOB-9")
    assert added.provider_id == cast.partner.pk and added.languages == ["en", "es"]
    assert added.conditions == ["substance_use"] and added.police_drop_off
    edit_url = reverse("care_service_edit", args=[added.pk])
    for refused in (cast.colleague, cast.partner_user, cast.outsider):
        assert cast.client(refused).get(edit_url).status_code == 404
    assert keeper.get(edit_url).status_code == 200
    changed = keeper.post(edit_url, {**SERVICE_POST, "name": "Riverbend Sobering Unit"})
    assert changed.status_code == 302
    assert Service.objects.get(pk=added.pk).name == "Riverbend Sobering Unit"
    from pmhc.care.audit_codes import CareAudit
    from pmhc.platform.models import AuditEvent

    assert AuditEvent.objects.filter(action=CareAudit.SERVICE_ADDED).count() == 1
    assert AuditEvent.objects.filter(action=CareAudit.SERVICE_CHANGED).count() == 1


def test_the_service_form_shows_its_errors(cast: Cast) -> None:
    service(cast.agency, external_id="TAKEN")
    response = cast.client(cast.member).post(
        reverse("care_service_new"),
        {
            **SERVICE_POST,
            "external_id": "TAKEN",
            "longitude": "",
            "max_age": "12",
            "provider": "nowhere",
        },
    )
    assert response.status_code == 400
    text = response.text
    assert "This is not one of your partner organizations." in text
    assert Service.objects.filter(external_id="SOB-9").count() == 0
    fixed = cast.client(cast.member).post(
        reverse("care_service_new"),
        {**SERVICE_POST, "external_id": "TAKEN", "longitude": "", "max_age": "12"},
    )
    assert fixed.status_code == 400
    assert "Give both latitude and longitude" in fixed.text
    assert "cannot be below the youngest" in fixed.text
    assert "Another service in the directory has this identifier." in fixed.text
    assert Service.objects.count() == 1


def test_the_new_service_form_shows_no_list_in_the_languages_field(cast: Cast) -> None:
    page = cast.client(cast.member).get(reverse("care_service_new")).text
    assert 'value="[]"' not in page


def test_where_now_opened_from_a_call_uses_its_place(cast: Cast) -> None:
    from pmhc.dispatch.models import Call
    from pmhc.dispatch.tests.units import crisis_team

    unit = crisis_team(cast)
    Call.objects.filter(pk=unit.call.pk).update(latitude="40.000000", longitude="-90.000000")
    service(cast.agency, name="Nearby Crisis Center", latitude=40.01)
    service(cast.agency, name="Walk-in Only Center", latitude=40.005, police_drop_off=False)
    call_page = cast.client(cast.colleague).get(reverse("dispatch_call", args=[unit.call.pk]))
    assert f"{reverse('care_now')}?call={unit.call.pk}" in call_page.text
    response = cast.client(cast.colleague).get(reverse("care_now"), {"call": unit.call.pk})
    assert response.status_code == 200
    assert 'value="40.000000"' in response.text
    # Police bring the person: places without police drop-off are left out.
    assert "Nearby Crisis Center" in response.text and "Walk-in Only" not in response.text
    # Another organization cannot use the call, and learns nothing of it.
    assert (
        cast.client(cast.outsider).get(reverse("care_now"), {"call": unit.call.pk}).status_code
        == 404
    )


def test_a_service_is_run_only_by_the_keeper_or_a_partner_in_force(cast: Cast) -> None:
    """A provider receives the service's referrals: it must be the keeper or a partner under
    an agreement in force. Any other name (a former partner, an unrelated organization, or
    one that does not exist) gets the same answer, which does not say whether it exists."""
    from django.core.exceptions import ValidationError

    from pmhc.care import directory_services

    keeper = cast.client(cast.member)
    url = reverse("care_service_new")
    answers = set()
    for n, slug in enumerate(("expired", "outsider", "nowhere")):
        response = keeper.post(url, {**SERVICE_POST, "external_id": f"X-{n}", "provider": slug})
        assert response.status_code == 400
        assert "This is not one of your partner organizations." in response.text
        errors = re.findall(r"usa-error-message[^>]*>(.*?)<", response.text, re.S)
        answers.add(tuple(e.strip() for e in errors))
    assert len(answers) == 1 and all(answers.pop())
    assert not Service.objects.exists()
    for slug in ("partner", "agency"):
        ok = keeper.post(url, {**SERVICE_POST, "external_id": slug, "provider": slug})
        assert ok.status_code == 302
    # The service checks it too, whatever the form.
    with pytest.raises(ValidationError) as refused:
        directory_services.save_service(
            cast.actor(cast.member),
            organization_id=cast.agency.pk,
            values={**_service_values(), "provider_id": cast.outsider_org.pk},
        )
    assert "provider" in refused.value.message_dict


def _service_values() -> dict[str, object]:
    return {
        "external_id": "V-1",
        "name": "Valley Crisis Center",
        "kind": "crisis_center",
        "conditions": [],
        "languages": [],
    }


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("min_age", "40000", "Give a number from 0 to 120."),
        ("max_age", "121", "Give a number from 0 to 120."),
        ("capacity_total", "70000", "Give a number from 0 to 999."),
    ],
)
def test_the_form_takes_the_same_bounds_as_the_import(
    cast: Cast, name: str, value: str, message: str
) -> None:
    response = cast.client(cast.member).post(
        reverse("care_service_new"), {**SERVICE_POST, name: value}
    )
    assert response.status_code == 400
    assert message in response.text
    assert not Service.objects.exists()


def test_the_service_refuses_figures_out_of_bounds(cast: Cast) -> None:
    from django.core.exceptions import ValidationError

    from pmhc.care import directory_services

    with pytest.raises(ValidationError) as refused:
        directory_services.save_service(
            cast.actor(cast.member),
            organization_id=cast.agency.pk,
            values={
                **_service_values(),
                "min_age": 40000,
                "capacity_unit": "chairs",
                "capacity_total": 70000,
            },
        )
    assert set(refused.value.message_dict) == {"min_age", "capacity_total"}
    assert not Service.objects.exists()
