"""Resource rules through Analyze: a compliant baseline per rule, one change per failing case, exact messages."""

from __future__ import annotations

from typing import Any

import pytest

from preflight.analyzer import PolicyPackProcess
from preflight.model import UNKNOWN

from ..policies.conftest import analyze
from ..policies.support import Case, bad, body, ok, res

COMPUTE = "azure-native:machinelearningservices:Compute"
WORKSPACE = "azure-native:machinelearningservices:Workspace"
STORAGE = "azure-native:storage:StorageAccount"
VAULT = "azure-native:keyvault:Vault"
ACR = "azure-native:containerregistry:Registry"

CI_SRC = '(Source: "Create a compute instance", section "Create (Compute name)".)'
SERVERLESS_SRC = (
    '(Source: "Workspaces - Create Or Update (Azure Machine Learning REST API)", section '
    '"ServerlessComputeSettings".)'
)
NAMES_SRC = (
    '(Source: "Naming rules and restrictions for Azure resources", section "Microsoft.Storage, '
    'Microsoft.KeyVault, Microsoft.ContainerRegistry, Microsoft.MachineLearningServices".)'
)


def instance(name: Any) -> dict[str, Any]:
    """A compute instance named `name` (None: no computeName, auto-named)."""
    props: dict[str, Any] = {"properties": {"computeType": "ComputeInstance"}, "workspaceName": "mlw-aml"}
    if name is not None:
        props["computeName"] = name
    return props


def ci(text: str) -> str:
    return f"{text} {CI_SRC}"


def named(text: str) -> str:
    return f"{text} {NAMES_SRC}"


SERVERLESS_MSG = (
    "serverlessComputeSettings.serverlessComputeNoPublicIP is true without "
    "serverlessComputeSettings.serverlessComputeCustomSubnet; the flag applies to serverless compute nodes "
    "deployed in a custom virtual network, and Microsoft's azure-ai-ml client refuses it without one "
    '("custom_subnet must be set if no_public_ip is set to True"): remove serverlessComputeNoPublicIP or set a '
    f"custom subnet. {SERVERLESS_SRC}"
)
SUBNET_ID = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/compute"

CASES: list[Case] = [
    # compute-instance-name
    ok("compute-instance-name", COMPUTE, instance("ci-alice-x7k2p"), "suffixed name"),
    ok("compute-instance-name", COMPUTE, instance(None), "auto-named"),
    ok("compute-instance-name", COMPUTE, instance(UNKNOWN), "name from a generated value"),
    ok(
        "compute-instance-name",
        COMPUTE,
        {"computeName": "cpu-cluster-1", "properties": {"computeType": "AmlCompute"}},
        "clusters are not instances",
    ),
    bad(
        "compute-instance-name",
        COMPUTE,
        instance("ci"),
        ci('computeName "ci" has 2 characters; compute instance names are 3 to 24 characters long.'),
        label="too short",
    ),
    bad(
        "compute-instance-name",
        COMPUTE,
        instance("ci-alice-data-science-gpu"),
        ci(
            'computeName "ci-alice-data-science-gpu" has 25 characters; compute instance names are 3 to 24 '
            "characters long."
        ),
        label="too long",
    ),
    bad(
        "compute-instance-name",
        COMPUTE,
        instance("ci_alice.x"),
        ci(
            'computeName "ci_alice.x" contains "._"; compute instance names may contain only letters, digits '
            "and hyphens."
        ),
        label="underscore and dot",
    ),
    bad(
        "compute-instance-name",
        COMPUTE,
        instance("1-alice"),
        ci('computeName "1-alice" does not start with a letter; compute instance names start with a letter.'),
        label="starts with a digit",
    ),
    bad(
        "compute-instance-name",
        COMPUTE,
        instance("ci-alice-01"),
        ci(
            'computeName "ci-alice-01" has no letter after its last hyphen; a hyphen in a compute instance name '
            "must be followed by at least one letter later in the name."
        ),
        label="digits after the last hyphen",
    ),
    bad(
        "compute-instance-name",
        "azure-native:machinelearningservices/v20250101preview:Compute",
        instance("ci-alice-01"),
        ci(
            'computeName "ci-alice-01" has no letter after its last hyphen; a hyphen in a compute instance name '
            "must be followed by at least one letter later in the name."
        ),
        label="versioned token",
    ),
    bad(
        "compute-instance-name",
        COMPUTE,
        {"computeName": "ci-1", "properties": {"computeType": "computeinstance"}},
        ci(
            'computeName "ci-1" has no letter after its last hyphen; a hyphen in a compute instance name must be '
            "followed by at least one letter later in the name."
        ),
        label="computeType in any case",
    ),
    # serverless-no-public-ip
    ok("serverless-no-public-ip", WORKSPACE, {"serverlessComputeSettings": {}}, "no serverless settings"),
    ok(
        "serverless-no-public-ip",
        WORKSPACE,
        {
            "serverlessComputeSettings": {
                "serverlessComputeNoPublicIP": True,
                "serverlessComputeCustomSubnet": SUBNET_ID,
            }
        },
        "custom subnet",
    ),
    ok(
        "serverless-no-public-ip",
        WORKSPACE,
        {
            "serverlessComputeSettings": {
                "serverlessComputeNoPublicIP": True,
                "serverlessComputeCustomSubnet": UNKNOWN,
            }
        },
        "custom subnet not known yet",
    ),
    bad(
        "serverless-no-public-ip",
        WORKSPACE,
        {"serverlessComputeSettings": {"serverlessComputeNoPublicIP": True}},
        SERVERLESS_MSG,
        label="no custom subnet",
    ),
    bad(
        "serverless-no-public-ip",
        WORKSPACE,
        {
            "serverlessComputeSettings": {
                "serverlessComputeNoPublicIP": True,
                "serverlessComputeCustomSubnet": "",
            }
        },
        SERVERLESS_MSG,
        label="empty custom subnet",
    ),
    # resource-names
    ok("resource-names", STORAGE, {"accountName": "stamlx7k2p"}, "storage"),
    ok("resource-names", STORAGE, {}, "storage auto-named"),
    ok("resource-names", VAULT, {"vaultName": "kv-aml-x7k2p"}, "vault"),
    ok("resource-names", ACR, {"registryName": "cramlx7k2p"}, "registry"),
    ok("resource-names", WORKSPACE, {"workspaceName": "mlw-aml-dev"}, "workspace"),
    ok("resource-names", WORKSPACE, {"workspaceName": UNKNOWN}, "unknown"),
    bad(
        "resource-names",
        STORAGE,
        {"accountName": "st-aml-dev"},
        named(
            'accountName "st-aml-dev" is not a valid storage account name; storage account names are 3 to 24 '
            "characters, lowercase letters and digits only."
        ),
        label="storage with hyphens",
    ),
    bad(
        "resource-names",
        STORAGE,
        {"accountName": "stAml"},
        named(
            'accountName "stAml" is not a valid storage account name; storage account names are 3 to 24 '
            "characters, lowercase letters and digits only."
        ),
        label="storage with capitals",
    ),
    bad(
        "resource-names",
        VAULT,
        {"vaultName": "kv--aml"},
        named(
            'vaultName "kv--aml" is not a valid key vault name; key vault names are 3 to 24 characters, letters, '
            "digits and hyphens, starting with a letter, ending with a letter or digit, without consecutive "
            "hyphens."
        ),
        label="vault with consecutive hyphens",
    ),
    bad(
        "resource-names",
        VAULT,
        {"vaultName": "kv-amlsec-production-west"},
        named(
            'vaultName "kv-amlsec-production-west" is not a valid key vault name; key vault names are 3 to 24 '
            "characters, letters, digits and hyphens, starting with a letter, ending with a letter or digit, "
            "without consecutive hyphens."
        ),
        label="vault too long",
    ),
    bad(
        "resource-names",
        "azure-native:keyvault/v20240401:Vault",
        {"vaultName": "kv-aml-"},
        named(
            'vaultName "kv-aml-" is not a valid key vault name; key vault names are 3 to 24 characters, letters, '
            "digits and hyphens, starting with a letter, ending with a letter or digit, without consecutive "
            "hyphens."
        ),
        label="vault ending with a hyphen, versioned token",
    ),
    bad(
        "resource-names",
        ACR,
        {"registryName": "cr-aml"},
        named(
            'registryName "cr-aml" is not a valid container registry name; container registry names are 5 to 50 '
            "characters, letters and digits only."
        ),
        label="registry with a hyphen",
    ),
    bad(
        "resource-names",
        WORKSPACE,
        {"workspaceName": "mlw_aml"},
        named(
            'workspaceName "mlw_aml" is not a valid workspace name; workspace names are 3 to 33 characters, '
            "letters, digits and hyphens."
        ),
        label="workspace with an underscore",
    ),
]


def _id(c: Case) -> str:
    return f"{c.policy}: {c.label or ('pass' if not c.expect else 'fail')}"


@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_resource_case(pack: PolicyPackProcess, case: Case) -> None:
    """The case's policy reports exactly the expected messages (none for a passing case)."""
    violations = analyze(pack, res(case.type, "r", case.props), case.config)
    assert sorted(body(v) for v in violations if v.policy == case.policy) == sorted(case.expect)


def test_other_types_are_ignored(pack: PolicyPackProcess) -> None:
    """A resource the pack does not read gets no violation, whatever its properties."""
    r = res("azure-native:web:WebApp", "app", {"computeName": "1", "accountName": "A-B"})
    assert analyze(pack, r) == []
