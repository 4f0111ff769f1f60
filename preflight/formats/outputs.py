"""What the CLI needs to offer every format: the names, parsing `--format`, rendering, file names.

Text and JSON are rendered by `preflight.report` (unchanged); the others by this package. Keeping the
dispatch here keeps the CLI's own change to a few lines.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from ..report import PreflightResult, render_json, render_text
from . import FORMATS

NAMES = ("text", "json", *FORMATS)
"""Every `--format` value, in the order the help lists them."""

_FILENAMES = {"text": "preflight.txt", "json": "preflight.json"} | {
    f.name: f.filename for f in FORMATS.values()
}


def parse_formats(values: Iterable[str] | None) -> list[str]:
    """`--format` values (repeated and/or comma-separated) as a list without duplicates; ValueError
    names an unknown one. No value means text."""
    out: list[str] = []
    for value in values or ():
        for name in (part.strip().lower() for part in value.split(",")):
            if not name:
                continue
            if name not in NAMES:
                raise ValueError(f"unknown format {name!r}; choose from {', '.join(NAMES)}")
            if name not in out:
                out.append(name)
    return out or ["text"]


def filename(fmt: str) -> str:
    """The file `--output-dir` writes for a format (`preflight.sarif`, `preflight.junit.xml`, ...)."""
    return _FILENAMES[fmt]


def render(
    fmt: str, result: PreflightResult, project_dir: Path | None, pack_labels: dict[str, str] | None = None
) -> str:
    """One format's text."""
    if fmt == "text":
        return render_text(result, pack_labels=pack_labels, project_dir=project_dir)
    if fmt == "json":
        return render_json(result, project_dir)
    return FORMATS[fmt].render(result, project_dir)


def write_all(
    formats: list[str],
    result: PreflightResult,
    directory: Path,
    project_dir: Path | None,
    pack_labels: dict[str, str] | None = None,
) -> list[Path]:
    """Write each format to `directory/<filename>`; returns the paths written."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for fmt in formats:
        path = directory / filename(fmt)
        path.write_text(render(fmt, result, project_dir, pack_labels), encoding="utf-8")
        written.append(path)
    return written
