"""The emulated Azure and the recording monitor, with programs run on the offline engine."""

from __future__ import annotations

from pathlib import Path

import pytest

from preflight.emulator import AzureEmulator, EmulatorSettings, path_template, shape
from preflight.model import UNKNOWN
from preflight.program import ProgramError
from preflight.project import ConfigurationError, load_project, load_stack
from tests.engine_programs import run_on_engine

from .conftest import FIXTURES

SUB = "00000000-0000-0000-0000-000000000000"


IDENTITY_PROGRAM = """
import pulumi
import pulumi_azure_native.containerregistry as acr
import pulumi_azure_native.machinelearningservices as ml
import pulumi_azure_native.managedidentity as managedidentity
import pulumi_azure_native.resources as resources

rg = resources.ResourceGroup("rg", resource_group_name="rg-ml")
uai = managedidentity.UserAssignedIdentity("uai", resource_group_name=rg.name, resource_name_="id-ml")
ml.Workspace(
    "ws",
    resource_group_name=rg.name,
    workspace_name="mlw-one",
    identity=ml.ManagedServiceIdentityArgs(type="UserAssigned", user_assigned_identities=[uai.id]),
    primary_user_assigned_identity=uai.id,
)
reg = acr.Registry(
    "acr",
    resource_group_name=rg.name,
    sku=acr.SkuArgs(name="Premium"),
    identity=acr.IdentityPropertiesArgs(
        type=acr.ResourceIdentityType.USER_ASSIGNED,
        user_assigned_identities=uai.id.apply(lambda i: {i: acr.UserIdentityPropertiesArgs()}),
    ),
)
pulumi.export("principal", uai.principal_id)
pulumi.export("registry", reg.login_server)
"""


def test_registrations_are_recorded_with_parents_and_property_dependencies() -> None:
    rec = run_on_engine(
        """
        import pulumi
        import pulumi_azure_native.managedidentity as managedidentity
        import pulumi_azure_native.resources as resources

        class Holder(pulumi.ComponentResource):
            def __init__(self, name: str) -> None:
                super().__init__("test:index:Holder", name)
                rg = resources.ResourceGroup(f"{name}-rg", opts=pulumi.ResourceOptions(parent=self))
                managedidentity.UserAssignedIdentity(
                    f"{name}-id",
                    resource_group_name=rg.name,
                    opts=pulumi.ResourceOptions(parent=self, protect=True),
                )

        Holder("h")
        """
    )
    assert [(r.type, r.name, r.custom) for r in rec.resources] == [
        ("test:index:Holder", "h", False),
        ("azure-native:resources:ResourceGroup", "h-rg", True),
        ("azure-native:managedidentity:UserAssignedIdentity", "h-id", True),
    ]
    holder, rg, uai = rec.resources
    assert holder.urn == "urn:pulumi:dev::p::test:index:Holder::h"
    assert holder.parent is None
    assert rg.urn == "urn:pulumi:dev::p::test:index:Holder$azure-native:resources:ResourceGroup::h-rg"
    assert rg.parent == holder.urn and uai.parent == holder.urn
    assert uai.property_dependencies == {"resourceGroupName": [rg.urn]}
    assert uai.dependencies == [rg.urn]
    assert uai.protect is True and rg.protect is False
    assert uai.source is not None and uai.source[0].endswith("__main__.py")


def test_up_mode_shapes_identity_maps_and_computes_outputs() -> None:
    rec = run_on_engine(IDENTITY_PROGRAM, preview=False)
    uai_id = f"/subscriptions/{SUB}/resourceGroups/rg-ml/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-ml"
    ws = rec.one("azure-native:machinelearningservices:Workspace")
    assert (
        ws.id
        == f"/subscriptions/{SUB}/resourceGroups/rg-ml/providers/Microsoft.MachineLearningServices/workspaces/mlw-one"
    )
    assert ws.inputs["identity"]["userAssignedIdentities"] == [uai_id]
    assert ws.inputs["primaryUserAssignedIdentity"] == uai_id
    reg = rec.one("azure-native:containerregistry:Registry")
    assert reg.inputs["identity"]["userAssignedIdentities"] == {uai_id: {}}
    assert reg.id is not None
    assert rec.outputs["registry"] == f"{reg.id.rsplit('/', 1)[1]}.azurecr.io"
    assert len(rec.outputs["principal"]) == 36


def test_preview_mode_leaves_ids_and_computed_outputs_unknown() -> None:
    rec = run_on_engine(IDENTITY_PROGRAM, preview=True)
    ws = rec.one("azure-native:machinelearningservices:Workspace")
    assert ws.inputs["identity"]["userAssignedIdentities"] == [UNKNOWN]
    assert ws.inputs["resourceGroupName"] == "rg-ml"
    assert rec.outputs == {"principal": UNKNOWN, "registry": UNKNOWN}


AUTO_NAMED = """
import pulumi_azure_native.managedidentity as managedidentity
import pulumi_azure_native.resources as resources

resources.ResourceGroup("platform")
managedidentity.UserAssignedIdentity("uai", resource_group_name="rg")
"""


def test_auto_names_are_deterministic_and_derive_from_the_logical_name() -> None:
    names = []
    for _ in range(2):
        rec = run_on_engine(AUTO_NAMED, preview=False)
        names.append(rec.one("azure-native:resources:ResourceGroup").id)
    assert names[0] == names[1]
    assert names[0] is not None
    assert names[0].startswith(f"/subscriptions/{SUB}/resourceGroups/platform")
    assert len(names[0].rsplit("/", 1)[1]) == len("platform") + 8


def test_auto_names_reach_the_analyzed_inputs_as_after_check() -> None:
    rec = run_on_engine(AUTO_NAMED)
    name = rec.one("azure-native:managedidentity:UserAssignedIdentity").inputs["resourceName"]
    assert name.startswith("uai") and len(name) == len("uai") + 8


def test_path_templates_nest_children_under_parents() -> None:
    assert path_template("azure-native:machinelearningservices:Compute").endswith(
        "/workspaces/{workspaceName}/computes/{computeName}"
    )
    # A type outside the table: parents come from the SDK's required *Name arguments.
    assert path_template("azure-native:eventhub:ConsumerGroup") == (
        "{rg}/providers/Microsoft.EventHub/namespaces/{namespaceName}/eventHubs/{eventHubName}"
        "/consumerGroups/{consumerGroupName}"
    )


def test_shape_turns_an_identity_list_into_the_output_map() -> None:
    from pulumi_azure_native.machinelearningservices import outputs

    shaped = shape(
        {"type": "UserAssigned", "userAssignedIdentities": ["/id/a"]}, outputs.ManagedServiceIdentityResponse
    )
    assert shaped == {"type": "UserAssigned", "userAssignedIdentities": {"/id/a": {}}}


def test_azure_native_type_our_sdk_lacks_is_served_generically_and_listed() -> None:
    """A type the program's SDK has and ours does not (a newer azure-native): its outputs are its inputs, its
    ID unknown in preview, and the recording lists it, so the report can say it was not emulated."""
    rec = run_on_engine(
        """
        import pulumi
        pulumi.CustomResource("azure-native:machinelearningservices:Spaceship", "s", {"size": "L"})
        """
    )
    ship = rec.one("azure-native:machinelearningservices:Spaceship")
    assert ship.inputs == {"size": "L"} and ship.id is None
    assert rec.generic == ["urn:pulumi:dev::p::azure-native:machinelearningservices:Spaceship::s"]


def test_client_config_invoke_is_answered() -> None:
    settings = EmulatorSettings(subscription_id="sub-1", tenant_id="tenant-1")
    rec = run_on_engine(
        """
        import pulumi
        from pulumi_azure_native import authorization

        cfg = authorization.get_client_config_output()
        pulumi.export("sub", cfg.subscription_id)
        pulumi.export("tenant", cfg.tenant_id)
        """,
        emulator=settings,
    )
    assert rec.outputs == {"sub": "sub-1", "tenant": "tenant-1"}
    assert rec.empty_answers == []
    assert isinstance(AzureEmulator(settings).settings, EmulatorSettings)


def test_project_config_defaults_types_and_secure_values(tmp_path: Path) -> None:
    project = load_project(FIXTURES / "minimal")
    assert project.name == "minimal"
    assert project.stack_config_dir == (FIXTURES / "minimal" / "stacks").resolve()
    stack = load_stack(project, "dev")
    assert stack.values["minimal:publicAccess"] == "Disabled"
    assert stack.values["minimal:prefix"] == "mini"
    assert stack.values["azure-native:location"] == "westeurope"
    assert stack.placeholders == ["minimal:apiKey"]
    assert stack.secret_keys == ["minimal:apiKey"]
    with pytest.raises(ConfigurationError, match=r"stack name 'no/slash' is invalid"):
        load_stack(project, "no/slash")


def test_project_without_pulumi_yaml_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match=r"Pulumi\.yaml not found"):
        load_project(tmp_path)


def test_resource_references_reach_the_analyzers_as_ids() -> None:
    program = """
    import pulumi
    import pulumi_azure_native.network as network

    nsg = network.NetworkSecurityGroup("nsg", resource_group_name="rg")
    pulumi.CustomResource("azure-native:network:Subnet", "snet", {"networkSecurityGroup": nsg})
    """
    for preview in (True, False):
        rec = run_on_engine(program, preview=preview)
        nsg_rec, snet = rec.resources
        expected = UNKNOWN if preview else nsg_rec.id
        assert snet.inputs["networkSecurityGroup"] == expected


def test_computed_fields_of_output_objects_are_unknown_in_preview_and_known_after_create() -> None:
    program = """
    import pulumi
    import pulumi_azure_native.keyvault as keyvault

    vault = keyvault.Vault(
        "kv",
        resource_group_name="rg",
        vault_name="kv-one",
        properties=keyvault.VaultPropertiesArgs(
            tenant_id="t",
            sku=keyvault.SkuArgs(family=keyvault.SkuFamily.A, name=keyvault.SkuName.PREMIUM),
        ),
    )
    pulumi.export("uri", vault.properties.vault_uri)
    """
    assert run_on_engine(program, preview=True).outputs == {"uri": UNKNOWN}
    assert run_on_engine(program, preview=False).outputs == {"uri": "https://kv-one.vault.azure.net/"}


METHOD_CALLS = """
import pulumi
from pulumi.runtime import call

thing = pulumi.CustomResource("example:index:Cluster", "thing", {"size": 3})
config = call("azure-native:authorization:getClientConfig", {"__self__": thing}, thing)
pulumi.export("tenant", config.apply(lambda c: c["tenantId"]))
kubeconfig = call("example:index:Cluster/getKubeconfig", {"__self__": thing, "raw": True}, thing)
pulumi.export("kubeconfig", kubeconfig.apply(repr))  # what the program got
"""


def test_resource_method_calls_are_answered_by_the_emulator_or_empty_and_listed() -> None:
    """`ResourceMonitor.Call` (a resource method, `pulumi.runtime.call`): a function the emulated Azure knows is
    answered as its invoke would be; an unknown method gets an empty result, listed like an unknown invoke."""
    rec = run_on_engine(METHOD_CALLS, emulator=EmulatorSettings(tenant_id="tenant-1"))
    assert rec.outputs == {"kubeconfig": "None", "tenant": "tenant-1"}  # the SDK: an empty result is None
    assert rec.empty_answers == ["example:index:Cluster/getKubeconfig"]
    assert rec.generic == ["urn:pulumi:dev::p::example:index:Cluster::thing"]


def test_a_program_failing_after_an_empty_method_answer_names_the_method() -> None:
    with pytest.raises(ProgramError) as err:
        run_on_engine(METHOD_CALLS + 'pulumi.export("text", kubeconfig.apply(lambda k: k["kubeconfig"]))\n')
    assert "TypeError: 'NoneType' object is not subscriptable" in str(err.value)
    assert str(err.value).endswith(
        "(the emulated Azure answered these functions with an empty result: example:index:Cluster/getKubeconfig)"
    )
