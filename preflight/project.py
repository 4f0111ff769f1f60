"""Load a Pulumi project and one stack's configuration exactly as the Pulumi CLI resolves them.

Project config (`Pulumi.yaml` `config:`) declares keys with type, description and default; stack files
(`<stackConfigDir>/Pulumi.<stack>.yaml`) set values, un-namespaced keys belonging to the project.
`secure:` values cannot be decrypted offline: they become placeholders and are listed in the report.
Two things the CLI does not check are reported as notices: values a stack file marks PLACEHOLDER (a value
naming it, or a `# PLACEHOLDER` comment on the value's line, as stacks/*.yaml mark IDs to replace before
`pulumi up`), and project keys the project's declared config schema does not know (with a "did you mean").
"""

from __future__ import annotations

import difflib
import json
import os
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


@dataclass(frozen=True)
class Notice:
    """Something about the configuration worth a warning: `kind` is "placeholder" or "undeclared-key"."""

    kind: str
    key: str
    message: str
    line: int | None = None


@dataclass
class StackConfig:
    """Resolved configuration for one stack: the flat string map the program receives."""

    stack: str
    values: dict[str, str]
    secret_keys: list[str]
    placeholders: list[str]
    raw: dict[str, Any]
    notices: list[Notice] = field(default_factory=list)
    """PLACEHOLDER values and undeclared project keys, in file order."""
    file: Path | None = None

    @property
    def marked_placeholders(self) -> list[Notice]:
        """Values the stack file marks PLACEHOLDER (to be replaced before `pulumi up`)."""
        return [n for n in self.notices if n.kind == "placeholder"]

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
    in_file = [_qualify(str(k), project.name) for k in config]
    for full, key in project.keys.items():
        if full not in values:
            near = _near(full, [k for k in in_file if k not in project.keys])
            raise ConfigurationError(
                f"stack {stack!r} is missing configuration value {full!r}"
                + (f" ({key.description})" if key.description else "")
                + f"; set it in {path.name} or give it a default in Pulumi.yaml"
                + (f" (the stack file sets {near!r}: did you mean {full!r}?)" if near else "")
            )
        if full not in placeholders:
            _check_type(stack, key, values[full])
    return StackConfig(
        stack=stack,
        values={k: _to_wire(v) for k, v in values.items() if v is not None},
        secret_keys=sorted(set(secret_keys)),
        placeholders=sorted(placeholders),
        raw=values,
        notices=_undeclared(project, in_file, path) + _marked_placeholders(path, project.name),
        file=path,
    )


def _near(key: str, candidates: list[str]) -> str | None:
    """The closest candidate to a key (difflib, case-insensitive), if any is close."""
    folded = {c.casefold(): c for c in candidates}
    match = difflib.get_close_matches(key.casefold(), list(folded), n=1, cutoff=0.75)
    return folded[match[0]] if match else None


_SKIPPED_DIRS = frozenset({"venv", ".venv", "node_modules", "tests", "test", "__pycache__", "policypacks"})
_SOURCES = (".py", ".ts", ".js", ".mjs", ".cjs")
_LITERAL = re.compile(r"""["'`]([A-Za-z_][A-Za-z0-9_.-]{0,99})["'`]""")


def program_literals(directory: Path) -> set[str]:
    """String literals of the program's sources (the project's .py/.ts/.js files, without virtualenvs,
    node_modules, hidden directories, tests and policy packs): the config keys the program can read.

    Static, so both engines agree; a key built at run time (f"{x}Id") is not seen."""
    found: set[str] = set()
    for root, dirs, files in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if d not in _SKIPPED_DIRS and not d.startswith("."))
        for name in files:
            if name.endswith(_SOURCES):
                try:
                    found.update(_LITERAL.findall(Path(root, name).read_text(errors="replace")))
                except OSError:
                    continue
    return found


def _undeclared(project: Project, keys: list[str], path: Path) -> list[Notice]:
    """Project-namespace keys of the stack file that are neither declared in Pulumi.yaml config nor named
    by the program's sources (`program_literals`): a typo the program never reads. The nearest declared or
    read key (difflib) is offered as "did you mean"."""
    mine = [k for k in keys if k.split(":", 1)[0] == project.name and k not in project.keys]
    if not mine:
        return []
    literals = program_literals(project.directory)
    lines = _key_lines(path, project.name)
    out = []
    for full in mine:
        short = full.split(":", 1)[1]
        if short in literals or full in literals:
            continue
        known = [k for k in project.keys if k != full]
        known += [f"{project.name}:{w}" for w in sorted(literals) if f"{project.name}:{w}" != full]
        near = _near(full, known)
        hint = (
            f"did you mean {near!r}?"
            if near
            else "declare it in Pulumi.yaml config if the program reads it, or remove it"
        )
        out.append(
            Notice(
                "undeclared-key",
                full,
                f"{path.name} line {lines.get(full, 0)}: {full!r} is neither declared in Pulumi.yaml config nor "
                f"read by the program; {hint}",
                lines.get(full),
            )
        )
    return out


_COMMENT_PLACEHOLDER = re.compile(r"(?:^|\s)#.*?\bPLACEHOLDER\b:?\s*(.*)$")
_VALUE_PLACEHOLDER = re.compile(r"\bplaceholder\b", re.IGNORECASE)


def _marked_placeholders(path: Path, project: str) -> list[Notice]:
    """Values the stack file marks PLACEHOLDER: a scalar whose text names it, or whose line carries a
    `# PLACEHOLDER[: what]` comment (a comment on a line of its own marks nothing)."""
    text = path.read_text()
    comments: dict[int, str] = {}
    for number, line in enumerate(text.splitlines()):
        m = _COMMENT_PLACEHOLDER.search(line)
        if m:
            comments[number] = m.group(1).strip()
    try:
        root = yaml.compose(text)
    except yaml.YAMLError:
        return []
    config = _child(root, "config")
    if config is None:
        return []
    out: list[Notice] = []

    def walk(node: yaml.Node, key: str) -> None:
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                walk(v, f"{key}.{k.value}")
        elif isinstance(node, yaml.SequenceNode):
            for i, v in enumerate(node.value):
                walk(v, f"{key}[{i}]")
        elif isinstance(node, yaml.ScalarNode):
            line = node.end_mark.line
            what = comments.get(line)
            if what is None and not _VALUE_PLACEHOLDER.search(str(node.value)):
                return
            shown = f"{key} = {node.value!r}" + (f" ({what})" if what else "")
            out.append(
                Notice(
                    "placeholder",
                    key,
                    f"{path.name} line {node.start_mark.line + 1}: {shown} is marked PLACEHOLDER; replace it "
                    "before pulumi up",
                    node.start_mark.line + 1,
                )
            )

    if isinstance(config, yaml.MappingNode):
        for k, v in config.value:
            if isinstance(v, yaml.MappingNode) and [n.value for n, _ in v.value] == ["secure"]:
                continue
            walk(v, _qualify(str(k.value), project))
    return out


def _key_lines(path: Path, project: str) -> dict[str, int]:
    """The line (1-based) of each top-level config key of a stack file, qualified."""
    try:
        config = _child(yaml.compose(path.read_text()), "config")
    except (OSError, yaml.YAMLError):
        return {}
    if not isinstance(config, yaml.MappingNode):
        return {}
    return {_qualify(str(k.value), project): k.start_mark.line + 1 for k, _ in config.value}


def _child(node: yaml.Node | None, key: str) -> yaml.Node | None:
    if not isinstance(node, yaml.MappingNode):
        return None
    return next((v for k, v in node.value if getattr(k, "value", None) == key), None)
