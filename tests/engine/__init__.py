"""A test engine that behaves like Pulumi's: the real language host script, the real dynamic-provider plugin,
the engine's step generation, and azure-native resources served from the local emulator's ARM API.

See ../../../shared/reference/pulumi-engine/README.md for what each part imitates, with Pulumi's sources.
"""
