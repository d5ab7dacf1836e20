"""The demo's referrals keep the rules a clinic's would: each appointment after its referral
was sent, engaged 30 days or more after the first appointment attended, and Measure's
intervals are real ones (days, not zero)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from pmhc.care import referral_selectors
from pmhc.care.models import Referral, ReferralEvent, ReferralStatus
from pmhc.demo import generator

S = ReferralStatus


def test_the_demos_referrals_have_a_clinics_times(db: None) -> None:
    generator.build(password="demo-password-for-tests", log=lambda _: None)
    referrals = list(Referral.objects.filter(organization__slug__isnull=False))
    states = {r.status for r in referrals}
    assert {S.SENT, S.RECEIVED, S.ATTENDED, S.ENGAGED, S.DECLINED, S.NO_SHOW} <= states
    now = timezone.now()
    for referral in referrals:
        assert referral.sent_at < now
        if referral.appointment_at is not None:
            assert referral.appointment_at >= referral.sent_at, referral.pk
        if referral.received_at is not None:
            waited = referral.received_at - referral.sent_at
            assert dt.timedelta(hours=1) <= waited <= dt.timedelta(days=1), referral.pk
        if referral.engaged_at is not None:
            assert referral.attended_at is not None
            assert referral.engaged_at - referral.attended_at >= dt.timedelta(days=30)
            gaps = referral_selectors.intervals(referral)
            assert gaps.referral_to_first_appointment is not None
            assert gaps.referral_to_first_appointment >= dt.timedelta(days=3)
            assert gaps.referral_to_engagement is not None
            assert gaps.referral_to_engagement >= dt.timedelta(days=33)
        events = list(
            ReferralEvent.objects.filter(referral=referral)
            .order_by("pk")
            .values_list("at", flat=True)
        )
        assert events == sorted(events) and events[0] == referral.sent_at, referral.pk
