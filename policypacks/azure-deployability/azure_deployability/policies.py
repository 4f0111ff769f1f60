"""Every policy of the pack, in the order of the control catalogue (README.md), advisory halves after their rule."""

from __future__ import annotations

from pulumi_policy import Policy

from . import identity, keys, naming, network, workspace

_BY_NAME = {
    p.name: p
    for p in [*keys.POLICIES, *identity.POLICIES, *workspace.POLICIES, *naming.POLICIES, *network.POLICIES]
}

ORDER = [
    "acr-cmk-firewalled-vault",
    "ws-service-side-cmk",
    "key-deployer-data-role",
    "cmk-rbac-propagation",
    "ws-identity-roles",
    "ws-cosmos-key-access",
    "storage-identity-data-roles",
    "compute-instance-name",
    "compute-instance-name-unique",
    "serverless-no-public-ip",
    "lock-blocks-children",
    "resource-names",
    "resource-names-unique",
    "subnet-layout",
]

ALL_POLICIES: list[Policy] = [_BY_NAME[name] for name in ORDER]
