"""Settings for every test in the repository (core and connectors)."""

from __future__ import annotations

from hypothesis import HealthCheck, settings

# The machines running the suite are shared and noisy: never fail a property test on timing.
settings.register_profile(
    "hub", deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True
)
settings.load_profile("hub")
