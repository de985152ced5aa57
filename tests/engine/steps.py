"""Step generation and execution per registration, as pkg/resource/deploy/step_generator.go decides."""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field
from typing import Any

from tests.engine.ignore_changes import process_ignore_changes
from tests.engine.resource_provider import DiffResult, ProviderError, ResourceProvider
from tests.engine.state import ResourceState, make_urn, qualified_type
from tests.engine.values import contains_unknowns, strip_secrets
from tests.engine.wire import annotate_secrets, mark_secret_outputs


class StepError(Exception):
    """A step failed; the message is the diagnostic Pulumi would print for the resource."""

    def __init__(self, urn: str, message: str) -> None:
        super().__init__(message)
        self.urn = urn


@dataclass
class Step:
    op: str  # create | update | replace | same | delete | read | discard | refresh | import
    urn: str
    type: str
    name: str
    diffs: list[str] = field(default_factory=list)
    replaces: list[str] = field(default_factory=list)
    delete_before_replace: bool = False


@dataclass
class Goal:
    """What the program asked for (RegisterResourceRequest, decoded)."""

    type: str
    name: str
    custom: bool
    parent: str
    inputs: dict[str, Any]
    dependencies: list[str]
    property_dependencies: dict[str, list[str]]
    protect: bool | None = None
    retain_on_delete: bool | None = None
    delete_before_replace: bool | None = None  # None: the option was not set
    ignore_changes: list[str] = field(default_factory=list)
    additional_secret_outputs: list[str] = field(default_factory=list)
    replace_on_changes: list[str] = field(default_factory=list)
    alias_urns: list[str] = field(default_factory=list)
    alias_specs: list[dict[str, Any]] = field(default_factory=list)
    version: str = ""
    deleted_with: str = ""
    import_id: str = ""


def package_of(type_token: str) -> str:
    return type_token.split(":", 1)[0]


class Deployment:
    """One preview/up: the old snapshot, the new one being built, and the steps taken (thread-safe)."""

    def __init__(
        self,
        *,
        project: str,
        stack: str,
        olds: list[ResourceState],
        providers: dict[str, ResourceProvider],
        preview: bool,
        target_replace: set[str] | None = None,
    ) -> None:
        self.project = project
        self.stack = stack
        self.olds = {s.urn: s for s in olds if not s.pending_delete}
        self.providers = providers
        self.preview = preview
        self.target_replace = set(target_replace or ())
        self.news: dict[str, ResourceState] = {}
        self.steps: list[Step] = []
        self.aliases: dict[str, str] = {}  # new URN -> the old URN it took over
        self.aliased: dict[str, str] = {}  # old URN -> new URN
        # create-before-delete: deleted after the program (with those a failed earlier run left pending)
        self.replaced_olds: list[ResourceState] = [s for s in olds if s.pending_delete]
        self.done_replaced: set[int] = set()  # id() of replaced olds whose delete ran
        self.deleted_olds: set[str] = set()  # delete-before-replace already deleted these
        self._lock = threading.RLock()

    # -- URNs and aliases ----------------------------------------------------------------------------
    def urn_for(self, goal: Goal) -> str:
        return make_urn(self.stack, self.project, goal.type, goal.name, goal.parent or None)

    def _collapse_alias(self, goal: Goal, spec: dict[str, Any]) -> str:
        """step_generator.go collapseAliasToUrn: unset fields take the resource's own values."""
        if spec.get("urn"):
            return spec["urn"]
        parent = spec.get("parentUrn") or ""
        parent = self.aliases.get(parent, parent) if parent else goal.parent
        if spec.get("noParent"):
            parent = ""
        return make_urn(
            spec.get("stack") or self.stack,
            spec.get("project") or self.project,
            spec.get("type") or goal.type,
            spec.get("name") or goal.name,
            parent or None,
        )

    def _aliases_of(self, goal: Goal) -> list[str]:
        """generateAliases: the resource's aliases, then those inherited from a parent that was aliased."""
        result: list[str] = []
        for alias in [*goal.alias_urns, *(self._collapse_alias(goal, s) for s in goal.alias_specs)]:
            if alias not in result:
                result.append(alias)
        parent_alias = self.aliases.get(goal.parent) if goal.parent else None
        if parent_alias:
            parent_name = goal.parent.rsplit("::", 1)[-1]
            for child_type, child_name in [(goal.type, goal.name)] + [
                (a.split("::")[2].rsplit("$", 1)[-1], a.rsplit("::", 1)[-1]) for a in list(result)
            ]:
                name = child_name
                if child_name.startswith(parent_name):
                    name = parent_alias.rsplit("::", 1)[-1] + child_name[len(parent_name) :]
                prefix = f"urn:pulumi:{self.stack}::{self.project}::{qualified_type(parent_alias)}"
                inherited = f"{prefix}${child_type}::{name}"
                if inherited not in result:
                    result.append(inherited)
        return result

    def _old_for(self, urn: str, goal: Goal) -> ResourceState | None:
        if urn in self.news:
            raise StepError(urn, f"Duplicate resource URN '{urn}'; try giving it a unique name")
        for candidate in [urn, *self._aliases_of(goal)]:
            old = self.olds.get(candidate)
            if old is None:
                continue
            if candidate != urn:
                if candidate in self.aliased:
                    raise StepError(
                        urn,
                        f"Two resources ({urn} and {self.aliased[candidate]}) aliased to the "
                        f"same: {candidate}",
                    )
                self.aliased[candidate] = urn
                self.aliases[urn] = candidate
            return old
        return None

    # -- providers -----------------------------------------------------------------------------------
    def provider_for(self, urn: str, type_token: str, version: str) -> tuple[ResourceProvider, str]:
        """The default provider of the type's package, recorded in the snapshot as Pulumi does."""
        package = package_of(type_token)
        provider = self.providers.get(package)
        if provider is None:
            raise StepError(
                urn,
                f"the test engine has no provider for package {package!r} (type {type_token}); "
                f"it serves {sorted(self.providers)}",
            )
        name = "default_" + version.replace(".", "_").replace("-", "_") if version else "default"
        provider_urn = make_urn(self.stack, self.project, f"pulumi:providers:{package}", name, None)
        with self._lock:
            state = self.news.get(provider_urn)
            if state is None:
                old = self.olds.get(provider_urn)
                state = ResourceState(
                    urn=provider_urn,
                    type=f"pulumi:providers:{package}",
                    custom=True,
                    id=old.id if old else str(uuid.uuid4()),
                    inputs={"version": version} if version else {},
                    outputs={"version": version} if version else {},
                )
                self.news[provider_urn] = state
        return provider, f"{provider_urn}::{state.id}"

    # -- registrations -------------------------------------------------------------------------------
    def register(self, goal: Goal) -> ResourceState:
        urn = self.urn_for(goal)
        with self._lock:
            old = self._old_for(urn, goal)
        if goal.import_id:
            raise StepError(
                urn,
                "the `import_` resource option is not supported by the test engine "
                "(use `python -m tests.engine import TYPE NAME ID`)",
            )
        new = ResourceState(
            urn=urn,
            type=goal.type,
            custom=goal.custom,
            parent=goal.parent,
            inputs=goal.inputs,
            dependencies=goal.dependencies,
            property_dependencies=goal.property_dependencies,
            protect=bool(goal.protect),
            retain_on_delete=bool(goal.retain_on_delete),
            delete_before_replace=bool(goal.delete_before_replace),
            additional_secret_outputs=goal.additional_secret_outputs,
            ignore_changes=goal.ignore_changes,
            deleted_with=goal.deleted_with,
        )
        step = self._custom(goal, new, old) if goal.custom else self._component(goal, new, old)
        with self._lock:
            self.news[urn] = new
            self.steps.append(step)
        return new

    def _component(self, goal: Goal, new: ResourceState, old: ResourceState | None) -> Step:
        step = Step("create" if old is None else "same", new.urn, goal.type, goal.name)
        if old is not None:
            new.outputs = old.outputs
            if strip_secrets(old.inputs) != strip_secrets(new.inputs):
                step.op, step.diffs = "update", _changed_keys(old.inputs, new.inputs)
        return step

    def _check(self, prov: ResourceProvider, new: ResourceState, olds: dict | None, news: dict) -> dict:
        checked, failures = prov.check(
            new.urn, new.type, strip_secrets(olds) if olds is not None else None, strip_secrets(news)
        )
        if failures:
            lines = "\n".join(
                f"  {f.property}: {f.reason}" if f.property else f"  {f.reason}" for f in failures
            )
            raise StepError(new.urn, f"{new.type} {new.name} has check errors:\n{lines}")
        return annotate_secrets(checked, news)

    def _custom(self, goal: Goal, new: ResourceState, old: ResourceState | None) -> Step:
        prov, new.provider = self.provider_for(new.urn, goal.type, goal.version)
        targeted = old is not None and new.urn in self.target_replace
        try:
            if old is None or targeted:
                new.inputs = self._check(prov, new, None, goal.inputs)
            else:
                ignored = process_ignore_changes(goal.inputs, old.inputs, goal.ignore_changes)
                new.inputs = self._check(prov, new, old.inputs, ignored)
            if old is None:
                return self._create(prov, goal, new, Step("create", new.urn, goal.type, goal.name))
            diff = self._diff(prov, goal, new, old, targeted)
            return self._apply_diff(prov, goal, new, old, diff, targeted)
        except ProviderError as err:
            raise StepError(new.urn, str(err)) from None

    def _diff(
        self, prov: ResourceProvider, goal: Goal, new: ResourceState, old: ResourceState, targeted: bool
    ) -> DiffResult:
        if targeted:
            # step_generator.go ~2891: a targeted replace never asks the provider.
            return DiffResult(changes=True, replaces=["id"])
        news = process_ignore_changes(new.inputs, old.inputs, goal.ignore_changes)
        diff = prov.diff(
            new.urn,
            new.type,
            old.id,
            strip_secrets(old.outputs),
            strip_secrets(old.inputs),
            strip_secrets(news),
        )
        if diff.changes is None:  # DiffUnknown: the engine compares the inputs itself
            changed = _changed_keys(old.inputs, news)
            diff = DiffResult(
                changes=bool(changed),
                replaces=diff.replaces,
                delete_before_replace=diff.delete_before_replace,
                diffs=changed,
            )
        for key in goal.replace_on_changes:
            if key in (diff.diffs or _changed_keys(old.inputs, news)) and key not in diff.replaces:
                diff.replaces.append(key)
        return diff

    def _apply_diff(
        self,
        prov: ResourceProvider,
        goal: Goal,
        new: ResourceState,
        old: ResourceState,
        diff: DiffResult,
        targeted: bool,
    ) -> Step:
        new.id = old.id
        changed = diff.diffs or (_changed_keys(old.inputs, new.inputs) if diff.changes else [])
        if not diff.changes:
            new.outputs = old.outputs
            return Step("same", new.urn, goal.type, goal.name)
        if not diff.replaces:
            step = Step("update", new.urn, goal.type, goal.name, diffs=changed)
            outputs = prov.update(
                new.urn,
                new.type,
                old.id,
                strip_secrets(old.outputs),
                strip_secrets(old.inputs),
                strip_secrets(new.inputs),
                self.preview,
            )
            new.outputs = self._secret_outputs(outputs, new)
            return step
        if old.protect and new.protect:
            raise StepError(
                new.urn,
                f'unable to replace resource "{new.urn}"\nas it is currently marked for '
                "protection. To unprotect the resource, remove the `protect` flag from the "
                "resource in your Pulumi program and run `pulumi up`",
            )
        if not targeted:
            # step_generator.go ~2007: the replacement is checked again without olds.
            new.inputs = self._check(prov, new, None, goal.inputs)
        dbr = (
            goal.delete_before_replace
            if goal.delete_before_replace is not None
            else diff.delete_before_replace
        )
        step = Step(
            "replace",
            new.urn,
            goal.type,
            goal.name,
            diffs=changed,
            replaces=list(diff.replaces),
            delete_before_replace=dbr,
        )
        new.id = ""
        if dbr:
            if not self.preview and not old.retain_on_delete:
                prov.delete(old.urn, old.type, old.id, strip_secrets(old.outputs))
            with self._lock:
                self.deleted_olds.add(old.urn)
        else:
            with self._lock:
                self.replaced_olds.append(old)
        return self._create(prov, goal, new, step)

    def _create(self, prov: ResourceProvider, goal: Goal, new: ResourceState, step: Step) -> Step:
        if not self.preview and contains_unknowns(new.inputs):
            raise StepError(new.urn, "inputs still unknown outside a preview (engine bug)")
        resource_id, outputs = prov.create(new.urn, new.type, strip_secrets(new.inputs), self.preview)
        if not self.preview and not resource_id:
            raise StepError(new.urn, f"provider returned an empty id for {new.type} {new.name}")
        new.id = resource_id or ""
        new.outputs = self._secret_outputs(outputs, new)
        return step

    def _secret_outputs(self, outputs: dict[str, Any], new: ResourceState) -> dict[str, Any]:
        return mark_secret_outputs(annotate_secrets(outputs, new.inputs), new.additional_secret_outputs)

    def read(self, goal: Goal, resource_id: str) -> ResourceState:
        """A ReadStep (`X.get(...)`): Read with the declared props as inputs and state, in previews too."""
        urn = self.urn_for(goal)
        prov, provider_ref = self.provider_for(urn, goal.type, goal.version)
        try:
            result = prov.read(
                urn, goal.type, resource_id, strip_secrets(goal.inputs), strip_secrets(goal.inputs)
            )
        except ProviderError as err:
            raise StepError(urn, str(err)) from None
        if result is None:
            raise StepError(urn, f"resource '{resource_id}' does not exist")
        new = ResourceState(
            urn=urn,
            type=goal.type,
            custom=True,
            id=result.id,
            parent=goal.parent,
            provider=provider_ref,
            inputs=goal.inputs,
            external=True,
            dependencies=goal.dependencies,
            outputs=mark_secret_outputs(
                annotate_secrets(result.outputs, goal.inputs), goal.additional_secret_outputs
            ),
            additional_secret_outputs=goal.additional_secret_outputs,
        )
        with self._lock:
            if urn in self.news:
                raise StepError(urn, f"Duplicate resource URN '{urn}'; try giving it a unique name")
            self.news[urn] = new
            self.steps.append(Step("read", urn, goal.type, goal.name))
        return new

    def register_outputs(self, urn: str, outputs: dict[str, Any]) -> None:
        with self._lock:
            state = self.news.get(urn)
            if state is None:
                raise StepError(urn, f"RegisterResourceOutputs for {urn}, which was never registered")
            state.outputs = outputs

    # -- after the program ---------------------------------------------------------------------------
    def vanished(self) -> list[ResourceState]:
        """Old resources the program no longer declares (by URN or alias), plus create-before-delete olds."""
        gone = [
            old
            for urn, old in self.olds.items()
            if urn not in self.news and urn not in self.aliased and urn not in self.deleted_olds
        ]
        return gone + [old for old in self.replaced_olds if old.urn not in {g.urn for g in gone}]


def _changed_keys(olds: dict[str, Any], news: dict[str, Any]) -> list[str]:
    olds, news = strip_secrets(olds), strip_secrets(news)
    return sorted(k for k in set(olds) | set(news) if k != "__provider" and olds.get(k) != news.get(k))
