"""Error values shared by every layer: what failed, where, and how to fix it, plus the CLI exit code."""

from __future__ import annotations

from enum import IntEnum
from typing import Any


class ExitCode(IntEnum):
    """Exit codes of the `batch-infra` command line (ARCHITECTURE.md, Conventions)."""

    OK = 0
    INVALID = 1  # the input or the plan is wrong
    USAGE = 2
    AZURE = 3  # Azure or the emulator failed


class BatchInfraError(Exception):
    """Base of the errors this project raises on purpose; `exit_code` tells the CLI how to exit."""

    exit_code: ExitCode = ExitCode.INVALID

    def __init__(self, message: str, *, fix: str | None = None) -> None:
        self.message = message
        self.fix = fix
        super().__init__(self.render())

    def render(self) -> str:
        return f"{self.message}\n  fix: {self.fix}" if self.fix else self.message


class UsageError(BatchInfraError):
    """The command was called wrongly (exit code 2), e.g. a stack name that is a path."""

    exit_code = ExitCode.USAGE


class ConfigError(BatchInfraError):
    """A stack's configuration is invalid; `problems` lists every one, each naming file and key."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        count = len(self.problems)
        head = f"{count} configuration problem{'s' if count != 1 else ''}:"
        super().__init__("\n".join([head, *(f"  {p}" for p in self.problems)]))


class AzureOperationError(BatchInfraError):
    """Azure (or the emulator) refused or failed an operation; carries Azure's own code and message."""

    exit_code = ExitCode.AZURE
    # Set by providers.azure_failures: HTTP status (None: no answer), the cause class ("throttled",
    # "server", "connection", "authentication", "access", "refused") and the retry policy's record.
    status: int | None = None
    cause: str | None = None
    retry: Any = None

    def __init__(self, operation: str, code: str | None, message: str, *, fix: str | None = None) -> None:
        self.operation = operation
        self.code = code
        self.azure_message = message
        text = f"{operation}: {code}: {message}" if code else f"{operation}: {message}"
        super().__init__(text, fix=fix)


def azure_error_code(err: Any) -> str | None:
    """Azure's error code from an azure-core HttpResponseError, else its HTTP status; None (never the text
    "None") when no response carried either, e.g. a credential that could not get a token at all."""
    code = getattr(getattr(err, "error", None), "code", None)
    status = getattr(err, "status_code", None)
    return code or (str(status) if status is not None else None)
