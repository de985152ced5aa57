"""`batch-infra stack new NAME --from SOURCE`: a new environment's stack file in one command."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from batch_infra.cli.completion import complete_stacks
from batch_infra.cli.options import project_option
from batch_infra.cli.suggest import SuggestingGroup


@click.group(cls=SuggestingGroup)
def stack() -> None:
    """Manage stack files (stacks/Pulumi.<env>.yaml)."""


@stack.command("new")
@click.argument("name")
@click.option(
    "--from",
    "source",
    required=True,
    metavar="STACK",
    shell_complete=complete_stacks,
    help="The stack to copy, e.g. dev.",
)
@click.option(
    "--prefix",
    help="Naming prefix of the new stack's global names (default: the source's; asked on a terminal).",
)
@click.option(
    "--subscription",
    metavar="ID",
    help="Subscription that the copied ARM ids (identities, images, "
    "subnets) name (default: ARM_SUBSCRIPTION_ID or AZURE_SUBSCRIPTION_ID; asked on a terminal).",
)
@click.option(
    "--address-space",
    metavar="CIDR",
    help="The VNet range (default: the first free range of the "
    "source's size that overlaps no other stack's).",
)
@click.option(
    "--resource-group",
    metavar="NAME",
    help="Resource group name (required when the source uses an existing one).",
)
@click.option("--dry-run", is_flag=True, help="Print the new file and what changed; write nothing.")
@project_option
def new(
    name: str,
    source: str,
    prefix: str | None,
    subscription: str | None,
    address_space: str | None,
    resource_group: str | None,
    dry_run: bool,
    project_dir: Path,
) -> None:
    """Create stacks/Pulumi.NAME.yaml from the SOURCE stack, validated, never overwriting a file.

    Copied as is: pools, applications, account settings, policies, tags. Made the new environment's own:
    the address space (no overlap with any other stack), the global names (storage and Batch account names
    derive from the prefix and NAME; explicit ones are dropped), the subscription in ARM ids (--subscription).
    Left out: secrets (encrypted with the source stack's key), listed with the command that sets each.
    """
    import os

    from batch_infra.ops.stack_new import Request, new_stack, write

    request = Request(
        name,
        source,
        project_dir,
        prefix=prefix,
        address_space=address_space,
        resource_group=resource_group,
        # pulumi-azure-native's variable first, then azure-identity's (providers/sign_in.py reads both).
        subscription=subscription
        or os.environ.get("ARM_SUBSCRIPTION_ID")
        or os.environ.get("AZURE_SUBSCRIPTION_ID"),
    )
    ask = _ask if sys.stdin.isatty() and sys.stdout.isatty() else None
    result = new_stack(request, ask=ask)
    if dry_run:  # the file on stdout (redirectable), the report on stderr
        click.echo(result.text, nl=False)
        click.echo(
            f"would create {result.path} from {result.source_path} (validated; nothing written)", err=True
        )
    else:
        write(result)
        click.echo(f"created {result.path} from {result.source_path} (validated)")
    for line in (
        [f"  {change}" for change in result.changes]
        + ["next:"]
        + [
            f"  - {item}"
            for item in [*result.todo, f"pulumi stack init {name}", f"batch-infra preflight -s {name}"]
        ]
    ):
        click.echo(line, err=dry_run)


def _ask(question: str, default: str | None) -> str:
    return click.prompt(question, default=default or "", show_default=bool(default)).strip()
