"""The upload's knob: BATCH_INFRA_UPLOAD_CONCURRENCY, validated with a fix."""

from __future__ import annotations

import pytest

from batch_infra.errors import BatchInfraError
from batch_infra.providers import app_package_upload as uploading


def test_concurrency_defaults_and_honours_the_environment(monkeypatch):
    monkeypatch.delenv(uploading.CONCURRENCY_ENV, raising=False)
    assert uploading.concurrency() == uploading.UPLOAD_CONCURRENCY
    monkeypatch.setenv(uploading.CONCURRENCY_ENV, " 3 ")
    assert uploading.concurrency() == 3


@pytest.mark.parametrize("raw", ["0", "65", "-1", "four", "2.5"])
def test_a_bad_concurrency_names_the_variable_and_the_fix(monkeypatch, raw):
    monkeypatch.setenv(uploading.CONCURRENCY_ENV, raw)
    with pytest.raises(BatchInfraError) as bad:
        uploading.concurrency()
    assert uploading.CONCURRENCY_ENV in str(bad.value) and "1 to 64" in bad.value.render()
