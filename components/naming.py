"""Azure naming rules per resource type, and the names this baseline derives from prefix and environment.

Globally unique names (storage account, key vault, container registry) end in a pulumi-random suffix of
`SUFFIX_LENGTH` lower-case letters/digits; the rules below reserve room for it.
"""

from __future__ import annotations

import re

SUFFIX_LENGTH = 5

PRIVATE_DNS_ZONES: tuple[str, ...] = (
    "privatelink.api.azureml.ms",
    "privatelink.notebooks.azure.net",
    "privatelink.blob.core.windows.net",
    "privatelink.file.core.windows.net",
    "privatelink.vaultcore.azure.net",
    "privatelink.azurecr.io",
)
"""Private DNS zones by role: workspace api and notebooks, storage blob and file, key vault, registry."""

AI_PRIVATE_DNS_ZONES: tuple[str, ...] = (
    "privatelink.cognitiveservices.azure.com",
    "privatelink.openai.azure.com",
    "privatelink.services.ai.azure.com",
)
"""Opt-in zones of an AI Services (Foundry) account's `account` private endpoint (only with aiServices).

Source: the aml-security control catalogue (`private-dns`, policypacks/aml-security/README.md) and issue 14; the zones an AIServices account
advertises as `privateLinkResources.requiredZoneNames` for group `account` (as Microsoft's Foundry private
network samples create them).
"""

COMPUTE_INSTANCE_RULE = (
    f"up to {24 - SUFFIX_LENGTH - 1} letters, digits or '-', starting with a letter, every '-' followed later by a "
    f"letter (the name gets '-' and the stack's {SUFFIX_LENGTH}-character suffix: instance names are unique "
    "per Azure region, at most 24 characters)"
)
COMPUTE_CLUSTER_RULE = (
    "3-16 letters, digits or '-', starting with a letter, every '-' followed later by a letter"
)


def _compute_problem(name: str, low: int, high: int) -> str:
    if not low <= len(name) <= high:
        return f"has {len(name)} characters ({low}-{high} allowed)"
    if not re.match(r"^[A-Za-z][A-Za-z0-9-]*$", name):
        return "has invalid characters or does not start with a letter"
    if "-" in name and not re.search(r"[A-Za-z]", name.rsplit("-", 1)[1]):
        return "has a '-' not followed by a letter"
    return ""


def compute_instance_name(key: str, suffix: str) -> str:
    """The Azure name of compute instance `key`: `<key>-<suffix>`, or `<key><suffix>` when the suffix has no
    letter (a '-' must be followed later by a letter). Instance names are unique per region, so the stack's
    suffix keeps `ci-alice` of two stacks apart."""
    return f"{key}-{suffix}" if re.search(r"[A-Za-z]", suffix) else f"{key}{suffix}"


def compute_instance_name_problem(key: str) -> str:
    """Empty if every name `compute_instance_name(key, <any suffix>)` is valid, else what is wrong with it."""
    for worst in ("x" * SUFFIX_LENGTH, "0" * SUFFIX_LENGTH):
        name = compute_instance_name(key, worst)
        if problem := _compute_problem(name, 3, 24):
            return f"makes the instance name {name!r}, which {problem}"
    return ""


def compute_cluster_name_problem(name: str) -> str:
    """Empty if `name` is a valid compute cluster name, else what is wrong."""
    return _compute_problem(name, 3, 16)


def storage_account_name(prefix: str, env: str, suffix: str) -> str:
    """3-24 lower-case letters and digits, globally unique."""
    return f"st{prefix}{env}{suffix}"


def key_vault_name(prefix: str, env: str, suffix: str) -> str:
    """3-24 letters, digits and '-', starting with a letter, globally unique."""
    return f"kv-{prefix}-{env}-{suffix}"


def registry_name(prefix: str, env: str, suffix: str) -> str:
    """5-50 letters and digits, globally unique."""
    return f"cr{prefix}{env}{suffix}"


def ai_services_name(prefix: str, env: str, suffix: str) -> str:
    """AI Services account and custom subdomain: 2-64 lower-case letters, digits and '-', globally unique."""
    return f"ais-{prefix}-{env}-{suffix}"


def workspace_name(prefix: str, env: str) -> str:
    """3-33 letters, digits, '-' and '_', unique in the resource group."""
    return f"mlw-{prefix}-{env}"


_RULES: dict[str, tuple[int, int, str]] = {
    # resource: (max length, min length, allowed pattern)
    "storage account": (24, 3, r"^[a-z0-9]+$"),
    "key vault": (24, 3, r"^[a-zA-Z][a-zA-Z0-9-]*[a-zA-Z0-9]$"),
    "container registry": (50, 5, r"^[a-zA-Z0-9]+$"),
    "workspace": (33, 3, r"^[a-zA-Z0-9][a-zA-Z0-9_-]*$"),
}


def name_problems(prefix: str, env: str) -> dict[str, str]:
    """For each derived name that breaks its Azure rule, what is wrong (with the longest suffix)."""
    suffix = "x" * SUFFIX_LENGTH
    names = {
        "storage account": storage_account_name(prefix, env, suffix),
        "key vault": key_vault_name(prefix, env, suffix),
        "container registry": registry_name(prefix, env, suffix),
        "workspace": workspace_name(prefix, env),
    }
    problems: dict[str, str] = {}
    for resource, name in names.items():
        high, low, pattern = _RULES[resource]
        if not low <= len(name) <= high:
            problems[resource] = f"{name!r} {len(name)} characters long (max {high})"
        elif not re.match(pattern, name):
            problems[resource] = f"{name!r} invalid"
    return problems
