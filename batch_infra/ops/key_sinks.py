"""Where consumers read the Batch account key (Key Vault secret or 0600 file), plus rotation progress."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, Protocol

from batch_infra.errors import AzureOperationError, BatchInfraError
from batch_infra.providers.azure_clients import Target

KEY_NAMES = ("primary", "secondary")


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
    storage_phase: str = "idle"  # idle | standby-regenerated | synced | active-regenerated | completed

    def as_tags(self) -> dict[str, str]:
        return {f"rotation-{k.replace('_', '-')}": str(v) for k, v in asdict(self).items()}

    @classmethod
    def from_tags(cls, tags: dict[str, str] | None) -> RotationState:
        values: dict[str, Any] = {}
        for item in fields(cls):
            raw = (tags or {}).get(f"rotation-{item.name.replace('_', '-')}")
            if raw is not None:
                values[item.name] = float(raw) if item.name == "published_at" else raw
        return cls(**values)


class KeySink(Protocol):
    description: str  # where the key goes, for messages (never the key itself)

    def read(self) -> PublishedKey | None: ...
    def read_state(self) -> RotationState: ...
    def publish(self, key: PublishedKey, state: RotationState) -> None: ...
    def write_state(self, state: RotationState) -> None: ...


def secret_client(target: Target, vault_url: str) -> Any:
    """A SecretClient for `vault_url` with the target's credential; the emulator's vault trusts its CA."""
    from azure.keyvault.secrets import SecretClient

    options: dict[str, Any] = {}
    if target.ca_bundle:
        options["connection_verify"] = target.ca_bundle
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

    def read(self) -> PublishedKey | None:
        secret = self._get()
        if secret is None or secret.value is None:
            return None
        tags = secret.properties.tags or {}
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
        from azure.core.exceptions import HttpResponseError

        try:
            return operation()
        except HttpResponseError as err:
            code = getattr(err.error, "code", None) or str(err.status_code)
            raise AzureOperationError(
                f"{action} {self.description}",
                code,
                err.message or str(err),
                fix="check the vault URL and that you may get/set its secrets",
            ) from err


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

    def read(self) -> PublishedKey | None:
        document = self._load()
        if not document.get("key"):
            return None
        return PublishedKey(document.get("account", ""), document.get("keyName", ""), document["key"])

    def read_state(self) -> RotationState:
        return RotationState(**self._load().get("rotation", {}))

    def publish(self, key: PublishedKey, state: RotationState) -> None:
        self._save(
            {"account": key.account, "keyName": key.key_name, "key": key.value, "rotation": asdict(state)}
        )

    def write_state(self, state: RotationState) -> None:
        document = self._load()
        if not document.get("key"):
            raise BatchInfraError(
                f"{self.description} lost its key during the rotation",
                fix="re-run the rotation; it publishes a current key first",
            )
        self._save({**document, "rotation": asdict(state)})

    def _load(self) -> dict[str, Any]:
        if not self.path.exists():
            return {}
        text = self.path.read_text()
        try:
            return json.loads(text) if self.format == "json" else self._parse_env(text)
        except ValueError as err:
            raise BatchInfraError(
                f"{self.description} is not a batch-infra {self.format} key file: {err}",
                fix="point --sink-path at the file batch-infra wrote, or remove it",
            ) from err

    def _save(self, document: dict[str, Any]) -> None:
        text = json.dumps(document, indent=2) + "\n" if self.format == "json" else self._render_env(document)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        scratch = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        descriptor = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(descriptor, "w") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(scratch, self.path)
        finally:
            scratch.unlink(missing_ok=True)

    def _render_env(self, document: dict[str, Any]) -> str:
        return (
            f"BATCH_ACCOUNT_NAME={document['account']}\n"
            f"BATCH_ACCOUNT_KEY_NAME={document['keyName']}\n"
            f"BATCH_ACCOUNT_KEY={document['key']}\n"
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
