"""`batch-infra preflight`: the dev and prod trees, the --json shape, and exit 1 with every problem."""

from __future__ import annotations

import json
import shutil

import pytest

from batch_infra.cli.main import main
from tests.fixtures.plans import PROJECT_DIR


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["preflight", "--offline", *args])  # mock tree only (see test_preflight_target)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    "stack, applications", [("dev", ["renderer"]), ("prod", ["ffmpeg-tools", "qc-report", "renderer"])]
)
def test_tree_shows_every_resource_under_its_parent(capsys, planned, stack, applications):
    code, out, _ = run(capsys, "--stack", stack, "--project-dir", str(PROJECT_DIR))
    assert code == 0
    assert out.startswith(f"stack {stack} ")
    lines = out.splitlines()
    expected = [
        "batch batch-infra:environment:BatchEnvironment",
        "batch-account-batch azure-native:batch:BatchAccount",
        "batch-network-nsg azure-native:network:NetworkSecurityGroup",
        "batch-rg azure-native:resources:ResourceGroup",
    ]
    expected += [f"batch-applications-{a} azure-native:batch:Application" for a in applications]
    for label in expected:
        assert any(label in line for line in lines), label
    # children are indented below their component
    depth = {label: next(line.index(label) for line in lines if label in line) for label in expected}
    assert (
        depth["batch-account-batch azure-native:batch:BatchAccount"]
        > depth["batch batch-infra:environment:BatchEnvironment"]
    )
    assert f"contoso{stack}batch" in out and "BatchNodeManagement.westeurope" in out
    custom = [r for r in planned(stack).resources if r.custom]
    assert len(custom) >= 6 + len(applications)  # six Azure resources, one per application, dynamic ones
    components = 4 + (2 if stack == "prod" else 0)  # prod adds private-link and guard-rails
    assert f"{len(custom)} resources in {components} components" in out


def test_prod_tree_shows_private_access_and_managed_identity(capsys):
    _, out, _ = run(capsys, "--stack", "prod", "--project-dir", str(PROJECT_DIR))
    assert "publicNetworkAccess=Disabled" in out
    assert "autoStorage.authenticationMode=BatchAccountManagedIdentity" in out


def test_json_lists_resources_with_parents_and_outputs(capsys):
    code, out, _ = run(capsys, "--stack", "dev", "--json", "--project-dir", str(PROJECT_DIR))
    assert code == 0
    document = json.loads(out)
    assert set(document) == {"stack", "source", "resources", "outputs", "securityBaseline"}
    assert document["securityBaseline"]["ok"] is True  # dev: advisory, so findings never fail it
    assert document["stack"] == "dev" and document["source"].endswith("stacks/Pulumi.dev.yaml")
    by_name = {r["name"]: r for r in document["resources"]}
    assert set(by_name["batch-rg"]) == {"urn", "type", "name", "parent", "component", "properties"}
    assert by_name["batch-network-subnet"]["parent"] == by_name["batch-network"]["urn"]
    assert by_name["batch"]["component"] is True and by_name["batch-rg"]["component"] is False
    assert by_name["batch-account-storage"]["properties"]["minimumTlsVersion"] == "TLS1_2"
    assert document["outputs"]["accountEndpoint"] == "contosodevbatch.westeurope.batch.azure.com"


def broken_project(tmp_path, text: str):
    shutil.copytree(PROJECT_DIR / "packages", tmp_path / "packages")
    (tmp_path / "stacks").mkdir()
    (tmp_path / "stacks" / "Pulumi.dev.yaml").write_text(text)
    return tmp_path


def test_a_broken_stack_exits_1_with_every_problem_on_stderr(capsys, tmp_path):
    text = (PROJECT_DIR / "stacks" / "Pulumi.dev.yaml").read_text()
    text = text.replace("subnetPrefix: 10.10.0.0/22", "subnetPrefix: 10.99.0.0/22")
    text = text.replace("targetDedicatedNodes: 1", "targetLowPriorityNodes: 1")
    project = broken_project(tmp_path, text)
    code, out, err = run(capsys, "--stack", "dev", "--project-dir", str(project))
    assert code == 1 and out == ""
    assert "2 configuration problems" in err
    assert (
        "batch-infra:network.subnetPrefix: subnetPrefix 10.99.0.0/22 is not inside addressSpace 10.10.0.0/16"
    ) in err
    assert (
        "batch-infra:pools[0].scale.targetLowPriorityNodes: "
        "targetLowPriorityNodes (low-priority nodes) was retired"
    ) in err


def test_a_missing_stack_exits_1_and_names_the_file(capsys, tmp_path):
    code, _, err = run(capsys, "--stack", "qa", "--project-dir", str(tmp_path))
    assert code == 1
    assert "Pulumi.qa.yaml: no such stack file" in err


def test_without_stack_it_is_a_usage_error(capsys):
    code, _, err = run(capsys)
    assert code == 2 and "--stack" in err


def test_a_stack_name_that_is_a_path_is_a_usage_error(capsys):
    code, out, err = run(
        capsys, "--stack", "../../etc/passwd", "--offline", "--project-dir", str(PROJECT_DIR)
    )
    assert code == 2 and out == ""
    assert "--stack '../../etc/passwd' is not a stack name" in err
    assert "dev, prod, staging" in err


def test_a_missing_stack_lists_the_stacks_that_exist(capsys):
    code, _, err = run(capsys, "--stack", "qa", "--offline", "--project-dir", str(PROJECT_DIR))
    assert code == 1
    assert "stacks/Pulumi.qa.yaml: no such stack file" in err and "dev, prod, staging" in err


@pytest.mark.parametrize("command", [["preflight", "--offline"], ["preflight"], ["quota"], ["images"]])
def test_json_on_a_configuration_error_prints_the_one_error_document(capsys, command):
    """newcomer D11: --json printed nothing on a config error (promote and autoscale check print JSON)."""
    code = main([*command, "--stack", "dve", "--json", "--project-dir", str(PROJECT_DIR)])
    out, err = capsys.readouterr()
    document = json.loads(out)
    assert code == 1 and document["ok"] is False and document["exitCode"] == 1
    assert document["command"] == command[0]
    assert "did you mean 'dev'?" in document["problems"][0] and "error: " in err
    assert set(document) >= {"error", "problems", "fix"}


def test_promote_refusals_use_the_same_error_document(capsys):
    code = main(["promote", "--from", "staging", "--to", "qa", "--json", "--project-dir", str(PROJECT_DIR)])
    document = json.loads(capsys.readouterr().out)
    assert (code, document["ok"], document["command"], document["written"]) == (1, False, "promote", False)
