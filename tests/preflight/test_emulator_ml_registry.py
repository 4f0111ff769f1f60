"""The emulated Azure answers an Azure ML registry with the IDs of its system-created accounts."""

from __future__ import annotations

from preflight.emulator import EmulatorSettings
from tests.engine_programs import run_on_engine


def test_registry_returns_its_system_created_account_ids_after_create() -> None:
    """API description of SystemCreatedAcrAccount / SystemCreatedStorageAccount `armResourceId`: "This is
    populated once the ... account is created": known in up mode, in the registry's managed resource group."""

    program = """
    import pulumi
    from pulumi_azure_native import machinelearningservices as ml

    reg = ml.Registry(
        "mlr",
        resource_group_name="rg",
        registry_name="mlr-x",
        region_details=[
            ml.RegistryRegionArmDetailsArgs(
                location="westeurope",
                acr_details=[
                    ml.AcrDetailsArgs(
                        system_created_acr_account=ml.SystemCreatedAcrAccountArgs(
                            acr_account_sku="Premium"
                        )
                    )
                ],
                storage_account_details=[
                    ml.StorageAccountDetailsArgs(
                        system_created_storage_account=ml.SystemCreatedStorageAccountArgs(
                            storage_account_type="Standard_LRS"
                        )
                    )
                ],
            )
        ],
    )
    region = reg.region_details.apply(lambda r: r[0])
    pulumi.export(
        "acr",
        region.apply(lambda r: r.acr_details[0].system_created_acr_account.arm_resource_id.resource_id),
    )
    pulumi.export(
        "st",
        region.apply(
            lambda r: (
                r.storage_account_details[0].system_created_storage_account.arm_resource_id.resource_id
            )
        ),
    )
    """
    rec = run_on_engine(program, preview=False, emulator=EmulatorSettings(subscription_id="s"))
    prefix = "/subscriptions/s/resourceGroups/azureml-rg-mlr-x_"
    assert (
        rec.outputs["acr"].startswith(prefix)
        and "/providers/Microsoft.ContainerRegistry/registries/cr" in (rec.outputs["acr"])
    )
    assert (
        rec.outputs["st"].startswith(prefix)
        and "/providers/Microsoft.Storage/storageAccounts/st" in (rec.outputs["st"])
    )
