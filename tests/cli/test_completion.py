"""Shell completion (issue 15 item 18): the generated bash script, run by bash, completes stack names."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest

from batch_infra.cli.completion import COMPLETE_VAR
from batch_infra.cli.main import cli
from tests.fixtures.plans import PROJECT_DIR

BIN = Path(sys.executable).parent
STACKS = ["dev", "prod", "staging"]
EXAMPLES = ["gallery", "genomics", "gpu", "mpi", "vmext"]
# What each option that names a stack is called in its command's parameters.
STACK_PARAMS = ("stack", "stacks", "source", "target")


def _bash_complete(words: list[str], cwd: Path = PROJECT_DIR) -> list[str]:
    """COMPREPLY after Tab at the end of `words` (the last one is what is typed so far), through the
    script `batch-infra completion bash` prints, as bash runs it."""
    script = (
        'eval "$(batch-infra completion bash)"\n'
        f"COMP_WORDS=({' '.join(repr(w) for w in words)}); COMP_CWORD={len(words) - 1}\n"
        '_batch_infra_completion batch-infra; printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    env = {"PATH": f"{BIN}:/usr/bin:/bin", "HOME": str(cwd)}
    done = subprocess.run(
        ["bash", "--norc", "-c", script], cwd=cwd, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return [line for line in done.stdout.splitlines() if line]


def test_dash_s_completes_the_stack_names():
    assert _bash_complete(["batch-infra", "preflight", "-s", ""]) == STACKS


def test_a_prefix_narrows_them_and_promote_completes_both_ends():
    assert _bash_complete(["batch-infra", "promote", "--from", "st"]) == ["staging"]
    assert _bash_complete(["batch-infra", "promote", "--from", "staging", "--to", "p"]) == ["prod"]


def test_the_stacks_come_from_project_dir_or_the_nearest_project_upwards():
    assert _bash_complete(["batch-infra", "quota", "--project-dir", "examples", "-s", ""]) == EXAMPLES
    assert _bash_complete(["batch-infra", "images", "--stack", ""], cwd=PROJECT_DIR / "stacks") == STACKS


def test_commands_complete():
    assert _bash_complete(["batch-infra", "pre"]) == ["preflight"]


def _stack_options() -> list[tuple[str, click.Parameter]]:
    found = []
    ctx = click.Context(cli)
    for name in cli.list_commands(ctx):
        command = cli.get_command(ctx, name)
        subcommands = command.commands.items() if isinstance(command, click.Group) else [("", command)]
        for sub, leaf in subcommands:
            found += [(f"{name} {sub}".strip(), p) for p in leaf.params if p.name in STACK_PARAMS]
    return found


def test_every_option_that_names_a_stack_completes_stack_names(monkeypatch):
    monkeypatch.chdir(PROJECT_DIR)
    options = _stack_options()
    assert {command for command, _ in options} >= {"preflight", "quota", "images", "keys rotate", "promote"}
    for command, param in options:
        ctx = click.Context(click.Command(command))
        assert [item.value for item in param.shell_complete(ctx, "")] == STACKS, f"{command} {param.opts}"


def test_zsh_runs_its_script_to_the_stack_names():
    """zsh's completion builtins need its line editor, so they are stood in for by functions printing what
    they are given; the script itself (the call to batch-infra, the parsing of its answer) runs as is."""
    if shutil.which("zsh") is None:
        pytest.skip("zsh is not installed (bash runs its script in the tests above)")
    script = (
        "compdef() { : }\n_describe() { print -rl -- ${(P)3} }\ncompadd() { print -rl -- ${(P)${@[-1]}} }\n"
        'eval "$(batch-infra completion zsh)"\n'
        'words=(batch-infra preflight -s ""); CURRENT=4\n_batch_infra_completion\n'
    )
    env = {"PATH": f"{BIN}:/usr/bin:/bin", "HOME": str(PROJECT_DIR)}
    done = subprocess.run(
        ["zsh", "-f", "-c", script], cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [f"{name}:stacks/Pulumi.{name}.yaml" for name in STACKS]


def test_fish_gets_its_script_and_its_answers():
    done = subprocess.run(
        [str(BIN / "batch-infra"), "completion", "fish"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0 and f"{COMPLETE_VAR}=fish_complete" in done.stdout, done.stderr
    # What the fish script asks (COMP_CWORD is the word being completed there, not its index).
    env = {
        "PATH": f"{BIN}:/usr/bin:/bin",
        "COMP_WORDS": "batch-infra promote --from st",
        "COMP_CWORD": "st",
        COMPLETE_VAR: "fish_complete",
    }
    answer = subprocess.run(
        [str(BIN / "batch-infra")], cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=60
    )
    assert answer.stdout.splitlines() == ["plain,staging\tstacks/Pulumi.staging.yaml"], answer.stderr
