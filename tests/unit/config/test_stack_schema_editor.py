"""The stack file schema as editors apply it: yaml-language-server, the engine of VS Code's YAML extension
(package.json pins it), run by Node with the README's two hookups: the committed .vscode/settings.json
(`yaml.schemas`, resolved against the workspace as the server resolves it) and the modeline alone."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from tests.fixtures.plans import PROJECT_DIR

SCRIPT = PROJECT_DIR / "tests" / "unit" / "config" / "editor_check.js"
SHIPPED = sorted(
    [*PROJECT_DIR.glob("stacks/Pulumi.*.yaml"), *PROJECT_DIR.glob("examples/stacks/Pulumi.*.yaml")]
)
MODELINE = "# yaml-language-server: $schema=../schema/stack-config.schema.json\n"
DEV = (PROJECT_DIR / "stacks" / "Pulumi.dev.yaml").read_text()
MISTAKES = (
    DEV.replace("vmSize: Standard_D2s_v5", "vmSzie: Standard_D2s_v5")
    .replace("targetDedicatedNodes: 1", "targetDedicatedNodes: two")
    .replace("  batch-infra:tags:", "  batchinfra:tags:")
    .replace(
        "      taskSlotsPerNode: 2\n", "      taskSlotsPerNode: 2\n      cloudServiceConfiguration: {}\n"
    )
)


def _check(files: list[dict], *, mapped: bool) -> list[dict]:
    node = shutil.which("node")
    if node is None or not (PROJECT_DIR / "node_modules" / "yaml-language-server").is_dir():
        pytest.fail("yaml-language-server is not installed; fix: run ./scripts/setup.sh (it needs Node.js)")
    settings = str(PROJECT_DIR / ".vscode" / "settings.json") if mapped else None
    job = {"root": str(PROJECT_DIR), "settings": settings, "files": files}
    done = subprocess.run(
        [node, str(SCRIPT)],
        input=json.dumps(job),
        capture_output=True,
        text=True,
        timeout=120,
        cwd=PROJECT_DIR,
    )
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def _file(path, text: str, complete: int | None = None) -> dict:
    return {"path": str(path), "text": text, "complete": complete}


# Never written (the text is passed in); one name per document, as the service caches by name.
SCRATCH = [PROJECT_DIR / "stacks" / f"Pulumi.scratch{n}.yaml" for n in range(4)]
EXAMPLE_SCRATCH = PROJECT_DIR / "examples" / "stacks" / "Pulumi.scratch.yaml"
UNMAPPED_SCRATCH = PROJECT_DIR / "policy" / "Pulumi.scratch.yaml"  # no glob of the settings covers it
EXPECTED = [
    '27:7 Missing property "vmSize".',
    "29:7 Property vmSzie is not allowed.",
    '33:31 Incorrect type. Expected "integer | null".',
    "41:34 CloudServiceConfiguration pools was retired by Azure on 2024-02-29; fix: remove it; pools use "
    "VirtualMachineConfiguration chosen by image (e.g. os: windows 2022)",
    "8:5 the program never sees this key: the namespace is batch-infra:",
]
COMPLETE_AT = DEV.replace("      taskSlotsPerNode: 2\n", "      taskSlotsPerNode: 2\n      \n")
CURSOR = COMPLETE_AT.index("      taskSlotsPerNode: 2\n") + len("      taskSlotsPerNode: 2\n      ")


@pytest.fixture(scope="module")
def mapped() -> list[dict]:
    """With the `yaml.schemas` setting: the shipped stacks, the mistakes, then a completion request."""
    files = [_file(path, path.read_text()) for path in SHIPPED]
    elsewhere = [_file(EXAMPLE_SCRATCH, MISTAKES), _file(UNMAPPED_SCRATCH, MISTAKES)]
    return _check(
        [*files, *elsewhere, _file(SCRATCH[0], MISTAKES), _file(SCRATCH[1], COMPLETE_AT, CURSOR)], mapped=True
    )


def test_the_editor_finds_no_problem_in_any_shipped_stack(mapped):
    shipped = mapped[: len(SHIPPED)]
    assert len(SHIPPED) >= 8
    assert {r["path"]: r["problems"] for r in shipped} == {str(path): [] for path in SHIPPED}


def test_mistakes_are_marked_at_their_line_with_the_settings_mapping(mapped):
    in_examples, unmapped, in_stacks = mapped[len(SHIPPED) : len(SHIPPED) + 3]
    assert sorted(in_stacks["problems"]) == EXPECTED
    assert sorted(in_examples["problems"]) == EXPECTED
    assert unmapped["problems"] == []  # the mapping is the settings' globs, not every YAML file


def test_the_modeline_alone_applies_the_schema():
    plain, with_modeline = _check(
        [_file(SCRATCH[2], MISTAKES), _file(SCRATCH[3], MODELINE + MISTAKES)], mapped=False
    )
    assert plain["problems"] == []  # no mapping, no modeline: the editor knows nothing
    shifted = [f"{int(p.split(':', 1)[0]) + 1}:{p.split(':', 1)[1]}" for p in EXPECTED]
    assert sorted(with_modeline["problems"]) == sorted(shifted)


def test_completion_inside_a_pool_offers_its_keys_but_no_retired_one(mapped):
    offered = set(mapped[-1]["completion"])
    assert {"nodeFillType", "userAccounts", "mountConfiguration", "onImmutableChange"} <= offered
    assert not offered & {"cloudServiceConfiguration", "certificateReferences", "applicationLicenses"}
    assert "vmSize" not in offered  # already written
