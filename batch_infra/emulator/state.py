"""Emulator state: JSON documents in named collections, in memory or persisted to SQLite across restarts."""

from __future__ import annotations

import copy
import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


class State:
    """Collections of JSON-able dicts keyed by string (ARM ids lower-cased, so lookups are case-insensitive).

    Every read returns a deep copy, so a handler can never mutate state by accident; writes go through
    `put`/`delete`. With a path, every committed transaction is written to SQLite, so a restarted
    emulator with the same `--state` file serves the same resources.
    """

    def __init__(self, path: str | Path | None = None) -> None:
        self._lock = threading.RLock()
        self._data: dict[str, dict[str, dict[str, Any]]] = {}
        self._dirty: set[tuple[str, str]] = set()
        self._depth = 0
        self._db: sqlite3.Connection | None = None
        if path is not None:
            self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS docs "
                "(collection TEXT, key TEXT, body TEXT, PRIMARY KEY (collection, key))"
            )
            for collection, key, body in self._db.execute("SELECT collection, key, body FROM docs"):
                self._data.setdefault(collection, {})[key] = json.loads(body)

    @contextmanager
    def transaction(self) -> Iterator[State]:
        """Serialise a read-modify-write; changes reach SQLite when the outermost transaction ends."""
        with self._lock:
            self._depth += 1
            try:
                yield self
            finally:
                self._depth -= 1
                if self._depth == 0:
                    self._flush()

    def get(self, collection: str, key: str) -> dict[str, Any] | None:
        with self._lock:
            doc = self._data.get(collection, {}).get(key.lower())
            return copy.deepcopy(doc) if doc is not None else None

    def put(self, collection: str, key: str, value: dict[str, Any]) -> None:
        with self.transaction():
            self._data.setdefault(collection, {})[key.lower()] = copy.deepcopy(value)
            self._dirty.add((collection, key.lower()))

    def delete(self, collection: str, key: str) -> bool:
        with self.transaction():
            existed = self._data.get(collection, {}).pop(key.lower(), None) is not None
            self._dirty.add((collection, key.lower()))
            return existed

    def items(self, collection: str, prefix: str = "") -> list[tuple[str, dict[str, Any]]]:
        """(key, doc) pairs whose key starts with `prefix` (case-insensitive), in key order."""
        prefix = prefix.lower()
        with self._lock:
            found = [(k, v) for k, v in self._data.get(collection, {}).items() if k.startswith(prefix)]
            return [(k, copy.deepcopy(v)) for k, v in sorted(found)]

    def peek(self, collection: str, prefix: str = "") -> list[dict[str, Any]]:
        """The stored docs under `prefix` themselves, not copies: for reads that look and never write
        (a pool PUT reads every other pool of the account; copying them all made it O(pools))."""
        prefix = prefix.lower()
        with self._lock:
            return [v for k, v in self._data.get(collection, {}).items() if k.startswith(prefix)]

    def count(self, collection: str, prefix: str = "") -> int:
        prefix = prefix.lower()
        with self._lock:
            return sum(1 for k in self._data.get(collection, {}) if k.startswith(prefix))

    def collections(self) -> list[str]:
        with self._lock:
            return sorted(name for name, docs in self._data.items() if docs)

    def reset(self) -> None:
        with self.transaction():
            for collection, docs in self._data.items():
                self._dirty.update((collection, key) for key in docs)
            self._data.clear()

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    def _flush(self) -> None:
        if self._db is None or not self._dirty:
            self._dirty.clear()
            return
        rows = [(c, k, self._data.get(c, {}).get(k)) for c, k in self._dirty]
        self._db.execute("BEGIN")
        for collection, key, body in rows:
            if body is None:
                self._db.execute("DELETE FROM docs WHERE collection = ? AND key = ?", (collection, key))
            else:
                self._db.execute(
                    "INSERT OR REPLACE INTO docs VALUES (?, ?, ?)", (collection, key, json.dumps(body))
                )
        self._db.execute("COMMIT")
        self._dirty.clear()
