"""Suggestions for mistyped words: a click group whose unknown-command error says "did you mean"."""

from __future__ import annotations

import click

from batch_infra.suggestions import did_you_mean


class SuggestingGroup(click.Group):
    """A group whose unknown-command error names the closest commands and lists them all."""

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        name = args[0] if args else ""
        if name and not name.startswith("-") and not ctx.resilient_parsing:
            if self.get_command(ctx, name) is None:
                known = self.list_commands(ctx)
                hint = did_you_mean(name, known).replace(" did", " Did", 1)  # click's own capital
                ctx.fail(f"No such command {name!r}.{hint} Commands: {', '.join(known)}.")
        return super().resolve_command(ctx, args)
