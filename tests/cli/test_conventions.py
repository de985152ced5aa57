"""The conventions users bring from az and pulumi (issue 15 items 10 and 15): -o/--query, -s/PULUMI_STACK,
-C/--cwd with upward search, one meaning of --azure, Spot wording, did-you-mean, CI-width tables."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import click
import pytest
import yaml

from batch_infra.cli import output
from batch_infra.cli.main import COMMANDS, cli, main
from batch_infra.cli.options import AZURE_HELP, STACK_ENV, find_project

REPO = Path(__file__).resolve().parents[2]
POOL_QUERY = "resources[?type=='pulumi-python:dynamic/pool:Pool'].{name: name, vmSize: properties.vmSize}"


def commands() -> dict[str, click.Command]:
    """Every leaf command by its words (`keys rotate`)."""
    found: dict[str, click.Command] = {}
    ctx = click.Context(cli)
    for name in COMMANDS:
        command = cli.get_command(ctx, name)
        if isinstance(command, click.Group):
            found.update({f"{name} {sub}": command.commands[sub] for sub in command.commands})
        else:
            found[name] = command
    return found


def option(command: click.Command, name: str) -> click.Option | None:
    return next((p for p in command.params if isinstance(p, click.Option) and p.name == name), None)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    for part in ("Pulumi.yaml", "stacks", "packages"):
        source = REPO / part
        (shutil.copytree if source.is_dir() else shutil.copy)(source, tmp_path / part)
    return tmp_path


# --- az: -o and --query -----------------------------------------------------------------------------------


def test_every_reading_command_takes_az_output_and_query() -> None:
    readers = (
        "preflight",
        "quota",
        "images",
        "promote",
        "keys rotate",
        "autoscale check",
        "autoscale simulate",
    )
    every = commands()
    for words in readers:
        output_option = option(every[words], "output")
        assert output_option is not None and "-o" in output_option.opts, words
        assert tuple(output_option.type.choices) == output.FORMATS, words
        assert option(every[words], "query") is not None and option(every[words], "as_json") is not None


def test_each_format_renders_as_az_does() -> None:
    document = {"pools": [{"id": "a", "ok": True, "nodes": 2, "tags": {"x": "1"}}, {"id": "b", "ok": False}]}
    assert json.loads(output.render(document, "json")) == document
    assert yaml.safe_load(output.render(document, "yaml")) == document
    assert output.render(document, "none") == ""
    rows = output.select(document, "pools[].{id: id, ok: ok}")
    assert output.render(rows, "tsv") == "a\tTrue\nb\tFalse\n"
    # An object's nested values: a list as its length, an object blank (az's tsv rule).
    assert output.render(document["pools"][0], "tsv") == "a\t2\tTrue\t\n"
    table = output.render(output.select(document, "pools"), "table").splitlines()
    assert table[0].split() == ["id", "ok", "nodes"] and set(table[1]) <= {"-", " "}
    assert table[2].split() == ["a", "True", "2"] and table[3].split() == ["b", "False"]


def test_jsonc_is_coloured_unless_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert "\x1b[" in output.render({"a": 1}, "jsonc")
    monkeypatch.setenv("NO_COLOR", "1")
    assert json.loads(output.render({"a": 1}, "jsonc")) == {"a": 1}


def test_query_on_a_plan_as_tsv_and_table(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = ["preflight", "-s", "dev", "--offline", "-C", str(project), "--query", POOL_QUERY]
    assert main([*base, "-o", "tsv"]) == 0
    assert capsys.readouterr().out == "batch-pool-dev-small\tStandard_D2s_v5\n"
    assert main([*base, "-o", "table"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["name", "vmSize"] and lines[2].split() == [
        "batch-pool-dev-small",
        "Standard_D2s_v5",
    ]
    assert main(base) == 0  # --query alone prints JSON, as az
    assert json.loads(capsys.readouterr().out) == [
        {"name": "batch-pool-dev-small", "vmSize": "Standard_D2s_v5"}
    ]


def test_a_bad_query_or_contradicting_formats_are_usage_errors(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["preflight", "-s", "dev", "--offline", "-C", str(project)]
    assert main([*base, "--query", "pools[?"]) == 2
    assert "--query" in capsys.readouterr().err
    assert main([*base, "--query", "sum(stack)"]) == 2  # parses, but cannot apply: no traceback
    assert "cannot be applied to the result" in capsys.readouterr().err
    assert main([*base, "--json", "-o", "yaml"]) == 2
    assert "--json is short for -o json" in capsys.readouterr().err


def test_a_refusal_is_a_document_in_the_format_asked(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["preflight", "-s", "nope", "--offline", "-C", str(project), "-o", "yaml"]) == 1
    document = yaml.safe_load(capsys.readouterr().out)
    assert document["ok"] is False and document["exitCode"] == 1 and "Pulumi.nope.yaml" in document["error"]


# --- pulumi: -s, PULUMI_STACK, -C/--cwd ---------------------------------------------------------------------


def test_every_stack_command_takes_s_and_pulumi_stack() -> None:
    with_stack = {words: c for words, c in commands().items() if option(c, "stack")}
    assert {"preflight", "quota", "images", "keys rotate"} <= set(with_stack)
    for words, command in with_stack.items():
        stack = option(command, "stack")
        assert stack is not None and {"-s", "--stack"} <= set(stack.opts) and stack.envvar == STACK_ENV, words


def test_pulumi_stack_selects_the_stack_and_s_wins(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(STACK_ENV, "contoso/batch-infra/staging")  # pulumi's fully qualified form
    assert main(["preflight", "--offline", "-C", str(project), "--query", "stack"]) == 0
    assert json.loads(capsys.readouterr().out) == "staging"
    assert main(["preflight", "--offline", "-s", "dev", "-C", str(project), "--query", "stack"]) == 0
    assert json.loads(capsys.readouterr().out) == "dev"


def test_the_project_is_found_upwards_as_pulumi_finds_it(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """newcomer audit, mistake 19: run from stacks/ (or deeper) and the project was not found."""
    deep = project / "stacks" / "notes"
    deep.mkdir()
    assert find_project(deep) == project.resolve()
    monkeypatch.chdir(deep)
    assert main(["preflight", "-s", "dev", "--offline", "--query", "stack"]) == 0
    assert json.loads(capsys.readouterr().out) == "dev"
    for spelling in ("-C", "--cwd", "--project-dir"):
        assert main(["preflight", "-s", "dev", "--offline", spelling, str(deep), "--query", "stack"]) == 0
        assert json.loads(capsys.readouterr().out) == "dev"


def test_a_cwd_that_is_not_a_folder_is_a_usage_error(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for where in (project / "Pulumi.yaml", project / "missing"):
        assert main(["preflight", "-s", "dev", "--offline", "-C", str(where)]) == 2
        assert "-C" in capsys.readouterr().err


# --- one meaning per flag ---------------------------------------------------------------------------------


def test_azure_means_the_same_on_every_command() -> None:
    with_azure = {words: option(c, "azure") for words, c in commands().items() if option(c, "azure")}
    assert {"preflight", "quota", "images", "keys rotate"} <= set(with_azure)
    assert {o.help for o in with_azure.values() if o is not None} == {AZURE_HELP}


def test_keys_rotate_names_its_target(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without --azure and without an emulator, keys rotate refuses: Azure's keys only with --azure."""
    monkeypatch.delenv("BATCH_INFRA_EMULATOR", raising=False)
    monkeypatch.setenv("AZURE_SUBSCRIPTION_ID", "11111111-1111-1111-1111-111111111111")
    assert (
        main(["keys", "rotate", "-s", "dev", "-C", str(project), "--sink", "file", "--sink-path", "k"]) == 2
    )
    assert "add --azure" in capsys.readouterr().err


def test_offline_refuses_target_options(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """newcomer D14: `preflight --offline --azure` silently ignored --azure."""
    for flag in ("--azure", "--expect-no-changes", "--diff"):
        assert main(["preflight", "-s", "dev", "--offline", flag, "-C", str(project)]) == 2
        assert f"so {flag} has nothing to act on" in capsys.readouterr().err


def test_spot_is_the_word_and_low_priority_still_works_with_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    formula = tmp_path / "f.txt"
    formula.write_text("$TargetDedicatedNodes = $CurrentLowPriorityNodes + 1;")
    base = ["autoscale", "eval", str(formula), "--at", "2024-01-01T00:00:00Z"]
    assert main([*base, "--spot", "2"]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("$TargetDedicatedNodes=3;") and "deprecated" not in captured.err
    assert main([*base, "--low-priority", "2"]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("$TargetDedicatedNodes=3;")
    assert "--low-priority is deprecated" in captured.err and "use --spot" in captured.err
    every = commands()
    assert not [
        w for w, c in every.items() for p in c.params if "low-priority" in " ".join(p.opts) and not p.hidden
    ]


# --- did you mean, width ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "hint"),
    [
        (["prefligth"], "'preflight'"),
        (["autoscale", "simulat"], "'simulate'"),
        (["keys", "rotat"], "'rotate'"),
        (["stack", "nwe"], "'new'"),
    ],
)
def test_a_mistyped_command_says_did_you_mean(argv, hint, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    assert f"Did you mean {hint}?" in capsys.readouterr().err


def test_tables_off_a_terminal_use_columns_or_160(monkeypatch: pytest.MonkeyPatch) -> None:
    """newcomer D15: CI logs wrapped every table at 80 columns."""
    monkeypatch.delenv("COLUMNS", raising=False)
    assert output.console().width == output.CI_WIDTH == 160
    monkeypatch.setenv("COLUMNS", "100")
    assert output.console().width == 100


@pytest.mark.parametrize("columns", ["80", "200"])
def test_the_offline_plan_fits_80_and_200_columns(
    columns: str, project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COLUMNS", columns)
    assert main(["preflight", "-s", "prod", "--offline", "-C", str(project)]) == 0
    out = capsys.readouterr().out
    assert max(len(line) for line in out.splitlines()) <= int(columns)
    assert "batch-pool-render" in out


# --- did you mean in messages (newcomer D25) --------------------------------------------------------------


def test_a_mistyped_application_reference_names_the_closest(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stack = project / "stacks" / "Pulumi.dev.yaml"
    stack.write_text(stack.read_text().replace("application: renderer", "application: renderr"))
    assert main(["preflight", "-s", "dev", "--offline", "-C", str(project)]) == 1
    err = capsys.readouterr().err
    assert "'renderr' is not a declared application (renderer); fix: did you mean 'renderer'?" in err


def test_a_mistyped_metric_column_names_the_closest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    formula, metrics = tmp_path / "f.txt", tmp_path / "m.csv"
    formula.write_text("$TargetDedicatedNodes = 1;")
    metrics.write_text("timestamp,PendingTask\n2024-01-01T00:00:00Z,3\n")
    argv = ["autoscale", "eval", str(formula), "--at", "2024-01-01T00:00:00Z", "--metrics", str(metrics)]
    assert main(argv) == 1
    assert "fix: did you mean 'PendingTasks'" in capsys.readouterr().err


def test_a_dollar_brace_placeholder_is_called_a_template(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    formula = tmp_path / "f.txt"
    formula.write_text("$TargetDedicatedNodes = ${targetVariable};")
    assert main(["autoscale", "check", str(formula)]) == 1
    assert "'${...}' is an unrendered template placeholder?" in capsys.readouterr().err


def test_a_missing_promotion_stack_is_missing_not_invalid(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """newcomer D16: `promote --to qa` said the target was "invalid" and to "pass an existing --stack"."""
    assert main(["promote", "--from", "stagin", "--to", "prod", "-C", str(project)]) == 1
    err = capsys.readouterr().err
    assert "--from stagin: there is no stack file" in err and "did you mean 'staging'?" in err
    assert "invalid" not in err and "--stack" not in err


def test_nothing_to_promote_says_when_nothing_matched() -> None:
    """newcomer D16: "already has the source's promotable keys" when no pool matched at all."""
    from types import SimpleNamespace

    from batch_infra.cli.promote import _nothing

    unmatched = SimpleNamespace(target="qa", notes=["pools[render]: only in staging"])
    assert "no promotable key differs in what both stacks declare" in _nothing(unmatched)
    assert "already has" in _nothing(SimpleNamespace(target="prod", notes=[]))


def test_eval_as_json_is_azures_autoscale_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    formula = tmp_path / "f.txt"
    formula.write_text("$TargetDedicatedNodes = max($PendingTasks.GetSample(1));")
    assert main(["autoscale", "eval", str(formula), "--at", "2024-01-01T00:00:00Z", "-o", "json"]) == 1
    run = json.loads(capsys.readouterr().out)
    assert run["timestamp"] == "2024-01-01T00:00:00Z" and run["results"] == ""
    assert run["error"]["code"] == "FormulaEvaluationError" and run["error"]["values"][0]["name"] == "Message"
