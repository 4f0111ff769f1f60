"""Where a finding comes from in the team's code: the user's line of each resource, and the component
argument that set an offending property.

The SDK sends each registration with its call stack (`stackTrace`, topmost frame first) and the line that
made the call (`sourcePosition`). For a resource a component creates, the topmost frames are the
library's; the team's line is the first frame outside it: the `SecureMlWorkspace(...)` call. The library
is `components/` of this checkout and any installed `aml_secure_baseline` package; frames of the Pulumi
SDK, installed packages, the standard library and the preflight's own hosts are dropped when recorded.

Components that set properties of the resources they create from their own arguments say so in an
`argument_sources` output (see `components.platform.SecureMlWorkspace`); a finding that names such a
property on such a resource is attributed to the argument.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import re
import sysconfig
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from .model import RecordedResource

LIBRARY_PACKAGE = "aml_secure_baseline"
"""The import name of the installed library (packaging); its directory is library code like `components/`."""
ARGUMENT_SOURCES = "argument_sources"
"""The component output that lists which of its arguments set which property of which created resource."""
EVERY_DESCENDANT = "*"
"""In `argument_sources`, a URN that stands for every resource under the component that has the property."""

_OWN_DIR = str(Path(__file__).resolve().parent) + os.sep
_STDLIB = str(Path(sysconfig.get_paths()["stdlib"]).resolve()) + os.sep
_STDLIB_DIR = re.compile(r"[/\\]lib[/\\]python\d+(?:\.\d+)?[/\\]", re.IGNORECASE)
_PACKAGE_DIRS = frozenset({"site-packages", "dist-packages", "node_modules"})


# -- recording --------------------------------------------------------------------------------------


def source_file(uri: str) -> str:
    """The file a `file://` URI of a source position names (percent-escapes decoded); other URIs as sent."""
    if not uri.startswith("file:"):
        return uri
    path = unquote(urlparse(uri).path)
    if os.name == "nt" and re.match(r"^/[A-Za-z]:", path):
        path = path[1:]
    return path


@functools.lru_cache(maxsize=4096)
def runtime_file(path: str) -> bool:
    """True for a file of the runtime rather than of the program: the Pulumi SDK and any installed package
    (site-packages, node_modules), the standard library, the preflight's own language hosts."""
    if not path or path.startswith("<") or _PACKAGE_DIRS.intersection(re.split(r"[/\\]", path)):
        return True
    return path.startswith((_OWN_DIR, _STDLIB)) or _STDLIB_DIR.search(path) is not None


def program_frames(request: Any) -> tuple[tuple[str, int], ...]:
    """A RegisterResourceRequest's stack trace (topmost first) in program code: runtime frames dropped."""
    if not request.HasField("stackTrace"):
        return ()
    out: list[tuple[str, int]] = []
    for frame in request.stackTrace.frames:
        pc = frame.pc
        path = _program_file(pc.uri) if pc.uri else None
        if path is not None:
            out.append((path, pc.line))
    return tuple(out)


@functools.lru_cache(maxsize=4096)
def _program_file(uri: str) -> str | None:
    """The file a frame's URI names when it is program code, else None (the runtime's)."""
    path = source_file(uri)
    return None if runtime_file(path) else path


def argument_sources(outputs: Mapping[str, Any]) -> tuple[tuple[str, str, str], ...]:
    """(resource URN, property path, argument) triples from a component's `argument_sources` output,
    `[{"urn": ..., "properties": {path: argument}}]`; anything malformed is ignored (it is only a hint)."""
    entries = outputs.get(ARGUMENT_SOURCES)
    out: list[tuple[str, str, str]] = []
    for entry in entries if isinstance(entries, list) else ():
        if not isinstance(entry, dict):
            continue
        target, props = entry.get("urn"), entry.get("properties")
        if not isinstance(target, str) or not isinstance(props, dict):
            continue
        for path, argument in sorted(props.items()):
            if isinstance(path, str) and isinstance(argument, str) and path and argument:
                out.append((target, path, argument))
    return tuple(out)


# -- the user's line ---------------------------------------------------------------------------------


def library_roots() -> tuple[Path, ...]:
    """Directories of library code: this checkout's `components/` and an installed `aml_secure_baseline`."""
    roots = [Path(__file__).resolve().parent.parent / "components"]
    try:
        spec = importlib.util.find_spec(LIBRARY_PACKAGE)
    except (ImportError, ValueError):
        spec = None
    if spec is not None and spec.submodule_search_locations:
        roots += [Path(p).resolve() for p in spec.submodule_search_locations]
    return tuple(dict.fromkeys(roots))


@dataclass(frozen=True)
class Location:
    """A line of the program: `file` relative to the project (POSIX) when inside it, else absolute."""

    file: str
    line: int
    in_project: bool

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"

    def to_json(self) -> dict[str, Any]:
        """`{"file": ..., "line": ...}` for the JSON plan."""
        return {"file": self.file, "line": self.line}


@functools.lru_cache(maxsize=4096)
def _real(path: str) -> str:
    return os.path.realpath(path)


def _under(path: str, roots: tuple[str, ...]) -> bool:
    real = _real(path)
    return any(real == root or real.startswith(root + os.sep) for root in roots)


def locations(resources: Iterable[RecordedResource], project_dir: Path | None) -> dict[str, Location | None]:
    """The user's line of every resource, by URN: the first frame of its registration outside the library
    (the team's call of the component that created it, or the resource's own line), else the SDK's
    `sourcePosition` when that is outside the library, else the parent's line, else None.

    A library root inside the project directory is the project's own code (the baseline's own stacks):
    its lines are shown as they are."""
    project = _real(str(project_dir)) if project_dir is not None else None
    roots = tuple(
        real
        for real in (_real(str(root)) for root in library_roots())
        if project is None or not (real == project or real.startswith(project + os.sep))
    )
    items = list(resources)
    by_urn = {r.urn: r for r in items}
    out: dict[str, Location | None] = {}

    def shown(path: str, line: int) -> Location:
        if not os.path.isabs(path):  # relative to the program's working directory: the project
            return Location(Path(path).as_posix(), max(line, 1), True)
        if project is not None:
            real = _real(path)
            if real.startswith(project + os.sep):
                return Location(Path(os.path.relpath(real, project)).as_posix(), max(line, 1), True)
        return Location(Path(path).as_posix(), max(line, 1), False)

    def resolve(r: RecordedResource, seen: frozenset[str]) -> Location | None:
        if r.urn in out:
            return out[r.urn]
        found: Location | None = None
        for path, line in r.frames:
            if not _under(path, roots):
                found = shown(path, line)
                break
        if found is None and r.source is not None:
            path, line = r.source
            if not runtime_file(path) and not _under(path, roots):
                found = shown(path, line)
        if found is None and r.parent in by_urn and r.parent not in seen:
            found = resolve(by_urn[r.parent], seen | {r.urn})
        out[r.urn] = found
        return found

    for r in items:
        resolve(r, frozenset())
    return out


# -- the argument behind a finding -------------------------------------------------------------------


@dataclass(frozen=True)
class ArgumentSource:
    """A component argument that set a property of a resource: `SecureMlWorkspace` argument `isolation_mode`."""

    component: str
    argument: str
    property: str

    def __str__(self) -> str:
        return f"from {self.component} argument `{self.argument}`"

    def to_json(self) -> dict[str, str]:
        """`{"component": ..., "argument": ..., "property": ...}` for the JSON plan."""
        return {"component": self.component, "argument": self.argument, "property": self.property}


def argument_index(resources: Iterable[RecordedResource]) -> dict[str, list[tuple[int, ArgumentSource]]]:
    """For each resource URN, the argument sources components registered for it, with the depth of the
    component (0 for one the program created itself): the outermost component is the one the team called."""
    items = list(resources)
    by_urn = {r.urn: r for r in items}
    children: dict[str, list[str]] = {}
    for r in items:
        if r.parent:
            children.setdefault(r.parent, []).append(r.urn)

    def depth(urn: str) -> int:
        n, seen = 0, {urn}
        parent = by_urn[urn].parent if urn in by_urn else None
        while parent in by_urn and parent not in seen:
            seen.add(parent)
            n += 1
            parent = by_urn[parent].parent
        return n

    def descendants(urn: str) -> list[str]:
        out, stack = [], list(children.get(urn, ()))
        while stack:
            u = stack.pop()
            out.append(u)
            stack.extend(children.get(u, ()))
        return out

    index: dict[str, list[tuple[int, ArgumentSource]]] = {}
    for comp in items:
        if not comp.argument_sources:
            continue
        label = comp.type.rsplit(":", 1)[-1]
        level = depth(comp.urn)
        for target, path, argument in comp.argument_sources:
            source = ArgumentSource(label, argument, path)
            if target == EVERY_DESCENDANT:
                top = path.split(".", 1)[0]
                urns = [u for u in descendants(comp.urn) if top in by_urn[u].inputs]
            else:
                urns = [target]
            for u in urns:
                index.setdefault(u, []).append((level, source))
    return index


def _names(text: str, path: str) -> bool:
    """The message names the property path (or a path under it) as a whole word."""
    return re.search(rf"(?<![\w.]){re.escape(path)}(?![\w])", text) is not None


def argument_for(
    urn: str, message: str, index: Mapping[str, list[tuple[int, ArgumentSource]]]
) -> ArgumentSource | None:
    """The argument that set the property a finding on `urn` names: the most specific property path the
    message names, from the outermost component that registered one; None when no argument set it."""
    named = [(len(s.property), -level, s) for level, s in index.get(urn, ()) if _names(message, s.property)]
    if not named:
        return None
    return max(named, key=lambda t: (t[0], t[1]))[2]
