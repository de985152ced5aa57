"""Replay one manifest row: prerequisites, the example's request, and the comparison of the answer."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

from tests.emulator import spec_schema
from tests.emulator.replay.client import EmulatorHttp, Reply
from tests.emulator.replay.compare import differences, to_subscription
from tests.emulator.replay.manifest import Row
from tests.emulator.replay.steps import Run, StepError, run_step


@dataclass
class Result:
    row: Row
    problems: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # example properties the row's schema does not define

    @property
    def passed(self) -> bool:
        return not self.problems


def replay(http: EmulatorHttp, row: Row) -> Result:
    example = row.load_example()
    run = Run(http, example, row)
    try:
        for step in row.prerequisites:
            run_step(run, step)
        url = run.fill(row.path) + _query(example, row)
        body = run.body(_request_body(example, row))
        first = http.send(row.method, url, row.api_version, body)
    except StepError as err:
        return Result(row, [str(err)])
    result = Result(row)
    result.problems = _judge(http, row, example, first, url, result.skipped)
    return result


def _query(example: dict[str, Any], row: Row) -> str:
    """The example's query parameters the row names ($filter, $select, maxresults...), before api-version."""
    params = example.get("parameters", {})
    pairs = {name: str(params[name]) for name in row.query if name in params}
    return "?" + urlencode(pairs, quote_via=quote) if pairs else ""


def _request_body(example: dict[str, Any], row: Row) -> Any:
    params = example.get("parameters", {})
    if row.body_parameter is not None:
        return params[row.body_parameter]
    objects = [value for value in params.values() if isinstance(value, (dict, list))]
    return objects[0] if len(objects) == 1 else None


def _judge(
    http: EmulatorHttp, row: Row, example: dict[str, Any], first: Reply, url: str, skipped: list[str]
) -> list[str]:
    responses = example["responses"]
    if str(first.status) not in responses:
        return [f"status {first.status}, the example answers {', '.join(responses)}: {first.describe()}"]
    final, status = first, str(first.status)
    lro = first.status in (201, 202) and not responses[status].get("body")
    if lro and "body" in responses.get("200", {}):
        final, status = http.finish(first, row.method, url, row.api_version), "200"
        if final.status != 200:
            return [f"the operation finished with {final.describe()}, the example with 200"]
    expected = responses[status].get("body")
    if expected is None:
        return []
    expected = to_subscription(expected, http.subscription)
    if row.schema and status.startswith("2"):
        expected = _without_undefined(expected, row.schema["spec"], _definition(row, status), skipped)
    problems = differences(expected, final.body, frozenset(row.instance_specific), frozenset(row.superset))
    if row.schema and isinstance(final.body, dict) and status.startswith("2"):
        problems += _schema_problems(row, status, final.body, expected)
    return problems


def _schema_problems(row: Row, status: str, actual: Any, expected: Any) -> list[str]:
    """The answer's departures from the spec, less those Microsoft's own example shares (a secret the spec
    marks required, such as userAccounts[].password, is never returned by Azure either)."""
    assert row.schema is not None
    definition = _definition(row, status)
    own = set(spec_schema.validation_errors(expected, row.schema["spec"], definition))
    found = spec_schema.validation_errors(actual, row.schema["spec"], definition)
    return [f"schema: {problem}" for problem in found if problem not in own]


def _without_undefined(expected: Any, spec: str, definition: str, skipped: list[str]) -> Any:
    """The example's body less the properties the api-version's schema does not define (an example kept
    from an older api-version, e.g. currentNodeCommunicationMode): the emulator serves the schema, so those
    are listed as skipped, not demanded."""
    ref = f"{spec_schema._uri(spec)}#/definitions/{definition}"
    for line in spec_schema._unknown_properties(expected, ref, ""):
        path = line.split(": ", 1)[0]
        _remove(expected, [part for part in path.split("/") if part])
        skipped.append(path)
    return expected


def _remove(body: Any, parts: list[str]) -> None:
    for part in parts[:-1]:
        body = body[int(part)] if isinstance(body, list) else body[part]
    if isinstance(body, dict):
        body.pop(parts[-1], None)


def _definition(row: Row, status: str) -> str:
    assert row.schema is not None
    return row.schema.get(f"definition{status}", row.schema.get("response", row.schema["definition"]))
