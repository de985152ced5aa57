"""Shared pytest configuration: fixture plugins live in tests/fixtures/ (one module per concern)."""

from hypothesis import settings

pytest_plugins: list[str] = ["tests.fixtures.emulator", "tests.fixtures.plans"]

# Property tests judge results, never speed: Hypothesis's default 200 ms deadline failed them on a loaded
# 2-core CI machine (test_grade_only_worsens_as_demand_grows). Timings belong in benchmarks/.
settings.register_profile("batch-infra", deadline=None)
settings.load_profile("batch-infra")
