"""The `aiServices` stack setting: validated into `AiServicesSettings` (a pure function, no Pulumi).

Errors go through `add(key, problem, allowed)`, the settings module's collector, so they read
`aml-secure-baseline:aiServices.<path>: <problem>; allowed: <...>` like every other setting.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

AI_SERVICES_KEY = "aiServices"
MODEL_FORMATS = ("OpenAI",)
"""Model formats whose Foundry catalog asset IDs this baseline maps (azureml://registries/azure-openai/...)."""
MODEL_REGISTRIES = {"OpenAI": "azure-openai"}
AI_ROLES = ("Cognitive Services OpenAI User", "Azure AI User")
"""Least-privilege data-plane roles for people and workloads (inference; Foundry projects). Never keys."""
SEVERITY_THRESHOLDS = ("Low", "Medium", "High")
DEPLOYMENT_SKUS = (
    "Standard",
    "GlobalStandard",
    "DataZoneStandard",
    "ProvisionedManaged",
    "GlobalProvisionedManaged",
)
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_FQDN = re.compile(r"^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_MODEL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")

Add = Callable[[str, str, str], None]


@dataclass(frozen=True)
class AiDeploymentSettings:
    """`aiServices.deployments.<name>`: a pinned model with explicit capacity and a content filter."""

    model_name: str
    model_version: str
    capacity: int
    model_format: str = "OpenAI"
    sku_name: str = "GlobalStandard"
    content_filter: str = "default"


@dataclass(frozen=True)
class AiServicesSettings:
    """The validated `aiServices` object. Present means the stack has an AI Services account."""

    allowed_fqdns: tuple[str, ...] = ()
    projects: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    """Project name -> (display name, description)."""
    content_filters: Mapping[str, tuple[str, bool]] = field(
        default_factory=lambda: {"default": ("Medium", True)}
    )
    """Content filter name -> (harm severity threshold, protected material blocked)."""
    deployments: Mapping[str, AiDeploymentSettings] = field(default_factory=dict)
    persona_roles: Mapping[str, str] = field(default_factory=dict)
    """Persona (a `personas` key) -> Cognitive Services OpenAI User or Azure AI User on the account."""
    approved_models: tuple[str, ...] = ()
    """format/name[/version]; = the pack's ai-approved-models approvedModels; empty: no allow-list."""


def model_asset_id(entry: str) -> str:
    """The Foundry catalog asset ID (prefix) an approved model `format/name[/version]` allows.

    Asset IDs read `azureml://registries/azure-openai/models/<name>/versions/<version>` (Microsoft Learn,
    "Control AI model deployment with built-in policies"); the definition matches with `contains`, so
    `.../models/<name>/versions/` allows every version of that model and no other model.
    """
    parts = entry.split("/")
    registry = MODEL_REGISTRIES[parts[0]]
    base = f"azureml://registries/{registry}/models/{parts[1]}/versions/"
    return base + parts[2] if len(parts) == 3 else base


def model_approved(approved: tuple[str, ...], fmt: str, name: str, version: str) -> bool:
    """The pack's ai-approved-models matching: format and name case-insensitive, version when listed."""
    for entry in approved:
        parts = entry.split("/")
        wanted = (fmt, name, version)[: len(parts)]
        if all(a.casefold() == b.casefold() for a, b in zip(parts, wanted, strict=True)):
            return True
    return False


def _map(add: Add, key: str, value: Any) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        add(key, f"{type(value).__name__} given", "an object keyed by name")
        return {}
    return value


def _unknown(add: Add, key: str, value: Mapping[str, Any], known: set[str]) -> None:
    for k in value:
        if k not in known:
            add(f"{key}.{k}", "unknown setting", ", ".join(sorted(known)))


def _str(add: Add, key: str, value: Any, default: str) -> str:
    if value is None:
        return default
    if not isinstance(value, str):
        add(key, f"{value!r} is not a string", "a string")
        return default
    return value


def validate_ai_services(add: Add, raw: Any, personas: set[str]) -> AiServicesSettings | None:
    """None when `aiServices` is absent or empty; otherwise every problem is reported through `add`."""
    if raw is None or raw == {}:
        return None
    k = AI_SERVICES_KEY
    cfg = _map(add, k, raw)
    _unknown(
        add,
        k,
        cfg,
        {"allowedFqdns", "projects", "contentFilters", "deployments", "personaRoles", "approvedModels"},
    )
    fqdns: list[str] = []
    raw_fqdns = cfg.get("allowedFqdns", [])
    if not isinstance(raw_fqdns, list | tuple):
        add(f"{k}.allowedFqdns", f"{raw_fqdns!r} given", "a list of host names")
        raw_fqdns = []
    from .settings import wildcard_reach  # settings imports this module: resolve at call time

    for i, fqdn in enumerate(raw_fqdns):
        text = str(fqdn).lower()
        reach = wildcard_reach(text) if "*" in text else None
        if not _FQDN.match(text) or reach:
            add(
                f"{k}.allowedFqdns[{i}]",
                f"{fqdn!r} is not an approved host name" + (f" (it matches {reach})" if reach else ""),
                "a host name such as kv.vault.azure.net or *.blob.core.windows.net (no '*' or bare wildcard TLD)",
            )
        else:
            fqdns.append(text)

    projects: dict[str, tuple[str, str]] = {}
    for name, spec in _map(add, f"{k}.projects", cfg.get("projects", {})).items():
        key = f"{k}.projects.{name}"
        if not _NAME.match(name):
            add(key, "invalid project name", "1-64 letters, digits, '_', '.' or '-', starting alphanumeric")
        spec = _map(add, key, spec if spec is not None else {})
        _unknown(add, key, spec, {"displayName", "description"})
        projects[name] = (
            _str(add, f"{key}.displayName", spec.get("displayName"), name),
            _str(add, f"{key}.description", spec.get("description"), ""),
        )

    filters: dict[str, tuple[str, bool]] = {}
    raw_filters = cfg.get("contentFilters", {"default": {}})
    for name, spec in _map(add, f"{k}.contentFilters", raw_filters).items():
        key = f"{k}.contentFilters.{name}"
        if not _NAME.match(name) or name.casefold().startswith("microsoft."):
            add(key, "invalid content filter name", "1-64 letters, digits, '_', '.' or '-', not Microsoft.*")
        spec = _map(add, key, spec if spec is not None else {})
        _unknown(add, key, spec, {"severityThreshold", "protectedMaterial"})
        threshold = spec.get("severityThreshold", "Medium")
        if threshold not in SEVERITY_THRESHOLDS:
            add(f"{key}.severityThreshold", f"{threshold!r} is not supported", ", ".join(SEVERITY_THRESHOLDS))
        protected = spec.get("protectedMaterial", True)
        if not isinstance(protected, bool):
            add(f"{key}.protectedMaterial", f"{protected!r} is not a boolean", "true or false")
            protected = True
        filters[name] = (str(threshold), protected)

    approved: list[str] = []
    raw_approved = cfg.get("approvedModels", [])
    if not isinstance(raw_approved, list | tuple):
        add(f"{k}.approvedModels", f"{raw_approved!r} given", "a list of format/name[/version]")
        raw_approved = []
    for i, entry in enumerate(raw_approved):
        parts = str(entry).split("/")
        if (
            len(parts) not in (2, 3)
            or parts[0] not in MODEL_FORMATS
            or not all(_MODEL.match(p) for p in parts)
        ):
            add(
                f"{k}.approvedModels[{i}]",
                f"{entry!r} is not format/name[/version]",
                f"{' or '.join(MODEL_FORMATS)}/<model>[/<version>], e.g. OpenAI/gpt-4o/2024-11-20",
            )
        else:
            approved.append(str(entry))

    deployments: dict[str, AiDeploymentSettings] = {}
    for name, spec in _map(add, f"{k}.deployments", cfg.get("deployments", {})).items():
        key = f"{k}.deployments.{name}"
        if not _NAME.match(name):
            add(
                key, "invalid deployment name", "1-64 letters, digits, '_', '.' or '-', starting alphanumeric"
            )
        spec = _map(add, key, spec)
        if not spec:
            continue
        _unknown(
            add,
            key,
            spec,
            {"modelFormat", "modelName", "modelVersion", "skuName", "capacity", "contentFilter"},
        )
        fmt = _str(add, f"{key}.modelFormat", spec.get("modelFormat"), "OpenAI")
        if fmt not in MODEL_FORMATS:
            add(f"{key}.modelFormat", f"{fmt!r} is not supported", ", ".join(MODEL_FORMATS))
        model = _str(add, f"{key}.modelName", spec.get("modelName"), "")
        if not _MODEL.match(model):
            add(f"{key}.modelName", f"{model!r} is not a model name", "a catalog model name such as gpt-4o")
        version = _str(add, f"{key}.modelVersion", spec.get("modelVersion"), "")
        if not _MODEL.match(version):
            add(
                f"{key}.modelVersion",
                f"{version!r} is not a pinned version",
                "the reviewed model version, such as 2024-11-20 (required: deployments never auto-upgrade)",
            )
        capacity = spec.get("capacity")
        if isinstance(capacity, bool) or not isinstance(capacity, int) or not 1 <= capacity <= 10000:
            add(f"{key}.capacity", f"{capacity!r} is not an explicit capacity", "an integer from 1 to 10000")
            capacity = 1
        sku = _str(add, f"{key}.skuName", spec.get("skuName"), "GlobalStandard")
        if sku not in DEPLOYMENT_SKUS:
            add(f"{key}.skuName", f"{sku!r} is not supported", ", ".join(DEPLOYMENT_SKUS))
        content_filter = _str(add, f"{key}.contentFilter", spec.get("contentFilter"), "default")
        if content_filter not in filters:
            add(
                f"{key}.contentFilter",
                f"{content_filter!r} is not a content filter",
                "a key of aiServices.contentFilters: " + (", ".join(filters) or "none defined"),
            )
        if approved and not model_approved(tuple(approved), fmt, model, version):
            add(
                key,
                f"model {fmt}/{model}/{version} is not approved",
                "a model listed in aiServices.approvedModels: " + ", ".join(approved),
            )
        deployments[name] = AiDeploymentSettings(model, version, int(capacity), fmt, sku, content_filter)

    roles: dict[str, str] = {}
    for persona, role in _map(add, f"{k}.personaRoles", cfg.get("personaRoles", {})).items():
        key = f"{k}.personaRoles.{persona}"
        if persona not in personas:
            add(
                key,
                "not a configured persona",
                "a key of personas: " + (", ".join(sorted(personas)) or "none"),
            )
        if role not in AI_ROLES:
            add(key, f"{role!r} is not an AI data-plane role", ", ".join(AI_ROLES))
        roles[persona] = str(role)

    return AiServicesSettings(
        allowed_fqdns=tuple(fqdns),
        projects=projects,
        content_filters=filters,
        deployments=deployments,
        persona_roles=roles,
        approved_models=tuple(approved),
    )
