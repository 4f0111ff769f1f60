"""Application Insights, Log Analytics and the diagnostics stack rule."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from pulumi_policy import Severity

from . import ai_services as ai
from .helpers import (
    MISSING,
    UNKNOWN,
    Anchors,
    Config,
    Resource,
    StackIndex,
    StackResource,
    as_list,
    at,
    expect,
    fmt,
    present,
    require_reference,
    resource_policy,
    stack_policy,
    unknown_message,
)

APP_INSIGHTS = "azure-native:applicationinsights:Component"
LOG_ANALYTICS = "azure-native:operationalinsights:Workspace"
DIAGNOSTIC_SETTING = "azure-native:monitor:DiagnosticSetting"
WORKSPACE = "azure-native:machinelearningservices:Workspace"
VAULT = "azure-native:keyvault:Vault"
ACR = "azure-native:containerregistry:Registry"
STORAGE = "azure-native:storage:StorageAccount"
BLOB_SERVICE = "azure-native:storage:BlobServiceProperties"
LOG_GROUPS = ("allLogs", "audit")

_SUBJECTS = {
    WORKSPACE: "workspace",
    VAULT: "key vault",
    ACR: "container registry",
    STORAGE: "storage account",
}
_SUBJECTS[ai.ACCOUNT] = ai.ACCOUNT_NOUN  # AI Services accounts (ai_services.py)


def _appinsights(r: Resource, cfg: Config) -> Iterable[str]:
    out = expect(r.props, "disableLocalAuth", [True], default="false")
    out += require_reference(
        r.props,
        "workspaceResourceId",
        "Application Insights must be workspace-based (a Log Analytics workspace ID)",
    )
    return out


def _loganalytics(r: Resource, cfg: Config) -> Iterable[str]:
    return expect(r.props, "features.disableLocalAuth", [True], default="false")


def _retention(r: Resource, cfg: Config) -> Iterable[str]:
    minimum = cfg.integer("minimumRetentionDays")
    value = at(r.props, "retentionInDays")
    if value is UNKNOWN:
        return [unknown_message("retentionInDays")]
    if value is MISSING:
        return [f"retentionInDays is not set; Azure's default is 30 days, keep logs at least {minimum} days."]
    if not isinstance(value, int | float) or isinstance(value, bool):
        return [f"retentionInDays is {fmt(value)}; keep logs at least {minimum} days."]
    if value < minimum:
        return [f"retentionInDays is {fmt(value)}; keep logs at least {minimum} days."]
    return []


def _log_problems(diag: StackResource) -> list[str]:
    """Why a diagnostic setting does not send enabled logs to Log Analytics (empty when it does)."""
    problems: list[str] = []
    logs = at(diag.props, "logs")
    enabled_log = False
    unknown_log = logs is UNKNOWN
    for entry in as_list(logs):
        enabled = at(entry, "enabled")
        group = at(entry, "categoryGroup")
        category = at(entry, "category")
        if enabled is UNKNOWN or group is UNKNOWN or category is UNKNOWN:
            unknown_log = True
            continue
        has_target = (isinstance(group, str) and group.casefold() in {g.casefold() for g in LOG_GROUPS}) or (
            isinstance(category, str) and bool(category.strip())
        )
        if enabled is True and has_target:
            enabled_log = True
    if not enabled_log:
        if unknown_log:
            problems.append("logs must be known at preview")
        else:
            problems.append('no enabled log (categoryGroup "allLogs" or "audit", or a category)')
    if not present(diag.props, "workspaceId"):
        problems.append("no Log Analytics destination (workspaceId is not set)")
    return problems


def _diag_candidates(index: StackIndex, subject: StackResource) -> list[StackResource]:
    """Diagnostic settings whose resourceUri depends on the subject (storage: on it or its blob service)."""
    targets = [subject]
    if subject.type == STORAGE:
        targets += [b for b in index.of_type(BLOB_SERVICE) if index.covers(b, "accountName", subject)]
    out = []
    for diag in index.of_type(DIAGNOSTIC_SETTING):
        uri = at(diag.props, "resourceUri")
        values = [uri]
        if isinstance(uri, str) and subject.type == STORAGE:
            values.append(uri.lower().removesuffix("/blobservices/default"))
        if any(index.covers(diag, "resourceUri", t, values) for t in targets):
            out.append(diag)
    return out


def _diagnostics(index: StackIndex, cfg: Config) -> Iterator[tuple[str, str | None]]:
    for subject in index.of_type(WORKSPACE, VAULT, ACR, STORAGE, ai.ACCOUNT):
        what = _SUBJECTS[subject.type]
        where = "its blob service" if subject.type == STORAGE else "it"
        candidates = _diag_candidates(index, subject)
        if not candidates:
            yield (
                f"{what} {fmt(subject.name)} has no diagnostic setting (a monitor:DiagnosticSetting whose "
                f"resourceUri references {where}) sending allLogs or audit logs to a Log Analytics workspace.",
                subject.urn,
            )
            continue
        reasons = {d.name: _log_problems(d) for d in candidates}
        if any(not problems for problems in reasons.values()):
            continue
        detail = "; ".join(f"diagnostic setting {fmt(n)}: {', '.join(p)}" for n, p in reasons.items())
        yield f"{what} {fmt(subject.name)} has no compliant diagnostic setting: {detail}.", subject.urn


POLICIES = [
    resource_policy(
        name="appinsights-auth",
        description="Application Insights must disable local authentication and be workspace-based.",
        types=[APP_INSIGHTS],
        check=_appinsights,
        severity=Severity.MEDIUM,
        anchors=Anchors(azure_policy=("199d5677-e4d9-4264-9465-efe1839c06bd",)),
        remediation_steps="Set disableLocalAuth to true and workspaceResourceId to a Log Analytics workspace ID.",
    ),
    resource_policy(
        name="loganalytics-auth",
        description="Log Analytics workspaces must disable local authentication.",
        types=[LOG_ANALYTICS],
        check=_loganalytics,
        severity=Severity.MEDIUM,
        anchors=Anchors(azure_policy=("e15effd4-2278-4c65-a0da-4d6f6d1890e2",)),
        remediation_steps="Set features.disableLocalAuth to true.",
    ),
    resource_policy(
        name="loganalytics-retention",
        description="Log Analytics workspaces should keep logs at least 90 days (advisory half of loganalytics-auth).",
        types=[LOG_ANALYTICS],
        check=_retention,
        advisory=True,
        config={
            "minimumRetentionDays": {
                "type": "integer",
                "minimum": 30,
                "maximum": 730,
                "default": 90,
                "description": "Shortest retention accepted, in days.",
            }
        },
        severity=Severity.LOW,
        anchors=Anchors(mcsb=("LT-6",), other=("advisory half of loganalytics-auth",)),
        remediation_steps="Set retentionInDays to at least minimumRetentionDays (90 by default).",
    ),
    stack_policy(
        name="diagnostics",
        description=(
            "Workspaces, key vaults, container registries, storage blob services and AI Services accounts must "
            "send logs to Log Analytics through a diagnostic setting."
        ),
        check=_diagnostics,
        severity=Severity.MEDIUM,
        anchors=Anchors(
            azure_policy=("afe0c3be-ba3b-4544-ba52-0c99672a8ad6", "1b4d1c4e-934c-4703-944c-27c82c06bebb"),
            mcsb=("LT-3",),
        ),
        remediation_steps=(
            "Add a monitor:DiagnosticSetting with resourceUri set to the resource's ID (storage: "
            '"<account id>/blobServices/default"), logs [{categoryGroup: "allLogs", enabled: true}] and '
            "workspaceId set to the Log Analytics workspace."
        ),
    ),
]
