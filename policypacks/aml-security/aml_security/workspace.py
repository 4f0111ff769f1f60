"""Azure Machine Learning workspace controls (kinds Default, Hub and FeatureStore; projects inherit their hub)."""

from __future__ import annotations

from collections.abc import Iterable

from pulumi_policy import Severity

from .helpers import (
    UNKNOWN,
    Anchors,
    Config,
    Resource,
    as_dict,
    at,
    expect,
    fixes_for,
    fmt,
    forbid_true,
    is_unknown,
    require_reference,
    resource_policy,
    shown,
    str_list,
    unknown_message,
)

WORKSPACE = "azure-native:machinelearningservices:Workspace"
OUTBOUND_RULE = "azure-native:machinelearningservices:ManagedNetworkSettingsRule"


def _applies(r: Resource) -> bool:
    """Projects (kind Project) take network, encryption and identity settings from their hub."""
    kind = at(r.props, "kind")
    return not (isinstance(kind, str) and kind.casefold() == "project")


def check_public_access(r: Resource, cfg: Config) -> list[str]:
    """publicNetworkAccess Disabled (Azure's default is Enabled)."""
    if not _applies(r):
        return []
    return expect(r.props, "publicNetworkAccess", ["Disabled"], default="Enabled")


def check_behind_vnet(r: Resource, cfg: Config) -> list[str]:
    """allowPublicAccessWhenBehindVnet not true."""
    return forbid_true(r.props, "allowPublicAccessWhenBehindVnet") if _applies(r) else []


def _public_network(r: Resource, cfg: Config) -> Iterable[str]:
    return check_public_access(r, cfg) + check_behind_vnet(r, cfg)


def _managed_network(r: Resource, cfg: Config) -> Iterable[str]:
    if not _applies(r):
        return []
    allowed = cfg.strings("allowedIsolationModes")
    return expect(r.props, "managedNetwork.isolationMode", allowed, default="Disabled")


# The generic categories of RFC 1591 (com, edu, gov, int, mil, net, org) and the two spellings registries
# use for them under country codes (co, ac): `*.co.uk` or `*.com.au` reach every owner in that country.
_GENERIC_SECOND_LEVEL = frozenset({"com", "edu", "gov", "int", "mil", "net", "org", "co", "ac"})


def wildcard_reach(pattern: str) -> str | None:
    """What a wildcard FQDN pattern opens when it reaches hosts of every owner, else None.

    A pattern is judged by what it matches, not by its spelling: `*` may stand for any characters
    (dots included), so a match is only bound by the literal text after the last `*`. Of that text,
    only whole labels bind (in `*com` or `*-x.com` the first label is partial). The pattern is open
    when those labels name no registrable domain: none (`*`, `**`, `*.*`), a single label (a top-level
    domain: `*.com`, `*.com.`), or a generic category under a two-letter country code (`*.co.uk`).
    """
    text = pattern.strip().casefold().rstrip(".")
    if "*" not in text:
        return None
    fixed = text.rsplit("*", 1)[1]
    labels = [label for label in fixed.split(".")]
    if not fixed.startswith("."):
        labels = labels[1:]  # the wildcard extends the first label
    labels = [label for label in labels if label]
    if not labels:
        return "every host name"
    if len(labels) == 1:
        return f"every host under the top-level domain {fmt(labels[0])}"
    if len(labels) == 2 and labels[0] in _GENERIC_SECOND_LEVEL and len(labels[1]) == 2:
        return f"every host under the public suffix {fmt('.'.join(labels))}"
    return None


def _fqdn_allowed(destination: str, allow_list: list[str]) -> bool:
    """Equal to an entry (case-insensitive) or under a `*.` wildcard entry."""
    d = destination.casefold().rstrip(".")
    for entry in allow_list:
        e = entry.casefold().rstrip(".")
        if d == e or (e.startswith("*.") and d.endswith(e[1:])):
            return True
    return False


def _outbound_rules(r: Resource, cfg: Config) -> Iterable[str]:
    if not _applies(r):
        return
    allow_list = cfg.strings("allowedFqdns")
    if r.type == OUTBOUND_RULE:  # one rule as its own resource (ManagedNetworkSettingsRule)
        yield from _judge_rule(at(r.props, "properties"), "properties", allow_list)
        return
    rules = at(r.props, "managedNetwork.outboundRules")
    if rules is UNKNOWN:
        yield unknown_message("managedNetwork.outboundRules")
        return
    for name, rule in as_dict(rules).items():
        yield from _judge_rule(rule, f"managedNetwork.outboundRules.{name}", allow_list)


def _judge_rule(rule: object, where: str, allow_list: list[str]) -> Iterable[str]:
    """Violations of one outbound rule (`where` is its path in messages)."""
    if is_unknown(rule):
        yield unknown_message(where)
        return
    rule_type = at(rule, "type")
    if rule_type is UNKNOWN:
        yield unknown_message(f"{where}.type")
        return
    kind = rule_type.casefold() if isinstance(rule_type, str) else ""
    if kind == "fqdn":
        dest = at(rule, "destination")
        if dest is UNKNOWN:
            yield unknown_message(f"{where}.destination")
        elif not isinstance(dest, str) or not dest.strip():
            yield f"{where}.destination is {shown(dest)}; a FQDN rule needs a host name."
        elif (reach := wildcard_reach(dest)) is not None:
            yield (
                f"{where}.destination is {fmt(dest)}; a FQDN rule must not open the internet "
                f"(it matches {reach})."
            )
        elif allow_list and not _fqdn_allowed(dest.strip(), allow_list):
            yield f"{where}.destination is {fmt(dest)}; it is not in allowedFqdns."
    elif kind == "servicetag":
        tag = at(rule, "destination.serviceTag")
        if tag is UNKNOWN:
            yield unknown_message(f"{where}.destination.serviceTag")
        elif isinstance(tag, str) and tag.strip().casefold() in ("internet", "*"):
            yield f"{where}.destination.serviceTag is {fmt(tag)}; a service tag rule must not open the internet."
    elif kind != "privateendpoint":
        yield f'{where}.type is {shown(rule_type)}; must be "FQDN", "PrivateEndpoint" or "ServiceTag".'


def _cmk(r: Resource, cfg: Config) -> Iterable[str]:
    if not _applies(r):
        return []
    out = expect(r.props, "encryption.status", ["Enabled"], default="Disabled (Microsoft-managed keys)")
    why = "a customer-managed key needs the key vault and the key"
    out += require_reference(r.props, "encryption.keyVaultProperties.keyVaultArmId", why)
    out += require_reference(r.props, "encryption.keyVaultProperties.keyIdentifier", why)
    return out


def _hbi(r: Resource, cfg: Config) -> Iterable[str]:
    return expect(r.props, "hbiWorkspace", [True], default="false") if _applies(r) else []


def _identity(r: Resource, cfg: Config) -> Iterable[str]:
    if not _applies(r):
        return []
    out: list[str] = []
    kind = at(r.props, "identity.type")
    if kind is UNKNOWN:
        out.append(unknown_message("identity.type"))
    elif not isinstance(kind, str):
        out.append(f'identity.type is {shown(kind)}; must include "UserAssigned".')
    elif "userassigned" not in [k.strip().casefold() for k in kind.split(",")]:
        out.append(f'identity.type is {fmt(kind)}; must include "UserAssigned".')
    out += require_reference(
        r.props, "primaryUserAssignedIdentity", "set it to the user-assigned identity the workspace uses"
    )
    return out


def _datastore_auth(r: Resource, cfg: Config) -> Iterable[str]:
    if not _applies(r):
        return []
    return expect(r.props, "systemDatastoresAuthMode", ["identity"], default="AccessKey")


def _legacy(r: Resource, cfg: Config) -> Iterable[str]:
    return forbid_true(r.props, "v1LegacyMode") if _applies(r) else []


_NETWORK_STEPS = "Network isolation for Azure ML: https://learn.microsoft.com/azure/machine-learning/how-to-network-isolation-planning"

POLICIES = [
    resource_policy(
        name="ws-public-network",
        description="Azure Machine Learning workspaces must disable public network access.",
        types=[WORKSPACE],
        check=_public_network,
        fixes=fixes_for(
            (check_public_access, "publicNetworkAccess", "Disabled"),
            (check_behind_vnet, "allowPublicAccessWhenBehindVnet", False),
        ),
        severity=Severity.HIGH,
        anchors=Anchors(
            azure_policy=("438c38d2-3772-465a-a9cc-7a6666a275ce",), checkov=("CKV_AZURE_144",), mcsb=("NS-2",)
        ),
        remediation_steps=(
            'Set publicNetworkAccess to "Disabled" and leave allowPublicAccessWhenBehindVnet unset or false; '
            "reach the workspace through its private endpoint. " + _NETWORK_STEPS
        ),
    ),
    resource_policy(
        name="ws-managed-network",
        description="Azure Machine Learning workspaces must use a managed network that allows only approved outbound traffic.",
        types=[WORKSPACE],
        check=_managed_network,
        config={
            "allowedIsolationModes": str_list(
                ["AllowOnlyApprovedOutbound"],
                "Managed network isolation modes accepted (add AllowInternetOutbound for sandboxes).",
                uniqueItems=True,
            )
        },
        severity=Severity.HIGH,
        anchors=Anchors(azure_policy=("6ddb1705-c8cf-450e-aa4b-19ad6703c440",), mcsb=("NS-2",)),
        remediation_steps=(
            'Set managedNetwork.isolationMode to "AllowOnlyApprovedOutbound" and list the destinations the '
            "workspace needs as outbound rules."
        ),
    ),
    resource_policy(
        name="ws-outbound-rules",
        description="Managed network outbound rules must not open the internet.",
        types=[WORKSPACE, OUTBOUND_RULE],
        check=_outbound_rules,
        config={
            "allowedFqdns": str_list(
                [],
                "FQDNs (or *.suffix patterns) FQDN outbound rules may target; empty means no allow-list.",
            )
        },
        severity=Severity.HIGH,
        anchors=Anchors(mcsb=("NS-2",), other=("derived: data exfiltration",)),
        remediation_steps=(
            'Replace "*" or "*.<tld>" FQDN rules and Internet service tag rules with the specific hosts or '
            "service tags the workloads need (for example pypi.org, *.pythonhosted.org)."
        ),
    ),
    resource_policy(
        name="ws-cmk",
        description="Azure Machine Learning workspaces must encrypt data with a customer-managed key.",
        types=[WORKSPACE],
        check=_cmk,
        severity=Severity.MEDIUM,
        anchors=Anchors(azure_policy=("ba769a63-b8cc-4b2d-abf6-ac33c7204be8",), mcsb=("DP-5",)),
        remediation_steps=(
            'Set encryption.status to "Enabled" with encryption.keyVaultProperties.keyVaultArmId and '
            "keyIdentifier pointing to a key in a purge-protected key vault (only settable at creation)."
        ),
    ),
    resource_policy(
        name="ws-hbi",
        description="Azure Machine Learning workspaces must be high business impact workspaces.",
        types=[WORKSPACE],
        check=_hbi,
        severity=Severity.MEDIUM,
        anchors=Anchors(other=("MS docs: customer-managed keys for Azure Machine Learning",)),
        remediation_steps="Set hbiWorkspace to true (only settable when the workspace is created).",
    ),
    resource_policy(
        name="ws-identity",
        description="Azure Machine Learning workspaces must use a user-assigned managed identity.",
        types=[WORKSPACE],
        check=_identity,
        severity=Severity.MEDIUM,
        anchors=Anchors(azure_policy=("5f0c7d88-c7de-45b8-ac49-db49e72eaa78",), mcsb=("IM-3",)),
        remediation_steps=(
            'Set identity.type to "UserAssigned" with the identity in identity.userAssignedIdentities, and '
            "primaryUserAssignedIdentity to its resource ID."
        ),
    ),
    resource_policy(
        name="ws-datastore-auth",
        description="Azure Machine Learning workspaces must access their system datastores with identity, not storage keys.",
        types=[WORKSPACE],
        check=_datastore_auth,
        severity=Severity.HIGH,
        anchors=Anchors(mcsb=("IM-1",)),
        remediation_steps='Set systemDatastoresAuthMode to "identity".',
    ),
    resource_policy(
        name="ws-legacy-mode",
        description="Azure Machine Learning workspaces must not use v1 legacy mode.",
        types=[WORKSPACE],
        check=_legacy,
        severity=Severity.MEDIUM,
        anchors=Anchors(other=("MS docs: v1LegacyMode disables v2 network isolation",)),
        remediation_steps="Remove v1LegacyMode or set it to false.",
    ),
]
