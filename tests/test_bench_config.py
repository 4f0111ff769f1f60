"""The benchmark estate's template is a valid stack configuration: `make bench` builds N platforms from it."""

from __future__ import annotations

from pathlib import Path

import yaml

from components import load_settings

STACK = Path(__file__).resolve().parents[1] / "bench" / "estate" / "stacks" / "Pulumi.bench.yaml"


def test_bench_template_passes_settings_validation() -> None:
    """The template, with the first platform's prefix and /22 (bench/estate/__main__.py), loads cleanly."""
    config = yaml.safe_load(STACK.read_text())["config"]
    template = {
        **config["aml-bench-estate:template"],
        "prefix": "w001",
        "vnetAddressSpace": ["10.1.0.0/22"],
        "privateEndpointSubnetPrefix": "10.1.0.0/24",
    }
    settings = load_settings(template, config["azure-native:location"])
    assert settings.prefix == "w001" and not settings.service_side_cmk
