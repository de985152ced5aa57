"""`batch-infra schema`: print, write or check the stack file's JSON Schema (editors validate with it)."""

from __future__ import annotations

from pathlib import Path

import click

from batch_infra.cli.options import project_option


@click.command()
@click.option(
    "--write", is_flag=True, help="Write it to schema/stack-config.schema.json in the project (-C)."
)
@click.option("--check", is_flag=True, help="Exit 1 if that file differs from a fresh generation (for CI).")
@project_option
def schema(write: bool, check: bool, project_dir: Path) -> None:
    """The JSON Schema of stacks/Pulumi.<env>.yaml, generated from the configuration models.

    Without options it is printed. Point your editor at the written file (README, "Editor support"):
    it then completes and checks keys as you type; preflight still runs every rule the schema cannot
    express (cross-key checks, package paths, formulas).
    """
    from batch_infra.config.schema import SCHEMA_PATH, render, stack_file_schema
    from batch_infra.errors import BatchInfraError, ConfigError

    text = render(stack_file_schema())
    path = project_dir / SCHEMA_PATH
    if check:
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            raise ConfigError(
                [
                    f"{path}: differs from the schema the models generate; fix: batch-infra schema "
                    "--write (and commit it)"
                ]
            )
        click.echo(f"{path} is up to date")
        return
    if not write:
        click.echo(text, nl=False)
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as err:
        raise BatchInfraError(
            f"cannot write {path}: {err.strerror}",
            fix="run it in a writable project (-C DIR), or print it (no --write) and redirect",
        ) from err
    click.echo(f"wrote {path}")
