"""The language the azure-native type tables are written in: SDK property name -> wire path and kind.

A Shape is one object type as azure-native's metadata describes it (provider/pkg/resources AzureAPIType):
each SDK-named field says where it lives in the ARM JSON (`wire`, dotted: "properties.x" for a property of
an x-ms-client-flatten bag, "x" for a top-level one), what it holds, and whether only Azure writes it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

SCALARS = ("string", "boolean", "integer", "number")


@dataclass(frozen=True)
class Field:
    wire: str
    kind: str = "string"  # one of SCALARS, "object", "array", "map", "string_set", "any"
    of: Shape | None = None  # object: its shape; array/map: the item shape (None: scalar items)
    read_only: bool = False  # an output only: never sent, never projected back into inputs
    output_of: Shape | None = None  # string_set: the shape of each value of the output map

    @property
    def wire_path(self) -> tuple[str, ...]:
        return tuple(self.wire.split("."))


@dataclass(frozen=True)
class Shape:
    name: str
    fields: dict[str, Field] = field(default_factory=dict)

    def inputs(self) -> dict[str, Field]:
        return {k: f for k, f in self.fields.items() if not f.read_only}


def s(wire: str, kind: str = "string", **extra: Any) -> Field:
    """A field; `wire` defaults to the SDK name at the top level (see props / top)."""
    return Field(wire, kind, **extra)


def props(**fields: Field | str) -> dict[str, Field]:
    """Fields inside the flattened `properties` bag; a string value is just the kind of a same-named field."""
    return {name: _under("properties", name, f) for name, f in fields.items()}


def top(**fields: Field | str) -> dict[str, Field]:
    """Fields at the top level of the wire object, same name on both sides unless the Field says otherwise."""
    return {name: _under("", name, f) for name, f in fields.items()}


def obj(shape: Shape, *, read_only: bool = False, wire: str = "") -> Field:
    return Field(wire, "object", shape, read_only)


def array(item: Shape | None = None, *, read_only: bool = False, wire: str = "") -> Field:
    return Field(wire, "array", item, read_only)


def ro(kind: str = "string", *, wire: str = "") -> Field:
    return Field(wire, kind, read_only=True)


def ref_id(name: str = "SubResource") -> Shape:
    """Azure's {id} reference object (SubResource)."""
    return Shape(name, top(id="string"))


def _under(bag: str, name: str, f: Field | str) -> Field:
    # An explicit wire name is the x-ms-client-name rename, relative to the bag.
    if isinstance(f, str):
        f = Field("", f)
    wire = f.wire or name
    return replace(f, wire=f"{bag}.{wire}" if bag else wire)


def get_path(value: dict[str, Any], path: tuple[str, ...]) -> tuple[bool, Any]:
    current: Any = value
    for part in path:
        if not isinstance(current, dict) or part not in current:
            return False, None
        current = current[part]
    return True, current


def set_path(value: dict[str, Any], path: tuple[str, ...], item: Any) -> None:
    current = value
    for part in path[:-1]:
        current = current.setdefault(part, {})
    current[path[-1]] = item


@dataclass(frozen=True)
class ResourceSpec:
    """One azure-native resource type: where it lives, its api-version, its body and its replace rules.

    `path` is the ARM path with {sdkName} placeholders (subscriptionId comes from the provider, {scope} is
    inserted unencoded); every other placeholder is an input that forces a replacement (diff.go).
    """

    token: str
    api_version: str
    path: str
    body: Shape
    required: tuple[str, ...] = ()
    force_new: tuple[str, ...] = ()  # SDK names besides the path parameters
    force_new_source: str = ""  # where the rule comes from (cited in the report)
    maintain: tuple[str, ...] = ()  # sub-resource properties Azure keeps when the inputs do not name them
    auto_name: dict[str, str] = field(default_factory=dict)  # path parameter -> "random" or "uuid"

    @property
    def path_params(self) -> tuple[str, ...]:
        names = [part[1:-1] for part in self.path.split("/") if part.startswith("{")]
        return tuple(name for name in names if name != "subscriptionId")

    @property
    def replace_keys(self) -> frozenset[str]:
        return frozenset(self.path_params) | frozenset(self.force_new)
