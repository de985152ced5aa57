"""Compare an emulator response with a published example's: presence, JSON type, and value unless the
value is instance-specific (times, keys, GUIDs, endpoints, or a path the manifest row names)."""

from __future__ import annotations

import re
from typing import Any

# Keys whose values belong to one instance of a resource (Azure generates them), compared by type only.
INSTANCE_KEYS = frozenset(
    {
        "etag",
        "accountendpoint",
        "nodemanagementendpoint",
        "storageurl",
        "url",
        "primary",
        "secondary",
        "principalid",
        "clientid",
        "tenantid",
        "lastkeysync",
        "lastmodified",
    }
)
# Values Azure compares case-insensitively and Microsoft's examples spell both ways: a pool asked for
# 'Standard_d4s_v3' answers 'STANDARD_D4S_V3' (PoolCreate_ResourceTags) while 'Standard_D4ds_v5' answers
# as sent (PoolCreate_SecurityProfile); the data plane's nodeFillType is 'spread' in Pools_GetPool_Basic and
# 'Spread' in Pools_GetPool_CustomerManagedKey, its osDisk caching 'none' in Pools_GetPool_DiskEncryptionSet
# and 'None' in Pools_GetPool_ConfidentialDiskEncryptionSet, its disk encryption targets 'osdisk' in the
# spec's enum and 'OsDisk' in Pools_GetPool_CustomerManagedKey: the case Azure picks is not documented.
CASE_INSENSITIVE_KEYS = frozenset({"vmsize", "nodefilltype", "caching", "targets"})
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")
_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_SUPERSET = "superset:"  # marks a superset path among the paths _diff carries
_SUBSCRIPTION = re.compile(r"/subscriptions/[^/]+", re.IGNORECASE)
_ROLE_DEFINITION = re.compile(
    r"^(?:/subscriptions/[^/]+)?/providers/Microsoft\.Authorization/roleDefinitions/([^/]+)$", re.IGNORECASE
)


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def to_subscription(value: Any, subscription: str) -> Any:
    """Every ARM id in `value` moved into `subscription` (the emulator serves one subscription)."""
    if isinstance(value, str):
        return _SUBSCRIPTION.sub(f"/subscriptions/{subscription}", value)
    if isinstance(value, list):
        return [to_subscription(item, subscription) for item in value]
    if isinstance(value, dict):
        # Keys too: userAssignedIdentities maps identity ids to their details.
        return {
            to_subscription(key, subscription): to_subscription(item, subscription)
            for key, item in value.items()
        }
    return value


def differences(
    expected: Any,
    actual: Any,
    instance_paths: frozenset[str] = frozenset(),
    superset_paths: frozenset[str] = frozenset(),
) -> list[str]:
    """Every way `actual` falls short of `expected`, one line each, naming the JSON path.

    `instance_paths` (JSON paths, `[]` for any index) are compared by type only; a list path among them is
    a catalog (its items are Azure's current offer, the example's a sample): no item count, and example
    items the emulator does not serve are checked for shape against one it does. A list path in
    `superset_paths` is one Azure answers with more items than the example shows: no item count, but every
    example item must be there (by name).
    """
    paths = instance_paths | {f"{_SUPERSET}{path}" for path in superset_paths}
    return _diff(expected, actual, "", "", frozenset(paths), types_only=False)


def _diff(
    expected: Any, actual: Any, path: str, key: str, instance_paths: frozenset[str], *, types_only: bool
) -> list[str]:
    where = path or "<root>"
    if json_type(expected) != json_type(actual):
        return [
            f"{where}: expected {json_type(expected)} {_short(expected)}, got {json_type(actual)} "
            f"{_short(actual)}"
        ]
    if isinstance(expected, dict):
        problems: list[str] = []
        for name, value in expected.items():
            child = f"{path}.{name}" if path else name
            if name not in actual:
                problems.append(f"{child}: missing (expected {json_type(value)} {_short(value)})")
            else:
                problems += _diff(value, actual[name], child, name, instance_paths, types_only=types_only)
        return problems
    if isinstance(expected, list):
        return _diff_list(expected, actual, path, key, instance_paths, types_only=types_only)
    if types_only or _instance_specific(expected, path, key, instance_paths) or _same(expected, actual, key):
        return []
    return [f"{where}: expected {_short(expected)}, got {_short(actual)}"]


def _diff_list(
    expected: list[Any],
    actual: list[Any],
    path: str,
    key: str,
    instance_paths: frozenset[str],
    *,
    types_only: bool,
) -> list[str]:
    catalog = _generic(path) in instance_paths
    superset = f"{_SUPERSET}{_generic(path)}" in instance_paths
    problems: list[str] = []
    if len(expected) != len(actual) and not (catalog or superset or types_only):
        problems.append(f"{path or '<root>'}: expected {len(expected)} items, got {len(actual)}")
    named = _pair_by_name(expected, actual)
    if named is None:
        pairs = [(w, g, types_only) for w, g in zip(expected, actual, strict=False)]
    else:
        matched, unmatched = named
        pairs = [(w, g, types_only) for w, g in matched]
        spare = [item for item in actual if all(item is not got for _, got in matched)]
        if len(unmatched) == 1 and len(spare) == 1 and not catalog:
            # One item each way under different names (a name with a GUID Azure generates): compared
            # property by property, so the names differ unless the row says they are instance-specific.
            pairs.append((unmatched[0], spare[0], types_only))
        elif catalog and actual:
            pairs += [(item, _closest(item, actual), True) for item in unmatched]
        else:
            problems += [f"{path}: no item named {_short(_name(item))}" for item in unmatched]
    for index, (want, got, shape_only) in enumerate(pairs):
        # A scalar item is compared under its list's name (diskEncryptionConfiguration.targets[0]).
        item_key = key if not isinstance(want, (dict, list)) else ""
        problems += _diff(want, got, f"{path}[{index}]", item_key, instance_paths, types_only=shape_only)
    return problems


def _pair_by_name(expected: list[Any], actual: list[Any]) -> tuple[list[Any], list[Any]] | None:
    """Items that carry a name (list results, metadata, capabilities) are matched by it: Azure's list order
    is not part of the contract. None when the items carry no name."""
    if not expected or not all(_name(item) is not None for item in expected + actual):
        return None
    found = {_name(item): item for item in actual}
    pairs = [(item, found[_name(item)]) for item in expected if _name(item) in found]
    return pairs, [item for item in expected if _name(item) not in found]


def _closest(item: Any, served: list[Any]) -> Any:
    """The served catalog item with the most property names in common with an example item."""
    return max(served, key=lambda other: len(set(item) & set(other)) if isinstance(other, dict) else -1)


def _name(item: Any) -> str | None:
    if not isinstance(item, dict):
        return None
    for key in ("id", "name", "poolId", "nodeAgentSKUId"):
        if isinstance(item.get(key), str):
            extra = item.get("imageReference") if key == "nodeAgentSKUId" else None
            return f"{item[key].lower()}{'|' + str(sorted(extra.items())).lower() if extra else ''}"
    return None


def _generic(path: str) -> str:
    return re.sub(r"\[\d+\]", "[]", path)


def _instance_specific(expected: Any, path: str, key: str, instance_paths: frozenset[str]) -> bool:
    if key.lower() in INSTANCE_KEYS or key.lower().endswith("time"):
        return True
    if isinstance(expected, str) and (_DATETIME.match(expected) or _GUID.match(expected)):
        return True
    generic = _generic(path)
    if generic in instance_paths or path in instance_paths:
        return True
    parents = [generic[:i] for i in range(len(generic)) if generic[i] in ".["]
    return any(f"{parent}.*" in instance_paths for parent in parents)


def _same(expected: Any, actual: Any, key: str) -> bool:
    if _same_role_definition(expected, actual):
        return True
    if isinstance(expected, str) and isinstance(actual, str) and expected.startswith("/subscriptions/"):
        return expected.lower() == actual.lower()  # ARM ids compare case-insensitively
    if key.lower() in CASE_INSENSITIVE_KEYS and isinstance(expected, str) and isinstance(actual, str):
        return expected.lower() == actual.lower()
    return bool(expected == actual)


def _same_role_definition(expected: Any, actual: Any) -> bool:
    """One role definition, addressed at the tenant (/providers/...) or under a subscription it is
    assignable in: Azure accepts either form, and Microsoft's examples send one and answer the other
    (RoleAssignments_CreateForSubscription sends /subscriptions/.../roleDefinitions/X, answers
    /providers/.../roleDefinitions/X)."""
    if not (isinstance(expected, str) and isinstance(actual, str)):
        return False
    want, got = _ROLE_DEFINITION.match(expected), _ROLE_DEFINITION.match(actual)
    return bool(want and got and want[1].lower() == got[1].lower())


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
