"""Azure Machine Learning endpoints, deployments, datastores and registries."""

from __future__ import annotations

import re
from collections.abc import Iterable

from pulumi_policy import Severity

from .helpers import (
    MISSING,
    UNKNOWN,
    Anchors,
    Config,
    Resource,
    at,
    expect,
    fixes_for,
    fmt,
    resource_policy,
    shown,
    str_list,
    unknown_message,
)

ML = "azure-native:machinelearningservices:"
ONLINE_ENDPOINT = ML + "OnlineEndpoint"
ONLINE_DEPLOYMENT = ML + "OnlineDeployment"
BATCH_DEPLOYMENT = ML + "BatchDeployment"
DATASTORE = ML + "Datastore"
REGISTRY = ML + "Registry"


def _endpoint_auth(r: Resource, cfg: Config) -> Iterable[str]:
    return expect(r.props, "properties.authMode", ["AADToken", "AMLToken"])


def _endpoint_network(r: Resource, cfg: Config) -> Iterable[str]:
    if r.type == ONLINE_ENDPOINT:
        return expect(r.props, "properties.publicNetworkAccess", ["Disabled"], default="Enabled")
    return expect(r.props, "properties.egressPublicNetworkAccess", ["Disabled"], default="Enabled")


_ARM = r"/subscriptions/[^/]+/resourcegroups/[^/]+/providers/microsoft\.machinelearningservices"
_WORKSPACE_MODEL = re.compile(
    r"azureml:[^/:@]+[:@][^/]+"  # azureml:<name>:<version> or azureml:<name>@<label>
    rf"|{_ARM}/workspaces/[^/]+/models/[^/]+(/versions/[^/]+)?"
    r"|azureml://subscriptions/[^/]+/resourcegroups/[^/]+/workspaces/[^/]+/models/[^/]+(/versions/[^/]+)?"
    r"|azureml://locations/[^/]+/workspaces/[^/]+/models/[^/]+(/versions/[^/]+)?",
    re.IGNORECASE,
)
_REGISTRY_MODEL = re.compile(
    r"azureml://registries/(?P<a>[^/]+)/models/[^/]+(/(versions|labels)/[^/]+)?"
    rf"|{_ARM}/registries/(?P<b>[^/]+)/models/[^/]+(/versions/[^/]+)?",
    re.IGNORECASE,
)


def model_violation(path: str, model: object, approved: list[str]) -> str | None:
    """Why a model reference is not a workspace asset or an approved registry's model, else None."""
    if model is UNKNOWN:
        return None  # a reference produced by another resource (a model version): counts as present
    if not isinstance(model, str) or not model.strip():
        return f"{path} is {shown(model)}; must reference a registered model asset."
    text = model.strip()
    if _WORKSPACE_MODEL.fullmatch(text):
        return None
    m = _REGISTRY_MODEL.fullmatch(text)
    if m:
        registry = m.group("a") or m.group("b") or ""
        if registry.casefold() in {a.casefold() for a in approved}:
            return None
        listed = ", ".join(fmt(a) for a in approved) if approved else "none"
        return f"{path} is {fmt(text)}; registry {fmt(registry)} is not in approvedRegistries (approved: {listed})."
    return (
        f"{path} is {fmt(text)}; must be a workspace model asset or "
        "azureml://registries/<registry>/models/... with an approved registry."
    )


def _approved_model(r: Resource, cfg: Config) -> Iterable[str]:
    approved = cfg.strings("approvedRegistries")
    model = at(r.props, "properties.model")
    if model is MISSING:
        return []
    if r.type == BATCH_DEPLOYMENT and isinstance(model, dict):
        ref_type = at(model, "referenceType")
        if ref_type is UNKNOWN:
            return [unknown_message("properties.model.referenceType")]
        if not (isinstance(ref_type, str) and ref_type.casefold() == "id"):
            return [
                f"properties.model.referenceType is {shown(ref_type)}; "
                'must be "Id" (a registered model asset, not a data path or job output).'
            ]
        asset = at(model, "assetId")
        found = model_violation("properties.model.assetId", asset, approved)
        return [found] if found else []
    found = model_violation("properties.model", model, approved)
    return [found] if found else []


def _datastore(r: Resource, cfg: Config) -> Iterable[str]:
    return expect(r.props, "properties.credentials.credentialsType", ["None"])


def check_registry_network(r: Resource, cfg: Config) -> list[str]:
    """AML registry publicNetworkAccess Disabled (Azure's default is Enabled)."""
    return expect(r.props, "publicNetworkAccess", ["Disabled"], default="Enabled")


POLICIES = [
    resource_policy(
        name="endpoint-auth",
        description="Azure Machine Learning online endpoints must use token authentication, not keys.",
        types=[ONLINE_ENDPOINT],
        check=_endpoint_auth,
        severity=Severity.HIGH,
        anchors=Anchors(mcsb=("IM-1",)),
        remediation_steps='Set properties.authMode to "AADToken" (Entra ID) or "AMLToken".',
    ),
    resource_policy(
        name="endpoint-public-network",
        description="Azure Machine Learning online endpoints and deployments must not use public networks.",
        types=[ONLINE_ENDPOINT, ONLINE_DEPLOYMENT],
        check=_endpoint_network,
        severity=Severity.HIGH,
        anchors=Anchors(mcsb=("NS-2",)),
        remediation_steps=(
            "Set the endpoint's properties.publicNetworkAccess and each deployment's "
            'properties.egressPublicNetworkAccess to "Disabled".'
        ),
    ),
    resource_policy(
        name="deployment-approved-model",
        description="Azure Machine Learning deployments must serve workspace models or models from approved registries.",
        types=[ONLINE_DEPLOYMENT, BATCH_DEPLOYMENT],
        check=_approved_model,
        config={
            "approvedRegistries": str_list(
                [], "Azure ML registries whose models may be deployed (azureml://registries/<name>/...)."
            )
        },
        severity=Severity.HIGH,
        anchors=Anchors(
            azure_policy=("12e5dd16-d201-47ff-849b-8454061c293d", "19539b54-c61e-4196-9a38-67598701be90"),
            mcsb=("AI-1",),
        ),
        remediation_steps=(
            "Register the model in the workspace (azureml:<name>:<version>) or in an approved registry, "
            "and list that registry in approvedRegistries."
        ),
    ),
    resource_policy(
        name="datastore-credentials",
        description="Azure Machine Learning datastores must use identity-based access, not stored credentials.",
        types=[DATASTORE],
        check=_datastore,
        severity=Severity.HIGH,
        anchors=Anchors(mcsb=("IM-1",)),
        remediation_steps=(
            'Set properties.credentials.credentialsType to "None" and grant the workspace identity data '
            "access (for example Storage Blob Data Reader) instead of account keys, SAS or secrets."
        ),
    ),
    resource_policy(
        name="registry-public-network",
        description="Azure Machine Learning registries must disable public network access.",
        types=[REGISTRY],
        check=check_registry_network,
        fixes=fixes_for((check_registry_network, "publicNetworkAccess", "Disabled")),
        severity=Severity.HIGH,
        anchors=Anchors(mcsb=("NS-2",)),
        remediation_steps='Set publicNetworkAccess to "Disabled" and reach the registry through a private endpoint.',
    ),
]
