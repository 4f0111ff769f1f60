"""The Terraform-bridged classic provider (`pulumi-azure`, tokens `azure:<module>/<resource>:<Resource>`).

Each governed classic type has one map from its arguments (camelCase, as the engine sends them) to the
azure-native input the rules read, with the provider's documented default where it has one: an absent
argument is read as that default, because that is what the provider sends to Azure. Names and defaults
come from the pulumi-azure 6.x SDK (recorded in tests/policies/fixtures/classic_args.json by
tests/policies/fixtures/record_classic_args.py; a test holds these maps to that record).
A control the classic provider cannot express names the azure-native resource that can.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from .helpers import MISSING, UNKNOWN, at, fmt, is_unknown
from .paths import AN, UNKNOWN_VALUE, View

Convert = Callable[[Any], Any]


def _same(value: Any) -> Any:
    return value


def _enabled(true: str = "Enabled", false: str = "Disabled") -> Convert:
    """A boolean argument read as an enum (`publicNetworkAccessEnabled: false` -> `"Disabled"`)."""

    def convert(value: Any) -> Any:
        if isinstance(value, bool):
            return true if value else false
        return value  # malformed or unknown: the rule reports it as it is

    return convert


def _negate(value: Any) -> Any:
    """`localAuthEnabled` read as `disableLocalAuth`."""
    return (not value) if isinstance(value, bool) else value


def _present(when_set: Any) -> Convert:
    """A block whose presence is the setting (`customerManagedKey` -> keySource Microsoft.Keyvault)."""

    def convert(value: Any) -> Any:
        if is_unknown(value):
            return value
        return when_set if value not in (None, MISSING, [], {}) else MISSING

    return convert


def _last_segment(value: Any) -> Any:
    """A resource ID's last segment (a workspace ID read as `workspaceName` for stack correlation)."""
    if isinstance(value, str) and not is_unknown(value):
        return value.rstrip("/").rsplit("/", 1)[-1]
    return value


@dataclass(frozen=True)
class Arg:
    """One classic argument: where the rules read it, how its value converts, its documented default."""

    classic: str
    native: str
    convert: Convert = _same
    default: Any = MISSING


@dataclass(frozen=True)
class ClassicType:
    """A classic type read as an azure-native type."""

    native: str
    args: tuple[Arg, ...]
    fixed: tuple[tuple[str, Any], ...] = ()
    cannot: tuple[tuple[str, str], ...] = ()
    """(azure-native path, argument it would need): what this classic resource cannot express."""


_NAME = "(classic argument {}{})"
ROLE_GUIDS: Final = {
    "owner": "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
    "user access administrator": "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
    "role based access control administrator": "f58310d9-a9f6-439a-9e8d-f62e7b41a168",
    "contributor": "b24988ac-6180-42a0-ab88-20f7382dd24c",
}
"""Built-in role names a `roleDefinitionName` may give, with their GUIDs (the roles rbac-privileged-roles judges)."""


def _role_by_name(value: Any) -> Any:
    if isinstance(value, str) and not is_unknown(value):
        guid = ROLE_GUIDS.get(" ".join(value.split()).casefold())
        return f"/providers/Microsoft.Authorization/roleDefinitions/{guid}" if guid else MISSING
    return value


def _connection(block: Any) -> Any:
    """A private endpoint's `privateServiceConnection` block as azure-native's connection list."""
    if not isinstance(block, dict):
        return block
    return [
        {
            "privateLinkServiceId": block.get("privateConnectionResourceId"),
            "groupIds": block.get("subresourceNames"),
        }
    ]


def _enabled_logs(logs: Any) -> Any:
    """`enabledLogs` blocks (each enabled by being listed) as azure-native `logs` entries."""
    if not isinstance(logs, list):
        return logs
    return [
        {**{k: v for k, v in entry.items() if k in ("category", "categoryGroup")}, "enabled": True}
        if isinstance(entry, dict)
        else entry
        for entry in logs
    ]


_INNER = "properties.properties"
CLASSIC: Final[dict[str, ClassicType]] = {
    "azure:machinelearning/workspace:Workspace": ClassicType(
        "machinelearningservices:Workspace",
        (
            Arg("publicNetworkAccessEnabled", "publicNetworkAccess", _enabled(), True),
            Arg("managedNetwork.isolationMode", "managedNetwork.isolationMode"),
            Arg("encryption", "encryption.status", _present("Enabled")),
            Arg("encryption.keyVaultId", "encryption.keyVaultProperties.keyVaultArmId"),
            Arg("encryption.keyId", "encryption.keyVaultProperties.keyIdentifier"),
            Arg("highBusinessImpact", "hbiWorkspace"),
            Arg("identity.type", "identity.type"),
            Arg("identity.identityIds", "identity.userAssignedIdentities"),
            Arg("primaryUserAssignedIdentity", "primaryUserAssignedIdentity"),
            Arg("storageAccountAccessType", "systemDatastoresAuthMode", _same, "AccessKey"),
            Arg("v1LegacyModeEnabled", "v1LegacyMode", _same, False),
            Arg("kind", "kind", _same, "Default"),
            Arg("location", "location"),
            Arg("tags", "tags"),
        ),
    ),
    "azure:machinelearning/computeInstance:ComputeInstance": ClassicType(
        "machinelearningservices:Compute",
        (
            Arg("localAuthEnabled", "properties.disableLocalAuth", _negate, True),
            Arg("nodePublicIpEnabled", f"{_INNER}.enableNodePublicIp", _same, True),
            Arg(
                "ssh", f"{_INNER}.sshSettings.sshPublicAccess", lambda v: _present("Enabled")(v) or "Disabled"
            ),
            Arg("assignToUser.objectId", f"{_INNER}.personalComputeInstanceSettings.assignedUser.objectId"),
            Arg("authorizationType", f"{_INNER}.computeInstanceAuthorizationType"),
            Arg("subnetResourceId", f"{_INNER}.subnet.id"),
            Arg("machineLearningWorkspaceId", "workspaceName", _last_segment),
            Arg("tags", "tags"),
        ),
        fixed=(("properties.computeType", "ComputeInstance"),),
        cannot=(
            (f"{_INNER}.applicationSharingPolicy", "applicationSharingPolicy"),
            (f"{_INNER}.idleTimeBeforeShutdown", "idleTimeBeforeShutdown"),
        ),
    ),
    "azure:machinelearning/computeCluster:ComputeCluster": ClassicType(
        "machinelearningservices:Compute",
        (
            Arg("localAuthEnabled", "properties.disableLocalAuth", _negate, True),
            Arg("nodePublicIpEnabled", f"{_INNER}.enableNodePublicIp", _same, True),
            Arg("sshPublicAccessEnabled", f"{_INNER}.remoteLoginPortPublicAccess", _enabled(), False),
            Arg(
                "ssh", f"{_INNER}.userAccountCredentials", _present({"adminUserName": "(classic ssh block)"})
            ),
            Arg("scaleSettings.minNodeCount", f"{_INNER}.scaleSettings.minNodeCount"),
            Arg("subnetResourceId", f"{_INNER}.subnet.id"),
            Arg("machineLearningWorkspaceId", "workspaceName", _last_segment),
            Arg("location", "location"),
            Arg("tags", "tags"),
        ),
        fixed=(("properties.computeType", "AmlCompute"),),
    ),
    "azure:machinelearning/workspaceNetworkOutboundRuleFqdn:WorkspaceNetworkOutboundRuleFqdn": ClassicType(
        "machinelearningservices:ManagedNetworkSettingsRule",
        (Arg("destinationFqdn", "properties.destination"),),
        fixed=(("properties.type", "FQDN"),),
    ),
    "azure:machinelearning/workspaceNetworkOutboundRuleServiceTag:WorkspaceNetworkOutboundRuleServiceTag": (
        ClassicType(
            "machinelearningservices:ManagedNetworkSettingsRule",
            (Arg("serviceTag", "properties.destination.serviceTag"),),
            fixed=(("properties.type", "ServiceTag"),),
        )
    ),
    "azure:storage/account:Account": ClassicType(
        "storage:StorageAccount",
        (
            Arg("sharedAccessKeyEnabled", "allowSharedKeyAccess", _same, True),
            Arg("allowNestedItemsToBePublic", "allowBlobPublicAccess", _same, True),
            Arg("publicNetworkAccessEnabled", "publicNetworkAccess", _enabled(), True),
            Arg("networkRules.defaultAction", "networkRuleSet.defaultAction"),
            Arg("minTlsVersion", "minimumTlsVersion", _same, "TLS1_2"),
            Arg("httpsTrafficOnlyEnabled", "enableHttpsTrafficOnly", _same, True),
            Arg("customerManagedKey", "encryption.keySource", _present("Microsoft.Keyvault")),
            Arg(
                "infrastructureEncryptionEnabled", "encryption.requireInfrastructureEncryption", _same, False
            ),
            Arg("crossTenantReplicationEnabled", "allowCrossTenantReplication", _same, False),
            Arg("accountKind", "kind", _same, "StorageV2"),
            Arg("location", "location"),
            Arg("tags", "tags"),
        ),
    ),
    "azure:keyvault/keyVault:KeyVault": ClassicType(
        "keyvault:Vault",
        (
            Arg("purgeProtectionEnabled", "properties.enablePurgeProtection"),
            Arg("rbacAuthorizationEnabled", "properties.enableRbacAuthorization", _same, False),
            Arg("publicNetworkAccessEnabled", "properties.publicNetworkAccess", _enabled(), True),
            Arg("networkAcls.defaultAction", "properties.networkAcls.defaultAction"),
            Arg("location", "location"),
            Arg("tags", "tags"),
        ),
    ),
    "azure:containerservice/registry:Registry": ClassicType(
        "containerregistry:Registry",
        (
            Arg("adminEnabled", "adminUserEnabled", _same, False),
            Arg("anonymousPullEnabled", "anonymousPullEnabled"),
            Arg("publicNetworkAccessEnabled", "publicNetworkAccess", _enabled(), True),
            Arg("sku", "sku.name"),
            Arg("exportPolicyEnabled", "policies.exportPolicy.status", _enabled("enabled", "disabled"), True),
            Arg("encryption", "encryption.status", _present("enabled")),
            Arg("location", "location"),
            Arg("tags", "tags"),
        ),
    ),
    "azure:authorization/assignment:Assignment": ClassicType(
        "authorization:RoleAssignment",
        (
            Arg("roleDefinitionId", "roleDefinitionId"),
            Arg("principalId", "principalId"),
            Arg("principalType", "principalType"),
            Arg("scope", "scope"),
            Arg("condition", "condition"),
            Arg("conditionVersion", "conditionVersion"),
        ),
    ),
    "azure:network/networkSecurityRule:NetworkSecurityRule": ClassicType(
        "network:SecurityRule",
        tuple(
            Arg(n, n)
            for n in (
                "direction",
                "access",
                "sourceAddressPrefix",
                "sourceAddressPrefixes",
                "destinationPortRange",
                "destinationPortRanges",
                "name",
            )
        ),
    ),
    # read by the stack rules (private-endpoints, diagnostics, private-dns) to correlate classic stacks
    "azure:privatelink/endpoint:Endpoint": ClassicType(
        "network:PrivateEndpoint",
        (
            Arg("privateServiceConnection", "privateLinkServiceConnections", _connection),
            Arg("location", "location"),
            Arg("tags", "tags"),
        ),
    ),
    "azure:monitoring/diagnosticSetting:DiagnosticSetting": ClassicType(
        "monitor:DiagnosticSetting",
        (
            Arg("targetResourceId", "resourceUri"),
            Arg("logAnalyticsWorkspaceId", "workspaceId"),
            Arg("enabledLogs", "logs", _enabled_logs),
        ),
    ),
    "azure:privatedns/zone:Zone": ClassicType(
        "privatedns:PrivateZone", (Arg("name", "privateZoneName"), Arg("tags", "tags"))
    ),
    "azure:network/networkSecurityGroup:NetworkSecurityGroup": ClassicType(
        "network:NetworkSecurityGroup",
        (Arg("securityRules", "securityRules"), Arg("location", "location"), Arg("tags", "tags")),
    ),
}


def _set(tree: dict[str, Any], path: str, value: Any) -> None:
    steps = path.split(".")
    node = tree
    for step in steps[:-1]:
        nxt = node.get(step)
        if not isinstance(nxt, dict):
            nxt = node[step] = {}
        node = nxt
    node[steps[-1]] = value


def classic_view(token: str, name: str, props: dict[str, Any]) -> View | None:
    """The azure-native view of a governed classic resource, or None for any other classic type."""
    spec = CLASSIC.get(token)
    if spec is None:
        return None
    out: dict[str, Any] = {}
    notes: list[tuple[str, str]] = []
    for path, value in spec.fixed:
        _set(out, path, value)
    for arg in spec.args:
        value = at(props, arg.classic)
        if value is MISSING and arg.default is not MISSING:
            converted = arg.convert(arg.default)
            note = _NAME.format(arg.classic, f" not set, the provider's default is {fmt(arg.default)}")
        else:
            converted = UNKNOWN_VALUE if value is UNKNOWN else arg.convert(value)
            note = _NAME.format(
                arg.classic, "" if value is MISSING or value is UNKNOWN else f" = {fmt(value)}"
            )
        renamed = arg.classic != arg.native or arg.default is not MISSING
        if token == "azure:authorization/assignment:Assignment" and arg.native == "roleDefinitionId":
            by_name = at(props, "roleDefinitionName")
            if value is MISSING and by_name is not MISSING:
                converted = _role_by_name(UNKNOWN_VALUE if by_name is UNKNOWN else by_name)
                note, renamed = _NAME.format("roleDefinitionName", f" = {fmt(by_name)}"), True
        if converted is not MISSING:
            _set(out, arg.native, converted)
        if renamed:
            notes.append((arg.native, note))
    native = AN + spec.native
    for path, argument in spec.cannot:
        notes.append(
            (
                path,
                f"(the classic provider {token} cannot set {argument}: declare this resource with {native} "
                "to meet this control)",
            )
        )
    return View(native, name, out, f"classic provider {token} `{name}`: ", tuple(notes))
