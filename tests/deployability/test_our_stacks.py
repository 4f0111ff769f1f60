"""Our dev and prod stacks through both packs, as `make preflight` runs them: one report, grouped by pack."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKS = ["aml-security", "azure-deployability"]


def make_preflight_args(stack: str) -> list[str]:
    """The preflight arguments `make preflight STACK=<stack>` runs (read from `make -n`, not repeated here)."""
    out = subprocess.run(
        ["make", "-s", "-n", "preflight", f"STACK={stack}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    (line,) = [x for x in out.splitlines() if " -m preflight " in x]
    return shlex.split(line.split(" -m preflight ", 1)[1])


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_make_preflight_passes_each_pack_its_own_config(stack: str) -> None:
    """Both packs, each followed by its stack config, so the positional pairing gives each pack its file."""
    assert make_preflight_args(stack) == [
        "--stack",
        stack,
        "--policy-pack",
        "policypacks/aml-security",
        "--policy-pack-config",
        f"stacks/policy-config.{stack}.json",
        "--policy-pack",
        "policypacks/azure-deployability",
        "--policy-pack-config",
        f"stacks/deployability-config.{stack}.json",
    ]


def run(stack: str, out: Path) -> int:
    args = [
        *make_preflight_args(stack),
        "--format",
        "text,json,sarif,junit,markdown,html",
        "--output-dir",
        str(out),
    ]
    return subprocess.run(
        [sys.executable, "-m", "preflight", *args], cwd=ROOT, capture_output=True, text=True, timeout=600
    ).returncode


def test_reports_group_violations_by_pack(tmp_path: Path) -> None:
    """The dev stack with both packs: the text report lists each pack with its own violations, SARIF has one
    run and JUnit one suite per pack, Markdown one violations table per pack, HTML a pack column, JSON the pack of each."""
    code = run("dev", tmp_path)
    assert code in (0, 1)
    plan: dict[str, Any] = json.loads((tmp_path / "preflight.json").read_text())
    assert [p["name"] for p in plan["policyPacks"]] == PACKS
    by_pack = {p: [v for v in plan["violations"] if v["pack"] == p] for p in PACKS}
    text = (tmp_path / "preflight.txt").read_text()
    blocks = text.split("Policies:", 1)[1].split("\n\n", 1)[0]
    headers = [line for line in blocks.splitlines() if line.startswith("    ") and "@v" in line]
    assert [h.split()[1].split("@")[0] for h in headers] == PACKS
    second = blocks.index(headers[1])
    for pack, found in by_pack.items():
        section = blocks[second:] if pack == PACKS[1] else blocks[:second]
        for v in found:
            assert f"{v['policy']}" in section, (pack, v["policy"])
    sarif = json.loads((tmp_path / "preflight.sarif").read_text())
    assert [r["tool"]["driver"]["name"] for r in sarif["runs"]] == PACKS
    for r in sarif["runs"]:
        assert len(r["results"]) == len(by_pack[r["tool"]["driver"]["name"]])
    suites = [s.get("name") for s in ET.fromstring((tmp_path / "preflight.junit.xml").read_text())]
    assert suites == PACKS
    md = (tmp_path / "preflight.md").read_text()
    for pack, found in by_pack.items():
        if found:
            mandatory = sum(v["level"] == "mandatory" for v in found)
            advisory = sum(v["level"] == "advisory" for v in found)
            assert f"**`{pack}`**: {mandatory} mandatory, {advisory} advisory" in md
        assert md.count(f"**`{pack}`**") >= 1
    html = (tmp_path / "preflight.html").read_text()
    assert "<th>Level</th><th>Pack</th><th>Policy</th>" in html
    for pack, found in by_pack.items():
        assert html.count(f"<td>{pack}</td><td><code>") == len(found)


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_our_stacks_pass_the_deployability_pack(stack: str, tmp_path: Path) -> None:
    """Zero mandatory violations from either pack on our own stacks."""
    assert run(stack, tmp_path) == 0
    plan = json.loads((tmp_path / "preflight.json").read_text())
    assert [v for v in plan["violations"] if v["level"] == "mandatory"] == []
