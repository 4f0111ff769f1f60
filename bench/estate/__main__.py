"""Benchmark estate: N hardened ML platforms built through the real components, as a large estate would be.

Each platform is `SecureMlPlatform` from validated `Settings` (the path `__main__.py` of the project takes),
from one template (`template` in the stack file) with a per-platform prefix and address space, so the
resource count grows linearly with N and every resource type the baseline uses appears N times.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import pulumi

# The estate lives inside the repository; teams would `pip install` the components instead.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from components import SecureMlPlatform, SecureMlPlatformArgs, load_settings

MAX_WORKSPACES = 250  # one 10.<i>.0.0/22 per platform


def workspace_count(config: pulumi.Config) -> int:
    """N from BENCH_WORKSPACES, else from config `workspaces` (default 1)."""
    raw = os.environ.get("BENCH_WORKSPACES") or config.get_int("workspaces") or 1
    count = int(raw)
    if not 1 <= count <= MAX_WORKSPACES:
        raise ValueError(f"workspaces: {count} is out of range; allowed: 1 to {MAX_WORKSPACES}")
    return count


def platform_config(template: dict[str, Any], index: int) -> dict[str, Any]:
    """The template with this platform's prefix and its own /22 (private endpoints in the first /24)."""
    return {
        **template,
        "prefix": f"w{index:03d}",
        "vnetAddressSpace": [f"10.{index}.0.0/22"],
        "privateEndpointSubnetPrefix": f"10.{index}.0.0/24",
    }


config = pulumi.Config()
template: dict[str, Any] = config.require_object("template")
location = pulumi.Config("azure-native").get("location")
count = workspace_count(config)
workspace_ids = {}
for i in range(1, count + 1):
    settings = load_settings(platform_config(template, i), location)
    platform = SecureMlPlatform(f"w{i:03d}", SecureMlPlatformArgs(settings=settings))
    workspace_ids[settings.prefix] = platform.ml.workspace_id

pulumi.export("workspaces", count)
pulumi.export("workspaceIds", workspace_ids)
