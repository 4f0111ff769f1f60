"""Program environments (virtualenvs, node_modules) for the tests, built once and shared.

A fixture project or a third-party program runs in its own environment, which `preflight --install` creates.
Small ones are built once per test session under pytest's shared temporary directory; large ones (an
azure-native v2 virtualenv is about 2 GB) go to a cache directory outside git, keyed by the hash of the
files that define them, so a local rerun reuses them and CI builds each once. Builds take a file lock, so
parallel pytest workers build each environment once.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

CACHE_VARIABLE = "PREFLIGHT_ENV_CACHE"
# pip without byte-compiling what it installs: an azure-native v2 virtualenv takes 0.8 GB instead of 1.8 GB
# and about half the time; the program compiles only the modules it imports. pip reads the variable as the
# value of its `compile` setting, so "0" turns compilation off (measured: "1" and "true" compile).
LEAN_PIP = {"PIP_NO_COMPILE": "0"}


def cache_root() -> Path:
    """Where cached environments live: `$PREFLIGHT_ENV_CACHE`, else `~/.cache/aml-secure-baseline/envs`."""
    configured = os.environ.get(CACHE_VARIABLE)
    if configured:
        return Path(configured).resolve()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "aml-secure-baseline" / "envs"


def content_key(*parts: Path | str) -> str:
    """A short hash of what defines an environment (files, or text such as a pinned source) and of the
    interpreter that builds it."""
    digest = hashlib.sha256(f"{sys.version_info[:2]}".encode())
    for part in parts:
        data = part.name.encode() + b"\0" + part.read_bytes() if isinstance(part, Path) else part.encode()
        digest.update(data + b"\0")
    return digest.hexdigest()[:16]


def build_once(root: Path, name: str, build: Callable[[Path], None]) -> Path:
    """`root/name`, built by `build(target)` unless a complete build is there (every process, once).

    A build that fails leaves no `.built` marker, so the next caller starts it afresh.
    """
    root.mkdir(parents=True, exist_ok=True)
    target = root / name
    with open(root / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not (target / ".built").exists():
                shutil.rmtree(target, ignore_errors=True)
                build(target)
                (target / ".built").touch()
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return target


def disk_usage(path: Path) -> int:
    """Bytes under `path` (files only, links not followed), for the build reports."""
    total = 0
    for dirpath, _dirs, files in os.walk(path):
        for name in files:
            file = Path(dirpath) / name
            if not file.is_symlink():
                total += file.stat().st_size
    return total
