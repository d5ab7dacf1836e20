"""Fixtures of Plan's tests: private media in a temporary folder, and a valid profile."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from pmhc.planning import services
from pmhc.planning.models import CommunityProfile
from pmhc.platform.access import system_actor
from pmhc.platform.models import Organization


@pytest.fixture(autouse=True)
def _private_media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "private"


def profile_values(**overrides: Any) -> dict[str, Any]:
    """A complete, valid profile: 3 shifts, 2,190 mental health calls a year (2 per shift)."""
    values: dict[str, Any] = {
        "population": 120_000,
        "area_square_miles": Decimal("85.0"),
        "setting": "suburban",
        "sworn_officers": 150,
        "patrol_per_shift": 20,
        "shifts": ["Day", "Evening", "Night"],
        "first_shift_starts": 7,
        "districts": ["North", "South"],
        "calls_per_year": 60_000,
        "mh_calls_per_year": 2_190,
        "mh_call_percent": None,
        "hourly_pattern": [],
        "weekday_pattern": [],
        "on_scene_minutes": Decimal("45.0"),
        "travel_minutes": Decimal("15.0"),
        "has_crisis_line": False,
        "has_mobile_crisis": False,
        "has_receiving_center": False,
        "has_co_responders": False,
        "case_management_capacity": 0,
        "has_psychiatric_emergency": False,
        "service_target_percent": 80,
        "answer_within_minutes": 10,
        "overflow_bound_percent": 10,
        "cit_available_percent": 90,
    }
    values.update(overrides)
    return values


def make_profile(organization: Organization, **overrides: Any) -> CommunityProfile:
    return services.save_profile(
        system_actor("test"), organization=organization, **profile_values(**overrides)
    )
