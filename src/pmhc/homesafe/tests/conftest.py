from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _private_media(settings: Any, tmp_path: Path) -> None:
    """Photos go to a folder of the test's own."""
    settings.MEDIA_ROOT = tmp_path / "private"
