"""Deploy-time constraints on names and the managed network, each pinned to the Microsoft page that states it:
compute instance and cluster names, serverless compute, the dev outbound FQDN rules, the image build compute,
what the workspace sends as outbound rules, and the workspace name."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pulumi
import pytest

from components import (
    PrivateEndpointArgs,
    SecureMlPlatform,
    SecureMlPlatformArgs,
    SecureMlWorkspaceArgs,
    Settings,
    SettingsError,
    load_settings,
    naming,
)
from components.interfaces import Placement
from components.platform import validate_workspace_args
from components.settings import PROJECT, ComputeClusterSpec, ComputeInstanceSpec
from preflight.analyzer import PolicyPackProcess
from tests.components.conftest import AzureMocks, Program, RecordingMonitor, run_program
from tests.components.test_settings import stack_config
from tests.policies.support import res

ROOT = Path(__file__).resolve().parents[2]
GUID = "00000000-0000-0000-0000-0000000000a1"

# Dev's FQDN rules, written out from the documentation (see test_dev_outbound_rules_are_the_documented_hosts).
DEV_FQDN_RULES = {
    "pypi": "pypi.org",
    "pythonhosted": "*.pythonhosted.org",
    "anaconda": "anaconda.com",
    "anaconda-subdomains": "*.anaconda.com",
    "anaconda-org": "*.anaconda.org",
    "huggingface": "huggingface.co",
    "huggingface-lfs": "cdn-lfs.huggingface.co",
    "docker": "docker.io",
    "docker-io-subdomains": "*.docker.io",
    "docker-com-subdomains": "*.docker.com",
    "docker-cdn": "production.cloudflare.docker.com",
    "auth0-cdn": "cdn.auth0.com",
}


def platform(settings: Settings) -> Program:
    return run_program(lambda: SecureMlPlatform("aml", SecureMlPlatformArgs(settings=settings)))


@pytest.fixture(scope="module")
def dev() -> Program:
    return platform(load_settings(*stack_config("dev")))


def settings_errors(**overrides: Any) -> list[str]:
    config, location = stack_config("dev")
    with pytest.raises(SettingsError) as err:
        load_settings({**config, **overrides}, location)
    return err.value.errors


def workspace_args(**overrides: Any) -> SecureMlWorkspaceArgs:
    zones = {z: f"/subscriptions/s/resourceGroups/dns/providers/Microsoft.Network/privateDnsZones/{z}"
             for z in naming.PRIVATE_DNS_ZONES}  # fmt: skip
    return SecureMlWorkspaceArgs(
        placement=Placement(resource_group_name="rg", location="westeurope", tags={}),
        prefix="team",
        environment="dev",
        private_endpoint=PrivateEndpointArgs(subnet_id="/subscriptions/s/subnets/pe", dns_zone_ids=zones),
        **overrides,
    )


# -- Compute instance and cluster names ----------------------------------------------------------------


def test_compute_instance_names_carry_the_stack_suffix(dev: Program) -> None:
    """ "Create an Azure Machine Learning compute instance", Create, Studio form, Compute name: "Name needs to be
    unique across all existing computes within an Azure region". The stack's random suffix (the one that makes
    storage, key vault and registry names globally unique) keeps `ci-alice` of two stacks apart."""
    ci = dev.named("aml-compute-ci-ci-alice").inputs
    assert ci["computeName"] == "ci-alice-ab1cd"  # the recording mocks' suffix is "ab1cd"
    assert dev.one("random:index/randomString:RandomString").inputs["length"] == naming.SUFFIX_LENGTH
    assert dev.named("aml-compute-cc-cpu-small").inputs["computeName"] == "cpu-small"


def test_a_suffix_without_a_letter_is_joined_without_a_hyphen() -> None:
    """Same page and field: "If - character is used, then it needs to be followed by at least one letter later
    in the name". A random suffix can be all digits; `ci-alice-12345` would break that rule."""
    assert naming.compute_instance_name("ci-alice", "ab1cd") == "ci-alice-ab1cd"
    assert naming.compute_instance_name("ci-alice", "12345") == "ci-alice12345"
    assert naming.compute_instance_name_problem("ci-alice") == ""


@pytest.mark.parametrize(
    ("key", "problem"),
    [
        ("ci-" + "a" * 16, "makes the instance name 'ci-aaaaaaaaaaaaaaaa-xxxxx', which has 25 characters (3-24 allowed)"),
        ("ci-1", "makes the instance name 'ci-100000', which has a '-' not followed by a letter"),
        ("9ci", "makes the instance name '9ci-xxxxx', which has invalid characters or does not start with a letter"),
        ("ci_a", "makes the instance name 'ci_a-xxxxx', which has invalid characters or does not start with a letter"),
    ],
)  # fmt: skip
def test_instance_keys_whose_final_name_breaks_the_rules_are_refused(key: str, problem: str) -> None:
    """Same page and field: "must be between 3 to 24 characters long", "Valid characters are upper and lower
    case letters, digits, and the - character", "Name must start with a letter", and a '-' "needs to be
    followed by at least one letter later in the name". Checked on the final name with the longest suffix and
    with an all-digit one; settings and the library path both name the key and change nothing."""
    errors = settings_errors(computeInstances={key: {"userObjectId": GUID}})
    assert errors == [
        f"{PROJECT}:computeInstances.{key}: name {key!r} {problem}; allowed: {naming.COMPUTE_INSTANCE_RULE}"
    ]
    with pytest.raises(ValueError) as err:
        validate_workspace_args(workspace_args(compute_instances={key: ComputeInstanceSpec(GUID)}))
    assert (
        str(err.value)
        == f"compute_instances[{key!r}]: name {key!r} {problem}; allowed: {naming.COMPUTE_INSTANCE_RULE}"
    )


@pytest.mark.parametrize(
    ("key", "problem"),
    [
        ("cc", "has 2 characters (3-16 allowed)"),
        ("cpu-cluster-large", "has 17 characters (3-16 allowed)"),
        ("gpu-1", "has a '-' not followed by a letter"),
        ("cpu_cluster", "has invalid characters or does not start with a letter"),
    ],
)
def test_cluster_names_meet_both_documented_rules(key: str, problem: str) -> None:
    """ "Naming rules and restrictions for Azure resources", Microsoft.MachineLearningServices: workspaces /
    computes, 2-16 alphanumerics and hyphens; "Create an Azure Machine Learning compute cluster", Create,
    Studio, Advanced Settings, Compute name: 3 to 24 characters, start with a letter, a '-' followed later by a
    letter. A cluster name meets both: 3-16. Clusters keep their plain name (jobs and imageBuildCompute refer
    to it)."""
    errors = settings_errors(computeClusters={key: {}}, imageBuildCompute="")
    assert errors == [
        f"{PROJECT}:computeClusters.{key}: name {key!r} {problem}; allowed: {naming.COMPUTE_CLUSTER_RULE}"
    ]
    with pytest.raises(ValueError) as err:
        validate_workspace_args(workspace_args(compute_clusters={key: ComputeClusterSpec()}))
    assert (
        str(err.value)
        == f"compute_clusters[{key!r}]: name {key!r} {problem}; allowed: {naming.COMPUTE_CLUSTER_RULE}"
    )


def test_both_stacks_compute_names_are_valid() -> None:
    """The dev and prod keys pass the rules above ("Create an Azure Machine Learning compute instance" and
    "... compute cluster", Compute name)."""
    for stack in ("dev", "prod"):
        s = load_settings(*stack_config(stack))
        assert s.compute_instances and s.compute_clusters
        assert all(naming.compute_instance_name_problem(k) == "" for k in s.compute_instances)
        assert all(naming.compute_cluster_name_problem(k) == "" for k in s.compute_clusters)


# -- Serverless compute --------------------------------------------------------------------------------


def test_managed_network_workspace_sets_no_serverless_network_settings(dev: Program) -> None:
    """ "Workspace Managed Virtual Network Isolation": the managed network "secures ... serverless compute", and
    (Limitations) with a managed network "you can't deploy compute resources inside your custom virtual
    network". `serverlessComputeNoPublicIP` is for "serverless compute nodes deployed in custom vNet" (REST
    ServerlessComputeSettings), and Microsoft's azure-ai-ml ServerlessComputeSettings refuses it without a
    custom subnet. So a managed-network workspace sets neither."""
    ws = dev.one("machinelearningservices:Workspace").inputs
    assert "serverlessComputeSettings" not in ws


def test_own_vnet_workspace_puts_serverless_compute_in_its_subnet_without_public_ips() -> None:
    """ "Secure training environments with virtual networks", "Compute instance/cluster or serverless compute
    with no public IP": serverless compute without public IPs in your VNet is configured with `custom_subnet`
    and `no_public_ip: true` together. Only with isolationMode Disabled (compute in our subnet)."""
    base = load_settings(*stack_config("dev"))
    prog = platform(
        replace(base, isolation_mode="Disabled", compute_subnet_prefix="10.20.1.0/24", outbound_rules={})
    )
    ws = prog.one("machinelearningservices:Workspace").inputs
    assert ws["serverlessComputeSettings"] == {
        "serverlessComputeCustomSubnet": ws["serverlessComputeSettings"]["serverlessComputeCustomSubnet"],
        "serverlessComputeNoPublicIP": True,
    }
    assert ws["serverlessComputeSettings"]["serverlessComputeCustomSubnet"].endswith("aml-net-snet-compute")
    assert prog.depends(prog.one("machinelearningservices:Workspace"), prog.named("aml-net-snet-compute"))


# -- Outbound rules ------------------------------------------------------------------------------------


def test_dev_outbound_rules_are_the_documented_hosts() -> None:
    """ "Workspace Managed Virtual Network Isolation", "Scenario: Use HuggingFace models" (docker.io,
    *.docker.io, *.docker.com, production.cloudflare.docker.com, cdn.auth0.com, cdn-lfs.huggingface.co) and
    "Scenario: Access public machine learning packages" (anaconda.com, *.anaconda.com, *.anaconda.org,
    pypi.org, and *.pythonhosted.org when the index is overwritten). huggingface.co, the hub itself, is ours."""
    s = load_settings(*stack_config("dev"))
    assert {n: (r.type, r.destination) for n, r in s.outbound_rules.items()} == {
        n: ("FQDN", host) for n, host in DEV_FQDN_RULES.items()
    }


def test_dev_outbound_rules_pass_the_packs_rule_with_the_documented_allow_list(dev: Program) -> None:
    """The pack's ws-outbound-rules, configured with `allowedFqdns` = exactly the hosts above, accepts dev's
    workspace: no rule opens the internet and none is outside the documented list."""
    ws = dev.one("machinelearningservices:Workspace")
    pack_dir = ROOT / "policypacks" / "aml-security"
    with PolicyPackProcess(pack_dir, project=PROJECT, stack="dev", dry_run=True) as pack:
        pack.configure({"ws-outbound-rules": {"allowedFqdns": sorted(DEV_FQDN_RULES.values())}})
        violations = pack.analyze(res("azure-native:machinelearningservices:Workspace", "mlw", ws.inputs))
        assert [v for v in violations if v.policy == "ws-outbound-rules"] == []
        pack.configure({"ws-outbound-rules": {"allowedFqdns": ["pypi.org"]}})
        refused = pack.analyze(res("azure-native:machinelearningservices:Workspace", "mlw", ws.inputs))
        assert len([v for v in refused if v.policy == "ws-outbound-rules"]) == len(DEV_FQDN_RULES) - 1


def test_the_workspace_sends_only_user_defined_rules_and_does_not_ignore_them(dev: Program) -> None:
    """ "Workspace Managed Virtual Network Isolation", "List of required rules": the service adds the required
    rules itself. A workspace update that carries them is refused with 400 (Azure/azure-sdk-for-python#32643,
    "drop required outbound rules ... to avoid 400"), so the rules are not put under ignore_changes (that would
    resend the refreshed ones, required rules included) and every rule we send is UserDefined."""
    rules = dev.one("machinelearningservices:Workspace").inputs["managedNetwork"]["outboundRules"]
    assert {r["category"] for r in rules.values()} == {"UserDefined"}
    ignored = ignore_changes_of(load_settings(*stack_config("dev")))["aml-mlw"]
    assert not [p for p in ignored if p.startswith("managedNetwork")]


class IgnoreChangesMonitor(RecordingMonitor):
    """Also keeps each registration's ignoreChanges, by logical name."""

    def __init__(self, mocks: AzureMocks) -> None:
        super().__init__(mocks)
        self.ignore_changes: dict[str, list[str]] = {}

    def RegisterResource(self, request: Any) -> Any:
        self.ignore_changes[request.name] = list(request.ignoreChanges)
        return super().RegisterResource(request)


def ignore_changes_of(settings: Settings) -> dict[str, list[str]]:
    monitor = IgnoreChangesMonitor(AzureMocks())
    pulumi.runtime.set_mocks(AzureMocks(), project=PROJECT, stack="test", preview=False, monitor=monitor)

    @pulumi.runtime.test
    def _run() -> Any:
        return SecureMlPlatform("aml", SecureMlPlatformArgs(settings=settings))

    _run()
    return monitor.ignore_changes


# -- Image build compute and the workspace name --------------------------------------------------------


def test_image_build_compute_names_a_configured_cluster_created_after_the_workspace(dev: Program) -> None:
    """ "Workspace Managed Virtual Network Isolation", "Configure image builds": with the registry behind a
    VNet, a compute cluster builds images. The docs show it set on an existing workspace; Azure Verified
    Modules' deployed e2e test (avm/res/machine-learning-services/workspace, tests/e2e/max) creates a workspace
    with `imageBuildCompute: 'testcompute'`, a compute that never exists, so creation accepts a name that
    does not exist yet. Settings make sure it names one of our clusters."""
    ws = dev.one("machinelearningservices:Workspace")
    cluster = dev.named("aml-compute-cc-cpu-small")
    assert ws.inputs["imageBuildCompute"] == cluster.inputs["computeName"] == "cpu-small"
    assert dev.depends(cluster, dev.named("aml-mlw-pe"))
    errors = settings_errors(imageBuildCompute="gpu")
    assert errors == [
        f"{PROJECT}:imageBuildCompute: 'gpu' is not a configured cluster; allowed: one of computeClusters: cpu-small"
    ]


def test_workspace_name_stays_fixed_and_uses_only_a_user_assigned_identity(dev: Program) -> None:
    """ "Workspace soft deletion" (concept-soft-delete): a soft-deleted name can't be reused for 14 days unless
    the workspace is permanently deleted, and "Soft-deletion and recovery is not supported when a workspace
    uses only user-assigned managed identity", as ours does. The readable name `mlw-<prefix>-<env>` stays;
    docs/deploy.md has the permanent-delete step before a redeploy."""
    ws = dev.one("machinelearningservices:Workspace").inputs
    assert ws["workspaceName"] == naming.workspace_name("amlsec", "dev") == "mlw-amlsec-dev"
    assert ws["identity"]["type"] == "UserAssigned"
    deploy = (ROOT / "docs" / "deploy.md").read_text()
    assert "--permanently-delete" in deploy and "mlw-amlsec-dev" in deploy


# -- The runbook ---------------------------------------------------------------------------------------

# azure-native module -> the ARM namespace of its resource types ("Resource providers for Azure services").
NAMESPACES = {
    "applicationinsights": "Microsoft.Insights",
    "monitor": "Microsoft.Insights",
    "containerregistry": "Microsoft.ContainerRegistry",
    "keyvault": "Microsoft.KeyVault",
    "machinelearningservices": "Microsoft.MachineLearningServices",
    "managedidentity": "Microsoft.ManagedIdentity",
    "network": "Microsoft.Network",
    "privatedns": "Microsoft.Network",
    "operationalinsights": "Microsoft.OperationalInsights",
    "security": "Microsoft.Security",
    "storage": "Microsoft.Storage",
    "authorization": "Microsoft.Authorization",
    "resources": "Microsoft.Resources",
    "cognitiveservices": "Microsoft.CognitiveServices",
}
REGISTERED_BY_DEFAULT = {"Microsoft.Authorization", "Microsoft.Resources"}


def test_runbook_registers_every_provider_the_stacks_use_and_the_readme_links_it() -> None:
    """ "Azure resource providers and types": registration is per subscription and needs `/register/action`;
    "Use customer-managed keys with Azure Machine Learning", Prerequisites: Microsoft.DocumentDB and
    Microsoft.Search must be registered; "Workspace Managed Virtual Network Isolation", Prerequisites:
    Microsoft.Network must be registered. docs/deploy.md registers every namespace the dev and prod plans use
    (besides the ones registered by default) with `az provider register`, and the README links it."""
    used: set[str] = set()
    for stack in ("dev", "prod"):
        prog = platform(load_settings(*stack_config(stack)))
        for r in prog.records:
            if r.custom and r.type.startswith("azure-native:"):
                used.add(NAMESPACES[r.type.split(":")[1]])
    deploy = (ROOT / "docs" / "deploy.md").read_text()
    block = deploy.split("for ns in", 1)[1].split("done", 1)[0]
    listed = {w.strip("\\ ;") for w in block.split() if w.startswith("Microsoft.")}
    assert (used - REGISTERED_BY_DEFAULT) | {"Microsoft.DocumentDB", "Microsoft.Search"} <= listed
    assert 'az provider register --namespace "$ns"' in deploy
    assert "[docs/deploy.md](docs/deploy.md)" in (ROOT / "README.md").read_text()
