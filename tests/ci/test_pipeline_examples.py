"""examples/ci: the GitHub Actions and Azure DevOps pipelines match their platforms' schemas, and every
`batch-infra` and `pulumi` command they run exists and parses (dry: nothing runs)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import click
import pytest
from ruamel.yaml import YAML

from batch_infra.providers.sign_in import resolve
from tests.ci.commands import Command, commands, parse_batch_infra, parse_pulumi

REPO = Path(__file__).resolve().parents[2]
GITHUB = sorted((REPO / "examples" / "ci" / "github").glob("*.yml"))
AZURE_DEVOPS = sorted((REPO / "examples" / "ci" / "azure-devops").glob("*.yml"))
CHECK_JSONSCHEMA = Path(sys.executable).parent / "check-jsonschema"
SCHEMA_ARGS = {
    "github": ["--builtin-schema", "vendor.github-workflows"],
    "azure-devops": [
        "--builtin-schema",
        "vendor.azure-pipelines",
        "--data-transform",
        "azure-pipelines",
        "--regex-variant",
        "nonunicode",
    ],
}


def load(path: Path) -> Any:
    return YAML(typ="safe").load(path.read_text())  # YAML 1.2: `on:` stays a key, as GitHub reads it


def check_schema(kind: str, files: list[Path]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CHECK_JSONSCHEMA), *SCHEMA_ARGS[kind], *map(str, files)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def github_scripts(path: Path) -> dict[str, list[Command]]:
    """By job: the commands of its `run:` steps, in order."""
    jobs = load(path)["jobs"]
    return {
        job: [
            command
            for index, step in enumerate(spec["steps"])
            if "run" in step
            for command in commands(step["run"], f"{path.name}:{job}:{step.get('name', index)}")
        ]
        for job, spec in jobs.items()
    }


def azure_devops_scripts(path: Path) -> dict[str, list[Command]]:
    """By job or deployment: the commands of its script steps and AzureCLI@2 inline scripts, in order."""
    found: dict[str, list[Command]] = {}

    def walk(node: Any, job: str) -> None:
        if isinstance(node, dict):
            job = node.get("job") or node.get("deployment") or job
            script = node.get("script") or node.get("bash")
            if str(node.get("task", "")).startswith("AzureCLI@"):
                script = node["inputs"]["inlineScript"]
            if isinstance(script, str):
                found.setdefault(job, []).extend(commands(script, f"{path.name}:{job}"))
            for value in node.values():
                walk(value, job)
        elif isinstance(node, list):
            for value in node:
                walk(value, job)

    walk(load(path), "<pipeline>")
    return found


def all_commands() -> list[Command]:
    scripts = [*map(github_scripts, GITHUB), *map(azure_devops_scripts, AZURE_DEVOPS)]
    return [c for by_job in scripts for job in by_job.values() for c in job]


def test_there_are_examples_for_both_platforms() -> None:
    assert {p.name for p in GITHUB} == {"deploy.yml", "promote.yml", "rotate-keys.yml", "image-eol.yml"}
    assert {p.name for p in AZURE_DEVOPS} >= {"azure-pipelines.yml", "rotate-keys.yml", "image-eol.yml"}


@pytest.mark.parametrize("kind", ["github", "azure-devops"])
def test_the_pipelines_match_their_platforms_schema(kind: str) -> None:
    result = check_schema(kind, GITHUB if kind == "github" else AZURE_DEVOPS)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("kind", "name", "old", "new"),
    [
        ("github", "deploy.yml", "runs-on:", "run-on:"),
        ("azure-devops", "azure-pipelines.yml", "dependsOn: staging", "dependsOn: {stage: staging}"),
    ],
)
def test_the_schema_check_refuses_a_broken_pipeline(tmp_path: Path, kind: str, name: str, old: str, new: str):
    folder = REPO / "examples" / "ci" / kind
    for source in folder.glob("*.yml"):
        shutil.copy2(source, tmp_path / source.name)
    broken = tmp_path / name
    assert old in broken.read_text()
    broken.write_text(broken.read_text().replace(old, new, 1))
    assert check_schema(kind, [broken]).returncode != 0


def test_every_batch_infra_command_parses() -> None:
    seen = set()
    for command in all_commands():
        if command.tool == "batch-infra":
            path, _ = parse_batch_infra(command.argv)
            seen.add(path)
    assert seen >= {"preflight", "promote", "keys rotate", "images"}


def test_every_pulumi_command_is_one_the_pulumi_cli_has() -> None:
    seen = {parse_pulumi(c.argv)[0] for c in all_commands() if c.tool == "pulumi"}
    assert seen == {"login", "preview", "up"}


@pytest.mark.parametrize(
    "line",
    [
        "batch-infra preflght --stack prod",
        "batch-infra preflight --stak prod",
        "batch-infra preflight",
        "batch-infra keys rotate --stack prod --sink vault",
        ".venv/bin/batch-infra images --stack prod --azure --grace 5",
    ],
)
def test_the_batch_infra_parse_refuses_what_the_cli_refuses(line: str) -> None:
    (command,) = commands(line, "test")
    with pytest.raises(click.ClickException):
        parse_batch_infra(command.argv)


@pytest.mark.parametrize(
    "line", ["pulumi up --stack prod --yess", "pulumi deploy --stack prod", "pulumi up -z"]
)
def test_the_pulumi_parse_refuses_unknown_commands_and_flags(line: str) -> None:
    (command,) = commands(line, "test")
    with pytest.raises(ValueError):
        parse_pulumi(command.argv)


def test_command_extraction_follows_bash() -> None:
    script = (
        'set -e\nfoo || status=$?\n.venv/bin/batch-infra images --stack x --json > "out.json" || true  # c\n'
    )
    argvs = [c.argv for c in commands(script, "t")]
    assert argvs == [
        ("set", "-e"),
        ("foo",),
        ("status=$?",),
        (".venv/bin/batch-infra", "images", "--stack", "x", "--json"),
        ("true",),
    ]
    assert commands("pulumi up --stack ${{ matrix.stack }} \\\n  --yes", "t")[0].argv[-2:] == (
        "EXPR",
        "--yes",
    )
    assert commands("pulumi up --stack $(stack) --yes", "t")[0].argv[2:] == (
        "--stack",
        "MACRO_stack",
        "--yes",
    )


def _deploy_jobs() -> list[tuple[str, list[Command]]]:
    jobs = [(f"deploy.yml:{j}", c) for j, c in github_scripts(REPO / "examples/ci/github/deploy.yml").items()]
    ado = azure_devops_scripts(REPO / "examples/ci/azure-devops/azure-pipelines.yml")
    return jobs + [(f"azure-pipelines.yml:{j}", c) for j, c in ado.items()]


def test_each_environment_is_preflighted_then_previewed_then_updated() -> None:
    ups = 0
    for where, job in _deploy_jobs():
        steps = [_step(c) for c in job if c.tool in ("batch-infra", "pulumi")]
        steps = [s for s in steps if s[0] in ("preflight", "preview", "up")]
        stacks = {stack for _, stack in steps}
        assert len(stacks) == 1, (where, steps)  # one environment per job
        kinds = [kind for kind, _ in steps]
        assert kinds in (["preflight", "preview"], ["preflight", "preview", "up"]), (where, kinds)
        ups += kinds[-1] == "up"
    assert ups == 4  # staging and prod, on both platforms


def _step(command: Command) -> tuple[str, str]:
    if command.tool == "pulumi":
        name, flags = parse_pulumi(command.argv)
        return name, str(flags.get("stack", ""))
    name, params = parse_batch_infra(command.argv)
    return name, str(params.get("stack", ""))


def test_prod_is_promoted_from_staging_behind_an_approval() -> None:
    jobs = load(REPO / "examples/ci/github/deploy.yml")["jobs"]
    assert jobs["prod"]["needs"] == "staging"
    assert (jobs["staging"]["environment"], jobs["prod"]["environment"]) == ("staging", "production")
    stages = {s["stage"]: s for s in load(REPO / "examples/ci/azure-devops/azure-pipelines.yml")["stages"]}
    assert stages["prod"]["dependsOn"] == "staging"
    (deployment,) = stages["prod"]["jobs"]
    assert deployment["environment"] == "batch-prod"  # its "Approvals and checks" hold the run


def test_rotation_and_image_reports_are_scheduled() -> None:
    for name in ("rotate-keys.yml", "image-eol.yml"):
        assert load(REPO / "examples/ci/github" / name)["on"]["schedule"][0]["cron"]
        assert load(REPO / "examples/ci/azure-devops" / name)["schedules"][0]["cron"]


def test_github_sign_in_is_one_oidc_identity_for_azure_native_and_batch_infra() -> None:
    for path in GITHUB:
        workflow = load(path)
        variables = workflow.get("env", {})
        if "ARM_USE_OIDC" not in variables:
            continue
        assert workflow["permissions"]["id-token"] == "write", path.name
        assert not any("SECRET" in name for name in variables if name.startswith(("ARM_", "AZURE_"))), (
            path.name
        )
        # What the runner holds at run time: the variables, plus GitHub's token request pair.
        runtime = {name: "value" for name in variables if name.startswith("ARM_")}
        runtime.update(
            ARM_USE_OIDC=variables["ARM_USE_OIDC"],
            ACTIONS_ID_TOKEN_REQUEST_URL="https://t",
            ACTIONS_ID_TOKEN_REQUEST_TOKEN="b",
        )
        assert resolve({}, runtime).method == "oidc", path.name


def test_azure_devops_sign_in_exports_the_service_connections_federated_token() -> None:
    tasks = 0
    for path in AZURE_DEVOPS:
        for job in azure_devops_scripts(path).values():
            exports = [c for c in job if c.argv[0] == "export" and "ARM_USE_OIDC=true" in c.argv]
            if any(_reaches_azure(c) for c in job):
                assert exports, path.name
                assert "ARM_OIDC_TOKEN=$idToken" in exports[0].argv, path.name
                tasks += 1
    assert tasks == 5  # preview, staging and prod; key rotation; the image report


def _reaches_azure(command: Command) -> bool:
    if command.tool == "pulumi":
        return True
    return command.tool == "batch-infra" and ("--azure" in command.argv or command.argv[1:2] == ("keys",))


def test_commands_that_read_or_change_a_target_name_azure_in_ci() -> None:
    """No emulator in a pipeline: without --azure, preflight/quota/images would read an empty embedded one
    and keys rotate would refuse to guess (--offline reads no target at all)."""
    checked = 0
    for command in all_commands():
        if command.tool != "batch-infra":
            continue
        path, params = parse_batch_infra(command.argv)
        if path in ("preflight", "quota", "images", "keys rotate"):
            assert params.get("azure") or params.get("offline"), command
            checked += 1
    assert checked >= 10
