"""Decode each resource once per request instead of once per policy.

pulumi-policy 1.21's `Analyze` converts, deserializes and proxies a resource's properties again for every
policy in the pack (49 times here); profiling shows that is about three quarters of the pack's time, the
rules themselves under a tenth. `install()` memoises those three steps on the identity of their input:
within one request every policy gets the same plain dict, deserialized tree and read-only proxy, and a
new request (a new message object) decodes afresh, so nothing is shared between requests. Policies only
read properties, so sharing within a request is safe; `Remediate` (which may rewrite properties) keeps its own copies
because it deserializes with secrets proxied, which is never cached. The cache is bounded and guarded by
a lock (the analyzer serves four requests at once). It installs only on the pulumi-policy version it was
written against, and `AML_SECURITY_DECODE_CACHE=0` turns it off.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import pulumi_policy
import pulumi_policy.policy as _policy
from google.protobuf import json_format as _json_format
from google.protobuf.message import Message

SUPPORTED_VERSIONS = ("1.21.",)
MAX_ENTRIES = 16384  # above a large stack's resource count, so AnalyzeStack hits across stack policies


class _Lru:
    """A small thread-safe LRU keyed by a hashable key or by object identity (holding the object)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.items: OrderedDict[Any, tuple[Any, Any]] = OrderedDict()
        self.lock = threading.Lock()
        self.hits = 0

    def get(self, key: Any, owner: Any = None) -> Any:
        with self.lock:
            entry = self.items.get(key)
            if entry is None or (owner is not None and entry[0] is not owner):
                return None
            self.items.move_to_end(key)
            self.hits += 1
            return entry[1]

    def put(self, key: Any, value: Any, owner: Any = None) -> None:
        with self.lock:
            self.items[key] = (owner, value)
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)


class _JsonFormat:
    """`google.protobuf.json_format` as pulumi-policy uses it, `MessageToDict` memoised per message object."""

    def __init__(self, cache: _Lru) -> None:
        self._cache = cache

    def __getattr__(self, name: str) -> Any:
        return getattr(_json_format, name)

    def MessageToDict(self, message: Message, *args: Any, **kwargs: Any) -> Any:
        if args or kwargs:
            return _json_format.MessageToDict(message, *args, **kwargs)
        found = self._cache.get(id(message), owner=message)
        if found is None:
            found = _json_format.MessageToDict(message)
            self._cache.put(id(message), found, owner=message)
        return found


def _by_identity(func: Callable[..., Any], cache: _Lru) -> Callable[..., Any]:
    """Memoise a one-argument function on the identity of its argument (the cache holds the argument)."""

    def cached(value: Any, *rest: Any) -> Any:
        if rest and any(rest):  # deserialize_properties(props, proxy_secrets=True): Remediate, never shared
            return func(value, *rest)
        found = cache.get(id(value), owner=value)
        if found is None:
            found = func(value)
            cache.put(id(value), found, owner=value)
        return found

    cached.__wrapped__ = func  # type: ignore[attr-defined]
    return cached


def install() -> bool:
    """Install the caches into pulumi-policy's analyzer; False (and nothing changed) when not applicable."""
    if os.environ.get("AML_SECURITY_DECODE_CACHE", "1") == "0":
        return False
    version = getattr(pulumi_policy, "__version__", None) or _installed_version()
    if not version.startswith(SUPPORTED_VERSIONS):
        return False
    if not all(
        hasattr(_policy, n) for n in ("json_format", "deserialize_properties", "unknown_checking_proxy")
    ):
        return False
    if isinstance(_policy.json_format, _JsonFormat):
        return True
    _policy.json_format = _JsonFormat(_Lru(MAX_ENTRIES))
    _policy.deserialize_properties = _by_identity(_policy.deserialize_properties, _Lru(MAX_ENTRIES))
    _policy.unknown_checking_proxy = _by_identity(_policy.unknown_checking_proxy, _Lru(MAX_ENTRIES))
    return True


def _installed_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("pulumi-policy")
    except PackageNotFoundError:
        return ""
