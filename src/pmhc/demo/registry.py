"""Each app registers its own demo step and reference data here, from its ``demo.py``.

The generator discovers those modules (as the admin discovers ``admin.py``) and runs the steps
in the order of ``INSTALLED_APPS``, which is the order of apps (CONTRIBUTING.md), so a step can
use what the steps of lower apps made. Within an app, steps run in the order registered.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module

from django.apps import apps
from django.utils.module_loading import module_has_submodule

from pmhc.demo.context import Step


@dataclass(frozen=True)
class DemoStep:
    run: Step
    #: The run's random source the step uses (``DemoContext.shared_random``); steps that name
    #: the same one continue it. None: the demo's main source, ``ctx.rng``.
    random: str | None


_steps: dict[tuple[str, str], DemoStep] = {}
_reference_data: dict[tuple[str, str], None] = {}


def register_step(step: Step, *, random: str | None = None) -> None:
    """Add ``step`` to the demo. Registering the same function again changes nothing."""
    _steps[(step.__module__, step.__qualname__)] = DemoStep(run=step, random=random)


def register_reference_data(module: str, function: str) -> None:
    """Reference data that a migration loads with ``function(apps, schema_editor)``. ``flush``
    (``pmhc demo --reset``, transactional tests) erases it while the migration stays recorded
    as applied, so the demo puts it back first; the loader must skip what already exists."""
    _reference_data[(module, function)] = None


def discover() -> None:
    """Import every installed app's ``demo`` module, which registers its steps."""
    for config in apps.get_app_configs():
        if module_has_submodule(config.module, "demo"):
            import_module(f"{config.name}.demo")


def _app_position(module: str) -> int:
    names = [config.name for config in apps.get_app_configs()]
    config = apps.get_containing_app_config(module)
    if config is None:
        raise LookupError(f"{module} belongs to no installed app")
    return names.index(config.name)


def steps() -> list[DemoStep]:
    discover()
    # sorted() is stable: within an app, the order of registration stays.
    return sorted(_steps.values(), key=lambda step: _app_position(step.run.__module__))


def reference_data() -> list[tuple[str, str]]:
    discover()
    return sorted(_reference_data, key=lambda entry: _app_position(entry[0]))
