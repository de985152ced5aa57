"""Dynamic providers (pool, application package, quota) and the shared Azure client factory."""
