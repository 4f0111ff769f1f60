"""Property-based: random and malformed property trees through the real protocol never break a rule.

A rule that raised would fail the gRPC call (and `pulumi preview`); one that leaked an UnknownValueError
would show as pulumi-policy's advisory "can't run policy"; one that hit a bug shows "could not evaluate".
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from preflight.analyzer import PolicyPackProcess
from preflight.model import SECRET_SIG_KEY, UNKNOWN, RecordedResource, secret

from . import baselines as b
from .baselines import changed
from .conftest import configured
from .path_baselines import PATH_BASELINES
from .support import res, urn
from .test_resource_rules import BASELINES

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TYPES = [
    *sorted({t for t, _ in BASELINES.values()}),
    *sorted({t for t, _ in PATH_BASELINES.values()}),
    "azure-native:resources:DeploymentAtScope",
    "azure-native:resources:DeploymentAtManagementGroupScope",
    "azure-native:resources:DeploymentAtTenantScope",
    "azure-native:resources:DeploymentStackAtSubscription",
    "azure:machinelearning/computeInstance:ComputeInstance",
    "azure:privatelink/endpoint:Endpoint",
    "azure:monitoring/diagnosticSetting:DiagnosticSetting",
    "azure:privatedns/zone:Zone",
    "azure-native:network:PrivateEndpoint",
    "azure-native:monitor:DiagnosticSetting",
    "azure-native:privatedns:PrivateZone",
    "azure-native:security:Pricing",
    "azure-native:storage:BlobServiceProperties",
    "azure-native:insights:Component",
    "azure-native:machinelearningservices/v20250101preview:Compute",
    "azure-native_keyvault_v20240401:keyvault:Key",
    "random:index/randomString:RandomString",
    "azure-native:cognitiveservices/v20250601:Account",
    "azure-native_cognitiveservices_v20250601:cognitiveservices:RaiPolicy",
]
WORDS = [
    "properties",
    "publicNetworkAccess",
    "managedNetwork",
    "isolationMode",
    "outboundRules",
    "type",
    "destination",
    "serviceTag",
    "encryption",
    "status",
    "keyVaultProperties",
    "identity",
    "computeType",
    "enableNodePublicIp",
    "sshSettings",
    "idleTimeBeforeShutdown",
    "scaleSettings",
    "minNodeCount",
    "userAccountCredentials",
    "model",
    "referenceType",
    "assetId",
    "credentials",
    "credentialsType",
    "securityRules",
    "direction",
    "access",
    "sourceAddressPrefix",
    "sourceAddressPrefixes",
    "destinationPortRange",
    "destinationPortRanges",
    "subnets",
    "networkSecurityGroup",
    "name",
    "kty",
    "keySize",
    "curveName",
    "rotationPolicy",
    "lifetimeActions",
    "action",
    "roleDefinitionId",
    "principalType",
    "scope",
    "condition",
    "permissions",
    "actions",
    "assignableScopes",
    "tags",
    "location",
    "logs",
    "enabled",
    "categoryGroup",
    "workspaceId",
    "resourceUri",
    "privateLinkServiceConnections",
    "groupIds",
    "kind",
    "privateZoneName",
    "pricingName",
    "pricingTier",
    "workspaceName",
    "id",
    "features",
    "retentionInDays",
    "disableLocalAuth",
    "restrictOutboundNetworkAccess",
    "allowedFqdnList",
    "customSubDomainName",
    "networkAcls",
    "defaultAction",
    "keySource",
    "raiPolicyName",
    "contentFilters",
    "blocking",
    "versionUpgradeOption",
    "version",
    "format",
    "resourceProviderNamespace",
    "resourceType",
    "parentResourcePath",
    "template",
    "templateLink",
    "parameters",
    "resources",
    "value",
    "defaultValue",
    "expressionEvaluationOptions",
    "condition",
    "existing",
    "publicNetworkAccessEnabled",
    "sharedAccessKeyEnabled",
    "roleDefinitionName",
    "ssh",
    "customerManagedKey",
    "privateServiceConnection",
    "subresourceNames",
    "targetResourceId",
    "enabledLogs",
]
STRINGS = [
    "*",
    "*.com",
    "Enabled",
    "disabled",
    "Internet",
    "Inbound",
    "Allow",
    "22",
    "3389",
    "20-3400",
    "0.0.0.0/0",
    "FQDN",
    "ServiceTag",
    "PrivateEndpoint",
    "ComputeInstance",
    "AmlCompute",
    "VirtualMachine",
    "RSA",
    "EC",
    "PT30M",
    "P1D",
    "Project",
    "/",
    "/subscriptions/s",
    "b24988ac-6180-42a0-ab88-20f7382dd24c",
    "f58310d9-a9f6-439a-9e8d-f62e7b41a168",
    "azureml://registries/r/models/m/versions/1",
    "Id",
    "allLogs",
    "amlworkspace",
    "User",
    UNKNOWN,
    "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",
    "",
    "AIServices",
    "Jailbreak",
    "Indirect Attack",
    "Microsoft.DefaultV2",
    "NoAutoUpgrade",
    "Microsoft.KeyVault",
    "Microsoft.MachineLearningServices",
    "workspaces",
    "workspaces/ws",
    "computes",
    "Microsoft.Storage/storageAccounts",
    "Microsoft.Resources/deployments",
    "[parameters('x')]",
    "[variables('x')]",
    "[[literal",
    "[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'x')]",
    "[resourceId(parameters('x'), 'y')]",
    "Owner",
    "inner",
]
leaves = (
    st.none()
    | st.booleans()
    | st.integers(-100_000, 100_000)
    | st.floats(allow_nan=False, allow_infinity=False, width=32)
    | st.text(max_size=10)
    | st.sampled_from(STRINGS)
)
keys = st.sampled_from(WORDS) | st.text(max_size=6)
trees = st.recursive(
    leaves,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=5) | inner.map(secret),
    max_leaves=30,
)
props = st.dictionaries(keys, trees, max_size=8)


def _paths(tree: Any, prefix: str = "") -> list[str]:
    """Every dotted path into a tree (dict keys and list indexes), not into secret wrappers: a broken
    signature fails in pulumi-policy's deserializer before any rule runs, and the engine never sends one."""
    out: list[str] = []
    if isinstance(tree, dict) and SECRET_SIG_KEY in tree:
        return out
    items = tree.items() if isinstance(tree, dict) else enumerate(tree) if isinstance(tree, list) else []
    for k, v in items:
        if "." in str(k):
            continue  # `changed` takes dotted paths
        p = f"{prefix}{k}"
        out.append(p)
        out += _paths(v, p + ".")
    return out


BASELINE_ITEMS = [*BASELINES.values(), *PATH_BASELINES.values()]


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    """A baseline with one to three paths replaced by random trees (malformed near-miss input)."""
    type_token, base = draw(st.sampled_from(BASELINE_ITEMS))
    props_ = base
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(props_)
        if not paths:
            break
        props_ = changed(props_, draw(st.sampled_from(paths)), draw(trees))
    return type_token, props_


def _assert_clean(violations: list[Any]) -> None:
    broken = [v for v in violations if "could not evaluate" in v.message or "can't run policy" in v.message]
    assert broken == []


@SETTINGS
@given(st.lists(st.tuples(st.sampled_from(TYPES), props), min_size=1, max_size=6))
def test_random_property_trees(pack: PolicyPackProcess, items: list[tuple[str, dict[str, Any]]]) -> None:
    resources = [res(t, f"r{i}", p) for i, (t, p) in enumerate(items)]
    _assert_clean(pack.analyze_many(resources))


@SETTINGS
@given(st.lists(mutated(), min_size=1, max_size=6))
def test_malformed_baselines(pack: PolicyPackProcess, items: list[tuple[str, dict[str, Any]]]) -> None:
    resources = [res(t, f"m{i}", p) for i, (t, p) in enumerate(items)]
    _assert_clean(pack.analyze_many(resources))


@SETTINGS
@given(
    st.lists(st.one_of(mutated(), st.tuples(st.sampled_from(TYPES), props)), min_size=1, max_size=10),
    st.data(),
)
def test_random_stacks(
    pack: PolicyPackProcess, items: list[tuple[str, dict[str, Any]]], data: st.DataObject
) -> None:
    names = [f"s{i}" for i in range(len(items))]
    urns = [urn(t, n) for (t, _), n in zip(items, names, strict=True)]
    resources = []
    for (t, p), n in zip(items, names, strict=True):
        deps = data.draw(
            st.dictionaries(st.sampled_from(WORDS), st.lists(st.sampled_from(urns), max_size=3), max_size=4)
        )
        resources.append(
            RecordedResource(urn=urn(t, n), type=t, name=n, custom=True, inputs=p, property_dependencies=deps)
        )
    _assert_clean(pack.analyze_stack(resources))


@settings(max_examples=30, deadline=None)
@given(st.lists(mutated(), min_size=1, max_size=3))
def test_random_remediations(pack: PolicyPackProcess, items: list[tuple[str, dict[str, Any]]]) -> None:
    with configured(pack, {"all": "remediate"}):
        for i, (t, p) in enumerate(items):
            for _, new in pack.remediate(res(t, f"x{i}", p)):
                assert isinstance(new, dict)


def test_unknown_everywhere_is_reported_not_crashed(pack: PolicyPackProcess) -> None:
    """Whole objects unknown (first preview of a resource built from outputs) are violations, never errors."""
    resources = [res(t, f"u{i}", {k: UNKNOWN for k in p}) for i, (t, p) in enumerate(BASELINE_ITEMS)]
    violations = pack.analyze_many(resources)
    _assert_clean(violations)
    assert any("must be known at preview" in v.message for v in violations)
    assert b.WORKSPACE  # baselines untouched by mutation helpers
