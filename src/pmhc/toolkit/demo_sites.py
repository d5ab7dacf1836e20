"""Demo: a learning site that answers for itself. The demo's learning-site organization holds
the ``site_coordinator`` login; it is given to the Tucson Police Department's listing, and one
synthetic request is matched to that site and waits for its answer."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from pmhc.toolkit.demo_assistance import _fields, _now
from pmhc.toolkit.models import LearningSite
from pmhc.toolkit.services import assistance, site_work

if TYPE_CHECKING:
    from pmhc.demo.context import DemoContext

SITE = ("Tucson Police Department", "AZ")
#: Numbers the demo's requests do not use, so the synthetic names and e-mails differ.
NUMBER = 9001


def step(ctx: DemoContext) -> None:
    organization = ctx.organizations.get("site")
    site = LearningSite.objects.current().filter(agency=SITE[0], state=SITE[1]).first()
    if organization is None or site is None:
        ctx.log("  no learning site to give the demo's site accounts to")
        return
    site = site_work.link_organization(ctx.actor, site=site, organization=organization)
    now = _now(ctx)
    received = now - dt.timedelta(days=5)
    fields = _fields(ctx, NUMBER, [site])
    fields["preferred_site"] = site
    ta_request, _token = assistance.submit_request(ctx.actor, received_at=received, **fields)
    ta_request = assistance.confirm_request(
        ctx.actor, ta_request=ta_request, at=received + dt.timedelta(hours=4)
    )
    assistance.match_request(
        ctx.actor, ta_request=ta_request, site=site, at=received + dt.timedelta(days=1)
    )
    ctx.log(f"  {site.agency} answers for itself: 1 request matched to it (synthetic)")
