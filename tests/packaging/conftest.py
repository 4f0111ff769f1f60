"""The wheel as a team installs it: built once per test session, installed into a fresh virtualenv inside a
team project in a temporary directory, away from this repository.

Installing pulumi-azure-native (about 350 MB unpacked) from the package index takes minutes and the index
answers are not cached here, so the dependencies come from a wheelhouse: the pinned versions
(requirements*.txt) of what pyproject.toml requires, built once per machine with `pip wheel` under
`~/.cache/aml-secure-baseline/` (or `$AML_WHEELHOUSE`) and reused while the pins are unchanged. The wheel
build and the install then run with `--no-index`. The new virtualenv starts empty (`--without-pip`, no
`--system-site-packages`): the repository's pip installs into it with `--python`, so nothing of the
repository's virtualenv is visible to the team project. `--no-compile` leaves byte-compiling to the first
import: compiling pulumi-azure-native's 6,000 modules at install time took 99 s of a 126 s install here.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TEAM_FIXTURE = Path(__file__).parent / "fixtures" / "team-installed"
# What the wheel is built from: the packaging metadata and the three mapped directories.
SOURCES = ("pyproject.toml", "README.md", "CHANGELOG.md", "components", "preflight", "policypacks")
NOT_SOURCES = shutil.ignore_patterns("venv", ".venv", "__pycache__", "*.pyc", "node_modules")
PIN = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*==\s*([^\s;#]+)")


def pins(path: Path = REPO / "requirements-dev.txt") -> list[str]:
    """Every `name==version` of a requirements file and the files it includes (`-r`), in order."""
    found: list[str] = []
    for line in path.read_text().splitlines():
        if line.strip().startswith("-r"):
            found += pins(path.parent / line.strip()[2:].strip())
        elif m := PIN.match(line):
            found.append(f"{m.group(1)}=={m.group(2)}")
    return found


def requirements() -> list[str]:
    """What building and installing the wheel needs: pyproject's build requirements and dependencies."""
    meta = tomllib.loads((REPO / "pyproject.toml").read_text())
    return [*meta["build-system"]["requires"], *meta["project"]["dependencies"]]


def pip(*args: str | Path, timeout: float = 900) -> float:
    """Run the repository's pip; returns the seconds it took. A failure shows pip's output."""
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "--disable-pip-version-check", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert proc.returncode == 0, (
        f"pip {' '.join(map(str, args))} failed:\n{proc.stdout[-3000:]}{proc.stderr[-3000:]}"
    )
    return time.perf_counter() - started


@contextmanager
def locked(path: Path) -> Iterator[None]:
    """An exclusive lock on `path` (both xdist workers, or two test sessions, build once)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def wheelhouse(constraints: Path, timings: dict[str, float]) -> Path:
    """Wheels of every dependency at the pinned versions, built once per machine and set of pins."""
    key = hashlib.sha256(
        "\n".join([sys.version, *requirements(), *constraints.read_text().splitlines()]).encode()
    ).hexdigest()[:16]
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "aml-secure-baseline"
    house = (
        Path(os.environ["AML_WHEELHOUSE"])
        if os.environ.get("AML_WHEELHOUSE")
        else cache / f"wheelhouse-{key}"
    )
    with locked(house.parent / f"{house.name}.lock"):
        if not (house / ".complete").exists():
            partial = house.parent / f"{house.name}.partial"
            shutil.rmtree(partial, ignore_errors=True)
            timings["wheelhouse"] = pip("wheel", "-q", "-w", partial, "-c", constraints, *requirements())
            (partial / ".complete").write_text(key + "\n")
            shutil.rmtree(house, ignore_errors=True)
            partial.rename(house)
    return house


@dataclass
class Installed:
    """A team project with its own virtualenv in which the built wheel is installed."""

    wheel: Path
    team: Path
    venv: Path
    timings: dict[str, float] = field(default_factory=dict)

    def run(self, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        """Run a command of the team's virtualenv from the team's folder, as the team's shell would."""
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
        repo_bin = str(REPO / "venv" / "bin")
        env["PATH"] = os.pathsep.join(
            [
                str(self.venv / "bin"),
                *(p for p in env.get("PATH", "").split(os.pathsep) if p and p != repo_bin),
            ]
        )
        env["VIRTUAL_ENV"] = str(self.venv)
        return subprocess.run(
            [str(self.venv / "bin" / args[0]), *args[1:]],
            cwd=self.team,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )


def _install(root: Path) -> Installed:
    timings: dict[str, float] = {}
    constraints = root / "constraints.txt"
    constraints.write_text("\n".join(pins()) + "\n")
    house = wheelhouse(constraints, timings)

    source = root / "source"
    shutil.rmtree(source, ignore_errors=True)
    source.mkdir()
    for name in SOURCES:
        path = REPO / name
        if path.is_dir():
            shutil.copytree(path, source / name, ignore=NOT_SOURCES)
        else:
            shutil.copy2(path, source / name)
    dist = root / "dist"
    shutil.rmtree(dist, ignore_errors=True)
    timings["build"] = pip(
        "wheel", "-q", "--no-deps", "--no-index", "--find-links", house, "-w", dist, source
    )
    (wheel,) = dist.glob("aml_secure_baseline-*.whl")

    team = root / "team"
    shutil.rmtree(team, ignore_errors=True)
    shutil.copytree(TEAM_FIXTURE, team, ignore=NOT_SOURCES)
    venv = team / "venv"  # Pulumi.yaml: runtime.options.virtualenv
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", venv], check=True, timeout=120)
    timings["venv"] = time.perf_counter() - started
    timings["install"] = pip(
        "--python", venv / "bin" / "python", "install", "-q", "--no-compile", "--no-index", "--find-links", house,
        "-c", constraints, wheel,
    )  # fmt: skip
    return Installed(wheel=wheel, team=team, venv=venv, timings=timings)


@pytest.fixture(scope="session")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """The wheel built from this working tree and installed in a team project's fresh virtualenv, once."""
    base = tmp_path_factory.getbasetemp()
    root = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "installed-wheel"
    with locked(root / ".lock"):
        done = root / "installed.txt"
        if done.exists():
            wheel, team, venv = done.read_text().splitlines()[:3]
            return Installed(wheel=Path(wheel), team=Path(team), venv=Path(venv))
        result = _install(root)
        done.write_text(f"{result.wheel}\n{result.team}\n{result.venv}\n")
    print(  # shown with -s: what this fixture costs
        "installed wheel: " + ", ".join(f"{k} {v:.1f} s" for k, v in result.timings.items()), file=sys.stderr
    )
    return result
