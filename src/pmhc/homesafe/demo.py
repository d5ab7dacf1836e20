"""Demo step: the police department's Home Safe registry, open to families online, with
enrolments in every state.

The department's coordinator turns on online enrolment (its districts as the areas, the
records unit as the contact). Families enrol online: one has not confirmed its e-mail address
yet, one waits for review, three are in the registry (one of them changed by the family since
the review), one was declined with a note, one was withdrawn, and one was not re-confirmed and
is hidden. The demo officer enrolled one person in person, which waits for review, and one
family asked to see what is held. Every person and family is invented, named from the demo's
lists of names; the photos are plain drawn placeholders, not of anyone. Draws from a random
source of its own only.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

from pmhc.demo.registry import register_step

if TYPE_CHECKING:
    from pmhc.demo.context import DemoContext

#: (what the enrolment says, what happens to it).
STORIES: tuple[tuple[dict[str, Any], str], ...] = (
    (
        {
            "conditions": ["dementia"],
            "description": "Grey hair, walks with a cane, usually in a green cardigan.",
            "calming": "Talk slowly about gardening; offer a cup of tea.",
            "avoid": "Loud voices and being touched from behind.",
            "places": "The garden center on Mill Street; the house on Orchard Lane where "
            "they lived for 30 years.",
            "attracted_to_water": True,
        },
        "active",
    ),
    (
        {
            "conditions": ["autism"],
            "description": "Slim, dark curly hair, often wears headphones and a red hoodie.",
            "communication": "Speaks few words; answers yes or no by nodding.",
            "calming": "Let them hold their headphones; speak quietly and give time.",
            "avoid": "Sirens and flashing lights.",
            "places": "The train platform at Harbor Road; the pond in the park.",
            "attracted_to_water": True,
            "attracted_to_traffic": True,
            "device_type": "GPS watch",
            "device_identifier": "Demo device 0001",
            "device_access": "Both parents and the department's dispatch.",
        },
        "active",
    ),
    (
        {
            "conditions": ["developmental"],
            "description": "Tall, short brown hair, glasses, carries a blue backpack.",
            "calming": "Ask about their favorite baseball team.",
            "places": "The library and the bus station.",
        },
        "changed",
    ),
    (
        {
            "conditions": ["dementia"],
            "description": "Short, white hair, may be in slippers.",
            "places": "The church on Harbor Road.",
        },
        "in_review",
    ),
    (
        {"conditions": ["autism"], "description": "Small, blond, likes to climb."},
        "unconfirmed",
    ),
    ({"conditions": ["other"], "description": "Medium build."}, "declined"),
    ({"conditions": ["dementia"], "description": "Walks fast, wears a cap."}, "withdrawn"),
    ({"conditions": ["dementia"], "description": "Tall, beard."}, "hidden"),
)


def _photo(rng: Any) -> Any:
    """A plain drawn placeholder (a head and shoulders in a flat color), as a PNG upload."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (240, 300), (225, 228, 232))
    draw = ImageDraw.Draw(image)
    shade = tuple(rng.randrange(80, 160) for _ in range(3))
    draw.ellipse((80, 50, 160, 140), fill=shade)
    draw.rectangle((50, 160, 190, 300), fill=shade)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return SimpleUploadedFile("photo.png", buffer.getvalue(), content_type="image/png")


def step(ctx: DemoContext) -> None:
    from pmhc.demo.context import COUNTY, FAMILY, GIVEN
    from pmhc.homesafe import (
        correction_services,
        enrol_services,
        program_services,
        reconfirm,
        registry_services,
    )
    from pmhc.homesafe.enrol_services import CaregiverEntry
    from pmhc.homesafe.models import REMINDERS, Enrolment
    from pmhc.platform.access import actor_for_user

    rng = ctx.random_for("homesafe")
    pd = ctx.organizations["pd"]
    coordinator = actor_for_user(ctx.users["coordinator"])
    program = program_services.update_program(
        coordinator,
        organization=pd,
        is_open=True,
        area_served=COUNTY,
        areas=["North", "Central", "South", "East", "West"],
        contact_name=f"Records Unit, {pd.name}",
        contact_email="homesafe-records@demo.pmhc.invalid",
        contact_phone="555-0150",
    )

    def family(index: int) -> tuple[str, str, str]:
        surname = FAMILY[(index * 5 + 3) % len(FAMILY)]
        person = f"{rng.choice(GIVEN)} {surname}"
        relative = f"{rng.choice(GIVEN)} {surname}"
        email = f"homesafe-family-{index + 1}@demo.pmhc.invalid"
        return person, relative, email

    made = 0
    for index, (content, outcome) in enumerate(STORIES):
        person, relative, email = family(index)
        area = ["North", "Central", "South", "East", "West"][index % 5]
        enrolment, token = enrol_services.submit_enrolment(
            program=program,
            content={"full_name": person, "area": area, **content},
            caregivers=[
                CaregiverEntry(name=relative, relationship="Family", phone=f"555-01{60 + index}")
            ],
            enrolled_by="family",
            consent_by="guardian",
            consent_name=relative,
            submitter={
                "submitter_name": relative,
                "submitter_relationship": "Family",
                "submitter_email": email,
            },
            photo=enrol_services.check_photo(_photo(rng)) if index < 3 else None,
        )
        made += 1
        if outcome == "unconfirmed":
            continue
        enrol_services.confirm_email(token=token)
        if outcome == "in_review":
            continue
        if outcome == "declined":
            registry_services.decline(
                coordinator,
                enrolment=enrolment,
                note="Please add a way to reach a second person, and a recent photo.",
            )
            continue
        registry_services.approve(coordinator, enrolment=enrolment)
        if outcome == "changed":
            enrol_services.change_enrolment(
                token=token,
                content={
                    "full_name": person,
                    "area": area,
                    **content,
                    "routines": "Walks to the corner store every morning at 9.",
                },
                caregivers=[CaregiverEntry(name=relative, phone=f"555-01{60 + index}")],
                submitter={"submitter_name": relative, "submitter_relationship": "Family"},
            )
        elif outcome == "withdrawn":
            enrol_services.withdraw_enrolment(token=token)
        elif outcome == "hidden":
            # Its six months passed with every reminder unanswered.
            Enrolment.objects.filter(pk=enrolment.pk).update(
                confirm_by=ctx.today.replace(year=ctx.today.year - 1),
                reminders_sent=REMINDERS,
                last_reminder_at=None,
            )
            reconfirm.send_due_reminders(ctx.actor)
        if index == 0:
            correction_services.request_correction(
                program=program,
                kind="see",
                name=relative,
                email=email,
                text="Please send me a copy of everything you hold on my relative.",
                enrolment=enrolment,
            )
    person, relative, email = family(len(STORIES))
    registry_services.enrol_in_person(
        actor_for_user(ctx.users["officer"]),
        organization=pd,
        content={
            "full_name": person,
            "area": "Central",
            "conditions": ["dementia"],
            "description": "Short, grey beard, wears a brown coat.",
            "calming": "Call him by his first name and mention his dog.",
        },
        caregivers=[CaregiverEntry(name=relative, relationship="Spouse", phone="555-0170")],
        consent_by="person",
        consent_name=person,
        submitter={"submitter_name": relative, "submitter_email": email},
    )
    ctx.log(f"  Home Safe: the registry open online, {made + 1} enrolments")


register_step(step)
