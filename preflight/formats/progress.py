"""Phase timings on stderr: what the preflight spent on loading, the program, and each policy pack.

`PreflightResult.timings` holds seconds per phase (`load`, `program`, `pack:<name>`, `total`); this
module only formats them, so machine formats on stdout are never mixed with progress text.
"""

from __future__ import annotations


def format_timings(timings: dict[str, float]) -> str:
    """One line: `preflight: load 0.00 s, program 1.39 s, pack aml-security 0.84 s, total 2.40 s`."""
    parts = []
    for phase, seconds in timings.items():
        name = f"pack {phase[5:]}" if phase.startswith("pack:") else phase
        parts.append(f"{name} {seconds:.2f} s")
    return "preflight: " + ", ".join(parts)


def starting(stack: str, packs: int) -> str:
    """The line printed before a run starts (the program and packs take seconds to minutes)."""
    return f"preflight: previewing stack {stack!r} offline with {packs} policy pack(s)..."
