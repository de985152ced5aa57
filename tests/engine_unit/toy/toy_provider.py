"""A dynamic provider whose resources are lines in a JSON file: every call the engine makes is visible."""

from __future__ import annotations

import json
import os
import threading
from contextlib import contextmanager
from pathlib import Path

from pulumi.dynamic import CheckResult, CreateResult, DiffResult, ReadResult, ResourceProvider, UpdateResult
from pulumi.runtime.rpc import contains_unknowns

STORE = Path(os.environ.get("TOY_STORE", "toy-store.json"))
_LOCK = threading.Lock()  # the plugin serves calls on 4 threads


@contextmanager
def _store():
    with _LOCK:
        data = json.loads(STORE.read_text()) if STORE.exists() else {"items": {}, "calls": []}
        yield data
        STORE.write_text(json.dumps(data))


def _log(op: str, **fields: object) -> None:
    with _store() as data:
        data["calls"].append({"op": op, **fields})


class ToyProvider(ResourceProvider):
    def check(self, olds, news):
        _log("check", olds=sorted((olds or {}).keys()), unknown=contains_unknowns(news))
        if not contains_unknowns(news.get("size")) and news.get("size", 0) < 0:
            from pulumi.dynamic import CheckFailure

            return CheckResult(news, [CheckFailure("size", "size must be >= 0")])
        return CheckResult(news, [])

    def diff(self, id, olds, news):
        keys = [k for k in ("name", "size", "token") if olds.get(k) != news.get(k)]
        replaces = [k for k in keys if k == "name"]
        _log("diff", id=id, keys=keys)
        return DiffResult(changes=bool(keys), replaces=replaces, delete_before_replace=news.get("dbr", False))

    def create(self, props):
        with _store() as data:
            item_id = props["name"]
            data["items"][item_id] = props.get("size", 0)
            data["calls"].append({"op": "create", "id": item_id})
            serial = len(data["calls"])
        return CreateResult(item_id, {**props, "serial": serial})

    def update(self, id, olds, news):
        with _store() as data:
            data["items"][id] = news.get("size", 0)
            data["calls"].append({"op": "update", "id": id})
        return UpdateResult({**news, "serial": olds.get("serial")})

    def read(self, id, props):
        with _store() as data:
            data["calls"].append({"op": "read", "id": id, "keys": sorted(props)})
            size = data["items"].get(id)
        if size is None:
            return ReadResult(None, {})
        return ReadResult(id, {**props, "size": size})

    def delete(self, id, props):
        with _store() as data:
            data["items"].pop(id, None)
            data["calls"].append({"op": "delete", "id": id})
