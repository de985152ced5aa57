"""Secret references in pool config: a `<property>Secret` key names a secret config key, never the value.

Azure's secret properties (registry and CIFS passwords, storage keys, SAS tokens, extension protectedSettings)
are written in the stack file as `<property>Secret: <config key>`; `pulumi config set --secret <config key>`
holds the value. The pool provider puts the value into the Azure body (pool_features) and nowhere else.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from batch_infra.config.base import invalid

SUFFIX = "Secret"
SECRET_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]{0,127}$")


def refuse_plaintext(data: Any, *properties: str) -> Any:
    """A `mode="before"` check: the plain Azure property may not appear; its `...Secret` twin must be used."""
    if not isinstance(data, Mapping):
        return data
    for name in properties:
        if name in data:
            raise invalid(
                f"{name} may not be written in the stack file (it would land in plaintext state and history)",
                f"store it with `pulumi config set --secret <key>` and set {name}{SUFFIX}: <key>",
                at=name,
            )
    return data


def check_key(value: str | None) -> str | None:
    if value is not None and not SECRET_KEY.match(value):
        raise invalid(
            f"{value!r} is not a config key name",
            "name the secret config key, e.g. registryPassword (set it with "
            "`pulumi config set --secret registryPassword`)",
        )
    return value


def references(value: Any) -> Iterator[str]:
    """Every secret config key a dumped config section names (keys ending in `Secret`)."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            if key.endswith(SUFFIX) and isinstance(item, str):
                yield item
            else:
                yield from references(item)
    elif isinstance(value, list):
        for item in value:
            yield from references(item)
