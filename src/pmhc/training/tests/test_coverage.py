"""Coverage from a crafted roster, every figure computed by hand in the docstrings."""

from __future__ import annotations

import datetime as dt

import pytest
from django.http import Http404

from pmhc.platform.access import organization_today
from pmhc.platform.models import Role
from pmhc.platform.tests.factories import MembershipFactory, UserFactory
from pmhc.training import selectors
from pmhc.training.models import CertificationKind, CitSelection, TraineeRole
from pmhc.training.tests.factories import TraineeFactory, certify

# The organization's today, so that the pages (which count on today) agree with the figures.
ON = organization_today("America/Chicago")
CIT = CertificationKind.CIT


@pytest.fixture
def roster(cast):
    """Patrol: Day 4 (2 CIT), Evening 3 (1 CIT), Night 2 (0 CIT) = 9 patrol, 3 CIT.

    Districts: North = Day 2 + Evening 1 + Night 1 = 4 patrol with CIT a (Day), c (Evening):
    2; South = Day 2 + Evening 2 + Night 1 = 5 patrol with CIT b (Day): 1.
    One Day/South officer's CIT expired the day before ON (not counted), and one Night/North
    officer's starts after ON (not counted). A supervisor holds CIT (sworn, not patrol), an
    other-sworn has MHFA only; an inactive patrol officer with CIT is not counted.
    Dispatchers: 3, one with a dispatcher certification.
    """
    org = cast.agency
    make = TraineeFactory.create
    a = make(organization=org, shift="Day", district="North", cit_selection="volunteer")
    make(organization=org, shift="Day", district="North")
    b = make(organization=org, shift="Day", district="South", cit_selection="assigned")
    expired = make(organization=org, shift="Day", district="South")
    c = make(organization=org, shift="Evening", district="North", cit_selection="volunteer")
    make(organization=org, shift="Evening", district="South")
    make(organization=org, shift="Evening", district="South")
    future = make(organization=org, shift="Night", district="North")
    make(organization=org, shift="Night", district="South")
    sup = make(organization=org, role=TraineeRole.SUPERVISOR, shift="Day", district="North")
    other = make(organization=org, role=TraineeRole.OTHER_SWORN, shift="", district="")
    gone = make(organization=org, shift="Night", district="South", is_active=False)
    d1 = make(organization=org, role=TraineeRole.DISPATCHER, shift="Day", district="")
    make(organization=org, role=TraineeRole.DISPATCHER, shift="Day", district="")
    make(organization=org, role=TraineeRole.DISPATCHER, shift="Night", district="")
    certify(a, issued_on=ON - dt.timedelta(days=400))  # never expires
    certify(b, issued_on=ON - dt.timedelta(days=700), expires_on=ON + dt.timedelta(days=30))
    certify(c, issued_on=ON - dt.timedelta(days=10), expires_on=ON + dt.timedelta(days=1000))
    certify(expired, issued_on=ON - dt.timedelta(days=800), expires_on=ON)
    certify(future, issued_on=ON + dt.timedelta(days=1))
    certify(sup, issued_on=ON - dt.timedelta(days=50), expires_on=ON + dt.timedelta(days=90))
    certify(other, CertificationKind.MHFA, issued_on=ON - dt.timedelta(days=5))
    certify(gone, issued_on=ON - dt.timedelta(days=5))
    certify(d1, CertificationKind.DISPATCHER, issued_on=ON - dt.timedelta(days=5))
    # Other cast organizations' rosters never count.
    certify(make(organization=cast.outsider_org), issued_on=ON - dt.timedelta(days=5))
    return org


def test_coverage_by_shift_and_district_from_a_crafted_roster(roster, django_assert_num_queries):
    with django_assert_num_queries(2):
        figures = selectors.coverage_for_organization(roster, ON)
    assert figures.patrol == 9
    assert figures.cit_patrol == 3
    assert figures.cit_share_of_patrol == pytest.approx(3 / 9)
    shifts = {g.name: (g.patrol, g.cit_certified) for g in figures.by_shift}
    assert shifts == {"Day": (4, 2), "Evening": (3, 1), "Night": (2, 0)}
    assert [g.name for g in figures.by_shift] == ["Day", "Evening", "Night"]
    assert figures.uncovered_shifts == ("Night",)
    districts = {g.name: (g.patrol, g.cit_certified) for g in figures.by_district}
    assert districts == {"North": (4, 2), "South": (5, 1)}
    assert figures.uncovered_districts == ()
    # Sworn: 9 patrol + supervisor + other sworn = 11; CIT: a, b, c, supervisor = 4.
    assert (figures.sworn, figures.cit_sworn, figures.mhfa_sworn) == (11, 4, 1)
    assert figures.trained_share_of_sworn == pytest.approx(5 / 11)
    # CIT holders who volunteered (a, c) or were assigned (b); the supervisor is unrecorded.
    assert (figures.volunteers, figures.assigned) == (2, 1)
    assert (figures.dispatchers, figures.dispatchers_trained) == (3, 1)
    # b expires in 30 days and the supervisor on day 90: both within 90 days.
    assert figures.expiring_soon == 2


def test_a_later_renewal_outlasts_an_expiring_certification(roster):
    b = roster.trainees.get(cit_selection=CitSelection.ASSIGNED)
    certify(b, issued_on=ON - dt.timedelta(days=1), expires_on=ON + dt.timedelta(days=700))
    figures = selectors.coverage_for_organization(roster, ON)
    assert figures.cit_patrol == 3  # b counted once
    assert figures.expiring_soon == 1  # only the supervisor now


def test_the_expiring_filter_leaves_out_a_renewed_certification(cast, roster):
    """b's CIT expires in 30 days and the supervisor's on day 90: both listed. Once b holds a
    later CIT certification, b is left out, as the coverage count leaves b out."""
    actor = cast.actor(cast.member)
    expiring = selectors.RosterFilters(status="expiring")

    def listed() -> set[str]:
        return {t.cit_selection or t.role for t in selectors.roster(actor, roster, expiring, on=ON)}

    assert listed() == {CitSelection.ASSIGNED, TraineeRole.SUPERVISOR}
    b = roster.trainees.get(cit_selection=CitSelection.ASSIGNED)
    certify(b, issued_on=ON - dt.timedelta(days=1), expires_on=ON + dt.timedelta(days=700))
    assert listed() == {TraineeRole.SUPERVISOR}
    assert selectors.coverage_for_organization(roster, ON).expiring_soon == 1
    # A renewal that starts after ON is not current yet: b is still listed.
    b.certifications.filter(issued_on=ON - dt.timedelta(days=1)).update(
        issued_on=ON + dt.timedelta(days=1)
    )
    assert listed() == {CitSelection.ASSIGNED, TraineeRole.SUPERVISOR}


def test_an_empty_roster_has_no_shares(cast):
    figures = selectors.coverage_for_organization(cast.agency, ON)
    assert figures.patrol == 0
    assert figures.cit_share_of_patrol is None
    assert figures.by_shift == ()


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.SUPERVISOR, Role.ADMINISTRATOR])
def test_coverage_is_for_those_who_run_the_roster(cast, roster, role):
    user = UserFactory.create()
    MembershipFactory.create(user=user, organization=cast.agency, role=role)
    assert selectors.coverage(cast.actor(user), cast.agency, on=ON).patrol == 9


@pytest.mark.parametrize("who", ["colleague", "partner_user", "expired_user", "outsider"])
def test_coverage_is_hidden_from_everyone_else(cast, roster, who):
    with pytest.raises(Http404):
        selectors.coverage(cast.actor(getattr(cast, who)), cast.agency, on=ON)


def test_the_grid_finds_a_post_without_cit_that_shift_and_district_totals_hide(roster):
    """Day/North 2 (1 CIT), Day/South 2 (1), Evening/North 1 (1), Evening/South 2 (0),
    Night/North 1 (0: a certificate from tomorrow), Night/South 1 (0). Evening/South is a
    gap although Evening and South each have CIT officers elsewhere."""
    _figures, grid = selectors._tally(roster, ON)
    gaps = {(cell.shift, cell.district) for cell in grid.gaps}
    assert gaps == {("Evening", "South"), ("Night", "North"), ("Night", "South")}
    assert grid.cells["Day", "North"].cit_certified == 1
    assert grid.shifts == ("Day", "Evening", "Night")


def test_the_coverage_page_flags_the_gaps(cast, roster):
    from django.urls import reverse

    page = cast.client(cast.member).get(reverse("training_home")).content.decode()
    assert "Shifts without a CIT-certified patrol officer in every district: Evening, Night" in (
        page
    )
    assert "Districts without a CIT-certified patrol officer on every shift: North, South" in page
    assert "Evening / South" in page
    assert "Every shift has a CIT-certified patrol officer in every district" not in page
    assert '<svg class="pmhc-chart"' in page


def test_a_shift_with_cit_somewhere_is_not_covered_while_one_of_its_posts_has_none(roster):
    """Evening has a CIT-certified officer (1 of 3, in North) but none in South: the table by
    shift and district shows Evening / South without one, so Evening is not "covered"."""
    figures, grid = selectors._tally(roster, ON)
    evening = next(g for g in figures.by_shift if g.name == "Evening")
    assert evening.cit_certified == 1 and not evening.uncovered
    assert not evening.covered and evening.gaps == ("South",)
    day = next(g for g in figures.by_shift if g.name == "Day")
    assert day.covered and day.gaps == () and day.posts == 2
    assert [g.name for g in figures.shifts_with_gaps] == ["Evening", "Night"]
    assert [g.name for g in figures.districts_with_gaps] == ["North", "South"]
    # The summary and the table agree everywhere: a group is covered exactly when none of
    # its cells is a gap.
    for axis, groups in ((0, figures.by_shift), (1, figures.by_district)):
        for group in groups:
            cells = [cell for post, cell in grid.cells.items() if post[axis] == group.name]
            assert group.covered == (group.patrol > 0 and not any(c.uncovered for c in cells))


def test_the_shift_table_names_the_districts_a_shift_leaves_without_cit(cast, roster):
    from django.urls import reverse

    page = cast.client(cast.member).get(reverse("training_home")).content.decode()
    table = page.split('id="shift-table"', 1)[1].split("</table>", 1)[0]
    evening = table.split("Evening", 1)[1].split("</tr>", 1)[0]
    assert "Covered" not in evening
    assert "Gaps" in evening and "No CIT-certified officer in South" in evening
    day = table.split("Day", 1)[1].split("</tr>", 1)[0]
    assert "Covered" in day
    districts = page.split('id="district-table"', 1)[1].split("</table>", 1)[0]
    south = districts.split("South", 1)[1].split("</tr>", 1)[0]
    assert "No CIT-certified officer on Evening, Night" in south
