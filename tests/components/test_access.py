"""Identities, grants and locks: one identity per job, every planned role assignment is a row of the one
grant table (and docs/access.md is that table), the documented roles of a user-assigned workspace identity,
the managed network's approver and the studio's Reader grants in the right order, persona storage roles with
shared keys off, and locks only on data."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from components import SecureMlPlatform, SecureMlPlatformArgs, Settings, load_settings
from components.access import (
    CI_IDENTITY,
    COSMOS_DB,
    DEPLOYER,
    GRANTS,
    JOB_IDENTITY,
    PERSONA,
    PERSONA_READ,
    PERSONA_READ_WRITE,
    SCOPES,
    STORAGE_ACCESS,
    WORKSPACE_IDENTITY,
    PersonaAccess,
    PersonaAccessArgs,
    PersonaGroup,
    add_lock,
    grants_for,
    render_grants_markdown,
)
from components.governance import CI_NEVER_DELEGATED, baseline_roles
from components.keyvault import COSMOS_DB_APP_ID
from components.roles import ROLE_IDS
from components.settings import PERSONA_STORAGE_ACCESS, PERSONAS, STORAGE_ACCESS_LEVELS
from tests.components.conftest import SUB, Program, Recorded, run_program
from tests.components.test_settings import stack_config

ROOT = Path(__file__).resolve().parents[2]
KEY_MANAGEMENT = {
    "Key Vault Administrator",
    "Key Vault Crypto Officer",
    "Key Vault Crypto Service Encryption User",
}
PRIVILEGED = {"Owner", "User Access Administrator", "Role Based Access Control Administrator", "Contributor"}


def platform(settings: Settings) -> Program:
    return run_program(lambda: SecureMlPlatform("aml", SecureMlPlatformArgs(settings=settings)))


@pytest.fixture(scope="module")
def dev() -> Program:
    return platform(load_settings(*stack_config("dev")))


@pytest.fixture(scope="module")
def prod() -> Program:
    return platform(load_settings(*stack_config("prod")))


def role_of(ra: Recorded) -> str:
    guid = str(ra.inputs["roleDefinitionId"]).rsplit("/", 1)[-1]
    return next(name for name, g in ROLE_IDS.items() if g == guid)


def scope_key(scope: str) -> str:
    """The GRANTS scope key of a recorded assignment scope (mock IDs: .../providers/<module>/<Type>/<name>)."""
    tail = scope.split("/providers/")[-1] if "/providers/" in scope else scope
    kinds = {
        "machinelearningservices/Workspace/": "mlw", "storage/StorageAccount/": "st", "keyvault/Vault/": "kv",
        "containerregistry/Registry/": "acr", "applicationinsights/Component/": "appi",
        "network/PrivateEndpoint/aml-blob-pe": "blob-pe", "network/PrivateEndpoint/aml-file-pe": "file-pe",
        "machinelearningservices/Registry/": "mlr", "resources/ResourceGroup/": "rg",
        "cognitiveservices/Account/": "ais",
    }  # fmt: skip
    for prefix, key in kinds.items():
        if tail.startswith(prefix):
            return key
    assert re.fullmatch(r"/subscriptions/[^/]+/resourceGroups/[^/]+", scope), scope  # a resource group ID
    return "rg"


def principal_kind(ra: Recorded, persona_access: dict[str, str]) -> str:
    """Which GRANTS principal a recorded assignment is for (by the mocks' principal IDs)."""
    pid = ra.inputs["principalId"]
    if pid == "aml-id-principal":
        return WORKSPACE_IDENTITY
    if pid == "aml-jobs-id-principal":
        return JOB_IDENTITY
    if pid == "aml-gov-ci-sp-object-id":
        return CI_IDENTITY
    if pid == "oid":  # the client config's object ID (tests/components/conftest.py)
        return DEPLOYER
    if pid == f"sp-{COSMOS_DB_APP_ID}":  # the looked-up first-party principal (conftest.py)
        return COSMOS_DB
    assert ra.inputs["principalType"] == "Group", ra.name
    if ra.name.startswith("aml-personas-st-ra-"):
        persona = ra.name.removeprefix("aml-personas-st-ra-").rsplit("-", 1)[0]
        return STORAGE_ACCESS[persona_access[persona]]
    return PERSONA


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_every_planned_grant_is_a_row_of_the_grant_table(stack: str, dev: Program, prod: Program) -> None:
    """Source: "One identity per job" (docs/access.md): every role a component grants is listed in one table with its
    documented reason. Each planned assignment matches a GRANTS row (principal, role, scope, name key), and
    every row of the identities these components create is planned."""
    prog = {"dev": dev, "prod": prod}[stack]
    settings = load_settings(*stack_config(stack))
    access = {k.lower(): v.storage_access for k, v in settings.personas.items()}
    planned = set()
    for ra in prog.of_type("authorization:RoleAssignment"):
        kind = principal_kind(ra, access)
        key = ra.name.rsplit("-ra-", 1)[-1]
        if kind in (PERSONA_READ_WRITE, PERSONA_READ):
            key = key.rsplit("-", 1)[-1]
        planned.add((kind, role_of(ra), scope_key(ra.inputs["scope"]), key))
    table = {(g.principal, g.role, g.scope, g.key) for g in GRANTS}
    persona_rows = {(PERSONA, PERSONAS[k], "mlw", k.lower()) for k in settings.personas}
    if settings.ai_services:
        persona_rows |= {
            (PERSONA, r, "ais", k.lower()) for k, r in settings.ai_services.persona_roles.items()
        }
    assert planned - persona_rows <= table
    mine = {row for row in table if row[0] in (WORKSPACE_IDENTITY, JOB_IDENTITY, CI_IDENTITY)}
    assert mine <= planned
    assert persona_rows <= planned


def test_docs_access_page_is_the_grant_table() -> None:
    """docs/access.md shows exactly the table the code grants from (between its grants markers)."""
    text = (ROOT / "docs" / "access.md").read_text()
    begin, end = "<!-- grants:begin -->\n", "<!-- grants:end -->"
    assert text[text.index(begin) + len(begin) : text.index(end)] == render_grants_markdown()
    assert all(g.scope in SCOPES and g.role in ROLE_IDS and g.source for g in GRANTS)
    assert len({(g.principal, g.scope, g.key) for g in GRANTS}) == len(GRANTS)  # names never collide


def test_clusters_run_as_a_job_identity_that_cannot_manage_keys_or_grant_roles(prod: Program) -> None:
    """Source: "Set up authentication between Azure Machine Learning and other services", section "Compute cluster":
    job code gets the cluster's identity (DEFAULT_IDENTITY_CLIENT_ID). So the clusters' identity is not the
    workspace and CMK identity (which holds Key Vault Administrator, as the same page's table requires), and
    it holds only data roles: no key role, no Contributor, no role-assignment rights."""
    ws = prod.one("machinelearningservices:Workspace").inputs
    jobs = prod.named("aml-jobs-id")
    assert jobs.inputs["resourceName"] == "id-amlsec-prod-jobs"
    job_id = f"/subscriptions/{SUB}/resourceGroups/rg/providers/managedidentity/UserAssignedIdentity/id-amlsec-prod-jobs"
    for cluster in prod.of_type("machinelearningservices:Compute"):
        if cluster.inputs["properties"]["computeType"] == "AmlCompute":
            assert cluster.inputs["identity"] == {"type": "UserAssigned", "userAssignedIdentities": [job_id]}
            assert job_id != ws["primaryUserAssignedIdentity"]
            for ra in prod.of_type("authorization:RoleAssignment"):
                if ra.name.startswith("aml-jobs-"):
                    assert prod.depends(cluster, ra), ra.name
        else:
            assert "identity" not in cluster.inputs  # personal instances work as their user
    assert ws["encryption"]["identity"]["userAssignedIdentity"] == ws["primaryUserAssignedIdentity"] != job_id
    job_roles = {role_of(ra) for ra in prod.of_type("authorization:RoleAssignment")
                 if ra.inputs["principalId"] == "aml-jobs-id-principal"}  # fmt: skip
    assert job_roles == {"Storage Blob Data Contributor", "AcrPull", "AzureML Registry User"}
    assert not job_roles & (KEY_MANAGEMENT | PRIVILEGED)


def test_workspace_identity_holds_the_documented_roles_workspace_contributor_after_the_workspace(
    dev: Program,
) -> None:
    """Source: "Set up authentication between Azure Machine Learning and other services", section "User-assigned
    managed identity > Workspace": Contributor on the workspace, Contributor + Storage Blob Data Contributor on
    storage, Contributor + Key Vault Administrator on an RBAC key vault, Contributor on the container registry
    and Application Insights. Contributor on the workspace can only be granted once it exists."""
    documented = {
        ("mlw", "Contributor"), ("st", "Contributor"), ("st", "Storage Blob Data Contributor"),
        ("kv", "Contributor"), ("kv", "Key Vault Administrator"), ("acr", "Contributor"), ("appi", "Contributor"),
    }  # fmt: skip
    rows = {(g.scope, g.role) for g in grants_for(WORKSPACE_IDENTITY)}
    assert documented <= rows
    ws = dev.one("machinelearningservices:Workspace")
    contributor = dev.named("aml-mlw-ra-contributor")
    assert contributor.inputs["principalId"] == "aml-id-principal" and role_of(contributor) == "Contributor"
    assert contributor.inputs["scope"].endswith("/machinelearningservices/Workspace/mlw-amlsec-dev")
    assert dev.depends(contributor, ws)


def test_network_approver_on_the_resource_group_before_the_workspace(dev: Program) -> None:
    """Source: "Workspace Managed Virtual Network Isolation", section "Prerequisites": a UAI workspace needs the Azure
    AI Enterprise Network Connection Approver role (b556d68e-0be0-4f35-a333-ad7ee1ce17ea) so the managed
    network's private endpoints (workspace, storage, key vault, registries) are approved. provisionNetworkNow
    does that while the workspace is created, so the grant is on the resource group that holds them all, and
    the workspace depends on it."""
    approver = dev.named("aml-access-rg-ra-approver")
    assert (
        ROLE_IDS["Azure AI Enterprise Network Connection Approver"] == "b556d68e-0be0-4f35-a333-ad7ee1ce17ea"
    )
    assert role_of(approver) == "Azure AI Enterprise Network Connection Approver"
    assert approver.inputs["scope"] == f"/subscriptions/{SUB}/resourceGroups/rg-amlsec-dev"
    assert approver.inputs["principalId"] == "aml-id-principal"
    ws = dev.one("machinelearningservices:Workspace")
    assert ws.inputs["provisionNetworkNow"] is True and dev.waits_for(ws, approver)
    for target in ("keyvault:Vault", "storage:StorageAccount", "containerregistry:Registry",
                   "machinelearningservices:Registry"):  # fmt: skip
        assert dev.one(target).inputs["resourceGroupName"] == "rg-amlsec-dev", target


def test_workspace_identity_reads_the_client_network_storage_endpoints(dev: Program) -> None:
    """Source: "Workspace Managed Virtual Network Isolation", section "Azure Machine Learning studio": with storage
    public network access disabled, the private endpoints in the client network (blob and file) grant Reader
    to the workspace managed identity."""
    assert dev.one("storage:StorageAccount").inputs["publicNetworkAccess"] == "Disabled"
    ws = dev.one("machinelearningservices:Workspace")
    for group in ("blob", "file"):
        ra = dev.named(f"aml-access-{group}-pe-ra-reader")
        assert role_of(ra) == "Reader" and ra.inputs["principalId"] == "aml-id-principal"
        assert ra.inputs["scope"].endswith(f"/network/PrivateEndpoint/aml-{group}-pe")
        assert dev.depends(ra, dev.named(f"aml-{group}-pe")) and dev.waits_for(ws, ra)


def test_no_managed_network_means_no_approver_and_no_registry_rule() -> None:
    """Without a managed network there are no managed private endpoints to approve or rules to add."""
    base = load_settings(*stack_config("dev"))
    prog = platform(
        replace(base, isolation_mode="Disabled", compute_subnet_prefix="10.20.1.0/24", outbound_rules={})
    )
    assert [r.name for r in prog.of_type("authorization:RoleAssignment") if "approver" in r.name] == []
    assert prog.one("machinelearningservices:Workspace").inputs["managedNetwork"] == {
        "isolationMode": "Disabled",
        "enableNetworkMonitor": False,
    }
    assert prog.named("aml-jobs-mlr-ra-registryuser")  # the job identity still uses the registry


def test_persona_storage_roles_follow_storage_access(dev: Program) -> None:
    """Source: "Disable shared key access for your workspace's storage account (preview)": users of notebooks,
    compute instances and data browsing need Storage Blob Data Contributor and Storage File Data Privileged
    Contributor on the storage account; read-only users the Reader variants."""
    assert dev.one("storage:StorageAccount").inputs["allowSharedKeyAccess"] is False
    assert {g.role for g in grants_for(PERSONA_READ_WRITE)} == {
        "Storage Blob Data Contributor",
        "Storage File Data Privileged Contributor",
    }
    assert {g.role for g in grants_for(PERSONA_READ)} == {
        "Storage Blob Data Reader",
        "Storage File Data Privileged Reader",
    }
    scientists = {role_of(r) for r in dev.of_type("authorization:RoleAssignment")
                  if r.name.startswith("aml-personas-st-ra-datascientists-")}  # fmt: skip
    assert scientists == {g.role for g in grants_for(PERSONA_READ_WRITE)}
    ra = dev.named("aml-personas-st-ra-datascientists-file")
    assert ra.inputs["principalType"] == "Group"
    assert ra.inputs["principalId"] == "00000000-0000-0000-0000-0000000000d5"
    assert ra.inputs["scope"].endswith("/storage/StorageAccount/stamlsecdevab1cd")
    assert set(STORAGE_ACCESS) == set(STORAGE_ACCESS_LEVELS)
    assert PERSONA_STORAGE_ACCESS == {"dataScientists": "readWrite", "mlEngineers": "read", "readers": "read"}


def test_persona_storage_access_needs_a_storage_account_and_a_known_level() -> None:
    """Bad input names the argument and what is allowed; nothing is created."""
    with pytest.raises(ValueError, match=r"personas\.ds\.storage_access: 'all' is not supported; allowed: "
                                         r"readWrite, read, none"):  # fmt: skip
        run_program(lambda: PersonaAccess("p", PersonaAccessArgs("/ws", {"ds": PersonaGroup(
            "Reader", group_object_id="g", storage_access="all")}, storage_account_id="/st")))  # fmt: skip
    with pytest.raises(ValueError, match=r"personas\.ds\.storage_access: needs storage_account_id"):
        run_program(lambda: PersonaAccess("p", PersonaAccessArgs("/ws", {"ds": PersonaGroup(
            "Reader", group_object_id="g", storage_access="read")})))  # fmt: skip


def test_ci_delegation_is_derived_from_the_table_without_key_or_contributor_roles() -> None:
    """Source: "Delegate Azure role assignment management to others with conditions": the CI identity may assign the
    service principals' data roles and the personas' roles, never CI_NEVER_DELEGATED."""
    service, groups = baseline_roles(["AzureML Data Scientist", "Reader"], ["readWrite", "read", "none"])
    assert service == (
        "AcrPull",
        "AzureML Registry User",
        "Key Vault Crypto Service Encryption User",
        "Reader",
        "Storage Blob Data Contributor",
    )
    assert groups == (
        "AzureML Data Scientist",
        "Reader",
        "Storage Blob Data Contributor",
        "Storage Blob Data Reader",
        "Storage File Data Privileged Contributor",
        "Storage File Data Privileged Reader",
    )
    assert {"Contributor", "Key Vault Administrator", "Key Vault Crypto Officer"} <= CI_NEVER_DELEGATED


def test_locks_only_on_data(prod: Program) -> None:
    """Source: "Lock your resources to protect your infrastructure", sections "Lock inheritance" and "Considerations
    before applying your locks": a CanNotDelete lock blocks deleting extension resources (role assignments,
    diagnostic settings) and, on a resource group holding Azure ML workspaces, compute scale-down. Prod locks
    the key vault and the storage account; the workspace, model registry and container registry stay
    unlocked (protect guards them), and add_lock says how to lift a lock."""
    locked = {lock.inputs["scope"].split("/providers/")[-1].split("/")[0]
              for lock in prod.of_type("authorization:ManagementLockByScope")}  # fmt: skip
    assert locked == {"keyvault", "storage"}
    assert {r.type.rsplit(":", 1)[-1] for r in prod.records if r.protect} >= {"Workspace", "Registry"}
    assert add_lock.__doc__ and "az lock delete" in add_lock.__doc__
    assert "az lock delete --name <name>-lock" in (ROOT / "docs" / "access.md").read_text()
