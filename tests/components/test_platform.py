"""The platform's resources and their exact security properties, dependency order, and the
bring-your-own paths, under recording mocks (up mode: outputs known)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from components import SecureMlPlatform, SecureMlPlatformArgs, Settings, load_settings
from components.roles import ROLE_IDS
from tests.components.conftest import SUB, Program, Recorded, run_program
from tests.components.test_deploy_names_and_network import DEV_FQDN_RULES
from tests.components.test_settings import stack_config

ZONES = {
    "privatelink.api.azureml.ms",
    "privatelink.notebooks.azure.net",
    "privatelink.blob.core.windows.net",
    "privatelink.file.core.windows.net",
    "privatelink.vaultcore.azure.net",
    "privatelink.azurecr.io",
}
TAGGED_TYPES = (
    "resources:ResourceGroup", "network:VirtualNetwork", "network:NetworkSecurityGroup", "network:PrivateEndpoint",
    "privatedns:PrivateZone", "privatedns:VirtualNetworkLink", "managedidentity:UserAssignedIdentity",
    "operationalinsights:Workspace", "applicationinsights:Component", "keyvault:Vault", "keyvault:Key",
    "storage:StorageAccount", "containerregistry:Registry", "machinelearningservices:Workspace",
    "machinelearningservices:Compute",
)  # fmt: skip


def platform(settings: Settings) -> Program:
    return run_program(lambda: SecureMlPlatform("aml", SecureMlPlatformArgs(settings=settings)))


@pytest.fixture(scope="module")
def dev() -> Program:
    return platform(load_settings(*stack_config("dev")))


@pytest.fixture(scope="module")
def prod() -> Program:
    return platform(load_settings(*stack_config("prod")))


def role_of(ra: Recorded) -> str:
    guid = ra.inputs["roleDefinitionId"].rsplit("/", 1)[-1]
    assert (
        ra.inputs["roleDefinitionId"]
        == f"/subscriptions/{SUB}/providers/Microsoft.Authorization/roleDefinitions/{guid}"
    )
    return next(name for name, g in ROLE_IDS.items() if g == guid)


def test_workspace_properties(dev: Program) -> None:
    ws = dev.one("machinelearningservices:Workspace").inputs
    assert ws["publicNetworkAccess"] == "Disabled" and ws["allowPublicAccessWhenBehindVnet"] is False
    assert ws["managedNetwork"] == {
        "isolationMode": "AllowOnlyApprovedOutbound",
        "firewallSku": "Basic",
        "enableNetworkMonitor": False,
        "outboundRules": {  # the documented hosts: see test_deploy_names_and_network.py
            **{
                name: {"type": "FQDN", "category": "UserDefined", "destination": host}
                for name, host in DEV_FQDN_RULES.items()
            },
            "approved-model-registry": {
                "type": "PrivateEndpoint",
                "category": "UserDefined",
                "destination": {
                    "serviceResourceId": f"/subscriptions/{SUB}/resourceGroups/rg/providers/"
                    "machinelearningservices/Registry/mlr-amlsec-dev",
                    "subresourceTarget": "amlregistry",
                    "sparkEnabled": False,
                },
            },
        },
    }
    assert ws["provisionNetworkNow"] is True
    assert ws["identity"]["type"] == "UserAssigned" and len(ws["identity"]["userAssignedIdentities"]) == 1
    assert ws["primaryUserAssignedIdentity"] == ws["identity"]["userAssignedIdentities"][0]
    assert ws["primaryUserAssignedIdentity"].endswith("/UserAssignedIdentity/id-amlsec-dev-mlw")
    enc = ws["encryption"]
    assert enc["status"] == "Enabled"
    assert enc["identity"]["userAssignedIdentity"] == ws["primaryUserAssignedIdentity"]
    assert enc["keyVaultProperties"]["keyIdentifier"].endswith("/keys/cmk/v1")
    assert "/keyvault/Vault/" in enc["keyVaultProperties"]["keyVaultArmId"]
    assert ws["enableServiceSideCMKEncryption"] is False
    assert ws["hbiWorkspace"] is True and ws["v1LegacyMode"] is False
    assert ws["systemDatastoresAuthMode"] == "Identity"
    assert ws["imageBuildCompute"] == "cpu-small"
    assert "serverlessComputeSettings" not in ws  # managed network: serverless compute runs in it
    assert ws["kind"] == "Default" and ws["workspaceName"] == "mlw-amlsec-dev"


def test_private_endpoints_cover_every_target_with_the_right_group_and_zones(dev: Program) -> None:
    pes = {r.name: r for r in dev.of_type("network:PrivateEndpoint")}
    groups = {n: pe.inputs["privateLinkServiceConnections"][0]["groupIds"] for n, pe in pes.items()}
    assert groups == {
        "aml-kv-pe": ["vault"],
        "aml-blob-pe": ["blob"],
        "aml-file-pe": ["file"],
        "aml-cr-pe": ["registry"],
        "aml-mlw-pe": ["amlworkspace"],
        "aml-gov-mlr-pe": ["amlregistry"],
        "aml-gov-mlr-st-pe": ["blob"],
        "aml-gov-mlr-cr-pe": ["registry"],
    }
    targets = {"aml-kv-pe": "keyvault:Vault", "aml-blob-pe": "storage:StorageAccount", "aml-file-pe": "storage:StorageAccount",
               "aml-cr-pe": "containerregistry:Registry", "aml-mlw-pe": "machinelearningservices:Workspace",
               "aml-gov-mlr-pe": "machinelearningservices:Registry"}  # fmt: skip
    for name, typ in targets.items():
        assert dev.depends(pes[name], dev.one(typ)), name
    zone_groups = {
        r.name: r.inputs["privateDnsZoneConfigs"] for r in dev.of_type("network:PrivateDnsZoneGroup")
    }
    ml_zones = {c["privateDnsZoneId"].rsplit("/", 1)[-1] for c in zone_groups["aml-mlw-dns"]}
    assert ml_zones == {"privatelink.api.azureml.ms", "privatelink.notebooks.azure.net"}


def test_network_nsgs_and_dns_zones(dev: Program) -> None:
    vnet = dev.one("network:VirtualNetwork")
    assert vnet.inputs["addressSpace"] == {"addressPrefixes": ["10.20.0.0/22"]}
    subnets = dev.of_type("network:Subnet")
    assert [s.name for s in subnets] == ["aml-net-snet-pe"]  # managed network: no compute subnet
    assert subnets[0].inputs["networkSecurityGroup"]["id"]
    assert subnets[0].inputs["defaultOutboundAccess"] is False
    for nsg in dev.of_type("network:NetworkSecurityGroup"):
        rules = nsg.inputs["securityRules"]
        assert all(r["access"] == "Deny" for r in rules if r["direction"] == "Inbound")
        assert rules[0]["sourceAddressPrefix"] == "Internet" and rules[0]["destinationPortRange"] == "*"
    assert {z.inputs["privateZoneName"] for z in dev.of_type("privatedns:PrivateZone")} == ZONES
    links = dev.of_type("privatedns:VirtualNetworkLink")
    assert len(links) == 6 and all(link.inputs["registrationEnabled"] is False for link in links)
    assert all(dev.depends(link, vnet) for link in links)


def test_monitoring(dev: Program) -> None:
    law = dev.one("operationalinsights:Workspace").inputs
    assert law["features"]["disableLocalAuth"] is True and law["retentionInDays"] == 30
    appi = dev.one("applicationinsights:Component")
    assert appi.inputs["disableLocalAuth"] is True and appi.inputs["ingestionMode"] == "LogAnalytics"
    assert dev.depends(appi, dev.one("operationalinsights:Workspace"))
    diags = {d.name: d for d in dev.of_type("monitor:DiagnosticSetting")}
    assert set(diags) == {
        "aml-kv-diag", "aml-blob-diag", "aml-file-diag", "aml-cr-diag", "aml-mlw-diag", "aml-gov-mlr-diag"
    }  # fmt: skip
    for d in diags.values():
        assert d.inputs["logs"] == [{"categoryGroup": "allLogs", "enabled": True}]
        assert dev.depends(d, dev.one("operationalinsights:Workspace"))
    assert diags["aml-blob-diag"].inputs["resourceUri"].endswith("/blobServices/default")
    assert diags["aml-file-diag"].inputs["resourceUri"].endswith("/fileServices/default")
    assert diags["aml-blob-diag"].inputs["metrics"] == [{"category": "Transaction", "enabled": True}]
    assert dev.depends(diags["aml-blob-diag"], dev.one("storage:StorageAccount"))
    assert dev.depends(diags["aml-mlw-diag"], dev.one("machinelearningservices:Workspace"))


def test_key_vault_and_key(dev: Program) -> None:
    props = dev.one("keyvault:Vault").inputs["properties"]
    assert props["enableRbacAuthorization"] is True and props["enablePurgeProtection"] is True
    assert props["enableSoftDelete"] is True and props["softDeleteRetentionInDays"] == 90
    assert props["publicNetworkAccess"] == "Disabled" and props["networkAcls"]["defaultAction"] == "Deny"
    assert (
        props["sku"] == {"family": "A", "name": "premium"}
        and props["tenantId"] == "00000000-0000-0000-0000-00000000000a"
    )
    key = dev.one("keyvault:Key").inputs["properties"]
    assert key["kty"] == "RSA-HSM" and key["keySize"] == 3072
    assert key["rotationPolicy"] == {
        "attributes": {"expiryTime": "P365D"},
        "lifetimeActions": [
            {"action": {"type": "rotate"}, "trigger": {"timeAfterCreate": "P90D"}},
            {"action": {"type": "notify"}, "trigger": {"timeBeforeExpiry": "P30D"}},
        ],
    }


def test_storage_account(dev: Program) -> None:
    st = dev.one("storage:StorageAccount").inputs
    expected = {
        "allowSharedKeyAccess": False, "allowBlobPublicAccess": False, "publicNetworkAccess": "Disabled",
        "minimumTlsVersion": "TLS1_2", "enableHttpsTrafficOnly": True, "allowCrossTenantReplication": False,
        "defaultToOAuthAuthentication": True, "kind": "StorageV2", "sku": {"name": "Standard_LRS"},
        "accountName": "stamlsecdevab1cd",
    }  # fmt: skip
    assert {k: st[k] for k in expected} == expected
    enc = st["encryption"]
    assert enc["keySource"] == "Microsoft.Keyvault" and enc["requireInfrastructureEncryption"] is True
    assert enc["keyVaultProperties"] == {
        "keyName": "cmk",
        "keyVaultUri": "https://kv-amlsec-dev-ab1cd.vault.azure.net/",
    }
    assert (
        enc["encryptionIdentity"]["encryptionUserAssignedIdentity"]
        == st["identity"]["userAssignedIdentities"][0]
    )


def test_container_registry(dev: Program) -> None:
    cr = dev.one("containerregistry:Registry").inputs
    assert (
        cr["sku"] == {"name": "Premium"}
        and cr["adminUserEnabled"] is False
        and cr["anonymousPullEnabled"] is False
    )
    assert cr["publicNetworkAccess"] == "Disabled" and cr["policies"] == {
        "exportPolicy": {"status": "disabled"}
    }
    # Microsoft-managed encryption: the registry cannot reach a key behind the vault firewall (test_cmk.py).
    assert cr["encryption"] == {"status": "disabled"} and "identity" not in cr
    assert cr["zoneRedundancy"] == "Disabled"


def test_compute_instance_and_cluster(dev: Program) -> None:
    ci = dev.named("aml-compute-ci-ci-alice").inputs
    assert ci["computeName"] == "ci-alice-ab1cd"  # the stack suffix: instance names are unique per region
    assert (
        ci["properties"]["disableLocalAuth"] is True and ci["properties"]["computeType"] == "ComputeInstance"
    )
    p = ci["properties"]["properties"]
    assert p["applicationSharingPolicy"] == "Personal" and p["computeInstanceAuthorizationType"] == "personal"
    assert p["personalComputeInstanceSettings"] == {
        "assignedUser": {
            "objectId": "00000000-0000-0000-0000-00000000a11c",
            "tenantId": "00000000-0000-0000-0000-00000000000a",
        }
    }
    assert p["sshSettings"] == {"sshPublicAccess": "Disabled"} and p["enableNodePublicIp"] is False
    assert p["enableSSO"] is False and p["idleTimeBeforeShutdown"] == "PT30M"
    assert p["schedules"] == {
        "computeStartStop": [
            {
                "action": "Stop",
                "triggerType": "Cron",
                "cron": {"expression": "0 19 * * 1-5", "timeZone": "UTC"},
                "status": "Enabled",
            }
        ]
    }
    cc = dev.named("aml-compute-cc-cpu-small").inputs
    assert cc["properties"]["disableLocalAuth"] is True
    cp = cc["properties"]["properties"]
    assert cp["enableNodePublicIp"] is False and cp["remoteLoginPortPublicAccess"] == "Disabled"
    assert cp["osType"] == "Linux" and "userAccountCredentials" not in cp
    assert cp["scaleSettings"] == {
        "minNodeCount": 0,
        "maxNodeCount": 2,
        "nodeIdleTimeBeforeScaleDown": "PT120S",
    }
    assert cc["identity"]["type"] == "UserAssigned"


def test_dependency_order(dev: Program) -> None:
    ws = dev.one("machinelearningservices:Workspace")
    ws_pe, ws_dns = dev.named("aml-mlw-pe"), dev.named("aml-mlw-dns")
    for compute in dev.of_type("machinelearningservices:Compute"):
        assert dev.depends(compute, ws_pe) and dev.depends(compute, ws_dns), compute.name
    cmk_ra, cmk_wait = dev.named("aml-kv-ra-cmk"), dev.named("aml-kv-cmk-wait")
    assert role_of(cmk_ra) == "Key Vault Crypto Service Encryption User"
    assert dev.depends(ws, cmk_wait) and dev.depends(cmk_wait, cmk_ra)
    access_wait = dev.named("aml-access-wait")
    assert dev.depends(ws, access_wait)
    for ra in dev.of_type("authorization:RoleAssignment"):
        if ra.name.startswith("aml-access-"):
            assert dev.depends(access_wait, ra), ra.name
    assert dev.depends(dev.one("storage:StorageAccount"), cmk_wait)


def test_role_assignments(dev: Program) -> None:
    """Every grant of the dev plan, by name: role, principal type and scope (each one single resource, the
    resource group only for the network approver). The documented reason of each is in access.GRANTS."""
    grants = {}
    for ra in dev.of_type("authorization:RoleAssignment"):
        if ra.name.startswith("aml-gov-ci-"):
            continue  # the keyless CI identity's roles: tests/components/test_governance.py
        role = role_of(ra)
        assert role not in ("Owner", "User Access Administrator")
        if ra.inputs["principalType"] != "ServicePrincipal":
            assert role != "Contributor"
        grants[ra.name] = (role, ra.inputs["principalType"], ra.inputs["scope"].split("/providers/")[-1])
    sp, grp = "ServicePrincipal", "Group"
    st, kv = "storage/StorageAccount/stamlsecdevab1cd", "keyvault/Vault/kv-amlsec-dev-ab1cd"
    cr, mlw = (
        "containerregistry/Registry/cramlsecdevab1cd",
        "machinelearningservices/Workspace/mlw-amlsec-dev",
    )
    assert grants == {
        "aml-kv-ra-deployer": ("Key Vault Crypto Officer", "User", kv),
        "aml-kv-ra-cosmosdb": ("Key Vault Crypto Service Encryption User", sp, kv),
        "aml-kv-ra-cmk": ("Key Vault Crypto Service Encryption User", sp, kv),
        "aml-access-st-ra-contributor": ("Contributor", sp, st),
        "aml-access-st-ra-blob": ("Storage Blob Data Contributor", sp, st),
        "aml-access-kv-ra-contributor": ("Contributor", sp, kv),
        "aml-access-kv-ra-admin": ("Key Vault Administrator", sp, kv),
        "aml-access-acr-ra-contributor": ("Contributor", sp, cr),
        "aml-access-appi-ra-contributor": ("Contributor", sp, "applicationinsights/Component/aml-mon-appi"),
        "aml-access-rg-ra-approver": (
            "Azure AI Enterprise Network Connection Approver",
            sp,
            f"/subscriptions/{SUB}/resourceGroups/rg-amlsec-dev",
        ),
        "aml-access-blob-pe-ra-reader": ("Reader", sp, "network/PrivateEndpoint/aml-blob-pe"),
        "aml-access-file-pe-ra-reader": ("Reader", sp, "network/PrivateEndpoint/aml-file-pe"),
        "aml-mlw-ra-contributor": ("Contributor", sp, mlw),
        "aml-jobs-st-ra-blob": ("Storage Blob Data Contributor", sp, st),
        "aml-jobs-acr-ra-acrpull": ("AcrPull", sp, cr),
        "aml-jobs-mlr-ra-registryuser": (
            "AzureML Registry User",
            sp,
            "machinelearningservices/Registry/mlr-amlsec-dev",
        ),
        "aml-personas-ra-datascientists": ("AzureML Data Scientist", grp, mlw),
        "aml-personas-ra-mlengineers": ("AzureML Compute Operator", grp, mlw),
        "aml-personas-ra-readers": ("Reader", grp, mlw),
        "aml-personas-st-ra-datascientists-blob": ("Storage Blob Data Contributor", grp, st),
        "aml-personas-st-ra-datascientists-file": ("Storage File Data Privileged Contributor", grp, st),
        "aml-personas-st-ra-mlengineers-blob": ("Storage Blob Data Reader", grp, st),
        "aml-personas-st-ra-mlengineers-file": ("Storage File Data Privileged Reader", grp, st),
        "aml-personas-st-ra-readers-blob": ("Storage Blob Data Reader", grp, st),
        "aml-personas-st-ra-readers-file": ("Storage File Data Privileged Reader", grp, st),
    }
    group = dev.one("azuread:index/group:Group").inputs
    assert group["displayName"] == "aml-dev-ml-engineers" and group["securityEnabled"] is True
    assert (
        dev.named("aml-personas-ra-mlengineers").inputs["principalId"]
        == "aml-personas-group-mlengineers-object-id"
    )


def test_every_taggable_resource_has_required_tags(dev: Program) -> None:
    for typ in TAGGED_TYPES:
        for r in dev.of_type(typ):
            assert (
                r.inputs["tags"]["environment"] == "dev" and r.inputs["tags"]["owner"] == "ml-platform-team"
            ), r.name


def test_dev_has_no_locks_or_protect(dev: Program) -> None:
    assert dev.of_type("authorization:ManagementLockByScope") == []
    assert not any(r.protect for r in dev.records)


def test_prod_protects_and_locks_stateful_resources(prod: Program) -> None:
    protected = {r.type.split(":", 1)[1] for r in prod.records if r.protect}
    assert protected == {
        "keyvault:Vault",
        "keyvault:Key",
        "storage:StorageAccount",
        "machinelearningservices:Workspace",
        "machinelearningservices:Registry",
        "cognitiveservices:Account",
    }
    locks = {lock.name: lock.inputs for lock in prod.of_type("authorization:ManagementLockByScope")}
    assert set(locks) == {"aml-kv-lock", "aml-st-lock"}
    assert all(lock["level"] == "CanNotDelete" for lock in locks.values())
    assert locks["aml-kv-lock"]["scope"].endswith("/keyvault/Vault/kv-amlsec-prod-ab1cd")
    assert locks["aml-st-lock"]["scope"].endswith("/storage/StorageAccount/stamlsecprodab1cd")
    assert prod.one("storage:StorageAccount").inputs["sku"] == {"name": "Standard_ZRS"}
    assert prod.one("containerregistry:Registry").inputs["zoneRedundancy"] == "Enabled"
    ws = prod.one("machinelearningservices:Workspace").inputs
    assert ws["enableServiceSideCMKEncryption"] is False and set(ws["managedNetwork"]["outboundRules"]) == {
        "pypi",
        "pythonhosted",
        "approved-model-registry",
    }
    assert prod.of_type("azuread:index/group:Group") == []


def test_bring_your_own_vnet_dns_and_log_analytics() -> None:
    rg = f"/subscriptions/{SUB}/resourceGroups/hub-rg/providers"
    zones = {z: f"{rg}/Microsoft.Network/privateDnsZones/{z}" for z in ZONES}
    settings = load_settings(
        {
            "existingVnetId": f"/subscriptions/{SUB}/resourceGroups/spoke-rg/providers/Microsoft.Network/virtualNetworks/spoke",
            "vnetAddressSpace": ["10.50.0.0/16"],
            "privateEndpointSubnetPrefix": "10.50.4.0/24",
            "existingPrivateDnsZoneIds": zones,
            "existingLogAnalyticsWorkspaceId": f"{rg}/Microsoft.OperationalInsights/workspaces/central",
            "resourceGroupName": "team-rg",
        },
        "westeurope",
    )
    byo = platform(settings)
    for absent in ("network:VirtualNetwork", "privatedns:PrivateZone", "privatedns:VirtualNetworkLink",
                   "operationalinsights:Workspace", "resources:ResourceGroup"):  # fmt: skip
        assert byo.of_type(absent) == [], absent
    subnet = byo.one("network:Subnet").inputs
    assert subnet["virtualNetworkName"] == "spoke" and subnet["resourceGroupName"] == "spoke-rg"
    assert subnet["addressPrefix"] == "10.50.4.0/24"
    ws_dns = byo.named("aml-mlw-dns").inputs["privateDnsZoneConfigs"]
    assert {c["privateDnsZoneId"] for c in ws_dns} == {
        zones["privatelink.api.azureml.ms"],
        zones["privatelink.notebooks.azure.net"],
    }
    assert byo.named("aml-kv-diag").inputs["workspaceId"].endswith("/workspaces/central")
    assert byo.one("keyvault:Vault").inputs["resourceGroupName"] == "team-rg"


def test_no_managed_network_gets_a_compute_subnet() -> None:
    base = load_settings(*stack_config("dev"))
    settings = replace(
        base, isolation_mode="Disabled", compute_subnet_prefix="10.20.1.0/24", outbound_rules={}
    )
    prog = platform(settings)
    subnets = {s.name: s for s in prog.of_type("network:Subnet")}
    assert set(subnets) == {"aml-net-snet-pe", "aml-net-snet-compute"}
    assert prog.depends(subnets["aml-net-snet-compute"], subnets["aml-net-snet-pe"])  # one after the other
    assert len(prog.of_type("network:NetworkSecurityGroup")) == 2
    ws = prog.one("machinelearningservices:Workspace").inputs
    assert ws["managedNetwork"]["isolationMode"] == "Disabled" and ws["provisionNetworkNow"] is False
    for compute in prog.of_type("machinelearningservices:Compute"):
        assert compute.inputs["properties"]["properties"]["subnet"]["id"].endswith("aml-net-snet-compute")
