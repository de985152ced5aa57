"""Every azure-native type the test engine serves: token -> ResourceSpec (adding a type = one entry here)."""

from __future__ import annotations

from tests.engine.azure_native.shapes import ResourceSpec
from tests.engine.azure_native.types.authorization import ROLE_ASSIGNMENT
from tests.engine.azure_native.types.batch import APPLICATION, BATCH_ACCOUNT
from tests.engine.azure_native.types.guard_rails import (
    DIAGNOSTIC_SETTING,
    MANAGEMENT_LOCK_BY_SCOPE,
    WORKSPACE,
)
from tests.engine.azure_native.types.managedidentity import USER_ASSIGNED_IDENTITY
from tests.engine.azure_native.types.network import NETWORK_SECURITY_GROUP, SUBNET, VIRTUAL_NETWORK
from tests.engine.azure_native.types.private_access import (
    PRIVATE_DNS_ZONE_GROUP,
    PRIVATE_ENDPOINT,
    PRIVATE_ZONE,
    VIRTUAL_NETWORK_LINK,
)
from tests.engine.azure_native.types.resources import RESOURCE_GROUP
from tests.engine.azure_native.types.storage import STORAGE_ACCOUNT

TYPES: dict[str, ResourceSpec] = {
    spec.token: spec
    for spec in (
        RESOURCE_GROUP,
        VIRTUAL_NETWORK,
        SUBNET,
        NETWORK_SECURITY_GROUP,
        STORAGE_ACCOUNT,
        BATCH_ACCOUNT,
        APPLICATION,
        ROLE_ASSIGNMENT,
        USER_ASSIGNED_IDENTITY,
        PRIVATE_ENDPOINT,
        PRIVATE_DNS_ZONE_GROUP,
        PRIVATE_ZONE,
        VIRTUAL_NETWORK_LINK,
        DIAGNOSTIC_SETTING,
        MANAGEMENT_LOCK_BY_SCOPE,
        WORKSPACE,
    )
}
