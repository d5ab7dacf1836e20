"""Each app registers its demo step in its ``demo.py``; the generator runs them in the order
of apps, whatever order the modules were imported in."""

from __future__ import annotations

from pmhc.demo import generator, registry


def test_steps_run_in_the_order_of_apps() -> None:
    # Imported out of order first: the order of apps still decides.
    import pmhc.response.demo
    import pmhc.toolkit.demo  # noqa: F401

    assert [(s.run.__module__, s.run.__name__, s.random) for s in registry.steps()] == [
        ("pmhc.toolkit.demo_assistance", "step", None),
        ("pmhc.toolkit.demo_sites", "step", None),
        ("pmhc.toolkit.demo_library", "step", None),
        ("pmhc.assessment.demo", "step", "assessment"),
        ("pmhc.training.demo", "step", "training"),
        ("pmhc.planning.demo", "step", "planning"),
        ("pmhc.dispatch.demo", "step_calls", "operate"),
        ("pmhc.response.demo", "step_encounters", "operate"),
        ("pmhc.response.demo", "step_teams_at_work", None),
        ("pmhc.response.demo_identities", "step_identities", None),
        ("pmhc.response.demo_retention", "step", None),
        ("pmhc.response.demo_plans", "step_response_plan", None),
        ("pmhc.response.demo_consents", "step_consents", None),
        ("pmhc.care.demo_directory", "step_directory", None),
        ("pmhc.care.demo_referrals", "step_referrals", None),
        ("pmhc.care.demo_cases", "step_cases", None),
        ("pmhc.homesafe.demo", "step", None),
        ("pmhc.evaluation.demo_changes", "step_program_change", None),
        ("pmhc.evaluation.demo", "step_rollups", None),
    ]
    assert len(generator.steps()) == len(generator.BASE_STEPS) + 19


def test_reference_data_loads_in_the_order_of_apps() -> None:
    assert [module for module, _ in registry.reference_data()] == [
        "pmhc.toolkit.migrations.0002_program_and_element_content",
        "pmhc.toolkit.migrations.0003_learning_sites",
        "pmhc.toolkit.migrations.0008_correct_learning_sites",
        "pmhc.assessment.migrations.0002_first_edition",
    ]


def test_registering_a_step_again_changes_nothing() -> None:
    before = registry.steps()
    registry.register_step(before[0].run, random=before[0].random)
    assert registry.steps() == before
