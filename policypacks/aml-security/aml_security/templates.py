"""Gate integrity: every resource of an ARM template deployment can be judged at preview."""

from __future__ import annotations

from collections.abc import Iterable

from pulumi_policy import Severity

from .helpers import Anchors, Config, Resource, resource_policy
from .paths import GENERIC, TEMPLATE_HOLDERS, unreadable


def _inspectable(r: Resource, cfg: Config) -> Iterable[str]:
    return unreadable(r.type, r.name, r.props)


POLICIES = [
    resource_policy(
        name="arm-template-inspectable",
        description=(
            "ARM template deployments must carry their template inline and known at preview, so every "
            "resource in them is judged by the same controls."
        ),
        types=[*sorted(TEMPLATE_HOLDERS), GENERIC],
        check=_inspectable,
        severity=Severity.HIGH,
        anchors=Anchors(other=("derived: gate integrity",)),
        remediation_steps=(
            "Put the template inline (properties.template) instead of templateLink or a template spec ID, "
            "build it from values known at preview, and give nested deployments inline templates too; a "
            "generic resource's namespace and type must be literals."
        ),
    ),
]
