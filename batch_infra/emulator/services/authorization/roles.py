"""Role definitions that exist: Azure's built-in GUIDs (the same in every tenant: Microsoft Learn "Azure
built-in roles") and the tenant's custom roles, which tests declare (setting custom_role_definitions)."""

from __future__ import annotations

from batch_infra.emulator.context import EmulatorContext

CUSTOM_SETTING = "custom_role_definitions"  # GUIDs of the tenant's custom roles (none by default)

BUILT_IN = {
    "8e3af657-a8ff-443c-a75c-2fe8c4bcb635": "Owner",
    "b24988ac-6180-42a0-ab88-20f7382dd24c": "Contributor",
    "acdd72a7-3385-48ef-bd42-f606fba81ae7": "Reader",
    "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9": "User Access Administrator",
    "ba92f5b4-2d11-453d-a403-e96b0029c9fe": "Storage Blob Data Contributor",
    "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1": "Storage Blob Data Reader",
    "b7e6dc6d-f1e8-4753-8033-0f276bb0955b": "Storage Blob Data Owner",
    "17d1049b-9a84-46fb-8f53-869881c3d3ab": "Storage Account Contributor",
    "4633458b-17de-408a-b874-0445c86b69e6": "Key Vault Secrets User",
    "db79e9a7-68ee-4b58-9aeb-b90e7c24fcba": "Key Vault Certificate User",
    "f1a07417-d97a-45cb-824c-7a7467783830": "Managed Identity Operator",
    "4d97b98b-1d4f-4787-a291-c67834d212e7": "Network Contributor",
    "9980e02c-c2be-4d73-94e8-173b1dc7cf3c": "Virtual Machine Contributor",
    "7f951dda-4ed3-4680-a7ca-43fe172d538d": "AcrPull",
    # Compute section of the same page (roleAssignments config of private environments names these).
    "29fe4964-1e60-436b-bd3a-77fd4c178b3c": "Azure Batch Account Contributor",
    "11076f67-66f6-4be0-8f6b-f0609fd05cc9": "Azure Batch Account Reader",
    "6aaa78f1-f7de-44ca-8722-c64a23943cae": "Azure Batch Data Contributor",
    "48e5e92e-a480-4e71-aa9c-2778f4c13781": "Azure Batch Job Submitter",
}


def role_exists(ctx: EmulatorContext, guid: str) -> bool:
    custom = {str(role).lower() for role in ctx.settings.get(CUSTOM_SETTING) or []}
    return guid.lower() in BUILT_IN or guid.lower() in custom
