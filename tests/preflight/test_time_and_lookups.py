"""The emulator serves pulumiverse-time's Sleep (the role propagation wait) and the Entra ID lookup of a
first-party service principal by client ID, deterministically, as `pulumi preview` and `up` would see them."""

from __future__ import annotations

import pytest
from pulumi.runtime.mocks import MockResourceArgs

from preflight.emulator import AzureEmulator, EmulatorError, EmulatorSettings
from preflight.model import UNKNOWN
from preflight.program import ProgramError
from tests.engine_programs import run_on_engine

COSMOS_DB_APP_ID = "a232010e-820c-4083-83bb-3ace5fc29d0b"


SLEEP_PROGRAM = """
import pulumi
import pulumiverse_time as time

wait = time.Sleep("kv-wait", create_duration="10m", triggers={"cmk": "/roleAssignments/1"})
pulumi.export("id", wait.id)
pulumi.export("duration", wait.create_duration)
pulumi.export("triggers", wait.triggers)
"""


def test_sleep_outputs_are_its_inputs_and_its_id_is_known_only_after_create() -> None:
    """pulumiverse-time Sleep (`time:index/sleep:Sleep`) is not an Azure resource: it delays its own creation
    ("Troubleshoot Azure RBAC": role assignments take up to 10 minutes); its state is its inputs."""
    preview = run_on_engine(SLEEP_PROGRAM, preview=True)
    sleep = preview.one("time:index/sleep:Sleep", "kv-wait")
    assert sleep.inputs == {"createDuration": "10m", "triggers": {"cmk": "/roleAssignments/1"}}
    assert preview.outputs["duration"] == "10m" and preview.outputs["id"] == UNKNOWN
    up = run_on_engine(SLEEP_PROGRAM, preview=False)
    again = run_on_engine(SLEEP_PROGRAM, preview=False)
    assert up.outputs["id"].startswith("sleep-") and up.outputs["id"] == again.outputs["id"]
    assert up.outputs["triggers"] == {"cmk": "/roleAssignments/1"}
    assert up.generic == []  # emulated, not served generically


def test_other_time_resources_are_an_error_naming_the_type() -> None:
    """Only what the programs here use is emulated; anything else fails loudly, naming the type."""
    emulator = AzureEmulator(EmulatorSettings(preview=False))
    args = MockResourceArgs("time:index/rotating:Rotating", "rot", {"rotationDays": 30}, custom=True)
    with pytest.raises(EmulatorError) as err:
        emulator.new_resource(args)
    assert str(err.value) == (
        "the emulator cannot answer resource type time:index/rotating:Rotating (resource 'rot'): of "
        "pulumiverse-time only Sleep is emulated"
    )
    assert emulator.errors == [str(err.value)]


def test_service_principal_lookup_by_client_id_is_deterministic_per_tenant() -> None:
    """ "Use customer-managed keys with Azure Machine Learning", "Allow Azure Cosmos DB to access the key": the
    Azure Cosmos DB application has one ID everywhere, but its service principal's object ID differs per
    tenant; the emulated tenant answers the same object ID every run, and another tenant a different one."""
    program = f"""
    import pulumi
    import pulumi_azuread as azuread

    sp = azuread.get_service_principal_output(client_id="{COSMOS_DB_APP_ID}")
    pulumi.export("objectId", sp.object_id)
    pulumi.export("name", sp.display_name)
    """

    def object_id(tenant: str) -> str:
        rec = run_on_engine(program, emulator=EmulatorSettings(tenant_id=tenant))
        assert rec.outputs["name"] == "Azure Cosmos DB"
        return str(rec.outputs["objectId"])

    first, second = object_id("tenant-a"), object_id("tenant-a")
    assert first == second and len(first) == 36 and first != COSMOS_DB_APP_ID
    assert object_id("tenant-b") != first


def test_service_principal_lookup_by_display_name_is_an_error() -> None:
    """Display names are not unique in Entra ID; the emulator answers lookups by client ID only."""
    program = """
    import pulumi
    import pulumi_azuread as azuread

    pulumi.export("o", azuread.get_service_principal_output(display_name="Azure Cosmos DB").object_id)
    """
    with pytest.raises(
        ProgramError, match=r"answers getServicePrincipal by clientId only; got \['displayName'\]"
    ):
        run_on_engine(program)
