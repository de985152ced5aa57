"""The Pulumi program's entry point: with no `main:` in Pulumi.yaml the engine runs it from the root."""

from batch_infra.program import main

main()
