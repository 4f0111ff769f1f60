"""Load a Pulumi project and one stack's configuration exactly as the Pulumi CLI resolves them.

Project config (`Pulumi.yaml` `config:`) declares keys with type, description and default; stack files
(`<stackConfigDir>/Pulumi.<stack>.yaml`) set values, un-namespaced keys belonging to the project.
`secure:` values cannot be decrypted offline: they become placeholders and are listed in the report.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

_STACK_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")
_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "boolean": (bool,),
    "array": (list,),
    "object": (dict,),
}


class ConfigurationError(ValueError):
    """A project, stack or configuration problem; the message names the file, stack or key."""


@dataclass(frozen=True)
class ConfigKey:
    """A key declared in the project's `config:` section."""

    name: str
    type: str | None
    description: str
    default: Any
    has_default: bool
    secret: bool = False
    items_type: str | None = None


@dataclass
class Project:
    """A Pulumi project: name, program entry point, where stack files live, declared config."""

    directory: Path
    name: str
    runtime: str
    main: str | None
    stack_config_dir: Path
    keys: dict[str, ConfigKey] = field(default_factory=dict)
    runtime_options: dict[str, Any] = field(default_factory=dict)
    """`runtime.options` of Pulumi.yaml (virtualenv, toolchain, typescript, nodeargs, ...)."""
    provider_defaults: dict[str, Any] = field(default_factory=dict)
    description: str = ""

    def stacks(self) -> list[str]:
        """Names of the stacks that have a configuration file."""
        return sorted(
            p.name[len("Pulumi.") : -len(".yaml")] for p in self.stack_config_dir.glob("Pulumi.*.yaml")
        )


@dataclass
class StackConfig:
    """Resolved configuration for one stack: the flat string map the program receives."""

    stack: str
    values: dict[str, str]
    secret_keys: list[str]
    placeholders: list[str]
    raw: dict[str, Any]

    def get(self, key: str) -> str | None:
        """A resolved value by full key (`namespace:key`)."""
        return self.values.get(key)


def _load_yaml(path: Path, what: str) -> Any:
    try:
        text = path.read_text()
    except OSError as exc:
        raise ConfigurationError(f"cannot read {what} {path}: {exc.strerror}") from exc
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigurationError(f"{what} {path} is not valid YAML{where}: {problem}") from exc


def load_project(directory: Path) -> Project:
    """Read `Pulumi.yaml` (or `Pulumi.yml`) in a directory; errors name the file and field."""
    directory = directory.resolve()
    path = directory / "Pulumi.yaml"
    if not path.is_file() and (directory / "Pulumi.yml").is_file():
        path = directory / "Pulumi.yml"
    if not path.is_file():
        raise ConfigurationError(f"no Pulumi project in {directory}: Pulumi.yaml not found")
    data = _load_yaml(path, "project file")
    if not isinstance(data, dict):
        raise ConfigurationError(f"project file {path} must be a mapping with at least 'name' and 'runtime'")
    name = data.get("name")
    if not isinstance(name, str) or not name:
        raise ConfigurationError(f"project file {path}: 'name' is required")
    runtime = data.get("runtime")
    runtime_name = runtime.get("name") if isinstance(runtime, dict) else runtime
    if runtime_name not in ("python", "nodejs"):
        raise ConfigurationError(
            f"project file {path}: runtime {runtime_name!r} is not supported offline; allowed: python, nodejs"
        )
    options = runtime.get("options") if isinstance(runtime, dict) else None
    stack_dir = directory / str(data.get("stackConfigDir") or ".")
    project = Project(
        directory=directory,
        name=name,
        runtime=str(runtime_name),
        runtime_options=dict(options) if isinstance(options, dict) else {},
        main=data.get("main") if isinstance(data.get("main"), str) else None,
        stack_config_dir=stack_dir,
        description=str(data.get("description") or ""),
    )
    config = data.get("config") or {}
    if not isinstance(config, dict):
        raise ConfigurationError(f"project file {path}: 'config' must be a mapping of keys")
    for key, spec in config.items():
        full = _qualify(str(key), name)
        namespace = full.split(":", 1)[0]
        if namespace != name:
            value = spec.get("value", spec.get("default")) if isinstance(spec, dict) else spec
            project.provider_defaults[full] = value
            continue
        if isinstance(spec, dict):
            typ = spec.get("type")
            if typ is not None and typ not in _TYPES:
                raise ConfigurationError(
                    f"project file {path}: config key {full!r} has type {typ!r}; allowed: {', '.join(_TYPES)}"
                )
            items = spec.get("items")
            has_default = "default" in spec or "value" in spec
            project.keys[full] = ConfigKey(
                name=full,
                type=typ,
                description=str(spec.get("description") or ""),
                default=spec.get("default", spec.get("value")),
                has_default=has_default,
                secret=bool(spec.get("secret", False)),
                items_type=items.get("type") if isinstance(items, dict) else None,
            )
        else:
            project.keys[full] = ConfigKey(full, None, "", spec, True)
    return project


def _qualify(key: str, project: str) -> str:
    return key if ":" in key else f"{project}:{key}"


def _to_wire(value: Any) -> str:
    """A config value as the string the program receives (objects and arrays as JSON)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, separators=(",", ":"))


def _check_type(stack: str, key: ConfigKey, value: Any) -> None:
    if key.type is None:
        return
    ok = isinstance(value, _TYPES[key.type]) and not (key.type == "integer" and isinstance(value, bool))
    if key.type == "integer" and isinstance(value, str) and re.fullmatch(r"-?\d+", value):
        ok = True
    if key.type == "boolean" and isinstance(value, str) and value in ("true", "false"):
        ok = True
    if not ok:
        raise ConfigurationError(
            f"stack {stack!r}: configuration key {key.name!r} must be of type {key.type} "
            f"(declared in Pulumi.yaml), got {type(value).__name__} {json.dumps(value, default=str)}"
        )
    if key.type == "array" and key.items_type and key.items_type in _TYPES:
        for i, item in enumerate(value):
            if not isinstance(item, _TYPES[key.items_type]) or (
                key.items_type == "integer" and isinstance(item, bool)
            ):
                raise ConfigurationError(
                    f"stack {stack!r}: configuration key {key.name!r} item {i} must be of type "
                    f"{key.items_type}, got {type(item).__name__} {json.dumps(item, default=str)}"
                )


def load_stack(project: Project, stack: str) -> StackConfig:
    """Resolve one stack's configuration: project defaults, then the stack file, then type checks."""
    if not _STACK_NAME.match(stack):
        raise ConfigurationError(
            f"stack name {stack!r} is invalid: use letters, digits, '-', '_' and '.' (at most 100 characters)"
        )
    path = project.stack_config_dir / f"Pulumi.{stack}.yaml"
    if not path.is_file():
        available = ", ".join(project.stacks()) or "none"
        raise ConfigurationError(
            f"stack {stack!r} not found: {path} does not exist (stacks with configuration: {available})"
        )
    data = _load_yaml(path, f"stack {stack!r} file")
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigurationError(f"stack {stack!r} file {path} must be a mapping with a 'config' section")
    config = data.get("config") or {}
    if not isinstance(config, dict):
        raise ConfigurationError(f"stack {stack!r} file {path}: 'config' must be a mapping of keys to values")

    values: dict[str, Any] = {}
    for full, value in project.provider_defaults.items():
        values[full] = value
    for full, key in project.keys.items():
        if key.has_default:
            values[full] = key.default
    secret_keys: list[str] = [k for k, spec in project.keys.items() if spec.secret]
    placeholders: list[str] = []
    for raw_key, value in config.items():
        full = _qualify(str(raw_key), project.name)
        if isinstance(value, dict) and set(value) == {"secure"}:
            values[full] = f"preflight-placeholder-for-{full.replace(':', '-')}"
            secret_keys.append(full)
            placeholders.append(full)
            continue
        values[full] = value
    for full, key in project.keys.items():
        if full not in values:
            raise ConfigurationError(
                f"stack {stack!r} is missing configuration value {full!r}"
                + (f" ({key.description})" if key.description else "")
                + f"; set it in {path.name} or give it a default in Pulumi.yaml"
            )
        if full not in placeholders:
            _check_type(stack, key, values[full])
    return StackConfig(
        stack=stack,
        values={k: _to_wire(v) for k, v in values.items() if v is not None},
        secret_keys=sorted(set(secret_keys)),
        placeholders=sorted(placeholders),
        raw=values,
    )
