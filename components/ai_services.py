"""Azure AI Services (Foundry) account: private, keyless, restricted outbound, with projects and model deployments
that always go through a custom content filter (prompt shields blocking) and never change model version by
themselves.

Documented constraints this component encodes (Microsoft Learn unless noted):

- "Customer-managed keys (CMKs) for Microsoft Foundry" (Prerequisites; Step 2) and "Customer-managed keys for
  encryption" (Foundry Tools, Prerequisites): the identity that uses the key needs get, wrapKey and unwrapKey
  (Key Vault Crypto Service Encryption User grants exactly these); the vault needs soft delete and purge
  protection and, behind its firewall, "Allow trusted Microsoft services".
- "Azure OpenAI encryption of data at rest" and the Foundry CMK page (hub pivot, Limitations): only RSA and
  RSA-HSM keys of 2048 bits are supported. The baseline's key is RSA-HSM 3072 (pack `key-strength`, Azure
  Policy 82067dbb with Deny at the resource group), so the platform does not encrypt the account with it:
  `customer_managed_key` is opt-in, for a 2048-bit key the caller governs elsewhere.
- Custom subdomain: required for Microsoft Entra ID token authentication and private endpoints, globally
  unique, not changeable; the account name doubles as the subdomain, so it carries the random suffix.
- Private endpoint group `account` registers in three zones (naming.AI_PRIVATE_DNS_ZONES).
- Role propagation: the account depends on a `pulumiverse_time.Sleep` after the CMK grant (shared convention).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_azure_native.cognitiveservices as cognitiveservices
import pulumiverse_time

from .access import add_lock, add_role_assignments
from .ai_settings import AI_ROLES, DEPLOYMENT_SKUS, SEVERITY_THRESHOLDS
from .interfaces import (
    CustomerManagedKeyArgs,
    DiagnosticsArgs,
    IdentityArgs,
    LockArgs,
    Placement,
    PrivateEndpointArgs,
    RoleAssignmentArgs,
)
from .monitoring import add_diagnostics
from .naming import AI_PRIVATE_DNS_ZONES
from .private_link import PrivateLink, PrivateLinkArgs
from .settings import arg_errors, wildcard_reach

HARM_CATEGORIES = ("Hate", "Sexual", "Violence", "Selfharm")
PROMPT_SHIELDS = ("Jailbreak", "Indirect Attack")
ACCOUNT_SKUS = ("S0",)
BASE_CONTENT_FILTER = "Microsoft.DefaultV2"
_SUBDOMAIN = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}[a-z0-9]$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


@dataclass(frozen=True)
class ContentFilterSpec:
    """A custom content filter (RaiPolicy). Prompt shields (Jailbreak, Indirect Attack) are always on and blocking."""

    severity_threshold: str = "Medium"
    """Harm categories (Hate, Sexual, Violence, Selfharm), on prompts and completions, block at this severity and
    above: Low (strictest), Medium (default), High."""
    protected_material: bool = True
    """Block protected text and code in completions (default on)."""


@dataclass(frozen=True)
class ModelDeploymentSpec:
    """A model deployment: pinned version (never upgraded automatically), explicit capacity, a content filter."""

    model_name: str
    model_version: str
    """Required: the reviewed version; versionUpgradeOption is always NoAutoUpgrade."""
    capacity: int
    """Required: units of the SKU (thousands of tokens per minute for Standard SKUs)."""
    model_format: str = "OpenAI"
    sku_name: str = "GlobalStandard"
    content_filter: str = "default"
    """A key of `content_filters` (never absent, never a Microsoft.* default)."""


@dataclass(frozen=True)
class ProjectSpec:
    """A Foundry project (access, data isolation and cost boundary inside the account)."""

    display_name: str = ""
    description: str = ""


@dataclass(frozen=True)
class AiServicesArgs:
    """An AIServices account and its children. Defaults are the secure values."""

    placement: Placement
    account_name: pulumi.Input[str]
    """Globally unique; also the custom subdomain (2-64 lower-case letters, digits, '-'). Give it a suffix."""
    identity: IdentityArgs
    """The account's user-assigned identity (not the workspace's: one identity per job)."""
    private_endpoint: PrivateEndpointArgs
    """Subnet and zone IDs; must include the three zones of naming.AI_PRIVATE_DNS_ZONES."""
    diagnostics: DiagnosticsArgs | None
    allowed_fqdns: Sequence[str] = ()
    """Outbound allow-list (restrictOutboundNetworkAccess is always on). Default: nothing."""
    customer_managed_key: CustomerManagedKeyArgs | None = None
    """Default None (Microsoft-managed keys): AI Services accepts RSA 2048 keys only (see module docstring).
    When given: an RSA(-HSM) 2048 key; `identity` must be the one `depends_on` grants the key to."""
    propagation_wait: str = "60s"
    """How long to wait after the CMK grant before creating the account (role propagation)."""
    sku: str = "S0"
    projects: Mapping[str, ProjectSpec] = field(default_factory=dict)
    content_filters: Mapping[str, ContentFilterSpec] = field(
        default_factory=lambda: {"default": ContentFilterSpec()}
    )
    deployments: Mapping[str, ModelDeploymentSpec] = field(default_factory=dict)
    role_assignments: Mapping[str, RoleAssignmentArgs] = field(default_factory=dict)
    """Cognitive Services OpenAI User or Azure AI User only, on the account."""
    lock: LockArgs | None = None
    protect: bool = False


def subdomain_problem(name: str) -> str:
    """Empty if `name` is a valid custom subdomain (and account name), else what is wrong."""
    if not _SUBDOMAIN.match(name):
        return f"{name!r} is not 2-64 lower-case letters, digits or '-' (starting and ending alphanumeric)"
    return ""


def validate_ai_services_args(args: AiServicesArgs) -> None:
    """Option rules; raises SettingsError (a ValueError) listing every problem, each naming the argument
    (`deployments['chat'].capacity`) and what is allowed."""
    errors = arg_errors()
    if args.sku not in ACCOUNT_SKUS:
        errors.add("sku", f"{args.sku!r} is not supported", ", ".join(ACCOUNT_SKUS))
    missing = [z for z in AI_PRIVATE_DNS_ZONES if z not in args.private_endpoint.dns_zone_ids]
    if missing:
        errors.add("private_endpoint.dns_zone_ids", f"missing {missing}", "the three AI zones")
    for i, fqdn in enumerate(args.allowed_fqdns):
        reach = wildcard_reach(fqdn.strip().lower()) if isinstance(fqdn, str) and "*" in fqdn else None
        if not isinstance(fqdn, str) or not fqdn.strip() or reach:
            errors.add(
                f"allowed_fqdns[{i}]",
                f"{fqdn!r} opens the internet" + (f" (it matches {reach})" if reach else ""),
                "host names such as kv.vault.azure.net or *.blob.core.windows.net (no '*' or bare wildcard "
                "top-level domain)",
            )
    if not args.content_filters and args.deployments:
        errors.add("content_filters", "empty while deployments exist", "at least one content filter")
    for key, cf in args.content_filters.items():
        where = errors.item("content_filters", key)
        if not _NAME.match(key) or key.casefold().startswith("microsoft."):
            errors.add(where, "invalid name", "1-64 letters, digits, '_', '.', '-' (not starting Microsoft.)")
        if cf.severity_threshold not in SEVERITY_THRESHOLDS:
            errors.add(
                f"{where}.severity_threshold",
                f"{cf.severity_threshold!r} is not supported",
                ", ".join(SEVERITY_THRESHOLDS),
            )
    for key, d in args.deployments.items():
        where = errors.item("deployments", key)
        if not _NAME.match(key):
            errors.add(where, "invalid name", "1-64 letters, digits, '_', '.', '-'")
        if d.content_filter not in args.content_filters:
            errors.add(
                f"{where}.content_filter",
                f"{d.content_filter!r} is not a content filter",
                ", ".join(args.content_filters) or "(none configured)",
            )
        if not d.model_name or not d.model_format:
            errors.add(where, "model_name and model_format are required", "e.g. OpenAI/gpt-4o")
        if not d.model_version:
            errors.add(f"{where}.model_version", "required (pinned)", "a version such as 2024-11-20")
        if isinstance(d.capacity, bool) or not isinstance(d.capacity, int) or d.capacity < 1:
            errors.add(
                f"{where}.capacity", f"{d.capacity!r} is invalid", "a positive integer (explicit capacity)"
            )
        if d.sku_name not in DEPLOYMENT_SKUS:
            errors.add(f"{where}.sku_name", f"{d.sku_name!r} is not supported", ", ".join(DEPLOYMENT_SKUS))
    for key in args.projects:
        if not _NAME.match(key):
            errors.add(errors.item("projects", key), "invalid name", "1-64 letters, digits, '_', '.', '-'")
    for key, ra in args.role_assignments.items():
        if ra.role not in AI_ROLES:
            errors.add(
                f"{errors.item('role_assignments', key)}.role",
                f"{ra.role!r} is not an AI data-plane role",
                ", ".join(AI_ROLES),
            )
    errors.raise_if_any()


def content_filter_entries(spec: ContentFilterSpec) -> list[cognitiveservices.RaiPolicyContentFilterArgs]:
    """Harm categories on prompts and completions (blocking at the threshold), prompt shields, protected material."""
    filters = [
        cognitiveservices.RaiPolicyContentFilterArgs(
            name=category,
            source=source,
            enabled=True,
            blocking=True,
            severity_threshold=spec.severity_threshold,
        )
        for source in ("Prompt", "Completion")
        for category in HARM_CATEGORIES
    ]
    filters += [
        cognitiveservices.RaiPolicyContentFilterArgs(
            name=shield, source="Prompt", enabled=True, blocking=True
        )
        for shield in PROMPT_SHIELDS
    ]
    if spec.protected_material:
        filters += [
            cognitiveservices.RaiPolicyContentFilterArgs(
                name=name, source="Completion", enabled=True, blocking=True
            )
            for name in ("Protected Material Text", "Protected Material Code")
        ]
    return filters


class SecureAiServices(pulumi.ComponentResource):
    """Account `<name>-ais` (kind AIServices), private endpoint, diagnostics, content filters `<name>-cf-<key>`,
    projects `<name>-proj-<key>`, model deployments `<name>-dep-<key>`, role assignments and lock."""

    account: cognitiveservices.Account
    content_filters: dict[str, cognitiveservices.RaiPolicy]
    projects: dict[str, cognitiveservices.Project]
    deployments: dict[str, cognitiveservices.Deployment]

    def __init__(self, name: str, args: AiServicesArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("aml-baseline:ai_services:SecureAiServices", name, None, opts)
        validate_ai_services_args(args)
        p = args.placement
        child = pulumi.ResourceOptions(parent=self)
        cmk = args.customer_managed_key
        identity_ids: list[pulumi.Input[str]] = [args.identity.id]
        encryption: cognitiveservices.EncryptionArgs | None = None
        waits: list[pulumi.Resource] = []
        if cmk is not None:
            if cmk.identity is not args.identity:
                identity_ids.append(cmk.identity.id)
            encryption = cognitiveservices.EncryptionArgs(
                key_source="Microsoft.KeyVault",
                key_vault_properties=cognitiveservices.KeyVaultPropertiesArgs(
                    key_vault_uri=cmk.key_vault_uri,
                    key_name=cmk.key_name,
                    key_version=pulumi.Output.from_input(cmk.key_uri_with_version).apply(
                        lambda uri: uri.rstrip("/").rsplit("/", 1)[-1]
                    ),
                    identity_client_id=cmk.identity.client_id,
                ),
            )
            waits = [propagation_wait(f"{name}-cmk-wait", args.propagation_wait, list(cmk.depends_on), self)]
        self.account = cognitiveservices.Account(
            f"{name}-ais",
            account_name=args.account_name,
            resource_group_name=p.resource_group_name,
            location=p.location,
            tags=dict(p.tags),
            kind="AIServices",
            sku=cognitiveservices.SkuArgs(name=args.sku),
            identity=cognitiveservices.IdentityArgs(
                type=cognitiveservices.ResourceIdentityType.USER_ASSIGNED,
                user_assigned_identities=identity_ids,
            ),
            properties=cognitiveservices.AccountPropertiesArgs(
                custom_sub_domain_name=args.account_name,
                public_network_access="Disabled",
                network_acls=cognitiveservices.NetworkRuleSetArgs(
                    default_action="Deny", bypass="None", ip_rules=[], virtual_network_rules=[]
                ),
                disable_local_auth=True,
                restrict_outbound_network_access=True,
                allowed_fqdn_list=list(args.allowed_fqdns),
                allow_project_management=True,
                encryption=encryption,
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=waits, protect=args.protect),
        )
        account_name = self.account.name
        self.private_link = PrivateLink(
            f"{name}-ais",
            PrivateLinkArgs(
                placement=p,
                target_id=self.account.id,
                group_id="account",
                private_endpoint=args.private_endpoint,
            ),
            opts=child,
        )
        add_diagnostics(f"{name}-ais", self.account.id, args.diagnostics, self)
        self.content_filters = {
            key: cognitiveservices.RaiPolicy(
                f"{name}-cf-{key}",
                account_name=account_name,
                resource_group_name=p.resource_group_name,
                rai_policy_name=key,
                tags=dict(p.tags),
                properties=cognitiveservices.RaiPolicyPropertiesArgs(
                    base_policy_name=BASE_CONTENT_FILTER, content_filters=content_filter_entries(spec)
                ),
                opts=child,
            )
            for key, spec in args.content_filters.items()
        }
        self.projects = {
            key: cognitiveservices.Project(
                f"{name}-proj-{key}",
                account_name=account_name,
                resource_group_name=p.resource_group_name,
                location=p.location,
                project_name=key,
                tags=dict(p.tags),
                identity=cognitiveservices.IdentityArgs(
                    type=cognitiveservices.ResourceIdentityType.SYSTEM_ASSIGNED
                ),
                properties=cognitiveservices.ProjectPropertiesArgs(
                    display_name=spec.display_name or key, description=spec.description or None
                ),
                opts=child,
            )
            for key, spec in args.projects.items()
        }
        self.deployments = {}
        previous: list[pulumi.Resource] = []
        for key, d in args.deployments.items():
            # One after the other: writes to one account's deployments are not made in parallel.
            self.deployments[key] = cognitiveservices.Deployment(
                f"{name}-dep-{key}",
                account_name=account_name,
                resource_group_name=p.resource_group_name,
                deployment_name=key,
                tags=dict(p.tags),
                sku=cognitiveservices.SkuArgs(name=d.sku_name, capacity=d.capacity),
                properties=cognitiveservices.DeploymentPropertiesArgs(
                    model=cognitiveservices.DeploymentModelArgs(
                        format=d.model_format, name=d.model_name, version=d.model_version
                    ),
                    version_upgrade_option=cognitiveservices.DeploymentModelVersionUpgradeOption.NO_AUTO_UPGRADE,
                    # The filter's name, known at preview (the pack checks the filter it names).
                    rai_policy_name=d.content_filter,
                ),
                opts=pulumi.ResourceOptions(
                    parent=self, depends_on=[*previous, self.content_filters[d.content_filter]]
                ),
            )
            previous = [self.deployments[key]]
        self.role_assignments = add_role_assignments(
            f"{name}-ais", self.account.id, args.role_assignments, self
        )
        add_lock(f"{name}-ais", self.account.id, args.lock, self)
        self.account_id = self.account.id
        self.endpoint = self.account.properties.endpoint
        self.register_outputs(
            {
                "account_id": self.account_id,
                "endpoint": self.endpoint,
                "project_ids": {k: v.id for k, v in self.projects.items()},
                "deployment_names": {k: v.name for k, v in self.deployments.items()},
            }
        )


def propagation_wait(
    name: str, duration: str, after: Sequence[pulumi.Resource], parent: pulumi.Resource
) -> pulumi.Resource:
    """A `pulumiverse_time.Sleep` created after the role assignments it waits for (shared convention)."""
    return pulumiverse_time.Sleep(
        name, create_duration=duration, opts=pulumi.ResourceOptions(parent=parent, depends_on=list(after))
    )
