"""Azure Machine Learning compute controls: instances, clusters and attached compute."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from pulumi_policy import Severity

from .helpers import (
    MISSING,
    UNKNOWN,
    Anchors,
    Config,
    Resource,
    StackIndex,
    StackResource,
    at,
    expect,
    fmt,
    integer,
    present,
    resource_policy,
    shown,
    stack_policy,
    unknown_message,
)

COMPUTE = "azure-native:machinelearningservices:Compute"
WORKSPACE = "azure-native:machinelearningservices:Workspace"
ISOLATED_MODES = ("allowonlyapprovedoutbound", "allowinternetoutbound")
INSTANCE = "computeinstance"
CLUSTER = "amlcompute"
ATTACHED_WITH_ADMIN = ("virtualmachine", "hdinsight")
INNER = "properties.properties"


def compute_type(r: Resource) -> str | None:
    """`properties.computeType` lower-cased, `""` when absent or malformed, None when unknown."""
    value = at(r.props, "properties.computeType")
    if value is UNKNOWN:
        return None
    return value.casefold() if isinstance(value, str) else ""


def _kind_unknown() -> list[str]:
    return [unknown_message("properties.computeType")]


def _local_auth(r: Resource, cfg: Config) -> Iterable[str]:
    return expect(r.props, "properties.disableLocalAuth", [True], default="false")


def _public_ip(r: Resource, cfg: Config) -> Iterable[str]:
    kind = compute_type(r)
    if kind is None:
        return _kind_unknown()
    if kind not in (INSTANCE, CLUSTER):
        return []
    return expect(r.props, f"{INNER}.enableNodePublicIp", [False], default="true")


def _ssh(r: Resource, cfg: Config) -> Iterable[str]:
    kind = compute_type(r)
    if kind is None:
        return _kind_unknown()
    if kind == INSTANCE:
        return expect(r.props, f"{INNER}.sshSettings.sshPublicAccess", ["Disabled"], absent_ok=True)
    if kind == CLUSTER:
        return expect(r.props, f"{INNER}.remoteLoginPortPublicAccess", ["Disabled"], default="NotSpecified")
    return []


def _local_accounts(r: Resource, cfg: Config) -> Iterable[str]:
    kind = compute_type(r)
    if kind is None:
        return _kind_unknown()
    if kind == CLUSTER:
        path, what = f"{INNER}.userAccountCredentials", "clusters must not have a local admin account"
    elif kind in ATTACHED_WITH_ADMIN:
        path, what = f"{INNER}.administratorAccount", "attached compute must not carry admin credentials"
    else:
        return []
    value = at(r.props, path)
    if value is MISSING:
        return []
    if value is UNKNOWN:
        return [unknown_message(path)]
    return [f"{path} is set; {what}, remove it (credentials are not shown)."]


def _personal(r: Resource, cfg: Config) -> Iterable[str]:
    kind = compute_type(r)
    if kind is None:
        return _kind_unknown()
    if kind != INSTANCE:
        return []
    out: list[str] = []
    user = f"{INNER}.personalComputeInstanceSettings.assignedUser.objectId"
    if not present(r.props, user):
        out.append(f"{user} is not set; assign the instance to exactly one user.")
    out += expect(r.props, f"{INNER}.computeInstanceAuthorizationType", ["personal"], absent_ok=True)
    out += expect(r.props, f"{INNER}.applicationSharingPolicy", ["Personal"], default="Shared")
    return out


_DURATION = re.compile(
    r"P(?:(?P<d>\d+)D)?(?:T(?:(?P<h>\d+)H)?(?:(?P<m>\d+)M)?(?:(?P<s>\d+(?:\.\d+)?)S)?)?", re.IGNORECASE
)


def duration_minutes(value: str) -> float | None:
    """Minutes in an ISO 8601 duration (`PT30M`, `PT2H`, `P1DT1H`), None when it is not one."""
    m = _DURATION.fullmatch(value.strip())
    if m is None or not any(m.groupdict().values()):
        return None
    d, h, mins, s = (float(m.group(k) or 0) for k in ("d", "h", "m", "s"))
    return d * 1440 + h * 60 + mins + s / 60


def _idle(r: Resource, cfg: Config) -> Iterable[str]:
    kind = compute_type(r)
    if kind is None:
        return _kind_unknown()
    if kind != INSTANCE:
        return []
    limit = cfg.integer("maximumIdleMinutes")
    path = f"{INNER}.idleTimeBeforeShutdown"
    value = at(r.props, path)
    if value is UNKNOWN:
        return [unknown_message(path)]
    if value is MISSING:
        return [
            f"{path} is not set; the instance never shuts down when idle, "
            f'set an ISO 8601 duration of at most {limit} minutes (e.g. "PT60M").'
        ]
    minutes = duration_minutes(value) if isinstance(value, str) else None
    if minutes is None:
        return [f'{path} is {fmt(value)}; must be an ISO 8601 duration such as "PT60M".']
    if minutes > limit:
        return [f"{path} is {fmt(value)}; must be at most {limit} minutes (maximumIdleMinutes)."]
    return []


def _min_nodes(r: Resource, cfg: Config) -> Iterable[str]:
    kind = compute_type(r)
    if kind is None:
        return _kind_unknown()
    if kind != CLUSTER:
        return []
    return expect(r.props, f"{INNER}.scaleSettings.minNodeCount", [0], absent_ok=True)


def _workspace_of(index: StackIndex, compute: StackResource) -> StackResource | None:
    """The compute's workspace: `workspaceName` depends on it, or names the same workspace."""
    name = at(compute.props, "workspaceName")
    for ws in index.of_type(WORKSPACE):
        if index.covers(compute, "workspaceName", ws):
            return ws
        ws_name = at(ws.props, "workspaceName")
        if isinstance(name, str) and isinstance(ws_name, str) and name.casefold() == ws_name.casefold():
            return ws
    return None


def _compute_subnet(index: StackIndex, cfg: Config) -> Iterator[tuple[str, str | None]]:
    for compute in index.of_type(COMPUTE):
        kind = at(compute.props, "properties.computeType")
        if not (isinstance(kind, str) and kind.casefold() in (INSTANCE, CLUSTER)):
            continue
        ws = _workspace_of(index, compute)
        if ws is None:
            continue  # the workspace is not in this stack: its network mode cannot be read here
        mode = at(ws.props, "managedNetwork.isolationMode")
        if isinstance(mode, str) and mode.casefold() in ISOLATED_MODES:
            continue
        if present(compute.props, f"{INNER}.subnet.id"):
            continue
        shown_mode = "unknown at preview" if mode is UNKNOWN else f"is {shown(mode)}"
        yield (
            f"compute {fmt(compute.name)} has no subnet ({INNER}.subnet.id) and its workspace {fmt(ws.name)} "
            f"is not managed-network isolated (managedNetwork.isolationMode {shown_mode}); "
            "put the compute in a VNet subnet or isolate the workspace.",
            compute.urn,
        )


POLICIES = [
    resource_policy(
        name="compute-local-auth",
        description="Azure Machine Learning compute must disable local authentication.",
        types=[COMPUTE],
        check=_local_auth,
        severity=Severity.HIGH,
        anchors=Anchors(azure_policy=("e96a9a5f-07ca-471b-9bc5-6a0f33cbd68f",), checkov=("CKV_AZURE_142",)),
        remediation_steps="Set properties.disableLocalAuth to true; users sign in with Microsoft Entra ID.",
    ),
    resource_policy(
        name="compute-public-ip",
        description="Azure Machine Learning compute instances and clusters must not have public IP addresses.",
        types=[COMPUTE],
        check=_public_ip,
        severity=Severity.HIGH,
        anchors=Anchors(mcsb=("NS-2",)),
        remediation_steps=(
            "Set properties.properties.enableNodePublicIp to false (the SDKs default it to true); "
            "the workspace's managed network or your VNet provides outbound access."
        ),
    ),
    resource_policy(
        name="compute-ssh",
        description="Azure Machine Learning compute must not expose SSH publicly.",
        types=[COMPUTE],
        check=_ssh,
        severity=Severity.HIGH,
        anchors=Anchors(mcsb=("NS-2",), other=("derived",)),
        remediation_steps=(
            'Instances: leave properties.properties.sshSettings.sshPublicAccess unset or "Disabled". '
            'Clusters: set properties.properties.remoteLoginPortPublicAccess to "Disabled".'
        ),
    ),
    resource_policy(
        name="compute-local-accounts",
        description="Azure Machine Learning clusters and attached compute must not define local admin accounts.",
        types=[COMPUTE],
        check=_local_accounts,
        severity=Severity.HIGH,
        anchors=Anchors(mcsb=("IM-1",)),
        remediation_steps=(
            "Remove properties.properties.userAccountCredentials (clusters) or administratorAccount "
            "(attached compute); use Entra ID and managed identities."
        ),
    ),
    resource_policy(
        name="compute-instance-personal",
        description="Azure Machine Learning compute instances must be personal: one assigned user, not shared.",
        types=[COMPUTE],
        check=_personal,
        severity=Severity.MEDIUM,
        anchors=Anchors(
            other=("Azure AI security best practices: secure compute resources (user isolation)",)
        ),
        remediation_steps=(
            "Set properties.properties.personalComputeInstanceSettings.assignedUser (objectId, tenantId), "
            'computeInstanceAuthorizationType "personal" and applicationSharingPolicy "Personal".'
        ),
    ),
    resource_policy(
        name="compute-idle-shutdown",
        description="Azure Machine Learning compute instances must shut down when idle.",
        types=[COMPUTE],
        check=_idle,
        config={
            "maximumIdleMinutes": integer(
                240, "Longest idle time before shutdown, in minutes (Azure accepts 15 to 4320).", minimum=15
            )
        },
        severity=Severity.LOW,
        anchors=Anchors(azure_policy=("679ddf89-ab8f-48a5-9029-e76054077449",)),
        remediation_steps=(
            'Set properties.properties.idleTimeBeforeShutdown to an ISO 8601 duration such as "PT60M", '
            "no longer than maximumIdleMinutes."
        ),
    ),
    resource_policy(
        name="compute-min-nodes",
        description="Azure Machine Learning clusters should scale to zero nodes when idle.",
        types=[COMPUTE],
        check=_min_nodes,
        advisory=True,
        severity=Severity.LOW,
        anchors=Anchors(checkov=("CKV_AZURE_150",)),
        remediation_steps="Set properties.properties.scaleSettings.minNodeCount to 0.",
    ),
    stack_policy(
        name="compute-subnet",
        description="Azure Machine Learning compute must run in a VNet subnet unless its workspace uses a managed network.",
        check=_compute_subnet,
        severity=Severity.HIGH,
        anchors=Anchors(
            azure_policy=("7804b5c7-01dc-4723-969b-ae300cc07ff1",),
            other=("not as-is: managed-VNet compute has no subnet",),
        ),
        remediation_steps=(
            "Isolate the workspace with a managed network (managedNetwork.isolationMode), or set "
            "properties.properties.subnet.id on instances and clusters to a subnet of your VNet."
        ),
    ),
]
