"""Resource names Azure refuses, and globally unique names that will collide."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from pulumi_policy import Severity

from . import sources
from .framework import (
    ACR,
    STORAGE,
    VAULT,
    WORKSPACE,
    Graph,
    Resource,
    known_str,
    resource_policy,
    stack_policy,
)
from .reading import Config, fmt

Finding = tuple[str, str | None]


def _vault_ok(name: str) -> bool:
    return re.fullmatch(r"[A-Za-z][A-Za-z0-9-]{1,22}[A-Za-z0-9]", name) is not None and "--" not in name


# type: (name property, what it is, valid?, the rule as the docs state it)
RULES: dict[str, tuple[str, str, Callable[[str], bool], str]] = {
    STORAGE: (
        "accountName",
        "storage account",
        lambda n: re.fullmatch(r"[a-z0-9]{3,24}", n) is not None,
        "3 to 24 characters, lowercase letters and digits only",
    ),
    VAULT: (
        "vaultName",
        "key vault",
        _vault_ok,
        "3 to 24 characters, letters, digits and hyphens, starting with a letter, ending with a letter or "
        "digit, without consecutive hyphens",
    ),
    ACR: (
        "registryName",
        "container registry",
        lambda n: re.fullmatch(r"[A-Za-z0-9]{5,50}", n) is not None,
        "5 to 50 characters, letters and digits only",
    ),
    WORKSPACE: (
        "workspaceName",
        "workspace",
        lambda n: re.fullmatch(r"[A-Za-z0-9-]{3,33}", n) is not None,
        "3 to 33 characters, letters, digits and hyphens",
    ),
}
GLOBALLY_UNIQUE = (STORAGE, VAULT, ACR)


def check_names(r: Resource, cfg: Config) -> list[str]:
    prop, what, valid, rule = RULES[r.type]
    name = known_str(r.props.get(prop))
    if name is None or valid(name):
        return []  # absent (auto-named), unknown, or valid
    return [f"{prop} {fmt(name)} is not a valid {what} name; {what} names are {rule}."]


def check_unique(graph: Graph, cfg: Config) -> Iterator[Finding]:
    for node in graph.of_type(*GLOBALLY_UNIQUE):
        prop, what, _, _ = RULES[node.type]
        name = known_str(node.props.get(prop))
        if name is None or node.deps_of(prop):
            continue
        yield (
            f"{what} {node.label()} has the fixed name {fmt(name)}; {what} names are globally unique in Azure, "
            "so a fixed name fails as soon as another subscription (or another stack of this program) holds it: "
            "derive the name from a generated suffix.",
            node.urn,
        )


POLICIES = [
    resource_policy(
        name="resource-names",
        description="Storage account, key vault, container registry and workspace names follow Azure's naming "
        "rules.",
        types=list(RULES),
        check=check_names,
        source=sources.NAMES,
        refused=True,
        severity=Severity.MEDIUM,
        remediation_steps="Rename the resource within its type's length and character rules.",
    ),
    stack_policy(
        name="resource-names-unique",
        description="Globally unique names (storage accounts, key vaults, container registries) carry a "
        "generated suffix.",
        check=check_unique,
        source=sources.NAMES,
        refused=False,
        severity=Severity.LOW,
        remediation_steps="Derive the name from a generated suffix (for example a random.RandomString), or leave "
        "it unset so Pulumi auto-names the resource.",
    ),
]
