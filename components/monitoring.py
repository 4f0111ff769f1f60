"""Log Analytics and workspace-based Application Insights (local auth off), and the diagnostics helper."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_azure_native.applicationinsights as applicationinsights
import pulumi_azure_native.monitor as monitor
import pulumi_azure_native.operationalinsights as operationalinsights

from .interfaces import DiagnosticsArgs, Placement


def add_diagnostics(
    name: str,
    resource_uri: pulumi.Input[str],
    diagnostics: DiagnosticsArgs | None,
    parent: pulumi.Resource,
    metric_categories: Sequence[str] = ("AllMetrics",),
) -> monitor.DiagnosticSetting | None:
    """Diagnostic setting `<name>-diag`: all logs (category group allLogs) and metrics to Log Analytics."""
    if diagnostics is None:
        return None
    return monitor.DiagnosticSetting(
        f"{name}-diag",
        name="aml-baseline-to-log-analytics",
        resource_uri=resource_uri,
        workspace_id=diagnostics.log_analytics_workspace_id,
        logs=[monitor.DiagnosticsLogSettingsArgs(category_group="allLogs", enabled=True)],
        metrics=[monitor.DiagnosticsMetricSettingsArgs(category=c, enabled=True) for c in metric_categories],
        opts=pulumi.ResourceOptions(parent=parent),
    )


@dataclass(frozen=True)
class MonitoringArgs:
    """Log Analytics (created, or `existing_log_analytics_workspace_id`) and Application Insights."""

    placement: Placement
    retention_in_days: int | None = None
    """Created workspace retention (default 90 days); never together with the existing ID."""
    existing_log_analytics_workspace_id: pulumi.Input[str] | None = None


class Monitoring(pulumi.ComponentResource):
    """Log Analytics workspace `<name>-law` and Application Insights `<name>-appi`."""

    log_analytics_workspace_id: pulumi.Output[str]
    app_insights: applicationinsights.Component

    def __init__(self, name: str, args: MonitoringArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("aml-baseline:monitoring:Monitoring", name, None, opts)
        if args.existing_log_analytics_workspace_id is not None and args.retention_in_days is not None:
            raise ValueError(
                "monitoring: give existing_log_analytics_workspace_id or retention_in_days, not both"
            )
        p = args.placement
        if args.existing_log_analytics_workspace_id is not None:
            self.log_analytics_workspace_id = pulumi.Output.from_input(
                args.existing_log_analytics_workspace_id
            )
        else:
            law = operationalinsights.Workspace(
                f"{name}-law",
                resource_group_name=p.resource_group_name,
                location=p.location,
                tags=dict(p.tags),
                sku=operationalinsights.WorkspaceSkuArgs(name="PerGB2018"),
                retention_in_days=args.retention_in_days or 90,
                features=operationalinsights.WorkspaceFeaturesArgs(
                    disable_local_auth=True, enable_log_access_using_only_resource_permissions=True
                ),
                opts=pulumi.ResourceOptions(parent=self),
            )
            self.log_analytics_workspace_id = law.id
        self.app_insights = applicationinsights.Component(
            f"{name}-appi",
            resource_group_name=p.resource_group_name,
            location=p.location,
            tags=dict(p.tags),
            kind="web",
            application_type="web",
            ingestion_mode="LogAnalytics",
            workspace_resource_id=self.log_analytics_workspace_id,
            disable_local_auth=True,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.register_outputs(
            {
                "log_analytics_workspace_id": self.log_analytics_workspace_id,
                "app_insights_id": self.app_insights.id,
            }
        )
