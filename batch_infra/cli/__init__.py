"""The `batch-infra` command line: thin commands that parse arguments, call `batch_infra.ops`, render."""
