"""Storage account controls (the workspace's default storage and any data account)."""

from __future__ import annotations

from collections.abc import Iterable

from pulumi_policy import Severity

from .helpers import (
    UNKNOWN,
    Anchors,
    Config,
    Resource,
    at,
    expect,
    fixes_for,
    resource_policy,
    same,
    shown,
    unknown_message,
)

STORAGE = "azure-native:storage:StorageAccount"


def _shared_key(r: Resource, cfg: Config) -> Iterable[str]:
    return expect(r.props, "allowSharedKeyAccess", [False], default="true")


def either_or(
    props: dict[str, object], first: tuple[str, str, str], second: tuple[str, str, str]
) -> list[str]:
    """Compliant when either (path, required value, Azure default) holds; unknowns must be known."""
    values = [at(props, path) for path, _, _ in (first, second)]
    if any(
        v is not UNKNOWN and same(v, want) for v, (_, want, _) in zip(values, (first, second), strict=True)
    ):
        return []
    unknown = [path for v, (path, _, _) in zip(values, (first, second), strict=True) if v is UNKNOWN]
    if unknown:
        return [unknown_message(p) for p in unknown]
    (p1, w1, d1), (p2, w2, d2) = first, second
    return [
        f"{p1} is {shown(values[0])} and {p2} is {shown(values[1])} (Azure's defaults are {d1} and {d2}); "
        f'set {p1} to "{w1}" or {p2} to "{w2}".'
    ]


def _public(r: Resource, cfg: Config) -> Iterable[str]:
    out = expect(r.props, "allowBlobPublicAccess", [False], default="true before API version 2023-01-01")
    out += either_or(
        r.props,
        ("publicNetworkAccess", "Disabled", "Enabled"),
        ("networkRuleSet.defaultAction", "Deny", "Allow"),
    )
    return out


def check_tls(r: Resource, cfg: Config) -> list[str]:
    """minimumTlsVersion TLS1_2 or later."""
    return expect(
        r.props, "minimumTlsVersion", ["TLS1_2", "TLS1_3"], default="TLS1_0", show='"TLS1_2" or later'
    )


def check_https(r: Resource, cfg: Config) -> list[str]:
    """enableHttpsTrafficOnly not false (Azure's default is true)."""
    return expect(r.props, "enableHttpsTrafficOnly", [True], absent_ok=True)


def _transport(r: Resource, cfg: Config) -> Iterable[str]:
    return check_tls(r, cfg) + check_https(r, cfg)


def _cmk(r: Resource, cfg: Config) -> Iterable[str]:
    return expect(r.props, "encryption.keySource", ["Microsoft.Keyvault"], default="Microsoft.Storage")


def _infrastructure(r: Resource, cfg: Config) -> Iterable[str]:
    return expect(r.props, "encryption.requireInfrastructureEncryption", [True], default="false")


def _cross_tenant(r: Resource, cfg: Config) -> Iterable[str]:
    return expect(
        r.props, "allowCrossTenantReplication", [False], default="true before API version 2023-01-01"
    )


POLICIES = [
    resource_policy(
        name="storage-shared-key",
        description="Storage accounts must disallow shared key (account key and SAS) authorization.",
        types=[STORAGE],
        check=_shared_key,
        severity=Severity.HIGH,
        anchors=Anchors(azure_policy=("8c6a50c6-9ffd-4ae7-986f-5fa6111f9a54",)),
        remediation_steps="Set allowSharedKeyAccess to false; clients use Entra ID (workspace: systemDatastoresAuthMode identity).",
    ),
    resource_policy(
        name="storage-public",
        description="Storage accounts must not allow public blob access or public network access.",
        types=[STORAGE],
        check=_public,
        severity=Severity.HIGH,
        anchors=Anchors(
            azure_policy=(
                "4fa4b6c0-31ca-4c0d-b10d-24b96f62a751",
                "b2982f36-99f2-4db5-8eff-283140c09693",
                "34c877ad-507e-4c82-993e-3452a6e0ad3c",
            )
        ),
        remediation_steps=(
            'Set allowBlobPublicAccess to false, and publicNetworkAccess to "Disabled" (or '
            'networkRuleSet.defaultAction to "Deny"); use private endpoints for blob and file.'
        ),
    ),
    resource_policy(
        name="storage-transport",
        description="Storage accounts must require HTTPS with TLS 1.2 or later.",
        types=[STORAGE],
        check=_transport,
        fixes=fixes_for(
            (check_tls, "minimumTlsVersion", "TLS1_2"), (check_https, "enableHttpsTrafficOnly", True)
        ),
        severity=Severity.MEDIUM,
        anchors=Anchors(
            azure_policy=("fe83a0eb-a853-422d-aac2-1bffd182c5d0", "404c3081-a854-4457-ae30-26a93ef643f9")
        ),
        remediation_steps='Set minimumTlsVersion to "TLS1_2" and leave enableHttpsTrafficOnly unset or true.',
    ),
    resource_policy(
        name="storage-cmk",
        description="Storage accounts must encrypt data with a customer-managed key.",
        types=[STORAGE],
        check=_cmk,
        severity=Severity.MEDIUM,
        anchors=Anchors(azure_policy=("6fac406b-40ca-413b-bf8e-0bf964659c25",)),
        remediation_steps=(
            'Set encryption.keySource to "Microsoft.Keyvault" with encryption.keyVaultProperties (keyVaultUri, '
            "keyName) and encryption.encryptionIdentity."
        ),
    ),
    resource_policy(
        name="storage-infrastructure-encryption",
        description="Storage accounts should add infrastructure (double) encryption (advisory half of storage-cmk).",
        types=[STORAGE],
        check=_infrastructure,
        advisory=True,
        severity=Severity.LOW,
        anchors=Anchors(azure_policy=("4733ea7b-a883-42fe-8cac-97454c2a9e4a",)),
        remediation_steps="Set encryption.requireInfrastructureEncryption to true (only settable at creation).",
    ),
    resource_policy(
        name="storage-cross-tenant",
        description="Storage accounts must not allow cross-tenant object replication.",
        types=[STORAGE],
        check=_cross_tenant,
        severity=Severity.MEDIUM,
        anchors=Anchors(azure_policy=("92a89a79-6c52-4a7e-a03f-61306fc49312",)),
        remediation_steps="Set allowCrossTenantReplication to false.",
    ),
]
