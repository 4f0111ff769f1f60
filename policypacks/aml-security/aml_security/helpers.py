"""The reading rules of the control catalogue (README.md), each implemented once: every policy reads resources through here.

- Type tokens: `normalize_type` maps every form the engine sends to `azure-native:<module>:<Resource>`.
- Proxies and secrets: `raw` turns pulumi-policy's proxies into plain dicts and lists and unwraps secrets,
  so reading can never raise `UnknownValueError` (which the SDK would downgrade to an advisory warning).
- Unknowns: `at` returns `UNKNOWN` for an engine sentinel anywhere on the path; settings must be known
  (`expect`), references may be unknown and count as present (`present`).
- Absent: `MISSING`; `expect` reports it with the service's insecure default.
- Case: `same` compares strings case-insensitively (enums, role GUIDs).
- Never raise: `resource_policy`/`stack_policy` wrap each rule and turn any exception into a violation.
- Stack correlation: `StackIndex.covers` uses property dependencies first, equal known IDs second.
"""

from __future__ import annotations

import copy
import json
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Final, cast

from pulumi_policy import (
    EnforcementLevel,
    PolicyComplianceFramework,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import _DictProxy, _ListProxy
from pulumi_policy.secret import Secret, _DictSecretsProxy, _ListSecretsProxy

# -- unknowns and secrets ---------------------------------------------------------------------------

# Every sentinel the engine or pulumi-policy uses for a value not known during preview (proxy.py).
UNKNOWN_SENTINELS: Final = frozenset(
    {
        "04da6b54-80e4-46f7-96ec-b56ff0331ba9",  # string (the one the engine sends)
        "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",  # boolean
        "3eeb2bf0-c639-47a8-9e75-3b44932eb421",  # number
        "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",  # array
        "030794c1-ac77-496b-92df-f27374a8bd58",  # asset
        "e48ece36-62e2-4504-bad9-02848725956a",  # archive
        "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",  # object
    }
)
SECRET_SIG_KEY: Final = "4dabf18193072939515e22adb298388d"
SECRET_SIG: Final = "1b47061264138c4ac30d75fd1eb44270"
_MAX_DEPTH: Final = 200


class _Marker:
    """A named singleton for a property state that is not a value (absent, unknown)."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __repr__(self) -> str:
        return self._name

    def __bool__(self) -> bool:
        return False


MISSING: Final = _Marker("MISSING")
"""The property is absent (or null): the service applies its default."""
UNKNOWN: Final = _Marker("UNKNOWN")
"""The property is computed from another resource's output and not known during preview."""


def is_unknown(value: Any) -> bool:
    """True for the UNKNOWN marker or an engine sentinel string."""
    return value is UNKNOWN or (isinstance(value, str) and value in UNKNOWN_SENTINELS)


def raw(value: Any, *, keep_secrets: bool = False, _depth: int = 0) -> Any:
    """Plain dicts/lists from pulumi-policy proxies (`__target`), with secrets unwrapped.

    `keep_secrets=True` keeps `pulumi_policy.Secret` objects (remediations must return them so the
    engine keeps the value secret). Sentinel strings stay as they are: `at` interprets them.
    """
    if _depth > _MAX_DEPTH:
        return UNKNOWN
    target = _proxy_target(value)
    if target is not None:
        value = target
    if isinstance(value, Secret):
        return value if keep_secrets else raw(value.value, keep_secrets=False, _depth=_depth + 1)
    if isinstance(value, Mapping):
        if value.get(SECRET_SIG_KEY) == SECRET_SIG and "value" in value:
            return raw(value["value"], keep_secrets=keep_secrets, _depth=_depth + 1)
        return {str(k): raw(_item(value, k), keep_secrets=keep_secrets, _depth=_depth + 1) for k in value}
    if isinstance(value, list | tuple) or _is_sequence_proxy(value):
        return [raw(v, keep_secrets=keep_secrets, _depth=_depth + 1) for v in _items(value)]
    return value


def _proxy_target(value: Any) -> Any:
    """The wrapped object of a pulumi-policy proxy (unknown-checking or secrets-preserving), else None."""
    if isinstance(value, _DictProxy | _ListProxy | _DictSecretsProxy | _ListSecretsProxy):
        return value["__target"]
    return None


def _is_sequence_proxy(value: Any) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, str | bytes | bytearray)


def _item(mapping: Mapping[Any, Any], key: Any) -> Any:
    """One value of a mapping, reading the raw target of proxies so no sentinel check runs."""
    if isinstance(mapping, dict):
        return dict.__getitem__(mapping, key)
    return mapping[key]


def _items(seq: Any) -> list[Any]:
    if isinstance(seq, list | tuple):
        return list(seq)
    return [seq[i] for i in range(len(seq))]


# -- type tokens ------------------------------------------------------------------------------------

# v2 module names renamed in v3 (v2 `insights` was split; private zones lived in `network`).
_RENAMED: Final = {
    "insights:Component": "applicationinsights:Component",
    "insights:DiagnosticSetting": "monitor:DiagnosticSetting",
    "network:PrivateZone": "privatedns:PrivateZone",
}


@lru_cache(maxsize=4096)
def normalize_type(token: str) -> str:
    """`azure-native:<module>:<Resource>` for every form: plain, API-versioned, local package, v2 name.

    Examples: `azure-native:storage/v20240101:StorageAccount`,
    `azure-native_machinelearningservices_v20240401:machinelearningservices:Workspace`,
    `azure-native:insights:Component`. Non-azure-native tokens come back unchanged.
    """
    if not isinstance(token, str):
        return ""
    parts = token.split(":")
    if len(parts) != 3:
        return token
    package, module, resource = parts
    if package != "azure-native" and not package.startswith("azure-native_"):
        return token
    module = module.split("/", 1)[0].lower()
    key = f"{module}:{resource}"
    return "azure-native:" + _RENAMED.get(key, key)


# -- property paths ---------------------------------------------------------------------------------

PathLike = str | Sequence[str | int]


def split_path(path: PathLike) -> list[str | int]:
    """`"a.b.c"` or a sequence of keys/indexes as a list of steps."""
    return list(path.split(".")) if isinstance(path, str) else list(path)


def path_str(path: PathLike) -> str:
    """A path as it appears in messages: `managedNetwork.isolationMode`, `securityRules[0].access`."""
    if isinstance(path, str):
        return path
    out = ""
    for step in path:
        if isinstance(step, int):
            out += f"[{step}]"
        else:
            out += ("." if out else "") + step
    return out


def at(tree: Any, path: PathLike) -> Any:
    """The value at `path`: a plain value, `MISSING` (absent or null) or `UNKNOWN`.

    An unknown anywhere on the path makes the result unknown; a step into a value that is not a
    mapping (or a list, for an int step) is `MISSING`: malformed input reads as absent.
    """
    current = tree
    for step in split_path(path):
        if is_unknown(current):
            return UNKNOWN
        if isinstance(step, int):
            if not isinstance(current, list) or not -len(current) <= step < len(current):
                return MISSING
            current = current[step]
        else:
            if not isinstance(current, dict) or step not in current:
                return MISSING
            current = current[step]
        if current is None:
            return MISSING
    return UNKNOWN if is_unknown(current) else current


def same(a: Any, b: Any) -> bool:
    """Equality for settings: strings case-insensitively, booleans only with booleans, numbers by value."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a is b
    if isinstance(a, str) and isinstance(b, str):
        return a.casefold() == b.casefold()
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    return False


def fmt(value: Any) -> str:
    """A value as messages show it: JSON (`"Enabled"`, `true`, `3072`), shortened when long."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    try:
        text = json.dumps(value, sort_keys=True, default=str)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def shown(value: Any) -> str:
    """`not set` for an absent value, else the value as `fmt` shows it."""
    return "not set" if value is MISSING else fmt(value)


def fmt_choices(values: Sequence[Any]) -> str:
    """`"A"`, `"A" or "B"`, `one of "A", "B", "C"`."""
    shown = [fmt(v) for v in values]
    if len(shown) == 1:
        return shown[0]
    if len(shown) == 2:
        return f"{shown[0]} or {shown[1]}"
    return "one of " + ", ".join(shown)


def unknown_message(path: PathLike) -> str:
    """The violation for a setting that is not known at preview."""
    return f"{path_str(path)} must be known at preview (it is computed from another resource's output)."


def expect(
    tree: Any,
    path: PathLike,
    allowed: Sequence[Any],
    *,
    default: Any = MISSING,
    absent_ok: bool = False,
    show: str | None = None,
) -> list[str]:
    """Violations unless the setting at `path` is one of `allowed` (case-insensitive for strings).

    Absent: compliant when `absent_ok` (the service default is secure), otherwise reported with the
    service's `default`. Unknown: always a violation (settings must be known at preview).
    `show` overrides how the requirement is written (e.g. `false`).
    """
    value = at(tree, path)
    where = path_str(path)
    want = show or fmt_choices(allowed)
    if value is UNKNOWN:
        return [unknown_message(path)]
    if value is MISSING:
        if absent_ok:
            return []
        if default is MISSING:
            return [f"{where} is not set; set it to {want}."]
        shown_default = default if isinstance(default, str) else fmt(default)
        return [f"{where} is not set; Azure's default is {shown_default}, set it to {want}."]
    if any(same(value, ok) for ok in allowed):
        return []
    return [f"{where} is {fmt(value)}; must be {want}."]


def forbid_true(tree: Any, path: PathLike) -> list[str]:
    """Violations unless the flag at `path` is false or absent (Azure's default is false)."""
    return expect(tree, path, [False], absent_ok=True)


def present(tree: Any, path: PathLike) -> bool:
    """A reference is set: unknown counts as present (IDs are unknown on a first preview); "" does not."""
    value = at(tree, path)
    if value is UNKNOWN:
        return True
    if value is MISSING:
        return False
    return not (isinstance(value, str | list | dict) and len(value) == 0)


def require_reference(tree: Any, path: PathLike, why: str) -> list[str]:
    """Violation when the reference at `path` is absent or empty; `why` completes the sentence."""
    return [] if present(tree, path) else [f"{path_str(path)} is not set; {why}."]


def as_list(value: Any) -> list[Any]:
    """A list value, or [] for anything else (absent, unknown, malformed)."""
    return value if isinstance(value, list) else []


def as_dict(value: Any) -> dict[str, Any]:
    """A dict value, or {} for anything else."""
    return value if isinstance(value, dict) else {}


def guid_of(role_definition_id: Any) -> str | None:
    """The lower-case GUID at the end of a role definition ID (full path or bare GUID), else None."""
    if not isinstance(role_definition_id, str) or is_unknown(role_definition_id):
        return None
    last = role_definition_id.rstrip("/").rsplit("/", 1)[-1].strip().lower()
    return last if _GUID.fullmatch(last) else None


_GUID: Final = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")

# -- configuration ----------------------------------------------------------------------------------


def str_list(schema_default: list[str], description: str, **extra: Any) -> dict[str, Any]:
    """A config schema property: a list of strings with its default."""
    return {
        "type": "array",
        "items": {"type": "string"},
        "default": schema_default,
        "description": description,
    } | extra


def integer(schema_default: int, description: str, minimum: int = 0, **extra: Any) -> dict[str, Any]:
    """A config schema property: an integer with its default and minimum."""
    return {
        "type": "integer",
        "minimum": minimum,
        "default": schema_default,
        "description": description,
    } | extra


EXEMPT_RESOURCES: Final = str_list(
    [],
    "Logical resource names or URNs this policy skips (an explicit, reviewable exception).",
)


def is_exempt(cfg: Config, name: str, urn: str) -> bool:
    """True when the resource's logical name or URN is listed in `exemptResources`."""
    exempt = cfg.strings("exemptResources")
    return bool(exempt) and (name in exempt or urn in exempt)


@dataclass(frozen=True)
class Config:
    """A policy's configuration: what the engine sent, with schema defaults for missing or mistyped keys."""

    values: Mapping[str, Any]
    schema: Mapping[str, Mapping[str, Any]]

    def strings(self, key: str) -> list[str]:
        """A list-of-strings setting (the default when absent or not a list of strings)."""
        value = self.values.get(key, MISSING)
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return list(value)
        return list(self.schema.get(key, {}).get("default", []))

    def integer(self, key: str) -> int:
        """An integer setting; JSON numbers arrive as floats over gRPC."""
        value = self.values.get(key, MISSING)
        if isinstance(value, int | float) and not isinstance(value, bool) and float(value).is_integer():
            return int(value)
        return int(self.schema.get(key, {}).get("default", 0))


def read_config(args: ResourceValidationArgs | StackValidationArgs, schema: Mapping[str, Any]) -> Config:
    """The policy's config from `args.get_config()`; never raises (falls back to the defaults)."""
    try:
        values = raw(args.get_config()) or {}
    except Exception:
        values = {}
    return Config(values if isinstance(values, dict) else {}, schema)


# -- metadata ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Anchors:
    """The controls a policy mirrors: Azure Policy GUIDs, Checkov IDs, MCSB controls, other sources."""

    azure_policy: tuple[str, ...] = ()
    checkov: tuple[str, ...] = ()
    mcsb: tuple[str, ...] = ()
    other: tuple[str, ...] = ()

    def tags(self) -> list[str]:
        """Tags carrying every anchor, prefixed by its source (`azure-policy:<guid>`, `checkov:CKV_...`)."""
        return (
            [f"azure-policy:{g}" for g in self.azure_policy]
            + [f"checkov:{c}" for c in self.checkov]
            + [f"mcsb:{m}" for m in self.mcsb]
            + [f"source:{o}" for o in self.other]
        )

    def framework(self) -> PolicyComplianceFramework:
        """The primary framework: Azure Policy, else Checkov, else MCSB, else the other source."""
        if self.azure_policy:
            return PolicyComplianceFramework(name="Azure Policy", reference=",".join(self.azure_policy))
        if self.checkov:
            return PolicyComplianceFramework(name="Checkov", reference=",".join(self.checkov))
        if self.mcsb:
            return PolicyComplianceFramework(
                name="Microsoft Cloud Security Benchmark", version="v1", reference=",".join(self.mcsb)
            )
        return PolicyComplianceFramework(
            name="aml-secure-baseline", reference=",".join(self.other) or "derived"
        )


# -- the never-raise policy wrappers ----------------------------------------------------------------


@dataclass(frozen=True)
class Resource:
    """One resource as a rule sees it: normalised type, plain properties, identity.

    For a resource reached through another path (generic resource, ARM template, classic provider;
    `paths.py`), `type` and `props` are the azure-native view and `name`/`urn` the Pulumi resource's.
    """

    type: str
    name: str
    urn: str
    props: dict[str, Any]


Check = Callable[[Resource, Config], Iterable[str]]
Fixes = Callable[[Resource, Config], list[tuple[str, Any]]]


def could_not_evaluate(exc: BaseException) -> str:
    """The violation reported when a rule fails on malformed input (rules never raise)."""
    reason = str(exc).strip() or type(exc).__name__
    return f"could not evaluate: {type(exc).__name__}: {reason[:200]}"


def resource_policy(
    *,
    name: str,
    description: str,
    types: Iterable[str],
    check: Check,
    severity: Severity,
    anchors: Anchors,
    remediation_steps: str,
    config: Mapping[str, dict[str, Any]] | None = None,
    advisory: bool = False,
    fixes: Fixes | None = None,
) -> ResourceValidationPolicy:
    """A resource policy over normalised types whose `check` yields messages; it never raises.

    `fixes`, when given, lists safe `(path, value)` changes that the `remediate` level applies.
    """
    wanted = frozenset(types)
    schema = {"exemptResources": EXEMPT_RESOURCES} | dict(config or {})

    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        try:
            rtype = normalize_type(args.resource_type)
            if rtype not in wanted:
                if rtype.startswith(_PATH_PREFIXES):  # typed resources of other types stop here
                    for view_resource, view in _views_of(args, wanted, rtype):
                        _validate_view(view_resource, view, args, report)
                return
            props = raw(args.props)
            resource = Resource(
                rtype, str(args.name), str(args.urn), props if isinstance(props, dict) else {}
            )
            cfg = read_config(args, schema)
            if is_exempt(cfg, resource.name, resource.urn):
                return
            for message in check(resource, cfg):
                report(str(message), None)
        except Exception as exc:
            report(could_not_evaluate(exc), None)

    def _validate_view(
        resource: Resource, view: Any, args: ResourceValidationArgs, report: ReportViolation
    ) -> None:
        """One governed resource reached through a path: the same check, messages naming the path."""
        try:
            cfg = read_config(args, schema)
            if is_exempt(cfg, resource.name, resource.urn) or is_exempt(
                cfg, f"{resource.name}/{view.name}", ""
            ):
                return
            if view.unreadable is not None:
                report(
                    view.where
                    + unknown_message(view.unreadable).rstrip(".")
                    + f"; without it this control cannot be verified ({description.rstrip('.')}).",
                    None,
                )
                return
            for message in check(resource, cfg):
                report(view.annotate(str(message)), None)
        except Exception as exc:
            report(view.where + could_not_evaluate(exc), None)

    def remediate(args: ResourceValidationArgs) -> Mapping[str, Any] | None:
        try:
            resource = _resource_of(args, wanted)
            if resource is None or fixes is None:
                return None
            cfg = read_config(args, schema)
            if is_exempt(cfg, resource.name, resource.urn):
                return None
            changes = fixes(resource, cfg)
            if not changes:
                return None
            props = raw(args.props, keep_secrets=True)
            if not isinstance(props, dict):
                return None
            props = copy.deepcopy(props)
            for path, value in changes:
                if not set_path(props, path, value):
                    return None
            return props
        except Exception:
            return None

    return ResourceValidationPolicy(
        name=name,
        description=description,
        validate=validate,
        # pulumi-policy accepts a plain (non-awaitable) result too (policy.py: Remediate).
        remediate=cast(Any, remediate) if fixes is not None else None,
        enforcement_level=EnforcementLevel.ADVISORY if advisory else None,
        config_schema=PolicyConfigSchema(properties=schema),
        severity=severity,
        framework=anchors.framework(),
        tags=anchors.tags(),
        remediation_steps=remediation_steps,
    )


def _resource_of(args: ResourceValidationArgs, wanted: frozenset[str]) -> Resource | None:
    rtype = normalize_type(args.resource_type)
    if rtype not in wanted:
        return None
    props = raw(args.props)
    return Resource(rtype, str(args.name), str(args.urn), props if isinstance(props, dict) else {})


_PATH_PREFIXES: Final = ("azure:", "azure-native:resources:Resource", "azure-native:resources:Deployment")
_VIEWS_LOCK: Final = threading.Lock()
_VIEWS: OrderedDict[int, tuple[Any, list[Any]]] = OrderedDict()
_VIEWS_SIZE: Final = 64


def _views_of(args: ResourceValidationArgs, wanted: frozenset[str], rtype: str) -> list[tuple[Resource, Any]]:
    """The governed resources a generic resource, template deployment or classic resource declares, as
    (Resource view, paths.View) pairs of the wanted types. Typed resources return at the first check.

    The views of one request are computed once and shared by every policy (keyed on the identity of the
    request's property object, which the decode cache shares; without it, each policy computes its own).
    """
    from . import paths

    if not paths.is_path_type(rtype):
        return []
    owner = args.props
    with _VIEWS_LOCK:
        entry = _VIEWS.get(id(owner))
    if entry is not None and entry[0] is owner:
        views = entry[1]
    else:
        props = raw(owner)
        views = paths.views_of(rtype, str(args.name), props if isinstance(props, dict) else {})
        with _VIEWS_LOCK:
            _VIEWS[id(owner)] = (owner, views)
            while len(_VIEWS) > _VIEWS_SIZE:
                _VIEWS.popitem(last=False)
    return [(Resource(v.type, str(args.name), str(args.urn), v.props), v) for v in views if v.type in wanted]


def set_path(tree: dict[str, Any], path: PathLike, value: Any) -> bool:
    """Set `path` in a plain tree, creating absent objects; False (no change) when a step is unknown
    or not an object, because overwriting it would be neither safe nor unambiguous."""
    steps = split_path(path)
    current: Any = tree
    for step in steps[:-1]:
        if not isinstance(current, dict) or not isinstance(step, str):
            return False
        nxt = current.get(step)
        if nxt is None:
            nxt = current[step] = {}
        if not isinstance(nxt, dict):
            return False
        current = nxt
    last = steps[-1]
    if not isinstance(current, dict) or not isinstance(last, str):
        return False
    current[last] = value
    return True


def fixes_for(*pairs: tuple[Check, str, Any]) -> Fixes:
    """Remediation from (check, path, safe value): apply the value when that check reports."""

    def fixes(resource: Resource, cfg: Config) -> list[tuple[str, Any]]:
        return [(path, value) for check, path, value in pairs if list(check(resource, cfg))]

    return fixes


# -- stack rules ------------------------------------------------------------------------------------


@dataclass
class StackResource:
    """A resource in the stack graph: plain properties and property dependencies by URN."""

    type: str
    name: str
    urn: str
    props: dict[str, Any]
    property_dependencies: dict[str, set[str]] = field(default_factory=dict)

    def known_id(self) -> str | None:
        """The resource ID when known (an `id` property), lower-cased for comparison."""
        value = self.props.get("id")
        if isinstance(value, str) and value and not is_unknown(value):
            return value.lower()
        return None


class StackIndex:
    """The stack by normalised type, with coverage through property dependencies or equal known IDs."""

    def __init__(self, resources: list[StackResource]) -> None:
        self.resources = resources
        self._by_type: dict[str, list[StackResource]] = {}
        self._by_urn = {r.urn: r for r in resources}
        for r in resources:
            self._by_type.setdefault(r.type, []).append(r)

    def by_urn(self, urn: str | None) -> StackResource | None:
        """The resource with this URN, if it is in the stack."""
        return self._by_urn.get(urn) if urn else None

    def of_type(self, *types: str) -> list[StackResource]:
        """Resources of the given normalised types, in stack order."""
        return [r for t in types for r in self._by_type.get(t, [])]

    @staticmethod
    def covers(source: StackResource, prop: str, target: StackResource, values: Iterable[Any] = ()) -> bool:
        """True when `source.prop` depends on `target` (its property dependencies name target's URN),
        or one of `values` (strings read from source) equals target's known ID."""
        if target.urn in source.property_dependencies.get(prop, set()):
            return True
        target_id = target.known_id()
        if target_id is None:
            return False
        return any(isinstance(v, str) and v.lower() == target_id for v in values)


def stack_resources(args: StackValidationArgs) -> list[StackResource]:
    """Every resource of the stack with plain properties; resources that cannot be read are skipped."""
    out: list[StackResource] = []
    for r in args.resources:
        try:
            props = raw(r.props)
            deps: dict[str, set[str]] = {}
            for key, dependents in (r.property_dependencies or {}).items():
                deps[str(key)] = {str(d.urn) for d in dependents if getattr(d, "urn", None)}
            rtype = normalize_type(r.resource_type)
            plain = props if isinstance(props, dict) else {}
            out.append(StackResource(rtype, str(r.name), str(r.urn), plain, deps))
            out += _stack_views(rtype, str(r.name), str(r.urn), plain, deps)
        except Exception:
            continue
    return out


def _stack_views(
    rtype: str, name: str, urn: str, props: dict[str, Any], deps: dict[str, set[str]]
) -> list[StackResource]:
    """Generic and classic resources join the stack graph as their azure-native views (same URN, their
    property dependencies under the azure-native names); resources inside ARM templates do not (their
    references are template expressions, not Pulumi dependencies)."""
    from . import paths

    if not paths.is_path_type(rtype) or rtype in paths.TEMPLATE_HOLDERS:
        return []
    out = []
    for view in paths.views_of(rtype, name, props):
        if view.unreadable is not None:
            continue
        out.append(StackResource(view.type, name, urn, view.props, paths.native_dependencies(rtype, deps)))
    return out


StackCheck = Callable[[StackIndex, Config], Iterable[tuple[str, str | None]]]


def stack_policy(
    *,
    name: str,
    description: str,
    check: StackCheck,
    severity: Severity,
    anchors: Anchors,
    remediation_steps: str,
    config: Mapping[str, dict[str, Any]] | None = None,
    advisory: bool = False,
) -> StackValidationPolicy:
    """A stack policy whose `check` yields (message, urn or None); it never raises."""
    schema = {"exemptResources": EXEMPT_RESOURCES} | dict(config or {})

    def validate(args: StackValidationArgs, report: ReportViolation) -> None:
        try:
            index = StackIndex(stack_resources(args))
            cfg = read_config(args, schema)
            for message, urn in check(index, cfg):
                subject = index.by_urn(urn)
                if subject is not None and is_exempt(cfg, subject.name, subject.urn):
                    continue
                report(str(message), urn)
        except Exception as exc:
            report(could_not_evaluate(exc), None)

    return StackValidationPolicy(
        name=name,
        description=description,
        validate=validate,
        enforcement_level=EnforcementLevel.ADVISORY if advisory else None,
        config_schema=PolicyConfigSchema(properties=schema),
        severity=severity,
        framework=anchors.framework(),
        tags=anchors.tags(),
        remediation_steps=remediation_steps,
    )


def iter_map(value: Any) -> Iterator[tuple[str, Any]]:
    """(key, value) pairs of a dict; nothing for anything else."""
    if isinstance(value, dict):
        yield from value.items()
