"""SecureAiServices: the secure defaults of the AI Services (Foundry) account, its content filters, projects and
model deployments, the documented constraints (sources in each docstring), the settings that drive it and the
prod stack that enables it."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from components import SecureMlPlatform, SecureMlPlatformArgs, SettingsError, load_settings
from components.ai_services import (
    AiServicesArgs,
    ContentFilterSpec,
    ModelDeploymentSpec,
    ProjectSpec,
    SecureAiServices,
    validate_ai_services_args,
)
from components.ai_settings import model_approved, model_asset_id
from components.interfaces import (
    CustomerManagedKeyArgs,
    DiagnosticsArgs,
    IdentityArgs,
    Placement,
    PrivateEndpointArgs,
    RoleAssignmentArgs,
)
from components.naming import AI_PRIVATE_DNS_ZONES, PRIVATE_DNS_ZONES
from components.roles import ROLE_IDS
from components.settings import PROJECT
from tests.components.conftest import SUB, Program, Recorded, run_program
from tests.components.test_settings import stack_config

ROOT = Path(__file__).resolve().parents[2]
P = f"{PROJECT}:"
PLACEMENT = Placement(
    resource_group_name="rg-ai", location="westeurope", tags={"environment": "t", "owner": "o"}
)
IDENTITY = IdentityArgs(id="/id/ai", principal_id="ai-principal", client_id="ai-client")
ZONE_IDS = {z: f"/zones/{z}" for z in AI_PRIVATE_DNS_ZONES}
PE = PrivateEndpointArgs(subnet_id="/subnets/pe", dns_zone_ids=ZONE_IDS)
GPT = ModelDeploymentSpec(model_name="gpt-4o", model_version="2024-11-20", capacity=10)


def args(**changes: Any) -> AiServicesArgs:
    base = AiServicesArgs(
        placement=PLACEMENT,
        account_name="ais-t-x1",
        identity=IDENTITY,
        private_endpoint=PE,
        diagnostics=DiagnosticsArgs(log_analytics_workspace_id="/law"),
        deployments={"chat": GPT},
        projects={"assistants": ProjectSpec(display_name="Assistants")},
    )
    return replace(base, **changes)


def component(a: AiServicesArgs) -> Program:
    return run_program(lambda: SecureAiServices("t", a))


@pytest.fixture(scope="module")
def prod() -> Program:
    settings = load_settings(*stack_config("prod"))
    return run_program(lambda: SecureMlPlatform("aml", SecureMlPlatformArgs(settings=settings)))


@pytest.fixture(scope="module")
def plain() -> Program:
    return component(args())


def _role(ra: Recorded) -> str:
    guid = str(ra.inputs["roleDefinitionId"]).rsplit("/", 1)[-1]
    return next(name for name, g in ROLE_IDS.items() if g == guid)


# -- the account ----------------------------------------------------------------------------------------


def test_account_secure_defaults(plain: Program) -> None:
    """AIServices kind; private (public access off, ACL deny, no bypass); keyless; outbound restricted to an
    empty allow-list; user-assigned identity; custom subdomain = the globally unique account name
    (Microsoft Learn, "Custom subdomain names for Azure AI services": required for Entra ID tokens and private
    endpoints)."""
    account = plain.one("cognitiveservices:Account").inputs
    assert account["kind"] == "AIServices" and account["sku"] == {"name": "S0"}
    assert account["accountName"] == "ais-t-x1"
    assert account["identity"] == {"type": "UserAssigned", "userAssignedIdentities": ["/id/ai"]}
    assert account["properties"] == {
        "customSubDomainName": "ais-t-x1",
        "publicNetworkAccess": "Disabled",
        "networkAcls": {"defaultAction": "Deny", "bypass": "None", "ipRules": [], "virtualNetworkRules": []},
        "disableLocalAuth": True,
        "restrictOutboundNetworkAccess": True,
        "allowedFqdnList": [],
        "allowProjectManagement": True,
    }


def test_private_endpoint_group_account_in_the_three_zones(plain: Program) -> None:
    """One private endpoint, group `account`, registered in cognitiveservices, openai and services.ai zones."""
    account = plain.one("cognitiveservices:Account")
    pe = plain.one("network:PrivateEndpoint").inputs
    assert [c["groupIds"] for c in pe["privateLinkServiceConnections"]] == [["account"]]
    assert plain.depends(plain.one("network:PrivateEndpoint"), account)
    zones = plain.one("network:PrivateDnsZoneGroup").inputs["privateDnsZoneConfigs"]
    assert sorted(z["privateDnsZoneId"] for z in zones) == sorted(ZONE_IDS.values())
    diag = plain.one("monitor:DiagnosticSetting").inputs
    assert diag["logs"] == [{"categoryGroup": "allLogs", "enabled": True}] and diag["workspaceId"] == "/law"


def test_content_filter_blocks_jailbreak_indirect_attacks_and_harm(plain: Program) -> None:
    """The custom content filter: both prompt shields on and blocking; Hate, Sexual, Violence and Selfharm on
    prompts and completions, blocking at the threshold; protected material blocked (control catalogue: ai-rai-policy)."""
    rai = plain.one("cognitiveservices:RaiPolicy").inputs
    assert rai["raiPolicyName"] == "default"
    assert rai["properties"]["basePolicyName"] == "Microsoft.DefaultV2"
    filters = {(f["name"], f["source"]): f for f in rai["properties"]["contentFilters"]}
    for shield in ("Jailbreak", "Indirect Attack"):
        assert filters[(shield, "Prompt")] == {
            "name": shield,
            "source": "Prompt",
            "enabled": True,
            "blocking": True,
        }
    for source in ("Prompt", "Completion"):
        for harm in ("Hate", "Sexual", "Violence", "Selfharm"):
            f = filters[(harm, source)]
            assert f["enabled"] is True and f["blocking"] is True and f["severityThreshold"] == "Medium"
    assert filters[("Protected Material Code", "Completion")]["blocking"] is True
    assert len(filters) == 12


def test_deployment_pins_the_model_and_always_uses_the_content_filter(plain: Program) -> None:
    """versionUpgradeOption NoAutoUpgrade, an explicit version and capacity, and raiPolicyName = the custom filter,
    depending on it (control catalogue: ai-model-pinned, ai-content-filter)."""
    dep = plain.one("cognitiveservices:Deployment")
    assert dep.inputs["sku"] == {"name": "GlobalStandard", "capacity": 10}
    assert dep.inputs["properties"] == {
        "model": {"format": "OpenAI", "name": "gpt-4o", "version": "2024-11-20"},
        "versionUpgradeOption": "NoAutoUpgrade",
        "raiPolicyName": "default",
    }
    assert plain.depends(dep, plain.one("cognitiveservices:RaiPolicy"))
    project = plain.one("cognitiveservices:Project").inputs
    assert project["projectName"] == "assistants" and project["identity"] == {"type": "SystemAssigned"}
    assert project["properties"] == {"displayName": "Assistants"}


def test_deployments_are_created_one_after_another() -> None:
    program = component(args(deployments={"a": GPT, "b": replace(GPT, model_name="gpt-4o-mini")}))
    a, b = program.named("t-dep-a"), program.named("t-dep-b")
    assert program.depends(b, a)


def test_customer_managed_key_waits_for_role_propagation() -> None:
    """Opt-in CMK: keySource Microsoft.KeyVault with the key's vault URI, name, version and the identity's client ID
    ("Customer-managed keys (CMKs) for Microsoft Foundry": user-assigned identity supported; the identity needs
    get/wrapKey/unwrapKey). The account waits on a pulumiverse_time.Sleep created after the grant."""

    def program() -> None:
        import pulumi_azure_native.authorization as authorization

        grant = authorization.RoleAssignment(
            "grant", principal_id="ai-principal", role_definition_id="x", scope="/vault"
        )
        cmk = CustomerManagedKeyArgs(
            key_vault_id="/vault",
            key_vault_uri="https://kv.vault.azure.net/",
            key_name="cmk-ai",
            key_uri="https://kv.vault.azure.net/keys/cmk-ai",
            key_uri_with_version="https://kv.vault.azure.net/keys/cmk-ai/0123abcd",
            identity=IDENTITY,
            depends_on=[grant],
        )
        SecureAiServices("t", args(customer_managed_key=cmk, propagation_wait="120s"))

    p = run_program(program)
    account = p.one("cognitiveservices:Account")
    assert account.inputs["properties"]["encryption"] == {
        "keySource": "Microsoft.KeyVault",
        "keyVaultProperties": {
            "keyVaultUri": "https://kv.vault.azure.net/",
            "keyName": "cmk-ai",
            "keyVersion": "0123abcd",
            "identityClientId": "ai-client",
        },
    }
    sleep = p.one("time:index/sleep:Sleep")
    assert sleep.inputs["createDuration"] == "120s"
    assert p.depends(sleep, p.named("grant")) and p.depends(account, sleep)


def test_role_assignments_are_ai_data_plane_roles_only(plain: Program) -> None:
    """People and workloads get Cognitive Services OpenAI User or Azure AI User, never keys or Contributor
    ("Azure built-in roles for AI + machine learning"; GUIDs in components/roles.py)."""
    assert ROLE_IDS["Cognitive Services OpenAI User"] == "5e0bd9bd-7b93-4f28-af87-19fc36ad61bd"
    assert ROLE_IDS["Azure AI User"] == "53ca6127-db72-4b80-b1b0-d745d6d5456d"
    with pytest.raises(
        ValueError,
        match=r"role_assignments\['ops'\].role: 'Contributor' is not an AI data-plane role; allowed: Cognitive",
    ):
        validate_ai_services_args(
            args(role_assignments={"ops": RoleAssignmentArgs(role="Contributor", principal_id="x")})
        )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"private_endpoint": PrivateEndpointArgs(subnet_id="/s", dns_zone_ids={})},
            r"private_endpoint.dns_zone_ids: missing \['privatelink.cognitiveservices.azure.com'",
        ),
        ({"allowed_fqdns": ("pypi.org", "*.com")}, r"allowed_fqdns\[1\]: '\*.com' opens the internet"),
        (  # judged by what it matches, as the pack's ai-outbound and ws-outbound-rules do
            {"allowed_fqdns": ("*.co.uk",)},
            r"allowed_fqdns\[0\]: '\*.co.uk' opens the internet \(it matches every host under the public suffix "
            r"'co.uk'\)",
        ),
        (
            {"deployments": {"chat": replace(GPT, content_filter="none")}},
            r"deployments\['chat'\].content_filter: 'none' is not a content filter; allowed: default",
        ),
        (
            {"deployments": {"chat": replace(GPT, model_version="")}},
            r"deployments\['chat'\].model_version: required",
        ),
        (
            {"deployments": {"chat": replace(GPT, capacity=0)}},
            r"deployments\['chat'\].capacity: 0 is invalid; allowed: a positive",
        ),
        (
            {"deployments": {"chat": replace(GPT, sku_name="Free")}},
            r"deployments\['chat'\].sku_name: 'Free' is not supported",
        ),
        (
            {"content_filters": {"Microsoft.Default": ContentFilterSpec()}},
            r"content_filters\['Microsoft.Default'\]: invalid name",
        ),
        (
            {"content_filters": {"default": ContentFilterSpec(severity_threshold="Off")}},
            r"severity_threshold: 'Off' is not supported; allowed: Low, Medium, High",
        ),
        ({"sku": "F0"}, r"sku: 'F0' is not supported; allowed: S0"),
    ],
)
def test_invalid_arguments_name_the_argument(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        validate_ai_services_args(args(**changes))


# -- the platform and the stacks -----------------------------------------------------------------------


def test_prod_account_identity_name_roles_and_zones(prod: Program) -> None:
    """Prod: its own identity (not the workspace's), a suffixed globally unique name, persona groups with AI roles
    at account scope, the three AI zones created beside the six, Microsoft-managed keys (AI Services accepts RSA
    2048 keys only: "Azure OpenAI encryption of data at rest", and the Foundry CMK page, Limitations)."""
    account = prod.one("cognitiveservices:Account")
    assert account.inputs["accountName"] == "ais-amlsec-prod-ab1cd"
    assert account.inputs["properties"]["customSubDomainName"] == "ais-amlsec-prod-ab1cd"
    assert "encryption" not in account.inputs["properties"]
    ai_id = prod.named("aml-ai-id")
    assert ai_id.inputs["resourceName"] == "id-amlsec-prod-ais"
    assert account.inputs["identity"]["userAssignedIdentities"] == [
        f"/subscriptions/{SUB}/resourceGroups/rg/providers/managedidentity/UserAssignedIdentity/id-amlsec-prod-ais"
    ]
    ras = {r.name: r for r in prod.of_type("authorization:RoleAssignment") if r.name.startswith("aml-ai-")}
    assert {n: _role(r) for n, r in ras.items()} == {
        "aml-ai-ais-ra-datascientists": "Azure AI User",
        "aml-ai-ais-ra-mlengineers": "Cognitive Services OpenAI User",
    }
    assert all(r.inputs["principalType"] == "Group" for r in ras.values())
    zones = {z.inputs["privateZoneName"] for z in prod.of_type("privatedns:PrivateZone")}
    assert zones == set(PRIVATE_DNS_ZONES) | set(AI_PRIVATE_DNS_ZONES)
    dep = prod.one("cognitiveservices:Deployment").inputs
    assert (
        dep["sku"] == {"name": "DataZoneStandard", "capacity": 10}
        and dep["properties"]["raiPolicyName"] == "strict"
    )
    assert prod.one("cognitiveservices:Project").inputs["projectName"] == "assistants"


def test_dev_has_no_ai_services() -> None:
    settings = load_settings(*stack_config("dev"))
    assert settings.ai_services is None
    program = run_program(lambda: SecureMlPlatform("aml", SecureMlPlatformArgs(settings=settings)))
    assert not [r for r in program.records if r.type.startswith("azure-native:cognitiveservices:")]
    zones = {z.inputs["privateZoneName"] for z in program.of_type("privatedns:PrivateZone")}
    assert zones == set(PRIVATE_DNS_ZONES)


def test_stack_approved_models_are_the_packs_and_the_policy_assignments() -> None:
    """One approved-model list: aiServices.approvedModels = the pack's ai-approved-models approvedModels, and the
    Foundry policy aafe3651 allows exactly their catalog asset IDs (Microsoft Learn, "Control AI model
    deployment with built-in policies": asset IDs azureml://registries/azure-openai/models/<name>/versions/<v>)."""
    config, _ = stack_config("prod")
    pack = json.loads((ROOT / "stacks" / "policy-config.prod.json").read_text())
    assert config["aiServices"]["approvedModels"] == pack["ai-approved-models"]["approvedModels"]
    assert (
        model_asset_id("OpenAI/gpt-4o/2024-11-20")
        == "azureml://registries/azure-openai/models/gpt-4o/versions/2024-11-20"
    )
    assert model_asset_id("OpenAI/gpt-4o") == "azureml://registries/azure-openai/models/gpt-4o/versions/"
    assert model_approved(("OpenAI/gpt-4o",), "openai", "GPT-4o", "2024-08-06")
    assert not model_approved(("OpenAI/gpt-4o/2024-11-20",), "OpenAI", "gpt-4o", "2024-08-06")
    # The pack skips the prod account for ai-cmk by its logical name (Microsoft-managed keys, see above).
    assert pack["ai-cmk"]["exemptResources"] == ["aml-ai-ais"]


def _settings_error(ai: Any, **extra: Any) -> list[str]:
    config, location = stack_config("prod")
    with pytest.raises(SettingsError) as err:
        load_settings({**config, "aiServices": ai, **extra}, location)
    return err.value.errors


BASE_AI: dict[str, Any] = {
    "deployments": {"chat": {"modelName": "gpt-4o", "modelVersion": "2024-11-20", "capacity": 5}},
}


@pytest.mark.parametrize(
    ("ai", "message"),
    [
        (
            {"colour": 1},
            f"{P}aiServices.colour: unknown setting; allowed: allowedFqdns, approvedModels, contentFilters, "
            "deployments, personaRoles, projects",
        ),
        (
            {"deployments": {"chat": {"modelName": "gpt-4o", "capacity": 5}}},
            f"{P}aiServices.deployments.chat.modelVersion: '' is not a pinned version; allowed: the reviewed model "
            "version, such as 2024-11-20 (required: deployments never auto-upgrade)",
        ),
        (
            {"deployments": {"chat": {"modelName": "gpt-4o", "modelVersion": "1", "capacity": 0}}},
            f"{P}aiServices.deployments.chat.capacity: 0 is not an explicit capacity; allowed: an integer from 1 to 10000",
        ),
        (
            {**BASE_AI, "approvedModels": ["OpenAI/gpt-4.1"]},
            f"{P}aiServices.deployments.chat: model OpenAI/gpt-4o/2024-11-20 is not approved; allowed: a model listed "
            "in aiServices.approvedModels: OpenAI/gpt-4.1",
        ),
        (
            {**BASE_AI, "approvedModels": ["Meta/llama"]},
            f"{P}aiServices.approvedModels[0]: 'Meta/llama' is not format/name[/version]; allowed: OpenAI/<model>"
            "[/<version>], e.g. OpenAI/gpt-4o/2024-11-20",
        ),
        (
            {**BASE_AI, "personaRoles": {"dataScientists": "Contributor"}},
            f"{P}aiServices.personaRoles.dataScientists: 'Contributor' is not an AI data-plane role; allowed: "
            "Cognitive Services OpenAI User, Azure AI User",
        ),
        (
            {**BASE_AI, "personaRoles": {"auditors": "Azure AI User"}},
            f"{P}aiServices.personaRoles.auditors: not a configured persona; allowed: a key of personas: "
            "dataScientists, mlEngineers, readers",
        ),
        (
            {**BASE_AI, "allowedFqdns": ["*.com.au"]},
            f"{P}aiServices.allowedFqdns[0]: '*.com.au' is not an approved host name (it matches every host under "
            "the public suffix 'com.au'); allowed: a host name such as kv.vault.azure.net or *.blob.core.windows.net "
            "(no '*' or bare wildcard TLD)",
        ),
        (
            {**BASE_AI, "allowedFqdns": ["*"]},
            f"{P}aiServices.allowedFqdns[0]: '*' is not an approved host name (it matches every host name); "
            "allowed: a host name such as "
            "kv.vault.azure.net or *.blob.core.windows.net (no '*' or bare wildcard TLD)",
        ),
        (
            {"deployments": {"chat": {**BASE_AI["deployments"]["chat"], "contentFilter": "lenient"}}},
            f"{P}aiServices.deployments.chat.contentFilter: 'lenient' is not a content filter; allowed: a key of "
            "aiServices.contentFilters: default",
        ),
    ],
)
def test_invalid_ai_settings_name_the_key(ai: dict[str, Any], message: str) -> None:
    assert message in _settings_error(ai)


def test_central_dns_must_hold_the_ai_zones() -> None:
    """With aiServices, existingPrivateDnsZoneIds must list the three AI zones too."""
    zones = {
        z: f"/subscriptions/s/resourceGroups/dns/providers/Microsoft.Network/privateDnsZones/{z}"
        for z in PRIVATE_DNS_ZONES
    }
    errors = _settings_error(BASE_AI, existingPrivateDnsZoneIds=zones)
    assert any(
        e.startswith(f"{P}existingPrivateDnsZoneIds: missing ['privatelink.cognitiveservices.azure.com'")
        for e in errors
    )


def test_emulator_serves_the_account_endpoint_and_the_propagation_wait() -> None:
    """The offline preflight answers an AI Services account (endpoint from the custom subdomain, in up mode) and a
    time:index/sleep:Sleep (minimal: inputs as outputs; the time-provider branch owns the full emulation)."""
    from pulumi.runtime.mocks import MockResourceArgs

    from preflight.emulator import AzureEmulator, EmulatorSettings

    emu = AzureEmulator(EmulatorSettings(preview=False))
    props = {"customSubDomainName": "ais-x", "publicNetworkAccess": "Disabled"}
    rid, out = emu.new_resource(
        MockResourceArgs(
            typ="azure-native:cognitiveservices:Account",
            name="ai",
            inputs={
                "resourceGroupName": "rg",
                "accountName": "ais-x",
                "kind": "AIServices",
                "properties": props,
            },
            provider=None,
            resource_id=None,
            custom=True,
        )
    )
    assert rid is not None and rid.endswith(
        "/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/ais-x"
    )
    assert out["properties"]["endpoint"] == "https://ais-x.cognitiveservices.azure.com/"
    sid, sleep = emu.new_resource(
        MockResourceArgs(
            typ="time:index/sleep:Sleep",
            name="wait",
            inputs={"createDuration": "60s"},
            provider=None,
            resource_id=None,
            custom=True,
        )
    )
    assert sid and sleep == {"createDuration": "60s"}
