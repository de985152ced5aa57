"""Explicit clears in a pool body: what Azure removes when a PUT or PATCH names a property with "nothing".

- `startTask: {}`: the 2025-06-01 spec's StartTask description: "In an PATCH (update) operation, this property
  can be set to an empty object to remove the start task from the pool." A create with `{}` likewise has none.
- `metadata`, `applicationPackages`, `userAccounts`, `mountConfiguration`: lists a body replaces whole
  (Pool_Update: "Properties
  that are supplied will be updated"), so `[]` leaves the pool without any; the Batch pool docs say the
  same ("If you specify an empty collection, any metadata is removed from the Pool"). The pool then has no
  such property, so an empty clear of a property the pool never had is no change.
- `identity: {"type": "None"}` (or null): the pool has no user-assigned identities any more.
A property sent as null counts as not sent (a PATCH leaves it as it is; unverified: no documented meaning).
"""

from __future__ import annotations

from typing import Any

CLEARABLE_LISTS = ("metadata", "applicationPackages", "userAccounts", "mountConfiguration")
NO_IDENTITY = {"type": "None"}


def normalize(props: dict[str, Any]) -> dict[str, Any]:
    """`props` with every explicit clear as None (= remove the property)."""
    cleared = {name: value for name, value in props.items() if value is not None}
    if props.get("startTask") == {}:
        cleared["startTask"] = None
    for name in CLEARABLE_LISTS:
        if props.get(name) == []:
            cleared[name] = None
    return cleared


def identity(value: Any) -> Any:
    """The pool identity a body sets; type None drops any userAssignedIdentities that came with it."""
    if not value or (isinstance(value, dict) and value.get("type") == "None"):
        return dict(NO_IDENTITY)
    return value
