"""Wall time of a full Pulumi cycle of each shipped stack through the test engine against the local emulator.

preview, up, preview --expect-no-changes, refresh, destroy per stack, on a copy of the project as a user has
it (prod: its user-assigned identities made first, quota raised when the QuotaCheck asks). Prints the seconds
of each command, the steps counted, and the provider calls the engine made (one emulator for the run).

    .venv/bin/python benchmarks/engine_cycle_bench.py [--stacks dev staging prod]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests.* helpers

from tests.deployments.conftest import (  # noqa: E402
    PROD_GROUP_PRINCIPAL,
    Arm,
    copy_project,
    engine_stack,
    lift_prod_policies,
)
from tests.fixtures.emulator import EmulatorProcess  # noqa: E402

LOCK_API = "2020-05-01"
FAMILIES = [
    {"name": "standardFSv2Family", "coreQuota": 400},
    {"name": "standardDSv5Family", "coreQuota": 400},
]


def cycle(name: str, workdir: Path, emulator: EmulatorProcess) -> list[str]:
    emulator.reset()
    project = copy_project(workdir / name)
    if name == "prod":
        Arm(emulator).create_identities(project / "stacks" / "Pulumi.prod.yaml")
        emulator.settings(directory_principals=[PROD_GROUP_PRINCIPAL])
    stack = engine_stack(project, name, emulator)
    rows, started = [], time.monotonic()
    for label, run in [
        ("preview", stack.preview),
        ("up", stack.up),
        ("preview --expect-no-changes", lambda: stack.preview(expect_no_changes=True)),
        ("refresh", stack.refresh),
        ("destroy", lambda: _lift_protection(project, name, stack, emulator) or stack.destroy()),
    ]:
        result = run()
        if label == "up" and not result.ok and "quota" in result.error:
            account = next(
                s.outputs["name"] for s in stack.state() if s.type == "azure-native:batch:BatchAccount"
            )
            emulator.set_quotas(account, dedicatedCoreQuotaPerVMFamily=FAMILIES, dedicatedCoreQuota=1000)
            rows.append(f"  {name:8} up (quota refused)         {result.seconds:6.1f} s")
            result = run()
        status = "ok" if result.ok else f"FAILED: {result.error.splitlines()[0]}"
        rows.append(
            f"  {name:8} {label:28} {result.seconds:6.1f} s  {result.summary()}  "
            f"{len(result.requests)} provider calls  {status}"
        )
    rows.append(f"  {name:8} {'full cycle':28} {time.monotonic() - started:6.1f} s")
    return rows


def _lift_protection(project: Path, name: str, stack, emulator: EmulatorProcess) -> None:  # noqa: ANN001
    """prod ships protect/retainOnDelete and Azure locks: lifted as the README says before a destroy."""
    if name != "prod":
        return
    lift_prod_policies(project)
    lifted = stack.up()
    if not lifted.ok:
        raise SystemExit(f"lifting prod's protection failed:\n{lifted.render()}")
    arm = Arm(emulator)
    group = f"/subscriptions/{emulator.info['subscription_id']}/resourceGroups/rg-contoso-prod-batch"
    _, locks = arm.call("GET", f"{group}/providers/Microsoft.Authorization/locks", LOCK_API)
    for lock in locks["value"]:
        arm.call("DELETE", lock["id"], LOCK_API)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stacks", nargs="+", default=["dev", "staging", "prod"])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        emulator = EmulatorProcess(Path(tmp) / "emulator", seed=1234).start()
        try:
            for name in args.stacks:
                print("\n".join(cycle(name, Path(tmp), emulator)), flush=True)
        finally:
            emulator.stop()


if __name__ == "__main__":
    main()
