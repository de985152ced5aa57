"""What a stack manages, from its Pulumi state: `pulumi stack export` output or a file backend's checkpoint.

Preflight reads Azure to say what `pulumi up` would change, but only the state says which resources the
stack owns: a resource in state that the program no longer declares is deleted by `pulumi up`; one that
exists in Azure but not in state is left alone. Two documents carry the same resource list:
- `pulumi stack export` (any backend): {"version": 3, "deployment": {"resources": [...]}};
- the file backend's checkpoint (`~/.pulumi/stacks/<project>/<stack>.json`, or the test engine's):
  {"version": 3, "checkpoint": {"latest": {"resources": [...]}}}.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from batch_infra.errors import BatchInfraError

STACK_TYPE = "pulumi:pulumi:Stack"
PROVIDER_PREFIX = "pulumi:providers:"
FIX = "pass the output of `pulumi stack export --stack <stack> --file state.json`"


@dataclass(frozen=True)
class StateResource:
    urn: str
    type: str
    custom: bool
    inputs: dict[str, Any] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)
    parent: str | None = None
    dependencies: tuple[str, ...] = ()
    external: bool = False  # read with `.get()`: Pulumi never deletes it, it only drops it from the state

    @property
    def name(self) -> str:
        return self.urn.rsplit("::", 1)[-1]


@dataclass(frozen=True)
class StackState:
    """The resources of one stack's state, by URN, and where they were read from."""

    source: str
    resources: dict[str, StateResource]

    def managed(self) -> dict[str, StateResource]:
        """Resources `pulumi up` steps over: not the stack itself, not provider instances, not resources
        the program only reads (external: an undeclared one is discarded from the state, never deleted)."""
        return {
            urn: r
            for urn, r in self.resources.items()
            if r.type != STACK_TYPE and not r.type.startswith(PROVIDER_PREFIX) and not r.external
        }


def load_state(path: Path) -> StackState:
    """Read an export or a checkpoint; a file that is neither is refused with the command that makes one."""
    try:
        document = json.loads(path.read_text())
    except OSError as err:
        raise BatchInfraError(f"--state {path}: cannot read it ({err.strerror or err})", fix=FIX) from err
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise BatchInfraError(f"--state {path}: not JSON ({err})", fix=FIX) from err
    return parse_state(document, str(path))


def parse_state(document: Any, source: str) -> StackState:
    deployment = _deployment(document)
    if deployment is None:
        raise BatchInfraError(
            f"--state {source}: neither a `pulumi stack export` document (deployment.resources) nor a "
            "checkpoint (checkpoint.latest.resources)",
            fix=FIX,
        )
    resources = {}
    for entry in deployment.get("resources") or []:
        if not isinstance(entry, dict) or not isinstance(entry.get("urn"), str):
            raise BatchInfraError(f"--state {source}: a resource without a urn: {entry!r:.120}", fix=FIX)
        resources[entry["urn"]] = StateResource(
            urn=entry["urn"],
            type=str(entry.get("type", "")),
            custom=bool(entry.get("custom", False)),
            inputs=entry.get("inputs") or {},
            outputs=entry.get("outputs") or {},
            parent=entry.get("parent"),
            dependencies=tuple(entry.get("dependencies") or ()),
            external=bool(entry.get("external", False)),
        )
    return StackState(source, resources)


def _deployment(document: Any) -> dict[str, Any] | None:
    if not isinstance(document, dict):
        return None
    if isinstance(document.get("deployment"), dict):
        return document["deployment"]
    latest = (
        (document.get("checkpoint") or {}).get("latest")
        if isinstance(document.get("checkpoint"), dict)
        else None
    )
    if isinstance(latest, dict):
        return latest
    if isinstance(document.get("resources"), list):  # a bare deployment
        return document
    return None
