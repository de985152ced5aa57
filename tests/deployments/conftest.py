"""The project copied as a user has it, deployed through the test engine against the session emulator."""

from __future__ import annotations

import json
import shutil
import ssl
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.engine.operations import Stack
from tests.fixtures.emulator import EmulatorProcess

REPO = Path(__file__).resolve().parents[2]
# What a user's checkout holds (README "Deploying for real"); .venv is linked, not copied.
PROJECT_FILES = [
    "Pulumi.yaml",
    "__main__.py",
    "batch_infra",
    "packages",
    "stacks",
    "pyproject.toml",
    "requirements.txt",
]
PLACEHOLDER_SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"
PROD_GROUP_PRINCIPAL = "11111111-2222-3333-4444-555555555555"  # prod's roleAssignments principal (a group)
IDENTITY_API = "2023-01-31"
GROUP_API = "2024-03-01"


def copy_project(target: Path) -> Path:
    target.mkdir(parents=True)
    for name in PROJECT_FILES:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        elif source.exists():
            shutil.copy2(source, target / name)
    (target / ".venv").symlink_to(Path(sys.prefix))
    return target


class Arm:
    """Plain ARM calls to the emulator, for prerequisites a user makes outside the stack."""

    def __init__(self, emulator: EmulatorProcess) -> None:
        self.info = emulator.info
        self.context = ssl.create_default_context(cafile=self.info["ca_bundle"])

    def call(self, method: str, path: str, api: str, body: Any = None) -> tuple[int, Any]:
        request = urllib.request.Request(
            f"{self.info['arm_endpoint']}{path}?api-version={api}",
            data=json.dumps(body).encode() if body is not None else None,
            method=method,
            headers={"Authorization": f"Bearer {self.info['token']}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, context=self.context, timeout=30) as response:
                payload = response.read()
                return response.status, json.loads(payload) if payload else None
        except urllib.error.HTTPError as err:
            return err.code, err.read().decode()

    def resource_groups(self) -> list[str]:
        status, body = self.call(
            "GET", f"/subscriptions/{self.info['subscription_id']}/resourcegroups", GROUP_API
        )
        assert status == 200, body
        return [group["name"] for group in body["value"]]

    def create_identities(self, stack_file: Path) -> list[str]:
        """The user-assigned identities a stack names, made in the emulator's subscription (for prod)."""
        subscription = self.info["subscription_id"]
        text = stack_file.read_text().replace(PLACEHOLDER_SUBSCRIPTION, subscription)
        stack_file.write_text(text)
        ids = sorted({word.strip("'\"") for word in text.split() if "/userAssignedIdentities/" in word})
        for identity in ids:
            group = identity.split("/resourceGroups/")[1].split("/")[0]
            status, body = self.call(
                "PUT",
                f"/subscriptions/{subscription}/resourcegroups/{group}",
                GROUP_API,
                {"location": "westeurope"},
            )
            assert status in (200, 201), body
            status, body = self.call("PUT", identity, IDENTITY_API, {"location": "westeurope"})
            assert status in (200, 201), body
        return ids


@pytest.fixture
def arm(clean_emulator: EmulatorProcess) -> Arm:
    return Arm(clean_emulator)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return copy_project(tmp_path / "project")


def engine_stack(project: Path, name: str, emulator: EmulatorProcess) -> Stack:
    return Stack(
        project,
        name,
        state_dir=project / ".state",
        emulator=emulator.ready_file,
        env={"BATCH_INFRA_POLLING_INTERVAL": "0"},
    )


def grant_prod_quota(emulator: EmulatorProcess) -> None:
    """A new account gets Azure's default core quotas; prod's render farm needs an increase, which its quota
    check asks for before any pool is created. Granted here (the emulator's admin API), as support would."""
    family = [
        {"name": "standardFSv2Family", "coreQuota": 400},
        {"name": "standardDSv5Family", "coreQuota": 400},
    ]
    emulator.set_quotas("contosoprodbatch", dedicatedCoreQuota=500, dedicatedCoreQuotaPerVMFamily=family)


def lift_prod_policies(project: Path) -> None:
    """Turn off prod's shipped Pulumi policy (protect, retainOnDelete) in its stack file, as the README says
    before a destroy; Azure's locks are lifted separately."""
    stack_file = project / "stacks" / "Pulumi.prod.yaml"
    text = stack_file.read_text()
    for policy in ("protectStatefulResources", "retainOnDelete"):
        text = text.replace(f"{policy}: true", f"{policy}: false")
    stack_file.write_text(text)
