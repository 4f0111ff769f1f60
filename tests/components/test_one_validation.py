"""One validation: the stack config (load_settings, YAML keys) and a team's Python Args
(SecureMlWorkspaceArgs, and each component's own Args) run the same `validate_*` functions of
components/settings.py, so a bad value fails the same way on both paths: every problem at once, named in the
caller's terms (`computeInstances.ci_alice` from YAML, `compute_instances['ci_alice']` from Python), with what
is allowed. The cases are the values the team trial of 2026-11-30 (issue 15, findings F4 and F8)
found accepted silently by the library path, and its misleading messages."""

from __future__ import annotations

import re
import textwrap
from dataclasses import replace
from typing import Any

import pulumi
import pulumi_azure_native.resources as resources
import pytest

from aml_security import workspace as pack_workspace
from aml_security.compute import POLICIES as COMPUTE_POLICIES
from components import PersonaGroup, SecureMlWorkspaceArgs, SettingsError, load_settings, naming, settings
from components.interfaces import Placement
from components.platform import validate_workspace_args
from components.roles import FORBIDDEN_FOR_PRINCIPALS, NEVER_GRANTED, check_grant
from components.settings import (
    IDLE_MAX_MINUTES,
    PROJECT,
    ComputeClusterSpec,
    ComputeInstanceSpec,
    ComputeSchedule,
    OutboundRule,
)
from preflight.program import ProgramConfigurationError, ProgramError
from preflight.project import ConfigurationError
from tests.components.test_deploy_names_and_network import workspace_args as valid_workspace_args
from tests.engine_programs import run_on_engine

GUID = "00000000-0000-0000-0000-0000000000a1"
ISOLATION = "AllowOnlyApprovedOutbound, AllowInternetOutbound, Disabled"


def workspace_args(**args: Any) -> SecureMlWorkspaceArgs:
    """A valid SecureMlWorkspaceArgs with `args` replaced."""
    return replace(valid_workspace_args(), **args)


def yaml_errors(**config: Any) -> list[str]:
    """The config loader's errors for the defaults plus `config` (project keys, camelCase)."""
    with pytest.raises(SettingsError) as err:
        load_settings(config, "westeurope")
    return err.value.errors


def python_errors(**args: Any) -> list[str]:
    """validate_workspace_args' errors for a valid SecureMlWorkspaceArgs plus `args`."""
    with pytest.raises(SettingsError) as err:
        validate_workspace_args(workspace_args(**args))
    return err.value.errors


def a_resource_group() -> resources.ResourceGroup:
    """A ResourceGroup object (not registered: only its type matters to the check)."""
    return object.__new__(resources.ResourceGroup)


# (case, YAML config, Python args, YAML key, Python key, what follows the key: problem and allowed values)
CASES: list[tuple[str, dict[str, Any], dict[str, Any], str, str, str]] = [
    (
        "compute instance name with an underscore",
        {"computeInstances": {"ci_alice": {"userObjectId": GUID}}},
        {"compute_instances": {"ci_alice": ComputeInstanceSpec(GUID)}},
        "computeInstances.ci_alice",
        "compute_instances['ci_alice']",
        "name 'ci_alice' makes the instance name 'ci_alice-xxxxx', which has invalid characters or does not "
        f"start with a letter; allowed: {naming.COMPUTE_INSTANCE_RULE}",
    ),
    (
        "cluster name over 16 characters",
        {"computeClusters": {"cpu-lowprio-cluster-01": {}}},
        {"compute_clusters": {"cpu-lowprio-cluster-01": ComputeClusterSpec()}},
        "computeClusters.cpu-lowprio-cluster-01",
        "compute_clusters['cpu-lowprio-cluster-01']",
        f"name 'cpu-lowprio-cluster-01' has 22 characters (3-16 allowed); allowed: {naming.COMPUTE_CLUSTER_RULE}",
    ),
    (
        "user object ID that is an e-mail",
        {"computeInstances": {"ci-alice": {"userObjectId": "alice@contoso.com"}}},
        {"compute_instances": {"ci-alice": ComputeInstanceSpec("alice@contoso.com")}},
        "computeInstances.ci-alice.userObjectId",
        "compute_instances['ci-alice'].user_object_id",
        "'alice@contoso.com' is not a GUID; allowed: the Entra object ID (GUID) of the instance's single user",
    ),
    (
        "VM size without the Standard_ tier",
        {"computeClusters": {"cpu": {"vmSize": "DS3_v2"}}},
        {"compute_clusters": {"cpu": ComputeClusterSpec(vm_size="DS3_v2")}},
        "computeClusters.cpu.vmSize",
        "compute_clusters['cpu'].vm_size",
        "'DS3_v2' is not a VM size; allowed: an Azure VM size such as Standard_DS3_v2",
    ),
    (
        "VM priority Spot",
        {"computeClusters": {"cpu": {"vmPriority": "Spot"}}},
        {"compute_clusters": {"cpu": ComputeClusterSpec(vm_priority="Spot")}},
        "computeClusters.cpu.vmPriority",
        "compute_clusters['cpu'].vm_priority",
        "'Spot' is not supported; allowed: Dedicated, LowPriority",
    ),
    (
        "firewall SKU Premium",
        {"firewallSku": "Premium"},
        {"firewall_sku": "Premium"},
        "firewallSku",
        "firewall_sku",
        "'Premium' is not supported; allowed: Standard, Basic",
    ),
    (
        "storage SKU typo",
        {"storageSku": "Standard_LRSS"},
        {"storage_sku": "Standard_LRSS"},
        "storageSku",
        "storage_sku",
        "'Standard_LRSS' is not supported; allowed: Standard_LRS, Standard_ZRS, Standard_GRS, Standard_GZRS, "
        "Standard_RAGRS, Standard_RAGZRS",
    ),
    (
        "tenant that is not a GUID",
        {"tenantId": "contoso.onmicrosoft.com"},
        {"tenant_id": "contoso.onmicrosoft.com"},
        "tenantId",
        "tenant_id",
        "'contoso.onmicrosoft.com' is not a GUID; allowed: an Entra tenant ID (GUID); unset: the deploying "
        "identity's tenant",
    ),
    (
        "idle shutdown of 5 minutes",
        {"computeInstances": {"ci-alice": {"userObjectId": GUID, "idleShutdownMinutes": 5}}},
        {"compute_instances": {"ci-alice": ComputeInstanceSpec(GUID, idle_shutdown_minutes=5)}},
        "computeInstances.ci-alice.idleShutdownMinutes",
        "compute_instances['ci-alice'].idle_shutdown_minutes",
        "5 is out of range; allowed: an integer from 15 to 240 minutes (the security pack's "
        "compute-idle-shutdown maximum)",
    ),
    (
        "a stop schedule that is not cron",
        {"computeInstances": {"ci-alice": {"userObjectId": GUID, "schedule": {"stop": "19:00 weekdays"}}}},
        {"compute_instances": {"ci-alice": ComputeInstanceSpec(GUID, schedule=ComputeSchedule(stop="19:00 weekdays"))}},
        "computeInstances.ci-alice.schedule.stop",
        "compute_instances['ci-alice'].schedule.stop",
        "'19:00 weekdays' is not a cron expression; allowed: 5 fields: minute hour day month weekday",
    ),
    (
        "max nodes as a string",
        {"computeClusters": {"cpu": {"maxNodes": "4"}}},
        {"compute_clusters": {"cpu": ComputeClusterSpec(max_nodes="4")}},  # type: ignore[arg-type]
        "computeClusters.cpu.maxNodes",
        "compute_clusters['cpu'].max_nodes",
        "'4' is not an integer; allowed: an integer from 1 to 100",
    ),
    (
        "a tag value that is not a string",
        {"tags": {"costCenter": 4711}},
        {"placement": Placement(resource_group_name="rg", location="westeurope", tags={"costCenter": 4711})},  # type: ignore[dict-item]
        "tags.costCenter",
        "placement.tags['costCenter']",
        "invalid tag; allowed: names up to 512 characters without <>%&\\?/ and string values up to 256",
    ),
    (
        "key rotation later than the expiry allows",
        {"keyRotationDays": 400},
        {"key_rotation_days": 400},
        "keyRotationDays",
        "key_rotation_days",
        "400 is out of range; allowed: an integer from 7 to 358 ({expiry} - 7)",
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    ("yaml_config", "python_args", "yaml_key", "python_key", "tail"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_a_bad_value_fails_the_same_way_from_yaml_and_from_python(
    yaml_config: dict[str, Any], python_args: dict[str, Any], yaml_key: str, python_key: str, tail: str
) -> None:
    """Exactly one error on each path (this value's), the key in each path's terms, the rest identical
    (where the allowed text names another key, in that path's terms too)."""
    assert yaml_errors(**yaml_config) == [
        f"{PROJECT}:{yaml_key}: " + tail.replace("{expiry}", "keyExpiryDays")
    ]
    assert python_errors(**python_args) == [f"{python_key}: " + tail.replace("{expiry}", "key_expiry_days")]


def test_a_resource_where_a_name_is_expected_is_refused_on_both_paths() -> None:
    """`Placement(resource_group_name=rg)` (the trial's mistake 04) would deploy into a resource group named
    after the ARM ID; the config path refuses a non-string with the same function and allowed text."""
    allowed = "allowed: a name (a string; in Python also an Output[str], such as rg.name)"
    placement = Placement(resource_group_name=a_resource_group(), location="westeurope")  # type: ignore[arg-type]
    assert python_errors(placement=placement) == [
        f"placement.resource_group_name: a ResourceGroup resource given; {allowed}"
    ]
    assert f"{PROJECT}:resourceGroupName: dict given; {allowed}" in yaml_errors(
        resourceGroupName={"name": "rg"}
    )


def test_outputs_pass_where_values_are_known_only_at_deploy_time() -> None:
    """A tenant, resource group or location from another resource is an Output: not judged, not refused."""
    validate_workspace_args(
        workspace_args(
            placement=Placement(resource_group_name=pulumi.Output.from_input("rg"), location="westeurope"),
            tenant_id=pulumi.Output.from_input("t"),
        )
    )


def test_every_problem_is_reported_at_once_from_python() -> None:
    """Not the first only: a team fixes its call in one round."""
    errors = python_errors(
        firewall_sku="Premium",
        storage_sku="Standard_LRSS",
        tenant_id="contoso",
        compute_instances={"ci_alice": ComputeInstanceSpec("alice@contoso.com", vm_size="DS3_v2")},
        compute_clusters={"cpu": ComputeClusterSpec(vm_priority="Spot", max_nodes="4")},  # type: ignore[arg-type]
    )
    assert [e.split(":", 1)[0] for e in errors] == [
        "tenant_id",
        "firewall_sku",
        "storage_sku",
        "compute_instances['ci_alice']",
        "compute_instances['ci_alice'].user_object_id",
        "compute_instances['ci_alice'].vm_size",
        "compute_clusters['cpu'].max_nodes",
        "compute_clusters['cpu'].vm_priority",
    ]


def test_a_list_instead_of_a_map_names_the_list_not_the_image_build_compute() -> None:
    """Trial mistake 02: `compute_clusters` as a list blamed `image_build_compute`; 02b crashed with
    AttributeError. The shape is the problem; the image build compute is judged against a mapping only."""
    allowed = "allowed: a mapping keyed by name"
    assert python_errors(compute_clusters=[ComputeClusterSpec()], image_build_compute="cpu") == [
        f"compute_clusters: list given; {allowed}"
    ]
    assert python_errors(compute_instances=[ComputeInstanceSpec(GUID)]) == [
        f"compute_instances: list given; {allowed}"
    ]
    assert yaml_errors(computeClusters=[{"vmSize": "Standard_DS3_v2"}], imageBuildCompute="cpu") == [
        f"{PROJECT}:computeClusters: list given; {allowed}"
    ]


def test_a_spec_of_the_wrong_type_names_the_entry() -> None:
    """A dict where a ComputeInstanceSpec is expected (the YAML shape, in Python)."""
    assert python_errors(compute_instances={"ci-alice": {"userObjectId": GUID}}) == [
        "compute_instances['ci-alice']: dict given; allowed: a ComputeInstanceSpec"
    ]


def test_an_isolation_mode_typo_is_named_not_the_outbound_rules() -> None:
    """Trial mistake 10: the typo with rules blamed `outbound_rules`; the value itself is what is wrong."""
    rules = {"pypi": OutboundRule(type="FQDN", destination="pypi.org")}
    assert python_errors(isolation_mode="AllowOnlyApprovedOutbond", outbound_rules=rules) == [
        f"isolation_mode: 'AllowOnlyApprovedOutbond' is not supported; allowed: {ISOLATION}"
    ]
    assert yaml_errors(
        isolationMode="AllowOnlyApprovedOutbond",
        outboundRules={"pypi": {"type": "FQDN", "destination": "pypi.org"}},
    ) == [f"{PROJECT}:isolationMode: 'AllowOnlyApprovedOutbond' is not supported; allowed: {ISOLATION}"]
    # With a valid but open mode the rules are still refused, naming the mode.
    assert python_errors(isolation_mode="AllowInternetOutbound", outbound_rules=rules) == [
        "outbound_rules: rules given while isolation_mode is AllowInternetOutbound; allowed: rules only with "
        "AllowOnlyApprovedOutbound"
    ]


def test_the_allowed_roles_are_roles_that_are_then_granted() -> None:
    """Trial mistake 12b: the allowed list named Contributor, Owner and User Access Administrator, which the
    next check refuses to a group. Every role the message offers passes that check; none it refuses is offered."""
    errors = python_errors(
        personas={"ds": PersonaGroup(role="AzureML Data Scientists", create_group_name="ds")}
    )
    assert len(errors) == 1 and errors[0].startswith(
        "personas['ds'].role: unknown role 'AzureML Data Scientists'"
    )
    offered = errors[0].split("; allowed: ", 1)[1].split(", ")
    assert "AzureML Data Scientist" in offered
    for role in offered:
        check_grant(role, "Group")
    assert not set(offered) & (FORBIDDEN_FOR_PRINCIPALS | NEVER_GRANTED)
    # Trial mistake 12: a privileged role names the persona now.
    contributor = python_errors(personas={"ds": PersonaGroup(role="Contributor", create_group_name="ds")})
    assert contributor == [
        f"personas['ds'].role: role 'Contributor' may not be granted to a Group; allowed: {', '.join(offered)}"
    ]


def test_persona_group_rules_match_the_config_path() -> None:
    both = python_errors(
        personas={"ds": PersonaGroup(role="Reader", group_object_id=GUID, create_group_name="x")}
    )
    assert both == [
        "personas['ds']: needs exactly one of group_object_id and create_group_name; allowed: group_object_id "
        "(an existing Entra group) or create_group_name (a display name)"
    ]
    assert yaml_errors(personas={"readers": {"groupObjectId": GUID, "createGroup": "x"}}) == [
        f"{PROJECT}:personas.readers: needs exactly one of groupObjectId and createGroup; allowed: groupObjectId "
        "(an existing Entra group) or createGroup (a display name)"
    ]


def test_idle_shutdown_bound_is_the_security_packs_default_maximum() -> None:
    """The pack's compute-idle-shutdown `maximumIdleMinutes` schema default is the settings maximum: a stack
    that passes settings cannot then fail that mandatory rule with the shipped pack configuration."""
    (idle,) = [p for p in COMPUTE_POLICIES if p.name == "compute-idle-shutdown"]
    schema = idle.config_schema.properties["maximumIdleMinutes"]  # type: ignore[union-attr]
    assert schema["default"] == IDLE_MAX_MINUTES == 240
    assert schema["minimum"] <= settings.IDLE_MIN_MINUTES
    yaml_errors(
        computeInstances={"ci-a": {"userObjectId": GUID, "idleShutdownMinutes": IDLE_MAX_MINUTES + 1}}
    )
    load_settings(
        {"computeInstances": {"ci-a": {"userObjectId": GUID, "idleShutdownMinutes": 240}}}, "westeurope"
    )


# Patterns judged by the pack's ws-outbound-rules (aml_security/workspace.py, wildcard_reach).
PATTERNS = [
    "*", "**", "*.*", "*.com", "*.com.", "*com", "*.org", "*.co.uk", "*.com.au", "*.ac.jp", "*-x.com",
    "*.pythonhosted.org", "pypi.org", "*.anaconda.com", "*.docker.io", "files.*.org", "a*.b.example.com",
    "*.example.co.uk", "*.gov.uk", "*.uk", "huggingface.co", "*.co", "*.blob.core.windows.net", " *.net ",
]  # fmt: skip


@pytest.mark.parametrize("pattern", PATTERNS)
def test_settings_and_the_pack_judge_a_fqdn_pattern_alike(pattern: str) -> None:
    """Settings copies the pack's judgement (components never import the pack): same verdict, same reach."""
    ours, theirs = settings.wildcard_reach(pattern), pack_workspace.wildcard_reach(pattern)
    assert (ours is None) == (theirs is None)
    if ours is not None and theirs is not None:
        assert ours.replace("'", '"') == theirs
    rule = {"r": {"type": "FQDN", "destination": pattern}}
    refused = [e for e in _fqdn_errors(rule) if "opens the internet" in e]
    assert bool(refused) == (theirs is not None)


def _fqdn_errors(rules: dict[str, Any]) -> list[str]:
    try:
        load_settings({"outboundRules": rules}, "westeurope")
    except SettingsError as err:
        return err.errors
    return []


def test_a_public_suffix_wildcard_is_refused_with_what_it_matches() -> None:
    """`*.co.uk` passed the old spelling check ("no '*' or bare wildcard TLD"); the pack refuses it."""
    rule = OutboundRule(type="FQDN", destination="*.co.uk")
    assert python_errors(outbound_rules={"uk": rule}) == [
        "outbound_rules['uk'].destination: '*.co.uk' opens the internet (it matches every host under the "
        "public suffix 'co.uk'); allowed: a host name such as pypi.org, or a wildcard under a registrable "
        "domain such as *.pythonhosted.org"
    ]


PROGRAM_PREAMBLE = f"""
from components import PrivateEndpointArgs, SecureMlWorkspace, SecureMlWorkspaceArgs, naming
from components.compute import MlCompute, MlComputeArgs
from components.interfaces import IdentityArgs, Placement
from components.settings import ComputeClusterSpec, ComputeInstanceSpec
from components.storage import Storage, StorageArgs

GUID = "{GUID}"
placement = Placement(resource_group_name="rg", location="westeurope", tags={{}})
zones = {{
    z: f"/subscriptions/s/resourceGroups/dns/providers/Microsoft.Network/privateDnsZones/{{z}}"
    for z in naming.PRIVATE_DNS_ZONES
}}
private_endpoint = PrivateEndpointArgs(subnet_id="/subscriptions/s/subnets/pe", dns_zone_ids=zones)
"""


def refused(program: str, builds: str) -> list[str]:
    """The problems of the configuration error a program raises when run as the preflight runs it (on the
    engine, in its own interpreter); the last line points at the program's line that builds the component
    (`builds`, the start of that line)."""
    source = PROGRAM_PREAMBLE + textwrap.dedent(program)
    with pytest.raises(ProgramConfigurationError) as err:
        run_on_engine(source, project="team")
    *problems, where = str(err.value).splitlines()
    match = re.fullmatch(r"  at (.+):(\d+)", where)
    assert match, where
    assert match[1] == "__main__.py"
    assert textwrap.dedent(source).lstrip().splitlines()[int(match[2]) - 1].startswith(builds)
    return problems


def test_component_args_name_their_own_fields() -> None:
    """MlCompute and Storage run the same checks on their own Args, in their own field names."""
    compute = """
    identity = IdentityArgs(id="i", principal_id="p", client_id="c")
    compute = MlComputeArgs(
        placement=placement,
        workspace_name="w",
        tenant_id=GUID,
        identity=identity,
        instances={"ci_a": ComputeInstanceSpec(GUID)},
        clusters={"cpu": ComputeClusterSpec(vm_priority="Spot")},
    )
    MlCompute("c", compute)
    """
    assert refused(compute, 'MlCompute("c", compute)') == [
        "instances['ci_a']: name 'ci_a' makes the instance name 'ci_a-xxxxx', which has invalid characters or "
        f"does not start with a letter; allowed: {naming.COMPUTE_INSTANCE_RULE}",
        "clusters['cpu'].vm_priority: 'Spot' is not supported; allowed: Dedicated, LowPriority",
    ]
    storage = """
    Storage("s", StorageArgs(placement, "st", None, private_endpoint, None, sku="LRS"))
    """
    assert refused(storage, 'Storage("s"') == [
        "sku: 'LRS' is not supported; allowed: Standard_LRS, Standard_ZRS, Standard_GRS, Standard_GZRS, "
        "Standard_RAGRS, Standard_RAGZRS"
    ]


def test_the_preflight_reports_a_settings_error_as_configuration_without_a_traceback() -> None:
    """A team program whose Args are refused: the preflight's error is a configuration error (exit 2 in the
    CLI) carrying every problem and no program frames."""
    program = """
    args = SecureMlWorkspaceArgs(
        placement=placement,
        prefix="team",
        environment="dev",
        private_endpoint=private_endpoint,
        firewall_sku="Premium",
        storage_sku="Standard_LRSS",
    )
    SecureMlWorkspace("team", args)
    """
    with pytest.raises(ProgramError) as err:
        run_on_engine(PROGRAM_PREAMBLE + textwrap.dedent(program), project="team")
    assert isinstance(err.value, ProgramConfigurationError) and isinstance(err.value, ConfigurationError)
    assert "Traceback" not in str(err.value) and 'File "' not in str(err.value)
    assert refused(program, 'SecureMlWorkspace("team", args)') == [
        "firewall_sku: 'Premium' is not supported; allowed: Standard, Basic",
        "storage_sku: 'Standard_LRSS' is not supported; allowed: Standard_LRS, Standard_ZRS, Standard_GRS, "
        "Standard_GZRS, Standard_RAGRS, Standard_RAGZRS",
    ]


def test_ai_services_args_report_every_problem_at_once() -> None:
    """The AI Services component's own Args: all problems together, keys in Python terms."""
    from components.ai_services import ContentFilterSpec, validate_ai_services_args
    from tests.components.test_ai_services import GPT
    from tests.components.test_ai_services import args as ai_args

    with pytest.raises(SettingsError) as err:
        validate_ai_services_args(
            ai_args(
                sku="F0",
                content_filters={"default": ContentFilterSpec(severity_threshold="Off")},
                deployments={"chat": replace(GPT, capacity=0)},
            )
        )
    assert err.value.errors == [
        "sku: 'F0' is not supported; allowed: S0",
        "content_filters['default'].severity_threshold: 'Off' is not supported; allowed: Low, Medium, High",
        "deployments['chat'].capacity: 0 is invalid; allowed: a positive integer (explicit capacity)",
    ]


def test_whole_numbers_arriving_as_floats_pass() -> None:
    """The component package hands numbers over gRPC as floats (4.0): a whole number is an integer."""
    validate_workspace_args(
        workspace_args(
            compute_clusters={"cpu": ComputeClusterSpec(max_nodes=4.0)},  # type: ignore[arg-type]
            log_retention_days=90.0,
        )
    )
    assert python_errors(compute_clusters={"cpu": ComputeClusterSpec(max_nodes=4.5)}) == [  # type: ignore[arg-type]
        "compute_clusters['cpu'].max_nodes: 4.5 is not an integer; allowed: an integer from 1 to 100"
    ]
