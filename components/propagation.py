"""The wait between a role grant and the resources that use it (Azure RBAC propagation).

A new role assignment is not effective at once: "When you assign roles or remove role assignments, it can take
up to 10 minutes for changes to take effect" (Microsoft Learn, "Troubleshoot Azure RBAC", section "Symptom -
Role assignment changes are not being detected"). A storage account, registry or workspace created right
after the grant that lets its identity use the key fails the first run and succeeds on a retry
(Azure/bicep#16601). So every consumer of a grant depends on a `pulumiverse_time.Sleep` that is created after
the grant. The Sleep delays only its own creation: later `pulumi up` runs do not wait again, unless a grant is
replaced (its ID is a trigger, so the Sleep is replaced with it and waits once more).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import pulumi
import pulumi_azure_native.authorization as authorization
import pulumiverse_time as time

ROLE_PROPAGATION_WAIT = "10m"
"""The documented upper bound of role assignment propagation ("Troubleshoot Azure RBAC": up to 10 minutes)."""
_DURATION = re.compile(r"^([0-9]+(\.[0-9]+)?(ns|us|ms|s|m|h))+$")


def propagation_wait(
    name: str,
    grants: Mapping[str, authorization.RoleAssignment],
    parent: pulumi.Resource,
    duration: str = ROLE_PROPAGATION_WAIT,
) -> time.Sleep:
    """A Sleep named `<name>-wait`, created after `grants`; consumers of the grants depend on it.

    `duration` is a Go duration ("10m", "90s"). Raises ValueError when there is no grant to wait for.
    """
    if not _DURATION.match(duration):
        raise ValueError(
            f"duration: {duration!r} is not a duration; allowed: a Go duration such as 10m or 90s"
        )
    if not grants:
        raise ValueError(f"{name}: a propagation wait needs at least one role assignment to wait for")
    return time.Sleep(
        f"{name}-wait",
        create_duration=duration,
        triggers={key: ra.id for key, ra in grants.items()},
        opts=pulumi.ResourceOptions(parent=parent, depends_on=list(grants.values())),
    )
