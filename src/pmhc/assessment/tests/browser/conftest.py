from __future__ import annotations

import pytest

from pmhc.demo.generator import restore_reference_data


@pytest.fixture
def first_edition(transactional_db: None) -> None:
    """The migration's first edition, back in place if an earlier transactional test flushed
    it away (the demo loader does the same)."""
    restore_reference_data()
