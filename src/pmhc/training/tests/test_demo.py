"""The demo's roster: a few hundred people, about a fifth of patrol CIT-certified, the gap the
demo keeps open, certifications running out, call-takers partly trained, demo users linked."""

from __future__ import annotations

import pytest

from pmhc.demo import generator
from pmhc.training import selectors
from pmhc.training.demo import GAP
from pmhc.training.models import Trainee


@pytest.mark.django_db
def test_the_demo_roster_is_realistic():
    ctx = generator.build(password="demo-password-for-tests", log=lambda _: None)
    pd = ctx.organizations["pd"]
    figures = selectors.coverage_for_organization(pd, ctx.today)
    assert 250 <= Trainee.objects.filter(organization=pd).count() <= 400
    assert figures.patrol == 240
    assert 0.18 <= (figures.cit_share_of_patrol or 0) <= 0.22
    assert figures.uncovered_shifts == ()
    night_east = Trainee.objects.filter(
        organization=pd, role="patrol_officer", shift=GAP[0], district=GAP[1]
    )
    assert night_east.exists()
    assert not night_east.filter(certifications__kind="cit").exists()
    assert figures.expiring_soon > 0
    assert 0 < figures.dispatchers_trained < figures.dispatchers
    assert figures.volunteers > figures.assigned > 0
    for username in ("officer", "supervisor", "call_taker"):
        assert Trainee.objects.get(user=ctx.users[username]).organization == pd
