"""The demo holds a caseload: the department's case manager has cases due today, overdue and
with no contact in thirty days, one passed to them and one closed, with contacts of every
kind; the health center's case manager has two of the center's own."""

from __future__ import annotations

from pmhc.care import case_selectors
from pmhc.care.models import Case, CaseContact, CaseStatus, CaseTransfer, ContactKind
from pmhc.demo import generator
from pmhc.demo.context import PD_CASE_MANAGER
from pmhc.platform.access import actor_for_user
from pmhc.platform.models import User


def test_the_demo_holds_a_caseload(db: None) -> None:
    ctx = generator.build(password="demo-password-for-tests", log=lambda _: None)
    pd, bhc = ctx.organizations["pd"], ctx.organizations["bhc"]
    manager = actor_for_user(User.objects.get(username=PD_CASE_MANAGER))
    load = case_selectors.caseload(manager)
    assert load.due_today and load.overdue and load.quiet and load.others
    assert all(row.person is not None for row in load.due_today)
    assert Case.objects.filter(organization=pd, status=CaseStatus.CLOSED).count() == 1
    assert CaseTransfer.objects.filter(case__organization=pd).count() == 1
    kinds = set(CaseContact.objects.filter(case__organization=pd).values_list("kind", flat=True))
    assert kinds == set(ContactKind.values)
    visit = CaseContact.objects.get(case__organization=pd, kind=ContactKind.CO_RESPONDER)
    assert visit.call is not None
    center = actor_for_user(User.objects.get(username="case_manager"))
    center_load = case_selectors.caseload(center)
    assert center_load.count == 2 and center_load.due_today and center_load.overdue
    assert not Case.objects.filter(organization=bhc, person__organization=pd).exists()
