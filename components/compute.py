"""Per-user compute instances and compute clusters, without public IPs, SSH or local auth.

Created after the workspace's private endpoint: Azure rejects no-public-IP compute before it exists.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_azure_native.machinelearningservices as ml

from . import naming
from .interfaces import IdentityArgs, Placement
from .settings import ComputeClusterSpec, ComputeInstanceSpec, arg_errors, validate_compute


def _schedules(spec: ComputeInstanceSpec) -> ml.ComputeSchedulesArgs | None:
    s = spec.schedule
    if s is None or not (s.start or s.stop):
        return None
    return ml.ComputeSchedulesArgs(
        compute_start_stop=[
            ml.ComputeStartStopScheduleArgs(
                action=action,
                trigger_type=ml.ComputeTriggerType.CRON,
                cron=ml.CronArgs(expression=expr, time_zone=s.time_zone),
                status=ml.ScheduleStatus.ENABLED,
            )
            for action, expr in ((ml.ComputePowerAction.START, s.start), (ml.ComputePowerAction.STOP, s.stop))
            if expr
        ]
    )


def _instance_name(key: str, suffix: pulumi.Input[str]) -> pulumi.Output[str]:
    """`<key>-<suffix>` (naming.compute_instance_name); the key as is when there is no suffix."""
    return pulumi.Output.from_input(suffix).apply(
        lambda s: naming.compute_instance_name(key, s) if s else key
    )


@dataclass(frozen=True)
class MlComputeArgs:
    """Instances and clusters keyed by compute name; `depends_on` holds the workspace private endpoint."""

    placement: Placement
    workspace_name: pulumi.Input[str]
    tenant_id: pulumi.Input[str]
    identity: IdentityArgs
    """The job identity: user-assigned identity of the clusters, which job code runs as
    (`DEFAULT_IDENTITY_CLIENT_ID`). Give it data roles only (access.JobIdentityAccess), never the workspace
    or CMK identity: that one holds Key Vault Administrator. Instances get no managed identity: a personal
    instance works as its assigned user."""
    instances: Mapping[str, ComputeInstanceSpec] = field(default_factory=dict)
    clusters: Mapping[str, ComputeClusterSpec] = field(default_factory=dict)
    subnet_id: pulumi.Input[str] | None = None
    """Compute subnet, only when the workspace has no managed network."""
    name_suffix: pulumi.Input[str] = ""
    """The stack's random suffix: instance names are unique per Azure region, so `ci-alice` becomes
    `ci-alice-<suffix>` (naming.compute_instance_name). Empty: the key as is."""
    depends_on: Sequence[pulumi.Resource] = ()
    """The workspace private endpoint and the job identity's role assignments."""


class MlCompute(pulumi.ComponentResource):
    """Compute instances `<name>-ci-<key>` (Azure name `<key>-<suffix>`) and clusters `<name>-cc-<key>`."""

    instances: dict[str, ml.Compute]
    clusters: dict[str, ml.Compute]

    def __init__(self, name: str, args: MlComputeArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("aml-baseline:compute:MlCompute", name, None, opts)
        errors = arg_errors(computeInstances="instances", computeClusters="clusters")
        validate_compute(errors, args.instances, args.clusters, "")
        errors.raise_if_any()
        p = args.placement
        child = pulumi.ResourceOptions(parent=self, depends_on=list(args.depends_on))
        subnet = ml.ResourceIdArgs(id=args.subnet_id) if args.subnet_id is not None else None
        self.instances = {}
        for key, spec in args.instances.items():
            self.instances[key] = ml.Compute(
                f"{name}-ci-{key}",
                resource_group_name=p.resource_group_name,
                location=p.location,
                workspace_name=args.workspace_name,
                compute_name=_instance_name(key, args.name_suffix),
                tags=dict(p.tags),
                properties=ml.ComputeInstanceArgs(
                    compute_type="ComputeInstance",
                    disable_local_auth=True,
                    description=f"Personal compute instance of {spec.user_object_id}",
                    properties=ml.ComputeInstancePropertiesArgs(
                        vm_size=spec.vm_size,
                        application_sharing_policy=ml.ApplicationSharingPolicy.PERSONAL,
                        compute_instance_authorization_type=ml.ComputeInstanceAuthorizationType.PERSONAL,
                        personal_compute_instance_settings=ml.PersonalComputeInstanceSettingsArgs(
                            assigned_user=ml.AssignedUserArgs(
                                object_id=spec.user_object_id, tenant_id=args.tenant_id
                            )
                        ),
                        ssh_settings=ml.ComputeInstanceSshSettingsArgs(
                            ssh_public_access=ml.SshPublicAccess.DISABLED
                        ),
                        enable_node_public_ip=False,
                        enable_sso=False,
                        idle_time_before_shutdown=f"PT{spec.idle_shutdown_minutes}M",
                        schedules=_schedules(spec),
                        subnet=subnet,
                    ),
                ),
                opts=child,
            )
        self.clusters = {}
        for key, cluster in args.clusters.items():
            self.clusters[key] = ml.Compute(
                f"{name}-cc-{key}",
                resource_group_name=p.resource_group_name,
                location=p.location,
                workspace_name=args.workspace_name,
                compute_name=key,
                tags=dict(p.tags),
                identity=ml.ManagedServiceIdentityArgs(
                    type=ml.ManagedServiceIdentityType.USER_ASSIGNED,
                    user_assigned_identities=[args.identity.id],
                ),
                properties=ml.AmlComputeArgs(
                    compute_type="AmlCompute",
                    disable_local_auth=True,
                    properties=ml.AmlComputePropertiesArgs(
                        vm_size=cluster.vm_size,
                        vm_priority=cluster.vm_priority,
                        os_type=ml.OsType.LINUX,
                        enable_node_public_ip=False,
                        remote_login_port_public_access=ml.RemoteLoginPortPublicAccess.DISABLED,
                        scale_settings=ml.ScaleSettingsArgs(
                            min_node_count=0,
                            max_node_count=cluster.max_nodes,
                            node_idle_time_before_scale_down=f"PT{cluster.scale_down_seconds}S",
                        ),
                        subnet=subnet,
                    ),
                ),
                opts=child,
            )
        self.register_outputs(
            {
                "instance_ids": {k: v.id for k, v in self.instances.items()},
                "cluster_ids": {k: v.id for k, v in self.clusters.items()},
            }
        )
