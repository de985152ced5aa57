"""A dynamic provider whose resources are lines in a JSON file: every call the engine makes is visible."""

from __future__ import annotations

import json
import os
from pathlib import Path

from pulumi.dynamic import CheckResult, CreateResult, DiffResult, ReadResult, ResourceProvider, UpdateResult
from pulumi.runtime.rpc import contains_unknowns

STORE = Path(os.environ.get("TOY_STORE", "toy-store.json"))


def _load() -> dict:
    return json.loads(STORE.read_text()) if STORE.exists() else {"items": {}, "calls": []}


def _save(data: dict) -> None:
    STORE.write_text(json.dumps(data))


def _log(op: str, **fields: object) -> None:
    data = _load()
    data["calls"].append({"op": op, **fields})
    _save(data)


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
        data = _load()
        item_id = props["name"]
        data["items"][item_id] = props.get("size", 0)
        data["calls"].append({"op": "create", "id": item_id})
        _save(data)
        return CreateResult(item_id, {**props, "serial": len(data["calls"])})

    def update(self, id, olds, news):
        data = _load()
        data["items"][id] = news.get("size", 0)
        data["calls"].append({"op": "update", "id": id})
        _save(data)
        return UpdateResult({**news, "serial": olds.get("serial")})

    def read(self, id, props):
        data = _load()
        _log("read", id=id, keys=sorted(props))
        if id not in data["items"]:
            return ReadResult(None, {})
        return ReadResult(id, {**props, "size": data["items"][id]})

    def delete(self, id, props):
        data = _load()
        data["items"].pop(id, None)
        data["calls"].append({"op": "delete", "id": id})
        _save(data)
