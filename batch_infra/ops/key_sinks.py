"""Where consumers read the Batch account key (Key Vault secret or 0600 file), plus rotation progress."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, Protocol

from batch_infra.errors import AzureOperationError, BatchInfraError
from batch_infra.providers import azure_failures
from batch_infra.providers.azure_clients import Target

KEY_NAMES = ("primary", "secondary")
NO_KEY = "none"  # key-name tag of a Key Vault secret that only records auto-storage progress (AAD-only)
RERUN = "re-run `batch-infra keys rotate`: the rotation resumes where it stopped"


@dataclass(frozen=True)
class PublishedKey:
    """The key consumers are told to use. `value` is secret: it is never printed, logged or put in a repr."""

    account: str
    key_name: str  # primary | secondary
    value: str = field(repr=False)


@dataclass
class RotationState:
    """Progress of the last rotation, stored with the key so an interrupted run resumes where it stopped."""

    phase: str = "idle"  # Batch keys: idle | published (new key out, old one still valid) | completed
    rotation_id: str = ""
    from_key: str = ""  # the key consumers used before
    to_key: str = ""  # the key published to them
    published_at: float = 0.0  # when consumers were told to switch (epoch seconds)
    storage_phase: str = (
        "idle"  # idle | standby-regenerated | synced | propagated | active-regenerated | completed
    )
    storage_synced_at: float = 0.0  # the last syncAutoStorageKeys (epoch seconds): nodes get keys after it
    lease_owner: str = ""  # the run rotating now; another run refuses to start until the lease expires
    lease_expires: float = 0.0  # epoch seconds

    def as_tags(self) -> dict[str, str]:
        return {f"rotation-{k.replace('_', '-')}": str(v) for k, v in asdict(self).items()}

    @classmethod
    def from_tags(cls, tags: dict[str, str] | None) -> RotationState:
        values: dict[str, Any] = {}
        for item in fields(cls):
            raw = (tags or {}).get(f"rotation-{item.name.replace('_', '-')}")
            if raw is not None:
                values[item.name] = float(raw) if item.type in (float, "float") else raw
        return cls(**values)

    @classmethod
    def from_document(cls, raw: Any, where: str) -> RotationState:
        """The `rotation` object of a key file, every field checked (a hand-edited file must not crash)."""
        known = {item.name: item for item in fields(cls)}
        if not isinstance(raw, dict) or set(raw) - set(known):
            extra = sorted(set(raw) - set(known)) if isinstance(raw, dict) else type(raw).__name__
            raise ValueError(f"{where}: 'rotation' must be an object with only {sorted(known)}, got {extra}")
        values: dict[str, Any] = {}
        for name, value in raw.items():
            numeric = known[name].type in (float, "float")
            ok = (
                isinstance(value, int | float) and not isinstance(value, bool)
                if numeric
                else isinstance(value, str)
            )
            if not ok:
                raise ValueError(f"{where}: rotation.{name} must be a {'number' if numeric else 'string'}")
            values[name] = float(value) if numeric else value
        return cls(**values)


class KeySink(Protocol):
    description: str  # where the key goes, for messages (never the key itself)
    identity: str  # a stable name of the sink, recorded on the account (key_sink_claim)

    def read(self) -> PublishedKey | None: ...
    def read_state(self) -> RotationState: ...
    def publish(self, key: PublishedKey, state: RotationState) -> None: ...
    def write_state(self, state: RotationState) -> None: ...


def secret_client(target: Target, vault_url: str) -> Any:
    """A SecretClient for `vault_url` with the target's credential; the emulator's vault trusts its CA."""
    from azure.keyvault.secrets import SecretClient

    options = {k: v for k, v in target.client_options().items() if k != "polling_interval"}
    # The emulator answers Key Vault's vault.azure.net challenge from 127.0.0.1; Azure is verified as usual.
    return SecretClient(
        vault_url, target.credential(), verify_challenge_resource=not target.is_emulator, **options
    )


class KeyVaultSink:
    """A Key Vault secret: each publish is a new version; progress lives in the current version's tags."""

    def __init__(self, target: Target, vault_url: str, secret_name: str) -> None:
        self.client = secret_client(target, vault_url)
        self.secret_name = secret_name
        self.description = f"Key Vault secret {secret_name} in {vault_url}"
        self.identity = f"keyvault:{vault_url.rstrip('/')}/secrets/{secret_name}"  # key_sink_claim's tag

    def read(self) -> PublishedKey | None:
        secret = self._get()
        tags = (secret.properties.tags or {}) if secret is not None else {}
        if secret is None or not secret.value or tags.get("key-name") == NO_KEY:
            return None
        return PublishedKey(tags.get("batch-account", ""), tags.get("key-name", ""), secret.value)

    def read_state(self) -> RotationState:
        secret = self._get()
        return RotationState.from_tags(secret.properties.tags if secret is not None else None)

    def publish(self, key: PublishedKey, state: RotationState) -> None:
        tags = {"batch-account": key.account, "key-name": key.key_name, **state.as_tags()}
        self._call(
            "publish the new key to",
            lambda: self.client.set_secret(
                self.secret_name, key.value, tags=tags, content_type="Azure Batch account key"
            ),
        )

    def write_state(self, state: RotationState) -> None:
        secret = self._get()
        if secret is None and state.phase == "idle":
            # No Batch key was ever published here (an AAD-only stack): a placeholder version carries the
            # auto-storage progress; read() reports no key for it.
            tags = {"key-name": NO_KEY, **state.as_tags()}
            self._call(
                "record rotation progress on",
                lambda: self.client.set_secret(
                    self.secret_name, NO_KEY, tags=tags, content_type="batch-infra rotation progress"
                ),
            )
            return
        if secret is None:
            raise BatchInfraError(
                f"{self.description} vanished during the rotation",
                fix="re-run the rotation; it publishes a current key first",
            )
        tags = {**(secret.properties.tags or {}), **state.as_tags()}
        self._call(
            "record rotation progress on",
            lambda: self.client.update_secret_properties(
                self.secret_name, secret.properties.version, tags=tags
            ),
        )

    def _get(self) -> Any:
        from azure.core.exceptions import ResourceNotFoundError

        try:
            return self._call("read", lambda: self.client.get_secret(self.secret_name))
        except AzureOperationError as err:
            if isinstance(err.__cause__, ResourceNotFoundError):
                return None
            raise

    def _call(self, action: str, operation: Any) -> Any:
        return azure_failures.call(
            f"{action} {self.description}",
            operation,
            access="get and set on the vault's secrets (Key Vault Secrets Officer)",
            fix="check the vault URL, then " + RERUN,
        )


class FileSink:
    """A 0600 file for CI: JSON, or an env file (`--sink-format env`) whose progress line is a comment.

    Every write goes to a temporary file that replaces the old one, so a reader never sees half a key.
    """

    ENV_STATE_PREFIX = "# batch-infra-rotation: "

    def __init__(self, path: Path, fmt: str = "json") -> None:
        if fmt not in ("json", "env"):
            raise BatchInfraError(f"unknown key file format {fmt!r}", fix="use --sink-format json or env")
        self.path, self.format = Path(path), fmt
        self.description = f"key file {self.path}"
        # No host in it: CI runners that write the same path are one sink (key_sink_claim's tag).
        self.identity = f"file:{self.path.resolve()}"

    def read(self) -> PublishedKey | None:
        document = self._load()
        if not document.get("key"):
            return None
        return PublishedKey(document.get("account", ""), document.get("keyName", ""), document["key"])

    def read_state(self) -> RotationState:
        return RotationState.from_document(self._load().get("rotation", {}), str(self.path))

    def publish(self, key: PublishedKey, state: RotationState) -> None:
        self._save(
            {"account": key.account, "keyName": key.key_name, "key": key.value, "rotation": asdict(state)}
        )

    def write_state(self, state: RotationState) -> None:
        document = self._load()
        if not document.get("key") and state.phase != "idle":
            raise BatchInfraError(
                f"{self.description} lost its key during the rotation",
                fix="re-run the rotation; it publishes a current key first",
            )
        self._save({**document, "rotation": asdict(state)})

    def _load(self) -> dict[str, Any]:
        try:
            text = self.path.read_text()
        except FileNotFoundError:
            return {}
        except (OSError, UnicodeDecodeError) as err:
            raise BatchInfraError(
                f"cannot read {self.description}: {err}",
                fix="point --sink-path at a readable file (the CI job's user needs read and write on it)",
            ) from err
        try:
            document = json.loads(text) if self.format == "json" else self._parse_env(text)
            self._check_shape(document)
            return document
        except ValueError as err:
            raise BatchInfraError(
                f"{self.description} is not a batch-infra {self.format} key file: {err}",
                fix="point --sink-path at the file batch-infra wrote, or remove it (the next rotation "
                "publishes a current key)",
            ) from err

    def _check_shape(self, document: Any) -> None:
        if not isinstance(document, dict):
            raise ValueError(f"expected an object, found {type(document).__name__}")
        for name in ("account", "keyName", "key"):
            if name in document and not isinstance(document[name], str):
                raise ValueError(f"{name!r} must be a string, found {type(document[name]).__name__}")
        if document.get("keyName") and document["keyName"] not in KEY_NAMES:
            raise ValueError(f"keyName must be one of {', '.join(KEY_NAMES)}, not {document['keyName']!r}")
        RotationState.from_document(document.get("rotation", {}), "the file")

    def _save(self, document: dict[str, Any]) -> None:
        text = json.dumps(document, indent=2) + "\n" if self.format == "json" else self._render_env(document)
        scratch = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "w") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(scratch, self.path)
        except OSError as err:
            raise BatchInfraError(
                f"cannot write {self.description}: {err.strerror or err}",
                fix=f"make {self.path.parent} writable (or pick another --sink-path), then {RERUN}",
            ) from err
        finally:
            if scratch.exists():  # False, not an error, when the parent is no directory
                scratch.unlink()

    def _render_env(self, document: dict[str, Any]) -> str:
        return (
            f"BATCH_ACCOUNT_NAME={document.get('account', '')}\n"
            f"BATCH_ACCOUNT_KEY_NAME={document.get('keyName', '')}\n"
            f"BATCH_ACCOUNT_KEY={document.get('key', '')}\n"
            f"{self.ENV_STATE_PREFIX}{json.dumps(document['rotation'])}\n"
        )

    def _parse_env(self, text: str) -> dict[str, Any]:
        names = {
            "BATCH_ACCOUNT_NAME": "account",
            "BATCH_ACCOUNT_KEY_NAME": "keyName",
            "BATCH_ACCOUNT_KEY": "key",
        }
        document: dict[str, Any] = {}
        for line in text.splitlines():
            if line.startswith(self.ENV_STATE_PREFIX):
                document["rotation"] = json.loads(line.removeprefix(self.ENV_STATE_PREFIX))
            elif "=" in line and not line.startswith("#"):
                name, _, value = line.partition("=")
                if name in names:
                    document[names[name]] = value
        return document
