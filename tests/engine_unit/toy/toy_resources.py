"""The toy resource type the engine unit tests declare."""

from __future__ import annotations

import pulumi
from pulumi.dynamic import Resource
from toy_provider import ToyProvider


class Item(Resource):
    serial: pulumi.Output[int]

    def __init__(self, name, props, opts=None):
        super().__init__(ToyProvider(), name, {"serial": None, **props}, opts)
