"""`batch-infra stack new NAME --from SOURCE` (issue 15 item 20): what is copied, what is made unique,
what is left out, and that it validates and never overwrites."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
import yaml

from batch_infra.cli.main import main
from batch_infra.config import load_stack_file, stack_file
from batch_infra.config.placeholders import placeholders
from batch_infra.errors import ConfigError
from batch_infra.ops.address_space import overlaps, ranges_in_use
from batch_infra.ops.stack_new import Request, new_stack
from tests.fixtures.plans import PROJECT_DIR

SUBSCRIPTION = "12345678-1234-1234-1234-123456789012"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("AZURE_SUBSCRIPTION_ID", "ARM_SUBSCRIPTION_ID"):
        monkeypatch.delenv(name, raising=False)
    shutil.copytree(PROJECT_DIR / "stacks", tmp_path / "stacks")
    shutil.copytree(PROJECT_DIR / "packages", tmp_path / "packages")
    return tmp_path


def _run(project: Path, *args: str) -> int:
    return main(["stack", "new", *args, "--project-dir", str(project)])


def _config(project: Path, name: str) -> dict:
    return yaml.safe_load((project / "stacks" / f"Pulumi.{name}.yaml").read_text())["config"]


def test_qa_from_dev_copies_all_but_the_network_which_overlaps_no_stack(project, capsys):
    assert _run(project, "qa", "--from", "dev") == 0
    out = capsys.readouterr().out
    assert "network.addressSpace: 10.10.0.0/16 -> 10.11.0.0/16" in out and "pulumi stack init qa" in out
    qa, dev = _config(project, "qa"), _config(project, "dev")
    assert qa.pop("batch-infra:network") == {"addressSpace": "10.11.0.0/16", "subnetPrefix": "10.11.0.0/22"}
    dev.pop("batch-infra:network")
    assert qa == dev
    loaded = load_stack_file(stack_file("qa", project))  # valid, environment from the file name
    assert loaded.config.environment == "qa" and loaded.config.names().batch_account == "contosoqabatch"
    from ipaddress import ip_network

    others = ranges_in_use(project, skip="qa")
    assert overlaps(ip_network(loaded.config.network.address_space), others) == []
    text = (project / "stacks" / "Pulumi.qa.yaml").read_text()
    assert text.startswith(
        "# qa: created from stacks/Pulumi.dev.yaml by `batch-infra stack new qa --from dev`"
    )
    assert "Development" not in text  # the source's description is not the copy's
    assert (
        main(["preflight", "-s", "qa", "--offline", "--project-dir", str(project)]) == 0
    )  # the program plans it
    assert "vnet-contoso-qa-batch" in capsys.readouterr().out


def test_it_never_overwrites(project, capsys):
    assert _run(project, "qa", "--from", "dev") == 0
    before = hashlib.sha256((project / "stacks" / "Pulumi.qa.yaml").read_bytes()).hexdigest()
    assert _run(project, "qa", "--from", "prod") == 1
    assert "already exists, and stack new never overwrites" in capsys.readouterr().err
    assert hashlib.sha256((project / "stacks" / "Pulumi.qa.yaml").read_bytes()).hexdigest() == before
    assert _run(project, "dev", "--from", "prod") == 1


def test_from_prod_with_a_prefix_and_subscription_leaves_only_what_no_flag_can_know(project, capsys):
    assert _run(project, "pre", "--from", "prod", "--prefix", "acme", "--subscription", SUBSCRIPTION) == 0
    out = capsys.readouterr().out
    text = (project / "stacks" / "Pulumi.pre.yaml").read_text()
    assert "00000000-0000-0000-0000-000000000000" not in text and text.count(SUBSCRIPTION) == 5
    config = _config(project, "pre")["batch-infra:network"]
    assert config == {
        "addressSpace": "10.31.0.0/16",
        "subnetPrefix": "10.31.0.0/19",
        "privateEndpointSubnetPrefix": "10.31.64.0/24",
        "denyInternetOutbound": True,
    }
    loaded = load_stack_file(stack_file("pre", project))
    found = placeholders(loaded.config)
    left = [path for path, _ in found]
    # The ids now name the new subscription, but still the example's identities (rg-contoso-identity).
    identities = [
        "account.autoStorage.nodeIdentity",
        "account.identity.userAssignedIdentities[0]",
        "pools[0].certificates.identity",
        "pools[0].identities[0]",
        "pools[1].identities[0]",
    ]
    assert sorted(left) == sorted(
        [
            *identities,
            "account.autoStorage.networkAcls.ipRules[0].value",
            "account.encryption.keyVaultProperties.keyIdentifier",
            "pools[0].certificates.certificateUrls[0]",
            "roleAssignments[0].principalId",
        ]
    )
    assert all("names a resource of the shipped example" in dict(found)[path] for path in identities)
    for path in left:  # each is in the next steps, once
        assert out.count(f"before deploying to Azure, {path}: ") == 1


def test_the_subscription_comes_from_the_environment_like_the_azure_sdks(project, monkeypatch):
    monkeypatch.setenv("ARM_SUBSCRIPTION_ID", SUBSCRIPTION)
    assert _run(project, "pre", "--from", "prod") == 0
    assert (project / "stacks" / "Pulumi.pre.yaml").read_text().count(SUBSCRIPTION) == 5


SECRETS = """\
secretsprovider: passphrase
encryptionsalt: v1:c2FsdA==:v1:abc
config:
  azure-native:location: westeurope
  batch-infra:naming:
    prefix: acme
  batch-infra:renderPassword:
    secure: v1:AAAA
  batch-infra:pools:
    - id: small
      vmSize: Standard_D2s_v5
      image: {os: ubuntu 24.04}
      scale: {targetDedicatedNodes: 1}
      startTask:
        commandLine: /bin/true
        environment:
          TOKEN:
            secure: v1:BBBB
      extensions:
        - name: bootstrap
          publisher: Microsoft.Azure.Extensions
          type: CustomScript
          typeHandlerVersion: "2.1"
          protectedSettingsSecret: renderPassword
"""


def test_secrets_are_left_out_and_each_comes_with_its_command(project, capsys):
    (project / "stacks" / "Pulumi.sec.yaml").write_text(SECRETS)
    load_stack_file(stack_file("sec", project))  # the source itself is valid
    assert _run(project, "sec2", "--from", "sec") == 0
    out = capsys.readouterr().out
    text = (project / "stacks" / "Pulumi.sec2.yaml").read_text()
    assert "secure" not in text and "encryptionsalt" not in text and "secretsprovider" not in text
    assert "pulumi config set --secret 'batch-infra:renderPassword' <value> --stack sec2" in out
    token = "'batch-infra:pools[0].startTask.environment.TOKEN'"
    assert f"pulumi config set --secret --path {token} <value> --stack sec2" in out
    # The written file names renderPassword, which the new stack does not hold until it is set.
    with pytest.raises(ConfigError, match="names secret config key 'renderPassword'"):
        load_stack_file(stack_file("sec2", project))


def test_a_given_address_space_must_be_free_and_the_subnets_move_into_it(project, capsys):
    assert _run(project, "qa", "--from", "dev", "--address-space", "10.30.0.0/16") == 1
    assert "overlaps the network of prod" in capsys.readouterr().err
    assert _run(project, "qa", "--from", "dev", "--address-space", "192.168.0.0/16") == 0
    assert _config(project, "qa")["batch-infra:network"] == {
        "addressSpace": "192.168.0.0/16",
        "subnetPrefix": "192.168.0.0/22",
    }


def test_an_invalid_result_is_refused_and_nothing_is_written(project, capsys):
    assert _run(project, "qa", "--from", "prod", "--address-space", "10.50.0.0/24") == 1
    err = capsys.readouterr().err
    assert "the new stack would be invalid (nothing written)" in err
    assert "is not inside addressSpace 10.50.0.0/24" in err
    assert not (project / "stacks" / "Pulumi.qa.yaml").exists()


def test_an_existing_resource_group_must_be_named(project, capsys):
    text = (project / "stacks" / "Pulumi.dev.yaml").read_text()
    text = text.replace(
        "    prefix: contoso\n",
        "    prefix: contoso\n    resourceGroup: rg-lz-dev\n"
        "    existingResourceGroup: true\n    storageAccount: contosodevsa\n",
    )
    (project / "stacks" / "Pulumi.lz.yaml").write_text(text)
    assert _run(project, "lz2", "--from", "lz") == 1
    assert "fix: pass --resource-group NAME" in capsys.readouterr().err
    assert _run(project, "lz2", "--from", "lz", "--resource-group", "rg-lz-qa") == 0
    naming = _config(project, "lz2")["batch-infra:naming"]
    assert naming == {"prefix": "contoso", "resourceGroup": "rg-lz-qa", "existingResourceGroup": True}
    assert "naming.storageAccount: contosodevsa dropped" in capsys.readouterr().out


@pytest.mark.parametrize(
    "args, words",
    [
        (["QA", "--from", "dev"], "is not an environment name"),
        (["qa", "--from", "qa"], "is the new stack itself"),
        (["qa", "--from", "dev", "--prefix", "Acme-Corp"], "is not a naming prefix"),
        (["qa", "--from", "dev", "--subscription", "mine"], "is not a subscription id"),
    ],
)
def test_usage_mistakes_exit_2_with_the_fix(project, capsys, args, words):
    assert _run(project, *args) == 2
    err = capsys.readouterr().err
    assert words in err and "fix: " in err


def test_on_a_terminal_it_asks_for_the_prefix_and_subscription(project):
    asked = []

    def ask(question: str, default: str | None) -> str:
        asked.append((question, default))
        return "acme" if "prefix" in question else SUBSCRIPTION

    result = new_stack(Request("pre", "prod", project), ask=ask)
    assert [default for _, default in asked] == ["contoso", None]
    assert "naming.prefix: contoso -> acme" in result.changes
    assert result.text.count(SUBSCRIPTION) == 5
    assert not result.path.exists()  # new_stack plans; the command writes


def test_dry_run_prints_the_file_and_writes_nothing(project, capsys):
    assert _run(project, "qa", "--from", "dev", "--dry-run") == 0
    captured = capsys.readouterr()
    assert not (project / "stacks" / "Pulumi.qa.yaml").exists()
    assert yaml.safe_load(captured.out)["config"]["batch-infra:network"]["addressSpace"] == "10.11.0.0/16"
    assert (
        "nothing written" in captured.err
        and "network.addressSpace: 10.10.0.0/16 -> 10.11.0.0/16" in captured.err
    )


def test_the_sources_declared_key_sink_is_not_copied(project):
    """dev's consumers read dev's Batch key from dev's sink: a qa made from dev must never rotate into it."""
    dev = project / "stacks" / "Pulumi.dev.yaml"
    sink = "keyvault:https://kv-dev.vault.azure.net/secrets/dev-key"
    dev.write_text(
        dev.read_text().replace(
            "owner: platform-team", f'owner: platform-team\n    batch-infra-key-sink: "{sink}"'
        )
    )
    assert load_stack_file(stack_file("dev", project)).config.all_tags()["batch-infra-key-sink"] == sink
    result = new_stack(Request("qa", "dev", project))
    assert "batch-infra-key-sink" not in result.text and "owner: platform-team" in result.text
    assert any(sink in line and "dropped" in line for line in result.changes)
    assert any("keys rotate" in line for line in result.todo)
