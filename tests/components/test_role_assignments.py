"""AVM-style extension points: a team's `role_assignments` on the storage account, key vault, container registry
and workspace a SecureMlWorkspace creates (team trial F10: the team reached into `ml.storage.account.id` and an
unexported helper to give its group blob access).

The shape is the Azure Verified Modules role-assignment interface (`roleDefinitionIdOrName`, `principalId`,
`principalType`, `description`, `condition`; the Azure name `guid(scope, principalId, roleDefinitionId)`, as in
Azure/bicep-registry-modules avm/res/*/main.bicep, resource `*_roleAssignments`). Privileged roles are refused as
the security pack's rbac-privileged-roles refuses them ("Azure built-in roles", Privileged: Owner, User Access
Administrator, Role Based Access Control Administrator, Contributor; "Delegate Azure role assignment management
to others with conditions" for the RBAC Administrator's condition).
"""

from __future__ import annotations

import pydoc
import uuid
from dataclasses import fields, replace
from typing import Any

import pulumi
import pytest

import components
from aml_security import identity as pack_identity
from components import RoleAssignmentSpec, SecureMlWorkspace, SecureMlWorkspaceArgs, SettingsError
from components.platform import validate_workspace_args
from components.roles import (
    FORBIDDEN_FOR_PRINCIPALS,
    NEVER_GRANTED,
    ROLE_IDS,
    assignment_problem,
    delegation_problem,
    grantable,
)
from tests.components.conftest import SUB, Program, run_program
from tests.components.test_deploy_names_and_network import workspace_args as valid_workspace_args

GROUP = "6b1c2d3e-4f50-4a1b-9c2d-3e4f5a6b7c8d"
SP = "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0"
READER = "Storage Blob Data Reader"
ALLOWED_SP = "a role definition GUID or ID, or one of " + ", ".join(grantable("ServicePrincipal"))
ALLOWED_GROUP = "a role definition GUID or ID, or one of " + ", ".join(grantable("Group"))


def errors_for(**role_assignments: Any) -> list[str]:
    """validate_workspace_args' errors for a valid SecureMlWorkspaceArgs with these role_assignments."""
    with pytest.raises(SettingsError) as err:
        validate_workspace_args(replace(valid_workspace_args(), role_assignments=role_assignments))
    return err.value.errors


def spec(role: str = READER, principal: Any = GROUP, ptype: str = "Group", **more: Any) -> RoleAssignmentSpec:
    return RoleAssignmentSpec(
        role_definition_id_or_name=role, principal_id=principal, principal_type=ptype, **more
    )


def team_workspace(**role_assignments: Any) -> Program:
    def program() -> None:
        SecureMlWorkspace("churn", replace(valid_workspace_args(), role_assignments=role_assignments))

    return run_program(program)


def team_assignments(program: Program) -> list[Any]:
    """Role assignments the team asked for (the baseline's own carry descriptions starting with its name)."""
    return [
        r
        for r in program.of_type("authorization:RoleAssignment")
        if not str(r.inputs.get("description", "")).startswith("aml-secure-baseline")
    ]


def test_each_created_resource_gets_its_role_assignments_scoped_to_it() -> None:
    program = team_workspace(
        storage=[spec(description="churn data scientists read the training data")],
        key_vault=[spec("Key Vault Secrets User", SP, "ServicePrincipal")],
        registry=[spec("AcrPull", SP, "ServicePrincipal")],
        workspace=[spec("AzureML Data Scientist")],
    )
    made = {r.name.split("-ra-")[0]: r for r in team_assignments(program)}
    assert sorted(made) == ["churn-acr", "churn-kv", "churn-mlw", "churn-st"]
    storage = made["churn-st"].inputs
    assert storage["principalId"] == GROUP
    assert storage["principalType"] == "Group"
    assert storage["roleDefinitionId"] == (
        f"/subscriptions/{SUB}/providers/Microsoft.Authorization/roleDefinitions/{ROLE_IDS[READER]}"
    )
    assert storage["description"] == "churn data scientists read the training data"
    assert "condition" not in storage
    # Scoped to the resource itself: each assignment depends on exactly the resource it is on.
    for short, suffix in (
        ("churn-st", "storage:StorageAccount"),
        ("churn-kv", "keyvault:Vault"),
        ("churn-acr", "containerregistry:Registry"),
        ("churn-mlw", "machinelearningservices:Workspace"),
    ):
        assert program.depends(made[short], program.one(suffix)), short


def test_names_are_deterministic_and_do_not_depend_on_list_order() -> None:
    """Reordering the list must replace nothing; the Azure name is a UUID v5 of scope, principal and role (as
    AVM's guid(scope, principalId, roleDefinitionId)), so a recreated stack finds the same assignment."""
    a, b = spec(READER), spec("Storage Blob Data Contributor", SP, "ServicePrincipal")
    first = {r.name: r.inputs["roleAssignmentName"] for r in team_assignments(team_workspace(storage=[a, b]))}
    second = {
        r.name: r.inputs["roleAssignmentName"] for r in team_assignments(team_workspace(storage=[b, a]))
    }
    assert first == second and len(first) == 2
    assert all(uuid.UUID(v).version == 5 for v in first.values())


def test_a_condition_is_sent_with_condition_version_2() -> None:
    condition = (
        "((!(ActionMatches{'Microsoft.Authorization/roleAssignments/write'})) OR "
        "(@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals "
        f"{{{ROLE_IDS['AcrPull']}}}))"
    )
    (ra,) = team_assignments(
        team_workspace(
            registry=[
                spec("Role Based Access Control Administrator", SP, "ServicePrincipal", condition=condition)
            ]
        )
    )
    assert ra.inputs["condition"] == condition
    assert ra.inputs["conditionVersion"] == "2.0"


def test_a_role_by_guid_or_role_definition_id_is_accepted() -> None:
    guid = "b7e6dc6d-f1e8-4753-8033-0f276bb0955b"  # Storage Blob Data Owner is not in ROLE_IDS
    program = team_workspace(
        storage=[spec(guid)],
        key_vault=[
            spec(f"/providers/Microsoft.Authorization/roleDefinitions/{ROLE_IDS['Key Vault Secrets User']}")
        ],
    )
    roles = sorted(r.inputs["roleDefinitionId"].rsplit("/", 1)[1] for r in team_assignments(program))
    assert roles == sorted([guid, ROLE_IDS["Key Vault Secrets User"]])


def test_bad_entries_are_reported_at_once_naming_the_argument() -> None:
    assert errors_for(
        storage=[spec(principal="alice@contoso.com", ptype="user")],
        key_vault=[spec("Key Vault Reader Typo")],
        vault=[spec()],
        workspace=spec(),
    ) == [
        "role_assignments['storage'][0].principal_type: 'user' is not supported; allowed: User, Group, "
        "ServicePrincipal",
        "role_assignments['storage'][0].principal_id: 'alice@contoso.com' is not a GUID; allowed: the Entra object "
        "ID (GUID) of the user, group or service principal",
        f"role_assignments['key_vault'][0].role_definition_id_or_name: unknown role 'Key Vault Reader Typo'; "
        f"allowed: {ALLOWED_GROUP}",
        "role_assignments['vault']: unknown resource; allowed: storage, key_vault, registry, workspace",
        "role_assignments['workspace']: RoleAssignmentSpec given; allowed: a list of RoleAssignmentSpec",
    ]


def test_a_dict_instead_of_a_spec_names_the_entry() -> None:
    assert errors_for(storage=[{"role_definition_id_or_name": READER}]) == [
        "role_assignments['storage'][0]: dict given; allowed: a RoleAssignmentSpec"
    ]


def test_the_same_role_twice_to_one_principal_is_refused() -> None:
    assert errors_for(storage=[spec(), spec(ROLE_IDS[READER])]) == [
        "role_assignments['storage'][1]: the same role and principal as role_assignments['storage'][0]; allowed: "
        "each role once per principal and resource"
    ]


@pytest.mark.parametrize(
    ("role", "ptype", "problem", "allowed"),
    [
        ("Owner", "ServicePrincipal", "role 'Owner' is never granted", ALLOWED_SP),
        (
            ROLE_IDS["User Access Administrator"],
            "Group",
            "role 'User Access Administrator' is never granted",
            ALLOWED_GROUP,
        ),
        ("Contributor", "Group", "role 'Contributor' may not be granted to a Group", ALLOWED_GROUP),
        (
            "Contributor",
            "User",
            "role 'Contributor' may not be granted to a User",
            "a role definition GUID or ID, or one of " + ", ".join(grantable("User")),
        ),
        (
            "Role Based Access Control Administrator",
            "ServicePrincipal",
            "role 'Role Based Access Control Administrator' without a condition",
            'a condition (version "2.0") that limits @Request[Microsoft.Authorization/roleAssignments:'
            "RoleDefinitionId] with GuidEquals {<role GUIDs>}",
        ),
    ],
)
def test_privileged_roles_are_refused_as_the_pack_refuses_them(
    role: str, ptype: str, problem: str, allowed: str
) -> None:
    assert errors_for(workspace=[spec(role, SP, ptype)]) == [
        f"role_assignments['workspace'][0].role_definition_id_or_name: {problem}; allowed: {allowed}"
    ]


def test_contributor_for_a_service_principal_on_one_resource_is_allowed() -> None:
    """The pack allows Contributor for a ServicePrincipal at resource-group or single-resource scope."""
    assert assignment_problem("Contributor", "ServicePrincipal", None) is None


@pytest.mark.parametrize(
    "condition",
    [
        "",
        "@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals "
        f"{{{ROLE_IDS['AcrPull']}}}",
        "@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals "
        f"{{{ROLE_IDS['AcrPull']}, {ROLE_IDS['Owner']}}}",
        "@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAllValues:GuidNotEquals "
        f"{{{ROLE_IDS['Owner']}}}",
        "@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAllValues:GuidNotEquals "
        f"{{{ROLE_IDS['Owner']}, {ROLE_IDS['User Access Administrator']}, "
        f"{ROLE_IDS['Role Based Access Control Administrator']}}}",
        "@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringEquals 'x'",
    ],
)
def test_rbac_administrator_conditions_are_judged_as_the_pack_judges_them(condition: str) -> None:
    """The copied condition check (components do not import the pack) agrees with rbac-privileged-roles."""
    pack = pack_identity._delegation_problems(condition, "Role Based Access Control Administrator")
    assert (delegation_problem(condition) is None) == (pack == [])


def test_the_helpers_are_exported_and_validate_their_own_input() -> None:
    assert {"add_role_assignment_specs", "add_role_assignments", "add_lock", "RoleAssignmentSpec"} <= set(
        components.__all__
    )

    def program() -> None:
        parent = pulumi.ComponentResource("team:index:Thing", "thing")
        components.add_role_assignment_specs("thing", "/subscriptions/s/x", [spec("Owner")], parent)

    with pytest.raises(
        Exception, match=r"role_assignments\[0\]\.role_definition_id_or_name: role 'Owner' is never granted"
    ):
        run_program(program)


def test_help_shows_every_field_of_the_team_args() -> None:
    """Team trial F11: bare strings after dataclass fields are invisible to help()/pydoc; the Args class
    docstring lists every field with its description, and this is what help(SecureMlWorkspaceArgs) shows."""
    text = pydoc.plain(pydoc.render_doc(SecureMlWorkspaceArgs))
    for f in fields(SecureMlWorkspaceArgs):
        line = next((ln for ln in text.splitlines() if ln.lstrip(" |").startswith(f"{f.name}:")), "")
        assert len(line.split(":", 1)[1].strip()) > 10, f"help() shows no description of {f.name}"
    spec_text = pydoc.plain(pydoc.render_doc(RoleAssignmentSpec))
    for f in fields(RoleAssignmentSpec):
        assert f"{f.name}:" in spec_text


def test_the_library_refuses_exactly_the_roles_the_pack_judges_privileged() -> None:
    """The pack's rbac-privileged-roles list (aml_security/identity.py ROLE_NAMES) and the library's refusals
    (roles.NEVER_GRANTED, FORBIDDEN_FOR_PRINCIPALS) name the same roles, with the same GUIDs."""
    library = {ROLE_IDS[r]: r for r in NEVER_GRANTED | FORBIDDEN_FOR_PRINCIPALS}
    assert library == pack_identity.ROLE_NAMES
