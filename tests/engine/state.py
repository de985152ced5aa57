"""Resource states and the per-stack JSON checkpoint (secrets stored as ciphertext, as Pulumi does)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from tests.engine.stack_config import decrypt, encrypt
from tests.engine.values import UNKNOWN, Secret
from tests.engine.wire import SECRET_SIG, SIG_KEY

STACK_TYPE = "pulumi:pulumi:Stack"


@dataclass
class ResourceState:
    """One resource as the checkpoint records it (apitype.ResourceV3, the fields this engine uses)."""

    urn: str
    type: str
    custom: bool
    id: str = ""
    inputs: dict[str, Any] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)
    parent: str = ""
    provider: str = ""  # "<provider urn>::<provider id>" for custom resources
    dependencies: list[str] = field(default_factory=list)
    property_dependencies: dict[str, list[str]] = field(default_factory=dict)
    protect: bool = False
    retain_on_delete: bool = False
    delete_before_replace: bool = False
    external: bool = False  # read with `get`: not managed by this stack
    additional_secret_outputs: list[str] = field(default_factory=list)
    ignore_changes: list[str] = field(default_factory=list)
    deleted_with: str = ""
    pending_delete: bool = False  # the old half of a create-before-delete replace whose delete has not run

    @property
    def name(self) -> str:
        return self.urn.rsplit("::", 1)[-1]

    def depends_on(self) -> set[str]:
        """Every URN this resource needs to exist: dependencies, parent, property dependencies, provider."""
        needed = set(self.dependencies)
        for urns in self.property_dependencies.values():
            needed.update(urns)
        if self.parent:
            needed.add(self.parent)
        if self.provider:
            needed.add(self.provider.rsplit("::", 1)[0])
        if self.deleted_with:
            needed.add(self.deleted_with)
        return needed


def qualified_type(urn: str) -> str:
    return urn.split("::")[2]


def make_urn(stack: str, project: str, type_token: str, name: str, parent: str | None) -> str:
    """resource.NewURN: the parent's qualified type prefixes the type, except for the root stack."""
    prefix = ""
    if parent:
        parent_type = qualified_type(parent)
        if parent_type != STACK_TYPE:
            prefix = parent_type + "$"
    return f"urn:pulumi:{stack}::{project}::{prefix}{type_token}::{name}"


def _seal(value: Any, where: str) -> Any:
    if value is UNKNOWN:
        raise ValueError(f"{where}: an unknown value cannot be written to the checkpoint (engine bug)")
    if isinstance(value, Secret):
        return {SIG_KEY: SECRET_SIG, "ciphertext": encrypt(json.dumps(_seal(value.value, where)))}
    if isinstance(value, dict):
        return {k: _seal(v, f"{where}.{k}") for k, v in value.items()}
    if isinstance(value, list):
        return [_seal(v, where) for v in value]
    return value


def _unseal(value: Any) -> Any:
    if isinstance(value, dict):
        if value.get(SIG_KEY) == SECRET_SIG:
            return Secret(_unseal(json.loads(decrypt(value["ciphertext"], "checkpoint secret"))))
        return {k: _unseal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unseal(v) for v in value]
    return value


class Checkpoint:
    """<state-dir>/<project>/<stack>.json, written after every operation."""

    def __init__(self, state_dir: Path, project: str, stack: str) -> None:
        self.path = Path(state_dir) / project / f"{stack}.json"
        self.stack = stack

    def load(self) -> list[ResourceState]:
        if not self.path.exists():
            return []
        data = json.loads(self.path.read_text())
        resources = data["checkpoint"]["latest"].get("resources") or []
        states = []
        for raw in resources:
            raw = dict(raw)
            raw["inputs"] = _unseal(raw.get("inputs", {}))
            raw["outputs"] = _unseal(raw.get("outputs", {}))
            states.append(ResourceState(**raw))
        return states

    def save(self, resources: list[ResourceState]) -> None:
        records = []
        for state in resources:
            record = asdict(state)
            record["inputs"] = _seal(state.inputs, f"{state.urn} inputs")
            record["outputs"] = _seal(state.outputs, f"{state.urn} outputs")
            records.append(record)
        document = {
            "version": 3,
            "checkpoint": {
                "stack": self.stack,
                "latest": {
                    "manifest": {"magic": "test-engine", "version": "batch-infra tests.engine"},
                    "secrets_providers": {"type": "test-engine-cipher (not encryption)"},
                    "resources": records,
                },
            },
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(document, indent=2, sort_keys=False))
        tmp.replace(self.path)


def delete_order(states: list[ResourceState]) -> list[ResourceState]:
    """Dependents first: the reverse of a topological order over depends_on() (ties keep state order).

    Two states may share a URN (a replacement pending delete next to its new resource): keyed by identity.
    """
    by_urn: dict[str, list[ResourceState]] = {}
    for state in states:
        by_urn.setdefault(state.urn, []).append(state)
    visited: set[int] = set()
    creation_order: list[ResourceState] = []

    def visit(state: ResourceState, path: tuple[int, ...]) -> None:
        if id(state) in visited:
            return
        if id(state) in path:
            raise ValueError(f"dependency cycle through {state.urn}")
        for needed in sorted(state.depends_on()):
            for other in by_urn.get(needed, []):
                if other is not state:
                    visit(other, (*path, id(state)))
        visited.add(id(state))
        creation_order.append(state)

    for state in states:
        visit(state, ())
    return list(reversed(creation_order))
