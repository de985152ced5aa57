"""Shell completion: `batch-infra completion SHELL` prints the script; stack options complete stack names."""

from __future__ import annotations

from pathlib import Path

import click
from click.shell_completion import CompletionItem

SHELLS = ("bash", "zsh", "fish")
COMPLETE_VAR = "_BATCH_INFRA_COMPLETE"  # click's name for prog `batch-infra`: _<PROG>_COMPLETE


def complete_stacks(ctx: click.Context, _param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """The stacks of the project on the command line (--project-dir, else the nearest Pulumi.yaml upwards
    from the current folder), i.e. the <name> of each stacks/Pulumi.<name>.yaml."""
    project = _project(ctx)
    names = sorted(
        path.name.removeprefix("Pulumi.").removesuffix(".yaml")
        for path in (project / "stacks").glob("Pulumi.*.yaml")
    )
    return [
        CompletionItem(name, help=f"stacks/Pulumi.{name}.yaml")
        for name in names
        if name.startswith(incomplete)
    ]


def _project(ctx: click.Context) -> Path:
    from batch_infra.cli.options import find_project  # options imports this module

    given = ctx.params.get("project_dir")
    return find_project(Path(given) if given else Path("."))


@click.command()
@click.argument("shell", type=click.Choice(SHELLS))
def completion(shell: str) -> None:
    """Print the completion script for SHELL: commands, options and stack names complete on Tab.

    \b
    bash:  eval "$(batch-infra completion bash)"    (in ~/.bashrc)
    zsh:   eval "$(batch-infra completion zsh)"     (in ~/.zshrc)
    fish:  batch-infra completion fish > ~/.config/fish/completions/batch-infra.fish
    """
    from click.shell_completion import get_completion_class

    from batch_infra.cli.main import cli

    script = get_completion_class(shell)(cli, {}, "batch-infra", COMPLETE_VAR)
    click.echo(script.source())
