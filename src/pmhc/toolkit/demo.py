"""The toolkit's part of the demo: technical-assistance requests and the resource library, and
the reference data its migrations load (program types, essential elements, learning sites)."""

from __future__ import annotations

from pmhc.demo.registry import register_reference_data, register_step
from pmhc.toolkit import demo_assistance, demo_library, demo_sites

register_reference_data("pmhc.toolkit.migrations.0002_program_and_element_content", "load")
register_reference_data("pmhc.toolkit.migrations.0003_learning_sites", "load")
register_reference_data("pmhc.toolkit.migrations.0008_correct_learning_sites", "correct")
register_step(demo_assistance.step)
register_step(demo_sites.step)
register_step(demo_library.step)
