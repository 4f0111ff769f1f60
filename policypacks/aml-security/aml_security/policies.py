"""Every policy of the pack, in RULES.md order."""

from __future__ import annotations

from pulumi_policy import Policy

from . import (
    compute,
    endpoints,
    governance,
    identity,
    keyvault,
    monitoring,
    network,
    registry,
    storage,
    templates,
    workspace,
)

ALL_POLICIES: list[Policy] = [
    *workspace.POLICIES,
    *compute.POLICIES,
    *endpoints.POLICIES,
    *storage.POLICIES,
    *keyvault.POLICIES,
    *registry.POLICIES,
    *monitoring.POLICIES,
    *network.POLICIES,
    *templates.POLICIES,
    *identity.POLICIES,
    *governance.POLICIES,
]
