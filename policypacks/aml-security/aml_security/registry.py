"""Container registry controls (the workspace's image registry)."""

from __future__ import annotations

from collections.abc import Iterable

from pulumi_policy import Severity

from .helpers import Anchors, Config, Resource, expect, fixes_for, forbid_true, resource_policy

ACR = "azure-native:containerregistry:Registry"


def check_admin(r: Resource, cfg: Config) -> list[str]:
    """adminUserEnabled not true."""
    return forbid_true(r.props, "adminUserEnabled")


def check_anonymous(r: Resource, cfg: Config) -> list[str]:
    """anonymousPullEnabled not true."""
    return forbid_true(r.props, "anonymousPullEnabled")


def _auth(r: Resource, cfg: Config) -> Iterable[str]:
    return check_admin(r, cfg) + check_anonymous(r, cfg)


def _network(r: Resource, cfg: Config) -> Iterable[str]:
    out = expect(r.props, "publicNetworkAccess", ["Disabled"], default="Enabled")
    out += expect(r.props, "sku.name", ["Premium"])
    out += expect(r.props, "policies.exportPolicy.status", ["disabled"], default="enabled")
    return out


def _cmk(r: Resource, cfg: Config) -> Iterable[str]:
    return expect(r.props, "encryption.status", ["enabled"], default="disabled")


POLICIES = [
    resource_policy(
        name="acr-auth",
        description="Container registries must disable the admin user and anonymous pull.",
        types=[ACR],
        check=_auth,
        fixes=fixes_for(
            (check_admin, "adminUserEnabled", False), (check_anonymous, "anonymousPullEnabled", False)
        ),
        severity=Severity.HIGH,
        anchors=Anchors(
            azure_policy=("dc921057-6b28-4fbe-9b83-f7bec05db6c2", "9f2dea28-e834-476c-99c5-3507b4728395")
        ),
        remediation_steps="Set adminUserEnabled and anonymousPullEnabled to false; pull with managed identities (AcrPull).",
    ),
    resource_policy(
        name="acr-network",
        description="Container registries must be Premium, private, and must not allow artifact export.",
        types=[ACR],
        check=_network,
        severity=Severity.HIGH,
        anchors=Anchors(
            azure_policy=("0fdf0491-d080-4575-b627-ad0e843cba0f", "524b0254-c285-4903-bee6-bb8126cde579")
        ),
        remediation_steps=(
            'Set sku.name to "Premium" (private link needs it), publicNetworkAccess to "Disabled" and '
            'policies.exportPolicy.status to "disabled".'
        ),
    ),
    resource_policy(
        name="acr-cmk",
        description="Container registries must encrypt data with a customer-managed key.",
        types=[ACR],
        check=_cmk,
        severity=Severity.MEDIUM,
        anchors=Anchors(azure_policy=("5b9159ae-1701-4a6f-9a7a-aa9c8ddd0580",)),
        remediation_steps=(
            'Set encryption.status to "enabled" with encryption.keyVaultProperties (keyIdentifier, identity); '
            "only settable when the registry is created."
        ),
    ),
]
