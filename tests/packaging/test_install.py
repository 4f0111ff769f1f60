"""The distribution a team installs (`aml-secure-baseline`): what the wheel ships, the names it installs, and
the installed `aml-preflight` run from a team's own folder on the team's project (issue 15, "Installable").

The wheel is built from this working tree and installed in a fresh virtualenv once per session (conftest.py).
"""

from __future__ import annotations

import ast
import json
import re
import zipfile
from pathlib import Path

import pytest

import components

from .conftest import REPO, Installed

# Both xdist workers would otherwise wait for the same build: the tests of this module run on one.
pytestmark = pytest.mark.xdist_group("installed-wheel")


def _repo_files(directory: str) -> set[str]:
    """Files under a repository directory that ship (no virtualenvs, caches or compiled files)."""
    root = REPO / directory
    skipped = {"venv", ".venv", "__pycache__", "node_modules"}
    return {
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file() and not skipped & set(p.relative_to(root).parts) and p.suffix != ".pyc"
    }


def test_wheel_ships_the_library_the_preflight_and_both_packs(installed: Installed) -> None:
    """The library under `aml_secure_baseline`, the preflight under `aml_preflight` with the host script it
    launches programs with, and each policy pack whole (manifest, entry point, rules): nothing else."""
    with zipfile.ZipFile(installed.wheel) as whl:
        names = set(whl.namelist())
        entry_points = next(whl.read(n).decode() for n in names if n.endswith(".dist-info/entry_points.txt"))

    library = {f"aml_secure_baseline/{f}" for f in _repo_files("components")}
    preflight = {f"aml_preflight/{f}" for f in _repo_files("preflight")}
    packs = {f"aml_preflight/policypacks/{f}" for f in _repo_files("policypacks")}
    assert "aml_secure_baseline/py.typed" in library
    assert "aml_preflight/hosts/python_exec.py" in preflight
    assert {"aml_preflight/policypacks/aml-security/PulumiPolicy.yaml",
            "aml_preflight/policypacks/azure-deployability/__main__.py"} <= packs  # fmt: skip
    assert sorted(library - names) == []
    assert sorted(preflight - names) == []
    assert sorted(packs - names) == []
    top_level = {n.split("/")[0] for n in names if ".dist-info/" not in n}
    assert top_level == {"aml_secure_baseline", "aml_preflight"}
    assert "aml-preflight = aml_preflight.__main__:run" in entry_points


def test_installed_names_and_version(installed: Installed) -> None:
    """`aml_secure_baseline.__version__` is the distribution's version and the repository's, and importing the
    library from a folder with the team's own `components` package loads neither that nor any repo name."""
    probe = (
        "import importlib.metadata, sys, aml_secure_baseline;"
        "print(aml_secure_baseline.__version__);"
        "print(importlib.metadata.version('aml-secure-baseline'));"
        "print(aml_secure_baseline.SecureMlWorkspace.__module__);"
        "print(sorted(n for n in sys.modules if n.split('.')[0] in ('components', 'preflight')))"
    )
    proc = installed.run("python", "-c", probe)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [
        components.__version__,
        components.__version__,
        "aml_secure_baseline.platform",
        "[]",
    ]
    assert installed.wheel.name == f"aml_secure_baseline-{components.__version__}-py3-none-any.whl"


def test_console_command_names_itself(installed: Installed) -> None:
    """`aml-preflight --help` works from the team's folder and calls itself by the installed name."""
    proc = installed.run("aml-preflight", "--help")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("usage: aml-preflight ")
    assert "--policy-pack-config" in proc.stdout


def test_installed_preflight_previews_the_team_project_in_its_own_virtualenv(installed: Installed) -> None:
    """From the team's folder, with no path to this repository: the program runs in the project's virtualenv
    (Pulumi.yaml `runtime.options.virtualenv: venv`) through the offline engine, imports the installed
    library next to its own `components` package, and the installed packs judge the team's workspace."""
    reports = installed.team / "reports"
    proc = installed.run(
        "aml-preflight",
        "--stack", "dev",
        "--policy-pack-config", "policy-config.dev.json",
        "--format", "text,json",
        "--output-dir", str(reports),
    )  # fmt: skip
    assert proc.returncode in (0, 1), proc.stderr
    plan = json.loads((reports / "preflight.json").read_text())
    text = (reports / "preflight.txt").read_text()

    assert (plan["project"], plan["stack"]) == ("team-churn", "dev")
    assert proc.returncode == (1 if plan["summary"]["mandatory"] else 0)
    workspaces = [
        r for r in plan["resources"] if r["type"] == "azure-native:machinelearningservices:Workspace"
    ]
    assert [w["inputs"]["workspaceName"] for w in workspaces] == ["mlw-churn-dev"]
    assert workspaces[0]["inputs"]["tags"]["costCenter"] == "cc-4711"  # the team's own components.tags
    assert [p["name"] for p in plan["policyPacks"]] == ["aml-security", "azure-deployability"]
    # The packs that ran are the installed ones, and the program's interpreter was the project's virtualenv.
    site = next((installed.venv / "lib").glob("python3*/site-packages"))
    packs = site.relative_to(installed.team) / "aml_preflight" / "policypacks"
    assert f"aml-security@v0.1.0 (local: {packs / 'aml-security'})" in text
    assert f"azure-deployability@v0.1.0 (local: {packs / 'azure-deployability'})" in text
    assert re.search(r"^ +interpreter: venv$", text, re.MULTILINE), text
    assert str(REPO) not in text + proc.stderr


def test_repository_keeps_components_and_python_m_preflight() -> None:
    """In the repository the same code keeps its directory names: `components` for the stacks, `preflight`
    for `python -m preflight`, the packs under policypacks/."""
    from preflight.cli import default_packs

    assert Path(components.__file__).parent == REPO / "components"
    assert default_packs() == [
        REPO / "policypacks" / "aml-security",
        REPO / "policypacks" / "azure-deployability",
    ]


def test_changelog_has_an_entry_for_the_version() -> None:
    """CHANGELOG.md's latest release (a Keep a Changelog heading) is the version the package carries."""
    releases = re.findall(
        r"^## \[(\d[^\]]*)\] - \d{4}-\d{2}-\d{2}$", (REPO / "CHANGELOG.md").read_text(), re.MULTILINE
    )
    assert releases[:1] == [components.__version__]


def test_library_imports_itself_relatively() -> None:
    """Installed, the library is `aml_secure_baseline` and there is no `components`: an absolute import of
    `components` inside the library would fail there (or load a team's own `components`)."""
    absolute = []
    for path in sorted((REPO / "components").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            absolute += [f"{path.name}:{node.lineno}" for n in names if n.split(".")[0] == "components"]
    assert absolute == []
