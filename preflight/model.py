"""Data that flows through the preflight: recorded resources, policy violations, pack metadata.

Values are plain JSON-compatible structures so that the plan can be written as JSON and sent over
gRPC without conversion layers. Inputs keep the engine's wire format: camelCase keys, unknown
values as the engine's sentinel string, secrets in the engine's secret wrapper.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# The engine's wire sentinels (pulumi/sdk/go/common/resource/plugin/rpc.go).
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
RESOURCE_REF_SIG = "5cf8f73096256a8f31e491e813e4eb8e"

MANDATORY = "mandatory"
ADVISORY = "advisory"
REMEDIATE = "remediate"
DISABLED = "disabled"


def secret(value: Any) -> dict[str, Any]:
    """Wrap a value the way the engine marks a secret on the wire."""
    return {SECRET_SIG_KEY: SECRET_SIG, "value": value}


def is_secret(value: Any) -> bool:
    """True for a value in the engine's secret wrapper."""
    return isinstance(value, dict) and value.get(SECRET_SIG_KEY) == SECRET_SIG


@dataclass
class RecordedResource:
    """One `RegisterResource` call as the engine would see it (engine-shaped URN)."""

    urn: str
    type: str
    name: str
    custom: bool
    inputs: dict[str, Any] = field(default_factory=dict)
    parent: str | None = None
    dependencies: list[str] = field(default_factory=list)
    property_dependencies: dict[str, list[str]] = field(default_factory=dict)
    protect: bool = False
    provider: str | None = None
    id: str | None = None
    source: tuple[str, int] | None = None
    """File and line of the program that registered the resource (the SDK's `sourcePosition`), when known."""
    frames: tuple[tuple[str, int], ...] = ()
    """The registration's call stack in program code (the SDK's `stackTrace`, topmost frame first), without
    the frames of the Pulumi SDK, installed packages, the standard library and the preflight itself: the
    library's frames, then the team's call (report.locations picks the user's line from them)."""
    argument_sources: tuple[tuple[str, str, str], ...] = ()
    """On a component: (descendant URN, property path, argument) for each property of a resource it created
    that one of its own arguments set, as it registered them in its `argument_sources` output. The URN
    `*` stands for every descendant that has the property (tags from `placement.tags`)."""


@dataclass(frozen=True)
class PolicyInfo:
    """A policy as the pack describes it in `GetAnalyzerInfo`."""

    name: str
    description: str
    enforcement_level: str
    kind: str  # "resource" or "stack"
    severity: str = ""
    display_name: str = ""
    remediation_steps: str = ""
    tags: tuple[str, ...] = ()
    framework: str = ""
    url: str = ""
    config_schema: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PackInfo:
    """A policy pack's name, version and policies."""

    name: str
    version: str
    policies: tuple[PolicyInfo, ...]
    description: str = ""

    def policy(self, name: str) -> PolicyInfo:
        """The named policy, or KeyError."""
        for p in self.policies:
            if p.name == name:
                return p
        raise KeyError(name)


@dataclass(frozen=True)
class Violation:
    """One policy diagnostic, as `pulumi preview` reports it."""

    pack: str
    policy: str
    level: str
    message: str
    urn: str = ""
    severity: str = ""
    description: str = ""

    def to_json(self) -> dict[str, str]:
        """The violation in the JSON plan's shape."""
        return {
            "pack": self.pack,
            "policy": self.policy,
            "level": self.level,
            "severity": self.severity,
            "urn": self.urn,
            "message": self.message,
        }
