"""Stack rules through AnalyzeStack, with known IDs (an `up` preview) and unknown IDs (a first preview)."""

from __future__ import annotations

from typing import Any

import pytest

from preflight.analyzer import PolicyPackProcess
from preflight.model import UNKNOWN, RecordedResource

from . import baselines as b
from .baselines import DELETE, changed
from .conftest import configured
from .support import (
    ACR,
    ADVISORY,
    BLOB_SERVICE,
    COMPUTE,
    DIAGNOSTIC_SETTING,
    LOG_ANALYTICS,
    PRICING,
    PRIVATE_ENDPOINT,
    PRIVATE_ZONE,
    STORAGE,
    VAULT,
    WORKSPACE,
    StackCase,
    body,
    res,
    urn,
)

MODES = ("known-ids", "unknown-ids")
ARM = {
    "law": b.LAW_ID,
    "ws": f"{b.ML}/workspaces/mlw-aml",
    "kv": b.VAULT_ID,
    "st": f"{b.RG}/providers/Microsoft.Storage/storageAccounts/staml",
    "acr": f"{b.RG}/providers/Microsoft.ContainerRegistry/registries/craml",
}
TYPES = {"law": LOG_ANALYTICS, "ws": WORKSPACE, "kv": VAULT, "st": STORAGE, "acr": ACR}


def platform(
    mode: str, drop: tuple[str, ...] = (), changes: dict[str, tuple[str, Any]] | None = None
) -> tuple[RecordedResource, ...]:
    """A compliant platform graph; references are known ID strings or unknowns with property dependencies.

    `drop` removes resources by name; `changes` maps a resource name to one (path, value) change.
    """
    known = mode == "known-ids"
    changes = changes or {}
    out: list[RecordedResource] = []

    def add(type_token: str, name: str, inputs: dict[str, Any], refs: dict[str, str] | None = None) -> None:
        """`refs`: property -> referenced resource name (its ID, or an unknown depending on it)."""
        props = dict(inputs)
        deps: dict[str, list[str]] = {}
        for prop, target in (refs or {}).items():
            target_type = TYPES.get(target, BLOB_SERVICE)
            if known:
                value = ARM[target] if target in ARM else f"{ARM['st']}/blobServices/default"
                if prop == "privateLinkServiceConnections":
                    props[prop] = [dict(c, privateLinkServiceId=value) for c in props[prop]]
                else:
                    props[prop] = value
            else:
                if prop == "privateLinkServiceConnections":
                    props[prop] = [dict(c, privateLinkServiceId=UNKNOWN) for c in props[prop]]
                else:
                    props[prop] = UNKNOWN
                deps[prop] = [urn(target_type, target)]
        if name in changes:
            path, value = changes[name]
            props = changed(props, path, value)
        if name not in drop:
            out.append(res(type_token, name, props, deps))

    def with_id(name: str, props: dict[str, Any]) -> dict[str, Any]:
        return dict(props, id=ARM[name]) if known else props

    add(LOG_ANALYTICS, "law", with_id("law", b.LOG_ANALYTICS))
    add(WORKSPACE, "ws", with_id("ws", dict(b.WORKSPACE, workspaceName="mlw-aml")))
    add(VAULT, "kv", with_id("kv", b.VAULT))
    add(STORAGE, "st", with_id("st", b.STORAGE))
    add(ACR, "acr", with_id("acr", b.ACR))
    if not known:
        add(
            BLOB_SERVICE,
            "st-blob",
            {"resourceGroupName": "rg-aml", "blobServiceName": "default"},
            {"accountName": "st"},
        )
    for name, target, group in (
        ("pe-ws", "ws", "amlworkspace"),
        ("pe-kv", "kv", "vault"),
        ("pe-blob", "st", "blob"),
        ("pe-file", "st", "file"),
        ("pe-acr", "acr", "registry"),
    ):
        add(
            PRIVATE_ENDPOINT,
            name,
            {
                "resourceGroupName": "rg-aml",
                "subnet": {"id": b.SUBNET_ID},
                "privateLinkServiceConnections": [{"name": name, "groupIds": [group]}],
            },
            {"privateLinkServiceConnections": target},
        )
    for name, zone in (
        ("zone-api", "privatelink.api.azureml.ms"),
        ("zone-nb", "privatelink.notebooks.azure.net"),
    ):
        add(
            PRIVATE_ZONE, name, {"resourceGroupName": "rg-aml", "location": "global", "privateZoneName": zone}
        )
    diag = {"name": "to-law", "logs": [{"categoryGroup": "allLogs", "enabled": True}]}
    for name, target in (("diag-ws", "ws"), ("diag-kv", "kv"), ("diag-acr", "acr")):
        add(DIAGNOSTIC_SETTING, name, diag, {"resourceUri": target, "workspaceId": "law"})
    add(DIAGNOSTIC_SETTING, "diag-blob", diag, {"resourceUri": "st-blob", "workspaceId": "law"})
    add(PRICING, "defender-ai", {"pricingName": "AI", "pricingTier": "Standard"})
    add(COMPUTE, "ci", b.COMPUTE_INSTANCE, {"workspaceName": "ws"} if not known else {})
    add(COMPUTE, "cc", b.COMPUTE_CLUSTER, {"workspaceName": "ws"} if not known else {})
    return tuple(out)


def cases(mode: str) -> list[StackCase]:
    """Pass and fail cases of every stack rule for one reference mode."""
    nb = "privatelink.notebooks.azure.net"
    no_subnet = (
        'has no subnet (properties.properties.subnet.id) and its workspace "ws" is not managed-network isolated '
        '(managedNetwork.isolationMode is "Disabled"); put the compute in a VNet subnet or isolate the workspace.'
    )
    defender = (
        'Defender for Cloud AI threat protection is off: add a security:Pricing with pricingName "AI" and '
        'pricingTier "Standard" (or confirm it is enabled for the subscription elsewhere).'
    )
    isolation_off: dict[str, tuple[str, Any]] = {"ws": ("managedNetwork.isolationMode", "Disabled")}
    return [
        StackCase("private-endpoints", platform(mode), label=mode),
        StackCase(
            "private-endpoints",
            platform(mode, drop=("pe-file",)),
            (
                (
                    "st",
                    'storage account "st" has no private endpoint for group ID "file" (a network:PrivateEndpoint '
                    'whose privateLinkServiceConnections reference it with groupIds ["file"]).',
                ),
            ),
            label=mode,
        ),
        StackCase(
            "private-endpoints",
            platform(mode, changes={"pe-kv": ("privateLinkServiceConnections.0.groupIds", ["registry"])}),
            (
                (
                    "kv",
                    'key vault "kv" has no private endpoint for group ID "vault" (a network:PrivateEndpoint whose '
                    'privateLinkServiceConnections reference it with groupIds ["vault"]).',
                ),
            ),
            label=mode + " wrong group",
        ),
        StackCase(
            "private-endpoints",
            platform(mode, changes={"pe-acr": ("privateLinkServiceConnections.0.groupIds", UNKNOWN)}),
            (
                (
                    "acr",
                    'container registry "acr" has no private endpoint for group ID "registry" (a '
                    "network:PrivateEndpoint whose privateLinkServiceConnections reference it with groupIds "
                    '["registry"]). groupIds of private endpoint "pe-acr" must be known at preview.',
                ),
            ),
            label=mode + " unknown group",
        ),
        StackCase(
            "private-endpoints",
            platform(mode, drop=("pe-ws",)),
            (
                (
                    "ws",
                    'workspace "ws" has no private endpoint for group ID "amlworkspace" (a network:PrivateEndpoint '
                    'whose privateLinkServiceConnections reference it with groupIds ["amlworkspace"]).',
                ),
            ),
            label=mode + " workspace",
        ),
        StackCase("private-dns", platform(mode), label=mode),
        StackCase(
            "private-dns",
            platform(mode, drop=("zone-nb",)),
            (
                (
                    "ws",
                    f'workspace "ws" needs private DNS zone "{nb}": create privatedns:PrivateZone resources with '
                    "these names, or list them in centralDnsZones when DNS is managed centrally.",
                ),
            ),
            label=mode,
        ),
        StackCase(
            "private-dns",
            platform(mode, drop=("zone-nb", "zone-api")),
            config={"centralDnsZones": ["privatelink.api.azureml.ms", nb]},
            label=mode + " central zones",
        ),
        StackCase("diagnostics", platform(mode), label=mode),
        StackCase(
            "diagnostics",
            platform(mode, drop=("diag-kv",)),
            (
                (
                    "kv",
                    'key vault "kv" has no diagnostic setting (a monitor:DiagnosticSetting whose resourceUri '
                    "references it) sending allLogs or audit logs to a Log Analytics workspace.",
                ),
            ),
            label=mode,
        ),
        StackCase(
            "diagnostics",
            platform(mode, drop=("diag-blob",)),
            (
                (
                    "st",
                    'storage account "st" has no diagnostic setting (a monitor:DiagnosticSetting whose resourceUri '
                    "references its blob service) sending allLogs or audit logs to a Log Analytics workspace.",
                ),
            ),
            label=mode + " blob",
        ),
        StackCase(
            "diagnostics",
            platform(mode, changes={"diag-ws": ("logs.0.enabled", False)}),
            (
                (
                    "ws",
                    'workspace "ws" has no compliant diagnostic setting: diagnostic setting "diag-ws": no enabled '
                    'log (categoryGroup "allLogs" or "audit", or a category).',
                ),
            ),
            label=mode + " disabled logs",
        ),
        StackCase(
            "diagnostics",
            platform(mode, changes={"diag-acr": ("workspaceId", DELETE)}),
            (
                (
                    "acr",
                    'container registry "acr" has no compliant diagnostic setting: diagnostic setting "diag-acr": '
                    "no Log Analytics destination (workspaceId is not set).",
                ),
            ),
            label=mode + " no destination",
        ),
        StackCase("compute-subnet", platform(mode), label=mode),
        StackCase(
            "compute-subnet",
            platform(mode, changes=isolation_off),
            (("ci", f'compute "ci" {no_subnet}'), ("cc", f'compute "cc" {no_subnet}')),
            label=mode,
        ),
        StackCase("defender-for-ai", platform(mode), label=mode),
        StackCase("defender-for-ai", platform(mode, drop=("defender-ai",)), (("ws", defender),), label=mode),
    ]


STACK_CASES = [c for mode in MODES for c in cases(mode)]


def _case_id(case: StackCase) -> str:
    return f"{case.policy}:{'fail' if case.expect else 'pass'}:{case.label}"


@pytest.mark.parametrize("case", STACK_CASES, ids=[_case_id(c) for c in STACK_CASES])
def test_stack_case(pack: PolicyPackProcess, case: StackCase) -> None:
    """The stack policy reports exactly the expected (resource, message) pairs at its level."""
    with configured(pack, {case.policy: case.config} if case.config else None):
        violations = pack.analyze_stack(case.resources)
    mine = [v for v in violations if v.policy == case.policy]
    got = sorted((v.urn.rsplit("::", 1)[-1] if v.urn else "", body(v)) for v in mine)
    assert got == sorted(case.expect)
    level = "advisory" if case.policy in ADVISORY else "mandatory"
    assert all(v.level == level for v in mine)


@pytest.mark.parametrize("mode", MODES)
def test_compliant_platform_has_no_stack_violations(pack: PolicyPackProcess, mode: str) -> None:
    """The whole compliant graph passes every stack rule, advisory included."""
    assert [(v.policy, body(v)) for v in pack.analyze_stack(platform(mode))] == []


def test_subnet_satisfies_compute_subnet(pack: PolicyPackProcess) -> None:
    """A compute in a VNet subnet passes even when its workspace has no managed network."""
    resources = [
        r
        if r.name not in ("ci", "cc")
        else res(
            r.type,
            r.name,
            changed(r.inputs, "properties.properties.subnet", {"id": UNKNOWN}),
            r.property_dependencies,
        )
        for r in platform("unknown-ids", changes={"ws": ("managedNetwork.isolationMode", "Disabled")})
    ]
    assert [v for v in pack.analyze_stack(resources) if v.policy == "compute-subnet"] == []


def test_v2_diagnostic_setting_token_counts(pack: PolicyPackProcess) -> None:
    """A diagnostic setting registered under the v2 token `insights:DiagnosticSetting` still covers its target."""
    resources = [
        res("azure-native:insights:DiagnosticSetting", r.name, r.inputs, r.property_dependencies)
        if r.type == DIAGNOSTIC_SETTING
        else r
        for r in platform("unknown-ids")
    ]
    assert [v for v in pack.analyze_stack(resources) if v.policy == "diagnostics"] == []


# -- private-dns: central zones named by a private DNS zone group (issue 15) ------------------------------

ZONE_GROUP = "azure-native:network:PrivateDnsZoneGroup"
HUB_ZONES = "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-hub-dns/providers/Microsoft.Network/privateDnsZones"
API_ZONE, NB_ZONE = "privatelink.api.azureml.ms", "privatelink.notebooks.azure.net"
NEEDS_NB = (
    f'workspace "ws" needs private DNS zone "{NB_ZONE}": create privatedns:PrivateZone resources with these '
    "names, or list them in centralDnsZones when DNS is managed centrally."
)
NEEDS_BOTH = (
    f'workspace "ws" needs private DNS zones "{API_ZONE}" and "{NB_ZONE}": create privatedns:PrivateZone '
    "resources with these names, or list them in centralDnsZones when DNS is managed centrally."
)


def zone_group(
    zone_ids: list[Any], deps: list[str] | None = None, name: str = "pe-ws-dns"
) -> RecordedResource:
    """The workspace endpoint's zone group, as components/private_link.py registers it."""
    configs = [{"name": f"zone-{i}", "privateDnsZoneId": z} for i, z in enumerate(zone_ids)]
    props = {
        "resourceGroupName": "rg-aml",
        "privateEndpointName": "pe-ws",
        "privateDnsZoneGroupName": "default",
        "privateDnsZoneConfigs": configs,
    }
    return res(ZONE_GROUP, name, props, {"privateDnsZoneConfigs": deps} if deps else None)


def dns_stack(*groups: RecordedResource, keep_zones: bool = False) -> tuple[RecordedResource, ...]:
    """The compliant platform without its own private zones (unless kept), plus the given zone groups."""
    drop = () if keep_zones else ("zone-api", "zone-nb")
    return platform("unknown-ids", drop=drop) + groups


def dns_violations(pack: PolicyPackProcess, resources: tuple[RecordedResource, ...]) -> list[tuple[str, str]]:
    """(resource name, message) of every private-dns finding, with no pack config."""
    return sorted(
        (v.urn.rsplit("::", 1)[-1] if v.urn else "", body(v))
        for v in pack.analyze_stack(resources)
        if v.policy == "private-dns"
    )


def test_central_zone_ids_in_a_zone_group_count_without_config(pack: PolicyPackProcess) -> None:
    """Zone IDs in a hub subscription (known strings, as `existingPrivateDnsZoneIds` and a team's
    `dns_zone_ids` give them) name the zone in their last path segment, compared case-insensitively (ARM IDs
    are case-insensitive); no centralDnsZones needed."""
    group = zone_group([f"{HUB_ZONES}/PrivateLink.API.azureml.ms", f"{HUB_ZONES}/{NB_ZONE}"])
    assert dns_violations(pack, dns_stack(group)) == []


def test_zone_group_naming_one_zone_leaves_the_other_missing(pack: PolicyPackProcess) -> None:
    """Only the zones the IDs name count: a group with the api zone alone still misses the notebooks zone."""
    assert dns_violations(pack, dns_stack(zone_group([f"{HUB_ZONES}/{API_ZONE}"]))) == [("ws", NEEDS_NB)]


def test_unknown_zone_id_counts_only_as_a_reference_to_a_stack_zone(pack: PolicyPackProcess) -> None:
    """An ID unknown at preview names no zone by itself; it counts through its property dependency on a
    privatedns:PrivateZone of the stack (whose name is known). Depending on anything else (here the resource
    group) it counts for nothing, and the finding says which zone group to give known IDs."""
    zones = [urn(PRIVATE_ZONE, "zone-api"), urn(PRIVATE_ZONE, "zone-nb")]
    referenced = zone_group([UNKNOWN, UNKNOWN], zones)
    assert dns_violations(pack, dns_stack(referenced, keep_zones=True)) == []
    unresolved = zone_group([UNKNOWN, UNKNOWN], [urn("azure-native:resources:ResourceGroup", "rg")])
    note = (
        ' The zone IDs of private DNS zone group "pe-ws-dns" are unknown at preview and reference no '
        "privatedns:PrivateZone of the stack: give them as known IDs."
    )
    assert dns_violations(pack, dns_stack(unresolved)) == [("ws", NEEDS_BOTH + note)]


def test_central_dns_zones_config_still_covers_zones_referenced_nowhere(pack: PolicyPackProcess) -> None:
    """centralDnsZones stays for zones the stack references nowhere (DNS linked outside the stack)."""
    with configured(pack, {"private-dns": {"centralDnsZones": [NB_ZONE]}}):
        assert dns_violations(pack, dns_stack(zone_group([f"{HUB_ZONES}/{API_ZONE}"]))) == []
