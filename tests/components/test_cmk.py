"""The customer-managed key chain, each constraint from Microsoft's documentation: who may create the key,
who may use it, how long consumers wait for grants, which consumers can reach a key behind the vault firewall,
which combinations are refused (settings and library arguments), and what rotates by itself."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pulumi
import pytest

from components import SecureMlPlatform, SecureMlPlatformArgs, SettingsError, load_settings
from components.interfaces import CustomerManagedKeyArgs, IdentityArgs, Placement, PrivateEndpointArgs
from components.keyvault import COSMOS_DB_APP_ID, KeyVault, KeyVaultArgs
from components.naming import PRIVATE_DNS_ZONES
from components.platform import SecureMlWorkspaceArgs, validate_workspace_args
from components.policy_parity import ParityContext, planned_assignments
from components.propagation import ROLE_PROPAGATION_WAIT, propagation_wait
from components.registry import Registry, RegistryArgs, validate_registry_args
from components.roles import ROLE_IDS
from components.settings import PROJECT
from components.workspace import CMK_RESOURCE_PROVIDERS, MlWorkspace, MlWorkspaceArgs
from tests.components.conftest import SUB, AzureMocks, Program, Recorded, RecordingMonitor, run_program
from tests.components.test_settings import stack_config

ROOT = Path(__file__).resolve().parents[2]
P = f"{PROJECT}:"
VAULT_SCOPE = f"/subscriptions/{SUB}/resourceGroups/rg/providers/keyvault/Vault/kv-amlsec-dev-ab1cd"
PLACEMENT = Placement(
    resource_group_name="rg", location="westeurope", tags={"owner": "t", "environment": "dev"}
)
PE = PrivateEndpointArgs(subnet_id="/subnets/pe", dns_zone_ids={z: f"/zones/{z}" for z in PRIVATE_DNS_ZONES})
IDENTITY = IdentityArgs(id="/identities/id", principal_id="id-principal", client_id="id-client")


def key(behind_firewall: bool) -> CustomerManagedKeyArgs:
    return CustomerManagedKeyArgs(
        key_vault_id="/vaults/kv",
        key_vault_uri="https://kv.vault.azure.net/",
        key_name="cmk",
        key_uri="https://kv.vault.azure.net/keys/cmk",
        key_uri_with_version="https://kv.vault.azure.net/keys/cmk/v1",
        identity=IDENTITY,
        behind_firewall=behind_firewall,
    )


@pytest.fixture(scope="module")
def dev() -> Program:
    settings = load_settings(*stack_config("dev"))
    return run_program(lambda: SecureMlPlatform("aml", SecureMlPlatformArgs(settings=settings)))


def role_of(ra: Recorded) -> str:
    guid = str(ra.inputs["roleDefinitionId"]).rsplit("/", 1)[-1]
    return next(name for name, g in ROLE_IDS.items() if g == guid)


def settings_error(config: dict[str, Any]) -> list[str]:
    base, location = stack_config("dev")
    with pytest.raises(SettingsError) as err:
        load_settings({**base, **config}, location)
    return err.value.errors


# -- 1. Registry CMK behind the key vault firewall ------------------------------------------------------


def test_baseline_registry_uses_microsoft_managed_encryption(dev: Program) -> None:
    """ACR docs, "Encrypt registry using a customer-managed key", section "Advanced scenario: Key Vault
    firewall": "an Azure container registry can only bypass the firewall when using its system-managed
    identity", while a CMK is enabled only at creation through a user-assigned identity (section "Things to
    know"). The baseline's vault denies public network access, so its registry does not use the key."""
    cr = dev.one("containerregistry:Registry")
    assert cr.inputs["encryption"] == {"status": "disabled"} and "identity" not in cr.inputs
    assert not dev.depends(cr, dev.named("aml-kv-cmk-wait"))
    vault = dev.one("keyvault:Vault").inputs["properties"]
    assert vault["publicNetworkAccess"] == "Disabled"


def test_registry_refuses_a_key_behind_the_vault_firewall_and_takes_one_outside() -> None:
    """ACR docs, "Encrypt registry using a customer-managed key": Key Vault firewall section (refused), and
    "Automatic or manual update of key versions" (a versionless key ID follows rotation)."""
    args = RegistryArgs(
        placement=PLACEMENT, registry_name="crteam", private_endpoint=PE, diagnostics=None,
        customer_managed_key=key(behind_firewall=True),
    )  # fmt: skip
    with pytest.raises(ValueError) as err:
        validate_registry_args(args)
    assert str(err.value) == (
        "customer_managed_key: the key's vault denies public network access, and a container registry reaches "
        "its key only through a user-assigned identity, which cannot pass the Key Vault firewall (ACR docs: "
        "Encrypt registry using a customer-managed key, Key Vault firewall); allowed: None (Microsoft-managed "
        "encryption) or a key in a vault without a firewall"
    )
    outside = replace(args, customer_managed_key=key(behind_firewall=False))
    program = run_program(lambda: Registry("team", outside))
    cr = program.one("containerregistry:Registry").inputs
    assert cr["encryption"] == {
        "status": "enabled",
        "keyVaultProperties": {
            "identity": "id-client",
            "keyIdentifier": "https://kv.vault.azure.net/keys/cmk",
        },
    }
    assert cr["identity"] == {"type": "UserAssigned", "userAssignedIdentities": {"/identities/id": {}}}


def test_registry_cmk_setting_is_refused_naming_the_key() -> None:
    """ACR docs, "Encrypt registry using a customer-managed key", section "Advanced scenario: Key Vault
    firewall": the setting cannot deploy with this baseline's vault, so it is refused, not silently ignored."""
    assert settings_error({"registryCmk": True}) == [
        f"{P}registryCmk: a container registry reaches a customer-managed key only through a user-assigned "
        "identity, which cannot pass the key vault firewall (this baseline's vault always denies public network "
        "access); allowed: false (Microsoft-managed registry encryption)"
    ]


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_acr_cmk_rule_and_assignment_follow_the_registry_choice(stack: str) -> None:
    """ACR docs, "Encrypt registry using a customer-managed key", Key Vault firewall section: our stacks'
    registries use Microsoft-managed keys, so the stack's pack configuration makes acr-cmk advisory and the
    Azure Policy assignment 5b9159ae audits; a registry with a CMK would get Deny."""
    settings = load_settings(*stack_config(stack))
    assert settings.registry_cmk is False
    config = json.loads((ROOT / "stacks" / f"policy-config.{stack}.json").read_text())
    assert config["acr-cmk"] == {"enforcementLevel": "advisory"}
    ctx = ParityContext(registry_cmk=settings.registry_cmk)
    assert planned_assignments(ctx)["acr-cmk-5b9159ae"][1] == {"effect": "Audit"}
    assert planned_assignments(ParityContext(registry_cmk=True))["acr-cmk-5b9159ae"][1] == {"effect": "Deny"}


def test_the_pack_still_enforces_acr_cmk_by_default() -> None:
    """The pack ships alone to teams whose registries can hold a CMK: acr-cmk stays mandatory by default; only
    this project's stack configuration lowers it (control catalogue: acr-cmk, AzPol 5b9159ae). Through the analyzer
    protocol: the dev stack without its pack configuration is blocked by acr-cmk alone."""
    result = subprocess.run(
        [sys.executable, "-m", "preflight", "--stack", "dev", "--format", "json"],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert result.returncode == 1, result.stderr
    mandatory = [v for v in json.loads(result.stdout)["violations"] if v["level"] == "mandatory"]
    assert [(v["policy"], v["message"].splitlines()[-1]) for v in mandatory] == [
        ("acr-cmk", 'encryption.status is "disabled"; must be "enabled".')
    ]


# -- 2. Service-side CMK --------------------------------------------------------------------------------


def test_service_side_cmk_setting_is_refused_and_prod_uses_classic_cmk() -> None:
    """ "Customer-managed keys for Azure Machine Learning", section "(Preview) Service-side encryption of
    metadata": "During this preview key rotation and data labeling capabilities are not supported. Server-side
    encryption is currently not supported in reference to an Azure Key Vault ... that has public network access
    disabled." The baseline's vault always disables it and its key always rotates."""
    assert settings_error({"serviceSideCmk": True}) == [
        f"{P}serviceSideCmk: the service-side encryption preview supports neither a key vault with public "
        "network access disabled (this baseline's vault always disables it) nor key rotation (keyRotationDays); "
        "allowed: false (classic CMK: the workspace metadata in a managed resource group, encrypted with the key)"
    ]
    assert load_settings(*stack_config("prod")).service_side_cmk is False


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"service_side_cmk": True},
            "service_side_cmk: the service-side encryption preview supports neither a key vault with public "
            "network access disabled (the created vault always disables it) nor key rotation "
            "(key_rotation_days); allowed: False (classic CMK)",
        ),
        (
            {"registry_cmk": True},
            "registry_cmk: a container registry reaches a customer-managed key only through a user-assigned "
            "identity, which cannot pass the created vault's firewall; allowed: False (Microsoft-managed "
            "registry encryption)",
        ),
        (
            {"deployer_principal_type": "Group"},
            "deployer_principal_type: 'Group' is not supported; allowed: ServicePrincipal, User",
        ),
    ],
)
def test_library_arguments_refuse_the_same_combinations(change: dict[str, Any], message: str) -> None:
    """For teams importing SecureMlWorkspace: the same documented limits as the settings ("Customer-managed
    keys for Azure Machine Learning", service-side encryption preview; ACR docs, Key Vault firewall section)."""
    args = replace(SecureMlWorkspaceArgs(placement=PLACEMENT, prefix="team", environment="dev", private_endpoint=PE),
                   **change)  # fmt: skip
    with pytest.raises(ValueError) as err:
        validate_workspace_args(args)
    assert str(err.value) == message


def test_workspace_component_refuses_service_side_cmk_with_a_firewalled_vault() -> None:
    """ "Customer-managed keys for Azure Machine Learning", "(Preview) Service-side encryption of metadata":
    not supported with a key vault that has public network access disabled."""
    args = MlWorkspaceArgs(
        placement=PLACEMENT, workspace_name="mlw-team", identity=IDENTITY, customer_managed_key=key(True),
        storage_account_id="/st", key_vault_id="/vaults/kv", registry_id="/cr", app_insights_id="/appi",
        private_endpoint=PE, diagnostics=None, service_side_cmk=True,
    )  # fmt: skip
    with pytest.raises(ValueError, match=r"^service_side_cmk: the service-side encryption preview does not"):
        run_program(lambda: MlWorkspace("team", args))


# -- 3. Creating the key --------------------------------------------------------------------------------


def test_deployer_gets_key_vault_crypto_officer_before_the_key(dev: Program) -> None:
    """ "Azure built-in roles": Key Vault Crypto Officer (14b46e9e-c2b7-41b4-b07b-48a6ebf60603) "Perform any
    action on the keys of a key vault, except manage permissions"; creating a key through ARM in an RBAC vault
    is a data action Owner and Contributor lack (Azure/bicep#7864). The key waits for the grant to propagate."""
    assert ROLE_IDS["Key Vault Crypto Officer"] == "14b46e9e-c2b7-41b4-b07b-48a6ebf60603"
    ra = dev.named("aml-kv-ra-deployer")
    assert role_of(ra) == "Key Vault Crypto Officer" and ra.inputs["scope"] == VAULT_SCOPE
    assert ra.inputs["principalId"] == "oid"  # the client config's object ID: whoever runs pulumi up
    assert ra.inputs["principalType"] == "User"  # the stacks' first run is the bootstrap administrator's
    wait, k = dev.named("aml-kv-deployer-wait"), dev.one("keyvault:Key")
    assert dev.depends(wait, ra) and dev.depends(k, wait)
    assert wait.inputs["createDuration"] == ROLE_PROPAGATION_WAIT


def test_a_workstation_deployer_is_a_user_and_other_types_are_refused(dev: Program) -> None:
    """ "Azure built-in roles", Key Vault Crypto Officer: granted to whoever deploys; a person running
    `pulumi up` is a User, CI a ServicePrincipal (a role assignment's principalType must match the principal)."""
    base, location = stack_config("dev")
    settings = load_settings({**base, "deployerPrincipalType": "ServicePrincipal"}, location)
    program = run_program(lambda: SecureMlPlatform("aml", SecureMlPlatformArgs(settings=settings)))
    assert program.named("aml-kv-ra-deployer").inputs["principalType"] == "ServicePrincipal"
    assert settings_error({"deployerPrincipalType": "Group"}) == [
        f"{P}deployerPrincipalType: 'Group' is not supported; allowed: ServicePrincipal, User"
    ]


def test_the_deployer_grant_stays_with_the_first_deployer_and_ci_holds_its_own(dev: Program) -> None:
    """ "Delegate Azure role assignment management to others with conditions": the CI identity may never
    assign Key Vault Crypto Officer (governance.CI_NEVER_DELEGATED). So the deployer's grant ignores a change of
    principal (a later run by CI does not replace it), and CI holds Crypto Officer on the vault from the
    bootstrap run."""
    ra = dev.named("aml-kv-ra-deployer")
    assert set(ra.ignore_changes) == {"principalId", "principalType"}
    condition = dev.named("aml-gov-ci-ra-rbac-admin").inputs["condition"]
    assert ROLE_IDS["Key Vault Crypto Officer"] not in condition
    ci = dev.named("aml-gov-ci-kv-ra-crypto-officer")
    assert role_of(ci) == "Key Vault Crypto Officer" and ci.inputs["scope"] == VAULT_SCOPE
    assert ci.inputs["principalId"] == "aml-gov-ci-sp-object-id"


# -- 4. Classic workspace CMK -----------------------------------------------------------------------------


def test_cosmos_db_principal_may_use_the_key_before_the_workspace(dev: Program) -> None:
    """ "Use customer-managed keys with Azure Machine Learning", section "Allow Azure Cosmos DB to access the
    key": Get, Unwrap Key and Wrap Key for principal a232010e-820c-4083-83bb-3ace5fc29d0b; in an RBAC vault
    that is Key Vault Crypto Service Encryption User, for the tenant's own object of that application."""
    assert COSMOS_DB_APP_ID == "a232010e-820c-4083-83bb-3ace5fc29d0b"
    ra = dev.named("aml-kv-ra-cosmosdb")
    assert role_of(ra) == "Key Vault Crypto Service Encryption User" and ra.inputs["scope"] == VAULT_SCOPE
    assert ra.inputs["principalId"] == f"sp-{COSMOS_DB_APP_ID}"  # looked up by client ID (conftest mock)
    assert ra.inputs["principalType"] == "ServicePrincipal"
    wait, ws = dev.named("aml-kv-cmk-wait"), dev.one("machinelearningservices:Workspace")
    assert dev.depends(wait, ra) and dev.depends(ws, wait)
    assert ws.inputs["enableServiceSideCMKEncryption"] is False


def test_resource_providers_a_cmk_workspace_needs() -> None:
    """ "Use customer-managed keys with Azure Machine Learning", Prerequisites: "The following Azure resource
    providers must be registered" (the table, in order)."""
    assert list(CMK_RESOURCE_PROVIDERS) == [
        "Microsoft.MachineLearningServices",
        "Microsoft.Storage",
        "Microsoft.KeyVault",
        "Microsoft.DocumentDB",
        "Microsoft.Search",
    ]
    assert CMK_RESOURCE_PROVIDERS["Microsoft.DocumentDB"].startswith("Azure Cosmos DB instance")


# -- 8. Role propagation -----------------------------------------------------------------------------------


def test_every_key_consumer_waits_for_its_grants(dev: Program) -> None:
    """ "Troubleshoot Azure RBAC", section "Symptom - Role assignment changes are not being detected": "it can
    take up to 10 minutes for changes to take effect"; Azure/bicep#16601 (CMK storage created right after the
    grant fails with KeyVaultAuthenticationFailure). Each wait follows its grants and names them as triggers."""
    assert ROLE_PROPAGATION_WAIT == "10m"
    waits = {r.name: r for r in dev.of_type("time:index/sleep:Sleep")}
    assert set(waits) == {"aml-kv-deployer-wait", "aml-kv-cmk-wait", "aml-access-wait"}
    for wait in waits.values():
        assert wait.inputs["createDuration"] == "10m"
        grants = [ra for ra in dev.of_type("authorization:RoleAssignment") if dev.depends(wait, ra)]
        assert grants and len(grants) == len(wait.inputs["triggers"]), wait.name
        assert set(wait.inputs["triggers"].values()) == {ra.urn for ra in grants} or all(
            isinstance(v, str) and "/roleAssignments/" not in v for v in wait.inputs["triggers"].values()
        )
    cmk_wait = waits["aml-kv-cmk-wait"]
    assert set(cmk_wait.inputs["triggers"]) == {"cmk", "cosmosdb"}
    assert dev.depends(dev.one("storage:StorageAccount"), cmk_wait)
    ws = dev.one("machinelearningservices:Workspace")
    assert dev.depends(ws, cmk_wait) and dev.depends(ws, waits["aml-access-wait"])


def test_propagation_wait_refuses_bad_input() -> None:
    """ "Troubleshoot Azure RBAC" (propagation up to 10 minutes): a wait needs grants and a Go duration."""

    class Holder(pulumi.ComponentResource):
        def __init__(self, duration: str, grants: dict[str, Any]) -> None:
            super().__init__("test:index:Holder", "h")
            propagation_wait("h", grants, self, duration)

    with pytest.raises(
        ValueError, match=r"^duration: '10 minutes' is not a duration; allowed: a Go duration"
    ):
        run_program(lambda: Holder("10 minutes", {}))
    with pytest.raises(ValueError, match=r"^h: a propagation wait needs at least one role assignment"):
        run_program(lambda: Holder("90s", {}))


# -- 14. What rotates ------------------------------------------------------------------------------------


def test_key_settings_are_create_only_and_changes_are_ignored() -> None:
    """Key Vault management REST API, "Keys - Create If Not Exist": "If it already exists, then the existing key
    is returned without any write operations being performed ... does not update existing keys." Changes to
    the key's properties and tags could never reach Azure, so the program does not claim to apply them."""
    ignored: dict[str, list[str]] = {}

    class Monitor(RecordingMonitor):
        def RegisterResource(self, request: Any) -> Any:
            ignored[request.name] = list(request.ignoreChanges)
            return super().RegisterResource(request)

    pulumi.runtime.set_mocks(AzureMocks(), project=PROJECT, stack="test", preview=False,
                             monitor=Monitor(AzureMocks()))  # fmt: skip

    @pulumi.runtime.test
    def program() -> Any:
        vault = KeyVault("team", KeyVaultArgs(placement=PLACEMENT, vault_name="kv-team", tenant_id="00000000-0000-0000-0000-0000000000aa",
                                              identity=IDENTITY, private_endpoint=PE, diagnostics=None))  # fmt: skip
        return vault.key.id

    program()
    assert sorted(ignored["team-key"]) == ["properties", "tags"]
    assert ignored["team-kv"] == []  # the vault's settings are updatable


def test_storage_follows_rotation_and_the_workspace_is_pinned(dev: Program) -> None:
    """Storage: versionless key ("Configure customer-managed keys in the same tenant for a new storage
    account", "Configure encryption for automatic updating of key versions": checked daily). Workspace: a
    versioned key URL ("Use customer-managed keys with Azure Machine Learning": `.../keys/mykey/{GUID}`), which
    a runbook moves to a newer version ("Customer-managed keys for Azure Machine Learning", Limitations)."""
    st = dev.one("storage:StorageAccount").inputs["encryption"]["keyVaultProperties"]
    assert "keyVersion" not in st and st["keyName"] == "cmk"
    ws = dev.one("machinelearningservices:Workspace").inputs["encryption"]["keyVaultProperties"]
    assert ws["keyIdentifier"] == "https://vault.vault.azure.net/keys/cmk/v1"  # keyUriWithVersion (conftest)
