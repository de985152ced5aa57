"""A new environment's stack file from an existing one: the unique made unique, the source's secrets left out.

Unique per environment: the address space, the global names (from the prefix), the subscription in ARM ids.
"""

from __future__ import annotations

import io
import ipaddress
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from batch_infra.config.loader import NAMESPACE, load_stack_file, stack_file
from batch_infra.config.naming import ENVIRONMENT, PREFIX
from batch_infra.config.placeholders import placeholders
from batch_infra.errors import ConfigError, UsageError
from batch_infra.ops import address_space
from batch_infra.ops.promote import round_trip_yaml

SUBSCRIPTION = re.compile(r"/subscriptions/[0-9a-fA-F-]{36}/")
GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
# The source stack's secrets key: a new stack gets its own from `pulumi stack init`.
SECRETS_KEYS = ("secretsprovider", "encryptedkey", "encryptionsalt")
# Globally unique (storage, Batch) or one environment's own (resource group): derived anew from the prefix.
ENVIRONMENT_NAMES = ("storageAccount", "batchAccount", "resourceGroup")
# What validation stands in for a secret the new stack does not hold yet (the engine never sees it).
PENDING_SECRET = {"secure": "v1:pending"}


@dataclass
class Request:
    name: str
    source: str
    project_dir: Path
    prefix: str | None = None
    subscription: str | None = None
    address_space: str | None = None
    resource_group: str | None = None


@dataclass
class NewStack:
    path: Path
    source_path: Path
    text: str = ""
    changes: list[str] = field(default_factory=list)  # what was derived or replaced, as `key: old -> new`
    todo: list[str] = field(default_factory=list)  # what the user still has to do, each with its command
    secrets: list[str] = field(default_factory=list)  # config keys (with --path form) to set as secrets


def new_stack(request: Request, *, ask: Callable[[str, str | None], str] | None = None) -> NewStack:
    """Plan the new stack file and validate it with the models; nothing is written (see `write`).

    `ask(question, default)` is called for the prefix and the subscription when no flag gives them (a
    terminal); without it the source's values are kept and listed in `todo`."""
    _check_name(request)
    target = stack_file(request.name, request.project_dir)
    if target.exists():
        raise ConfigError(
            [
                f"{target}: already exists, and stack new never overwrites; fix: choose another "
                "name, or edit that file (or delete it first)"
            ]
        )
    source_path = stack_file(request.source, request.project_dir)
    source = load_stack_file(source_path, environment=request.source)  # a broken source: its own problems
    result = NewStack(target, source_path)
    yaml = round_trip_yaml()
    document = yaml.load(_without_header(source_path.read_text(encoding="utf-8")))
    for key in SECRETS_KEYS:
        document.pop(key, None)
    config = document["config"]
    if f"{NAMESPACE}:environment" in config:
        config[f"{NAMESPACE}:environment"] = request.name
    _drop_secrets(config, result)
    _drop_key_sink(config, result)
    _naming(config, request, source.config.naming.prefix, result, ask)
    _network(config, request, result)
    _subscription(config, request, result, ask)
    result.text = _header(request) + _dump(yaml, document)
    _validate(result, request, _review(config, request.source))
    return result


def _validate(result: NewStack, request: Request, reviews: list[tuple[str, str]]) -> None:
    """The models' verdict on the new file (secrets it will hold stand in), then what is left to do: values
    that still name the source, and the shipped example values (which preflight --azure refuses)."""
    yaml = round_trip_yaml()
    validation = _dump(yaml, _with_pending_secrets(yaml.load(result.text), result.secrets))
    try:
        loaded = load_stack_file(result.path, environment=request.name, text=validation)
    except ConfigError as err:
        raise ConfigError(
            [f"the new stack would be invalid (nothing written): {p}" for p in err.problems]
        ) from err
    examples = placeholders(loaded.config)
    shown = {path for path, _ in examples}
    result.todo += [line for path, line in reviews if path not in shown]
    result.todo += [f"before deploying to Azure, {path}: {message}" for path, message in examples]


def write(result: NewStack) -> None:
    """Create the file; refuse (never replace) one that appeared meanwhile."""
    try:
        with result.path.open("x", encoding="utf-8") as file:
            file.write(result.text)
    except FileExistsError as err:
        raise ConfigError(
            [f"{result.path}: already exists, and stack new never overwrites; fix: choose another name"]
        ) from err
    except OSError as err:
        raise ConfigError(
            [f"{result.path}: cannot create it ({err.strerror}); fix: run where stacks/ is writable"]
        ) from err


def _check_name(request: Request) -> None:
    if not ENVIRONMENT.match(request.name):
        raise UsageError(
            f"stack name {request.name!r} is not an environment name",
            fix="use 1-8 lowercase letters or digits starting with a letter, e.g. qa",
        )
    if request.name == request.source:
        raise UsageError(
            f"--from {request.source} is the new stack itself", fix="name an existing stack to copy"
        )
    if request.prefix is not None and not PREFIX.match(request.prefix):
        raise UsageError(
            f"--prefix {request.prefix!r} is not a naming prefix",
            fix="use 2-11 lowercase letters or digits starting with a letter, e.g. acme",
        )
    if request.subscription is not None and not GUID.match(request.subscription):
        raise UsageError(
            f"--subscription {request.subscription!r} is not a subscription id",
            fix="pass the GUID `az account show --query id -o tsv` prints",
        )


def _without_header(text: str) -> str:
    """The source's leading comment describes the source environment: the copy gets its own."""
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if line.strip() and not line.lstrip().startswith("#")), 0)
    return "".join(lines[start:])


def _header(request: Request) -> str:
    return (
        f"# {request.name}: created from stacks/Pulumi.{request.source}.yaml by "
        f"`batch-infra stack new {request.name} --from {request.source}`.\n"
    )


def _dump(yaml: Any, document: Any) -> str:
    buffer = io.StringIO()
    yaml.dump(document, buffer)
    return buffer.getvalue()


def _drop_key_sink(config: Any, result: NewStack) -> None:
    """The source's declared key sink is where the source's consumers read its Batch key: the new
    environment's rotations must never publish there (key_sink_claim)."""
    from batch_infra.ops.key_sink_claim import SINK_TAG

    tags = config.get(f"{NAMESPACE}:tags")
    if isinstance(tags, dict) and SINK_TAG in tags:
        old = tags.pop(SINK_TAG)
        result.changes.append(f"{NAMESPACE}:tags.{SINK_TAG}: {old} -> (dropped)")
        result.todo.append(
            f"the source's key sink ({old}) was dropped: the first `batch-infra keys rotate -s "
            f"<new stack>` records the new environment's own sink and prints the line to declare"
        )


def _drop_secrets(config: Any, result: NewStack) -> None:
    """Secure values are encrypted with the source stack's key: the new stack cannot read them."""
    for key in list(config):
        value = config[key]
        if _is_secure(value):
            del config[key]
            result.secrets.append(str(key))
        elif isinstance(value, (dict, list)):
            result.secrets += [f"{key}{path}" for path in _drop_nested(value)]
    for key in result.secrets:
        flag = " --path" if "." in key.partition(":")[2] or "[" in key else ""
        result.todo.append(
            f"set the secret {key}: pulumi config set --secret{flag} '{key}' <value> "
            f"--stack {result.path.name.removeprefix('Pulumi.').removesuffix('.yaml')}"
        )


def _drop_nested(value: Any, path: str = "") -> Iterator[str]:
    items = list(value.items()) if isinstance(value, dict) else list(enumerate(value))
    for key, item in reversed(items):  # reversed: deleting list items keeps the earlier indexes right
        where = f"{path}[{key}]" if isinstance(key, int) else f"{path}.{key}"
        if _is_secure(item):
            del value[key]
            yield where
        elif isinstance(item, (dict, list)):
            yield from _drop_nested(item, where)


def _is_secure(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {"secure"}


def _with_pending_secrets(document: Any, secrets: list[str]) -> Any:
    for key in secrets:
        if ":" in key and not re.search(r"[.\[]", key.partition(":")[2]):
            document["config"][key] = dict(PENDING_SECRET)
    return document


def _naming(config: Any, request: Request, prefix: str, result: NewStack, ask: Any) -> None:
    naming = config[f"{NAMESPACE}:naming"]
    wanted = request.prefix or (ask("naming prefix (global names start with it)", prefix) if ask else None)
    if wanted and wanted != prefix:
        if not PREFIX.match(wanted):
            raise UsageError(
                f"prefix {wanted!r} is not a naming prefix", fix="use 2-11 lowercase letters or digits"
            )
        naming["prefix"] = wanted
        result.changes.append(f"naming.prefix: {prefix} -> {wanted}")
    for key in ENVIRONMENT_NAMES:
        if key in naming and not (key == "resourceGroup" and naming.get("existingResourceGroup")):
            result.changes.append(f"naming.{key}: {naming.pop(key)} dropped (derived from the prefix)")
    if naming.get("existingResourceGroup"):
        if not request.resource_group:
            raise ConfigError(
                [
                    f"{result.source_path}: {NAMESPACE}:naming.existingResourceGroup: the new stack "
                    "needs its own existing resource group; fix: pass --resource-group NAME"
                ]
            )
        result.changes.append(f"naming.resourceGroup: {naming['resourceGroup']} -> {request.resource_group}")
        naming["resourceGroup"] = request.resource_group
    elif request.resource_group:
        naming["resourceGroup"] = request.resource_group
        result.changes.append(f"naming.resourceGroup: {request.resource_group}")


def _network(config: Any, request: Request, result: NewStack) -> None:
    network = config.get(f"{NAMESPACE}:network")
    if network is None:
        network = config[f"{NAMESPACE}:network"] = {}
    if network.get("subnetId"):
        result.todo.append(
            "review network.subnetId: the new stack joins the same existing subnet as "
            f"{request.source}; give it its own"
        )
        return
    old = address_space.stack_ranges(dict(network))[0]
    used = address_space.ranges_in_use(request.project_dir, skip=request.name)
    new = (
        address_space.free_address_space(old, used)
        if request.address_space is None
        else _given(request, used)
    )
    if new == old:
        return
    moved = _move_all(config, old, new)
    network["addressSpace"] = str(new)
    if "subnetPrefix" not in network:  # the default subnet moves with the range, so it stays inside it
        network["subnetPrefix"] = address_space.move(address_space.NetworkConfig().subnet_prefix, old, new)
        moved.append("network.subnetPrefix")
    result.changes.append(f"network.addressSpace: {old} -> {new} (overlaps no other stack's network)")
    result.changes += [f"{path}: moved into {new}" for path in moved if path != "network.addressSpace"]


def _given(request: Request, used: dict[str, Any]) -> ipaddress.IPv4Network:
    try:
        new = ipaddress.ip_network(request.address_space or "", strict=True)
    except ValueError as err:
        raise UsageError(
            f"--address-space {request.address_space!r} is not a CIDR block ({err})",
            fix="write it like 10.40.0.0/16",
        ) from err
    if clash := address_space.overlaps(new, used):  # type: ignore[arg-type]
        raise ConfigError(
            [
                f"--address-space {new} overlaps the network of {', '.join(clash)}; fix: choose a "
                "free range (leave --address-space out to get one)"
            ]
        )
    return new  # type: ignore[return-value]


def _move_all(config: Any, old: Any, new: Any) -> list[str]:
    moved = []
    for key, container, index, value in _leaves(config):
        changed = address_space.move(value, old, new)
        if changed != value:
            container[index] = changed
            moved.append(key)
    return moved


def _subscription(config: Any, request: Request, result: NewStack, ask: Any) -> None:
    ids = [
        (key, container, index, value)
        for key, container, index, value in _leaves(config)
        if SUBSCRIPTION.search(value)
    ]
    if not ids:
        return
    wanted = request.subscription or (
        ask("subscription id of the ARM ids the stack names", None) if ask else None
    )
    if not wanted:
        result.todo.append(
            "review the ARM ids (identities, images, subnets): they still name the source's "
            "subscriptions; pass --subscription ID to put yours in them"
        )
        return
    if not GUID.match(wanted):
        raise UsageError(f"subscription {wanted!r} is not a subscription id", fix="pass a GUID")
    for key, container, index, value in ids:
        container[index] = SUBSCRIPTION.sub(f"/subscriptions/{wanted}/", value)
        result.changes.append(f"{key}: subscription -> {wanted}")
    if "azure-native:subscriptionId" in config:
        config["azure-native:subscriptionId"] = wanted


def _review(config: Any, source: str) -> list[tuple[str, str]]:
    """Values that still name the source environment (a pool id `dev-small`, a vault `kv-x-prod`)."""
    word = re.compile(rf"(?<![a-z0-9]){re.escape(source)}(?![a-z0-9])", re.IGNORECASE)
    return [
        (key, f"review {key}: {value!r} still names {source}")
        for key, _, _, value in _leaves(config)
        if word.search(value)
    ]


def _leaves(value: Any, path: str = "") -> Iterator[tuple[str, Any, Any, str]]:
    """(key path, container, index, string) for every string under the batch-infra keys."""
    items = value.items() if isinstance(value, dict) else enumerate(value)
    for key, item in list(items):
        if not path and not str(key).startswith(f"{NAMESPACE}:"):
            continue
        where = (
            str(key).removeprefix(f"{NAMESPACE}:")
            if not path
            else f"{path}[{key}]"
            if isinstance(key, int)
            else f"{path}.{key}"
        )
        if isinstance(item, str):
            yield where, value, key, item
        elif isinstance(item, (dict, list)):
            yield from _leaves(item, where)
