"""The program's own errors through the test engine (Pulumi's language host): the message with its file, key
and fix, and no Python traceback, asyncio's included, whether build() fails before or after registering.

Issue 16 item 8: before, a bad stack file reached the user as "Program failed with an unhandled exception:"
and a traceback through program.py and the config loader, with the fix at the bottom.
"""

from __future__ import annotations

import pytest
import yaml

from tests.deployments.conftest import engine_stack
from tests.engine.result import Result

pytestmark = [pytest.mark.slow, pytest.mark.emulator, pytest.mark.timeout(300)]

# A program that registers a component, then fails as build() does on a refused plan.
RAISES_AFTER_REGISTERING = """
import pulumi

from batch_infra import program
from batch_infra.errors import BatchInfraError


def build(project_dir):
    pulumi.ComponentResource("batch-infra:test:Registered", "registered")
    raise BatchInfraError("the plan was refused after registering", fix="change the plan")


program.build = build
program.main()
"""


def assert_clean_error(result: Result, *expected: str) -> None:
    text = result.render()
    assert not result.ok, text
    for words in expected:
        assert words in text, text
    assert "Traceback" not in text and "unhandled exception" not in text, text
    assert "Task exception was never retrieved" not in text and "asyncio" not in text, text


def test_a_bad_stack_file_is_its_message_not_a_traceback(project, clean_emulator) -> None:  # noqa: ANN001
    path = project / "stacks" / "Pulumi.dev.yaml"
    data = yaml.safe_load(path.read_text())
    data["config"]["batch-infra:pools"][0]["applicationPackages"] = [{"application": "nope"}]
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    stack = engine_stack(project, "dev", clean_emulator)
    for result in (stack.preview(), stack.up()):
        assert_clean_error(
            result,
            "stacks/Pulumi.dev.yaml: batch-infra:pools[0].applicationPackages[0].application: 'nope'",
            "fix: declare the application",
        )
    assert clean_emulator.requests() == []  # refused before anything reached Azure


def test_build_failing_after_registrations_is_its_message_not_a_traceback(project, clean_emulator) -> None:  # noqa: ANN001
    (project / "__main__.py").write_text(RAISES_AFTER_REGISTERING)
    stack = engine_stack(project, "dev", clean_emulator)
    for result in (stack.preview(), stack.up()):
        assert_clean_error(result, "the plan was refused after registering", "fix: change the plan")
