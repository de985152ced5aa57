"""Pool provider inputs <-> the Azure Batch Pool body (management API 2025-06-01), both directions.

`build` turns the provider's inputs (a pool's stack config plus its account, subnet and resolved image)
into the body of Pool_Create / Pool_Update; `read_back` maps Azure's answer onto the same input keys, so
`pulumi refresh` shows no phantom diff
(`pulumi import` cannot reach a Python dynamic provider; an identical existing pool is adopted on create).

How features reach Azure today:
  * certificates: the Key Vault VM extension (KeyVaultForLinux / KeyVaultForWindows, publisher
    Microsoft.Azure.KeyVault) authenticating with the pool's user-assigned identity; Batch certificates
    were retired on 2024-02-29.
  * SSH public keys: Batch user accounts take only a password and an SSH *private* key, so the keys are
    installed by the start task: a bash installer, run as the pool's admin auto-user (writing other users'
    `~/.ssh` needs root), writes each user's `authorized_keys` from the BATCH_INFRA_SSH_KEYS environment
    setting, then `exec "$@"`s the configured command line. That command line is split with `shlex` into
    arguments that follow the installer on Batch's command line, so it runs exactly as Batch would run it:
    no shell, no expansion, no `eval`. Elevation is never raised silently: sshPublicKeys need
    `startTask.elevation: admin` or no startTask (check fails otherwise; dropping to Batch's exact nonadmin
    identity cannot be done reliably from inside the task). BATCH_INFRA_START_COMMAND keeps the command
    line verbatim for read-back only; it is never executed. A key-only user gets a random password that
    is sent to Azure and never stored.
  * node communication: API 2025-06-01 has no targetNodeCommunicationMode; simplified communication is
    the only mode (classic retired 2026-03-31), so nothing is sent for it.
  * autoscale: the declared maximums are enforced by `cap_formula` statements appended to the formula
    (Spot always: an omitted maxSpotNodes caps at 0); the effective formula is the `autoScaleFormula` output.
"""

from __future__ import annotations

import base64
import secrets
import shlex
from collections.abc import Mapping
from typing import Any

from batch_infra.autoscale.caps import cap_formula
from batch_infra.config.pools import PoolConfig
from batch_infra.providers import pool_features

TARGET_KEYS = ("subscriptionId", "resourceGroupName", "accountName", "accountEndpoint", "location")
EXTRA_INPUT_KEYS = ("subnetId", "resolvedImage", "policies", "userPasswords", "certificateIdentityClientId",
                    pool_features.SECRETS_INPUT)
SSH_KEYS_ENV = "BATCH_INFRA_SSH_KEYS"
START_COMMAND_ENV = "BATCH_INFRA_START_COMMAND"
KEY_VAULT_PUBLISHER = "Microsoft.Azure.KeyVault"
KEY_VAULT_HANDLER_VERSION = "3.0"
MSI_ENDPOINT = "http://169.254.169.254/metadata/identity/oauth2/token"
# $0 names the installer in `ps`; the user's arguments follow it and are exec'd as given.
_KEY_INSTALLER = (
    "/bin/bash -c 'set -e; echo \"$BATCH_INFRA_SSH_KEYS\" | base64 -d | while read -r user key; do "
    'home=$(getent passwd "$user" | cut -d: -f6); install -d -m 700 -o "$user" "$home/.ssh"; '
    'grep -qxF "$key" "$home/.ssh/authorized_keys" 2>/dev/null '
    '|| echo "$key" >> "$home/.ssh/authorized_keys"; '
    'chown "$user" "$home/.ssh/authorized_keys"; chmod 600 "$home/.ssh/authorized_keys"; done; '
    'if [ "$#" -gt 0 ]; then exec "$@"; fi\' batch-infra-ssh-keys'
)
SSH_KEYS_NEED_ADMIN = (
    "sshPublicKeys are installed by the start task as the admin auto-user, and batch-infra never raises "
    "the elevation of your start task silently"
)
SSH_KEYS_FIX = "set startTask.elevation: admin, or remove the startTask (the key installer then runs alone)"


def config_of(inputs: Mapping[str, Any]) -> PoolConfig:
    """The pool's config model from the inputs (gRPC numbers arrive as floats; pydantic takes 1.0 as 1)."""
    fields = {field.alias or _camel(name) for name, field in PoolConfig.model_fields.items()}
    return PoolConfig.model_validate({k: v for k, v in inputs.items() if k in fields})


def config_inputs(pool: PoolConfig) -> dict[str, Any]:
    """The config as inputs, None values left out: gRPC drops them anyway, and the scale model reads
    the presence of a key (fixed vs autoscale)."""
    return pool.model_dump(by_alias=True, mode="json", exclude_none=True)


def effective_formula(pool: PoolConfig) -> str | None:
    scale = pool.scale
    if not scale.is_autoscale:
        return None
    # An omitted maxSpotNodes means 0 and is capped as such, so the cap agrees with the quota demand.
    return cap_formula(scale.formula or "", scale.max_dedicated, scale.max_spot)


def build(inputs: Mapping[str, Any], *, with_passwords: bool = True) -> dict[str, Any]:
    """The full Pool body (identity + properties) for Pool_Create, or the source of a Pool_Update."""
    pool = config_of(inputs)
    image = inputs["resolvedImage"]
    vm: dict[str, Any] = {"imageReference": image_reference(image), "nodeAgentSkuId": image["nodeAgentSkuId"]}
    if pool.os_disk:
        vm["osDisk"] = _os_disk(pool)
    if pool.data_disks:
        vm["dataDisks"] = [
            {
                "lun": d.lun,
                "diskSizeGB": d.disk_size_gb,
                "caching": d.caching,
                "managedDisk": {"storageAccountType": d.storage_account_type},
            }
            for d in pool.data_disks
        ]
    vm.update(pool_features.vm_sections(inputs, with_secrets=with_passwords))
    if pool.certificates:
        client_id = inputs.get("certificateIdentityClientId") or ""
        vm["extensions"] = [key_vault_extension(pool, client_id, image["nodeAgentSkuId"]),
                            *vm.get("extensions", [])]
    props: dict[str, Any] = {
        "vmSize": pool.vm_size,
        "deploymentConfiguration": {"virtualMachineConfiguration": vm},
        "scaleSettings": scale_settings(pool),
        "taskSlotsPerNode": pool.task_slots_per_node,
        "taskSchedulingPolicy": {"nodeFillType": pool.node_fill_type},
        "interNodeCommunication": "Enabled" if pool.inter_node_communication else "Disabled",
        "metadata": [{"name": k, "value": v} for k, v in sorted(pool.metadata.items())],
        "applicationPackages": package_references(inputs, pool),
        "userAccounts": user_accounts(pool, inputs.get("userPasswords") or {}, with_passwords),
    }
    if pool.display_name is not None:
        props["displayName"] = pool.display_name
    if network := network_configuration(pool, inputs.get("subnetId")):
        props["networkConfiguration"] = network
    if task := start_task(pool, (inputs.get(pool_features.SECRETS_INPUT) or {}) if with_passwords else None):
        props["startTask"] = task
    props.update(pool_features.pool_sections(inputs, with_secrets=with_passwords))
    identity: dict[str, Any] = {"type": "None"}
    if pool.identities:
        identity = {"type": "UserAssigned", "userAssignedIdentities": {i: {} for i in pool.identities}}
    body = {"identity": identity, "properties": props}
    if pool.tags:
        body["tags"] = dict(pool.tags)
    return body


def image_reference(image: Mapping[str, Any]) -> dict[str, Any]:
    """A custom (gallery or managed) image by id, else the marketplace publisher/offer/sku/version."""
    if image.get("id"):
        return {"id": image["id"]}
    return {k: image[k] for k in ("publisher", "offer", "sku", "version")}


def scale_settings(pool: PoolConfig) -> dict[str, Any]:
    scale = pool.scale
    if scale.is_autoscale:
        return {
            "autoScale": {"formula": effective_formula(pool), "evaluationInterval": _duration(scale.interval)}
        }
    fixed: dict[str, Any] = {
        "targetDedicatedNodes": scale.target_dedicated_nodes or 0,
        "targetLowPriorityNodes": scale.target_spot_nodes or 0,
        "resizeTimeout": _duration(scale.timeout),
    }
    if scale.node_deallocation_option:
        fixed["nodeDeallocationOption"] = scale.node_deallocation_option
    return {"fixedScale": fixed}


def key_vault_extension(pool: PoolConfig, client_id: str, node_agent_sku_id: str) -> dict[str, Any]:
    """The Key Vault VM extension that keeps the listed certificates on every node, via the pool identity."""
    certs = pool.certificates
    assert certs is not None
    # Node agent SKU ids name the OS family: batch.node.windows amd64, batch.node.ubuntu 24.04, ...
    windows = node_agent_sku_id.lower().startswith("batch.node.windows")
    kind = "KeyVaultForWindows" if windows else "KeyVaultForLinux"
    management: dict[str, Any] = {
        "pollingIntervalInS": str(int(certs.polling_interval.total_seconds())),
        "requireInitialSync": True,
    }
    if windows:
        management["observedCertificates"] = [
            {"url": u, "certificateStoreName": "MY", "certificateStoreLocation": "LocalMachine"}
            for u in certs.certificate_urls
        ]
    else:
        management["certificateStoreLocation"] = certs.linux_store_location
        management["observedCertificates"] = list(certs.certificate_urls)
    return {
        "name": kind,
        "publisher": KEY_VAULT_PUBLISHER,
        "type": kind,
        "typeHandlerVersion": KEY_VAULT_HANDLER_VERSION,
        "autoUpgradeMinorVersion": True,
        "enableAutomaticUpgrade": True,
        "settings": {
            "secretsManagementSettings": management,
            "authenticationSettings": {"msiEndpoint": MSI_ENDPOINT, "msiClientId": client_id},
        },
    }


def package_references(inputs: Mapping[str, Any], pool: PoolConfig) -> list[dict[str, Any]]:
    account_id = (
        f"/subscriptions/{inputs['subscriptionId']}/resourceGroups/{inputs['resourceGroupName']}"
        f"/providers/Microsoft.Batch/batchAccounts/{inputs['accountName']}"
    )
    refs = []
    for ref in pool.application_packages:
        item: dict[str, Any] = {"id": f"{account_id}/applications/{ref.application}"}
        if ref.version:
            item["version"] = ref.version
        refs.append(item)
    return refs


def user_accounts(
    pool: PoolConfig, passwords: Mapping[str, str], with_passwords: bool
) -> list[dict[str, Any]]:
    accounts = []
    for user in pool.user_accounts:
        account: dict[str, Any] = {"name": user.name, "elevationLevel": _elevation(user.elevation)}
        if with_passwords:
            # Azure requires a password; a key-only user gets a random one nobody stores or needs.
            account["password"] = passwords.get(user.name) or secrets.token_urlsafe(24)
        linux = {k: v for k, v in (("uid", user.uid), ("gid", user.gid)) if v is not None}
        if linux:
            account["linuxUserConfiguration"] = linux
        accounts.append(account)
    return accounts


def network_configuration(pool: PoolConfig, subnet_id: str | None) -> dict[str, Any] | None:
    net = pool.network
    config: dict[str, Any] = {}
    if net.subnet == "environment" and subnet_id:
        config["subnetId"] = subnet_id
    if net.accelerated_networking:
        config["enableAcceleratedNetworking"] = True
    if net.public_ip_provisioning != "BatchManaged":
        public: dict[str, Any] = {"provision": net.public_ip_provisioning}
        if net.public_ip_ids:
            public["ipAddressIds"] = list(net.public_ip_ids)
        config["publicIPAddressConfiguration"] = public
    if net.endpoint_configuration:
        dumped = net.endpoint_configuration.model_dump(by_alias=True, mode="json", exclude_none=True)
        config["endpointConfiguration"] = pool_features.compact(dumped)
    return config or None


def start_task(pool: PoolConfig, secrets: Mapping[str, Any] | None = None) -> dict[str, Any] | None:
    """The startTask body; `secrets` fill a container registry's password (None: left out)."""
    task = pool.start_task
    keys = [(u.name, k) for u in pool.user_accounts for k in u.ssh_public_keys]
    if task is None and not keys:
        return None
    env = dict(task.environment) if task else {}
    elevation = task.elevation if task else "admin"
    command = task.command_line if task else ""
    if keys:
        if elevation != "admin":
            raise ValueError(f"pool {pool.id!r}: {SSH_KEYS_NEED_ADMIN}; fix: {SSH_KEYS_FIX}")
        lines = "".join(f"{name} {key}\n" for name, key in keys)
        env[SSH_KEYS_ENV] = base64.b64encode(lines.encode()).decode()
        if command:
            env[START_COMMAND_ENV] = command
        command = key_installer_command(command or None)
    body: dict[str, Any] = {
        "commandLine": command,
        "userIdentity": {"autoUser": {"scope": "Pool", "elevationLevel": _elevation(elevation)}},
        "waitForSuccess": task.wait_for_success if task else True,
        "maxTaskRetryCount": task.max_task_retry_count if task else 0,
        "environmentSettings": [{"name": k, "value": v} for k, v in sorted(env.items())],
    }
    if task and task.resource_files:
        body["resourceFiles"] = [
            rf.model_dump(by_alias=True, exclude_none=True) for rf in task.resource_files
        ]
    if task and task.container_settings:
        settings = pool_features.compact(task.container_settings.model_dump(by_alias=True, mode="json"))
        body["containerSettings"] = (
            pool_features.with_values(settings, secrets, "startTask.containerSettings")
            if secrets is not None else pool_features.without_secrets(settings)
        )
    return body


def key_installer_command(command_line: str | None) -> str:
    """The key installer, then the user's command line as its arguments (ValueError if unsplittable)."""
    if not command_line:
        return _KEY_INSTALLER
    return f"{_KEY_INSTALLER} {shlex.join(shlex.split(command_line))}"


def ssh_key_failures(pool: PoolConfig, node_agent_sku_id: str | None) -> list[tuple[str, str]]:
    """(property, reason with fix) for SSH keys the start task cannot install as configured."""
    if not any(u.ssh_public_keys for u in pool.user_accounts):
        return []
    task = pool.start_task
    if node_agent_sku_id is not None:  # the checks that need the resolved image; the others ran before
        if node_agent_sku_id.lower().startswith("batch.node.windows"):
            return [("userAccounts", f"pool {pool.id!r}: sshPublicKeys are installed by a bash start task, "
                                     "which Windows nodes cannot run; "
                                     "fix: use a Linux image, or remove the keys")]
        return []
    if task is not None and task.elevation != "admin":
        return [("startTask.elevation", f"pool {pool.id!r}: {SSH_KEYS_NEED_ADMIN}; fix: {SSH_KEYS_FIX}")]
    if task is not None:
        try:
            shlex.split(task.command_line)
        except ValueError as err:
            return [("startTask.commandLine", f"pool {pool.id!r}: the command line cannot be split into "
                                              f"arguments ({err}); fix: balance its quotes")]
    return []


def _os_disk(pool: PoolConfig) -> dict[str, Any]:
    disk = pool.os_disk
    assert disk is not None
    body: dict[str, Any] = {
        "caching": disk.caching,
        "managedDisk": {"storageAccountType": disk.storage_account_type},
    }
    if disk.disk_size_gb:
        body["diskSizeGB"] = disk.disk_size_gb
    if disk.ephemeral:
        body["ephemeralOSDiskSettings"] = {"placement": "CacheDisk"}
    if disk.write_accelerator_enabled is not None:
        body["writeAcceleratorEnabled"] = disk.write_accelerator_enabled
    return body


def _elevation(value: str) -> str:
    return "Admin" if value == "admin" else "NonAdmin"


def _duration(value: Any) -> str:
    from batch_infra.config.base import format_duration

    return format_duration(value)


def _camel(name: str) -> str:
    from pydantic.alias_generators import to_camel

    return to_camel(name)


# Set in the pool's `policies` input (components/pools.py) when the account endpoint is closed to the public:
# the provider then resolves a pinned image without the data-plane lookup (pool_lifecycle._resolve_image).
PRIVATE_ACCOUNT_ENDPOINT = "privateAccountEndpoint"


def pool_inputs(
    pool: PoolConfig,
    *,
    subscription_id: Any,
    resource_group_name: Any,
    account_name: Any,
    account_endpoint: Any,
    location: str,
    subnet_id: Any = None,
    policies: Mapping[str, Any] | None = None,
    user_passwords: Mapping[str, Any] | None = None,
    certificate_identity_client_id: Any = None,
    secret_values: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The Pool resource's inputs (values may be Outputs): the shape `pool_changes.classify` compares."""
    inputs: dict[str, Any] = {
        **config_inputs(pool),
        "subscriptionId": subscription_id,
        "resourceGroupName": resource_group_name,
        "accountName": account_name,
        "accountEndpoint": account_endpoint,
        "location": location,
        "policies": dict(policies or {}),
    }
    if subnet_id is not None and pool.network.subnet == "environment":
        inputs["subnetId"] = subnet_id
    if user_passwords:
        inputs["userPasswords"] = dict(user_passwords)
    if certificate_identity_client_id is not None:
        inputs["certificateIdentityClientId"] = certificate_identity_client_id
    if secret_values:
        inputs[pool_features.SECRETS_INPUT] = dict(secret_values)
    return inputs


def secret_output_keys(inputs: Mapping[str, Any]) -> list[str]:
    """Secret outputs: passwords always; the start task when it carries a SAS (see `carries_sas`)."""
    keys = ["userPasswords", pool_features.SECRETS_INPUT]
    if carries_sas(inputs.get("startTask")):
        keys.append("startTask")
    return keys


def carries_sas(task: Any) -> bool:
    """A start task with a SAS token (`sig=`, any case, also URL-encoded) in its command line, a resource
    file URL or an environment value: the config's `environment` mapping or Azure's `environmentSettings`
    list, which holds the BATCH_INFRA_START_COMMAND copy of the command line."""
    if not isinstance(task, Mapping):
        return False
    texts = [str(task.get("commandLine") or "")]
    for item in task.get("resourceFiles") or []:
        texts += [str(item.get(k) or "") for k in ("storageContainerUrl", "httpUrl")]
    texts += [str(v) for v in (task.get("environment") or {}).values()]
    texts += [str(e.get("value") or "") for e in task.get("environmentSettings") or []]
    return any(_has_signature(text) for text in texts)


def _has_signature(text: str) -> bool:
    """`sig=` in the text once it is fully URL-decoded (a SAS may be quoted once or twice in a URL)."""
    from urllib.parse import unquote

    for _ in range(4):  # bounded: each round removes one level of %-encoding
        if "sig=" in text.lower():
            return True
        decoded = unquote(text)
        if decoded == text:
            return False
        text = decoded
    return "sig=" in text.lower()
