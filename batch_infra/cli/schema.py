"""`batch-infra schema`: print, write or check the stack file's JSON Schema (editors validate with it)."""

from __future__ import annotations

from pathlib import Path

import click


@click.command()
@click.option(
    "--write", is_flag=True, help="Write it to schema/stack-config.schema.json under --project-dir."
)
@click.option("--check", is_flag=True, help="Exit 1 if that file differs from a fresh generation (for CI).")
@click.option(
    "--project-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="Directory holding Pulumi.yaml and stacks/.",
)
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
            fix="pass a writable --project-dir, or print it (no --write) and redirect",
        ) from err
    click.echo(f"wrote {path}")
