"""The demo steps of care, each in its own module (registered when imported)."""

from __future__ import annotations

from pmhc.care import demo_directory  # noqa: F401
