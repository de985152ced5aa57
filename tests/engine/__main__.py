"""`python -m tests.engine <command> --stack S`: the test engine's commands, mirroring the Pulumi CLI's."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from tests.engine.operations import Stack
from tests.engine.project import ProjectError


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.engine", description=__doc__)
    parser.add_argument("command", choices=["preview", "up", "refresh", "destroy", "import"])
    parser.add_argument("args", nargs="*", help="import: TYPE NAME ID")
    parser.add_argument("--stack", "-s", required=True)
    parser.add_argument("--cwd", type=Path, default=Path.cwd(), help="the project root (Pulumi.yaml)")
    parser.add_argument("--state-dir", type=Path, help="checkpoints (default <cwd>/.pulumi-test-engine)")
    parser.add_argument("--emulator", type=Path, help="the emulator's ready file (serves azure-native)")
    parser.add_argument("--expect-no-changes", action="store_true", help="preview: fail on any change")
    parser.add_argument("--replace", action="append", default=[], metavar="URN", help="up/preview: replace")
    parser.add_argument("--json", action="store_true", help="print the result object as JSON")
    args = parser.parse_args(argv)
    if args.command == "import" and len(args.args) != 3:
        parser.error("import needs TYPE NAME ID")
    if args.command != "import" and args.args:
        parser.error(f"{args.command} takes no positional arguments")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(sys.argv[1:] if argv is None else argv)
    try:
        stack = Stack(
            args.cwd,
            args.stack,
            state_dir=args.state_dir or args.cwd / ".pulumi-test-engine",
            emulator=args.emulator,
        )
    except ProjectError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if args.command == "preview":
        result = stack.preview(expect_no_changes=args.expect_no_changes, replace=args.replace)
    elif args.command == "up":
        result = stack.up(replace=args.replace)
    elif args.command == "refresh":
        result = stack.refresh()
    elif args.command == "destroy":
        result = stack.destroy()
    else:
        result = stack.import_resource(*args.args)
    print(json.dumps(result.as_dict(), indent=2) if args.json else result.render())
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
