"""An emulated Azure (the SDK's `Mocks` interface, served by the offline engine): ARM-shaped IDs, auto-naming,
typed outputs, invokes.

Any azure-native resource type is served: the resource class is found through the SDK's own
resource-module registry, its ARM path comes from a table of well-known types or, for the rest, from
the SDK's argument names (parents are the required `*Name` arguments). Outputs are the inputs reshaped
to the SDK's output types (an identity list of IDs becomes a map), plus what Azure computes. In
preview mode IDs and computed outputs stay unknown, as in a first `pulumi preview`.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import importlib.util
import inspect
import json
import os
import re
import tempfile
import typing
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pulumi import _types
from pulumi.output import Unknown
from pulumi.runtime.mocks import MockCallArgs, MockResourceArgs, Mocks
from pulumi.runtime.rpc import UNKNOWN

EMULATED_SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"
EMULATED_TENANT = "00000000-0000-0000-0000-00000000000a"
EMULATED_CLIENT = "00000000-0000-0000-0000-00000000000c"
EMULATED_OBJECT = "00000000-0000-0000-0000-00000000000b"

_PACKAGES = {
    "azure-native": "pulumi_azure_native",
    "azuread": "pulumi_azuread",
    "random": "pulumi_random",
    "time": "pulumiverse_time",
}
# Display names of Microsoft first-party applications a program looks up by client (application) ID. Their
# object IDs differ per tenant; the emulated tenant derives one deterministically from the application ID.
_FIRST_PARTY_APPS = {"a232010e-820c-4083-83bb-3ace5fc29d0b": "Azure Cosmos DB"}

# ARM namespaces of azure-native modules whose name is not simply "Microsoft.<Module>".
_NAMESPACES = {
    "machinelearningservices": "Microsoft.MachineLearningServices",
    "storage": "Microsoft.Storage",
    "keyvault": "Microsoft.KeyVault",
    "containerregistry": "Microsoft.ContainerRegistry",
    "network": "Microsoft.Network",
    "privatedns": "Microsoft.Network",
    "managedidentity": "Microsoft.ManagedIdentity",
    "operationalinsights": "Microsoft.OperationalInsights",
    "applicationinsights": "Microsoft.Insights",
    "insights": "Microsoft.Insights",
    "monitor": "Microsoft.Insights",
    "authorization": "Microsoft.Authorization",
    "security": "Microsoft.Security",
    "resources": "Microsoft.Resources",
    "compute": "Microsoft.Compute",
    "containerservice": "Microsoft.ContainerService",
    "cognitiveservices": "Microsoft.CognitiveServices",
    "web": "Microsoft.Web",
    "sql": "Microsoft.Sql",
    "documentdb": "Microsoft.DocumentDB",
    "eventhub": "Microsoft.EventHub",
    "servicebus": "Microsoft.ServiceBus",
    "datafactory": "Microsoft.DataFactory",
    "databricks": "Microsoft.Databricks",
    "search": "Microsoft.Search",
    "cache": "Microsoft.Cache",
    "dbforpostgresql": "Microsoft.DBforPostgreSQL",
    "dbformysql": "Microsoft.DBforMySQL",
    "apimanagement": "Microsoft.ApiManagement",
    "appconfiguration": "Microsoft.AppConfiguration",
    "app": "Microsoft.App",
    "eventgrid": "Microsoft.EventGrid",
    "logic": "Microsoft.Logic",
    "synapse": "Microsoft.Synapse",
    "recoveryservices": "Microsoft.RecoveryServices",
    "dataprotection": "Microsoft.DataProtection",
    "cdn": "Microsoft.Cdn",
    "dns": "Microsoft.Network",
    "portal": "Microsoft.Portal",
}

# ARM paths of common types. "{rg}" is the resource group path, "{scope}" an extension scope input;
# "{x}" names an input; the last "{...}" is the resource's own name (auto-named when absent).
_PATHS: dict[str, str] = {
    "resources:ResourceGroup": "/subscriptions/{sub}/resourceGroups/{resourceGroupName}",
    "machinelearningservices:Workspace": "{rg}/providers/Microsoft.MachineLearningServices/workspaces/{workspaceName}",
    "machinelearningservices:Compute": "{rg}/providers/Microsoft.MachineLearningServices/workspaces/{workspaceName}/computes/{computeName}",
    "machinelearningservices:OnlineEndpoint": "{rg}/providers/Microsoft.MachineLearningServices/workspaces/{workspaceName}/onlineEndpoints/{endpointName}",
    "machinelearningservices:OnlineDeployment": "{rg}/providers/Microsoft.MachineLearningServices/workspaces/{workspaceName}/onlineEndpoints/{endpointName}/deployments/{deploymentName}",
    "machinelearningservices:BatchEndpoint": "{rg}/providers/Microsoft.MachineLearningServices/workspaces/{workspaceName}/batchEndpoints/{endpointName}",
    "machinelearningservices:BatchDeployment": "{rg}/providers/Microsoft.MachineLearningServices/workspaces/{workspaceName}/batchEndpoints/{endpointName}/deployments/{deploymentName}",
    "machinelearningservices:Datastore": "{rg}/providers/Microsoft.MachineLearningServices/workspaces/{workspaceName}/datastores/{name}",
    "machinelearningservices:Registry": "{rg}/providers/Microsoft.MachineLearningServices/registries/{registryName}",
    "machinelearningservices:OutboundRule": "{rg}/providers/Microsoft.MachineLearningServices/workspaces/{workspaceName}/outboundRules/{ruleName}",
    "storage:StorageAccount": "{rg}/providers/Microsoft.Storage/storageAccounts/{accountName}",
    "storage:BlobServiceProperties": "{rg}/providers/Microsoft.Storage/storageAccounts/{accountName}/blobServices/{blobServicesName=default}",
    "storage:FileServiceProperties": "{rg}/providers/Microsoft.Storage/storageAccounts/{accountName}/fileServices/{fileServicesName=default}",
    "storage:BlobContainer": "{rg}/providers/Microsoft.Storage/storageAccounts/{accountName}/blobServices/default/containers/{containerName}",
    "keyvault:Vault": "{rg}/providers/Microsoft.KeyVault/vaults/{vaultName}",
    "keyvault:Key": "{rg}/providers/Microsoft.KeyVault/vaults/{vaultName}/keys/{keyName}",
    "keyvault:Secret": "{rg}/providers/Microsoft.KeyVault/vaults/{vaultName}/secrets/{secretName}",
    "containerregistry:Registry": "{rg}/providers/Microsoft.ContainerRegistry/registries/{registryName}",
    "network:VirtualNetwork": "{rg}/providers/Microsoft.Network/virtualNetworks/{virtualNetworkName}",
    "network:Subnet": "{rg}/providers/Microsoft.Network/virtualNetworks/{virtualNetworkName}/subnets/{subnetName}",
    "network:NetworkSecurityGroup": "{rg}/providers/Microsoft.Network/networkSecurityGroups/{networkSecurityGroupName}",
    "network:SecurityRule": "{rg}/providers/Microsoft.Network/networkSecurityGroups/{networkSecurityGroupName}/securityRules/{securityRuleName}",
    "network:PrivateEndpoint": "{rg}/providers/Microsoft.Network/privateEndpoints/{privateEndpointName}",
    "network:PrivateDnsZoneGroup": "{rg}/providers/Microsoft.Network/privateEndpoints/{privateEndpointName}/privateDnsZoneGroups/{privateDnsZoneGroupName}",
    "network:RouteTable": "{rg}/providers/Microsoft.Network/routeTables/{routeTableName}",
    "network:PublicIPAddress": "{rg}/providers/Microsoft.Network/publicIPAddresses/{publicIpAddressName}",
    "privatedns:PrivateZone": "{rg}/providers/Microsoft.Network/privateDnsZones/{privateZoneName}",
    "privatedns:VirtualNetworkLink": "{rg}/providers/Microsoft.Network/privateDnsZones/{privateZoneName}/virtualNetworkLinks/{virtualNetworkLinkName}",
    "managedidentity:UserAssignedIdentity": "{rg}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{resourceName}",
    "managedidentity:FederatedIdentityCredential": "{rg}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{resourceName}/federatedIdentityCredentials/{federatedIdentityCredentialResourceName}",
    "operationalinsights:Workspace": "{rg}/providers/Microsoft.OperationalInsights/workspaces/{workspaceName}",
    "applicationinsights:Component": "{rg}/providers/Microsoft.Insights/components/{resourceName}",
    "monitor:DiagnosticSetting": "{resourceUri}/providers/Microsoft.Insights/diagnosticSettings/{name}",
    "monitor:SubscriptionDiagnosticSetting": "/subscriptions/{sub}/providers/Microsoft.Insights/diagnosticSettings/{name}",
    "authorization:RoleAssignment": "{scope}/providers/Microsoft.Authorization/roleAssignments/{roleAssignmentName}",
    "authorization:RoleDefinition": "{scope}/providers/Microsoft.Authorization/roleDefinitions/{roleDefinitionId}",
    "authorization:PolicyAssignment": "{scope}/providers/Microsoft.Authorization/policyAssignments/{policyAssignmentName}",
    "authorization:ManagementLockByScope": "{scope}/providers/Microsoft.Authorization/locks/{lockName}",
    "authorization:ManagementLockAtResourceGroupLevel": "{rg}/providers/Microsoft.Authorization/locks/{lockName}",
    "authorization:ManagementLockAtResourceLevel": "{rg}/providers/{resourceProviderNamespace}/{resourceType}/{resourceName}/providers/Microsoft.Authorization/locks/{lockName}",
    "security:Pricing": "{scopeId}/providers/Microsoft.Security/pricings/{pricingName}",
}

# Names that Azure generates as GUIDs when none is given (role assignments and the like).
_GUID_NAMES = {"roleAssignmentName", "roleDefinitionId"}


class EmulatorError(RuntimeError):
    """A resource type or invoke the emulated Azure cannot answer."""


@functools.cache
def _registry(package: str) -> dict[str, tuple[str, str]]:
    """Token -> (module, class name) from a provider SDK's own resource-module registry (no import)."""
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        return {}
    text = Path(spec.origin).read_text()
    match = re.search(r'resource_modules="""(.*?)"""', text, re.S)
    if not match:
        return {}
    out: dict[str, tuple[str, str]] = {}
    for entry in json.loads(match.group(1)):
        for token, cls in entry.get("classes", {}).items():
            out[token] = (entry["fqn"], cls)
    return out


@functools.cache
def resource_class(token: str) -> type | None:
    """The SDK class registered for a resource type token, or None when no SDK here knows it."""
    package = _PACKAGES.get(token.split(":", 1)[0])
    if package is None:
        return None
    found = _registry(package).get(token)
    if found is None:
        return None
    module = importlib.import_module(found[0])
    cls = getattr(module, found[1], None)
    return cls if isinstance(cls, type) else None


def _camel(snake: str) -> str:
    head, *rest = snake.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


def _lower_first(s: str) -> str:
    return s[:1].lower() + s[1:]


def _plural(s: str) -> str:
    if s.endswith("y") and not s.endswith(("ay", "ey", "oy")):
        return s[:-1] + "ies"
    if s.endswith(("s", "x")):
        return s + "es"
    return s + "s"


@functools.cache
def _args_signature(token: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(required, optional) argument names of a resource, camelCase, in the SDK's order."""
    cls = resource_class(token)
    if cls is None:
        return (), ()
    args_cls = getattr(importlib.import_module(cls.__module__), f"{cls.__name__}Args", None)
    if args_cls is None:
        return (), ()
    required: list[str] = []
    optional: list[str] = []
    for name, p in inspect.signature(args_cls.__init__).parameters.items():
        if name in ("self", "__self__") or p.kind is not inspect.Parameter.KEYWORD_ONLY:
            continue
        (required if p.default is inspect.Parameter.empty else optional).append(_camel(name.rstrip("_")))
    return tuple(required), tuple(optional)


@functools.cache
def path_template(token: str) -> str:
    """The ARM ID template of an azure-native resource type (table, else derived from the SDK; remembered in
    the schema cache, so a later run does not import the SDK module for it)."""
    cached = SCHEMA.entry(token).get("template")
    if isinstance(cached, str):
        return cached
    template = _derive_path_template(token)
    SCHEMA.remember(token, template=template)
    return template


def _derive_path_template(token: str) -> str:
    _, module, resource = token.split(":")
    key = f"{module}:{resource}"
    if key in _PATHS:
        return _PATHS[key]
    required, optional = _args_signature(token)
    namespace = _NAMESPACES.get(module, f"Microsoft.{module[:1].upper()}{module[1:]}")
    own_candidates = [f"{_lower_first(resource)}Name", "resourceName", "name"]
    own = next((c for c in own_candidates if c in optional or c in required), None)
    if own is None:
        own = next((o for o in optional if o.endswith("Name")), f"{_lower_first(resource)}Name")
    parents = [r for r in required if r.endswith("Name") and r not in ("resourceGroupName", own)]
    # Order parents outermost first: a parent whose own resource type has fewer parents comes first.
    parents.sort(key=lambda p: _depth(f"azure-native:{module}:{p[:1].upper()}{p[1:-4]}", 0))
    if "resourceGroupName" in required or "resourceGroupName" in optional:
        base = "{rg}"
    elif "scope" in required:
        base = "{scope}"
    else:
        base = "/subscriptions/{sub}"
    segments = [f"{_plural(p[:-4])}/{{{p}}}" for p in parents]
    segments.append(f"{_plural(_lower_first(resource))}/{{{own}}}")
    return f"{base}/providers/{namespace}/" + "/".join(segments)


def _depth(token: str, level: int) -> int:
    """How many parent names a resource type takes (0 for a top-level or unknown type)."""
    if level > 5 or resource_class(token) is None:
        return 0
    required, _ = _args_signature(token)
    return len([r for r in required if r.endswith("Name") and r != "resourceGroupName"])


_PLACEHOLDER = re.compile(r"\{([A-Za-z]+)(?:=([^}]*))?\}")


def own_name_key(template: str) -> str | None:
    """The input that holds the resource's own name: the template's last placeholder."""
    names = [m.group(1) for m in _PLACEHOLDER.finditer(template)]
    names = [n for n in names if n not in ("rg", "sub", "scope", "resourceUri", "scopeId")]
    return names[-1] if names else None


def suffix(seed: str, length: int = 8) -> str:
    """A random-looking but deterministic suffix, as azure-native auto-naming appends."""
    return hashlib.sha256(seed.encode()).hexdigest()[:length]


def det_guid(seed: str) -> str:
    """A deterministic GUID for values Azure would generate."""
    return str(uuid.UUID(hashlib.sha256(seed.encode()).hexdigest()[:32], version=4))


# -- output shaping ----------------------------------------------------------------------------


def _unwrap_optional(tp: Any) -> Any:
    args = typing.get_args(tp)
    if typing.get_origin(tp) is typing.Union and type(None) in args:
        rest = [a for a in args if a is not type(None)]
        return rest[0] if len(rest) == 1 else tp
    return tp


def _strip_output(tp: Any) -> Any:
    """`pulumi.Output[X]` / `Optional[X]` -> X."""
    tp = _unwrap_optional(tp)
    origin = typing.get_origin(tp)
    if origin is not None and getattr(origin, "__name__", "") == "Output":
        tp = _unwrap_optional(typing.get_args(tp)[0])
    return tp


def shape(value: Any, tp: Any, preview: bool = False) -> Any:
    """Reshape an input value to the SDK's output type; None where the shapes cannot match.

    In preview, fields of an output object that the inputs do not give are unknown (Azure computes
    them on create), as are maps keyed by values that are themselves unknown.
    """
    return shape_described(value, describe(tp), preview)


Described = Any
"""A type as the shaping needs it, in JSON: "any", "scalar" (str, int, float, bool), "other", {"o": output type
name} (fields in `SCHEMA.types`), {"m": item} (a map), {"l": item} (a list)."""


def describe(tp: Any) -> Described:
    """The shaping's view of an SDK type (output types recorded once in the schema cache, by name)."""
    tp = _strip_output(tp)
    if tp is Any:
        return "any"
    origin = typing.get_origin(tp)
    name = getattr(origin, "__name__", "") if origin is not None else ""
    if isinstance(tp, type) and _types.is_output_type(tp):
        key = f"{tp.__module__}.{tp.__qualname__}"
        if key not in SCHEMA.types:
            SCHEMA.types[key] = {}  # before its fields: an output type can contain itself
            SCHEMA.types[key] = {k: describe(v) for k, v in _output_fields(tp).items()}
            SCHEMA.dirty = True
        return {"o": key}
    if origin in (dict, Mapping) or name == "Mapping":
        return {"m": describe(typing.get_args(tp)[1] if typing.get_args(tp) else Any)}
    if origin in (list, Sequence) or name == "Sequence":
        return {"l": describe(typing.get_args(tp)[0] if typing.get_args(tp) else Any)}
    return "scalar" if tp in (str, int, float, bool) else "other"


def shape_described(value: Any, described: Described, preview: bool = False) -> Any:
    """`shape` over a described type (no SDK class needed)."""
    if value is None or described == "any":
        return value
    if isinstance(value, Unknown):
        return UNKNOWN
    if isinstance(described, dict):
        if "o" in described:
            if not isinstance(value, Mapping):
                return None
            fields = SCHEMA.types.get(described["o"], {})
            out = {k: shape_described(v, fields[k], preview) if k in fields else v for k, v in value.items()}
            if preview:
                for k in fields:
                    out.setdefault(k, UNKNOWN)
            return out
        if "m" in described:
            item = described["m"]
            if isinstance(value, list):
                # e.g. userAssignedIdentities: a list of IDs in, a map of ID -> details out.
                if not all(isinstance(v, str) for v in value):
                    return UNKNOWN
                return {v: shape_described({}, item, preview) for v in value}
            if isinstance(value, Mapping):
                return {k: shape_described(v, item, preview) for k, v in value.items()}
            return None
        if "l" in described:
            if isinstance(value, list):
                return [shape_described(v, described["l"], preview) for v in value]
            return None
    if isinstance(value, Mapping | list):
        return None if described == "scalar" else value
    return value


@functools.cache
def _output_fields(cls: type) -> dict[str, Any]:
    try:
        return dict(_types.output_type_types(cls))
    except Exception:
        return {}


@functools.cache
def _resource_fields(cls: type) -> dict[str, Any]:
    try:
        return dict(_types.resource_types(cls))
    except Exception:
        return {}


def resource_known(token: str) -> bool:
    """Whether an SDK here has this resource type (from the schema cache when it knows the token)."""
    known = SCHEMA.entry(token).get("known")
    if isinstance(known, bool):
        return known
    found = resource_class(token) is not None
    SCHEMA.remember(token, known=found)
    return found


def resource_fields(token: str) -> dict[str, Described]:
    """The output properties of a resource type, described (from the schema cache, else from its SDK class)."""
    fields = SCHEMA.entry(token).get("fields")
    if isinstance(fields, dict):
        return fields
    cls = resource_class(token)
    described = {k: describe(v) for k, v in _resource_fields(cls).items()} if cls is not None else {}
    SCHEMA.remember(token, fields=described)
    return described


class SchemaCache:
    """What the emulator reads from the provider SDKs (type known, ARM path, output shapes), kept on disk per
    SDK version so that a run does not import the azure-native modules the program itself imports.

    The file is `<cache dir>/emulator-schema-<hash of the SDKs' install and this module>.json`, the directory
    `$PREFLIGHT_CACHE_DIR`, else `$XDG_CACHE_HOME/aml-preflight`, else `~/.cache/aml-preflight`. A missing,
    unreadable or unwritable cache only costs time: everything is derived from the SDK again.
    """

    def __init__(self) -> None:
        self.tokens: dict[str, dict[str, Any]] = {}
        self.types: dict[str, dict[str, Described]] = {}
        self.dirty = False
        self.loaded_from: Path | None = None

    @staticmethod
    def path() -> Path:
        """Where this SDK installation's cache lives."""
        versions = []
        for package in sorted(_PACKAGES.values()):
            spec = importlib.util.find_spec(package)
            origin = spec.origin if spec is not None and spec.origin else ""
            stamp = Path(origin).stat().st_mtime_ns if origin else 0
            versions.append(f"{package}={origin}@{stamp}")
        versions.append(hashlib.sha256(Path(__file__).read_bytes()).hexdigest())  # the derivation itself
        digest = hashlib.sha256(f"{_SCHEMA_FORMAT}|{'|'.join(versions)}".encode()).hexdigest()[:16]
        base = os.environ.get("PREFLIGHT_CACHE_DIR") or str(
            Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "aml-preflight"
        )
        return Path(base) / f"emulator-schema-{digest}.json"

    def load(self) -> bool:
        """Read the cache file if there is one; True when it was read."""
        path = self.path()
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            return False
        if not isinstance(data, dict) or data.get("format") != _SCHEMA_FORMAT:
            return False
        self.tokens = {**data.get("tokens", {}), **self.tokens}
        self.types = {**data.get("types", {}), **self.types}
        self.loaded_from = path
        return True

    def save(self) -> None:
        """Write what this run learned (atomically: parallel runs each write a whole file)."""
        if not self.dirty:
            return
        path = self.path()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".schema-", suffix=".json")
            with os.fdopen(fd, "w") as handle:
                json.dump({"format": _SCHEMA_FORMAT, "tokens": self.tokens, "types": self.types}, handle)
            os.replace(tmp, path)
            self.dirty = False
        except OSError:
            return

    def entry(self, token: str) -> dict[str, Any]:
        """What is known of one token (empty when nothing is)."""
        return self.tokens.get(token, {})

    def remember(self, token: str, **facts: Any) -> None:
        """Record facts about a token, to be saved at the end of the run."""
        self.tokens.setdefault(token, {}).update(facts)
        self.dirty = True


_SCHEMA_FORMAT = 1
SCHEMA = SchemaCache()
"""The process's schema cache (the offline engine loads it before the program starts and saves it after)."""


# -- the mocks ---------------------------------------------------------------------------------


_PATTERN_EXPR = re.compile(r"\$\{([^}]*)\}")
_SIZED_EXPR = re.compile(r"(hex|alphanum|string|num)\((\d{1,3})\)")
_RANDOM_ALPHABETS = {
    "hex": "0123456789abcdef",
    "alphanum": "abcdefghijklmnopqrstuvwxyz0123456789",
    "string": "abcdefghijklmnopqrstuvwxyz",
    "num": "0123456789",
}


def _autonaming_spec(config: Mapping[str, Any], token: str) -> Mapping[str, Any]:
    """The most specific `pulumi:autonaming` setting for a type: resources.<type>, providers.<package>, top."""
    package = token.split(":", 1)[0]
    providers = config.get("providers") if isinstance(config, Mapping) else None
    provider = providers.get(package) if isinstance(providers, Mapping) else None
    resources = provider.get("resources") if isinstance(provider, Mapping) else None
    for spec in (resources.get(token) if isinstance(resources, Mapping) else None, provider, config):
        if isinstance(spec, Mapping) and ("mode" in spec or "pattern" in spec):
            return spec
    return {}


@dataclass
class EmulatorSettings:
    """What the emulated Azure answers with: subscription, tenant, default location, mode."""

    preview: bool = True
    subscription_id: str = EMULATED_SUBSCRIPTION
    tenant_id: str = EMULATED_TENANT
    location: str = "westeurope"
    project: str = "project"
    stack: str = "stack"
    autonaming: Mapping[str, Any] = field(default_factory=dict)
    """`pulumi:autonaming` from the stack config: how names the program leaves out are generated."""
    config: Mapping[str, str] = field(default_factory=dict)
    """The stack's config, for `${config.key}` in an autonaming pattern."""


Computed = Callable[[str, str, dict[str, Any], "AzureEmulator"], dict[str, Any]]


def _identity_outputs(name: str, rid: str, inputs: dict[str, Any], emu: AzureEmulator) -> dict[str, Any]:
    return {
        "principalId": det_guid("principal" + rid),
        "clientId": det_guid("client" + rid),
        "tenantId": emu.settings.tenant_id,
    }


def _ml_registry_outputs(name: str, rid: str, inputs: dict[str, Any], emu: AzureEmulator) -> dict[str, Any]:
    """An Azure ML registry's system-created storage account and ACR get ARM IDs (in the registry's managed
    resource group) once created, as the API documents ("populated once ... created")."""
    managed = (
        f"/subscriptions/{emu.settings.subscription_id}/resourceGroups/azureml-rg-{name}_{det_guid(rid)}"
    )

    def with_id(account: Any, provider: str, short: str) -> dict[str, Any]:
        own = dict(account) if isinstance(account, Mapping) else {}
        own["armResourceId"] = {
            "resourceId": f"{managed}/providers/{provider}/{short}{suffix(rid + provider)}"
        }
        return own

    regions = []
    for region in inputs.get("regionDetails") or []:
        region = dict(region)
        region["acrDetails"] = [
            {
                **acr,
                "systemCreatedAcrAccount": with_id(
                    acr.get("systemCreatedAcrAccount"), "Microsoft.ContainerRegistry/registries", "cr"
                ),
            }
            for acr in region.get("acrDetails") or []
        ]
        region["storageAccountDetails"] = [
            {
                **st,
                "systemCreatedStorageAccount": with_id(
                    st.get("systemCreatedStorageAccount"), "Microsoft.Storage/storageAccounts", "st"
                ),
            }
            for st in region.get("storageAccountDetails") or []
        ]
        regions.append(region)
    return {"regionDetails": regions}


_COMPUTED: dict[str, Computed] = {
    "azure-native:machinelearningservices:Registry": _ml_registry_outputs,
    "azure-native:managedidentity:UserAssignedIdentity": _identity_outputs,
    "azure-native:keyvault:Vault": lambda n, rid, i, e: {
        "properties": {**(i.get("properties") or {}), "vaultUri": f"https://{n}.vault.azure.net/"}
    },
    "azure-native:keyvault:Key": lambda n, rid, i, e: {
        "keyUri": f"https://{i.get('vaultName')}.vault.azure.net/keys/{n}",
        "keyUriWithVersion": f"https://{i.get('vaultName')}.vault.azure.net/keys/{n}/{suffix(rid, 32)}",
    },
    "azure-native:storage:StorageAccount": lambda n, rid, i, e: {
        "primaryEndpoints": {
            "blob": f"https://{n}.blob.core.windows.net/",
            "file": f"https://{n}.file.core.windows.net/",
            "dfs": f"https://{n}.dfs.core.windows.net/",
        }
    },
    "azure-native:containerregistry:Registry": lambda n, rid, i, e: {"loginServer": f"{n}.azurecr.io"},
    "azure-native:machinelearningservices:Workspace": lambda n, rid, i, e: {
        "workspaceId": det_guid("workspace" + rid),
        "discoveryUrl": f"https://{e.settings.location}.api.azureml.ms/discovery",
        "mlFlowTrackingUri": f"azureml://{e.settings.location}.api.azureml.ms/mlflow/v1.0{rid}",
    },
    "azure-native:operationalinsights:Workspace": lambda n, rid, i, e: {"customerId": det_guid("law" + rid)},
    "azure-native:applicationinsights:Component": lambda n, rid, i, e: {
        "appId": det_guid("appid" + rid),
        "instrumentationKey": det_guid("ikey" + rid),
    },
    "azure-native:network:PrivateEndpoint": lambda n, rid, i, e: {
        "customDnsConfigs": [],
        "networkInterfaces": [{"id": rid.replace("privateEndpoints", "networkInterfaces") + "-nic"}],
    },
    "azuread:index/application:Application": lambda n, rid, i, e: {
        "clientId": det_guid("appclient" + rid),
        "objectId": rid,
    },
    "azuread:index/servicePrincipal:ServicePrincipal": lambda n, rid, i, e: {"objectId": rid},
    "azuread:index/group:Group": lambda n, rid, i, e: {"objectId": rid},
    # AI Services account: the endpoint Azure derives from the custom subdomain.
    "azure-native:cognitiveservices:Account": lambda n, rid, i, e: {
        "properties": {
            **(i.get("properties") or {}),
            "endpoint": f"https://{(i.get('properties') or {}).get('customSubDomainName', n)}.cognitiveservices.azure.com/",
        }
    },
}


class AzureEmulator(Mocks):
    """`pulumi.runtime.Mocks` that behave like azure-native (and azuread, random, time) against Azure."""

    settings: EmulatorSettings

    def __init__(self, settings: EmulatorSettings) -> None:
        self.settings = settings
        self.errors: list[str] = []
        self.auto_names: dict[tuple[str, str], tuple[str, str]] = {}
        """(type, logical name) -> (input key, generated name): what the provider's Check adds."""
        self.invokes: list[str] = []

    # Resource registration -----------------------------------------------------------------

    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        """Answer a resource registration with an ID and outputs, or fail naming the type."""
        token = args.typ
        if not args.custom:
            return "", dict(args.inputs)
        if token.startswith("pulumi:providers:"):
            return (det_guid(token + args.name) if not self.settings.preview else ""), dict(args.inputs)
        package = token.split(":", 1)[0]
        try:
            if package == "azure-native":
                return self._azure(token, args)
            if package == "azuread":
                return self._azuread(token, args)
            if package == "random":
                return self._random(token, args)
            if package == "time":
                return self._time(token, args)
            if package == "azure":
                return self._classic(token, args)
        except EmulatorError:
            raise
        except Exception as exc:
            return self._fail(f"emulated Azure failed on resource {args.name!r} of type {token}: {exc}")
        return self._fail(
            f"the emulated Azure cannot answer resource type {token} (resource {args.name!r}): only "
            "azure-native, azure (classic), azuread, random and time resources are emulated"
        )

    def _fail(self, message: str) -> Any:
        self.errors.append(message)
        raise EmulatorError(message)

    def _azure(self, token: str, args: MockResourceArgs) -> tuple[str, dict[str, Any]]:
        if not resource_known(token):
            return self._fail(
                f"the emulated Azure cannot answer resource type {token} (resource {args.name!r}): "
                "pulumi-azure-native has no such resource"
            )
        inputs = dict(args.inputs)
        template = path_template(token)
        own = own_name_key(template)
        name = inputs.get(own) if own else None
        if not isinstance(name, str) or not name:
            seed = f"{self.settings.stack}/{token}/{args.name}"
            name = det_guid(seed) if own in _GUID_NAMES else self.autoname(token, args.name, seed, own)
        rid = self.arm_id(template, inputs, name)
        outputs = self._shaped(token, inputs)
        if own:
            outputs[own] = name
            if inputs.get(own) in (None, ""):
                self.auto_names[(token, args.name)] = (own, name)
        outputs["name"] = name
        outputs.setdefault("location", inputs.get("location") or self.settings.location)
        if self.settings.preview:
            return "", outputs
        outputs["id"] = rid
        outputs["type"] = _arm_type(rid)
        outputs["provisioningState"] = "Succeeded"
        outputs.update(self._identity(inputs.get("identity"), rid, outputs.get("identity")))
        computed = _COMPUTED.get(token)
        if computed is not None:
            outputs.update(computed(name, rid, inputs, self))
        return rid, outputs

    def autoname(self, token: str, logical: str, seed: str, own: str | None) -> str:
        """The name the provider generates for a resource whose name input is left out, per `pulumi:autonaming`.

        Pulumi docs, Concepts > Resources > Names, "Configuring Auto-Naming": `mode` default (the logical
        name and a random suffix), verbatim (the logical name), disabled (the name must be given), or a
        `pattern` of `${...}` expressions; `providers.<package>` and its `resources.<type>` override the top
        level. Random parts are deterministic per stack, type and logical name, as the suffix is.
        """
        spec = _autonaming_spec(self.settings.autonaming, token)
        pattern, mode = spec.get("pattern"), spec.get("mode")
        if pattern is not None:
            if not isinstance(pattern, str) or not pattern:
                return self._fail(f"pulumi:autonaming: pattern {pattern!r} must be a non-empty string")
            return _PATTERN_EXPR.sub(lambda m: self._expand(m.group(1), logical, seed, token), pattern)
        if mode in (None, "default"):
            return f"{logical}{suffix(seed)}"
        if mode == "verbatim":
            return logical
        if mode == "disabled":
            return self._fail(
                f"resource {logical!r} of type {token} has no `{own}`: autonaming is disabled "
                "(pulumi:autonaming mode: disabled), so the name must be given"
            )
        return self._fail(
            f"pulumi:autonaming: mode {mode!r} is not a mode; allowed: default, verbatim, disabled (or a pattern)"
        )

    def _expand(self, expression: str, logical: str, seed: str, token: str) -> str:
        """One `${...}` expression of an autonaming pattern."""
        expr = expression.strip()
        sized = _SIZED_EXPR.fullmatch(expr)
        if sized is not None:
            kind, n = sized.group(1), int(sized.group(2))
            alphabet = _RANDOM_ALPHABETS[kind]
            digest = hashlib.sha256(f"{seed}/{expr}".encode()).digest() * (n // 32 + 1)
            return "".join(alphabet[b % len(alphabet)] for b in digest[:n])
        if expr == "name":
            return logical
        if expr == "uuid":
            return det_guid(f"{seed}/uuid")
        if expr == "project":
            return self.settings.project
        if expr == "stack":
            return self.settings.stack
        if expr.startswith("config."):
            key = expr[len("config.") :]
            full = key if ":" in key else f"{self.settings.project}:{key}"
            value = self.settings.config.get(full)
            if value is None:
                return self._fail(
                    f"pulumi:autonaming: pattern uses ${{{expr}}} but config {full!r} is not set"
                )
            return value
        return self._fail(
            f"pulumi:autonaming: pattern expression ${{{expr}}} (resource type {token}) is not supported offline; "
            "allowed: name, hex(n), alphanum(n), string(n), num(n), uuid, project, stack, config.<key>"
        )

    def arm_id(self, template: str, inputs: Mapping[str, Any], name: str) -> str:
        """Fill an ARM template from inputs; unknown or missing references stay visibly unresolved."""
        own = own_name_key(template)
        rg = (
            f"/subscriptions/{self.settings.subscription_id}/resourceGroups/{inputs.get('resourceGroupName')}"
        )

        def fill(m: re.Match[str]) -> str:
            key, default = m.group(1), m.group(2)
            if key == "rg":
                return rg
            if key == "sub":
                return self.settings.subscription_id
            if key == own:
                return name
            value = inputs.get(key)
            if value is None or value == "":
                return default if default is not None else f"{{{key}}}"
            return str(value).rstrip("/")

        return _PLACEHOLDER.sub(fill, template)

    def _shaped(self, token: str, inputs: dict[str, Any]) -> dict[str, Any]:
        fields = resource_fields(token)
        out: dict[str, Any] = {}
        for key, value in inputs.items():
            if key in fields:
                shaped = shape_described(value, fields[key], self.settings.preview)
                if shaped is not None:
                    out[key] = shaped
        return out

    def _identity(self, identity: Any, rid: str, shaped: Any) -> dict[str, Any]:
        if not isinstance(identity, Mapping):
            return {}
        result = dict(shaped) if isinstance(shaped, Mapping) else {}
        kind = str(identity.get("type", ""))
        if "systemassigned" in kind.replace(" ", "").replace(",", "").lower():
            result["principalId"] = det_guid("system" + rid)
            result["tenantId"] = self.settings.tenant_id
        uai = result.get("userAssignedIdentities")
        if isinstance(uai, Mapping):
            result["userAssignedIdentities"] = {
                k: {"principalId": det_guid("principal" + k), "clientId": det_guid("client" + k)} for k in uai
            }
        return {"identity": result}

    def _classic(self, token: str, args: MockResourceArgs) -> tuple[str, dict[str, Any]]:
        """The classic Terraform-bridged provider (pulumi-azure), served generically: the outputs are the
        inputs; in up mode an ID (from the resource group and the name, or the logical name with a
        suffix); in preview the ID and everything Azure computes stay unknown."""
        outputs = dict(args.inputs)
        if self.settings.preview:
            return "", outputs
        name = outputs.get("name")
        if not isinstance(name, str) or not name:
            name = f"{args.name}{suffix(f'{self.settings.stack}/{token}/{args.name}')}"
            outputs["name"] = name
        module, _, resource = token.split(":", 2)[1].partition("/")
        rg = outputs.get("resourceGroupName")
        scope = f"/subscriptions/{self.settings.subscription_id}"
        if isinstance(rg, str) and rg:
            scope += f"/resourceGroups/{rg}"
        rid = f"{scope}/providers/azure.{module}/{resource}/{name}"
        outputs["id"] = rid
        return rid, outputs

    def _azuread(self, token: str, args: MockResourceArgs) -> tuple[str, dict[str, Any]]:
        if not resource_known(token):
            return self._fail(
                f"the emulated Entra ID cannot answer resource type {token} (resource {args.name!r})"
            )
        outputs = dict(args.inputs)
        if self.settings.preview:
            return "", outputs
        oid = det_guid(f"{self.settings.stack}/{token}/{args.name}")
        computed = _COMPUTED.get(token)
        if computed is not None:
            outputs.update(computed(args.name, oid, outputs, self))
        return oid, outputs

    def _random(self, token: str, args: MockResourceArgs) -> tuple[str, dict[str, Any]]:
        inputs = dict(args.inputs)
        seed = f"{self.settings.stack}/{token}/{args.name}"
        if token == "random:index/randomString:RandomString":
            length = int(inputs.get("length") or 8)
            alphabet = "abcdefghijklmnopqrstuvwxyz"
            if inputs.get("upper", True):
                alphabet += "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
            if inputs.get("numeric", inputs.get("number", True)):
                alphabet += "0123456789"
            digest = hashlib.sha256(seed.encode()).digest() * (length // 32 + 1)
            result = "".join(alphabet[b % len(alphabet)] for b in digest[:length])
            outputs = {**inputs, "result": result}
            return result, outputs
        if token == "random:index/randomId:RandomId":
            n = int(inputs.get("byteLength") or 4)
            hexv = suffix(seed, 2 * n)
            return hexv, {**inputs, "hex": hexv, "dec": str(int(hexv, 16)), "b64Url": hexv, "b64Std": hexv}
        if token == "random:index/randomUuid:RandomUuid":
            g = det_guid(seed)
            return g, {**inputs, "result": g}
        if token == "random:index/randomPet:RandomPet":
            pet = f"emulated-{suffix(seed, 6)}"
            return pet, {**inputs, "id": pet}
        if token == "random:index/randomInteger:RandomInteger":
            lo, hi = int(inputs.get("min") or 0), int(inputs.get("max") or 100)
            value = lo + int(suffix(seed), 16) % max(1, hi - lo + 1)
            return str(value), {**inputs, "result": value}
        return self._fail(f"the emulator cannot answer resource type {token} (resource {args.name!r})")

    def _time(self, token: str, args: MockResourceArgs) -> tuple[str, dict[str, Any]]:
        """pulumiverse-time: a Sleep is not an Azure resource; it only delays, so its outputs are its inputs.
        Its ID is the creation time in the provider; here a deterministic one (known in up mode only)."""
        if token != "time:index/sleep:Sleep":
            return self._fail(
                f"the emulator cannot answer resource type {token} (resource {args.name!r}): of "
                "pulumiverse-time only Sleep is emulated"
            )
        outputs = dict(args.inputs)
        if self.settings.preview:
            return "", outputs
        return f"sleep-{suffix(f'{self.settings.stack}/{token}/{args.name}')}", outputs

    # Invokes --------------------------------------------------------------------------------

    def call(self, args: MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        """Answer provider functions the program calls, or fail naming the function."""
        self.invokes.append(args.token)
        s = self.settings
        if args.token == "azure-native:authorization:getClientConfig":
            return {
                "clientId": EMULATED_CLIENT,
                "objectId": EMULATED_OBJECT,
                "subscriptionId": s.subscription_id,
                "tenantId": s.tenant_id,
            }, []
        if args.token == "azuread:index/getClientConfig:getClientConfig":
            return {"clientId": EMULATED_CLIENT, "objectId": EMULATED_OBJECT, "tenantId": s.tenant_id}, []
        if args.token == "azuread:index/getServicePrincipal:getServicePrincipal":
            return self._service_principal(args.args), []
        if args.token == "azure-native:resources:getResourceGroup":
            rg = args.args.get("resourceGroupName")
            return {
                "id": f"/subscriptions/{s.subscription_id}/resourceGroups/{rg}",
                "name": rg,
                "location": s.location,
            }, []
        if args.token.startswith("azure-native:") and args.token.split(":")[-1].startswith("get"):
            resource = args.token.split(":")[-1][3:]
            module = args.token.split(":")[1]
            token = f"azure-native:{module}:{resource}"
            if resource_known(token):
                template = path_template(token)
                own = own_name_key(template)
                name = str(args.args.get(own, "")) if own else ""
                rid = self.arm_id(template, args.args, name)
                return {**args.args, "id": rid, "name": name, "location": s.location}, []
        self.errors.append(f"the emulated Azure cannot answer function {args.token}")
        raise EmulatorError(f"the emulated Azure cannot answer function {args.token}")

    def _service_principal(self, query: Mapping[str, Any]) -> dict[str, Any]:
        """An existing service principal looked up by client ID (a first-party app, say): deterministic per
        tenant and application, as Entra ID answers. Lookups by display name or object ID are not emulated."""
        client_id = query.get("clientId")
        if not isinstance(client_id, str) or not client_id:
            message = (
                "the emulated Entra ID answers getServicePrincipal by clientId only; got "
                f"{sorted(k for k, v in query.items() if v)}"
            )
            self.errors.append(message)
            raise EmulatorError(message)
        object_id = det_guid(f"{self.settings.tenant_id}/serviceprincipal/{client_id}")
        return {
            "id": object_id,
            "objectId": object_id,
            "clientId": client_id,
            "displayName": _FIRST_PARTY_APPS.get(client_id.lower(), f"emulated-app-{client_id[:8]}"),
            "applicationTenantId": self.settings.tenant_id,
            "accountEnabled": True,
            "type": "Application",
        }


def _arm_type(rid: str) -> str:
    parts = rid.strip("/").split("/")
    if "providers" not in parts:
        return "Microsoft.Resources/resourceGroups"
    i = len(parts) - 1 - parts[::-1].index("providers")
    tail = parts[i + 1 :]
    namespace = tail[0] if tail else ""
    types = tail[1::2]
    return "/".join([namespace, *types])


__all__ = ["AzureEmulator", "EmulatorError", "EmulatorSettings", "path_template"]
