"""Report formats for a `PreflightResult`: SARIF, JUnit XML, Markdown, Mermaid, HTML.

Every renderer has the signature `render(result, project_dir) -> str`; `project_dir` makes source paths
relative (SARIF, JUnit, Markdown). `FORMATS` maps a `--format` name to its renderer and the file name
`--output-dir` writes. Text and JSON stay in `preflight.report`; the CLI adds them to this table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..report import PreflightResult
from .html import render_html
from .junit import render_junit
from .markdown import render_markdown
from .mermaid import render_mermaid
from .sarif import render_sarif

Renderer = Callable[[PreflightResult, Path | None], str]


@dataclass(frozen=True)
class Format:
    """A report format: its `--format` name, the file `--output-dir` writes, and its renderer."""

    name: str
    filename: str
    render: Renderer
    machine: bool = True
    """True when the output is for programs (never mixed with progress text on the same stream)."""


FORMATS: dict[str, Format] = {
    "sarif": Format("sarif", "preflight.sarif", render_sarif),
    "junit": Format("junit", "preflight.junit.xml", render_junit),
    "markdown": Format("markdown", "preflight.md", render_markdown),
    "mermaid": Format("mermaid", "preflight.mmd", render_mermaid),
    "html": Format("html", "preflight.html", render_html),
}

__all__ = [
    "FORMATS",
    "Format",
    "Renderer",
    "render_html",
    "render_junit",
    "render_markdown",
    "render_mermaid",
    "render_sarif",
]
