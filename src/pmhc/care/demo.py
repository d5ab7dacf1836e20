"""The demo steps of care, each in its own module (registered when imported)."""

from __future__ import annotations

from pmhc.care import demo_directory  # noqa: F401
from pmhc.care.demo_cases import step_cases
from pmhc.care.demo_referrals import step_referrals
from pmhc.demo.registry import register_step

# After the directory's step: referrals go to its services.
register_step(step_referrals)
# Cases of people on the high-utilizer list.
register_step(step_cases)
