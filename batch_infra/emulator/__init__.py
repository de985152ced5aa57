"""A local emulator of the Azure REST APIs batch-infra uses, as strict as Azure, for tests and offline CI."""
