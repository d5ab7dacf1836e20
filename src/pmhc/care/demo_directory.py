"""Demo step: the service directory of Example County, kept by the police department's
coordinator and imported from a CSV file as a coordinator would.

Every place is fictional, named for the county, around an invented centre of the county
(``CENTRE``). The hospital runs the emergency department and the psychiatric emergency
service; the behavioral health center runs the crisis stabilization center, its outpatient
clinic and its crisis line, so its clinician and case manager keep that capacity current.
A service is run only by the keeper or a partner under an agreement in force: the department,
the behavioral health center and the hospital sign a directory and referral agreement (agency
data, for administration) before the import, as the hospital's handoff agreement with the
department has ended.
The crisis center's staff gave its chairs a minute before the demo was loaded; the sobering
center's figure is older than the stale limit, to show how an out-of-date figure looks. The
figures are drawn from the step's own random source.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import TYPE_CHECKING

from pmhc.demo.registry import register_step

if TYPE_CHECKING:
    from pmhc.demo.context import DemoContext

#: The county's invented centre (a point for the demo's map; no real place is meant).
CENTRE = (40.0, -90.0)
COLUMNS = (
    "external_id",
    "name",
    "kind",
    "address",
    "latitude",
    "longitude",
    "phone",
    "hours",
    "open_all_hours",
    "min_age",
    "max_age",
    "conditions",
    "insurance",
    "police_drop_off",
    "no_refusal",
    "languages",
    "how_to_refer",
    "capacity_unit",
    "capacity_total",
    "provider",
)
MH, SU, BOTH = "mental_health", "substance_use", "mental_health;substance_use"
ANY_INSURANCE = "Any insurance, and none"
#: external_id, name, kind, address, offset north and east of the centre in degrees, phone,
#: hours ("" = open all hours), ages, conditions, police drop-off, no refusal, how to refer,
#: capacity unit and total, provider (the demo organization's key).
PLACES = (
    ("CSC-1", "Example County Crisis Stabilization Center", "crisis_center",
     "1200 Harbor Road", (0.012, 0.018), "555-0110", "", (18, None), BOTH, True, True,
     "Walk in, or police drop-off at the side entrance; call ahead if you can.",
     "chairs", 16, "bhc"),
    ("YCC-1", "Example County Youth Crisis Center", "crisis_center",
     "40 Orchard Lane", (-0.031, 0.022), "555-0111", "", (10, 17), MH, True, False,
     "Call the intake line first.", "beds", 8, ""),
    ("ED-1", "Example County Hospital Emergency Department", "emergency_department",
     "500 Hospital Drive", (0.041, -0.035), "555-0120", "", (None, None), "", True, True,
     "Ambulance bay, or walk in.", "beds", 30, "hospital"),
    ("PES-1", "Example County Hospital Psychiatric Emergency Service", "psych_emergency",
     "500 Hospital Drive, east wing", (0.042, -0.033), "555-0121", "", (18, None), MH, True,
     True, "Police drop-off at the east-wing entrance.", "beds", 12, "hospital"),
    ("WM-1", "Example County Withdrawal Management Unit", "detox",
     "75 Mill Street", (-0.018, -0.041), "555-0130", "", (18, None), SU, True, False,
     "Call ahead; medically stable adults.", "beds", 10, ""),
    ("SOB-1", "Example County Sobering Center", "sobering",
     "77 Mill Street", (-0.019, -0.040), "555-0131", "8 p.m. to 8 a.m., every day",
     (18, None), SU, True, True, "Police drop-off during its hours.", "chairs", 20, ""),
    ("OP-1", "Example County Behavioral Health Center Outpatient Clinic", "outpatient",
     "1210 Harbor Road", (0.013, 0.019), "555-0140", "Monday to Friday, 8 a.m. to 5 p.m.",
     (None, None), MH, False, False, "Refer through pmhc or call the clinic.", "slots", 24,
     "bhc"),
    ("CMH-1", "Northside Community Mental Health Center", "community_mental_health",
     "9 North Avenue", (0.060, 0.005), "555-0141", "Monday to Saturday, 9 a.m. to 6 p.m.",
     (None, None), MH, False, False, "Call for a first appointment.", "", None, ""),
    ("SUT-1", "Example County Substance Use Treatment Program", "substance_use",
     "300 River Street", (-0.045, 0.011), "555-0150", "Monday to Friday, 7 a.m. to 7 p.m.",
     (16, None), SU, False, False, "Referral or walk in for an assessment.", "slots", 12, ""),
    ("SH-1", "Example County Emergency Shelter", "shelter",
     "18 Depot Street", (-0.008, 0.030), "555-0160", "", (18, None), "", False, False,
     "Check in at the front desk; no police drop-off.", "beds", 40, ""),
    ("HO-1", "Example County Supportive Housing Program", "housing",
     "22 Depot Street", (-0.007, 0.031), "555-0161", "Monday to Friday, 9 a.m. to 5 p.m.",
     (18, None), MH, False, False, "Referral from a case manager.", "", None, ""),
    ("PS-1", "Example County Peer Support Center", "peer_support",
     "5 Market Square", (0.002, -0.004), "555-0170", "Every day, 10 a.m. to 8 p.m.",
     (18, None), BOTH, False, False, "Walk in.", "", None, ""),
    ("CL-1", "Example County Crisis Line", "crisis_line",
     "", None, "555-0100", "", (None, None), "", False, True,
     "Call any hour; the behavioral health center answers.", "", None, "bhc"),
    ("988", "988 (call or text)", "crisis_line",
     "", None, "988", "", (None, None), "", False, True, "Call or text 988.", "", None, ""),
)  # fmt: skip
#: Minutes before the load when each place's staff last gave their figure.
UPDATED_MINUTES_AGO = {
    "CSC-1": 1,
    "YCC-1": 25,
    "ED-1": 12,
    "PES-1": 40,
    "WM-1": 95,
    "SOB-1": 9 * 60,
}


def _file(ctx: DemoContext) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for (
        key, name, kind, address, offset, phone, hours, (low, high), conditions, drop_off,
        no_refusal, how, unit, total, provider,
    ) in PLACES:  # fmt: skip
        lat = f"{CENTRE[0] + offset[0]:.5f}" if offset else ""
        lon = f"{CENTRE[1] + offset[1]:.5f}" if offset else ""
        writer.writerow(
            [
                key, name, kind, address, lat, lon, phone, hours, "no" if hours else "yes",
                "" if low is None else low, "" if high is None else high, conditions,
                ANY_INSURANCE, "yes" if drop_off else "no", "yes" if no_refusal else "no",
                "en;es", how, unit, "" if total is None else total,
                ctx.organizations[provider].slug if provider else "",
            ]
        )  # fmt: skip
    return out.getvalue().encode()


def step_directory(ctx: DemoContext) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from pmhc.care import directory_import_services, directory_services
    from pmhc.care.models import CapacityUpdate, Service
    from pmhc.platform import agreement_services
    from pmhc.platform.access import actor_for_user
    from pmhc.platform.models import Classification, Purpose

    pd, bhc, hospital = (ctx.organizations[k] for k in ("pd", "bhc", "hospital"))
    agreement = agreement_services.propose_agreement(
        ctx.actor,
        organization=pd,
        title="Service directory and referral agreement (synthetic)",
        partners=[bhc, hospital],
        classifications=[Classification.AGENCY],
        purposes=[Purpose.ADMINISTRATION],
        effective_on=ctx.today - dt.timedelta(days=30),
        ends_on=ctx.today + dt.timedelta(days=700),
        notes="Synthetic demo agreement: the hospital runs services of the directory.",
    )
    for partner in (bhc, hospital):
        agreement_services.accept_agreement(ctx.actor, agreement=agreement, organization=partner)
    coordinator = actor_for_user(ctx.users["coordinator"])
    result = directory_import_services.import_directory(
        coordinator,
        organization=pd,
        upload=SimpleUploadedFile("example-county-directory.csv", _file(ctx), "text/csv"),
    )
    rng = ctx.random_for("care.directory")
    staff = {
        "bhc": actor_for_user(ctx.users["case_manager"]),
        "": coordinator,
        "hospital": coordinator,
    }
    providers = {place[0]: place[-1] for place in PLACES}
    now = timezone.now()
    for key, minutes in UPDATED_MINUTES_AGO.items():
        service = Service.objects.get(organization=pd, external_id=key)
        total = service.capacity_total or 0
        # The crisis center has room (the story); the others anything up to their size.
        room = rng.randint(3, max(3, total // 2)) if key == "CSC-1" else rng.randint(0, total)
        directory_services.update_capacity(
            staff[providers[key]],
            service=service,
            capacity_open=room,
            wait_minutes=rng.choice((0, 10, 15, 20, 30, 45)),
        )
        # The figure was given ``minutes`` before the load.
        at = now - dt.timedelta(minutes=minutes)
        Service.objects.filter(pk=service.pk).update(capacity_updated_at=at)
        CapacityUpdate.objects.filter(service=service).update(updated_at=at)
    ctx.log(
        f"  {result.created} services in the directory, capacity given for "
        f"{len(UPDATED_MINUTES_AGO)} (one out of date)"
    )


register_step(step_directory)
