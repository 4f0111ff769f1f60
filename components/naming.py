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

Source: RULES.md (Azure AI Services and Foundry, private-dns) and issue 14; the zones an AIServices account
advertises as `privateLinkResources.requiredZoneNames` for group `account` (as Microsoft's Foundry private
network samples create them).
"""

COMPUTE_INSTANCE_RULE = "3-24 letters, digits or '-', starting with a letter, not ending with '-'"
COMPUTE_CLUSTER_RULE = "2-16 letters, digits or '-', starting with a letter, not ending with '-'"


def _compute_problem(name: str, low: int, high: int) -> str:
    if not low <= len(name) <= high:
        return f"has {len(name)} characters"
    if not re.match(r"^[A-Za-z][A-Za-z0-9-]*[A-Za-z0-9]$", name):
        return "has invalid characters"
    return ""


def compute_instance_name_problem(name: str) -> str:
    """Empty if `name` is a valid compute instance name, else what is wrong."""
    return _compute_problem(name, 3, 24)


def compute_cluster_name_problem(name: str) -> str:
    """Empty if `name` is a valid compute cluster name, else what is wrong."""
    return _compute_problem(name, 2, 16)


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
