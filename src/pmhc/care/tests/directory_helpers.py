"""Services for the directory's tests."""

from __future__ import annotations

import itertools
from typing import Any

from pmhc.care.models import CapacityUnit, Service, ServiceKind
from pmhc.platform.models import Organization

_numbers = itertools.count(1)
#: The scene of the tests' calls: a point in the demo's fictional county.
SCENE = (40.0, -90.0)


def service(organization: Organization, **values: Any) -> Service:
    n = next(_numbers)
    defaults: dict[str, Any] = {
        "external_id": f"S-{n}",
        "name": f"Service {n}",
        "kind": ServiceKind.CRISIS_CENTER,
        "latitude": SCENE[0] + 0.01 * n,
        "longitude": SCENE[1],
        "open_all_hours": True,
        "police_drop_off": True,
        "capacity_unit": CapacityUnit.CHAIRS,
        "capacity_total": 12,
    }
    defaults.update(values)
    return Service.objects.create(organization=organization, **defaults)
