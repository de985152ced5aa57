"""The test engine's azure-native provider: azure-native's behaviour over the emulator's ARM REST API."""

from tests.engine.azure_native.provider import AzureNativeProvider

__all__ = ["AzureNativeProvider"]
