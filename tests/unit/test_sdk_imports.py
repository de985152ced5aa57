"""The provider server's threads import the Azure SDK through one lock (sdk_imports), never racing."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from batch_infra.providers import sdk_imports

PACKAGE = Path(sdk_imports.__file__).resolve().parents[1]
LAZY_IMPORT = re.compile(r"^\s+(?:from|import) (azure[\w.]*)", re.MULTILINE)


def test_every_lazy_azure_import_in_batch_infra_is_preloaded():
    lazily = {m for f in PACKAGE.rglob("*.py") for m in LAZY_IMPORT.findall(f.read_text())}
    assert lazily, "the scan found no lazy azure imports: the pattern is wrong"
    assert sorted(lazily - set(sdk_imports.MODULES)) == []


def test_eight_threads_of_a_fresh_server_process_load_the_sdk_without_a_deadlock():
    script = (
        "import threading\n"
        "from batch_infra.providers import pool, quota, app_package, sdk_imports\n"
        "errors = []\n"
        "def run():\n"
        "    try:\n"
        "        sdk_imports.ensure_loaded()\n"
        "        from batch_infra.providers import quota_lifecycle, pool_lifecycle  # noqa: F401\n"
        "    except Exception as err:\n"
        "        errors.append(repr(err))\n"
        "threads = [threading.Thread(target=run) for _ in range(8)]\n"
        "[t.start() for t in threads]; [t.join() for t in threads]\n"
        "print(errors)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
