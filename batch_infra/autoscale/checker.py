"""Type and name checker: walks the AST in statement order and reports errors and warnings with positions."""

from __future__ import annotations

from batch_infra.autoscale import typing_rules as rules
from batch_infra.autoscale.call_typing import CallTyping
from batch_infra.autoscale.diagnostics import Reporter
from batch_infra.autoscale.language import (
    DEALLOCATION_OPTIONS,
    RESERVED_BARE_NAMES,
    SERVICE_VARIABLES,
    TIME_INTERVALS,
    TIMESTAMP_MEMBERS,
    Type,
)
from batch_infra.autoscale.nodes import (
    Assign,
    Binary,
    Call,
    Expr,
    Formula,
    Member,
    Method,
    Name,
    Num,
    Str,
    Ternary,
    Unary,
    start_of,
)

D, V, TS, TI = Type.DOUBLE, Type.VEC, Type.TIMESTAMP, Type.INTERVAL


class TypeChecker(CallTyping):
    """Types every statement in order; calls and metric methods are typed by CallTyping."""

    def __init__(self, reporter: Reporter) -> None:
        self.rep = reporter
        self.env: dict[str, Type] = {}
        self.first_assignment: dict[str, int] = {}
        self.branch_types: dict[int, Type] = {}  # id(ternary branch) -> its type, for target checks

    def run(self, formula: Formula) -> None:
        for statement in reversed(formula.statements):
            if isinstance(statement, Assign):
                self.first_assignment[statement.target] = statement.pos.line
        for statement in formula.statements:
            if isinstance(statement, Assign):
                self.assign(statement)
            else:
                self.rep.warn(
                    statement.pos,
                    "expression-statement",
                    "a statement without assignment is undocumented (only stop() makes sense)",
                )
                self.expr(statement.expr)

    # -- statements ----------------------------------------------------------------------------------
    def assign(self, statement: Assign) -> None:
        target, value = statement.target, statement.value
        service = SERVICE_VARIABLES.get(target)
        if service is not None and service.type is Type.DEALLOC and service.writable:
            self.deallocation(statement)
        else:
            value_type = self.expr(value)
            if service is not None:
                self.service_target(statement, value_type)
            else:
                self.user_target(statement, value_type)

    def service_target(self, statement: Assign, value_type: Type) -> None:
        service = SERVICE_VARIABLES[statement.target]
        if not service.writable:
            self.rep.error(
                statement.pos,
                "read-only",
                f"{statement.target} is a read-only service variable and cannot be assigned; "
                "assign $TargetDedicatedNodes or $TargetLowPriorityNodes, or use a user variable",
            )
            return
        offending = self.non_double_branch(statement.value) if value_type in (D, Type.UNKNOWN) else None
        at, value_type = offending or (statement.value, value_type)
        if value_type not in (D, Type.UNKNOWN):
            fix = " wrap it in avg()/max()/min()" if value_type is V else ""
            self.rep.error(
                start_of(at),
                "type",
                f"{statement.target} needs a double (a node count) but "
                f"{'a ternary branch ' if offending else ''}gets a {value_type.value};{fix}",
            )

    def non_double_branch(self, value: Expr) -> tuple[Expr, Type] | None:
        """A ternary branch (at any depth) that is not a double: the target would take its value."""
        if not isinstance(value, Ternary):
            return None
        for branch in (value.then, value.other):
            found = self.non_double_branch(branch)
            branch_type = self.branch_types.get(id(branch), Type.UNKNOWN)
            if found is None and branch_type not in (D, Type.UNKNOWN):
                found = (branch, branch_type)
            if found is not None:
                return found
        return None

    def user_target(self, statement: Assign, value_type: Type) -> None:
        target = statement.target
        if target in RESERVED_BARE_NAMES:
            what = "constant" if target in TIME_INTERVALS else "reserved name"
            self.rep.error(
                statement.pos,
                "reserved",
                f"{target} is a {what} and cannot be assigned; choose another variable name",
            )
            return
        if value_type is Type.NONE:
            self.rep.error(
                start_of(statement.value), "type", "stop() returns no value and cannot be assigned"
            )
        elif value_type is Type.DEALLOC:
            self.rep.error(
                start_of(statement.value),
                "type",
                "a deallocation option can only be assigned to $NodeDeallocationOption",
            )
        self.env[target] = value_type

    def deallocation(self, statement: Assign) -> None:
        value = statement.value
        if isinstance(value, Str):
            self.rep.error(
                value.pos,
                "value",
                f"the deallocation option is a bare word, not a string: write "
                f"{value.value.lower() or 'requeue'} without quotes",
            )
            return
        if (
            isinstance(value, Name)
            and not value.name.startswith("$")
            and value.name not in self.env
            and value.name.lower() not in DEALLOCATION_OPTIONS
        ):
            self.rep.error(
                value.pos,
                "value",
                f"{value.name!r} is not a deallocation option; use one of " + ", ".join(DEALLOCATION_OPTIONS),
            )
            return
        value_type = self.expr(value)
        if value_type not in (Type.DEALLOC, Type.UNKNOWN):
            self.rep.error(
                start_of(value),
                "type",
                f"{statement.target} takes one of "
                f"{', '.join(DEALLOCATION_OPTIONS)}, not a {value_type.value}",
            )

    # -- expressions ---------------------------------------------------------------------------------
    def expr(self, node: Expr) -> Type:
        match node:
            case Num():
                return D
            case Str():
                return Type.STRING
            case Name():
                return self.name(node)
            case Call():
                return self.call(node)
            case Method():
                return self.method(node)
            case Member():
                return self.member(node)
            case Unary():
                return self.unary(node)
            case Binary():
                return self.binary(node)
            case Ternary():
                return self.ternary(node)
        raise TypeError(f"not an expression node: {node!r}")

    def name(self, node: Name) -> Type:
        name = node.name
        service = SERVICE_VARIABLES.get(name)
        if service is not None:
            if service.type is Type.METRIC:
                self.rep.error(
                    node.pos,
                    "type",
                    f"{name} is a sampled metric, not a number: call "
                    f"{name}.GetSample(...) and aggregate it with avg()/max()/min()",
                )
                return Type.UNKNOWN
            return service.type
        if name in self.env:
            return self.env[name]
        if name in TIME_INTERVALS:
            return TI
        if name.lower() in DEALLOCATION_OPTIONS:
            if name not in DEALLOCATION_OPTIONS:
                self.rep.warn(
                    node.pos,
                    "deallocation-spelling",
                    f"deallocation option {name!r} is not in the "
                    f"documented lower-case spelling; write {name.lower()}",
                )
            return Type.DEALLOC
        self.rep.error(node.pos, "undefined", self.undefined_message(name))
        return Type.UNKNOWN

    def undefined_message(self, name: str) -> str:
        from batch_infra.autoscale.lints import closest

        later = self.first_assignment.get(name)
        if later is not None:
            return (
                f"{name} is read before it is assigned (assigned later, on line {later}); statements run "
                "top to bottom"
            )
        if "TimeInterval" in name or "Interval_" in name:
            guess = closest(name, TIME_INTERVALS, limit=4)
            return f"unknown constant {name}" + (f"; did you mean {guess}?" if guess else "")
        guess = closest(name, SERVICE_VARIABLES)
        hint = f"; did you mean {guess}?" if guess else ""
        if name.startswith("$"):
            return f"{name} is not a service variable and is never assigned before this use{hint}"
        return f"{name} is read before it is assigned anywhere{hint}"

    def member(self, node: Member) -> Type:
        obj_type = self.expr(node.obj)
        if obj_type is Type.UNKNOWN:
            return obj_type
        if obj_type is not TS:
            self.rep.error(
                node.pos, "type", f"member .{node.member} works only on timestamps, not on a {obj_type.value}"
            )
            return Type.UNKNOWN
        if node.member not in TIMESTAMP_MEMBERS:
            self.rep.error(
                node.pos,
                "unknown-member",
                f"a timestamp has no member '{node.member}'; members are " + ", ".join(TIMESTAMP_MEMBERS),
            )
            return Type.UNKNOWN
        return D

    def unary(self, node: Unary) -> Type:
        operand = self.expr(node.operand)
        allowed = (D, TI) if node.op == "-" else (D,)
        if operand in (*allowed, Type.UNKNOWN):
            return operand
        self.rep.error(node.pos, "type", f"unary '{node.op}' is not defined for a {operand.value}")
        return Type.UNKNOWN

    def binary(self, node: Binary) -> Type:
        left, right = self.expr(node.left), self.expr(node.right)
        if Type.UNKNOWN in (left, right):
            return Type.UNKNOWN
        op = node.op
        if op in rules.LOGICAL:
            if left is D and right is D:
                return D
            return self.operator_error(node, left, right, f"'{op}' takes doubles (non-zero is true)")
        if op in rules.COMPARISONS:
            return self.comparison(node, left, right)
        key = (left, op, right)
        if key in rules.ARITHMETIC:
            return rules.ARITHMETIC[key]
        if key in rules.ARITHMETIC_GAPS:
            result, message = rules.ARITHMETIC_GAPS[key]
            self.rep.warn(node.pos, "undocumented-operator", message.format(op=op))
            return result
        return self.operator_error(node, left, right, rules.arithmetic_hint(left, right))

    def comparison(self, node: Binary, left: Type, right: Type) -> Type:
        if left is right and left in rules.COMPARABLE:
            return D
        if left is right is Type.DEALLOC and node.op in ("==", "!="):
            self.rep.warn(
                node.pos, "deallocation-read", "reading or comparing the deallocation option is undocumented"
            )
            return D
        hint = (
            "reduce the vector first with max(), avg() or min()"
            if V in (left, right)
            else "both sides must be of the same comparable type (double, string, timestamp or timeinterval)"
        )
        return self.operator_error(node, left, right, hint)

    def operator_error(self, node: Binary, left: Type, right: Type, hint: str) -> Type:
        self.rep.error(
            node.pos, "type", f"'{node.op}' is not defined for {left.value} and {right.value}: {hint}"
        )
        return Type.UNKNOWN

    def ternary(self, node: Ternary) -> Type:
        cond = self.expr(node.cond)
        if cond not in (D, Type.UNKNOWN):
            self.rep.error(
                start_of(node.cond),
                "type",
                f"a ternary condition must be a double (non-zero is true), not a {cond.value}",
            )
        then, other = self.expr(node.then), self.expr(node.other)
        self.branch_types[id(node.then)], self.branch_types[id(node.other)] = then, other
        if Type.UNKNOWN in (then, other):
            return then if other is Type.UNKNOWN else other
        if then is not other:
            self.rep.warn(
                node.pos,
                "ternary-branch-types",
                f"ternary branches have different types ({then.value} "
                f"and {other.value}); this is undocumented",
            )
            return Type.UNKNOWN  # either type may flow on; checking further would only guess
        return then
