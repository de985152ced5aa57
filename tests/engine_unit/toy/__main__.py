"""Toy program: items from the stack config `toy:items` (a list of {name, size, ...} objects)."""

import os

import pulumi
from toy_resources import Item

config = pulumi.Config("toy")
group = pulumi.ComponentResource("toy:index:Group", "group")
items = {}
for raw in config.get_object("items") or []:
    spec = dict(raw)
    opts = pulumi.ResourceOptions(
        parent=group,
        protect=spec.pop("protect", None),
        retain_on_delete=spec.pop("retain", None),
        aliases=[pulumi.Alias(name=a) for a in spec.pop("aliases", [])],
        delete_before_replace=spec.pop("deleteBeforeReplace", None),
        ignore_changes=spec.pop("ignore", None),
        depends_on=[items[d] for d in spec.pop("dependsOn", [])],
    )
    if "sizeFrom" in spec:
        spec["size"] = items[spec.pop("sizeFrom")].serial
    key = spec.pop("key", spec["name"])
    items[key] = Item(key, spec, opts)
token = config.get_secret("token")
if token is not None:
    holder = {"name": "secret-holder", "token": token}
    items["secret-holder"] = Item("secret-holder", holder, pulumi.ResourceOptions(parent=group))
pulumi.export("serials", {k: v.serial for k, v in items.items()})
pulumi.export("cwd", os.getcwd())
