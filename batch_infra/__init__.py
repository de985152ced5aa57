"""batch-infra: complete Azure Batch environments as code (Pulumi components, dynamic providers, CLI)."""

__version__ = "0.1.0"
