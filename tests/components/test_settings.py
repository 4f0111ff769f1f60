"""Settings: defaults match Pulumi.yaml, both stacks load, and each invalid configuration fails with its
exact message before any resource registers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from components import SecureMlPlatform, SecureMlPlatformArgs, SettingsError, load_settings
from components.settings import CONFIG_SCHEMA, PROJECT
from tests.components.conftest import run_program

ROOT = Path(__file__).resolve().parents[2]
GUID = "11111111-2222-3333-4444-555555555555"


def stack_config(stack: str) -> tuple[dict[str, Any], str]:
    """Project keys (without namespace) and the location of a stack file."""
    config = yaml.safe_load((ROOT / "stacks" / f"Pulumi.{stack}.yaml").read_text())["config"]
    project = {k.split(":", 1)[1]: v for k, v in config.items() if k.startswith(f"{PROJECT}:")}
    return project, config["azure-native:location"]


def test_pulumi_yaml_declares_every_scalar_key_with_the_settings_default() -> None:
    project = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())
    assert project["name"] == PROJECT and project["stackConfigDir"] == "stacks"
    assert project["runtime"] == {"name": "python", "options": {"toolchain": "pip", "virtualenv": "venv"}}
    declared = project["config"]
    for key, (kind, default, _doc) in CONFIG_SCHEMA.items():
        if kind == "object":  # Pulumi's project schema has no object type; documented in a comment instead
            assert key not in declared
            assert f"#   {key}:" in (ROOT / "Pulumi.yaml").read_text()
            continue
        assert (
            declared[key]["type"] == kind
            and declared[key]["default"] == default
            and declared[key]["description"]
        )
    assert set(declared) <= set(CONFIG_SCHEMA)


def test_defaults_are_secure() -> None:
    s = load_settings({}, "westeurope")
    assert s.isolation_mode == "AllowOnlyApprovedOutbound"
    assert s.log_retention_days == 90 and s.firewall_sku == "Standard"
    assert not s.locks and not s.protect and s.outbound_rules == {}
    assert s.all_tags == {"environment": "dev", "owner": "platform-team"}


def test_dev_and_prod_stacks_load() -> None:
    dev = load_settings(*stack_config("dev"))
    prod = load_settings(*stack_config("prod"))
    assert not dev.locks and not dev.protect and dev.storage_sku == "Standard_LRS"
    assert (
        prod.locks and prod.protect and prod.storage_sku == "Standard_ZRS" and prod.registry_zone_redundancy
    )
    assert set(prod.outbound_rules) < set(dev.outbound_rules)
    assert dev.compute_instances["ci-alice"].idle_shutdown_minutes == 30
    assert prod.compute_instances["ci-bob"].schedule is not None
    assert prod.personas["dataScientists"].role == "AzureML Data Scientist"
    assert dev.personas["mlEngineers"].create_group_name == "aml-dev-ml-engineers"
    # "Disable shared key access for your workspace's storage account": data roles per persona by default.
    assert {k: p.storage_access for k, p in prod.personas.items()} == {
        "dataScientists": "readWrite",
        "mlEngineers": "read",
        "readers": "read",
    }


P = f"{PROJECT}:"
CI_RULE = (
    "up to 18 letters, digits or '-', starting with a letter, every '-' followed later by a letter (the name "
    "gets '-' and the stack's 5-character suffix: instance names are unique per Azure region, at most 24 characters)"
)
CC_RULE = "3-16 letters, digits or '-', starting with a letter, every '-' followed later by a letter"
INVALID: list[tuple[str, dict[str, Any], str | None, str]] = [
    ("unknown region", {}, "mars", "azure-native:location: 'mars' is not a known region; allowed: an Azure region with Azure ML, such as westeurope"),
    ("no region", {}, None, "azure-native:location: None is not a known region; allowed: an Azure region with Azure ML, such as westeurope"),
    ("malformed CIDR", {"privateEndpointSubnetPrefix": "10.20.0.1/24"}, "westeurope",
     f"{P}privateEndpointSubnetPrefix: '10.20.0.1/24' is not a valid CIDR; allowed: an IPv4 CIDR with host bits zero, such as 10.20.0.0/24"),
    ("subnet outside space", {"privateEndpointSubnetPrefix": "10.99.0.0/24"}, "westeurope",
     f"{P}privateEndpointSubnetPrefix: 10.99.0.0/24 is outside the address space; allowed: a subnet of 10.20.0.0/22"),
    ("overlapping address space", {"vnetAddressSpace": ["10.20.0.0/22", "10.20.2.0/24"]}, "westeurope",
     f"{P}vnetAddressSpace: 10.20.0.0/22 overlaps 10.20.2.0/24; allowed: address prefixes that do not overlap"),
    ("overlapping subnets", {"isolationMode": "Disabled", "computeSubnetPrefix": "10.20.0.128/25"}, "westeurope",
     f"{P}computeSubnetPrefix: 10.20.0.128/25 overlaps privateEndpointSubnetPrefix 10.20.0.0/24; allowed: subnets that do not overlap"),
    ("compute subnet missing without managed network", {"isolationMode": "Disabled"}, "westeurope",
     f"{P}computeSubnetPrefix: missing while isolationMode is Disabled; allowed: an IPv4 CIDR inside vnetAddressSpace (compute needs a subnet without a managed network)"),
    ("prefix with upper case", {"prefix": "AmlSec"}, "westeurope",
     f"{P}prefix: 'AmlSec' is invalid; allowed: 2-10 lower-case letters or digits, starting with a letter"),
    ("names too long", {"prefix": "amlsecure12", "environment": "prod"}, "westeurope",
     f"{P}prefix: 'amlsecure12' is invalid; allowed: 2-10 lower-case letters or digits, starting with a letter"),
    ("key vault name too long", {"prefix": "amlsecure1", "environment": "prod1"}, "westeurope",
     f"{P}prefix: 'amlsecure1' with environment 'prod1' makes the key vault name 'kv-amlsecure1-prod1-xxxxx' 25 characters long (max 24); allowed: a shorter prefix"),
    ("idle shutdown too short", {"computeInstances": {"ci-a": {"userObjectId": GUID, "idleShutdownMinutes": 10}}}, "westeurope",
     f"{P}computeInstances.ci-a.idleShutdownMinutes: 10 is out of range; allowed: an integer from 15 to 240 minutes (the security pack's compute-idle-shutdown maximum)"),
    ("idle shutdown too long", {"computeInstances": {"ci-a": {"userObjectId": GUID, "idleShutdownMinutes": 241}}}, "westeurope",
     f"{P}computeInstances.ci-a.idleShutdownMinutes: 241 is out of range; allowed: an integer from 15 to 240 minutes (the security pack's compute-idle-shutdown maximum)"),
    ("missing user object ID", {"computeInstances": {"ci-a": {"vmSize": "Standard_DS3_v2"}}}, "westeurope",
     f"{P}computeInstances.ci-a.userObjectId: missing; allowed: the Entra object ID (GUID) of the instance's single user"),
    ("compute instance name too long with the suffix", {"computeInstances": {"ci-" + "a" * 16: {"userObjectId": GUID}}}, "westeurope",
     f"{P}computeInstances.ci-{'a' * 16}: name 'ci-{'a' * 16}' makes the instance name 'ci-{'a' * 16}-xxxxx', which has 25 characters (3-24 allowed); allowed: {CI_RULE}"),
    ("compute instance hyphen followed by digits only", {"computeInstances": {"ci-1": {"userObjectId": GUID}}}, "westeurope",
     f"{P}computeInstances.ci-1: name 'ci-1' makes the instance name 'ci-100000', which has a '-' not followed by a letter; allowed: {CI_RULE}"),
    ("cluster name with underscore", {"computeClusters": {"cpu_cluster": {}}}, "westeurope",
     f"{P}computeClusters.cpu_cluster: name 'cpu_cluster' has invalid characters or does not start with a letter; allowed: {CC_RULE}"),
    ("cluster name too long", {"computeClusters": {"cpu-cluster-large": {}}}, "westeurope",
     f"{P}computeClusters.cpu-cluster-large: name 'cpu-cluster-large' has 17 characters (3-16 allowed); allowed: {CC_RULE}"),
    ("cluster hyphen followed by digits only", {"computeClusters": {"gpu-1": {}}}, "westeurope",
     f"{P}computeClusters.gpu-1: name 'gpu-1' has a '-' not followed by a letter; allowed: {CC_RULE}"),
    ("unknown persona", {"personas": {"admins": {"groupObjectId": GUID}}}, "westeurope",
     f"{P}personas.admins: unknown persona; allowed: dataScientists, mlEngineers, readers"),
    ("unknown role", {"personas": {"readers": {"groupObjectId": GUID, "role": "Superuser"}}}, "westeurope",
     f"{P}personas.readers.role: unknown role 'Superuser'; allowed: AcrPull, AcrPush, Azure AI Enterprise Network Connection Approver, Azure AI User, AzureML Compute Operator, AzureML Data Scientist, AzureML Registry User, Cognitive Services OpenAI User, Key Vault Administrator, Key Vault Crypto Officer, Key Vault Crypto Service Encryption User, Key Vault Secrets User, Reader, Storage Blob Data Contributor, Storage Blob Data Reader, Storage File Data Privileged Contributor, Storage File Data Privileged Reader"),
    ("privileged role for a group", {"personas": {"mlEngineers": {"groupObjectId": GUID, "role": "Contributor"}}}, "westeurope",
     f"{P}personas.mlEngineers.role: role 'Contributor' may not be granted to a Group; allowed: AcrPull, AcrPush, Azure AI Enterprise Network Connection Approver, Azure AI User, AzureML Compute Operator, AzureML Data Scientist, AzureML Registry User, Cognitive Services OpenAI User, Key Vault Administrator, Key Vault Crypto Officer, Key Vault Crypto Service Encryption User, Key Vault Secrets User, Reader, Storage Blob Data Contributor, Storage Blob Data Reader, Storage File Data Privileged Contributor, Storage File Data Privileged Reader"),
    ("unknown persona storage access", {"personas": {"readers": {"groupObjectId": GUID, "storageAccess": "all"}}}, "westeurope",
     f"{P}personas.readers.storageAccess: 'all' is not supported; allowed: readWrite, read, none"),
    ("persona with both group and create", {"personas": {"readers": {"groupObjectId": GUID, "createGroup": "x"}}}, "westeurope",
     f"{P}personas.readers: needs exactly one of groupObjectId and createGroup; allowed: groupObjectId (an existing Entra group) or createGroup (a display name)"),
    ("retention too short", {"logRetentionDays": 7}, "westeurope",
     f"{P}logRetentionDays: 7 is out of range; allowed: an integer from 30 to 730"),
    ("internet FQDN rule", {"outboundRules": {"all": {"type": "FQDN", "destination": "*"}}}, "westeurope",
     f"{P}outboundRules.all.destination: '*' opens the internet (it matches every host name); allowed: a host name such as pypi.org, or a wildcard under a registrable domain such as *.pythonhosted.org"),
    ("wildcard TLD rule", {"outboundRules": {"com": {"type": "FQDN", "destination": "*.com"}}}, "westeurope",
     f"{P}outboundRules.com.destination: '*.com' opens the internet (it matches every host under the top-level domain 'com'); allowed: a host name such as pypi.org, or a wildcard under a registrable domain such as *.pythonhosted.org"),
    ("Internet service tag", {"outboundRules": {"web": {"type": "ServiceTag", "destination": "Internet"}}}, "westeurope",
     f"{P}outboundRules.web.destination: 'Internet' opens the internet; allowed: an Azure service tag other than Internet or *"),
    ("rules without approved-outbound isolation", {"isolationMode": "AllowInternetOutbound", "outboundRules": {"pypi": {"type": "FQDN", "destination": "pypi.org"}}}, "westeurope",
     f"{P}outboundRules: rules given while isolationMode is AllowInternetOutbound; allowed: rules only with AllowOnlyApprovedOutbound"),
    ("unknown isolation mode", {"isolationMode": "Open"}, "westeurope",
     f"{P}isolationMode: 'Open' is not supported; allowed: AllowOnlyApprovedOutbound, AllowInternetOutbound, Disabled"),
    ("image build compute not a cluster", {"imageBuildCompute": "gpu"}, "westeurope",
     f"{P}imageBuildCompute: 'gpu' is not a configured cluster; allowed: one of computeClusters: (none configured)"),
    ("malformed VNet ID", {"existingVnetId": "/subscriptions/x/vnet"}, "westeurope",
     f"{P}existingVnetId: '/subscriptions/x/vnet' is not a VNet resource ID; allowed: /subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.Network/virtualNetworks/<name>"),
    ("unknown key", {"enablePublicAccess": True}, "westeurope",
     f"{P}enablePublicAccess: unknown config key; allowed: the keys declared in Pulumi.yaml"),
    ("key rotation after expiry", {"keyRotationDays": 400}, "westeurope",
     f"{P}keyRotationDays: 400 is out of range; allowed: an integer from 7 to 358 (keyExpiryDays - 7)"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("config", "location", "message"), [c[1:] for c in INVALID], ids=[c[0] for c in INVALID]
)
def test_invalid_configuration_fails_with_exact_message_and_registers_nothing(
    config: dict[str, Any], location: str | None, message: str
) -> None:
    with pytest.raises(SettingsError) as err:
        load_settings(config, location)
    assert str(err.value) == message
    assert err.value.errors == [message]

    def program() -> None:
        SecureMlPlatform("aml", SecureMlPlatformArgs(settings=load_settings(config, location)))

    registered: list[Any] = []
    with pytest.raises(SettingsError):
        registered.extend(run_program(program).records)
    assert registered == []


def test_all_problems_are_reported_together() -> None:
    with pytest.raises(SettingsError) as err:
        load_settings({"logRetentionDays": 1, "firewallSku": "Premium"}, "mars")
    assert err.value.errors == [
        "azure-native:location: 'mars' is not a known region; allowed: an Azure region with Azure ML, such as westeurope",
        f"{P}logRetentionDays: 1 is out of range; allowed: an integer from 30 to 730",
        f"{P}firewallSku: 'Premium' is not supported; allowed: Standard, Basic",
    ]
