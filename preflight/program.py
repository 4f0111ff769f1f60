"""What a program registered, as the offline engine records it (preflight/engine.py serves the monitor).

The recording monitor sees each `RegisterResource` request the program makes (type, name, parent,
inputs on the wire, dependencies, property dependencies, protect, provider, source position) and
answers from the emulated Azure with engine-shaped URNs, so what the policy packs receive is what the
engine would send.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from google.protobuf import json_format
from pulumi.runtime.mocks import MockMonitor

from .emulator import AzureEmulator
from .model import RESOURCE_REF_SIG, UNKNOWN, RecordedResource
from .model import SECRET_SIG_KEY as SIG_KEY
from .project import ConfigurationError
from .user_code import ARGUMENT_SOURCES, argument_sources, program_frames, source_file

STACK_TYPE = "pulumi:pulumi:Stack"


class ProgramError(RuntimeError):
    """The program raised, logged an error, or asked the emulator for something it cannot answer."""


class ProgramConfigurationError(ProgramError, ConfigurationError):
    """The program refused its configuration: it raised an exception whose class (or a base) is named
    `SettingsError`, as components.settings does (the exec host recognises it by name: preflight never imports
    the library). Reported as a configuration error, with the message only (no traceback)."""


@dataclass
class Recording:
    """Everything a program run registered, in registration order, plus its stack outputs and logs."""

    project: str
    stack: str
    mode: str
    root_urn: str
    resources: list[RecordedResource] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)
    logs: list[tuple[str, str]] = field(default_factory=list)
    generic: list[str] = field(default_factory=list)
    """URNs of resources served generically (a provider the emulator does not model: outputs are inputs)."""
    empty_answers: list[str] = field(default_factory=list)
    """Functions the emulator could not answer and answered with an empty result."""
    config_reads: list[str] | None = None
    """Configuration keys the program asked for while it ran (Python programs); None when not known."""

    def by_type(self, token: str) -> list[RecordedResource]:
        """Resources of one type token, in registration order."""
        return [r for r in self.resources if r.type == token]

    def one(self, token: str, name: str | None = None) -> RecordedResource:
        """The single resource of a type (and logical name); AssertionError otherwise."""
        found = [r for r in self.by_type(token) if name is None or r.name == name]
        if len(found) != 1:
            raise AssertionError(f"expected one {token} {name or ''}, found {[r.name for r in found]}")
        return found[0]


class RecordingMonitor(MockMonitor):
    """A mock resource monitor that records each registration and returns engine-shaped URNs."""

    mocks: AzureEmulator

    def __init__(self, mocks: AzureEmulator, project: str, stack: str) -> None:
        super().__init__(mocks)
        self.project = project
        self.stack = stack
        self.recorded: list[RecordedResource] = []
        self.root_urn = ""
        self.on_record: Callable[[RecordedResource], None] | None = None
        """Called with each resource once its recording is final (the offline engine analyses it then)."""

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        """`urn:pulumi:<stack>::<project>::<parent types$>type::name`, without the root stack type."""
        qualified = type_
        if parent and parent != self.root_urn:
            parent_type = parent.split("::")[2]
            qualified = f"{parent_type}${type_}"
        return f"urn:pulumi:{self.stack}::{self.project}::{qualified}::{name}"

    def RegisterResource(self, request: Any) -> Any:
        """Record the request as the engine receives it, then let the mocks answer."""
        if request.type == STACK_TYPE:
            response = super().RegisterResource(request)
            self.root_urn = response.urn
            return response
        urn = self.make_urn(request.parent, request.type, request.name)
        inputs = json_format.MessageToDict(request.object) if request.HasField("object") else {}
        cleaned = _without_resource_refs(inputs)
        if cleaned != inputs:
            # Providers that do not accept resource references (azure-native) get IDs from the engine.
            inputs = cleaned
            request.object.Clear()
            request.object.update(inputs)
        source = None
        if request.HasField("sourcePosition") and request.sourcePosition.uri:
            source = (source_file(request.sourcePosition.uri), int(request.sourcePosition.line))
        self.recorded.append(
            RecordedResource(
                urn=urn,
                type=request.type,
                name=request.name,
                custom=bool(request.custom),
                inputs=sorted_keys(inputs),
                parent=request.parent if request.parent and request.parent != self.root_urn else None,
                # Sorted: the SDK collects these in sets (order varies run to run); the engine treats them as sets.
                dependencies=sorted({d for d in request.dependencies if d != self.root_urn}),
                property_dependencies={
                    k: sorted(set(v.urns))
                    for k, v in sorted(request.propertyDependencies.items())
                    if len(v.urns) > 0
                },
                protect=bool(request.protect),
                provider=request.provider or None,
                source=source,
                frames=program_frames(request),
            )
        )
        response = super().RegisterResource(request)
        recorded = self.recorded[-1]
        recorded.id = response.id or None
        # The provider's Check fills in the auto-name before the engine hands inputs to the analyzers.
        auto = self.mocks.auto_names.get((request.type, request.name))
        if auto is not None and auto[0] not in recorded.inputs:
            recorded.inputs = sorted_keys({**recorded.inputs, auto[0]: auto[1]})
        if self.on_record is not None:
            self.on_record(recorded)
        return response

    def RegisterResourceOutputs(self, request: Any) -> Any:
        """Keep a component's `argument_sources` output on its recording (preflight.user_code)."""
        if request.HasField("outputs") and ARGUMENT_SOURCES in request.outputs.fields:
            outputs = json_format.MessageToDict(request.outputs)
            for recorded in reversed(self.recorded):
                if recorded.urn == request.urn:
                    recorded.argument_sources = argument_sources(outputs)
                    break
        return super().RegisterResourceOutputs(request)


def sorted_keys(value: Any) -> Any:
    """Objects with their keys in sorted order, at every level: the plan's order must not depend on how a
    protobuf map happened to be built (the same inputs iterate differently after a trip over gRPC)."""
    if isinstance(value, dict):
        return {k: sorted_keys(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [sorted_keys(v) for v in value]
    return value


def _without_resource_refs(value: Any) -> Any:
    """Resource references as the engine hands them to analyzers: the ID (unknown if not yet known), or the
    URN of a component. pulumi-policy cannot read the reference form itself."""
    if isinstance(value, dict):
        if value.get(SIG_KEY) == RESOURCE_REF_SIG:
            if "id" in value:
                return value["id"] or UNKNOWN
            return value.get("urn", UNKNOWN)
        return {k: _without_resource_refs(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_resource_refs(v) for v in value]
    return value


def deterministic_order(resources: list[RecordedResource]) -> list[RecordedResource]:
    """Resources in an order that depends only on the graph, not on when each registration arrived.

    Registrations reach the monitor when their inputs resolve, which varies between runs. This is a
    topological order (parents before children, dependencies before dependents) that, among resources
    ready at the same time, takes the smallest URN first, so two runs of a program give the same plan.
    """
    by_urn = {r.urn: r for r in resources}
    before: dict[str, set[str]] = {r.urn: set() for r in resources}
    for r in resources:
        needs = {*r.dependencies, *(u for urns in r.property_dependencies.values() for u in urns)}
        if r.parent:
            needs.add(r.parent)
        before[r.urn] = {u for u in needs if u in by_urn and u != r.urn}
    after: dict[str, list[str]] = {u: [] for u in by_urn}
    for urn, needs in before.items():
        for u in needs:
            after[u].append(urn)
    waiting = {urn: len(needs) for urn, needs in before.items()}
    ready = [urn for urn, n in waiting.items() if n == 0]
    heapq.heapify(ready)
    ordered: list[RecordedResource] = []
    while ready:
        urn = heapq.heappop(ready)
        ordered.append(by_urn[urn])
        for nxt in after[urn]:
            waiting[nxt] -= 1
            if waiting[nxt] == 0:
                heapq.heappush(ready, nxt)
    if len(ordered) < len(resources):  # a cycle the engine would reject; keep the rest, sorted
        placed = {r.urn for r in ordered}
        ordered += sorted((r for r in resources if r.urn not in placed), key=lambda r: r.urn)
    return ordered
