"""What the demo's steps share. Each app's demo step imports this module, never the generator,
so the generator may import the apps without a cycle."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pmhc.platform.access import Actor
from pmhc.platform.models import Membership, Organization, User

COUNTY = "Example County"
#: A demo account beside one per role: the police department's own case manager.
PD_CASE_MANAGER = "pd_case_manager"
#: The hospital's intake clinician, who works the referrals the hospital receives.
HOSPITAL_INTAKE = "hospital_intake"
TIME_ZONE = "America/Chicago"
#: The co-responder team started this many days before the demo's today: the demo's program
#: change, which the before-and-after analysis has something true to find at.
PROGRAM_START_DAYS_AGO = 182

# Given and family names for synthetic people: common words, attached to no real person.
GIVEN = (
    "Alex", "Avery", "Blake", "Casey", "Dana", "Drew", "Elliot", "Emery", "Finley", "Harper",
    "Jamie", "Jordan", "Kai", "Lee", "Morgan", "Noel", "Parker", "Quinn", "Reese", "Riley",
    "Rowan", "Sage", "Skyler", "Taylor",
)  # fmt: skip
FAMILY = (
    "Alder", "Birch", "Brook", "Cedar", "Dale", "Field", "Ford", "Glen", "Hale", "Hill",
    "Lake", "Marsh", "Moss", "Oak", "Park", "Reed", "Ridge", "Rivers", "Stone", "Vale",
    "Wells", "West", "Wood", "York",
)  # fmt: skip


@dataclass
class DemoContext:
    """What the steps share: the random source, the size, and what earlier steps made."""

    seed: int
    scale: int
    password: str
    rng: random.Random
    actor: Actor
    today: dt.date
    organizations: dict[str, Organization] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    officers: list[Membership] = field(default_factory=list)
    log: Callable[[str], None] = print
    #: What a step hands to a later step of a higher app, by a name the two agree on
    #: (dispatch's calls, which response's encounters follow).
    made: dict[str, Any] = field(default_factory=dict)
    #: The random sources of this run by name: steps that name the same one continue it.
    randoms: dict[str, random.Random] = field(default_factory=dict)

    @property
    def program_start(self) -> dt.date:
        """The day the co-responder team started (``PROGRAM_START_DAYS_AGO``)."""
        return self.today - dt.timedelta(days=PROGRAM_START_DAYS_AGO)

    def random_for(self, step: str) -> random.Random:
        """A random source of the step's own, from the seed and the step's name: a step's
        figures then stay the same when other steps are added or reordered."""
        return random.Random(f"{self.seed}:{step}")

    def shared_random(self, name: str) -> random.Random:
        """The run's random source called ``name``, made by ``random_for`` on first use."""
        if name not in self.randoms:
            self.randoms[name] = self.random_for(name)
        return self.randoms[name]

    def person_name(self) -> tuple[str, str]:
        return self.rng.choice(GIVEN), self.rng.choice(FAMILY)


Step = Callable[[DemoContext], None]
