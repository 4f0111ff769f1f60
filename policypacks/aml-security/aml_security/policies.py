"""Every policy of the pack, in the order of the control catalogue (README.md)."""

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

# Azure AI Services and Foundry (the catalogue's rows of the same name).
from . import ai_services  # noqa: E402

ALL_POLICIES += ai_services.POLICIES
