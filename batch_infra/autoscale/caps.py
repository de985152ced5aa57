"""cap_formula(): appends statements clamping the targets to the pool's declared maximums."""

from __future__ import annotations

from batch_infra.autoscale.language import TARGET_DEDICATED, TARGET_LOW_PRIORITY
from batch_infra.autoscale.lexer import Kind, tokenize
from batch_infra.autoscale.nodes import Assign
from batch_infra.autoscale.validation import analyse


def cap_formula(formula: str, max_dedicated: int | None, max_spot: int | None) -> str:
    """`formula` plus `$Target... = min($Target..., max);` for each declared maximum (None: no cap)."""
    caps = []
    assigned = _assigned_targets(formula)
    for target, alias, limit in (
        (TARGET_DEDICATED, "$TargetDedicated", max_dedicated),
        (TARGET_LOW_PRIORITY, "$TargetLowPriority", max_spot),
    ):
        if limit is None:
            continue
        if limit < 0:
            raise ValueError(f"the maximum for {target} must be 0 or more, got {limit}")
        # A formula that only sets the legacy alias keeps it as the effective target: cap that name.
        name = alias if alias in assigned and target not in assigned else target
        caps.append(f"{name} = min({name}, {limit});")
    if not caps:
        return formula
    tokens = tokenize(formula)
    significant = [t for t in tokens if t.kind is not Kind.EOF]
    # The last statement may lack its ';' and the text may end inside a // comment: start on a new line.
    separator = ";" if significant and significant[-1].text != ";" else ""
    return f"{formula}\n{separator}\n" + "\n".join(caps)


def assigns_spot_target(formula: str) -> bool:
    """True when the formula sets the Spot target, by its name or the legacy alias ($TargetLowPriority)."""
    return bool(_assigned_targets(formula) & {TARGET_LOW_PRIORITY, "$TargetLowPriority"})


def _assigned_targets(formula: str) -> set[str]:
    # The stack's validation has just analysed this text: its parse is reused, not redone per pool.
    tree = analyse(formula).tree
    if tree is None:
        return set()  # check() reports the syntax error; cap the current names
    return {s.target for s in tree.statements if isinstance(s, Assign)}
