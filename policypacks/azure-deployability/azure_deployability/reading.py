"""Reading helpers copied from the aml-security pack (`aml_security/helpers.py`), kept identical by a test.

The two packs are shipped and published separately and share no code at runtime, so the few helpers that
read resources the same way (type token normalisation, proxies and secrets, unknowns, case-insensitive
comparison, role GUIDs, config defaults) are copied here verbatim. `tests/deployability/test_duplication.py`
compares every definition below with its original and fails when either side changes alone.
Do not edit a copied definition here: change it in aml-security and copy it again.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Final

from pulumi_policy import ResourceValidationArgs, StackValidationArgs
from pulumi_policy.proxy import _DictProxy, _ListProxy
from pulumi_policy.secret import Secret, _DictSecretsProxy, _ListSecretsProxy

COPIED: Final = (
    "UNKNOWN_SENTINELS",
    "SECRET_SIG_KEY",
    "SECRET_SIG",
    "_MAX_DEPTH",
    "_Marker",
    "MISSING",
    "UNKNOWN",
    "is_unknown",
    "raw",
    "_proxy_target",
    "_is_sequence_proxy",
    "_item",
    "_items",
    "_RENAMED",
    "normalize_type",
    "PathLike",
    "split_path",
    "path_str",
    "at",
    "same",
    "fmt",
    "shown",
    "present",
    "as_list",
    "as_dict",
    "guid_of",
    "_GUID",
    "str_list",
    "integer",
    "EXEMPT_RESOURCES",
    "is_exempt",
    "Config",
    "read_config",
    "could_not_evaluate",
)
"""The definitions copied from aml_security.helpers (the duplication test reads this list)."""


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


def present(tree: Any, path: PathLike) -> bool:
    """A reference is set: unknown counts as present (IDs are unknown on a first preview); "" does not."""
    value = at(tree, path)
    if value is UNKNOWN:
        return True
    if value is MISSING:
        return False
    return not (isinstance(value, str | list | dict) and len(value) == 0)


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


def could_not_evaluate(exc: BaseException) -> str:
    """The violation reported when a rule fails on malformed input (rules never raise)."""
    reason = str(exc).strip() or type(exc).__name__
    return f"could not evaluate: {type(exc).__name__}: {reason[:200]}"
