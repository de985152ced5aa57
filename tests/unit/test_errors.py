"""Error values: Azure error codes are read the same way everywhere, and never rendered as the text "None"."""

from __future__ import annotations

from types import SimpleNamespace

from batch_infra.errors import AzureOperationError, azure_error_code


def test_azures_code_wins_over_the_http_status():
    err = SimpleNamespace(error=SimpleNamespace(code="PoolNotFound"), status_code=404)
    assert azure_error_code(err) == "PoolNotFound"


def test_the_http_status_stands_in_when_azure_gave_no_code():
    assert azure_error_code(SimpleNamespace(error=None, status_code=503)) == "503"


def test_no_response_at_all_has_no_code_and_renders_without_none():
    err = SimpleNamespace(error=None, status_code=None)
    assert azure_error_code(err) is None
    rendered = AzureOperationError("read Batch account a", azure_error_code(err), "no token").render()
    assert rendered == "read Batch account a: no token" and "None" not in rendered
