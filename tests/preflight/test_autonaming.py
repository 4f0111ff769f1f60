"""`pulumi:autonaming` decides the names a program leaves out, as the providers do.

Source: Pulumi docs, Concepts > Resources > Names, "Configuring Auto-Naming": `mode` default, verbatim
(the logical name, no suffix) or disabled (names must be given); a `pattern` of `${...}` expressions (name,
hex(n), alphanum(n), string(n), num(n), uuid, organization, project, stack, config.key);
`providers.<package>` and its `resources.<type>` override the top level.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from preflight.emulator import EmulatorSettings
from preflight.program import ProgramError

from ..engine_programs import run_on_engine
from .conftest import TEST_PACK, copy_fixture, run_cli

PROGRAM = """
import pulumi_azure_native.resources as resources
import pulumi_azure_native.storage as storage

rg = resources.ResourceGroup("team-rg")
storage.StorageAccount(
    "teamsa", resource_group_name=rg.name, kind="StorageV2", sku=storage.SkuArgs(name="Standard_LRS")
)
"""


def names(autonaming: dict[str, Any], config: dict[str, str] | None = None) -> dict[str, str]:
    settings = EmulatorSettings(project="p", stack="dev", autonaming=autonaming, config=config or {})
    recording = run_on_engine(PROGRAM, project="p", stack="dev", emulator=settings)
    rg = recording.by_type("azure-native:resources:ResourceGroup")[0]
    sa = recording.by_type("azure-native:storage:StorageAccount")[0]
    return {"rg": rg.inputs["resourceGroupName"], "sa": sa.inputs["accountName"]}


def test_default_adds_a_suffix_and_verbatim_uses_the_logical_name() -> None:
    default = names({})
    assert re.fullmatch(r"team-rg[0-9a-f]{8}", default["rg"]) and re.fullmatch(
        r"teamsa[0-9a-f]{8}", default["sa"]
    )
    assert names({"mode": "default"}) == default
    assert names({"mode": "verbatim"}) == {"rg": "team-rg", "sa": "teamsa"}


def test_pattern_expressions_and_the_most_specific_setting_wins() -> None:
    got = names(
        {
            "pattern": "${project}-${stack}-${name}-${hex(4)}",
            "providers": {
                "azure-native": {
                    "resources": {
                        "azure-native:storage:StorageAccount": {"pattern": "${name}${num(3)}${config.env}"}
                    }
                }
            },
        },
        config={"p:env": "d"},
    )
    assert re.fullmatch(r"p-dev-team-rg-[0-9a-f]{4}", got["rg"]), got
    assert re.fullmatch(r"teamsa[0-9]{3}d", got["sa"]), got
    assert names({"providers": {"azure-native": {"mode": "verbatim"}}}) == {"rg": "team-rg", "sa": "teamsa"}


def test_disabled_mode_refuses_a_resource_without_its_name() -> None:
    with pytest.raises(ProgramError) as error:
        names({"mode": "disabled"})
    assert (
        "resource 'team-rg' of type azure-native:resources:ResourceGroup has no `resourceGroupName`: autonaming "
        "is disabled (pulumi:autonaming mode: disabled), so the name must be given"
    ) in str(error.value)


def test_an_unsupported_expression_is_named() -> None:
    with pytest.raises(ProgramError) as error:
        names({"pattern": "${organization}-${name}"})
    assert "pattern expression ${organization}" in str(error.value)
    assert "allowed: name, hex(n), alphanum(n), string(n), num(n), uuid, project, stack, config.<key>" in str(
        error.value
    )


def test_the_stack_file_setting_reaches_the_emulator(tmp_path: Path) -> None:
    """The stack file's object value (`pulumi:autonaming: {mode: verbatim}`) names the fixture's resources."""
    project = copy_fixture("minimal", tmp_path)
    stack_file = project / "stacks" / "Pulumi.dev.yaml"
    stack = yaml.safe_load(stack_file.read_text()) or {}
    stack.setdefault("config", {})["pulumi:autonaming"] = {"mode": "verbatim"}
    stack_file.write_text(yaml.safe_dump(stack))
    run = run_cli("--stack", "dev", "--cwd", project, "--format", "json", "--policy-pack", TEST_PACK)
    assert run.code in (0, 1), run.stderr
    plan = json.loads(run.stdout)
    (rg,) = [r for r in plan["resources"] if r["type"] == "azure-native:resources:ResourceGroup"]
    assert (rg["name"], rg["inputs"]["resourceGroupName"]) == ("mini-rg", "mini-rg")
    stack["config"]["pulumi:autonaming"] = "verbatim"
    stack_file.write_text(yaml.safe_dump(stack))
    bad = run_cli("--stack", "dev", "--cwd", project, "--policy-pack", TEST_PACK)
    assert bad.code == 2
    assert "error: configuration: pulumi:autonaming:" in bad.stderr
