"""`batch-infra emulator start|deploy`: run the local Azure emulator (and Azurite); put a stack into it."""

from __future__ import annotations

import json
import os
import signal
import threading
from pathlib import Path

import click

from batch_infra.cli.completion import complete_stacks
from batch_infra.cli.options import project_option, stack_option
from batch_infra.cli.output import Output, output_options
from batch_infra.cli.suggest import SuggestingGroup


@click.group(cls=SuggestingGroup)
def emulator() -> None:
    """The local Azure emulator used by the tests and for offline CI."""


@emulator.command()
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=0,
    show_default=True,
    help="HTTPS port on 127.0.0.1; 0 picks a free one.",
)
@click.option(
    "--state",
    "state_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="SQLite file keeping state across restarts (default: in memory).",
)
@click.option(
    "--ready-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the endpoints, CA bundle and token as JSON once ready.",
)
@click.option("--seed", type=int, default=None, help="Seed for probabilistic fault rules.")
@click.option(
    "--stack",
    "-s",
    "stacks",
    multiple=True,
    shell_complete=complete_stacks,
    help="Once ready, deploy this stack into it as `batch-infra emulator deploy --create-identities` does "
    "(repeatable; needs --ready-file).",
)
@project_option
def start(
    port: int,
    state_file: Path | None,
    ready_file: Path | None,
    seed: int | None,
    stacks: tuple[str, ...],
    project_dir: Path,
) -> None:
    """Serve until Ctrl-C (SIGINT), SIGTERM or SIGHUP.

    Once ready, that signal is the normal end of a foreground server: it stops Azurite, removes its work
    directory and exits 0. Before it is ready the start was interrupted: exit 130 (SIGINT), 143 (SIGTERM)
    or 129 (SIGHUP). An unusable --state file exits 1; a port that cannot be bound or an Azurite that does
    not start exits 3 (batch_infra.errors.ExitCode), each with the option, the path and the fix.
    """
    from batch_infra.cli.main import stopped_by
    from batch_infra.emulator.launch import Emulator, Options, StartAbandoned

    stop = threading.Event()
    received: list[int] = []

    def on_signal(signum: int, _frame: object) -> None:
        received.append(signum)
        stop.set()

    if stacks and ready_file is None:
        raise click.UsageError(
            "--stack needs --ready-file (the deployed stack's commands find the emulator by it)"
        )
    for option, path in (("--state", state_file), ("--ready-file", ready_file)):
        if path is not None:
            writable_folder(option, path)
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, on_signal)
    running = Emulator(Options(port=port, state=state_file, ready_file=ready_file, seed=seed))
    try:
        try:
            info = running.start(stop)
        except StartAbandoned:
            code, word = stopped_by(received[0])
            click.echo(f"{word} before the emulator was ready; nothing is served", err=True)
            raise click.exceptions.Exit(code) from None
        click.echo(json.dumps(info))
        click.echo(
            f"emulator ready at {info['arm_endpoint']} (services: {', '.join(info['services'])}); "
            "Ctrl-C stops it",
            err=True,
        )
        for stack in stacks:
            deploy_stack(stack, project_dir, ready_file, create_identities=True, stop=stop)  # type: ignore[arg-type]
        while not stop.wait(0.5):
            pass
    finally:
        running.stop()


def writable_folder(option: str, path: Path) -> None:
    """Create the file's folder (a fresh clone has no .emulator/); say which option and why when we cannot."""
    from batch_infra.errors import BatchInfraError

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise BatchInfraError(
            f"{option} {path}: cannot create its folder {path.parent} ({err.strerror or err})",
            fix="pass a path under a folder you can write to",
        ) from err
    if not os.access(path.parent, os.W_OK):
        raise BatchInfraError(
            f"{option} {path}: its folder {path.parent} is not writable",
            fix="pass a path under a folder you can write to",
        )


@emulator.command()
@stack_option()
@click.option(
    "--ready-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The running emulator's ready file (default: BATCH_INFRA_EMULATOR).",
)
@click.option(
    "--create-identities",
    is_flag=True,
    help="First create the user-assigned identities the stack names (e.g. prod's); in Azure they exist "
    "before the stack.",
)
@output_options
@project_option
def deploy(
    stack: str, ready_file: Path | None, create_identities: bool, out: Output, project_dir: Path
) -> None:
    """Put the stack into a running emulator as `pulumi up` would, to try keys rotate, quota and images.

    Creates the resource group, storage, network, Batch account, applications, packages and pools the
    stack declares (the quota check grades the account first); re-running is safe. Prints the variables
    to export so that the other commands use this emulator. Exit codes: 0 deployed, 1 the stack is wrong,
    2 no emulator named, 3 the emulator failed.
    """
    from batch_infra.providers.azure_clients import EMULATOR_ENV

    named = ready_file or (Path(os.environ[EMULATOR_ENV]) if os.environ.get(EMULATOR_ENV) else None)
    if named is None:
        raise click.UsageError(
            "no emulator to deploy into; start one, e.g. `batch-infra emulator start --state "
            ".emulator/state.db --ready-file .emulator/ready.json &`, then pass --ready-file "
            ".emulator/ready.json or export BATCH_INFRA_EMULATOR=$PWD/.emulator/ready.json "
            "(or start it with --stack to deploy in one step)"
        )
    deploy_stack(stack, project_dir, named, out=out, create_identities=create_identities)


def deploy_stack(
    stack: str,
    project_dir: Path,
    ready_file: Path,
    *,
    out: Output | None = None,
    create_identities: bool = False,
    stop: threading.Event | None = None,
) -> None:
    """Plan `stack`, deploy it into the emulator of `ready_file`, print the result and what to export.

    `stop` set (a signal to `emulator start --stack`) ends the deployment at the next resource, as Ctrl-C
    ends a command: a re-run of `emulator deploy` finishes it."""
    from rich.console import Console

    from batch_infra.ops.emulator_deploy import NOT_DEPLOYED_WHY
    from batch_infra.ops.emulator_deploy import deploy as run
    from batch_infra.ops.plan import plan_stack
    from batch_infra.providers.azure_clients import EMULATOR_ENV, POLLING_ENV, Target

    ready = str(ready_file.resolve())
    exports = {EMULATOR_ENV: ready, POLLING_ENV: os.environ.get(POLLING_ENV) or "0"}
    os.environ.update(exports)  # the dynamic providers find the emulator (and poll it at once) this way
    target = Target.from_environment()
    with Console(stderr=True).status(f"planning stack {stack}") as status:

        def step(what: str) -> None:
            if stop is not None and stop.is_set():
                raise KeyboardInterrupt
            status.update(f"{stack}: creating {what}")

        plan = plan_stack(stack, project_dir)
        result = run(target, plan, on_step=step, create_identities=create_identities)
    if out is not None and not out.human:
        document = {
            "stack": stack,
            "emulator": target.arm_endpoint,
            "created": [{"type": t, "name": n} for t, n in result.created],
            "notDeployed": [
                {"type": t, "name": n, "reason": NOT_DEPLOYED_WHY} for t, n in result.not_deployed
            ],
            "environment": exports,
        }
        out.emit(document)
        return
    click.echo(
        f"stack {stack} deployed into the emulator at {target.arm_endpoint}: {len(result.created)} resources"
    )
    for type_token, name in result.created:
        click.echo(f"  + {name} ({type_token})")
    if result.not_deployed:
        click.echo(f"not deployed ({NOT_DEPLOYED_WHY}):")
        for type_token, name in result.not_deployed:
            click.echo(f"  - {name} ({type_token})")
    click.echo("to use it from your shell:")
    for name, value in exports.items():
        click.echo(f"  export {name}={value}")
    for command in ("preflight", "quota", "images"):
        click.echo(f"  batch-infra {command} --stack {stack}")
    click.echo(f"  batch-infra keys rotate --stack {stack} --grace 5 --storage-propagation 5")
