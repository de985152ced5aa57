"""What a command returns: steps, counts, diagnostics, outputs and provider requests, printed like Pulumi."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tests.engine.steps import Step
from tests.engine.values import UNKNOWN, Secret

SYMBOLS = {
    "create": "+",
    "update": "~",
    "replace": "+-",
    "delete": "-",
    "same": " ",
    "read": ">",
    "discard": "<",
    "import": "=",
    "delete-replaced": "--",
}
PREVIEW_WORDS = ["to create", "to update", "to replace", "to delete", "unchanged"]
DONE_WORDS = ["created", "updated", "replaced", "deleted", "unchanged"]
_COUNTED = ["create", "update", "replace", "delete", "same"]


@dataclass
class Result:
    command: str
    stack: str
    preview: bool
    ok: bool = True
    steps: list[Step] = field(default_factory=list)
    diagnostics: list[dict[str, str]] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)
    requests: list[dict[str, Any]] = field(default_factory=list)
    error: str = ""
    seconds: float = 0.0

    @property
    def counts(self) -> dict[str, int]:
        counts = {op: 0 for op in [*_COUNTED, "read", "discard", "import"]}
        for step in self.steps:
            counts[step.op] = counts.get(step.op, 0) + 1
        return counts

    def ops(self) -> dict[str, str]:
        """URN -> op, the form a test compares with another tool's plan."""
        return {step.urn: step.op for step in self.steps if step.op != "delete-replaced"}

    def errors(self) -> list[dict[str, str]]:
        return [d for d in self.diagnostics if d["severity"] == "error"]

    def summary(self) -> str:
        words = PREVIEW_WORDS if self.preview else DONE_WORDS
        counts = self.counts
        return ", ".join(f"{counts[op]} {word}" for op, word in zip(_COUNTED, words, strict=True))

    def step(self, urn_suffix: str) -> Step:
        matches = [s for s in self.steps if s.urn.endswith("::" + urn_suffix) and s.op != "delete-replaced"]
        if len(matches) != 1:
            raise KeyError(
                f"{len(matches)} steps for a resource named {urn_suffix!r}: {[s.urn for s in matches]}"
            )
        return matches[0]

    def render(self) -> str:
        verb = "Previewing" if self.preview else "Running"
        lines = [f"{verb} {self.command} (stack {self.stack}):"]
        for step in self.steps:
            detail = ""
            if step.replaces:
                detail = f" [replace: {', '.join(step.replaces)}]" + (
                    " [delete-before-replace]" if step.delete_before_replace else ""
                )
            if step.diffs:
                detail += f" [diff: {', '.join(step.diffs)}]"
            lines.append(f" {SYMBOLS.get(step.op, '?'):>2} {step.type} {step.name} {step.op}{detail}")
        for diag in self.diagnostics:
            if diag["severity"] in ("error", "warning"):
                where = f" ({diag['urn']})" if diag["urn"] else ""
                lines.append(f"  {diag['severity']}{where}: {diag['message'].rstrip()}")
        if self.outputs:
            lines.append("Outputs:")
            lines += [f"    {k}: {_show(v)}" for k, v in self.outputs.items()]
        lines.append("Resources: " + self.summary())
        if not self.ok:
            lines.append(f"error: {self.error}")
        lines.append(f"Duration: {self.seconds:.1f}s")
        return "\n".join(lines)

    def as_dict(self) -> dict[str, Any]:
        return {
            "command": self.command,
            "stack": self.stack,
            "ok": self.ok,
            "error": self.error,
            "steps": [vars(s) for s in self.steps],
            "counts": self.counts,
            "diagnostics": self.diagnostics,
            "outputs": {k: _show(v) for k, v in self.outputs.items()},
            "requests": self.requests,
        }


def _show(value: Any) -> Any:
    if isinstance(value, Secret):
        return "[secret]"
    if value is UNKNOWN:
        return "output<string>"
    if isinstance(value, dict):
        return {k: _show(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_show(v) for v in value]
    return value
