"""Workspace and compute settings Azure refuses or that break documented features."""

from __future__ import annotations

import re
from collections.abc import Iterator

from pulumi_policy import Severity

from . import sources
from .framework import (
    COMPUTE,
    LOCK_AT_GROUP,
    LOCK_AT_RESOURCE,
    LOCK_BY_SCOPE,
    RESOURCE_GROUP,
    WORKSPACE,
    Graph,
    Node,
    Resource,
    is_str,
    known_str,
    resource_policy,
    stack_policy,
)
from .reading import Config, at, fmt, present

Finding = tuple[str, str | None]

_INVALID_CHARS = re.compile(r"[^A-Za-z0-9-]")


def is_instance(props: dict) -> bool:
    """A compute of type ComputeInstance."""
    return is_str(at(props, "properties.computeType"), "ComputeInstance")


def check_instance_name(r: Resource, cfg: Config) -> list[str]:
    if not is_instance(r.props):
        return []
    name = known_str(r.props.get("computeName"))
    if name is None:
        return []  # absent (auto-named) or unknown: nothing to check at preview
    shown = fmt(name)
    out = []
    if not 3 <= len(name) <= 24:
        out.append(
            f"computeName {shown} has {len(name)} characters; compute instance names are 3 to 24 characters long."
        )
    bad = sorted(set(_INVALID_CHARS.findall(name)))
    if bad:
        out.append(
            f"computeName {shown} contains {fmt(''.join(bad))}; compute instance names may contain only letters, "
            "digits and hyphens."
        )
    if not name[:1].isascii() or not name[:1].isalpha():
        out.append(
            f"computeName {shown} does not start with a letter; compute instance names start with a letter."
        )
    if "-" in name and not re.search(r"[A-Za-z]", name.rsplit("-", 1)[1]):
        out.append(
            f"computeName {shown} has no letter after its last hyphen; a hyphen in a compute instance name must be "
            "followed by at least one letter later in the name."
        )
    return out


def check_instance_unique(graph: Graph, cfg: Config) -> Iterator[Finding]:
    for compute in graph.of_type(COMPUTE):
        if not is_instance(compute.props):
            continue
        name = known_str(compute.props.get("computeName"))
        if name is None or compute.deps_of("computeName"):
            continue  # auto-named, unknown, or derived from another resource (a generated suffix)
        yield (
            f"compute instance {compute.label()} has the fixed name {fmt(name)}; compute instance names must be "
            "unique across all existing computes within an Azure region, so a fixed name collides with any other "
            "instance of that name in the region: derive the name from a generated suffix.",
            compute.urn,
        )


def check_serverless(r: Resource, cfg: Config) -> list[str]:
    if at(r.props, "serverlessComputeSettings.serverlessComputeNoPublicIP") is not True:
        return []
    if present(r.props, "serverlessComputeSettings.serverlessComputeCustomSubnet"):
        return []
    return [
        "serverlessComputeSettings.serverlessComputeNoPublicIP is true without "
        "serverlessComputeSettings.serverlessComputeCustomSubnet; the flag applies to serverless compute nodes "
        "deployed in a custom virtual network, and Microsoft's azure-ai-ml client refuses it without one "
        '("custom_subnet must be set if no_public_ip is set to True"): remove serverlessComputeNoPublicIP or set '
        "a custom subnet."
    ]


def lock_covers(graph: Graph, lock: Node, ws: Node) -> bool:
    """A CanNotDelete lock applies to the workspace: on it, on its resource group, or on a wider scope."""
    if lock.type == LOCK_BY_SCOPE:
        return graph.scope_covers(lock, ws)
    if lock.type == LOCK_AT_GROUP:
        for group in graph.of_type(RESOURCE_GROUP):
            if group.urn in lock.deps_of("resourceGroupName") and graph.in_group(ws, group):
                return True
        return graph.in_group(ws, lock)
    if lock.type == LOCK_AT_RESOURCE:
        if not is_str(at(lock.props, "resourceProviderNamespace"), "Microsoft.MachineLearningServices"):
            return False
        if not is_str(at(lock.props, "resourceType"), "workspaces"):
            return False
        if ws.urn in lock.deps_of("resourceName"):
            return True
        mine, theirs = known_str(lock.props.get("resourceName")), known_str(ws.props.get("workspaceName"))
        return mine is not None and theirs is not None and mine.lower() == theirs.lower()
    return False


def check_locks(graph: Graph, cfg: Config) -> Iterator[Finding]:
    for lock in graph.of_type(LOCK_BY_SCOPE, LOCK_AT_GROUP, LOCK_AT_RESOURCE):
        if not is_str(at(lock.props, "level"), "CanNotDelete"):
            continue
        for ws in graph.of_type(WORKSPACE):
            if lock_covers(graph, lock, ws):
                yield (
                    f"CanNotDelete lock {lock.label()} covers workspace {ws.label()}; a lock is inherited by the "
                    "workspace's child and extension resources, so later updates cannot delete or replace its "
                    "computes, role assignments and diagnostic settings, and compute clusters cannot remove unused "
                    "nodes: lock the stateful dependencies instead and protect the workspace with the `protect` "
                    "resource option.",
                    lock.urn,
                )


POLICIES = [
    resource_policy(
        name="compute-instance-name",
        description="Compute instance names: 3-24 characters, letters, digits and hyphens, start with a letter, "
        "a hyphen followed later by a letter.",
        types=[COMPUTE],
        check=check_instance_name,
        source=sources.COMPUTE_INSTANCE,
        refused=True,
        severity=Severity.MEDIUM,
        remediation_steps="Rename the compute instance: 3-24 letters, digits and hyphens, starting with a letter, "
        "with a letter after the last hyphen.",
    ),
    stack_policy(
        name="compute-instance-name-unique",
        description="Compute instance names are unique per region: a fixed name carries a generated suffix.",
        check=check_instance_unique,
        source=sources.COMPUTE_INSTANCE,
        refused=False,
        severity=Severity.LOW,
        remediation_steps="Append a generated suffix (for example from a random.RandomString) to the compute "
        "instance name.",
    ),
    resource_policy(
        name="serverless-no-public-ip",
        description="serverlessComputeNoPublicIP is only set together with serverlessComputeCustomSubnet.",
        types=[WORKSPACE],
        check=check_serverless,
        source=sources.SERVERLESS,
        refused=True,
        severity=Severity.MEDIUM,
        remediation_steps="Remove serverlessComputeSettings.serverlessComputeNoPublicIP, or set "
        "serverlessComputeCustomSubnet to a subnet of a custom virtual network.",
    ),
    stack_policy(
        name="lock-blocks-children",
        description="No CanNotDelete lock on a workspace: it blocks compute scale-down and deleting the "
        "workspace's child and extension resources.",
        check=check_locks,
        source=sources.LOCKS,
        refused=False,
        severity=Severity.LOW,
        remediation_steps="Remove the lock from the workspace (and its resource group); lock the key vault, "
        "storage account and registry, and set `protect` on the workspace.",
    ),
]
