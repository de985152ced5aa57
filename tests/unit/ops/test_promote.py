"""Promotion between stack files: what moves, what never does, comments and order, invalid results."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from batch_infra.config import load_stack_file
from batch_infra.config.base import is_promotable
from batch_infra.errors import ConfigError
from batch_infra.ops.promote import PromotionRefused, promote

REPO = Path(__file__).resolve().parents[3]

HEADER = """\
config:
  azure-native:location: westeurope
  batch-infra:location: westeurope
"""

SOURCE = HEADER + """\
  batch-infra:naming:
    prefix: fabrikam
  batch-infra:network:
    addressSpace: 10.20.0.0/16
    subnetPrefix: 10.20.0.0/20
  batch-infra:applications:
    - id: renderer
      displayName: Renderer (staging)
      allowUpdates: true
      defaultVersion: 2.5.0
      packages:
        2.4.0: packages/renderer/2.4.0
        2.5.0: packages/renderer/2.5.0-staging
  batch-infra:pools:
    - id: encode
      vmSize: Standard_D2s_v5
      image:
        publisher: canonical
        offer: ubuntu-24_04-lts
        sku: server
        pinned:
          publisher: canonical
          offer: ubuntu-24_04-lts
          sku: server
          version: 1.2.3
          nodeAgentSkuId: batch.node.ubuntu 24.04
      scale:
        formula: $TargetDedicatedNodes = min(2, $PendingTasks.GetSample(1));
        maxDedicatedNodes: 2
      startTask:
        commandLine: /bin/bash -c "echo staging encode"
        elevation: admin
      taskSlotsPerNode: 8
      metadata:
        purpose: staging
    - id: render
      vmSize: Standard_F8s_v2
      image:
        os: ubuntu 24.04
      scale:
        formula: |
          $TargetDedicatedNodes = min(8, $PendingTasks.GetSample(1));
          $NodeDeallocationOption = taskcompletion;
        evaluationInterval: PT5M
        maxDedicatedNodes: 8
      startTask:
        commandLine: /bin/bash -c "render --selftest v2"
    - id: only-in-staging
      vmSize: Standard_D2s_v5
      image:
        os: ubuntu 24.04
      scale:
        targetDedicatedNodes: 1
"""

# The target: comments everywhere, pools in the other order, different sizes, names, networks and counts.
TARGET = """\
# Production stack: reviewed by the platform team.
config:
  azure-native:location: westeurope
  batch-infra:location: westeurope
  # Names are per environment and never promoted.
  batch-infra:naming:
    prefix: contoso  # shared prefix
    batchAccount: contosoprodbatch
  batch-infra:network:
    addressSpace: 10.30.0.0/16
    subnetPrefix: 10.30.0.0/19
  batch-infra:licenseKey:
    secure: AAABAHx0ZW5jcnlwdGVkLWJsb2I=
  batch-infra:applications:
    - id: Renderer  # ids match case-insensitively
      displayName: Renderer (prod)
      allowUpdates: false
      defaultVersion: 2.3.0  # bumped only by promotion
      packages:
        2.3.0: packages/renderer/2.3.0
        2.4.0: packages/renderer/2.4.0
  batch-infra:pools:
    # The render farm comes first in prod.
    - id: render
      vmSize: Standard_F16s_v2
      image:
        os: ubuntu 24.04
      scale:
        # Reviewed formula.
        formula: |
          $TargetDedicatedNodes = min(20, $PendingTasks.GetSample(1));
          $NodeDeallocationOption = taskcompletion;
        evaluationInterval: PT10M
        maxDedicatedNodes: 20
        maxSpotNodes: 4
      startTask:
        commandLine: /bin/bash -c "render --selftest v1"
        maxTaskRetryCount: 3
    - id: encode
      vmSize: Standard_D8s_v5  # sized for prod
      image:
        os: ubuntu 24.04  # will follow staging
      scale:
        formula: $TargetDedicatedNodes = min(4, $PendingTasks.GetSample(1));
        maxDedicatedNodes: 4
      taskSlotsPerNode: 2
      metadata:
        purpose: production
    - id: only-in-prod
      vmSize: Standard_D2s_v5
      image:
        os: ubuntu 22.04
      scale:
        targetDedicatedNodes: 3
  batch-infra:policies:
    imageEndOfLifeWindowDays: 120
"""


def make_project(root: Path, files: dict[str, str]) -> Path:
    for version in ("2.3.0", "2.4.0", "2.5.0-staging"):
        folder = root / "packages" / "renderer" / version
        folder.mkdir(parents=True)
        (folder / "run.sh").write_text("#!/bin/sh\n")
    (root / "stacks").mkdir()
    for env, text in files.items():
        (root / "stacks" / f"Pulumi.{env}.yaml").write_text(text)
    return root


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path, {"staging": SOURCE, "prod": TARGET})


def comments(text: str) -> list[str]:
    return [m.group(0).strip() for m in re.finditer(r"#.*$", text, re.MULTILINE)]


def non_promotable(value: object, model: type) -> object:
    """The config with every promotable field removed: what promotion must leave exactly as it was."""
    from pydantic import BaseModel

    if isinstance(value, BaseModel):
        return {name: non_promotable(getattr(value, name), model)
                for name, info in type(value).model_fields.items() if not is_promotable(info)}
    if isinstance(value, list):
        return [non_promotable(v, model) for v in value]
    return value


def test_promotes_only_promotable_keys_matched_by_id(project: Path) -> None:
    before = load_stack_file(project / "stacks/Pulumi.prod.yaml")
    plan = promote("staging", "prod", project, write=True)
    after = load_stack_file(project / "stacks/Pulumi.prod.yaml")

    assert plan.written
    assert non_promotable(after.config, object) == non_promotable(before.config, object)
    pools = {p.id: p for p in after.config.pools}
    # Matched by id: prod lists render first, staging lists encode first.
    assert pools["render"].scale.formula.startswith("$TargetDedicatedNodes = min(8,")
    assert pools["render"].start_task.command_line == '/bin/bash -c "render --selftest v2"'
    assert pools["encode"].scale.formula == "$TargetDedicatedNodes = min(2, $PendingTasks.GetSample(1));"
    # The image selector moves whole (os replaced by publisher/offer/sku, with the pin).
    assert pools["encode"].image.os is None and pools["encode"].image.sku == "server"
    assert pools["encode"].image.pinned.version == "1.2.3"
    # What never moves.
    assert (pools["encode"].vm_size, pools["render"].vm_size) == ("Standard_D8s_v5", "Standard_F16s_v2")
    assert (pools["render"].scale.max_dedicated_nodes, pools["render"].scale.max_spot_nodes) == (20, 4)
    assert pools["encode"].task_slots_per_node == 2 and pools["encode"].metadata == {"purpose": "production"}
    assert pools["render"].start_task.max_task_retry_count == 3
    assert pools["only-in-prod"].scale.target_dedicated_nodes == 3
    assert "only-in-staging" not in pools
    assert after.config.names().batch_account == "contosoprodbatch"
    assert str(after.config.network.address_space) == str(before.config.network.address_space)
    assert after.secrets == {"licenseKey"}
    assert "AAABAHx0ZW5jcnlwdGVkLWJsb2I=" in (project / "stacks/Pulumi.prod.yaml").read_text()
    # No encode start task in prod: it is not invented, only noted.
    assert pools["encode"].start_task is None
    assert any("pools[encode].startTask" in n for n in plan.notes)
    assert any("pools[only-in-staging]" in n for n in plan.notes)


def test_package_version_carries_its_path_and_target_keeps_older_versions(project: Path) -> None:
    plan = promote("staging", "prod", project, write=True)
    app = load_stack_file(project / "stacks/Pulumi.prod.yaml").config.application("renderer")

    assert app.default_version == "2.5.0"
    assert app.packages == {"2.3.0": "packages/renderer/2.3.0", "2.4.0": "packages/renderer/2.4.0",
                            "2.5.0": "packages/renderer/2.5.0-staging"}
    assert app.display_name == "Renderer (prod)" and app.allow_updates is False
    paths = {c.path: (c.before, c.after) for c in plan.changes}
    # Named as prod spells the application (`Renderer`), not as staging does.
    assert paths["applications[Renderer].packages.2.5.0"] == (None, "packages/renderer/2.5.0-staging")
    assert paths["applications[Renderer].defaultVersion"] == ("2.3.0", "2.5.0")


def test_comments_and_order_survive(project: Path) -> None:
    original = (project / "stacks/Pulumi.prod.yaml").read_text()
    promote("staging", "prod", project, write=True)
    written = (project / "stacks/Pulumi.prod.yaml").read_text()

    assert comments(written) == [c for c in comments(original) if c != "# will follow staging"]
    keys = re.compile(r"^\s*(?:- )?([\w:.-]+):", re.MULTILINE)
    assert [k for k in keys.findall(written) if k.startswith("batch-infra:")] == \
        [k for k in keys.findall(original) if k.startswith("batch-infra:")]
    assert "defaultVersion: 2.5.0  # bumped only by promotion" in written
    assert "vmSize: Standard_D8s_v5  # sized for prod" in written


def test_unchanged_target_is_byte_identical(tmp_path: Path) -> None:
    shutil.copytree(REPO / "stacks", tmp_path / "stacks")
    shutil.copytree(REPO / "packages", tmp_path / "packages")
    original = (tmp_path / "stacks/Pulumi.staging.yaml").read_text()

    plan = promote("dev", "staging", tmp_path, write=True)

    assert plan.changes == [] and not plan.written
    assert plan.text == original
    assert (tmp_path / "stacks/Pulumi.staging.yaml").read_text() == original


def test_real_stacks_promote_staging_to_prod_changing_only_promoted_lines(tmp_path: Path) -> None:
    shutil.copytree(REPO / "stacks", tmp_path / "stacks")
    shutil.copytree(REPO / "packages", tmp_path / "packages")
    original = (tmp_path / "stacks/Pulumi.prod.yaml").read_text().splitlines()

    plan = promote("staging", "prod", tmp_path, write=True)
    written = (tmp_path / "stacks/Pulumi.prod.yaml").read_text().splitlines()

    changed = [(a, b) for a, b in zip(original, written, strict=True) if a != b]
    assert [c.path for c in plan.changes] == ["applications[renderer].defaultVersion",
                                              "pools[render].scale.formula"]
    assert changed == [("      defaultVersion: 2.3.0", "      defaultVersion: 2.4.0"),
                       ("          $samples = $PendingTasks.GetSamplePercent(TimeInterval_Minute * 15);",
                        "          $samples = $PendingTasks.GetSamplePercent(TimeInterval_Minute * 10);")]


def test_result_invalid_for_target_is_refused_with_every_problem(tmp_path: Path) -> None:
    # Both matched prod pools on fixed scale: staging's formulas cannot land there.
    encode_scale = "formula: $TargetDedicatedNodes = min(4, $PendingTasks.GetSample(1));\n"
    fixed_target = TARGET.replace(encode_scale + "        maxDedicatedNodes: 4", "targetDedicatedNodes: 2")
    for line in ("evaluationInterval: PT10M", "maxDedicatedNodes: 20", "maxSpotNodes: 4"):
        fixed_target = fixed_target.replace(f"        {line}\n", "")
    render_formula = r"        # Reviewed formula.\n        formula: \|\n(          .*\n)+"
    fixed_target = re.sub(render_formula, "        targetDedicatedNodes: 5\n", fixed_target)
    project = make_project(tmp_path, {"staging": SOURCE, "prod": fixed_target})
    load_stack_file(project / "stacks/Pulumi.prod.yaml")  # valid before promotion

    with pytest.raises(PromotionRefused) as refused:
        promote("staging", "prod", project, write=True)

    problems = refused.value.problems
    assert len(problems) == 2
    assert all(p.startswith("stacks/Pulumi.prod.yaml: ") or "Pulumi.prod.yaml:" in p for p in problems)
    assert any("pools[0].scale" in p and "mixes fixed keys" in p for p in problems)
    assert any("pools[1].scale" in p and "mixes fixed keys" in p for p in problems)
    assert "would be invalid after promotion" in refused.value.render()
    assert (project / "stacks/Pulumi.prod.yaml").read_text() == fixed_target
    left = sorted(p.name for p in (project / "stacks").iterdir())
    assert left == ["Pulumi.prod.yaml", "Pulumi.staging.yaml"]


def test_invalid_source_is_refused_before_anything_is_planned(tmp_path: Path) -> None:
    broken = SOURCE.replace("vmSize: Standard_F8s_v2", "vmSize: Basic_A1").replace("defaultVersion: 2.5.0",
                                                                                    "defaultVersion: 9.9.9")
    project = make_project(tmp_path, {"staging": broken, "prod": TARGET})

    with pytest.raises(PromotionRefused) as refused:
        promote("staging", "prod", project)

    assert "the source stack" in refused.value.render() and "(fix it first)" in refused.value.render()
    assert len(refused.value.problems) == 2
    assert any("pools[1].vmSize" in p and "retired" in p for p in refused.value.problems)
    assert any("applications[0]" in p and "9.9.9" in p for p in refused.value.problems)
    assert (project / "stacks/Pulumi.prod.yaml").read_text() == TARGET


def test_dry_run_leaves_the_target_alone(project: Path) -> None:
    plan = promote("staging", "prod", project)

    assert plan.changes and not plan.written
    assert (project / "stacks/Pulumi.prod.yaml").read_text() == TARGET
    assert "min(8, $PendingTasks" in plan.text


def test_same_stack_and_missing_stack_are_usage_errors(project: Path) -> None:
    with pytest.raises(ConfigError, match="both 'prod'"):
        promote("prod", "prod", project)
    with pytest.raises(ConfigError, match="--to qa: there is no stack file"):
        promote("staging", "qa", project)


def test_invalid_target_is_refused_as_the_target_not_as_the_result(tmp_path: Path) -> None:
    broken = TARGET.replace("Standard_D8s_v5", "Basic_A2")
    project = make_project(tmp_path, {"staging": SOURCE, "prod": broken})

    with pytest.raises(PromotionRefused) as refused:
        promote("staging", "prod", project, write=True)

    assert "the target stack" in refused.value.render()
    assert len(refused.value.problems) == 1 and "pools[1].vmSize" in refused.value.problems[0]


@pytest.mark.parametrize(("source", "target"), [(a, b) for a in ("dev", "staging", "prod")
                                                for b in ("dev", "staging", "prod") if a != b])
def test_real_stack_pairs_move_only_promotable_keys(tmp_path: Path, source: str, target: str) -> None:
    shutil.copytree(REPO / "stacks", tmp_path / "stacks")
    shutil.copytree(REPO / "packages", tmp_path / "packages")
    path = tmp_path / f"stacks/Pulumi.{target}.yaml"
    original, before = path.read_text(), load_stack_file(path).config

    try:
        promote(source, target, tmp_path, write=True)
    except PromotionRefused:
        assert path.read_text() == original
        return
    after = load_stack_file(path).config
    assert non_promotable(after, object) == non_promotable(before, object)
    promoted = {p.id: p for p in load_stack_file(tmp_path / f"stacks/Pulumi.{source}.yaml").config.pools}
    for pool in after.pools:
        if pool.id in promoted:
            assert pool.image == promoted[pool.id].image


def test_a_comment_after_a_removed_key_stays_with_the_next_key(tmp_path: Path) -> None:
    """ruamel files the full-line comment before `scale:` under the pinned image's last key (`sku`);
    replacing the image selector must not take the comment with it."""
    shutil.copytree(REPO / "packages", tmp_path / "packages")
    (tmp_path / "stacks").mkdir()
    pool = """\
  batch-infra:naming:
    prefix: contoso
  batch-infra:pools:
    - id: Render
      vmSize: Standard_D2s_v5
      image:
{image}
      # DO NOT raise: the account quota is 40 cores (ticket OPS-17)
      scale:
        targetDedicatedNodes: 2  # two for the smoke test
"""
    pinned = (
        "        publisher: canonical\n        offer: 0001-com-ubuntu-server-jammy\n        sku: 22_04-lts"
    )
    (tmp_path / "stacks/Pulumi.prod.yaml").write_text(HEADER + pool.format(image=pinned))
    (tmp_path / "stacks/Pulumi.staging.yaml").write_text(
        HEADER + pool.format(image="        os: ubuntu 24.04").replace("id: Render", "id: render")
    )

    plan = promote("staging", "prod", tmp_path, write=True)

    written = (tmp_path / "stacks/Pulumi.prod.yaml").read_text()
    assert "        os: ubuntu 24.04\n      # DO NOT raise: the account quota is 40 cores (ticket OPS-17)\n" \
        "      scale:\n" in written
    assert "targetDedicatedNodes: 2  # two for the smoke test" in written
    # The change is named as the target spells the pool.
    assert [c.path for c in plan.changes] == ["pools[Render].image"]


SECTIONS = HEADER + """\
  batch-infra:naming:
    prefix: {prefix}
  batch-infra:network:
    addressSpace: 10.20.0.0/16
    subnetPrefix: 10.20.0.0/20
  batch-infra:pools:
    - id: align
      vmSize: Standard_D4s_v5
      image:
        publisher: microsoft-dsvm
        offer: ubuntu-hpc
        sku: "2204"
        capabilities: [DockerCompatible]
      scale:
        targetDedicatedNodes: 1
      containerConfiguration:
        type: DockerCompatible
        containerImageNames: [{registry}.azurecr.io/bwa:{tag}]
        containerRegistries:
          - registryServer: {registry}.azurecr.io
            username: ci
            passwordSecret: registryPassword
      extensions:
        - name: monitor
          publisher: Microsoft.Azure.Monitor
          type: AzureMonitorLinuxAgent
          typeHandlerVersion: "{version}"
  batch-infra:registryPassword:
    secure: AAABAHx0ZW5jcnlwdGVkLWJsb2I=
"""


def test_container_images_and_extension_versions_promote_but_registries_stay(tmp_path: Path) -> None:
    stacks = tmp_path / "stacks"
    stacks.mkdir()
    (stacks / "Pulumi.staging.yaml").write_text(
        SECTIONS.format(prefix="fabrikam", registry="stagingacr", tag="0.7.18", version="1.1"))
    (stacks / "Pulumi.prod.yaml").write_text(
        SECTIONS.format(prefix="contoso", registry="prodacr", tag="0.7.17", version="1.0"))
    promote("staging", "prod", tmp_path, write=True)
    pool = load_stack_file(stacks / "Pulumi.prod.yaml").config.pools[0]
    # The image name moves whole (its registry host with it); the registry credentials do not.
    assert pool.container_configuration.container_image_names == ["stagingacr.azurecr.io/bwa:0.7.18"]
    assert pool.container_configuration.container_registries[0].registry_server == "prodacr.azurecr.io"
    assert pool.extensions[0].type_handler_version == "1.1"
